//! Query expansion: what else a query's words may match.
//!
//! - [`synonyms`]: groups of equivalent words and phrases from `synonyms.txt` in the corpus.
//! - abbreviations defined in the corpus (`transarterial chemoembolization (TACE)`), found
//!   while parsing ([`crate::parse::abbrev`]) and pooled corpus-wide: a short form with several
//!   long forms expands to all of them. Each index generation stores their distinct pairs of
//!   analyzed forms ([`abbreviation_terms`]), so a search does not analyze them again.
//!
//! (Typo correction, which replaces words rather than adding alternatives, is a step of the
//! search pipeline: `crate::search::correct`.)
//!
//! [`Expansions`] maps the terms of a word or phrase (after analysis, so `Chemo` and `chemo`
//! are one key, and so are `tumour` and `tumor`) to its alternatives, each of a kind
//! ([`Alternative`]): the search adds an alternative as an optional clause whose score is scaled
//! so that a record matching only the alternative scores the kind's weight (below 1, see
//! `search::ranking`) times what the same match of the query's own words would; literal
//! matches rank first.

pub mod synonyms;

use rustc_hash::FxHashMap as HashMap;

use crate::analysis;
use crate::parse::Definition;

/// What an alternative is to the words it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Alternative {
    /// From the synonyms file.
    Synonym,
    /// The other form of an abbreviation defined in the corpus (counts before a synonym when
    /// it is both).
    Abbreviation,
}

/// The analyzed short and long form of an abbreviation.
pub type TermPair = (Vec<String>, Vec<String>);

/// The distinct analyzed `(short, long)` pairs of definitions, sorted. A short form that
/// analyzes to a stop word (`IT`, `US`) or to several terms is left out.
pub fn abbreviation_terms<'a>(definitions: impl Iterator<Item = &'a Definition>) -> Vec<TermPair> {
    let distinct: std::collections::BTreeSet<(&str, &str)> = definitions
        .map(|d| (d.short.as_str(), d.long.as_str()))
        .collect();
    let mut pairs: Vec<TermPair> = distinct
        .into_iter()
        .filter_map(|(short, long)| {
            let short = analysis::terms(short);
            let keep = short.len() == 1 && !analysis::is_stop_word(&short[0]);
            keep.then(|| (short, analysis::terms(long)))
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Term sequences and their alternatives; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct Expansions {
    alternatives: HashMap<Vec<String>, Vec<(Vec<String>, Alternative)>>,
    longest: usize,
}

impl Expansions {
    /// Expansions from abbreviations ([`abbreviation_terms`]).
    pub fn new(abbreviations: &[TermPair]) -> Expansions {
        let mut out = Expansions::default();
        for (short, long) in abbreviations {
            out.add(short, long, Alternative::Abbreviation);
            out.add(long, short, Alternative::Abbreviation);
        }
        out
    }

    /// Adds synonym groups (each entry expands to every other one of its group).
    pub fn add_synonyms(&mut self, groups: &[Vec<String>]) {
        for group in groups {
            let entries: Vec<Vec<String>> = group.iter().map(|e| analysis::terms(e)).collect();
            for a in &entries {
                for b in &entries {
                    self.add(a, b, Alternative::Synonym);
                }
            }
        }
    }

    fn add(&mut self, from: &[String], to: &[String], kind: Alternative) {
        if from.is_empty() || to.is_empty() || from == to {
            return;
        }
        let list = self.alternatives.entry(from.to_vec()).or_default();
        match list.iter_mut().find(|(t, _)| t == to) {
            Some((_, k)) => *k = (*k).max(kind),
            None => list.push((to.to_vec(), kind)),
        }
        self.longest = self.longest.max(from.len());
    }

    /// The alternatives of a term sequence, with their kinds.
    pub fn of(&self, terms: &[String]) -> &[(Vec<String>, Alternative)] {
        self.alternatives.get(terms).map_or(&[], Vec::as_slice)
    }

    /// The most terms any expandable sequence has (0 when there is nothing to expand).
    pub fn longest(&self) -> usize {
        self.longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn synonyms_and_abbreviations_expand_both_ways() {
        let synonyms = vec![vec!["Chemo".to_string(), "chemotherapy".to_string()]];
        let definitions = [
            Definition {
                short: "TACE".into(),
                long: "transarterial chemoembolisation".into(),
                path: "d.txt".into(),
                line: 1,
            },
            Definition {
                short: "IT".into(),
                long: "information technology".into(),
                path: "d.txt".into(),
                line: 2,
            },
        ];
        let mut e = Expansions::new(&abbreviation_terms(definitions.iter()));
        e.add_synonyms(&synonyms);
        assert_eq!(
            e.of(&seq(&["chemo"])),
            [(seq(&["chemotherapi"]), Alternative::Synonym)]
        );
        assert_eq!(
            e.of(&seq(&["chemotherapi"])),
            [(seq(&["chemo"]), Alternative::Synonym)]
        );
        assert_eq!(
            e.of(&seq(&["tace"])),
            [(
                seq(&["transarteri", "chemoembol"]),
                Alternative::Abbreviation
            )]
        );
        assert_eq!(
            e.of(&seq(&["transarteri", "chemoembol"])),
            [(seq(&["tace"]), Alternative::Abbreviation)]
        );
        assert!(e.of(&seq(&["it"])).is_empty());
        assert_eq!(e.longest(), 2);
    }
}
