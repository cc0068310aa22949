//! The query compiler: a syntax tree ([`super::query`]) → a tantivy query for each of the two
//! stages ([`Compiled`]: the same records, scored fast or scored well), and the term sequences
//! to highlight. The weights are [`Ranking`]'s (see its docs for the scoring model). In the
//! first stage every word is a sum of per-field BM25, without phrase boosts or the kind prior;
//! in the ranking:
//!
//! - a word without a field is scored with BM25F over heading and body ([`Bm25f`]); with
//!   `heading:` or `body:`, with that field's BM25; a word that analyzes to several terms
//!   (`liver-directed`) is a phrase, as is a quoted phrase, scored per field; a stop word is
//!   not searched on its own when the query has other words (it still counts in phrases and
//!   phrase boosts), and weighs ×[`Ranking::stop_word_weight`] in a query of stop words only;
//! - two to [`MAX_PHRASE_WORDS`] plain words side by side also add the whole run as an exact
//!   phrase (and, if [`Ranking::proximity_boost`] is not 0, as a sloppy phrase within
//!   [`PROXIMITY_SLOP`] positions), per field, so records where the words stand together rank
//!   above records that merely contain them;
//! - `word*` expands over the index's terms (the [`Ranking::prefix_terms`] most frequent per
//!   field; `doc:` prefixes at most [`MAX_PREFIX_TERMS`] documents);
//! - a word or phrase with synonyms or an abbreviation's other form ([`crate::expand`]; for a
//!   run of plain words, any part of the run) also searches them, as optional clauses scaled to
//!   count their weight of a literal match: the scale is the ratio of the query's and the
//!   alternative's idf sums, so a rare alternative phrase does not outweigh the word typed;
//! - `kind:` / `doc:` and `--kind` are filters that add nothing to the score and restrict what
//!   the rest of their group matches.

use std::collections::BTreeSet;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur as TOccur, PhraseQuery,
    Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::query::{FieldName, Node, Occur, Polarity};
use super::ranking::Ranking;
use super::scoring::{Bm25f, FieldPart, ForwardOnly, KindPrior, Labeled, Sum};
use super::union::TermUnion;
use crate::analysis;
use crate::error::{Error, Result};
use crate::expand::{Alternative, Expansions};
use crate::index::schema::KIND_CODE;
use crate::index::{Fields, Searchable};
use crate::parse::RecordKind;

/// Longest run of words that gets phrase and proximity boosts: longer runs (pasted sentences,
/// natural-language test queries) almost never occur verbatim and cost a positional scan.
pub const MAX_PHRASE_WORDS: usize = 6;
/// How many positions apart "close together" allows.
pub const PROXIMITY_SLOP: u32 = 4;
/// Most index terms one `word*` may expand to, per field.
pub const MAX_PREFIX_TERMS: usize = 1000;

/// A compiled query, in its two stages (see [`super`]'s "Retrieve, then rank"), from one walk
/// of the tree: every clause is made for both stages at once (`Clause`) and combined with the
/// same operators, so the two match the same records by construction; what only the ranking
/// scores (phrase boosts, feedback's lighter words) is a boost of [`Sum`], which scores
/// matches and matches nothing (`search/tests.rs` checks the agreement on random indexes).
pub struct Compiled {
    /// The first stage: scored by a sum of per-field BM25 (for a union of optional clauses, a
    /// [`TermUnion`], collected by MaxScore); it only chooses candidates.
    pub retrieve: Box<dyn Query>,
    /// The ranking: BM25F, phrase boosts, alternatives, the kind prior; scored on the
    /// candidates.
    pub query: Box<dyn Query>,
    /// Term sequences to highlight in bodies (from positive, body-searching clauses).
    pub highlight: Highlights,
}

/// Term sequences to highlight.
pub type Highlights = Vec<Vec<String>>;

/// One clause of the query in both stages: the first stage's form and the ranking's, which
/// match the same records.
struct Clause {
    retrieve: Box<dyn Query>,
    rank: Box<dyn Query>,
}

impl Clause {
    /// A clause both stages run as it is.
    fn same(query: Box<dyn Query>) -> Clause {
        Clause {
            retrieve: query.box_clone(),
            rank: query,
        }
    }

    /// Both forms with their scores ×`boost`.
    fn boosted(self, boost: f32) -> Clause {
        Clause {
            retrieve: boosted(self.retrieve, boost),
            rank: boosted(self.rank, boost),
        }
    }

    /// Both forms, excluded from a group ([`ForwardOnly`]).
    fn excluded(self) -> Clause {
        Clause {
            retrieve: Box::new(ForwardOnly::new(self.retrieve)),
            rank: Box::new(ForwardOnly::new(self.rank)),
        }
    }

    /// Both forms with their scores set to 0.
    fn unscored(self) -> Clause {
        Clause {
            retrieve: Box::new(ConstScoreQuery::new(self.retrieve, 0.0)),
            rank: Box::new(ConstScoreQuery::new(self.rank, 0.0)),
        }
    }
}

/// Clauses combined, scores summed, with the same operators in both stages; `boosts` add to
/// the ranking's scores of its matches without matching ([`Sum::with_boosts`]).
fn combine(clauses: Vec<(TOccur, Clause)>, boosts: Vec<Box<dyn Query>>) -> Clause {
    let (retrieve, rank): (Vec<_>, Vec<_>) = clauses
        .into_iter()
        .map(|(occur, c)| ((occur, c.retrieve), (occur, c.rank)))
        .unzip();
    Clause {
        retrieve: first_stage(retrieve),
        rank: Box::new(Sum::new(rank).with_boosts(boosts)),
    }
}

/// The first stage's combination: one [`TermUnion`] when the clauses are all optional (what
/// MaxScore collects fast), else tantivy's `BooleanQuery`.
fn first_stage(clauses: Vec<(TOccur, Box<dyn Query>)>) -> Box<dyn Query> {
    if !clauses.is_empty() && clauses.iter().all(|(o, _)| *o == TOccur::Should) {
        let mut union = TermUnion::default();
        for (_, query) in clauses {
            union.absorb(query);
        }
        return Box::new(union);
    }
    Box::new(BooleanQuery::new(clauses))
}

/// One clause for a list of alternatives (any may match, scores summed).
fn any_of(mut alternatives: Alternatives) -> Clause {
    match alternatives.len() {
        0 => return Clause::same(Box::new(EmptyQuery)),
        1 => return alternatives.pop().expect("one"),
        _ => {}
    }
    let optional = alternatives.into_iter().map(|c| (TOccur::Should, c));
    combine(optional.collect(), Vec::new())
}

/// Compiles a query tree against an opened index with `ranking`'s weights, restricted to
/// `kind` if given. With `explain`, every clause of the ranking is labelled with what it stands
/// for, for tantivy's explanations (labels do not change scores).
pub fn compile(
    s: &Searchable,
    tree: &Node,
    kind: Option<RecordKind>,
    ranking: &Ranking,
    explain: bool,
) -> Result<Compiled> {
    let mut compiler = Compiler {
        explain,
        ranking: *ranking,
        fields: s.fields,
        searchable: s,
        searcher: s.searcher(),
        records: s.searcher().num_docs(),
        highlight: BTreeSet::new(),
        skip_stop_words: has_content_word(tree),
        expansions: &s.expansions,
    };
    let nothing = || Error::Query {
        message: "nothing to search: the query has no words".into(),
        position: 1,
    };
    let compiled = compiler
        .node(tree, Polarity::Positive)?
        .ok_or_else(nothing)?;
    if let Node::Group(clauses) = tree
        && clauses.iter().all(|(o, _)| *o == Occur::MustNot)
    {
        return Err(Error::Query {
            message: "nothing to search: the query only excludes words".into(),
            position: 1,
        });
    }
    let mut compiled = any_of(compiled);
    let restricted = kind.is_some() || has_kind_filter(tree);
    if ranking.citation_prior != 1.0 && !restricted && !compiler.about_citations(tree)? {
        let kinds = [RecordKind::Reference.code(), RecordKind::Reviewer.code()];
        compiled.rank = Box::new(KindPrior::new(
            compiled.rank,
            KIND_CODE,
            &kinds,
            ranking.citation_prior,
        ));
    }
    if let Some(kind) = kind {
        let filter = compiler.clause(filter(s.fields.kind, kind.as_str()), || {
            format!("filter --kind {}", kind.as_str())
        });
        compiled = combine(
            vec![(TOccur::Must, compiled), (TOccur::Must, filter)],
            Vec::new(),
        );
    }
    Ok(Compiled {
        retrieve: compiled.retrieve,
        query: compiled.rank,
        highlight: compiler.highlight.into_iter().collect(),
    })
}

/// A compiled query expanded with feedback `terms` (weights summing to 1), in both stages: the
/// original counts `ranking.feedback.original_weight`, the expansion the rest, on the scale of
/// the original's `words` content words (see [`super::feedback`]). The heaviest
/// `feedback.retrieve_terms` expansion words are searched in both stages, so that records
/// holding them but none of the query's words can be found (feedback's second retrieval); the
/// others only add to the ranking's scores of those records (boosts: they match nothing).
pub fn with_feedback(
    s: &Searchable,
    original: Compiled,
    terms: &[(String, f32)],
    words: f32,
    ranking: &Ranking,
    explain: bool,
) -> Compiled {
    let lambda = ranking.feedback.original_weight.clamp(0.01, 1.0);
    let scale = (1.0 - lambda) / lambda * words;
    let mut clauses = vec![(
        TOccur::Should,
        Clause {
            retrieve: original.retrieve,
            rank: original.query,
        },
    )];
    let mut boosts = Vec::new();
    for (i, (term, weight)) in terms.iter().enumerate() {
        let weight = weight * scale;
        let query = boosted(
            Box::new(Bm25f::new(term, field_parts(s.fields, ranking), ranking.k1)),
            weight,
        );
        let query: Box<dyn Query> = if explain {
            let label = format!("feedback: heading and body: word \"{term}\" (×{weight:.3})");
            Box::new(Labeled::new(query, label))
        } else {
            query
        };
        if i < ranking.feedback.retrieve_terms {
            let fields = [s.fields.heading, s.fields.body];
            let retrieve =
                fields.map(|f| boosted(terms_query(f, std::slice::from_ref(term), 0), weight));
            let retrieve = first_stage(retrieve.into_iter().map(|q| (TOccur::Should, q)).collect());
            clauses.push((
                TOccur::Should,
                Clause {
                    retrieve,
                    rank: query,
                },
            ));
        } else {
            boosts.push(query);
        }
    }
    let compiled = combine(clauses, boosts);
    Compiled {
        retrieve: compiled.retrieve,
        query: compiled.rank,
        highlight: original.highlight,
    }
}

/// The heading's and the body's parts in BM25F.
fn field_parts(fields: Fields, ranking: &Ranking) -> Vec<FieldPart> {
    vec![
        FieldPart {
            field: fields.heading,
            weight: ranking.heading.weight,
            b: ranking.heading.b,
        },
        FieldPart {
            field: fields.body,
            weight: ranking.body.weight,
            b: ranking.body.b,
        },
    ]
}

/// A restriction on a raw field that adds nothing to the score.
fn filter(field: Field, value: &str) -> Box<dyn Query> {
    let term = TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    );
    Box::new(ConstScoreQuery::new(Box::new(term), 0.0))
}

/// `query` with its score ×`boost`; a word or a union of words stays a [`TermUnion`] (each
/// word boosted), so that unions of them merge into one.
fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        query
    } else if let Some(union) = TermUnion::of(&*query) {
        Box::new(union.boosted(boost))
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// What a query node compiles to: clauses of which any may match, scores summed.
type Alternatives = Vec<Clause>;

struct Compiler<'a> {
    /// Label every clause of the ranking for explanations.
    explain: bool,
    ranking: Ranking,
    fields: Fields,
    searchable: &'a Searchable,
    searcher: &'a Searcher,
    /// Records in the index (for idf).
    records: u64,
    /// Term sequences to highlight in bodies (from positive, body-searching clauses).
    highlight: BTreeSet<Vec<String>>,
    /// Whether single stop words are left out as terms (the query has other words).
    skip_stop_words: bool,
    /// Synonyms and abbreviations.
    expansions: &'a Expansions,
}

/// Whether the query restricts its records by kind (`kind:`), positively anywhere.
fn has_kind_filter(node: &Node) -> bool {
    node.positive_leaves()
        .iter()
        .any(|leaf| leaf.field() == Some(FieldName::Kind))
}

/// The text of a query's positive, non-filter terms and phrases.
fn positive_words(node: &Node) -> Vec<&str> {
    let leaves = node.positive_leaves().into_iter();
    leaves
        .filter(|leaf| !leaf.is_filter())
        .filter_map(|leaf| match leaf {
            Node::Term { text, .. } | Node::Phrase { text, .. } => Some(text.as_str()),
            Node::Group(_) => None,
        })
        .collect()
}

/// A query word that names a year (1800 to 2099).
fn is_year(word: &str) -> bool {
    word.len() == 4
        && word.bytes().all(|b| b.is_ascii_digit())
        && (1800..2100).contains(&word.parse::<u32>().unwrap_or(0))
}

/// A query of at least this many words (stop words included) that is a reference's whole
/// title or a reviewer's name is about that item. Shorter titles ("Side effects") are topics
/// that sections share.
const MIN_TITLE_WORDS: usize = 3;

/// A word counts as naming references and reviewers when at least this share of the records
/// holding it hold it in their identity (authors, organisation, journal, year, name).
const CITATION_SHARE: f32 = 0.5;

/// Whether the query holds a positive word that is not a stop word, a prefix or a phrase
/// (`kind:`/`doc:` filters do not count). Such a query does not search its stop words as
/// single terms: they match nearly every record, so they cost a scan of the whole index and
/// add almost nothing to the ranking. They still count inside phrases and the phrase boosts
/// ("side effects of").
fn has_content_word(node: &Node) -> bool {
    node.positive_leaves().iter().any(|leaf| match leaf {
        Node::Term { prefix, text, .. } => {
            !leaf.is_filter() && (*prefix || !analysis::is_stop_word(text))
        }
        _ => true,
    })
}

impl Compiler<'_> {
    /// `query` in both stages, the ranking's labelled for explanations when they were asked
    /// for.
    fn clause(&self, query: Box<dyn Query>, label: impl FnOnce() -> String) -> Clause {
        let retrieve = query.box_clone();
        let rank = if self.explain {
            Box::new(Labeled::new(query, label()))
        } else {
            query
        };
        Clause { retrieve, rank }
    }

    /// Whether the query is about references and reviewers rather than a topic: it names a
    /// year, or a word most records holding it hold in the identity of a reference or reviewer
    /// (an author, organisation, journal: [`CITATION_SHARE`]).
    fn about_citations(&mut self, tree: &Node) -> Result<bool> {
        if let Some(run) = whole_run(tree)
            && run.len() >= MIN_TITLE_WORDS
            && self.names_a_citation(&run)?
        {
            return Ok(true);
        }
        for text in positive_words(tree) {
            for token in analysis::stemmed(text) {
                if is_year(&token.text) {
                    return Ok(true);
                }
                let df = |field| {
                    self.searcher
                        .doc_freq(&Term::from_field_text(field, &token.text))
                };
                let cite = df(self.fields.cite)?;
                let all = df(self.fields.heading)?.max(df(self.fields.body)?);
                if cite > 0 && cite as f32 >= CITATION_SHARE * all as f32 {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Whether `run` is the whole title of a reference or the name of a reviewer (typed in
    /// full, stop words included): one lookup of the index's title keys. A run that is only
    /// part of a title ("cognitive behavioural therapy" in "Cognitive behavioural therapy for
    /// insomnia") names a topic, not the item.
    fn names_a_citation(&self, run: &[String]) -> Result<bool> {
        let key = Term::from_field_text(self.fields.title_key, &run.join(" "));
        Ok(self.searcher.doc_freq(&key)? > 0)
    }

    /// The name of a text field, for labels.
    fn field_name(&self, field: Field) -> &'static str {
        if field == self.fields.heading {
            "heading"
        } else {
            "body"
        }
    }

    /// The text fields a clause searches: heading and body, or the one named.
    fn text_fields(&self, field: Option<FieldName>) -> Vec<Field> {
        match field {
            None => vec![self.fields.heading, self.fields.body],
            Some(FieldName::Heading) => vec![self.fields.heading],
            Some(FieldName::Body | FieldName::Kind | FieldName::Doc) => vec![self.fields.body],
        }
    }

    /// The node's alternatives (it matches when one does; its score is their sum), or `None`
    /// when it analyzes to nothing (e.g. punctuation only). Returning alternatives rather than
    /// one union lets a group of optional words flatten into a single union.
    fn node(&mut self, node: &Node, polarity: Polarity) -> Result<Option<Alternatives>> {
        match node {
            Node::Term {
                field: Some(f),
                text,
                prefix,
                position,
                ..
            } if f.is_filter() => self
                .filter_term(*f, text, *prefix, *position)
                .map(|c| Some(vec![c])),
            Node::Term {
                field,
                text,
                prefix: true,
                position,
                ..
            } => self.prefix(*field, text, *position, polarity).map(Some),
            Node::Term { field, text, .. } => {
                let stop = field.is_none() && analysis::is_stop_word(text);
                if stop && self.skip_stop_words {
                    return Ok(None);
                }
                let alternatives = self.words(*field, text, polarity)?;
                let weight = if stop {
                    self.ranking.stop_word_weight
                } else {
                    1.0
                };
                Ok(alternatives.map(|a| a.into_iter().map(|c| c.boosted(weight)).collect()))
            }
            Node::Phrase { field, text, .. } => self.words(*field, text, polarity),
            Node::Group(clauses) => self.group(clauses, polarity),
        }
    }

    /// Words searched in their fields: one term, or a phrase when the text holds several; and
    /// their alternatives.
    fn words(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        polarity: Polarity,
    ) -> Result<Option<Alternatives>> {
        let terms: Vec<String> = analysis::terms(text);
        if terms.is_empty() {
            return Ok(None);
        }
        if polarity == Polarity::Positive && matches!(field, None | Some(FieldName::Body)) {
            self.highlight.insert(terms.clone());
        }
        // Words the index lacks match nothing as typed: no clause searches for them (a
        // pasted page of unknown words costs a dictionary look-up per word, not a query
        // clause per word in every stage), only their alternatives, if any.
        let mut out = match self.idf(field, &terms)? {
            Some(_) => self.scored(field, &terms, 1.0, ""),
            None => Alternatives::new(),
        };
        out.extend(self.expand(field, &terms, polarity)?);
        Ok(Some(out))
    }

    /// The clauses that score a term sequence in `field` (none: heading and body), each
    /// ×`scale` and labelled with `note`: one word without a field is BM25F over heading and
    /// body in the ranking (the first stage: a term in each field); a word in one field is
    /// that field's BM25; a phrase is one phrase query per field.
    fn scored(
        &self,
        field: Option<FieldName>,
        terms: &[String],
        scale: f32,
        note: &str,
    ) -> Alternatives {
        let what = if terms.len() == 1 { "word" } else { "phrase" };
        let words = terms.join(" ");
        if let (None, [term]) = (field, terms) {
            let parts = field_parts(self.fields, &self.ranking);
            let rank = boosted(Box::new(Bm25f::new(term, parts, self.ranking.k1)), scale);
            let retrieve = self
                .text_fields(None)
                .into_iter()
                .map(|f| (TOccur::Should, boosted(terms_query(f, terms, 0), scale)));
            let rank = if self.explain {
                let label = format!("heading and body: {what} \"{words}\"{note}");
                Box::new(Labeled::new(rank, label))
            } else {
                rank
            };
            return vec![Clause {
                retrieve: first_stage(retrieve.collect()),
                rank,
            }];
        }
        self.text_fields(field)
            .into_iter()
            .map(|f| {
                let query = boosted(terms_query(f, terms, 0), scale);
                self.clause(query, || {
                    format!("{}: {what} \"{words}\"{note}", self.field_name(f))
                })
            })
            .collect()
    }

    /// The synonyms and abbreviation forms of a term sequence, searched in `field`, each
    /// scaled to count its weight of a literal match (see the module docs).
    fn expand(
        &mut self,
        field: Option<FieldName>,
        terms: &[String],
        polarity: Polarity,
    ) -> Result<Alternatives> {
        let expansions = self.expansions;
        let mut out = Alternatives::new();
        for (alternative, kind) in expansions.of(terms) {
            // An alternative with a term the index lacks cannot match.
            let (ours, Some(theirs)) = (self.idf(field, terms)?, self.idf(field, alternative)?)
            else {
                continue;
            };
            let weight = match kind {
                Alternative::Synonym => self.ranking.synonym_weight,
                Alternative::Abbreviation => self.ranking.abbreviation_weight,
            };
            let scale = weight * ours.unwrap_or(theirs) / theirs;
            let note = format!(
                ", an alternative of \"{}\" (×{weight}, scaled to its weight: ×{scale:.3})",
                terms.join(" ")
            );
            out.extend(self.scored(field, alternative, scale, &note));
            if polarity == Polarity::Positive {
                self.highlight.insert(alternative.clone());
            }
        }
        Ok(out)
    }

    /// The sum of the idf of `terms`, each counted in the searched field that holds it most,
    /// or `None` when a term is in none of them.
    fn idf(&self, field: Option<FieldName>, terms: &[String]) -> Result<Option<f32>> {
        let n = self.records as f32;
        let mut sum = 0.0;
        for term in terms {
            let mut df = 0;
            for f in self.text_fields(field) {
                df = df.max(self.searchable.doc_freq(&Term::from_field_text(f, term))?);
            }
            if df == 0 {
                return Ok(None);
            }
            let df = df as f32;
            sum += (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        }
        Ok(Some(sum))
    }

    fn prefix(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        position: usize,
        polarity: Polarity,
    ) -> Result<Alternatives> {
        let tokens = analysis::unstemmed(text);
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
            .filter_map(|c| analysis::stemmed(&format!("{}{c}", token.text)).pop())
            .map(|t| t.text)
            .collect();
        let mut terms = BTreeSet::new();
        for f in self.text_fields(field) {
            let most = self.ranking.prefix_terms;
            terms.extend(expand_prefix(self.searcher, f, &token.text, most)?);
            for stem in &stems {
                if term_exists(self.searcher, f, stem)? {
                    terms.insert(stem.clone());
                }
            }
        }
        if polarity == Polarity::Positive && field != Some(FieldName::Heading) {
            self.highlight.extend(terms.iter().map(|t| vec![t.clone()]));
        }
        let note = format!(", from {text}*");
        let mut out: Alternatives = terms
            .iter()
            .flat_map(|t| self.scored(field, std::slice::from_ref(t), 1.0, &note))
            .collect();
        if out.is_empty() {
            out.push(Clause::same(Box::new(EmptyQuery)));
        }
        Ok(out)
    }

    fn filter_term(
        &mut self,
        field: FieldName,
        text: &str,
        prefix: bool,
        position: usize,
    ) -> Result<Clause> {
        if field == FieldName::Kind {
            if prefix || text.parse::<RecordKind>().is_err() {
                return Err(Error::Query {
                    message: format!("unknown kind '{text}' (kinds: {})", RecordKind::NAMES),
                    position,
                });
            }
            return Ok(self.clause(filter(self.fields.kind, text), || {
                format!("filter kind:{text}")
            }));
        }
        let star = if prefix { "*" } else { "" };
        let label = || format!("filter doc:{text}{star}");
        if !prefix {
            return Ok(self.clause(filter(self.fields.doc, text), label));
        }
        let ids = expand_prefix(self.searcher, self.fields.doc, text, MAX_PREFIX_TERMS)?;
        let ids = ids
            .iter()
            .map(|id| Clause::same(filter(self.fields.doc, id)));
        let any = any_of(ids.collect()).unscored();
        Ok(Clause {
            retrieve: any.retrieve,
            rank: self.clause(any.rank, label).rank,
        })
    }

    /// A group of clauses. A filter (`kind:`, `doc:`) restricts the records the rest of its
    /// group matches: when the group has no other required clause, its optional clauses
    /// become one required clause (at least one of them must match), so a filter never lets a
    /// record in on its own. A group of filters alone matches every record they keep.
    fn group(
        &mut self,
        clauses: &[(Occur, Node)],
        polarity: Polarity,
    ) -> Result<Option<Alternatives>> {
        let mut out: Vec<(TOccur, Clause)> = Vec::new();
        // Whether the group has words at all, filters, required clauses, optional clauses
        // (counted even when they match nothing and so add no clause: words the index lacks).
        let (mut words, mut filtered, mut required, mut optional) = (false, false, false, false);
        for (occur, node) in clauses {
            let Some(alternatives) = self.node(node, polarity.under(*occur))? else {
                continue;
            };
            words = true;
            optional |= *occur == Occur::Should && !node.is_filter();
            match occur {
                Occur::MustNot => out.push((TOccur::MustNot, any_of(alternatives).excluded())),
                _ if node.is_filter() => {
                    filtered = true;
                    out.push((TOccur::Must, any_of(alternatives)));
                }
                Occur::Should => out.extend(alternatives.into_iter().map(|c| (TOccur::Should, c))),
                Occur::Must => {
                    required = true;
                    out.push((TOccur::Must, any_of(alternatives)));
                }
            }
        }
        if !words {
            return Ok(None);
        }
        let mut boosts = Vec::new();
        if polarity == Polarity::Positive {
            let (alternatives, phrases) = self.proximity(clauses)?;
            out.extend(alternatives.into_iter().map(|c| (TOccur::Should, c)));
            boosts = phrases;
        }
        let any_optional = out.iter().any(|(o, _)| *o == TOccur::Should);
        if filtered && !required && (optional || any_optional) {
            let (optional, mut rest): (Vec<_>, Vec<_>) =
                out.into_iter().partition(|(o, _)| *o == TOccur::Should);
            let optional = optional.into_iter().map(|(_, c)| c).collect();
            rest.push((TOccur::Must, any_of(optional)));
            out = rest;
        } else if optional && !required && !any_optional {
            // Its optional words match nothing and nothing else is required: nor does it.
            return Ok(Some(Vec::new()));
        }
        if out.iter().all(|(o, _)| *o == TOccur::MustNot) {
            out.push((TOccur::Must, Clause::same(Box::new(AllQuery))));
        }
        // Only optional clauses and no boosts: they are the group's alternatives, ready to
        // merge upward.
        if boosts.is_empty() && out.iter().all(|(o, _)| *o == TOccur::Should) {
            return Ok(Some(out.into_iter().map(|(_, c)| c).collect()));
        }
        Ok(Some(vec![combine(out, boosts)]))
    }

    /// For each run of two or more plain words side by side: the alternatives of the run's
    /// parts (matching clauses), and the phrase and proximity boosts (ranking only: they score
    /// the records the words match and match none themselves).
    fn proximity(
        &mut self,
        clauses: &[(Occur, Node)],
    ) -> Result<(Alternatives, Vec<Box<dyn Query>>)> {
        let (mut alternatives, mut boosts) = (Alternatives::new(), Vec::new());
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
        let (phrase_boost, near_boost) = (self.ranking.phrase_boost, self.ranking.proximity_boost);
        for word in plain.chain(std::iter::once(None)) {
            if let Some(text) = word {
                run.extend(analysis::terms(text));
                continue;
            }
            for len in 2..=self.expansions.longest().min(run.len()) {
                for window in run.windows(len) {
                    alternatives.extend(self.expand(None, window, Polarity::Positive)?);
                }
            }
            if (2..=MAX_PHRASE_WORDS).contains(&run.len()) {
                for field in self.text_fields(None) {
                    let name = self.field_name(field);
                    let words = run.join(" ");
                    let phrase = boosted(terms_query(field, &run, 0), phrase_boost);
                    let phrase = self.clause(phrase, || {
                        format!("{name}: the words as a phrase \"{words}\" (×{phrase_boost})")
                    });
                    boosts.push(phrase.rank);
                    if near_boost > 0.0 {
                        let near = boosted(terms_query(field, &run, PROXIMITY_SLOP), near_boost);
                        let near = self.clause(near, || {
                            format!(
                                "{name}: the words within {PROXIMITY_SLOP} positions \"{words}\" \
                                 (×{near_boost})"
                            )
                        });
                        boosts.push(near.rank);
                    }
                }
            }
            run.clear();
        }
        Ok((alternatives, boosts))
    }
}

/// The analyzed terms of a query that is one run of words and nothing else (plain words
/// without fields, or one phrase), stop words included.
fn whole_run(tree: &Node) -> Option<Vec<String>> {
    let mut texts = Vec::new();
    let mut push = |node: &'_ Node| match node {
        Node::Term {
            field: None,
            text,
            prefix: false,
            ..
        }
        | Node::Phrase {
            field: None, text, ..
        } => {
            texts.push(text.clone());
            true
        }
        _ => false,
    };
    let plain = match tree {
        Node::Group(clauses) => clauses.iter().all(|(o, n)| *o != Occur::MustNot && push(n)),
        node => push(node),
    };
    plain.then(|| texts.iter().flat_map(|t| analysis::terms(t)).collect())
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

/// Index terms of `field` that start with `prefix`, across segments: the `most` that the most
/// records hold (then the alphabetically first), from the first [`PREFIX_SCAN`] of each
/// segment's dictionary (so a one-letter prefix costs a bounded walk, and `a*` stands for
/// `and`, `are`, `as`..., not for `a`, `aa`, `aaa`).
fn expand_prefix(
    searcher: &Searcher,
    field: Field,
    prefix: &str,
    most: usize,
) -> Result<BTreeSet<String>> {
    let mut freq: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .into_stream()
            .map_err(|e| Error::Tantivy(e.into()))?;
        let mut scanned = 0;
        while scanned < PREFIX_SCAN && stream.advance() {
            scanned += 1;
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if !term.starts_with(prefix) {
                break;
            }
            *freq.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
        }
    }
    let mut ranked: Vec<(String, u64)> = freq.into_iter().collect();
    ranked.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.cmp(b)));
    Ok(ranked.into_iter().take(most).map(|(t, _)| t).collect())
}

/// Most dictionary entries a prefix's expansion reads per segment ([`expand_prefix`]).
const PREFIX_SCAN: usize = 100_000;

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
