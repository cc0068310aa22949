//! Batch evaluation: run queries exactly as `search` does, match the hits against relevance
//! judgments, and compute trec_eval-compatible metrics.
//!
//! Matching. A judged id containing `#` (`doc#anchor`) is a section-level judgment, matched
//! against a hit's record id; any other judged id is a document-level judgment, matched against
//! a hit's document id. For a query judged only at document level, the ranking is the list of
//! distinct documents, each at the rank of its best record. For a query with any section-level
//! judgment, the ranking is the list of records; a document-level judgment of the same query
//! then counts at the document's best record only.
//!
//! Metrics are averaged over the queries that have judgments; a query with no hits, or one that
//! fails to parse, scores 0 and the batch goes on. Judgments that point at ids absent from the
//! index are reported as dangling, so evaluation suites do not rot when pages change.

pub mod formats;
pub mod metrics;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::error::Result;
use crate::index::Searchable;
use crate::search::{self, Feedback, Hit, Ranking, SearchOptions};
pub use formats::{Qrels, Query, RankedIds, read_qrels, read_queries, write_run};
pub use metrics::Metrics;

/// Settings of an evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Rank cut for nDCG, MRR, P and Recall.
    pub k: usize,
    /// How many results per query are retrieved (MAP and Recall@depth use them all).
    pub depth: usize,
    /// Read queries as plain words, without query syntax.
    pub plain: bool,
    /// The ranking's weights.
    pub ranking: Ranking,
    /// When query feedback applies.
    pub feedback: Feedback,
    /// How to rank (`None`: the index's default, [`SearchOptions::mode`]).
    pub mode: Option<crate::semantic::Mode>,
}

/// One query's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    /// Query id.
    pub id: String,
    /// Query text.
    pub query: String,
    /// Whether the query has judgments (only those count in the means).
    pub judged: bool,
    /// Ranked items retrieved (records or documents, see the module docs).
    pub retrieved: usize,
    /// The query's metrics (zero when it failed).
    pub metrics: Metrics,
    /// Why the query could not run, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A judgment whose id is not in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dangling {
    /// Query id.
    pub query: String,
    /// The judged id that is missing.
    pub id: String,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Queries run.
    pub queries: usize,
    /// Queries with judgments (the ones averaged).
    pub judged: usize,
    /// Rank cut.
    pub k: usize,
    /// Retrieval depth.
    pub depth: usize,
    /// Means over the judged queries.
    pub metrics: Metrics,
    /// Per query, in the order of the queries file.
    pub per_query: Vec<QueryResult>,
    /// Judgments pointing at ids not in the index.
    pub dangling: Vec<Dangling>,
}

/// Runs every query and scores it. Also returns the ranked ids, for `--run`.
pub fn evaluate(
    s: &Searchable,
    queries: &[Query],
    qrels: &Qrels,
    opts: &EvalOptions,
) -> Result<(Report, Vec<RankedIds>)> {
    let no_judgments = BTreeMap::new();
    let search_opts = SearchOptions {
        limit: opts.depth,
        snippets: false,
        plain: opts.plain,
        ranking: opts.ranking,
        feedback: opts.feedback,
        mode: opts.mode,
        ..SearchOptions::default()
    };
    let mut per_query = Vec::with_capacity(queries.len());
    let mut runs = Vec::with_capacity(queries.len());
    for query in queries {
        let judgments = qrels.get(&query.id).unwrap_or(&no_judgments);
        let (ranked, error) = match search::search(s, &query.text, &search_opts) {
            Ok(results) => (ranking(&results.hits, judgments), None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let grades: Vec<i32> = ranked.iter().map(|(_, _, g)| *g).collect();
        let judged: Vec<i32> = judgments.values().copied().collect();
        per_query.push(QueryResult {
            id: query.id.clone(),
            query: query.text.clone(),
            judged: !judgments.is_empty(),
            retrieved: ranked.len(),
            metrics: Metrics::of(&grades, &judged, opts.k),
            error,
        });
        runs.push((
            query.id.clone(),
            ranked
                .into_iter()
                .map(|(id, score, _)| (id, score))
                .collect(),
        ));
    }
    let judged: Vec<Metrics> = per_query
        .iter()
        .filter(|q| q.judged)
        .map(|q| q.metrics)
        .collect();
    let asked: HashSet<&str> = queries.iter().map(|q| q.id.as_str()).collect();
    let report = Report {
        queries: queries.len(),
        judged: judged.len(),
        k: opts.k,
        depth: opts.depth,
        metrics: Metrics::mean(&judged),
        per_query,
        dangling: dangling(s, qrels, &asked)?,
    };
    Ok((report, runs))
}

/// The ranked `(id, score, grade)` items of one query (see the module docs).
fn ranking(hits: &[Hit], judgments: &BTreeMap<String, i32>) -> Vec<(String, f32, i32)> {
    let section_level = judgments.keys().any(|id| id.contains('#'));
    let mut seen_docs = HashSet::new();
    let mut ranked = Vec::with_capacity(hits.len());
    for hit in hits {
        let first_of_doc = seen_docs.insert(hit.record.doc.as_str());
        let score = hit.score as f32;
        if section_level {
            let doc_grade = if first_of_doc {
                judgments.get(&hit.record.doc)
            } else {
                None
            };
            let grade = judgments
                .get(&hit.record.id)
                .or(doc_grade)
                .copied()
                .unwrap_or(0);
            ranked.push((hit.record.id.clone(), score, grade));
        } else if first_of_doc {
            ranked.push((
                hit.record.doc.clone(),
                score,
                judgments.get(&hit.record.doc).copied().unwrap_or(0),
            ));
        }
    }
    ranked
}

/// Judgments of the asked queries whose ids the index does not hold.
fn dangling(s: &Searchable, qrels: &Qrels, asked: &HashSet<&str>) -> Result<Vec<Dangling>> {
    let mut anchors: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut out = Vec::new();
    for (qid, judgments) in qrels.iter().filter(|(q, _)| asked.contains(q.as_str())) {
        for id in judgments.keys() {
            let (doc, anchor) = id
                .split_once('#')
                .map_or((id.as_str(), None), |(d, a)| (d, Some(a)));
            if !anchors.contains_key(doc) {
                anchors.insert(doc, s.anchors_of(doc)?);
            }
            let known = &anchors[doc];
            let present = match anchor {
                Some(anchor) => known.contains(anchor),
                None => !known.is_empty(),
            };
            if !present {
                out.push(Dangling {
                    query: qid.clone(),
                    id: id.clone(),
                });
            }
        }
    }
    Ok(out)
}
