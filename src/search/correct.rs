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
//! The tree is read once ([`Typos::find`]): its positive words and phrases (one negation rule:
//! [`Node::positive_leaves`]), each unknown word looked up once at the suggestion's reach, the
//! result read at either reach ([`Typos::fixes`]); the tree's byte spans say where each word
//! stands in the query text, so a replacement is made in place. A lookup compares the word
//! only with the corpus words that start with its first letter: the word list is sorted, so
//! they are one range of it, found by binary search, and each is compared only if its length
//! is within reach. The lookups of one query together visit at most [`BUDGET`] words of the
//! list: an unknown word whose range no longer fits is not looked up, and is named
//! ([`Typos::not_tried`]: the output's "not checked for typos", JSON `typos_not_tried`), so a
//! pasted page of gibberish costs a few times a one-word query at any corpus size, and says
//! what it did not do.
//!
//! When a query has no hits at all, [`Limits::Suggest`] looks one edit further (and at words of
//! 3 or 4 letters) for a "did you mean" suggestion, offered only if it has hits.
//!
//! **Abbreviations are not typos.** A word typed in capitals (`TARE`, `SIRT`) is never
//! corrected silently, and one of five letters or fewer is not even suggested another word: an
//! abbreviation one letter away from another names another procedure (TARE is radioembolization,
//! TACE chemoembolization). And no word is ever corrected into an abbreviation the corpus knows
//! (defined in its pages or in the synonyms file, [`crate::expand`]), of six letters or fewer:
//! `tare` is not `tace` either.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::Term;

use super::query::Node;
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
/// `vocabulary` must be sorted. A candidate whose letters differ too much to be within `max`
/// edits ([`Letters::differ`]) is passed over before its distance is computed.
pub fn nearest<'a>(word: &str, vocabulary: &'a [String], max: usize) -> (Vec<&'a str>, usize) {
    let len = word.chars().count();
    let letters = Letters::of(word);
    let mut best = (Vec::new(), max + 1);
    for candidate in same_first_letter(word, vocabulary) {
        if candidate.len().abs_diff(len) > max
            || candidate == word
            || word.ends_with(candidate.as_str())
            || candidate.ends_with(word)
            || letters.differ(candidate) > max
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

/// How many times each letter `a`-`z` occurs in a word (any other character counts in one
/// more bin), for a lower bound on the edit distance that costs a pass over the candidate
/// (`strsim`'s distance allocates and fills a table): most words of a first letter's range are
/// far from a typo, and are passed over on this bound alone. Written here because the bound is
/// three lines and no crate offers it on its own.
struct Letters([i16; 27]);

impl Letters {
    fn of(word: &str) -> Letters {
        let mut counts = [0; 27];
        for c in word.chars() {
            counts[Letters::bin(c)] += 1;
        }
        Letters(counts)
    }

    fn bin(c: char) -> usize {
        if c.is_ascii_lowercase() {
            (c as u8 - b'a') as usize
        } else {
            26
        }
    }

    /// A lower bound on the optimal string alignment distance between the word and `other`:
    /// each edit adds at most one to the letters only one side has, counted on each side (a
    /// substitution one on both, an insertion or deletion one on one side, a transposition
    /// none), so the distance is at least the larger of the two counts.
    fn differ(&self, other: &str) -> usize {
        let mut counts = self.0;
        for c in other.chars() {
            counts[Letters::bin(c)] -= 1;
        }
        let (mut ours, mut theirs) = (0, 0);
        for n in counts {
            if n > 0 {
                ours += n as usize;
            } else {
                theirs += n.unsigned_abs() as usize;
            }
        }
        ours.max(theirs)
    }
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

/// Most vocabulary words one query's lookups may visit, all its unknown words together
/// ([`Typos::find`]). The words of a first-letter range are visited to find a correction, so
/// a lookup costs the range's size; past the budget, the remaining unknown words are not
/// looked up (and are named: [`Typos::not_tried`]). Chosen by measurement
/// (`scripts/bench.py compare`, 60,000 pages): at this size 900 unknown words cost under four
/// times a one-word search, where 150,000 cost 4.6 times; the scale corpus's 16,857 words put
/// 1,751 under its largest first letter (`c`), so 28 lookups fit in the budget at the least,
/// about 60 on average. A vocabulary ten times larger fits a tenth of that.
pub const BUDGET: usize = 50_000;

/// The unknown words of one query and what was found for each: looked up once, at the
/// suggestion's reach ([`Limits::Suggest`]), and read at either reach.
#[derive(Debug, Default)]
pub struct Typos {
    /// `(byte range in the query text, lowercase word, typed in capitals)` of each unknown
    /// token, in order.
    places: Vec<(Range<usize>, String, bool)>,
    /// Per distinct word: its closest corpus word and the distance, if any within reach.
    found: HashMap<String, Option<(String, usize)>>,
    /// Unknown words left unlooked-up once the budget was spent, in query order.
    not_tried: Vec<String>,
}

impl Typos {
    /// Finds the unknown words among the query's positive plain words and phrases (the query
    /// text `text`, parsed into `tree`) and looks each up once, within [`BUDGET`].
    pub fn find(s: &Searchable, tree: &Node, text: &str) -> Result<Typos> {
        let mut typos = Typos::default();
        let mut budget = BUDGET;
        for leaf in tree.positive_leaves() {
            let (Node::Term {
                prefix: false,
                span,
                ..
            }
            | Node::Phrase { span, .. }) = leaf
            else {
                continue;
            };
            if leaf.is_filter() {
                continue;
            }
            let words = &text[span.clone()];
            for token in analysis::unstemmed(words) {
                let typed = &words[token.offset_from..token.offset_to];
                let capitals = typed.chars().count() > 1 && !typed.chars().any(char::is_lowercase);
                let word = typed.to_lowercase();
                let at = span.start + token.offset_from..span.start + token.offset_to;
                if typos.found.contains_key(&word) {
                    typos.places.push((at, word, capitals));
                    continue;
                }
                if !correctable(&word) || known(s, &word)? {
                    continue;
                }
                let range = same_first_letter(&word, s.words()?);
                if range.len() > budget {
                    typos.not_tried.push(word);
                    continue;
                }
                budget -= range.len();
                let best = closest(s, &word, range)?;
                typos.found.insert(word.clone(), best);
                typos.places.push((at, word, capitals));
            }
        }
        Ok(typos)
    }

    /// Replacements `(byte range in the query text, new word)` for the unknown words that
    /// have a corpus word within `limits`' reach, in order. Empty when there is none.
    pub fn fixes(&self, limits: Limits) -> Vec<(Range<usize>, String)> {
        let mut out = Vec::new();
        for (at, word, capitals) in &self.places {
            let letters = word.chars().count();
            let limit = match (capitals, limits) {
                (true, Limits::Correct) => 0,
                (true, Limits::Suggest) if letters < ABBREVIATION_LETTERS => 0,
                _ => max_edits(letters, limits),
            };
            if let Some(Some((replacement, d))) = self.found.get(word)
                && *d <= limit
            {
                out.push((at.clone(), replacement.clone()));
            }
        }
        out
    }

    /// The unknown words that were not looked up: the budget was spent (in query order, each
    /// once).
    pub fn not_tried(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let words = self.not_tried.iter().filter(|w| seen.insert(w.as_str()));
        words.cloned().collect()
    }
}

/// Longest a known abbreviation is taken to be (letters): a corpus word of this length or less
/// that has expansions is never a correction ([`closest`]); a word typed in capitals one letter
/// shorter is never given a suggestion ([`Typos::fixes`]).
const ABBREVIATION_LETTERS: usize = 6;

/// Whether a word could be corrected at all: letters only, long enough for a suggestion.
fn correctable(word: &str) -> bool {
    max_edits(word.chars().count(), Limits::Suggest) > 0
        && word.chars().all(|c| c.is_ascii_lowercase())
}

/// Whether the index knows `word` (lowercase) or it has a synonym: then it is not a typo.
fn known(s: &Searchable, word: &str) -> Result<bool> {
    let terms = analysis::terms(word);
    Ok(records(s, &terms)? > 0 || !s.expansions.of(&terms).is_empty())
}

/// The corpus word to put for `word`, among `range` (its first letter's words), within the
/// suggestion's reach, with its distance: of the closest, the one in the most records (then
/// the alphabetically first). A candidate in no record (of a page removed since the last full
/// build) is not used.
fn closest(s: &Searchable, word: &str, range: &[String]) -> Result<Option<(String, usize)>> {
    let limit = max_edits(word.chars().count(), Limits::Suggest);
    let (candidates, distance) = nearest(word, range, limit);
    let mut best: Option<(u64, &str)> = None;
    for candidate in candidates {
        let terms = analysis::terms(candidate);
        if candidate.chars().count() <= ABBREVIATION_LETTERS && !s.expansions.of(&terms).is_empty()
        {
            continue;
        }
        let n = records(s, &terms)?;
        // The most records wins, then the alphabetically first (candidates come sorted).
        if n > 0 && best.is_none_or(|(most, _)| n > most) {
            best = Some((n, candidate));
        }
    }
    Ok(best.map(|(_, w)| (w.to_string(), distance)))
}

/// The corpus word that a word being typed most likely ends as, for the semantic side (which
/// reads words, not prefixes: `yell` embedded is not `yellow`): of the corpus words it (as
/// analyzed: lower case, accents folded) begins
/// (the first [`COMPLETION_SCAN`] in order, the prefix itself included), the one in the most
/// records, then the alphabetically first; `None` when it begins no word in any record, or is
/// not one word.
pub fn completion(s: &Searchable, typed: &str) -> Result<Option<String>> {
    // The prefix as the corpus's words were collected: lower case, folded.
    let tokens = analysis::unstemmed(typed);
    let [token] = tokens.as_slice() else {
        return Ok(None);
    };
    let prefix = token.text.as_str();
    let vocabulary = s.words()?;
    let start = vocabulary.partition_point(|w| w.as_str() < prefix);
    let mut best: Option<(u64, &str)> = None;
    let begun = vocabulary[start..]
        .iter()
        .take_while(|w| w.starts_with(prefix));
    for word in begun.take(COMPLETION_SCAN) {
        let n = records(s, &analysis::terms(word))?;
        if n > 0 && best.is_none_or(|(most, _)| n > most) {
            best = Some((n, word));
        }
    }
    Ok(best.map(|(_, w)| w.to_string()))
}

/// Most corpus words [`completion`] weighs for one prefix.
const COMPLETION_SCAN: usize = 256;

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
        total += s.doc_freq(&Term::from_field_text(field, term))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_letters_bound_never_exceeds_the_distance(a in "[a-e]{0,9}", b in "[a-eé]{0,9}") {
            prop_assert!(Letters::of(&a).differ(&b) <= strsim::osa_distance(&a, &b));
        }
    }

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
