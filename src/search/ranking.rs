//! How medsearch ranks: every weight in one place, one configuration for every corpus.
//!
//! A record's score for a query is the sum of its clauses' scores ([`super::compile`]):
//!
//! - **Words** are scored with field-aware BM25 (BM25F, [`super::scoring::Bm25f`]): a word's
//!   frequency in the heading and in the body, each normalised by that field's length
//!   (`b`) and weighted (`weight`), are summed, then saturated once (`k1`) and multiplied by
//!   one idf. A word in the heading and again in the body counts once, more strongly; a record
//!   holding two query words beats one holding one word twice.
//! - **Phrases and proximity**: two to six words side by side also score as an exact phrase
//!   (×`phrase_boost`) and within a few positions (×`proximity_boost`), per field.
//! - **Alternatives**: synonyms and the other form of an abbreviation count
//!   `synonym_weight` / `abbreviation_weight` of a literal match.
//! - **Kind prior**: references and reviewers score ×`citation_prior` unless the query is about
//!   them (a `kind:` filter or `--kind`, a year, or a word found mostly in the authors,
//!   organisations, journals and names of the references and reviewers).
//! - **Feedback** (RM3): for queries of at least `feedback.min_words` words, or when asked, the
//!   terms of the best `feedback.docs` records expand the query ([`super::feedback`]).
//! - **Candidates**: these scores are computed for the first stage's best `candidates` records
//!   (see [`super`]'s "Retrieve, then rank").
//!
//! The values are chosen by measurement on the three classic collections and the project's own
//! suites together (`scripts/tune.py`, README "Ranking quality"); `eval --ranking FILE` runs
//! with other values (a JSON object of the fields to change), for tuning.

use serde::{Deserialize, Serialize};

/// One text field's part in BM25F.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldParams {
    /// How much a match here counts, relative to the others.
    pub weight: f32,
    /// Length normalisation, 0 (none) to 1 (full).
    pub b: f32,
}

/// Query feedback (RM3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackParams {
    /// Records read for expansion terms.
    pub docs: usize,
    /// Expansion terms added.
    pub terms: usize,
    /// Weight of the original query (the expansion gets the rest).
    pub original_weight: f32,
    /// Feedback applies by itself to plain queries of at least this many content words.
    pub min_words: usize,
    /// A candidate word's likelihood is multiplied by its idf to this power (0: plain RM3),
    /// so that words common to the whole corpus do not crowd out the topic's own.
    pub idf_power: f32,
    /// The heaviest expansion terms the second retrieval's first stage searches (all of them
    /// score the candidates).
    pub retrieve_terms: usize,
}

/// Every ranking weight; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ranking {
    /// BM25 term-frequency saturation.
    pub k1: f32,
    /// The heading's part.
    pub heading: FieldParams,
    /// The body's part.
    pub body: FieldParams,
    /// Extra weight of the query's words as an exact phrase.
    pub phrase_boost: f32,
    /// Extra weight of the query's words close together.
    pub proximity_boost: f32,
    /// Weight of a stop word in a query of stop words only.
    pub stop_word_weight: f32,
    /// How much a synonym's match counts.
    pub synonym_weight: f32,
    /// How much an abbreviation's other form counts.
    pub abbreviation_weight: f32,
    /// Factor on the scores of references and reviewers for queries not about them.
    pub citation_prior: f32,
    /// Query feedback.
    pub feedback: FeedbackParams,
    /// Records the first stage hands to the ranking (at least the hits asked for, plus ties).
    pub candidates: usize,
    /// Most index words a prefix (`word*`) stands for, per field: the most frequent of those
    /// it begins (the search page, completing the word being typed, asks for fewer:
    /// [`crate::search::TYPING_PREFIX_TERMS`]).
    pub prefix_terms: usize,
    /// How the semantic stage is fused with this ranking ([`crate::semantic::fuse`]).
    pub fusion: crate::semantic::fuse::Fusion,
}

impl Default for FeedbackParams {
    fn default() -> Self {
        FeedbackParams {
            docs: 3,
            terms: 200,
            original_weight: 0.45,
            min_words: 4,
            idf_power: 1.0,
            retrieve_terms: 10,
        }
    }
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            k1: 2.0,
            heading: FieldParams {
                weight: 5.0,
                b: 0.5,
            },
            body: FieldParams {
                weight: 1.0,
                b: 0.75,
            },
            phrase_boost: 1.5,
            proximity_boost: 0.0,
            stop_word_weight: 0.2,
            synonym_weight: 0.6,
            abbreviation_weight: 0.8,
            citation_prior: 0.5,
            feedback: FeedbackParams::default(),
            candidates: 100,
            prefix_terms: 1000,
            fusion: Default::default(),
        }
    }
}

impl Ranking {
    /// Reads a JSON object of the fields to change (the others keep their defaults), or says
    /// what is wrong and on which line.
    pub fn from_json(text: &str) -> Result<Ranking, (usize, String)> {
        let ranking: Ranking = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_string(),
                None => message,
            };
            (e.line().max(1), message)
        })?;
        ranking.check().map_err(|message| (1, message))?;
        Ok(ranking)
    }

    /// Whether every value is in its range.
    fn check(&self) -> Result<(), String> {
        let positive = [
            ("k1", self.k1),
            ("heading.weight", self.heading.weight),
            ("body.weight", self.body.weight),
        ];
        let non_negative = [
            ("phrase_boost", self.phrase_boost),
            ("proximity_boost", self.proximity_boost),
            ("stop_word_weight", self.stop_word_weight),
            ("synonym_weight", self.synonym_weight),
            ("abbreviation_weight", self.abbreviation_weight),
            ("citation_prior", self.citation_prior),
            ("feedback.idf_power", self.feedback.idf_power),
        ];
        let unit = [
            ("heading.b", self.heading.b),
            ("body.b", self.body.b),
            ("feedback.original_weight", self.feedback.original_weight),
        ];
        let bad = positive
            .iter()
            .filter(|(_, v)| !(v.is_finite() && *v > 0.0))
            .map(|(name, v)| format!("{name} must be above 0, not {v}"))
            .chain(
                non_negative
                    .iter()
                    .filter(|(_, v)| !(v.is_finite() && *v >= 0.0))
                    .map(|(name, v)| format!("{name} must be 0 or more, not {v}")),
            )
            .chain(
                unit.iter()
                    .filter(|(_, v)| !(0.0..=1.0).contains(v))
                    .map(|(name, v)| format!("{name} must be between 0 and 1, not {v}")),
            )
            .chain(
                (self.feedback.original_weight == 0.0)
                    .then(|| "feedback.original_weight must be above 0".to_string()),
            )
            .chain((self.prefix_terms == 0).then(|| "prefix_terms must be above 0".to_string()))
            .next();
        bad.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ranking_file_changes_only_what_it_names_and_refuses_bad_values() {
        let ranking = Ranking::from_json(r#"{"k1": 1.5, "heading": {"weight": 2, "b": 0.3}}"#);
        let want = Ranking {
            k1: 1.5,
            heading: FieldParams {
                weight: 2.0,
                b: 0.3,
            },
            ..Ranking::default()
        };
        assert_eq!(ranking, Ok(want));
        let feedback = Ranking::from_json(r#"{"feedback": {"docs": 3}}"#).unwrap();
        assert_eq!(feedback.feedback.docs, 3);
        assert_eq!(feedback.feedback.terms, FeedbackParams::default().terms);
        for (text, line, message) in [
            ("{\n\"k2\": 1}", 2, "unknown field `k2`"),
            ("{\"k1\": 0}", 1, "k1 must be above 0, not 0"),
            (
                "{\"body\": {\"weight\": 1, \"b\": 1.5}}",
                1,
                "body.b must be between 0 and 1",
            ),
            (
                "{\"citation_prior\": -1}",
                1,
                "citation_prior must be 0 or more, not -1",
            ),
            (
                "{\"feedback\": {\"original_weight\": 0}}",
                1,
                "feedback.original_weight must be above 0",
            ),
        ] {
            let (got_line, got) = Ranking::from_json(text).unwrap_err();
            assert_eq!(got_line, line, "{text}");
            assert!(got.starts_with(message), "{text}: {got}");
        }
    }
}
