//! Query → ranked hits with snippets.
//!
//! The query tree from [`crate::query`] is compiled into tantivy queries:
//! - a word searches the heading (weighted ×[`HEADING_BOOST`]) and the body with BM25; a word
//!   that analyzes to several terms (`liver-directed`) is a phrase; a stop word is not searched
//!   on its own when the query has other words (it still counts in phrases and phrase boosts),
//!   and weighs ×[`STOP_WORD_WEIGHT`] in a query of stop words only;
//! - two to [`MAX_PHRASE_WORDS`] words side by side also add the whole run as an exact phrase
//!   (×[`PHRASE_BOOST`]) and as a sloppy phrase within [`PROXIMITY_SLOP`] positions
//!   (×[`PROXIMITY_BOOST`]), so records where the words stand together rank above records that
//!   merely contain them;
//! - `word*` expands over the index's terms (at most [`MAX_PREFIX_TERMS`] per field);
//! - a word or phrase with synonyms or an abbreviation's other form ([`crate::expand`]; for a
//!   run of plain words, any part of the run) also searches them, as optional clauses scaled to
//!   count [`crate::expand::SYNONYM_WEIGHT`] or [`crate::expand::ABBREVIATION_WEIGHT`] of a
//!   literal match: the scale is the ratio of the BM25 idf sums of the query's terms and the
//!   alternative's, so a rare alternative phrase does not outweigh the word typed;
//! - `kind:` / `doc:` and `--kind` are filters that add nothing to the score.
//!
//! Hits are ordered by score, ties broken by document id then line, so output is deterministic.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur as TOccur, PhraseQuery,
    Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, TantivyDocument, Term};

use crate::analysis;
use crate::error::{Error, Result};
use crate::expand::Expansions;
use crate::expand::typo::{self, Limits};
use crate::index::{Fields, Searchable};
use crate::parse::{Citation, RecordKind, Reference, Reviewer};
use crate::query::{self, FieldName, Node, Occur};
use crate::snippet::{self, Snippet};

/// Weight of a heading match relative to a body match. A heading is its own BM25 field, and a
/// short one, so a heading match already outweighs a body match at 1.0; factors from 1.25 to 2
/// lowered nDCG@10 on Cranfield and CISI and left the gate unchanged (scripts/beir_quality.py).
pub const HEADING_BOOST: f32 = 1.0;
/// Weight of a stop word relative to other words.
pub const STOP_WORD_WEIGHT: f32 = 0.2;
/// Extra weight when the query's words appear as an exact phrase.
pub const PHRASE_BOOST: f32 = 1.5;
/// Extra weight when the query's words appear close together.
pub const PROXIMITY_BOOST: f32 = 0.5;
/// Longest run of words that gets phrase and proximity boosts: longer runs (pasted sentences,
/// natural-language test queries) almost never occur verbatim and cost a positional scan.
pub const MAX_PHRASE_WORDS: usize = 6;
/// How many positions apart "close together" allows.
pub const PROXIMITY_SLOP: u32 = 4;
/// Most index terms one `word*` may expand to, per field.
pub const MAX_PREFIX_TERMS: usize = 1000;
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
    /// The query actually run, when words unknown to the index were corrected ([`typo`]).
    pub corrected_query: Option<String>,
    /// With no hits: a close query that has some, if there is one.
    pub suggestion: Option<String>,
    /// How many records matched in all.
    pub total_hits: usize,
    /// The best ones, ranked.
    pub hits: Vec<Hit>,
}

/// Runs a query against an opened index. Words the index does not know are corrected first
/// when a corpus word is close enough; with no hits, a close query with hits is suggested
/// ([`typo`]).
pub fn search(s: &Searchable, query_text: &str, opts: &SearchOptions) -> Result<Results> {
    let parse = |text: &str| {
        if opts.plain {
            query::parse_plain(text)
        } else {
            query::parse(text)
        }
    };
    let tree = parse(query_text)?;
    let fixes = typo::corrections(s, &tree, query_text, Limits::Correct)?;
    let (tree, corrected_query) = if fixes.is_empty() {
        (tree, None)
    } else {
        let corrected = typo::apply(query_text, &fixes);
        (parse(&corrected)?, Some(corrected))
    };
    let mut results = run(s, &tree, opts)?;
    results.query = query_text.to_string();
    if results.hits.is_empty() {
        let text = corrected_query.as_deref().unwrap_or(query_text);
        let fixes = typo::corrections(s, &tree, text, Limits::Suggest)?;
        if !fixes.is_empty() {
            let suggestion = typo::apply(text, &fixes);
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

/// Runs a parsed query (no corrections).
fn run(s: &Searchable, tree: &Node, opts: &SearchOptions) -> Result<Results> {
    let searcher = s.reader.searcher();
    let mut compiler = Compiler {
        fields: s.fields,
        searcher: &searcher,
        stemmed: analysis::analyzer(),
        unstemmed: analysis::unstemmed_analyzer(),
        highlight: BTreeSet::new(),
        skip_stop_words: has_content_word(tree),
        expansions: &s.expansions,
    };
    let nothing = || Error::Query {
        message: "nothing to search: the query has no words".into(),
        position: 1,
    };
    let compiled = compiler.node(tree, false)?.ok_or_else(nothing)?;
    if let Node::Group(clauses) = tree
        && clauses.iter().all(|(o, _)| *o == Occur::MustNot)
    {
        return Err(Error::Query {
            message: "nothing to search: the query only excludes words".into(),
            position: 1,
        });
    }
    let compiled = one_of(compiled);
    let query: Box<dyn Query> = match opts.kind {
        Some(kind) => Box::new(BooleanQuery::new(vec![
            (TOccur::Must, compiled),
            (TOccur::Must, filter(s.fields.kind, kind.as_str())),
        ])),
        None => compiled,
    };
    let collector = (
        TopDocs::with_limit(opts.limit.max(1) + TIE_MARGIN).order_by_score(),
        Count,
    );
    let (top, total_hits) = searcher.search(&query, &collector)?;

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
    let wanted: Vec<Vec<String>> = compiler.highlight.into_iter().collect();
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
                    snippet::snippet(&body, &mut analyzer, &wanted, budget);
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

/// A restriction on a raw field that adds nothing to the score.
fn filter(field: Field, value: &str) -> Box<dyn Query> {
    let term = TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    );
    Box::new(ConstScoreQuery::new(Box::new(term), 0.0))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// What a query node compiles to: queries of which any may match, scores summed.
type Alternatives = Vec<Box<dyn Query>>;

/// One query for a list of alternatives.
fn one_of(mut alternatives: Alternatives) -> Box<dyn Query> {
    if alternatives.len() == 1 {
        alternatives.pop().expect("one")
    } else {
        any_of(alternatives)
    }
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (TOccur::Should, q)).collect(),
    ))
}

struct Compiler<'a> {
    fields: Fields,
    searcher: &'a Searcher,
    stemmed: TextAnalyzer,
    unstemmed: TextAnalyzer,
    /// Term sequences to highlight in bodies (from positive, body-searching clauses).
    highlight: BTreeSet<Vec<String>>,
    /// Whether single stop words are left out as terms (the query has other words).
    skip_stop_words: bool,
    /// Synonyms and abbreviations.
    expansions: &'a Expansions,
}

/// Whether the query holds a word that is not a stop word, a prefix or a phrase (excluded
/// parts and `kind:`/`doc:` filters do not count). Such a query does not search its stop words
/// as single terms: they match nearly every record, so they cost a scan of the
/// whole index and add almost nothing to the ranking. They still count inside phrases and the
/// phrase boosts ("side effects of").
fn has_content_word(node: &Node) -> bool {
    match node {
        Node::Term {
            field,
            text,
            prefix,
            ..
        } => !field.is_some_and(FieldName::is_filter) && (*prefix || !analysis::is_stop_word(text)),
        Node::Phrase { .. } => true,
        Node::Group(clauses) => clauses
            .iter()
            .any(|(o, n)| *o != Occur::MustNot && has_content_word(n)),
    }
}

impl Compiler<'_> {
    /// The text fields a clause searches, with their boosts.
    fn text_fields(&self, field: Option<FieldName>) -> Vec<(Field, f32)> {
        match field {
            None => vec![
                (self.fields.heading, HEADING_BOOST),
                (self.fields.body, 1.0),
            ],
            Some(FieldName::Heading) => vec![(self.fields.heading, 1.0)],
            Some(FieldName::Body | FieldName::Kind | FieldName::Doc) => {
                vec![(self.fields.body, 1.0)]
            }
        }
    }

    /// The node's alternatives (it matches when one does; its score is their sum), or `None`
    /// when it analyzes to nothing (e.g. punctuation only). Returning alternatives rather than
    /// one union lets a group of optional words flatten into a single union of term queries,
    /// which tantivy scores with block-max WAND.
    fn node(&mut self, node: &Node, negated: bool) -> Result<Option<Alternatives>> {
        match node {
            Node::Term {
                field: Some(f),
                text,
                prefix,
                position,
            } if f.is_filter() => self
                .filter_term(*f, text, *prefix, *position)
                .map(|q| Some(vec![q])),
            Node::Term {
                field,
                text,
                prefix: true,
                position,
            } => self.prefix(*field, text, *position, negated).map(Some),
            Node::Term { field, text, .. } => {
                let stop = field.is_none() && analysis::is_stop_word(text);
                if stop && self.skip_stop_words {
                    return Ok(None);
                }
                let alternatives = self.words(*field, text, negated);
                let weight = if stop { STOP_WORD_WEIGHT } else { 1.0 };
                Ok(alternatives.map(|a| a.into_iter().map(|q| boosted(q, weight)).collect()))
            }
            Node::Phrase { field, text, .. } => Ok(self.words(*field, text, negated)),
            Node::Group(clauses) => self.group(clauses, negated),
        }
    }

    /// Words searched in their fields: one term, or a phrase when the text holds several.
    fn words(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        negated: bool,
    ) -> Option<Alternatives> {
        let terms: Vec<String> = analysis::tokens(&mut self.stemmed, text)
            .into_iter()
            .map(|t| t.text)
            .collect();
        if terms.is_empty() {
            return None;
        }
        if !negated && matches!(field, None | Some(FieldName::Body)) {
            self.highlight.insert(terms.clone());
        }
        let fields = self.text_fields(field);
        let mut per_field: Alternatives = fields
            .iter()
            .map(|&(f, boost)| boosted(terms_query(f, &terms, 0), boost))
            .collect();
        per_field.extend(self.expand(&terms, &fields, negated));
        Some(per_field)
    }

    /// The synonyms and abbreviation forms of a term sequence, searched in `fields`, each
    /// scaled to count its weight of a literal match (see the module docs).
    fn expand(&mut self, terms: &[String], fields: &[(Field, f32)], negated: bool) -> Alternatives {
        let expansions = self.expansions;
        let mut out = Alternatives::new();
        for (alternative, weight) in expansions.of(terms) {
            for &(field, boost) in fields {
                // An alternative with a term the field lacks cannot match there.
                if let (ours, Some(theirs)) = (self.idf(field, terms), self.idf(field, alternative))
                {
                    let scale = boost * weight * ours.unwrap_or(theirs) / theirs;
                    out.push(boosted(terms_query(field, alternative, 0), scale));
                }
            }
            if !negated {
                self.highlight.insert(alternative.clone());
            }
        }
        out
    }

    /// The sum of the BM25 idf of `terms` in `field` (what tantivy weighs a phrase by), or
    /// `None` when a term is not in the field.
    fn idf(&self, field: Field, terms: &[String]) -> Option<f32> {
        let docs = self.searcher.num_docs() as f32;
        terms
            .iter()
            .map(|t| {
                let term = Term::from_field_text(field, t);
                let df = self.searcher.doc_freq(&term).unwrap_or(0) as f32;
                (df > 0.0).then(|| (1.0 + (docs - df + 0.5) / (df + 0.5)).ln())
            })
            .sum()
    }

    fn prefix(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        position: usize,
        negated: bool,
    ) -> Result<Alternatives> {
        let tokens = analysis::tokens(&mut self.unstemmed, text);
        let [token] = tokens.as_slice() else {
            return Err(Error::Query {
                message: format!("a prefix search takes one word, not '{text}*'"),
                position,
            });
        };
        // The index holds stems, which can be shorter than the prefix (`embolizat*` must
        // match `embol`): also take the stems of the prefix's likely completions.
        let stems: BTreeSet<String> = PREFIX_COMPLETIONS
            .iter()
            .filter_map(|c| {
                analysis::tokens(&mut self.stemmed, &format!("{}{c}", token.text)).pop()
            })
            .map(|t| t.text)
            .collect();
        let mut per_field = Vec::new();
        for (f, boost) in self.text_fields(field) {
            let mut terms = expand_prefix(self.searcher, f, &token.text)?;
            for stem in &stems {
                if term_exists(self.searcher, f, stem)? {
                    terms.insert(stem.clone());
                }
            }
            if !negated && f == self.fields.body {
                self.highlight.extend(terms.iter().map(|t| vec![t.clone()]));
            }
            per_field.extend(
                terms
                    .iter()
                    .map(|t| boosted(terms_query(f, std::slice::from_ref(t), 0), boost)),
            );
        }
        if per_field.is_empty() {
            per_field.push(Box::new(EmptyQuery));
        }
        Ok(per_field)
    }

    fn filter_term(
        &mut self,
        field: FieldName,
        text: &str,
        prefix: bool,
        position: usize,
    ) -> Result<Box<dyn Query>> {
        if field == FieldName::Kind {
            let known = RecordKind::ALL.iter().any(|k| k.as_str() == text);
            if !known || prefix {
                return Err(Error::Query {
                    message: format!("unknown kind '{text}' (kinds: section, reference, reviewer)"),
                    position,
                });
            }
            return Ok(filter(self.fields.kind, text));
        }
        if !prefix {
            return Ok(filter(self.fields.doc, text));
        }
        let ids = expand_prefix(self.searcher, self.fields.doc, text)?;
        Ok(Box::new(ConstScoreQuery::new(
            any_of(ids.iter().map(|id| filter(self.fields.doc, id)).collect()),
            0.0,
        )))
    }

    fn group(&mut self, clauses: &[(Occur, Node)], negated: bool) -> Result<Option<Alternatives>> {
        let mut out: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        for (occur, node) in clauses {
            let child_negated = negated ^ (*occur == Occur::MustNot);
            let Some(alternatives) = self.node(node, child_negated)? else {
                continue;
            };
            match occur {
                Occur::Should => out.extend(alternatives.into_iter().map(|q| (TOccur::Should, q))),
                Occur::Must => out.push((TOccur::Must, one_of(alternatives))),
                Occur::MustNot => out.push((TOccur::MustNot, one_of(alternatives))),
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        if !negated {
            out.extend(self.proximity(clauses));
        }
        if out.iter().all(|(o, _)| *o == TOccur::MustNot) {
            out.push((TOccur::Must, Box::new(AllQuery)));
        }
        // Only optional clauses: they are the group's alternatives, ready to merge upward.
        if out.iter().all(|(o, _)| *o == TOccur::Should) {
            return Ok(Some(out.into_iter().map(|(_, q)| q).collect()));
        }
        Ok(Some(vec![Box::new(BooleanQuery::new(out))]))
    }

    /// Phrase and proximity boosts for each run of two or more plain words side by side.
    fn proximity(&mut self, clauses: &[(Occur, Node)]) -> Vec<(TOccur, Box<dyn Query>)> {
        let mut boosts = Vec::new();
        let mut run: Vec<String> = Vec::new();
        let plain = clauses.iter().map(|(occur, node)| match node {
            Node::Term {
                field: None,
                text,
                prefix: false,
                ..
            } if *occur != Occur::MustNot => Some(text),
            _ => None,
        });
        for word in plain.chain(std::iter::once(None)) {
            if let Some(text) = word {
                run.extend(
                    analysis::tokens(&mut self.stemmed, text)
                        .into_iter()
                        .map(|t| t.text),
                );
                continue;
            }
            let fields = self.text_fields(None);
            for len in 2..=self.expansions.longest().min(run.len()) {
                for window in run.windows(len) {
                    let found = self.expand(window, &fields, false);
                    boosts.extend(found.into_iter().map(|q| (TOccur::Should, q)));
                }
            }
            if (2..=MAX_PHRASE_WORDS).contains(&run.len()) {
                for (field, boost) in self.text_fields(None) {
                    boosts.push((
                        TOccur::Should,
                        boosted(terms_query(field, &run, 0), boost * PHRASE_BOOST),
                    ));
                    boosts.push((
                        TOccur::Should,
                        boosted(
                            terms_query(field, &run, PROXIMITY_SLOP),
                            boost * PROXIMITY_BOOST,
                        ),
                    ));
                }
            }
            run.clear();
        }
        boosts
    }
}

/// One term, or a phrase of several (with `slop`).
fn terms_query(field: Field, terms: &[String], slop: u32) -> Box<dyn Query> {
    let terms: Vec<Term> = terms
        .iter()
        .map(|t| Term::from_field_text(field, t))
        .collect();
    match terms.as_slice() {
        [] => Box::new(EmptyQuery),
        [term] => Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
        _ => {
            let mut phrase = PhraseQuery::new(terms);
            phrase.set_slop(slop);
            Box::new(phrase)
        }
    }
}

/// Endings tried on a prefix to find the stems of the words it begins.
const PREFIX_COMPLETIONS: &[&str] = &[
    "", "s", "e", "es", "ed", "ing", "ion", "ions", "on", "y", "ies", "al", "ic", "ation", "ment",
];

/// Whether `term` is in the dictionary of `field` in any segment.
fn term_exists(searcher: &Searcher, field: Field, term: &str) -> Result<bool> {
    for segment in searcher.segment_readers() {
        let found = segment.inverted_index(field)?.terms().get(term.as_bytes());
        if found.map_err(|e| Error::Tantivy(e.into()))?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Index terms of `field` that start with `prefix`, across segments, at most
/// [`MAX_PREFIX_TERMS`].
fn expand_prefix(searcher: &Searcher, field: Field, prefix: &str) -> Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .into_stream()
            .map_err(|e| Error::Tantivy(e.into()))?;
        while stream.advance() && found.len() < MAX_PREFIX_TERMS {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if !term.starts_with(prefix) {
                break;
            }
            found.insert(term.to_string());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(q: &str) -> bool {
        has_content_word(&query::parse(q).unwrap())
    }

    #[test]
    fn stop_words_are_left_out_only_beside_other_words() {
        assert!(content("side effects of"));
        assert!(content("\"blood supply\" of"));
        assert!(content("the embol*"));
        assert!(content("heading:effects the"));
        assert!(!content("the of"));
        assert!(!content("the -liver"));
        assert!(!content("kind:reference the"));
    }
}
