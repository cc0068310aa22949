//! [`WordTokenizer`]: words by Unicode word boundaries (UAX #29), with apostrophes handled.
//!
//! Each token's offsets point into the original text, so snippets highlight what was written.
//! Curly apostrophes count as `'`. A possessive or contraction suffix is dropped from the token
//! text but stays inside its offsets (`It’s` → `It`, covering all four characters); `n't` keeps
//! the word whole without the apostrophe (`can't` → `cant`); any other apostrophe is removed
//! (`O'Brien` → `OBrien`). A word with periods between letters (`www.example.org`, `e.g.`) is
//! split at them; numbers such as `2.2024` stay whole. A semicolon always splits: UAX #29 keeps
//! `2019;175` (a year and a volume in a reference) as one number, English never means it so.
//! Lowercasing, folding and stemming are the filters' job (see [`super::analyzer`]).
//!
//! ASCII text (most of it, in English) skips the general UAX #29 machinery: a word boundary
//! always falls at ASCII whitespace, so the text is read a run between whitespace at a time;
//! an ASCII run goes to [`AsciiWords`], which finds the same word segments with the rules that
//! can apply to ASCII (letters, digits and `_` join; `:` `.` `'` join letters; `,` `;` `.` `'`
//! join digits), and any other run to the general rules, with the whitespace before it as
//! context (so a combining mark after spaces attaches as it would in the whole text); runs of
//! a kind go together. A property test checks the result against the general segmentation of
//! the whole text; it takes about a tenth of the indexing time off.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_segmentation::{UWordBoundIndices, UnicodeSegmentation};

/// Splits text into words; see the module docs.
#[derive(Clone, Default)]
pub struct WordTokenizer;

/// The words of one text, produced as they are read (one token buffer, reused).
pub struct WordTokenStream<'a> {
    words: Words<'a>,
    /// The rest of a dotted word still to split, with its offset.
    pending: Option<(usize, &'a str)>,
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        WordTokenStream {
            words: Words {
                text,
                at: 0,
                run: Run::Done,
            },
            pending: None,
            token: Token::default(),
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let (start, word) = match self.pending.take() {
                Some(rest) => rest,
                None => match self.words.next() {
                    Some(word) => word,
                    None => return false,
                },
            };
            // `www.example.org` splits at its periods, a number such as `2.2024` does not;
            // `2019;175` splits at its semicolon.
            let cut = match word.find('.') {
                Some(dot) if word.chars().any(char::is_alphabetic) => Some(dot),
                _ => word.find(';'),
            };
            let piece = match cut {
                Some(at) => {
                    self.pending = Some((start + at + 1, &word[at + 1..]));
                    &word[..at]
                }
                None => word,
            };
            if normalize(piece, &mut self.token.text) {
                self.token.offset_from = start;
                self.token.offset_to = start + piece.len();
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The word segments of a text (UAX #29) that hold a letter or digit, with their offsets, read
/// a run between ASCII whitespace at a time (see the module docs).
struct Words<'a> {
    text: &'a str,
    /// Where the next run starts looking.
    at: usize,
    run: Run<'a>,
}

/// The words of the current run, with the run's offset in the text.
enum Run<'a> {
    Done,
    Ascii(usize, AsciiWords<'a>),
    Unicode(usize, UWordBoundIndices<'a>),
}

impl Words<'_> {
    /// The next run of non-whitespace from `at`: its start and end.
    fn next_run(&self, at: usize) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let start = at + bytes[at..].iter().position(|b| !b.is_ascii_whitespace())?;
        let end = bytes[start..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(bytes.len(), |n| start + n);
        Some((start, end))
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        loop {
            let found = match &mut self.run {
                Run::Done => None,
                Run::Ascii(base, words) => words.next().map(|(i, w)| (*base + i, w)),
                Run::Unicode(base, words) => words
                    .find(|(_, w)| w.chars().any(char::is_alphanumeric))
                    .map(|(i, w)| (*base + i, w)),
            };
            if found.is_some() {
                return found;
            }
            let after = self.at;
            let (start, end) = self.next_run(after)?;
            let ascii = self.text[start..end].is_ascii();
            // The runs that follow of the same kind go with it: a non-ASCII space such as
            // U+3000 joins the spaces after it, and ASCII runs need no boundary between them.
            self.at = end;
            while let Some((next, next_end)) = self.next_run(self.at)
                && self.text[next..next_end].is_ascii() == ascii
            {
                self.at = next_end;
            }
            self.run = if ascii {
                let text = &self.text[start..self.at];
                Run::Ascii(start, AsciiWords { text, at: 0 })
            } else {
                // The whitespace before it is its context: UAX #29 joins spaces (WB3d) and
                // attaches a mark after them (WB4); nothing reaches across whitespace further.
                Run::Unicode(after, self.text[after..self.at].split_word_bound_indices())
            };
        }
    }
}

/// UAX #29 word segments of an ASCII text that hold a letter or digit.
struct AsciiWords<'a> {
    text: &'a str,
    at: usize,
}

/// A byte's word-break class, for the ASCII range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// `_` (ExtendNumLet): joins letters, digits and itself.
    Underscore,
    /// `:` (MidLetter): joins two letters.
    MidLetter,
    /// `.` and `'` (MidNumLet, Single_Quote): join two letters or two digits.
    MidNumLet,
    /// `,` and `;` (MidNum): join two digits.
    MidNum,
    Other,
}

fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'_' => Class::Underscore,
        b':' => Class::MidLetter,
        b'.' | b'\'' => Class::MidNumLet,
        b',' | b';' => Class::MidNum,
        _ => Class::Other,
    }
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let bytes = self.text.as_bytes();
        let joins = |c: Class| matches!(c, Class::Letter | Class::Digit | Class::Underscore);
        loop {
            let start = self.at;
            let first = class(*bytes.get(start)?);
            let mut end = start + 1;
            if joins(first) {
                let mut last = first;
                while let Some(&b) = bytes.get(end) {
                    let next = class(b);
                    if joins(next) {
                        (last, end) = (next, end + 1);
                        continue;
                    }
                    // A middle character joins when the same kind follows (WB6-7, WB11-12).
                    let after = bytes.get(end + 1).map(|&b| class(b));
                    let kind = match (last, next) {
                        (Class::Letter, Class::MidLetter | Class::MidNumLet) => Class::Letter,
                        (Class::Digit, Class::MidNum | Class::MidNumLet) => Class::Digit,
                        _ => break,
                    };
                    if after != Some(kind) {
                        break;
                    }
                    (last, end) = (kind, end + 2);
                }
            }
            self.at = end;
            let word = &self.text[start..end];
            if word.bytes().any(|b| b.is_ascii_alphanumeric()) {
                return Some((start, word));
            }
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

/// Writes the token text of a word into `out` (apostrophe suffixes handled as the module docs
/// say); false when nothing is left.
fn normalize(word: &str, out: &mut String) -> bool {
    out.clear();
    if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        out.push_str(word);
        return !out.is_empty();
    }
    let word = word.trim_matches(is_apostrophe);
    let mut cut = word.len();
    let suffix_at = word.rfind(is_apostrophe);
    if let Some(at) = suffix_at {
        let suffix = word[at..]
            .chars()
            .skip(1)
            .collect::<String>()
            .to_lowercase();
        let negation = suffix == "t" && word[..at].to_lowercase().ends_with('n');
        if !negation && matches!(suffix.as_str(), "s" | "re" | "ve" | "ll" | "d" | "m") {
            cut = at;
        }
    }
    out.extend(word[..cut].chars().filter(|&c| !is_apostrophe(c)));
    !out.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]

        /// The run-by-run segmentation is UAX #29's on the whole text, for ASCII text and for
        /// text with other letters, marks, spaces and symbols among it.
        #[test]
        fn words_are_the_unicode_words(
            text in "[aZ09_.,;:' \n\t\r!?()/-]{0,40}|[aZ09_.,;:' \n\téß’–\u{301}\u{903}\u{200d}\u{a0}\u{3000}\u{ad}\u{2060}١日本😀🇨🇦]{0,30}"
        ) {
            let runs: Vec<_> = Words { text: &text, at: 0, run: Run::Done }.collect();
            let whole: Vec<_> = text
                .split_word_bound_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
                .collect();
            prop_assert_eq!(runs, whole);
        }
    }

    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        // Positions count from 0 and offsets cover the written word.
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
    fn a_semicolon_splits_a_citations_year_from_its_volume() {
        let t = tokens("Oncology. 2021;19(4):112-120; 1,000");
        let texts: Vec<&str> = t.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            texts,
            ["Oncology", "2021", "19", "4", "112", "120", "1,000"]
        );
        assert_eq!((t[1].2, t[1].3), (10, 14));
        assert_eq!((t[2].2, t[2].3), (15, 17));
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
