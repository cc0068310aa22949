//! The query compiler: a syntax tree ([`super::query`]) → one tantivy query, and the term
//! sequences to highlight.
//!
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
//!   literal match: the scale is the ratio of the query's and the alternative's BM25 weights,
//!   taken from tantivy's own [`Bm25Weight`] (so it is exactly tantivy's idf), and a rare
//!   alternative phrase does not outweigh the word typed;
//! - `kind:` / `doc:` and `--kind` are filters that add nothing to the score.

use std::collections::BTreeSet;

use tantivy::query::{
    AllQuery, Bm25Weight, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring,
    Explanation as TantivyExplanation, Occur as TOccur, PhraseQuery, Query, Scorer, TermQuery,
    Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Score, Searcher, SegmentReader, Term};

use super::query::{FieldName, Node, Occur};
use crate::analysis;
use crate::error::{Error, Result};
use crate::expand::Expansions;
use crate::index::{Fields, Searchable};
use crate::parse::RecordKind;

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

/// A compiled query.
pub struct Compiled {
    /// What tantivy runs.
    pub query: Box<dyn Query>,
    /// Term sequences to highlight in bodies (from positive, body-searching clauses).
    pub highlight: Vec<Vec<String>>,
}

/// Compiles a query tree against an opened index, restricted to `kind` if given. With `explain`,
/// every clause is labelled with what it stands for, for tantivy's explanations (labels do
/// not change scores).
pub fn compile(
    s: &Searchable,
    tree: &Node,
    kind: Option<RecordKind>,
    explain: bool,
) -> Result<Compiled> {
    let mut compiler = Compiler {
        explain,
        fields: s.fields,
        searcher: s.searcher(),
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
    let query: Box<dyn Query> = match kind {
        Some(kind) => {
            let filter = compiler.label(filter(s.fields.kind, kind.as_str()), || {
                format!("filter --kind {}", kind.as_str())
            });
            Box::new(BooleanQuery::new(vec![
                (TOccur::Must, compiled),
                (TOccur::Must, filter),
            ]))
        }
        None => compiled,
    };
    Ok(Compiled {
        query,
        highlight: compiler.highlight.into_iter().collect(),
    })
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
    /// Label every clause for explanations.
    explain: bool,
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
    /// `query`, labelled for explanations when they were asked for.
    fn label(&self, query: Box<dyn Query>, label: impl FnOnce() -> String) -> Box<dyn Query> {
        if self.explain {
            Box::new(Labeled {
                query,
                label: label(),
            })
        } else {
            query
        }
    }

    /// The name of a text field, for labels.
    fn field_name(&self, field: Field) -> &'static str {
        if field == self.fields.heading {
            "heading"
        } else {
            "body"
        }
    }

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
                let alternatives = self.words(*field, text, negated)?;
                let weight = if stop { STOP_WORD_WEIGHT } else { 1.0 };
                Ok(alternatives.map(|a| a.into_iter().map(|q| boosted(q, weight)).collect()))
            }
            Node::Phrase { field, text, .. } => self.words(*field, text, negated),
            Node::Group(clauses) => self.group(clauses, negated),
        }
    }

    /// Words searched in their fields: one term, or a phrase when the text holds several.
    fn words(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        negated: bool,
    ) -> Result<Option<Alternatives>> {
        let terms: Vec<String> = analysis::tokens(&mut self.stemmed, text)
            .into_iter()
            .map(|t| t.text)
            .collect();
        if terms.is_empty() {
            return Ok(None);
        }
        if !negated && matches!(field, None | Some(FieldName::Body)) {
            self.highlight.insert(terms.clone());
        }
        let fields = self.text_fields(field);
        let what = if terms.len() == 1 { "word" } else { "phrase" };
        let mut per_field: Alternatives = fields
            .iter()
            .map(|&(f, boost)| {
                let query = boosted(terms_query(f, &terms, 0), boost);
                self.label(query, || {
                    format!("{}: {what} \"{}\"", self.field_name(f), terms.join(" "))
                })
            })
            .collect();
        per_field.extend(self.expand(&terms, &fields, negated)?);
        Ok(Some(per_field))
    }

    /// The synonyms and abbreviation forms of a term sequence, searched in `fields`, each
    /// scaled to count its weight of a literal match (see the module docs).
    fn expand(
        &mut self,
        terms: &[String],
        fields: &[(Field, f32)],
        negated: bool,
    ) -> Result<Alternatives> {
        let expansions = self.expansions;
        let mut out = Alternatives::new();
        for (alternative, weight) in expansions.of(terms) {
            for &(field, boost) in fields {
                // An alternative with a term the field lacks cannot match there.
                if let (ours, Some(theirs)) =
                    (self.weight(field, terms)?, self.weight(field, alternative)?)
                {
                    let scale = boost * weight * ours.unwrap_or(theirs) / theirs;
                    let query = boosted(terms_query(field, alternative, 0), scale);
                    out.push(self.label(query, || {
                        format!(
                            "{}: \"{}\", an alternative of \"{}\" (×{weight}, scaled to its \
                             weight: ×{scale:.3})",
                            self.field_name(field),
                            alternative.join(" "),
                            terms.join(" ")
                        )
                    }));
                }
            }
            if !negated {
                self.highlight.insert(alternative.clone());
            }
        }
        Ok(out)
    }

    /// The BM25 weight tantivy gives `terms` in `field` (the most a match can score: the idf,
    /// or the sum of the idfs of a phrase, times `1 + k1`), or `None` when a term is not in the
    /// field.
    fn weight(&self, field: Field, terms: &[String]) -> Result<Option<f32>> {
        let terms: Vec<Term> = terms
            .iter()
            .map(|t| Term::from_field_text(field, t))
            .collect();
        for term in &terms {
            if self.searcher.doc_freq(term)? == 0 {
                return Ok(None);
            }
        }
        Ok(Some(
            Bm25Weight::for_terms(self.searcher, &terms)?.max_score(),
        ))
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
            for term in &terms {
                let query = boosted(terms_query(f, std::slice::from_ref(term), 0), boost);
                per_field.push(self.label(query, || {
                    format!("{}: \"{term}\", from {text}*", self.field_name(f))
                }));
            }
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
            return Ok(self.label(filter(self.fields.kind, text), || {
                format!("filter kind:{text}")
            }));
        }
        let query = if prefix {
            let ids = expand_prefix(self.searcher, self.fields.doc, text)?;
            Box::new(ConstScoreQuery::new(
                any_of(ids.iter().map(|id| filter(self.fields.doc, id)).collect()),
                0.0,
            ))
        } else {
            filter(self.fields.doc, text)
        };
        let star = if prefix { "*" } else { "" };
        Ok(self.label(query, || format!("filter doc:{text}{star}")))
    }

    /// A group of clauses. A filter (`kind:`, `doc:`) restricts the records the rest of its
    /// group matches: when the group has no other required clause, its optional clauses
    /// become one required clause (at least one of them must match), so a filter never lets a
    /// record in on its own. A group of filters alone matches every record they keep.
    fn group(&mut self, clauses: &[(Occur, Node)], negated: bool) -> Result<Option<Alternatives>> {
        let mut out: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        let (mut filtered, mut required) = (false, false);
        for (occur, node) in clauses {
            let child_negated = negated ^ (*occur == Occur::MustNot);
            let Some(alternatives) = self.node(node, child_negated)? else {
                continue;
            };
            let filter = matches!(node, Node::Term { field: Some(f), .. } if f.is_filter());
            match occur {
                Occur::MustNot => out.push((TOccur::MustNot, one_of(alternatives))),
                _ if filter => {
                    filtered = true;
                    out.push((TOccur::Must, one_of(alternatives)));
                }
                Occur::Should => out.extend(alternatives.into_iter().map(|q| (TOccur::Should, q))),
                Occur::Must => {
                    required = true;
                    out.push((TOccur::Must, one_of(alternatives)));
                }
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        if !negated {
            out.extend(self.proximity(clauses)?);
        }
        if filtered && !required && out.iter().any(|(o, _)| *o == TOccur::Should) {
            let (optional, mut rest): (Vec<_>, Vec<_>) =
                out.into_iter().partition(|(o, _)| *o == TOccur::Should);
            rest.push((TOccur::Must, Box::new(BooleanQuery::new(optional))));
            out = rest;
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
    fn proximity(&mut self, clauses: &[(Occur, Node)]) -> Result<Vec<(TOccur, Box<dyn Query>)>> {
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
                    let found = self.expand(window, &fields, false)?;
                    boosts.extend(found.into_iter().map(|q| (TOccur::Should, q)));
                }
            }
            if (2..=MAX_PHRASE_WORDS).contains(&run.len()) {
                for (field, boost) in self.text_fields(None) {
                    let name = self.field_name(field);
                    let words = run.join(" ");
                    let phrase = boosted(terms_query(field, &run, 0), boost * PHRASE_BOOST);
                    let phrase = self.label(phrase, || {
                        format!("{name}: the words as a phrase \"{words}\" (×{PHRASE_BOOST})")
                    });
                    let near = boosted(
                        terms_query(field, &run, PROXIMITY_SLOP),
                        boost * PROXIMITY_BOOST,
                    );
                    let near = self.label(near, || {
                        format!(
                            "{name}: the words within {PROXIMITY_SLOP} positions \"{words}\" \
                             (×{PROXIMITY_BOOST})"
                        )
                    });
                    boosts.push((TOccur::Should, phrase));
                    boosts.push((TOccur::Should, near));
                }
            }
            run.clear();
        }
        Ok(boosts)
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

/// A query whose explanation says what it stands for ([`Compiler::label`]): it scores exactly
/// as the query it wraps (its scorer is that query's own).
#[derive(Debug)]
struct Labeled {
    query: Box<dyn Query>,
    label: String,
}

impl Clone for Labeled {
    fn clone(&self) -> Self {
        Labeled {
            query: self.query.box_clone(),
            label: self.label.clone(),
        }
    }
}

impl Query for Labeled {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(LabeledWeight {
            weight: self.query.weight(scoring)?,
            label: self.label.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct LabeledWeight {
    weight: Box<dyn Weight>,
    label: String,
}

impl Weight for LabeledWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.weight.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<TantivyExplanation> {
        let inner = self.weight.explain(reader, doc)?;
        let mut labelled = TantivyExplanation::new_with_string(self.label.clone(), inner.value());
        labelled.add_detail(inner);
        Ok(labelled)
    }
}

#[cfg(test)]
mod tests {
    use super::super::query;
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
