//! English (Porter 2) stemming with a cache: [`CachedStemmer`].
//!
//! Text repeats its words (Zipf), so most tokens are stemmed many times. The filter keeps the
//! stems it has computed, per analyzer instance (each indexing thread has its own), and clears
//! the cache when it reaches [`MAX_CACHED`] words, bounding its memory. Output is exactly
//! tantivy's `Stemmer::new(Language::English)`; the test below checks that.

use rustc_hash::FxHashMap as HashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Most words a cache holds before it starts over.
pub const MAX_CACHED: usize = 50_000;

/// The stemming filter; see the module docs.
#[derive(Clone, Copy, Default)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: HashMap::default(),
        }
    }
}

/// A tokenizer followed by cached stemming.
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: HashMap<String, String>,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// The token stream of [`CachedStemmerFilter`].
pub struct CachedStemmerStream<'a, S> {
    tail: S,
    cache: &'a mut HashMap<String, String>,
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
        let stem = self.stemmer.stem(&token.text).into_owned();
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
    use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, WhitespaceTokenizer};

    use super::*;

    #[test]
    fn same_stems_as_tantivys_stemmer_twice_over() {
        let text = "running runs ran tumours embolization embolisation generously \
                    running tumours happiness caring cares cared";
        let stems = |mut a: TextAnalyzer| {
            let mut out = Vec::new();
            for _ in 0..2 {
                a.token_stream(text)
                    .process(&mut |t| out.push(t.text.clone()));
            }
            out
        };
        let ours = stems(
            TextAnalyzer::builder(WhitespaceTokenizer::default())
                .filter(CachedStemmer)
                .build(),
        );
        let theirs = stems(
            TextAnalyzer::builder(WhitespaceTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        );
        assert_eq!(ours, theirs);
        assert_eq!(ours[0], "run");
    }
}
