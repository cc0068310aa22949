//! Search: a query's text → ranked records with snippets, in steps, each in its module:
//!
//! 1. **parse** ([`query`]): the text becomes a syntax tree, or an error naming a position;
//! 2. **correct** ([`correct`]): words the index does not know are replaced by the closest
//!    words of the corpus (each looked up once per search, within a budget), and the
//!    corrected text parsed again;
//! 3. **compile** ([`compile`]): the tree becomes two tantivy queries that match the same
//!    records: the first stage's (a sum of per-field BM25, which tantivy scans fast) and the
//!    ranking's (BM25F words, phrase boosts, synonyms and abbreviations, filters, the kind
//!    prior: [`ranking`]), and the term sequences to highlight;
//! 4. **retrieve** (here): the first stage's best [`Ranking::candidates`] records (at least
//!    the hits asked for plus [`TIE_MARGIN`]), by MaxScore ([`union`]) when the first stage is
//!    a union of optional clauses (a plain query always is), by tantivy's collector otherwise;
//! 5. **rank** (here): the candidates scored by the ranking's query, each segment's in order
//!    by one scorer that seeks from one to the next ([`scoring::Sum`]);
//! 6. **feedback** ([`feedback`]), for long plain queries or when asked: the best candidates'
//!    words expand both queries, and steps 4-5 run again with them (the first stage searches
//!    the heaviest few expansion words, so records that hold none of the query's words can
//!    be found; the ranking scores all of them);
//! 7. **count** (here): the matching records, visited without scoring, up to
//!    [`COUNT_BOUND`] ("more than 1000") unless [`SearchOptions::count`] asks for all;
//! 8. **collect** (here): ties broken by document id then line, so output is deterministic;
//!    stored fields are read only for the hits shown (and the ties at the cut);
//! 9. **snippets** ([`snippet`]): the best passage of each hit shown, with its matches.
//!
//! With no hits, a close query that has some is suggested ([`correct`]).
//!
//! **Retrieve, then rank.** The ranking's features cost too much to compute for every
//! matching record of a large corpus (BM25F reads two postings lists per word and cannot use
//! tantivy's pruning; feedback adds hundreds of words), so they are computed for the first
//! stage's candidates only. What a query ranks is therefore defined by the candidates and the
//! ranking's scores of them; a faster first stage that finds the same candidates changes
//! nothing else. The first stage weighs headings and bodies alike: measured on the classic
//! collections, a top 10 ranked from 100 candidates (the default) scores the same nDCG@10 as
//! one ranked from 1,032 (what `eval` ranks at its depth of 1000) or from every matching
//! record, and one from 42 candidates within 0.001; a first stage that weighed headings ×5,
//! as the ranking does, lost 0.024 on CISI without feedback (short titles mislead a sum of
//! per-field BM25).

pub mod compile;
pub mod correct;
pub mod feedback;
pub mod query;
pub mod ranking;
pub mod scoring;
pub mod snippet;
#[cfg(test)]
mod tests;
pub mod union;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Score, TERMINATED, TantivyDocument};

use crate::error::Result;
use crate::index::{Searchable, StoredRecord};
use crate::parse::RecordKind;
use crate::semantic::Mode;
use crate::semantic::fuse::{self, Both};
use crate::semantic::store::Vectors;
use compile::Compiled;
use correct::Limits;
pub use feedback::Feedback;
use query::Node;
use ranking::FeedbackParams;
pub use ranking::Ranking;
use rustc_hash::FxHashMap as HashMap;
use snippet::Snippet;
use union::TermUnion;

/// Snippet length budget for sections, in characters.
pub const SNIPPET_CHARS: usize = 200;
/// References and reviewers are shown whole up to this many characters.
pub const CITATION_CHARS: usize = 1000;
/// Extra hits fetched beyond the limit so that ties at the cut are broken deterministically.
const TIE_MARGIN: usize = 32;
/// Matching records are counted exactly up to this many; beyond, a search reports "more than"
/// this many (as Lucene's `track_total_hits` does), unless [`SearchOptions::count`] asks for
/// the exact number.
pub const COUNT_BOUND: usize = 1000;

/// The first stage: the best `pool` records for `query`: by MaxScore when it is a union of
/// words ([`TermUnion::top_k`]: records that cannot enter the pool are not scored), else by
/// tantivy's collector.
fn retrieve(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    pool: usize,
) -> Result<Vec<DocAddress>> {
    if let Some(union) = query.downcast_ref::<TermUnion>() {
        return Ok(union.top_k(searcher, pool)?);
    }
    let top = searcher.search(query, &TopDocs::with_limit(pool).order_by_score())?;
    Ok(top.into_iter().map(|(_, address)| address).collect())
}

/// How many records match `query`: exactly when they are at most `bound` (or `bound` is
/// `None`), else `bound` and `false` (more than that). Records are only visited, not scored, and
/// the visit stops past the bound, so a common word costs no more than a rare one.
fn count(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    bound: Option<usize>,
) -> Result<(usize, bool)> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut total = 0;
    for reader in searcher.segment_readers() {
        let Some(bound) = bound else {
            total += weight.count(reader)? as usize;
            continue;
        };
        let mut docs = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut doc = docs.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                total += 1;
                if total > bound {
                    return Ok((bound, false));
                }
            }
            doc = docs.advance();
        }
    }
    Ok((total, true))
}

/// The candidates' scores under `query`, best first (ties by address). Every candidate
/// matches `query`: both stages match the same records ([`compile::Compiled`]; checked in debug
/// builds and by the property test in `search/tests.rs`); each segment's candidates are scored in order by
/// one scorer that seeks from one to the next.
fn rank(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    candidates: &[DocAddress],
) -> Result<Vec<(Score, DocAddress)>> {
    let out = score_matching(searcher, query, candidates)?;
    debug_assert_eq!(
        out.len(),
        candidates.len(),
        "a first-stage candidate the ranking query does not match"
    );
    Ok(out)
}

/// The scores under `query` of those `candidates` it matches, best first (ties by address).
fn score_matching(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    candidates: &[DocAddress],
) -> Result<Vec<(Score, DocAddress)>> {
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut sorted = candidates.to_vec();
    sorted.sort_unstable();
    let mut out = Vec::with_capacity(sorted.len());
    for segment in sorted.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
        let reader = searcher.segment_reader(segment[0].segment_ord);
        let mut scorer = weight.scorer(reader, 1.0)?;
        for &address in segment {
            if scorer.doc() < address.doc_id {
                scorer.seek(address.doc_id);
            }
            if scorer.doc() == address.doc_id {
                out.push((scorer.score(), address));
            }
        }
    }
    out.sort_by(|(a, x), (b, y)| b.total_cmp(a).then(x.cmp(y)));
    Ok(out)
}

/// Hits a search returns unless asked for more or fewer (`--limit`, the API's `limit`).
pub const DEFAULT_LIMIT: usize = 10;
/// Most hits a search may be asked for.
pub const MAX_LIMIT: usize = 10_000;

/// Most hits a search may skip ([`SearchOptions::offset`]).
pub const MAX_OFFSET: usize = 10_000;

/// Reads an `offset` (CLI `--offset`, API `offset=`): a whole number from 0 to [`MAX_OFFSET`].
pub fn read_offset(text: &str) -> std::result::Result<usize, String> {
    text.parse()
        .ok()
        .filter(|n| *n <= MAX_OFFSET)
        .ok_or_else(|| format!("not a whole number from 0 to {MAX_OFFSET}"))
}

/// A limit as the CLI (`--limit`) and the HTTP API (`limit=`) read it: a whole number from 1
/// to [`MAX_LIMIT`]; the error says what the value is not (the caller names the value).
pub fn read_limit(text: &str) -> std::result::Result<usize, String> {
    text.parse()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| format!("not a whole number from 1 to {MAX_LIMIT}"))
}

/// A kind filter as the CLI (`--kind`) and the HTTP API (`kind=`) read it: a record kind, or
/// `all` (also empty) for none; the error says what the value is not.
pub fn read_kind(text: &str) -> std::result::Result<Option<RecordKind>, String> {
    match text {
        "" | "all" => Ok(None),
        _ => text
            .parse()
            .map(Some)
            .map_err(|_| format!("not one of {}, all", RecordKind::NAMES)),
    }
}

/// What to search for besides the query itself.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Most hits to return.
    pub limit: usize,
    /// Only records of this kind, if set.
    pub kind: Option<RecordKind>,
    /// Whether to make snippets (batch evaluation does not need them).
    pub snippets: bool,
    /// Read the query as plain words, without query syntax ([`query::parse_plain`]).
    pub plain: bool,
    /// Explain each hit's score ([`Hit::explanation`]).
    pub explain: bool,
    /// The ranking's weights.
    pub ranking: Ranking,
    /// When query feedback applies.
    pub feedback: Feedback,
    /// Count every matching record, past [`COUNT_BOUND`].
    pub count: bool,
    /// Replace unknown words by the closest corpus words ([`correct`]); off, the query runs
    /// as written (a "did you mean" is still offered when nothing matches).
    pub correct: bool,
    /// Read a query that does not parse as a search box should ([`query::parse_forgiving`]):
    /// repaired, else as plain words, with [`Results::read_as`] saying so; off, it is an error.
    pub forgiving: bool,
    /// The query is being typed: its last word, when no space follows it, also matches the
    /// words it begins (as `word*` would), when any does ([`completing`]).
    pub typing: bool,
    /// Hits to skip before the first one returned (for paging: `offset` 10, `limit` 10 is the
    /// second page). Ranks count from the first match.
    pub offset: usize,
    /// How to rank ([`crate::semantic`]); `None`: hybrid when the index has vectors, else
    /// lexical.
    pub mode: Option<Mode>,
}

impl Default for SearchOptions {
    /// Ten hits with snippets, any kind, query syntax, typos corrected.
    fn default() -> Self {
        SearchOptions {
            limit: DEFAULT_LIMIT,
            kind: None,
            snippets: true,
            plain: false,
            explain: false,
            ranking: Ranking::default(),
            feedback: Feedback::default(),
            count: false,
            correct: true,
            forgiving: false,
            typing: false,
            offset: 0,
            mode: None,
        }
    }
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
    /// Byte ranges `[start, end)` of matches in the record's heading (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub heading_highlights: Vec<[usize; 2]>,
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
    /// How the query was read when it did not parse as written ([`SearchOptions::forgiving`]).
    /// Absent from JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<query::ReadAs>,
    /// Unknown words not looked up for typos: the query's budget ([`correct::BUDGET`]) was
    /// spent before them. Absent from JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub typos_not_tried: Vec<String>,
    /// How many records matched in all: exactly, or (when `total_hits_exact` is false) a lower
    /// bound, [`COUNT_BOUND`]: more than that many matched.
    pub total_hits: usize,
    /// Whether `total_hits` is the exact number.
    pub total_hits_exact: bool,
    /// The best ones, ranked.
    pub hits: Vec<Hit>,
    /// How they were ranked.
    pub mode: Mode,
    /// Why the mode is not the one asked for (or the index's default), when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode_note: Option<String>,
}

/// Runs a query against an opened index (see the module docs for the steps). The query's
/// unknown words are looked up once ([`correct::Typos`]); a correction that finds nothing does
/// not replace the query (the query runs as typed), and a suggestion is offered only if it
/// finds something: both are compiled and counted, never ranked, so the whole pipeline runs
/// once per search.
pub fn search(s: &Searchable, query_text: &str, opts: &SearchOptions) -> Result<Results> {
    if opts.typing
        && !opts.plain
        && let Some((prefixed, last)) = completing(query_text)
        && begins_any(s, &last, opts)?
    {
        let opts = SearchOptions {
            ranking: Ranking {
                prefix_terms: opts.ranking.prefix_terms.min(TYPING_PREFIX_TERMS),
                ..opts.ranking
            },
            ..opts.clone()
        };
        let mut results = search_as_written(s, &prefixed, &opts)?;
        results.query = query_text.to_string();
        return Ok(results);
    }
    search_as_written(s, query_text, opts)
}

/// Most words a word being typed is completed to ([`SearchOptions::typing`]): the most
/// frequent it begins. Measured at 100,000 pages (`python3 scripts/bench.py typing`, every
/// prefix a reader types of 20 test queries, as the page sends them): p99 35.6 ms (max 44.7)
/// with the 1,000 alphabetically first completions, 17.0 ms (max 19.3) with the 50 most
/// frequent, which keep `oct` → octreotide.
pub const TYPING_PREFIX_TERMS: usize = 50;

/// For a query being typed: the query with its last word as a prefix (`text*`), and that
/// word; `None` when a space follows the last word, or it is not a bare word (a phrase, a
/// field, an operator, a prefix already).
pub fn completing(text: &str) -> Option<(String, String)> {
    if text.ends_with(char::is_whitespace) || text.matches('"').count() % 2 == 1 {
        return None;
    }
    let last = text.split_whitespace().last()?;
    let bare = last.chars().all(char::is_alphanumeric) && !matches!(last, "AND" | "OR" | "NOT");
    bare.then(|| (format!("{text}*"), last.to_string()))
}

/// Whether `word*` matches any record (of the kind asked for).
fn begins_any(s: &Searchable, word: &str, opts: &SearchOptions) -> Result<bool> {
    let tree = query::parse(&format!("{word}*"))?;
    let compiled = compile::compile(s, &tree, opts.kind, &opts.ranking, false)?;
    matches_any(s.searcher(), &*compiled.retrieve)
}

/// [`search`] of the text as written (no completion).
fn search_as_written(s: &Searchable, query_text: &str, opts: &SearchOptions) -> Result<Results> {
    let parse = |text: &str| parse(text, opts.plain);
    let (typed, read_as) = match (opts.forgiving, opts.plain) {
        (true, false) => query::parse_forgiving(query_text)?,
        _ => (parse(query_text)?, None),
    };
    // A query read as plain words is searched as such; a repaired one, as repaired.
    let plain = opts.plain || read_as.as_ref().is_some_and(|r| r.plain);
    let parse = |text: &str| -> Result<Node> {
        if plain {
            query::parse_plain(text)
        } else {
            parse(text)
        }
    };
    let text = match &read_as {
        Some(read) if !read.plain => read.text.as_str(),
        _ => query_text,
    };
    let typos = correct::Typos::find(s, &typed, text)?;
    let fixes = match opts.correct {
        true => typos.fixes(Limits::Correct),
        false => Vec::new(),
    };
    let mut corrected = None;
    if !fixes.is_empty() {
        let text = correct::apply(text, &fixes);
        let tree = parse(&text)?;
        let compiled = compile::compile(s, &tree, opts.kind, &opts.ranking, opts.explain)?;
        if matches_any(s.searcher(), &*compiled.retrieve)? {
            corrected = Some((text, tree, compiled));
        }
    }
    let (mut results, corrected_query) = match corrected {
        Some((text, tree, compiled)) => (run(s, &text, &tree, compiled, opts)?, Some(text)),
        None => {
            let compiled = compile::compile(s, &typed, opts.kind, &opts.ranking, opts.explain)?;
            (run(s, text, &typed, compiled, opts)?, None)
        }
    };
    results.query = query_text.to_string();
    results.corrected_query = corrected_query;
    results.read_as = read_as.clone();
    results.typos_not_tried = typos.not_tried();
    if results.total_hits == 0 {
        let fixes = typos.fixes(Limits::Suggest);
        if !fixes.is_empty() {
            let suggestion = correct::apply(text, &fixes);
            let compiled =
                compile::compile(s, &parse(&suggestion)?, opts.kind, &opts.ranking, false)?;
            if matches_any(s.searcher(), &*compiled.retrieve)? {
                results.suggestion = Some(suggestion);
            }
        }
    }
    Ok(results)
}

/// Whether any record matches `query`.
fn matches_any(searcher: &tantivy::Searcher, query: &dyn Query) -> Result<bool> {
    let (total, exact) = count(searcher, query, Some(0))?;
    Ok(total > 0 || !exact)
}

/// A query's syntax tree: with query syntax, or as plain words.
fn parse(text: &str, plain: bool) -> Result<Node> {
    if plain {
        query::parse_plain(text)
    } else {
        query::parse(text)
    }
}

/// The term sequences that `query_text` highlights (as snippets do), for marking a whole
/// text with [`snippet::marks`]; the query is read as typed (no corrections).
pub fn highlights(s: &Searchable, query_text: &str, plain: bool) -> Result<compile::Highlights> {
    let tree = parse(query_text, plain)?;
    Ok(compile::compile(s, &tree, None, &Ranking::default(), false)?.highlight)
}

/// Runs a compiled query (`compiled`, from `tree`): retrieve candidates, rank them (with
/// feedback when it applies), count, then snippets.
fn run(
    s: &Searchable,
    text: &str,
    tree: &Node,
    mut compiled: Compiled,
    opts: &SearchOptions,
) -> Result<Results> {
    let (mode, mode_note) = mode(s, tree, opts)?;
    let searcher = s.searcher();
    let wanted = opts.offset + opts.limit.max(1);
    let pool = opts
        .ranking
        .candidates
        .max(wanted + TIE_MARGIN)
        .max(opts.ranking.feedback.docs);
    // Semantic mode ranks by the model alone: nothing for the words' feedback to do.
    let feedback = opts.kind.is_none()
        && mode != Mode::Semantic
        && feedback::applies(tree, opts.feedback, &opts.ranking.feedback);
    // The fused ranking teaches both sides only what a descriptive query says (fuse.rs).
    let both_ways = feedback
        && mode == Mode::Hybrid
        && (opts.feedback == Feedback::On
            || feedback::plain_words(tree)
                .is_some_and(|w| w >= opts.ranking.fusion.feedback_min_words));
    let semantic = match mode {
        Mode::Lexical => None,
        _ => Some(Semantic::new(s, text, pool, mode, opts, both_ways)?),
    };
    let mut candidates = retrieve(searcher, &*compiled.retrieve, pool)?;
    let mut top = rank(searcher, &*compiled.query, &candidates)?;
    if feedback {
        let words = feedback::plain_words(tree).unwrap_or(1).max(1) as f32;
        let terms = match (&semantic, opts.ranking.fusion.fused_feedback) {
            (Some(semantic), true) if both_ways => {
                let fused = semantic.side(&*compiled.query, &top)?.ranked;
                let docs = fuse::feedback_pool(&top, &fused, opts.ranking.feedback.docs);
                let params = FeedbackParams {
                    docs: docs.len(),
                    ..opts.ranking.feedback
                };
                feedback::expansion(s, &docs, &params)?
            }
            _ => feedback::expansion(s, &top, &opts.ranking.feedback)?,
        };
        if !terms.is_empty() {
            compiled =
                compile::with_feedback(s, compiled, &terms, words, &opts.ranking, opts.explain);
            candidates = retrieve(searcher, &*compiled.retrieve, pool)?;
            top = rank(searcher, &*compiled.query, &candidates)?;
        }
    }
    let (mut total_hits, total_hits_exact) = count(
        searcher,
        &*compiled.retrieve,
        (!opts.count).then_some(COUNT_BOUND.max(opts.limit)),
    )?;
    let mut parts = HashMap::default();
    if let Some(semantic) = semantic {
        let side = semantic.side(&*compiled.query, &top)?;
        (top, parts) = (side.ranked, side.parts);
        total_hits = match mode {
            Mode::Semantic => top.len(),
            _ => total_hits + side.unmatched,
        };
    }

    // Stored fields are read only for the hits shown and for those tied with the last one
    // (their document id and line break the tie), and snippets made only for the hits shown.
    let cut = top.get(wanted - 1).map(|(score, _)| *score);
    let mut hits = Vec::with_capacity(wanted);
    for (score, address) in top
        .into_iter()
        .filter(|(score, _)| cut.is_none_or(|c| *score >= c))
    {
        let doc: TantivyDocument = searcher.doc(address)?;
        let (record, body) = s.record(&doc);
        let hit = Hit {
            rank: 0,
            score: f64::from(score),
            record,
            snippet: String::new(),
            highlights: Vec::new(),
            heading_highlights: Vec::new(),
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
    hits.truncate(wanted);
    let mut shown = Vec::with_capacity(opts.limit);
    for (i, (mut h, body, address)) in hits.into_iter().enumerate().skip(opts.offset) {
        h.rank = i + 1;
        h.score = (h.score * 1e4).round() / 1e4;
        if opts.snippets {
            let budget = if h.record.kind == RecordKind::Section {
                SNIPPET_CHARS
            } else {
                CITATION_CHARS
            };
            let Snippet { text, highlights } = snippet::snippet(&body, &compiled.highlight, budget);
            (h.snippet, h.highlights) = (text, highlights);
            h.heading_highlights = snippet::marks(&h.record.heading, &compiled.highlight);
        }
        if opts.explain {
            let lexical = match mode {
                Mode::Semantic => None,
                _ => {
                    let explained = compiled.query.explain(searcher, address).ok();
                    explained.map(|e| {
                        let value = serde_json::to_value(&e).expect("explanations serialize");
                        serde_json::from_value(value).expect("explanations read back")
                    })
                }
            };
            h.explanation = match parts.get(&address) {
                Some(both) => Some(explain_fused(h.score as f32, both, lexical, opts)),
                None => lexical,
            };
        }
        shown.push(h);
    }
    let hits = shown;
    Ok(Results {
        query: String::new(),
        corrected_query: None,
        suggestion: None,
        read_as: None,
        typos_not_tried: Vec::new(),
        total_hits,
        total_hits_exact,
        hits,
        mode,
        mode_note,
    })
}

/// The mode a search runs in, and why it is not the one asked for (or the index's default)
/// when it is not: a query with syntax (fields, phrases, operators) is searched by its words.
fn mode(s: &Searchable, tree: &Node, opts: &SearchOptions) -> Result<(Mode, Option<String>)> {
    // The summary says whether there are vectors: a lexical search never reads them.
    let has_vectors = s.summary().vectors.is_some();
    let mode = opts.mode.unwrap_or(match has_vectors {
        true => Mode::Hybrid,
        false => Mode::Lexical,
    });
    if mode == Mode::Lexical {
        return Ok((mode, None));
    }
    if !has_vectors {
        return Err(crate::error::Error::Model {
            path: s.index_dir().to_path_buf(),
            message: format!(
                "holds no vectors to search in {} mode: index it with a model",
                mode.as_str()
            ),
        });
    }
    match embeddable(tree) {
        true => Ok((mode, None)),
        false => Ok((
            Mode::Lexical,
            Some(format!(
                "searched by words only (lexical): {} mode takes plain words, and this query \
                 uses query syntax",
                mode.as_str()
            )),
        )),
    }
}

/// Whether a query is plain words (a word being typed, `word*`, included): what the model can
/// read.
fn embeddable(tree: &Node) -> bool {
    match tree {
        Node::Term { field: None, .. } => true,
        Node::Group(clauses) => clauses
            .iter()
            .all(|(occur, node)| *occur == query::Occur::Should && embeddable(node)),
        _ => false,
    }
}

/// The semantic side of a search, fused with the lexical ranking `lexical` in hybrid mode.
struct Side {
    /// The records, best first.
    ranked: Vec<(Score, DocAddress)>,
    /// Each record's two parts (for `--explain`).
    parts: HashMap<DocAddress, Parts>,
    /// Records ranked that the query's words do not match.
    unmatched: usize,
}

/// A hit's two scores, raw and calibrated ([`crate::semantic::fuse`]).
#[derive(Debug, Clone, Copy)]
struct Parts {
    lexical: Option<f32>,
    cosine: f32,
    lexical_part: f32,
    semantic_part: f32,
}

/// The semantic side of one search: the query embedded once, and its cosines computed once,
/// however many rankings the search makes from them.
struct Semantic<'a> {
    s: &'a Searchable,
    vectors: &'a Vectors,
    /// The query's vector.
    vector: Vec<f32>,
    /// The records' cosines with `vector` ([`Semantic::scan`]).
    cosines: Vec<(f32, DocAddress)>,
    /// Each segment's kind codes, when a kind is asked for.
    codes: Vec<tantivy::columnar::Column<u64>>,
    pool: usize,
    mode: Mode,
    opts: &'a SearchOptions,
    /// Whether query feedback applies to this side ([`fuse::Fusion::feedback_min_words`]).
    feedback: bool,
}

impl<'a> Semantic<'a> {
    /// Embeds the query `text`; a word being typed, `word*`, is read as the corpus word it
    /// most likely ends as ([`correct::completion`]), else as typed.
    fn new(
        s: &'a Searchable,
        text: &str,
        pool: usize,
        mode: Mode,
        opts: &'a SearchOptions,
        feedback: bool,
    ) -> Result<Self> {
        let Some((vectors, model)) = s.model()? else {
            return Err(crate::error::Error::Internal("vectors vanished".into()));
        };
        let mut words = Vec::new();
        for word in text.split_whitespace() {
            let completed = match word.strip_suffix('*') {
                Some(prefix) if !opts.plain => correct::completion(s, prefix)?,
                _ => None,
            };
            words.push(completed.unwrap_or_else(|| word.replace('*', "")));
        }
        let words = words.join(" ");
        let vector = model.embed(&[words.as_str()])?.remove(0);
        vectors.check(&vector)?;
        let codes = match opts.kind {
            Some(_) => s
                .searcher()
                .segment_readers()
                .iter()
                .map(|r| r.fast_fields().u64(crate::index::schema::KIND_CODE))
                .collect::<tantivy::Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let mut semantic = Semantic {
            s,
            vectors,
            vector,
            cosines: Vec::new(),
            codes,
            pool,
            mode,
            opts,
            feedback,
        };
        semantic.cosines = semantic.scan(&semantic.vector);
        Ok(semantic)
    }

    /// The cosine with `vector` of the records of the kind asked for: of those the 8-bit
    /// pass ranks best, enough for the floor and the candidates ([`fuse::Fusion::rescore`]).
    fn scan(&self, vector: &[f32]) -> Vec<(f32, DocAddress)> {
        let fusion = self.opts.ranking.fusion;
        let keep = match fusion.rescore {
            0 => 0,
            n => n
                .max(fusion.floor_rank)
                .max(fusion.candidates.max(self.pool)),
        };
        let wanted = |a: DocAddress| match self.opts.kind {
            Some(kind) => self.codes[a.segment_ord as usize].first(a.doc_id) == Some(kind.code()),
            None => true,
        };
        self.vectors.scores(vector, keep, &wanted)
    }

    /// Ranks by the model (semantic) or fuses the model's ranking with `lexical`, the
    /// ranking of `query`'s words (hybrid). With feedback ([`fuse::Fusion::feedback_docs`],
    /// when it applies), the mean vector of that ranking's best records is added to the
    /// query's, and the records the query's own pass kept are scored and ranked again with it.
    fn side(&self, query: &dyn Query, lexical: &[(Score, DocAddress)]) -> Result<Side> {
        let first = self.rank(self.cosines.clone(), &self.vector, query, lexical)?;
        let fusion = self.opts.ranking.fusion;
        if !self.feedback || fusion.feedback_docs == 0 || fusion.feedback_weight <= 0.0 {
            return Ok(first);
        }
        let rows: Vec<&[f32]> = first
            .ranked
            .iter()
            .take(fusion.feedback_docs)
            .filter_map(|(_, address)| self.vectors.vector(*address))
            .filter(|row| row.iter().any(|&x| x != 0.0))
            .collect();
        if rows.is_empty() {
            return Ok(first);
        }
        let share = fusion.feedback_weight / rows.len() as f32;
        let mut moved = self.vector.clone();
        for row in rows {
            moved.iter_mut().zip(row).for_each(|(m, r)| *m += share * r);
        }
        let norm = crate::semantic::store::dot(&moved, &moved)
            .sqrt()
            .max(f32::EPSILON);
        moved.iter_mut().for_each(|m| *m /= norm);
        let cosines = match fusion.rescore {
            0 => self.scan(&moved),
            // The moved vector stays near the query's: the records the query's own pass kept
            // are the ones it can rank first (recall measured in BENCHMARKS.md).
            _ => self
                .cosines
                .iter()
                .filter_map(|&(_, a)| Some((self.vectors.score(&moved, a)?, a)))
                .collect(),
        };
        self.rank(cosines, &moved, query, lexical)
    }

    /// One ranking from `cosines`, the kept records' cosines with `vector`: the best
    /// `max(candidates, pool)` kept, each scored by both sides and fused (hybrid).
    fn rank(
        &self,
        mut cosines: Vec<(f32, DocAddress)>,
        vector: &[f32],
        query: &dyn Query,
        lexical: &[(Score, DocAddress)],
    ) -> Result<Side> {
        let fusion = self.opts.ranking.fusion;
        let by_cosine =
            |a: &(f32, DocAddress), b: &(f32, DocAddress)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let floor_at = fusion.floor_rank.max(1) - 1;
        let floor = match cosines.len() > floor_at {
            true => *cosines.select_nth_unstable_by(floor_at, by_cosine).1,
            false => cosines
                .iter()
                .copied()
                .min_by(|a, b| by_cosine(b, a))
                .unwrap_or((0., DocAddress::new(0, 0))),
        }
        .0;
        let take = fusion.candidates.max(self.pool).min(cosines.len());
        if take > 0 && take < cosines.len() {
            cosines.select_nth_unstable_by(take - 1, by_cosine);
        }
        cosines.truncate(take);
        cosines.sort_by(by_cosine);
        let best = cosines.first().map_or(0.0, |c| c.0);
        if self.mode == Mode::Semantic {
            let parts = cosines
                .iter()
                .map(|&(cosine, address)| {
                    let part = Parts {
                        lexical: None,
                        cosine,
                        lexical_part: 0.0,
                        semantic_part: 1.0,
                    };
                    (address, part)
                })
                .collect();
            return Ok(Side {
                ranked: cosines,
                parts,
                unmatched: 0,
            });
        }
        let mut lexical_scores: HashMap<DocAddress, f32> =
            lexical.iter().map(|&(score, a)| (a, score)).collect();
        let extras: Vec<DocAddress> = cosines
            .iter()
            .map(|&(_, a)| a)
            .filter(|a| !lexical_scores.contains_key(a))
            .collect();
        let matched = score_matching(self.s.searcher(), query, &extras)?;
        let unmatched = extras.len() - matched.len();
        lexical_scores.extend(matched.into_iter().map(|(score, a)| (a, score)));
        let cosine_of: HashMap<DocAddress, f32> = cosines.iter().map(|&(c, a)| (a, c)).collect();
        let both: Vec<Both<DocAddress>> = lexical
            .iter()
            .map(|&(_, a)| a)
            .chain(extras)
            .map(|address| Both {
                lexical: lexical_scores.get(&address).copied(),
                semantic: cosine_of
                    .get(&address)
                    .copied()
                    .or_else(|| self.vectors.score(vector, address))
                    .unwrap_or(0.0),
                address,
            })
            .collect();
        let calibrated = fuse::calibrate(&both, floor, best, &fusion);
        let parts = both
            .iter()
            .zip(calibrated)
            .map(|(c, (lexical_part, semantic_part))| {
                let part = Parts {
                    lexical: c.lexical,
                    cosine: c.semantic,
                    lexical_part,
                    semantic_part,
                };
                (c.address, part)
            })
            .collect();
        let ranked = fuse::fuse(&both, floor, best, &fusion);
        Ok(Side {
            ranked,
            parts,
            unmatched,
        })
    }
}

/// A fused hit's explanation: the two parts, with the lexical ranking's own explanation.
fn explain_fused(
    score: f32,
    parts: &Parts,
    lexical: Option<Explanation>,
    opts: &SearchOptions,
) -> Explanation {
    let weight = opts.ranking.fusion.semantic_weight;
    let semantic = Explanation {
        value: parts.semantic_part,
        description: format!(
            "semantic: cosine {:.4} with the query (moved toward the first records when \
             feedback applied), scaled by the query's best and floor",
            parts.cosine
        ),
        details: Vec::new(),
    };
    let lexical = Explanation {
        value: parts.lexical_part,
        description: match parts.lexical {
            Some(l) => format!("lexical: score {l:.4}, divided by the query's best"),
            None => "lexical: the query's words do not match".to_string(),
        },
        details: lexical.into_iter().collect(),
    };
    let (description, details) = match opts.mode {
        Some(Mode::Semantic) => ("semantic: cosine with the query".to_string(), Vec::new()),
        _ => (
            format!("hybrid: {weight} × semantic + {} × lexical", 1.0 - weight),
            vec![semantic, lexical],
        ),
    };
    Explanation {
        value: score,
        description,
        details,
    }
}
