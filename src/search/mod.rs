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

use std::path::Path;

use serde::Serialize;
use tantivy::TantivyDocument;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::{Field, Value};

use crate::analysis;
use crate::error::Result;
use crate::index::{Fields, Searchable};
use crate::parse::{Citation, RecordKind, Reference, Reviewer};
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
}

/// One ranked record.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// Relevance score (BM25-based), rounded to 4 decimals.
    pub score: f64,
    /// `doc#anchor`.
    pub id: String,
    /// Document id.
    pub doc: String,
    /// Document title.
    pub doc_title: String,
    /// Record kind.
    pub kind: RecordKind,
    /// Heading (or reference title, reviewer name).
    pub heading: String,
    /// Anchor within the document.
    pub anchor: String,
    /// File path, joined to the corpus folder as given.
    pub path: String,
    /// 1-based line where the record starts.
    pub line: u64,
    /// Headings above the record.
    pub breadcrumbs: Vec<String>,
    /// The best passage, plain text.
    pub snippet: String,
    /// Byte ranges `[start, end)` of matches in `snippet`.
    pub highlights: Vec<[usize; 2]>,
    /// Parsed reference fields (reference hits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    /// Parsed reviewer fields (reviewer hits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<Reviewer>,
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
/// Runs a query against an opened index (see the module docs for the steps).
pub fn search(s: &Searchable, query_text: &str, opts: &SearchOptions) -> Result<Results> {
    let parse = |text: &str| {
        if opts.plain {
            query::parse_plain(text)
        } else {
            query::parse(text)
        }
    };
    let tree = parse(query_text)?;
    let fixes = correct::corrections(s, &tree, query_text, Limits::Correct)?;
    let (tree, corrected_query) = if fixes.is_empty() {
        (tree, None)
    } else {
        let corrected = correct::apply(query_text, &fixes);
        (parse(&corrected)?, Some(corrected))
    };
    let mut results = run(s, &tree, opts)?;
    results.query = query_text.to_string();
    if results.hits.is_empty() {
        let text = corrected_query.as_deref().unwrap_or(query_text);
        let fixes = correct::corrections(s, &tree, text, Limits::Suggest)?;
        if !fixes.is_empty() {
            let suggestion = correct::apply(text, &fixes);
            let counting = SearchOptions {
                limit: 1,
                snippets: false,
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
    let compiled = compile::compile(s, tree, opts.kind)?;
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
        hits.push(hit(&s.fields, &doc, score, &opts.corpus));
    }
    hits.sort_by(|(a, _), (b, _)| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.doc.cmp(&b.doc))
            .then(a.line.cmp(&b.line))
    });
    hits.truncate(opts.limit);
    let mut analyzer = analysis::analyzer();
    let hits = hits
        .into_iter()
        .enumerate()
        .map(|(i, (mut h, body))| {
            h.rank = i + 1;
            h.score = (h.score * 1e4).round() / 1e4;
            if opts.snippets {
                let budget = if h.kind == RecordKind::Section {
                    SNIPPET_CHARS
                } else {
                    CITATION_CHARS
                };
                let Snippet { text, highlights } =
                    snippet::snippet(&body, &mut analyzer, &compiled.highlight, budget);
                (h.snippet, h.highlights) = (text, highlights);
            }
            h
        })
        .collect();
    Ok(Results {
        query: String::new(),
        corrected_query: None,
        suggestion: None,
        total_hits,
        hits,
    })
}

/// A hit from a stored record (no snippet yet), and the record's body.
fn hit(f: &Fields, doc: &TantivyDocument, score: f32, corpus: &Path) -> (Hit, String) {
    let text = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let kind = match text(f.kind).as_str() {
        "reference" => RecordKind::Reference,
        "reviewer" => RecordKind::Reviewer,
        _ => RecordKind::Section,
    };
    let citation: Option<Citation> = doc
        .get_first(f.citation)
        .and_then(|v| v.as_str())
        .and_then(|json| serde_json::from_str(json).ok());
    let heading = citation
        .as_ref()
        .map_or_else(|| text(f.heading), |c| c.label().to_string());
    let (reference, reviewer) = match citation {
        Some(Citation::Reference(r)) => (Some(r), None),
        Some(Citation::Reviewer(r)) => (None, Some(r)),
        None => (None, None),
    };
    let hit = Hit {
        rank: 0,
        score: f64::from(score),
        id: text(f.id),
        doc: text(f.doc),
        doc_title: text(f.title),
        kind,
        heading,
        anchor: text(f.anchor),
        path: corpus.join(text(f.path)).to_string_lossy().into_owned(),
        line: doc.get_first(f.line).and_then(|v| v.as_u64()).unwrap_or(0),
        breadcrumbs: doc
            .get_all(f.breadcrumbs)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        snippet: String::new(),
        highlights: Vec::new(),
        reference,
        reviewer,
    };
    (hit, text(f.body))
}
