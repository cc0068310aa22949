//! [`WordTokenizer`]: words by Unicode word boundaries (UAX #29), with apostrophes handled.
//!
//! Each token's offsets point into the original text, so snippets highlight what was written.
//! Curly apostrophes count as `'`. A possessive or contraction suffix is dropped from the token
//! text but stays inside its offsets (`It’s` → `It`, covering all four characters); `n't` keeps
//! the word whole without the apostrophe (`can't` → `cant`); any other apostrophe is removed
//! (`O'Brien` → `OBrien`). A word with periods between letters (`www.example.org`, `e.g.`) is
//! split at them; numbers such as `2.2024` stay whole. Lowercasing, folding and stemming are
//! the filters' job (see [`super::analyzer`]).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_segmentation::UnicodeSegmentation;

/// Splits text into words; see the module docs.
#[derive(Clone, Default)]
pub struct WordTokenizer;

/// The tokens of one text, produced up front.
pub struct WordTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream {
        let mut tokens = Vec::new();
        for (start, word) in text.split_word_bound_indices() {
            if !word.chars().any(char::is_alphanumeric) {
                continue;
            }
            let has_letter = word.chars().any(char::is_alphabetic);
            let mut part_start = start;
            for part in word.split(|c| c == '.' && has_letter) {
                if let Some(text) = normalize(part) {
                    tokens.push(Token {
                        offset_from: part_start,
                        offset_to: part_start + part.len(),
                        position: tokens.len(),
                        text,
                        position_length: 1,
                    });
                }
                part_start += part.len() + 1;
            }
        }
        WordTokenStream { tokens, next: 0 }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

/// The token text of a word: apostrophe suffixes handled as the module docs say.
fn normalize(word: &str) -> Option<String> {
    let word: String = word
        .chars()
        .map(|c| if is_apostrophe(c) { '\'' } else { c })
        .collect();
    let word = word.trim_matches('\'');
    let lower = word.to_lowercase();
    let stem = if lower.ends_with("n't") {
        word.to_string()
    } else {
        let cut = ["'s", "'re", "'ve", "'ll", "'d", "'m"]
            .iter()
            .find(|suffix| lower.ends_with(*suffix))
            .map_or(word.len(), |suffix| word.len() - suffix.len());
        word[..cut].to_string()
    };
    let text: String = stem.chars().filter(|&c| c != '\'').collect();
    (!text.is_empty()).then_some(text)
}

impl TokenStream for WordTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut tokenizer = WordTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn words_positions_and_offsets() {
        assert_eq!(
            tokens("Liver-directed therapy, 2.2024!"),
            vec![
                ("Liver".into(), 0, 0, 5),
                ("directed".into(), 1, 6, 14),
                ("therapy".into(), 2, 15, 22),
                ("2.2024".into(), 3, 24, 30),
            ]
        );
    }

    #[test]
    fn apostrophes_do_not_leave_stray_letters() {
        let t = tokens("It’s the doctor's advice; can't we'll O'Brien");
        let texts: Vec<&str> = t.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            texts,
            ["It", "the", "doctor", "advice", "cant", "we", "OBrien"]
        );
        // The offsets still cover the whole written word, for highlighting.
        assert_eq!((t[0].2, t[0].3), (0, "It’s".len()));
    }

    #[test]
    fn dotted_words_split_but_numbers_stay() {
        let texts: Vec<String> = tokens("see www.cancer.ca e.g. 3.5 mg")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(texts, ["see", "www", "cancer", "ca", "e", "g", "3.5", "mg"]);
    }

    #[test]
    fn unicode_words() {
        let texts: Vec<String> = tokens("Tumeur à l’hôpital — 東京")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(texts, ["Tumeur", "à", "lhôpital", "東", "京"]);
    }
}
