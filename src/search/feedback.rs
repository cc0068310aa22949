//! Query feedback (RM3): the best records of a first retrieval lend the query their words.
//!
//! The records ranked first by the query are taken to be about its topic. Their words,
//! re-analysed from the stored heading and body (tantivy keeps no term vectors), are weighted
//! by relevance model 1 (Lavrenko and Croft, 2001):
//!
//! ```text
//! P(t | R) = Σ_d  (score_d / Σ score) · tf(t, d) / |d|
//! ```
//!
//! over the first `docs` records, multiplied by the word's idf to the power `idf_power` (1 by
//! default: plain RM1 favours words common to every record, which say nothing about the topic;
//! measured, the idf factor gains most on CISI, whose abstracts share much vocabulary). The
//! `terms` heaviest words (stop words, numbers and one-letter words left out) become a second
//! query, each word scored with BM25F. The final
//! score interpolates the two (RM3, Abdul-Jaleel et al., 2004): the original query with
//! weight `original_weight`, the expansion with the rest, on the scale of the original query's
//! words. Feedback helps long, descriptive queries (test collections, pasted questions) and can
//! hurt short ones, so it applies by itself only to plain queries of at least
//! `min_words` content words ([`super::ranking::FeedbackParams`]), or when asked for.

use std::collections::HashMap;
use std::sync::LazyLock;

use tantivy::schema::Value;
use tantivy::{DocAddress, Score, TantivyDocument};

use super::query::{Node, Occur};
use super::ranking::FeedbackParams;
use crate::analysis;
use crate::error::Result;
use crate::index::Searchable;

/// When feedback applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feedback {
    /// To plain queries of at least `min_words` content words.
    #[default]
    Auto,
    /// To every plain query (words only: no operators, fields, phrases or prefixes).
    On,
    /// Never.
    Off,
}

/// The content words of a query made of plain words only (no operator, field, phrase, prefix
/// or exclusion), or `None` for any other query.
pub fn plain_words(tree: &Node) -> Option<usize> {
    match tree {
        Node::Term {
            field: None,
            text,
            prefix: false,
            ..
        } => Some(usize::from(!analysis::is_stop_word(text))),
        Node::Group(clauses) => clauses
            .iter()
            .map(|(occur, node)| match (occur, node) {
                (Occur::Should, Node::Term { .. }) => plain_words(node),
                _ => None,
            })
            .sum(),
        _ => None,
    }
}

/// Whether feedback applies to `tree` under `mode`.
pub fn applies(tree: &Node, mode: Feedback, params: &FeedbackParams) -> bool {
    let words = plain_words(tree);
    match mode {
        Feedback::Off => false,
        Feedback::On => words.is_some_and(|w| w > 0),
        Feedback::Auto => words.is_some_and(|w| w >= params.min_words.max(1)),
    }
}

/// Stems of the stop words (left out of expansions).
static STOP_STEMS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut stems = analysis::terms(&analysis::STOP_WORDS.join(" "));
    stems.sort();
    stems.dedup();
    stems
});

/// The expansion words and their weights (summing to 1), from the first records of a
/// retrieval (`top`, best first).
pub fn expansion(
    s: &Searchable,
    top: &[(Score, DocAddress)],
    params: &FeedbackParams,
) -> Result<Vec<(String, f32)>> {
    let top = &top[..top.len().min(params.docs)];
    let total: f32 = top.iter().map(|(score, _)| score.max(0.0)).sum();
    if total <= 0.0 {
        return Ok(Vec::new());
    }
    let mut weights: HashMap<String, f32> = HashMap::new();
    for &(score, address) in top {
        let doc: TantivyDocument = s.searcher().doc(address)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let text = format!("{}\n{}", text(s.fields.heading), text(s.fields.body));
        let tokens = analysis::stemmed(&text);
        if tokens.is_empty() {
            continue;
        }
        let share = score.max(0.0) / total / tokens.len() as f32;
        for token in tokens {
            if useful(&token.text) {
                *weights.entry(token.text).or_default() += share;
            }
        }
    }
    if params.idf_power != 0.0 {
        let records = s.searcher().num_docs() as f32;
        for (term, weight) in weights.iter_mut() {
            let df = s
                .searcher()
                .doc_freq(&tantivy::Term::from_field_text(s.fields.body, term))?
                .max(1) as f32;
            let idf = (1.0 + (records - df + 0.5) / (df + 0.5)).ln();
            *weight *= idf.powf(params.idf_power);
        }
    }
    let mut ranked: Vec<(String, f32)> = weights.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(params.terms);
    let sum: f32 = ranked.iter().map(|(_, w)| w).sum();
    if sum > 0.0 {
        ranked.iter_mut().for_each(|(_, w)| *w /= sum);
    }
    Ok(ranked)
}

/// Whether a term may expand a query: not a stop word, not a number, longer than a letter.
fn useful(term: &str) -> bool {
    term.chars().count() > 1
        && !term.chars().all(|c| c.is_ascii_digit())
        && STOP_STEMS
            .binary_search_by(|s| s.as_str().cmp(term))
            .is_err()
}

#[cfg(test)]
mod tests {
    use super::super::query;
    use super::*;

    #[test]
    fn feedback_applies_to_plain_word_queries_of_enough_words() {
        let params = FeedbackParams {
            min_words: 3,
            ..FeedbackParams::default()
        };
        let auto = |q: &str| applies(&query::parse(q).unwrap(), Feedback::Auto, &params);
        assert!(auto("effects of radiation on the liver cells"));
        assert!(!auto("liver cells"), "too few words");
        assert!(!auto("the of and liver"), "stop words do not count");
        for structured in [
            "+liver cells radiation",
            "liver \"blood supply\" cells",
            "heading:liver cells radiation",
            "embol* liver cells",
            "kind:reference liver cells radiation",
            "liver -cells radiation effects",
        ] {
            assert!(!auto(structured), "{structured}");
        }
        let on = |q: &str| applies(&query::parse(q).unwrap(), Feedback::On, &params);
        assert!(on("liver"));
        assert!(!on("\"liver\""));
        let off = |q: &str| applies(&query::parse(q).unwrap(), Feedback::Off, &params);
        assert!(!off("effects of radiation on the liver cells"));
    }

    #[test]
    fn stop_words_numbers_and_letters_do_not_expand() {
        assert!(useful("tumor"));
        for term in ["the", "of", "2024", "x"] {
            assert!(!useful(term), "{term}");
        }
    }
}
