//! Search: a query's text → ranked records with snippets, in five steps, each in its module:
//!
//! 1. **parse** ([`query`]): the text becomes a syntax tree, or an error naming a position;
//! 2. **correct** ([`correct`]): words the index does not know are replaced by the closest
//!    words of the corpus, and the tree parsed again;
//! 3. **compile** ([`compile`]): the tree becomes one tantivy query (fields, boosts, phrases,
//!    synonyms and abbreviations, filters) and the term sequences to highlight;
//! 4. **collect** (here): the top hits by score, ties broken by document id then line, so
//!    output is deterministic; stored fields are read only for the hits shown (and the ties at
//!    the cut);
//! 5. **snippets** ([`snippet`]): the best passage of each hit shown, with its matches.
//!
//! With no hits, a close query that has some is suggested ([`correct`]).

pub mod compile;
pub mod correct;
pub mod query;
pub mod snippet;

use serde::Serialize;
use tantivy::TantivyDocument;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;

use crate::analysis;
use crate::error::Result;
use crate::index::{Searchable, StoredRecord};
use crate::parse::RecordKind;
use correct::Limits;
use query::Node;
use snippet::Snippet;

/// Snippet length budget for sections, in characters.
pub const SNIPPET_CHARS: usize = 200;
/// References and reviewers are shown whole up to this many characters.
pub const CITATION_CHARS: usize = 1000;
/// Extra hits fetched beyond the limit so that ties at the cut are broken deterministically.
const TIE_MARGIN: usize = 32;

/// What to search for besides the query itself.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Most hits to return.
    pub limit: usize,
    /// Only records of this kind, if set.
    pub kind: Option<RecordKind>,
    /// The corpus folder as the user gave it; hit paths are joined to it.
    pub corpus: std::path::PathBuf,
    /// Whether to make snippets (batch evaluation does not need them).
    pub snippets: bool,
    /// Read the query as plain words, without query syntax ([`query::parse_plain`]).
    pub plain: bool,
    /// Explain each hit's score ([`Hit::explanation`]).
    pub explain: bool,
}

/// One ranked record.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// Relevance score (BM25-based), rounded to 4 decimals.
    pub score: f64,
    /// The record.
    #[serde(flatten)]
    pub record: StoredRecord,
    /// The best passage, plain text.
    pub snippet: String,
    /// Byte ranges `[start, end)` of matches in `snippet`.
    pub highlights: Vec<[usize; 2]>,
    /// Where the score comes from, when asked for ([`SearchOptions::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// A score and its parts: tantivy's explanation of a hit, each clause labelled by the
/// compiler with what it stands for (field, words, phrase or proximity boost, alternative).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The part's value.
    pub value: f32,
    /// What it is.
    pub description: String,
    /// What it is made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Explanation>,
}

/// The answer to a query.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// The query as given.
    pub query: String,
    /// The query actually run, when words unknown to the index were corrected ([`correct`]).
    pub corrected_query: Option<String>,
    /// With no hits: a close query that has some, if there is one.
    pub suggestion: Option<String>,
    /// How many records matched in all.
    pub total_hits: usize,
    /// The best ones, ranked.
    pub hits: Vec<Hit>,
}

/// Runs a query against an opened index (see the module docs for the steps). A correction
/// that finds nothing does not replace the query: the query runs as typed.
pub fn search(s: &Searchable, query_text: &str, opts: &SearchOptions) -> Result<Results> {
    let parse = |text: &str| {
        if opts.plain {
            query::parse_plain(text)
        } else {
            query::parse(text)
        }
    };
    let typed = parse(query_text)?;
    let fixes = correct::corrections(s, &typed, query_text, Limits::Correct)?;
    let corrected = if fixes.is_empty() {
        None
    } else {
        let text = correct::apply(query_text, &fixes);
        let results = run(s, &parse(&text)?, opts)?;
        (!results.hits.is_empty()).then_some((text, results))
    };
    let (mut results, corrected_query) = match corrected {
        Some((text, results)) => (results, Some(text)),
        None => (run(s, &typed, opts)?, None),
    };
    results.query = query_text.to_string();
    if results.hits.is_empty() {
        let fixes = correct::corrections(s, &typed, query_text, Limits::Suggest)?;
        if !fixes.is_empty() {
            let suggestion = correct::apply(query_text, &fixes);
            let counting = SearchOptions {
                limit: 1,
                snippets: false,
                explain: false,
                ..opts.clone()
            };
            if run(s, &parse(&suggestion)?, &counting)?.total_hits > 0 {
                results.suggestion = Some(suggestion);
            }
        }
    }
    results.corrected_query = corrected_query;
    Ok(results)
}

/// Compiles and runs a parsed query (no corrections): collect, then snippets.
fn run(s: &Searchable, tree: &Node, opts: &SearchOptions) -> Result<Results> {
    let compiled = compile::compile(s, tree, opts.kind, opts.explain)?;
    let searcher = s.searcher();
    let collector = (
        TopDocs::with_limit(opts.limit.max(1) + TIE_MARGIN).order_by_score(),
        Count,
    );
    let (top, total_hits) = searcher.search(&compiled.query, &collector)?;

    // Stored fields are read only for the hits shown and for those tied with the last one
    // (their document id and line break the tie), and snippets made only for the hits shown.
    let cut = top.get(opts.limit.max(1) - 1).map(|(score, _)| *score);
    let mut hits = Vec::with_capacity(opts.limit);
    for (score, address) in top
        .into_iter()
        .filter(|(score, _)| cut.is_none_or(|c| *score >= c))
    {
        let doc: TantivyDocument = searcher.doc(address)?;
        let (record, body) = s.fields.record(&doc, &opts.corpus);
        let hit = Hit {
            rank: 0,
            score: f64::from(score),
            record,
            snippet: String::new(),
            highlights: Vec::new(),
            explanation: None,
        };
        hits.push((hit, body, address));
    }
    hits.sort_by(|(a, ..), (b, ..)| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.record.doc.cmp(&b.record.doc))
            .then(a.record.line.cmp(&b.record.line))
    });
    hits.truncate(opts.limit);
    let mut analyzer = analysis::analyzer();
    let mut shown = Vec::with_capacity(hits.len());
    for (i, (mut h, body, address)) in hits.into_iter().enumerate() {
        h.rank = i + 1;
        h.score = (h.score * 1e4).round() / 1e4;
        if opts.snippets {
            let budget = if h.record.kind == RecordKind::Section {
                SNIPPET_CHARS
            } else {
                CITATION_CHARS
            };
            let Snippet { text, highlights } =
                snippet::snippet(&body, &mut analyzer, &compiled.highlight, budget);
            (h.snippet, h.highlights) = (text, highlights);
        }
        if opts.explain {
            let explained = compiled.query.explain(searcher, address)?;
            let value = serde_json::to_value(&explained).expect("explanations serialize");
            h.explanation = Some(serde_json::from_value(value).expect("explanations read back"));
        }
        shown.push(h);
    }
    let hits = shown;
    Ok(Results {
        query: String::new(),
        corrected_query: None,
        suggestion: None,
        total_hits,
        hits,
    })
}
