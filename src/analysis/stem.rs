//! American spelling and English (Porter 2) stemming, with a cache: [`CachedStemmer`].
//!
//! Text repeats its words (Zipf), so most tokens are normalized many times. The filter keeps
//! the terms it has computed, per analyzer instance (each indexing thread has its own), and
//! clears the cache when it reaches [`MAX_CACHED`] words, bounding its memory. A word becomes
//! [`spelling::americanize`]d, then (unless built with `stem: false`) its English (Porter 2)
//! stem from the `frostem` crate; a test holds the stems of a fixed vocabulary, and the
//! stemmer's version is part of the index fingerprint. Words the cache
//! misses are also handed to a [`Vocabulary`] when one is attached (the indexer's analyzers):
//! the words a corpus holds, for typo correction, at no extra tokenizing cost.

use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

use super::spelling;

/// Most words a cache holds before it starts over.
pub const MAX_CACHED: usize = 50_000;

/// Shortest word a [`Vocabulary`] keeps.
const MIN_VOCABULARY_CHARS: usize = 3;

/// The normalizing filter; see the module docs.
#[derive(Clone, Default)]
pub struct CachedStemmer {
    /// Stem after the spelling normalization (else only normalize spelling).
    pub stem: bool,
    /// Where to record the words seen, if anywhere.
    pub vocabulary: Option<Vocabulary>,
}

/// The distinct words (lowercased, folded, before spelling and stemming) seen by every
/// analyzer that shares it. Only words of letters, at least three long, are kept.
#[derive(Clone, Default)]
pub struct Vocabulary(Arc<Mutex<HashSet<String>>>);

impl Vocabulary {
    fn add(&self, word: &str) {
        if word.len() >= MIN_VOCABULARY_CHARS && word.bytes().all(|b| b.is_ascii_lowercase()) {
            let mut words = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !words.contains(word) {
                words.insert(word.to_string());
            }
        }
    }

    /// The words seen so far.
    pub fn words(&self) -> HashSet<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: HashMap::default(),
            config: self,
        }
    }
}

/// A tokenizer followed by cached normalization.
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: HashMap<String, String>,
    config: CachedStemmer,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
            config: &self.config,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// The token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<'a, S> {
    tail: S,
    cache: &'a mut HashMap<String, String>,
    config: &'a CachedStemmer,
    stemmer: frostem::Stemmer,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.cache.get(&token.text) {
            token.text.clone_from(stem);
            return true;
        }
        if let Some(vocabulary) = &self.config.vocabulary {
            vocabulary.add(&token.text);
        }
        let word = spelling::americanize(&token.text);
        let stem = if self.config.stem {
            self.stemmer.stem(&word).into_owned()
        } else {
            word.into_owned()
        };
        if self.cache.len() >= MAX_CACHED {
            self.cache.clear();
        }
        self.cache
            .insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};

    use super::*;

    /// Fixed stems: the English (Porter 2) stemmer's reference output for a sample of its
    /// published vocabulary and its documented exceptions, and words of the material. The
    /// stemmer decides what an index holds: a new stemmer version that stems any of these
    /// differently fails here (and changes the index fingerprint, see `index::manifest`).
    const EXPECTED_STEMS: &[(&str, &str)] = &[
        ("consign", "consign"),
        ("consigned", "consign"),
        ("consignment", "consign"),
        ("consistency", "consist"),
        ("consistently", "consist"),
        ("consolation", "consol"),
        ("consolatory", "consolatori"),
        ("consolidated", "consolid"),
        ("consolingly", "consol"),
        ("consonant", "conson"),
        ("conspicuously", "conspicu"),
        ("conspiracy", "conspiraci"),
        ("conspirators", "conspir"),
        ("constables", "constabl"),
        ("constancy", "constanc"),
        ("knackeries", "knackeri"),
        ("knaves", "knave"),
        ("kneaded", "knead"),
        ("knightly", "knight"),
        ("knitting", "knit"),
        ("knives", "knive"),
        ("knowledge", "knowledg"),
        ("known", "known"),
        ("generously", "generous"),
        ("ponies", "poni"),
        ("dying", "die"),
        ("lying", "lie"),
        ("skis", "ski"),
        ("idly", "idl"),
        ("gently", "gentl"),
        ("ugly", "ugli"),
        ("early", "earli"),
        ("only", "onli"),
        ("singly", "singl"),
        ("news", "news"),
        ("inning", "inning"),
        ("outing", "outing"),
        ("herring", "herring"),
        ("proceed", "proceed"),
        ("exceed", "exceed"),
        ("succeed", "succeed"),
        ("atlas", "atlas"),
        ("cosmos", "cosmos"),
        ("bias", "bias"),
        ("running", "run"),
        ("happiness", "happi"),
        ("caring", "care"),
        ("chemotherapy", "chemotherapi"),
        ("metastases", "metastas"),
        ("radiofrequency", "radiofrequ"),
        ("ablation", "ablat"),
        ("hepatic", "hepat"),
        ("arterial", "arteri"),
        ("neuroendocrine", "neuroendocrin"),
        ("embolization", "embol"),
        ("therapies", "therapi"),
    ];

    #[test]
    fn stems_are_the_reference_stems_on_every_pass() {
        let text: Vec<&str> = EXPECTED_STEMS.iter().map(|(word, _)| *word).collect();
        let text = text.join(" ");
        let mut analyzer = TextAnalyzer::builder(WhitespaceTokenizer::default())
            .filter(CachedStemmer {
                stem: true,
                vocabulary: None,
            })
            .build();
        // The second pass is answered from the cache.
        for _ in 0..2 {
            let mut stems = Vec::new();
            analyzer
                .token_stream(&text)
                .process(&mut |t| stems.push(t.text.clone()));
            let expected: Vec<&str> = EXPECTED_STEMS.iter().map(|(_, stem)| *stem).collect();
            assert_eq!(stems, expected);
        }
    }

    #[test]
    fn british_spellings_become_american_before_stemming() {
        let mut a = TextAnalyzer::builder(WhitespaceTokenizer::default())
            .filter(CachedStemmer {
                stem: true,
                vocabulary: None,
            })
            .build();
        let mut out = Vec::new();
        a.token_stream("tumours tumors embolisation embolization")
            .process(&mut |t| out.push(t.text.clone()));
        assert_eq!(out, ["tumor", "tumor", "embol", "embol"]);
    }

    #[test]
    fn vocabulary_collects_words_of_letters() {
        let vocabulary = Vocabulary::default();
        let mut a = TextAnalyzer::builder(WhitespaceTokenizer::default())
            .filter(CachedStemmer {
                stem: true,
                vocabulary: Some(vocabulary.clone()),
            })
            .build();
        a.token_stream("tumours in 2024 tumours ab")
            .process(&mut |_| {});
        let mut words: Vec<String> = vocabulary.words().into_iter().collect();
        words.sort();
        assert_eq!(words, ["tumours"]);
    }
}
