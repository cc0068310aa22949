//! Typo correction: a query word the index does not know is replaced by the closest word of
//! the corpus.
//!
//! A plain query word (not a prefix, not a filter, not excluded) whose term is in neither the
//! heading nor the body field is compared with the corpus's words (`words.txt`, collected while
//! indexing) by optimal string alignment distance (an adjacent transposition is one edit). A
//! word of 5 to 8 letters takes the closest word within one edit, 9 letters or more within two
//! ([`max_edits`]); shorter words and words with digits are never changed. Among the closest
//! words, the one whose term is in the most records wins (then the alphabetically first). A
//! candidate whose term is in no record (a word of a page removed since the last full build) is
//! not used. The search then runs the corrected query and says so. Every word of the corrected
//! query is in the index, so its hits are all exact matches of what it says.
//!
//! A lookup compares the word only with the corpus words that start with its first letter: the
//! word list is sorted, so they are one range of it, found by binary search (at most about a
//! tenth of the list: 10.4% for `c` in the 100,000-page benchmark corpus), and each is compared
//! only if its length is within reach. Every unknown word of a query is looked up; a query holds
//! at most 1,000 words ([`super::query`]), which bounds the work on a pasted page of gibberish
//! (900 unknown words: 57 ms at 100,000 pages), and an unknown word that repeats is looked up
//! once.
//!
//! When a query has no hits at all, [`Limits::Suggest`] looks one edit further (and at words of
//! 3 or 4 letters) for a "did you mean" suggestion, offered only if it has hits.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::Term;

use super::query::{FieldName, Node, Occur};
use crate::analysis;
use crate::error::Result;
use crate::index::Searchable;

/// How far to look for a correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limits {
    /// Correct automatically: [`max_edits`].
    Correct,
    /// Suggest: one edit more, from 3 letters.
    Suggest,
}

/// Most edits a correction of a word of `letters` letters may make (0: never corrected).
pub fn max_edits(letters: usize, limits: Limits) -> usize {
    let strict = match letters {
        0..5 => 0,
        5..9 => 1,
        _ => 2,
    };
    match (limits, letters) {
        (Limits::Correct, _) => strict,
        (Limits::Suggest, 0..3) => 0,
        (Limits::Suggest, _) => strict + 1,
    }
}

/// The words of `vocabulary` closest to `word` within `max` edits (all at the same, smallest
/// distance), with that distance. As in Lucene's spell checker, a candidate must start with
/// the word's first letter (typos rarely hit it, and `bites` is not `cites`); and a word is
/// not corrected into its own end or beginning plus letters before it (`cocitation` is not
/// `citation`, `unhelpful` not `helpful`): prefixes change meaning, they are not typos.
/// `vocabulary` must be sorted.
pub fn nearest<'a>(word: &str, vocabulary: &'a [String], max: usize) -> (Vec<&'a str>, usize) {
    let len = word.chars().count();
    let mut best = (Vec::new(), max + 1);
    for candidate in same_first_letter(word, vocabulary) {
        if candidate.len().abs_diff(len) > max
            || candidate == word
            || word.ends_with(candidate.as_str())
            || candidate.ends_with(word)
        {
            continue;
        }
        let d = strsim::osa_distance(word, candidate);
        if d > max {
            continue;
        }
        if d < best.1 {
            best = (vec![candidate.as_str()], d);
        } else if d == best.1 {
            best.0.push(candidate);
        }
    }
    best
}

/// The words of a sorted vocabulary that start with the first letter of `word`: one range.
fn same_first_letter<'a>(word: &str, vocabulary: &'a [String]) -> &'a [String] {
    let Some(first) = word.chars().next() else {
        return &[];
    };
    let mut buffer = [0; 4];
    let first = first.encode_utf8(&mut buffer).as_bytes();
    let start = vocabulary.partition_point(|w| w.as_bytes() < first);
    let rest = &vocabulary[start..];
    &rest[..rest.partition_point(|w| w.as_bytes().starts_with(first))]
}

/// Replacements `(byte range in the query text, new word)` for the query's unknown words, in
/// order. Empty when every word is known or has no close word.
pub fn corrections(
    s: &Searchable,
    tree: &Node,
    text: &str,
    limits: Limits,
) -> Result<Vec<(Range<usize>, String)>> {
    let mut words = Vec::new();
    plain_words(tree, false, &mut words);
    let mut unstemmed = analysis::unstemmed_analyzer();
    let mut out = Vec::new();
    let mut from = 0;
    let mut looked_up: HashMap<String, Option<&str>> = HashMap::new();
    for (word, position) in words {
        // Where the word is in the query: at or after its position (a field name comes first).
        let start_char = position.saturating_sub(1);
        let Some(start) = text
            .char_indices()
            .nth(start_char)
            .and_then(|(at, _)| text[at..].find(word).map(|i| at + i))
            .filter(|&at| at >= from)
        else {
            continue;
        };
        from = start + word.len();
        for token in analysis::tokens(&mut unstemmed, word) {
            let raw = word[token.offset_from..token.offset_to].to_lowercase();
            let replacement = match looked_up.get(&raw) {
                Some(known) => *known,
                None => {
                    let found = correction(s, &raw, limits)?;
                    looked_up.insert(raw, found);
                    found
                }
            };
            if let Some(replacement) = replacement {
                let at = start + token.offset_from;
                out.push((at..start + token.offset_to, replacement.to_string()));
            }
        }
    }
    Ok(out)
}

/// The corpus word to put for `word` (lowercase), if it is unknown (and has no synonym) and
/// one is close enough.
fn correction<'a>(s: &'a Searchable, word: &str, limits: Limits) -> Result<Option<&'a str>> {
    let limit = max_edits(word.chars().count(), limits);
    if limit == 0 || !word.chars().all(|c| c.is_ascii_lowercase()) {
        return Ok(None);
    }
    let terms = analysis::terms(word);
    if records(s, &terms)? > 0 || !s.expansions.of(&terms).is_empty() {
        return Ok(None);
    }
    let (candidates, _) = nearest(word, s.words()?, limit);
    let mut best: Option<(u64, &str)> = None;
    for candidate in candidates {
        let n = records(s, &analysis::terms(candidate))?;
        // The most records wins, then the alphabetically first (candidates come sorted).
        if n > 0 && best.is_none_or(|(most, _)| n > most) {
            best = Some((n, candidate));
        }
    }
    Ok(best.map(|(_, word)| word))
}

/// `text` with the replacements made.
pub fn apply(text: &str, fixes: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, word) in fixes {
        out.push_str(&text[at..range.start]);
        out.push_str(word);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// How many records hold the term of a word (its `terms`) in their heading or body (summed).
fn records(s: &Searchable, terms: &[String]) -> Result<u64> {
    let [term] = terms else {
        return Ok(0);
    };
    let mut total = 0;
    for field in [s.fields.heading, s.fields.body] {
        total += s.searcher().doc_freq(&Term::from_field_text(field, term))?;
    }
    Ok(total)
}

/// The text of plain terms and phrases (searched in heading or body, not prefixes, not
/// excluded) with their positions, in query order.
fn plain_words<'a>(node: &'a Node, negated: bool, out: &mut Vec<(&'a str, usize)>) {
    match node {
        Node::Term {
            field,
            text,
            prefix: false,
            position,
        } if !negated && !field.is_some_and(FieldName::is_filter) => {
            out.push((text, *position));
        }
        Node::Phrase { text, position, .. } if !negated => out.push((text, *position)),
        Node::Group(clauses) => {
            for (occur, child) in clauses {
                plain_words(child, negated ^ (*occur == Occur::MustNot), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_limits_grow_with_word_length() {
        let correct: Vec<usize> = [3, 4, 5, 8, 9, 14]
            .iter()
            .map(|&n| max_edits(n, Limits::Correct))
            .collect();
        assert_eq!(correct, [0, 0, 1, 1, 2, 2]);
        let suggest: Vec<usize> = [2, 3, 5, 9]
            .iter()
            .map(|&n| max_edits(n, Limits::Suggest))
            .collect();
        assert_eq!(suggest, [0, 1, 2, 3]);
    }

    #[test]
    fn nearest_words_within_the_limit() {
        let vocabulary: Vec<String> = ["ablation", "ablations", "frequency", "radiofrequency"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert_eq!(
            nearest("radiofrequncy", &vocabulary, 2),
            (vec!["radiofrequency"], 1)
        );
        // A transposition is one edit.
        assert_eq!(nearest("abaltion", &vocabulary, 1), (vec!["ablation"], 1));
        assert_eq!(nearest("ablatin", &vocabulary, 2), (vec!["ablation"], 1));
        assert!(nearest("catheter", &vocabulary, 2).0.is_empty());
        assert!(nearest("ablatixx", &vocabulary, 1).0.is_empty());
        // Not the first letter, not a prefix.
        assert!(nearest("bblation", &vocabulary, 1).0.is_empty());
        assert!(nearest("rfrequency", &vocabulary, 2).0.is_empty());
    }

    #[test]
    fn candidates_are_the_range_of_the_first_letter() {
        let vocabulary: Vec<String> = ["abc", "b", "ba", "bzz", "c", "é", "éa"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert!(vocabulary.is_sorted());
        assert_eq!(same_first_letter("bob", &vocabulary), ["b", "ba", "bzz"]);
        assert_eq!(same_first_letter("éb", &vocabulary), ["é", "éa"]);
        assert_eq!(same_first_letter("abc", &vocabulary), ["abc"]);
        assert!(same_first_letter("x", &vocabulary).is_empty());
        assert!(same_first_letter("", &vocabulary).is_empty());
    }

    #[test]
    fn replacements_keep_the_rest_of_the_query() {
        let fixes = vec![(1..14, "radiofrequency".to_string())];
        assert_eq!(
            apply("\"radiofrequncy\" ablation", &fixes),
            "\"radiofrequency\" ablation"
        );
    }
}
