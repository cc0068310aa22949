//! Text analysis shared by indexing, querying and snippets.
//!
//! One analyzer, registered under [`ANALYZER`] in every index by [`register`], turns text into
//! terms: words by Unicode word boundaries ([`WordTokenizer`]), lowercased, folded to ASCII
//! (`é` → `e`), put in American spelling ([`americanize`]: `tumour` → `tumor`), English-stemmed
//! (Porter 2, [`CachedStemmer`]), with very long tokens dropped. Stop words stay in the
//! index, so phrases such as "side effects of" match; the query side weights them down instead
//! ([`is_stop_word`]). Queries and snippets run the same analyzer, so a highlighted word is
//! exactly a word that matched.
//!
//! ```
//! let terms: Vec<String> = medsearch::analysis::terms("Tumours’ embolization, e.g. TACE");
//! assert_eq!(terms, ["tumor", "embol", "e", "g", "tace"]);
//! ```

mod spelling;
mod stem;
mod tokenizer;

use std::cell::RefCell;

use tantivy::Index;
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token};

pub use spelling::americanize;
pub use stem::{CachedStemmer, Vocabulary};
pub use tokenizer::WordTokenizer;

/// The name the analyzer is registered under in the index.
pub const ANALYZER: &str = "medsearch";

/// Tokens longer than this many bytes are dropped (they are never useful search terms).
const MAX_TOKEN_BYTES: usize = 64;

/// The analyzer: words, lowercased, folded to ASCII, in American spelling, stemmed.
pub fn analyzer() -> TextAnalyzer {
    build(CachedStemmer {
        stem: true,
        vocabulary: None,
    })
}

/// The analyzer without stemming, for prefix queries (`embolis*` must not be cut to a stem).
pub fn unstemmed_analyzer() -> TextAnalyzer {
    build(CachedStemmer {
        stem: false,
        vocabulary: None,
    })
}

fn build(last: CachedStemmer) -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(last)
        .build()
}

/// Registers the analyzer with an index for searching.
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

/// Registers the analyzer with an index being written; the words it sees go to `vocabulary`.
pub fn register_collecting(index: &Index, vocabulary: &Vocabulary) {
    let analyzer = build(CachedStemmer {
        stem: true,
        vocabulary: Some(vocabulary.clone()),
    });
    index.tokenizers().register(ANALYZER, analyzer);
}

/// All tokens of a text, with offsets into it and positions.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    stream.process(&mut |t| out.push(t.clone()));
    out
}

thread_local! {
    /// One analyzer of each kind per thread, kept with its stem cache: a search tokenizes its
    /// query, its alternatives, its snippets and feedback's records with the same two.
    static STEMMED: RefCell<TextAnalyzer> = RefCell::new(analyzer());
    static UNSTEMMED: RefCell<TextAnalyzer> = RefCell::new(unstemmed_analyzer());
}

/// The tokens of a text under [`analyzer`] (this thread's).
pub fn stemmed(text: &str) -> Vec<Token> {
    STEMMED.with_borrow_mut(|analyzer| tokens(analyzer, text))
}

/// The tokens of a text under [`unstemmed_analyzer`] (this thread's).
pub fn unstemmed(text: &str) -> Vec<Token> {
    UNSTEMMED.with_borrow_mut(|analyzer| tokens(analyzer, text))
}

/// The terms of a text under [`analyzer`] (this thread's: the indexer calls this for every
/// citation).
pub fn terms(text: &str) -> Vec<String> {
    stemmed(text).into_iter().map(|t| t.text).collect()
}

/// Common English function words, matched on the lowercased, unstemmed word.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does",
    "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "may",
    "me", "my", "no", "not", "of", "on", "or", "our", "so", "such", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "to", "too", "us", "was", "we", "were",
    "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
];

/// Whether a query word is a stop word (weighted down when ranking, never removed).
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS
        .binary_search(&word.to_lowercase().as_str())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_word_list_is_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop_word("The"));
        assert!(!is_stop_word("liver"));
    }

    #[test]
    fn analyzer_lowercases_folds_and_stems() {
        assert_eq!(
            terms("Éducation THERAPIES tumours"),
            ["educ", "therapi", "tumor"]
        );
        assert_eq!(terms("side effects of"), ["side", "effect", "of"]);
        assert_eq!(terms("2024 NCCN"), ["2024", "nccn"]);
    }

    #[test]
    fn analyzer_keeps_original_offsets() {
        let toks = tokens(&mut analyzer(), "Embolic agents");
        assert_eq!(
            (
                toks[1].text.as_str(),
                toks[1].offset_from,
                toks[1].offset_to
            ),
            ("agent", 8, 14)
        );
    }

    #[test]
    fn unstemmed_analyzer_keeps_whole_words_in_american_spelling() {
        let toks = tokens(&mut unstemmed_analyzer(), "Embolisation");
        assert_eq!(toks[0].text, "embolization");
    }

    #[test]
    fn overlong_tokens_are_dropped() {
        let long = "x".repeat(100);
        assert_eq!(terms(&format!("a {long} b")), ["a", "b"]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn tokens_point_into_the_text_in_order(text in ".{0,200}") {
            for analyzer in [analyzer(), unstemmed_analyzer()] {
                let mut analyzer = analyzer;
                let tokens = tokens(&mut analyzer, &text);
                for t in &tokens {
                    prop_assert!(t.offset_from < t.offset_to && t.offset_to <= text.len());
                    prop_assert!(text.is_char_boundary(t.offset_from));
                    prop_assert!(text.is_char_boundary(t.offset_to));
                    prop_assert!(!t.text.is_empty() && t.text.len() <= MAX_TOKEN_BYTES * 2);
                }
                prop_assert!(tokens.windows(2).all(|w| w[0].position < w[1].position
                    && w[0].offset_to <= w[1].offset_from));
            }
        }
    }
}
