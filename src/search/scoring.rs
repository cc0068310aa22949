//! The tantivy queries medsearch scores with, beyond tantivy's own:
//!
//! - [`Bm25f`]: one word over several fields, BM25F (one idf, frequencies normalised per
//!   field, weighted, summed, saturated once);
//! - [`KindPrior`]: scales the scores of records of some kinds (references and reviewers);
//! - [`Sum`]: a boolean combination whose scorer seeks clause by clause (for ranking a few
//!   scattered candidates);
//! - [`Labeled`]: says what a clause stands for in explanations;
//! - [`ForwardOnly`]: a clause whose scorer is only ever sought forward (what an excluded
//!   phrase needs in tantivy 0.27: see its docs).
//!
//! BM25F, for a term `t` and a record `d` over fields `f`:
//!
//! ```text
//! tf'(t, d) = Σ_f weight_f · tf_f(t, d) / (1 − b_f + b_f · len_f(d) / avglen_f)
//! score     = idf(t) · (k1 + 1) · tf' / (k1 + tf')
//! idf(t)    = ln(1 + (N − df + 0.5) / (df + 0.5)),  df = max_f df_f(t),  N = records
//! ```
//!
//! (Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009;
//! the largest per-field document frequency stands for the number of records holding the term,
//! as in Lucene's `CombinedFieldQuery`.) Field lengths are tantivy's field norms, the same
//! quantised lengths its own BM25 uses.

use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25StatisticsProvider, EmptyScorer, EnableScoring, Explanation, Occur, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// One field's part in [`Bm25f`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldPart {
    /// The field.
    pub field: Field,
    /// How much a match in it counts.
    pub weight: f32,
    /// Its length normalisation.
    pub b: f32,
}

/// A word scored with BM25F over several fields (see the module docs).
#[derive(Debug, Clone)]
pub struct Bm25f {
    /// The word's term in each field, with the field's part.
    terms: Vec<(Term, FieldPart)>,
    k1: f32,
}

impl Bm25f {
    /// The word `text` (an analysed term) over `parts`.
    pub fn new(text: &str, parts: Vec<FieldPart>, k1: f32) -> Bm25f {
        let terms = parts
            .into_iter()
            .map(|part| (Term::from_field_text(part.field, text), part))
            .collect();
        Bm25f { terms, k1 }
    }
}

impl Query for Bm25f {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut fields = Vec::with_capacity(self.terms.len());
        let mut df = 0;
        let mut docs = 0;
        let stats: Option<&dyn Bm25StatisticsProvider> = match scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(statistics_provider),
            EnableScoring::Disabled { .. } => None,
        };
        if let Some(stats) = stats {
            docs = stats.total_num_docs()?;
        }
        for (term, part) in &self.terms {
            let average = match stats {
                Some(stats) if docs > 0 => {
                    df = df.max(stats.doc_freq(term)?);
                    stats.total_num_tokens(part.field)? as f32 / docs as f32
                }
                _ => 1.0,
            };
            fields.push((term.clone(), *part, average.max(f32::MIN_POSITIVE)));
        }
        let idf = if docs > 0 {
            (1.0 + (docs as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln()
        } else {
            1.0
        };
        Ok(Box::new(Bm25fWeight {
            fields,
            idf,
            k1: self.k1,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (term, _) in &self.terms {
            visitor(term, false);
        }
    }
}

struct Bm25fWeight {
    /// Each field's term, part and average length.
    fields: Vec<(Term, FieldPart, f32)>,
    idf: f32,
    k1: f32,
}

/// A field's `weight / (1 − b + b · dl / avgdl)` for each of tantivy's 256 field-norm codes,
/// so that scoring a record reads a table instead of dividing (as tantivy's own BM25 does).
type NormTable = [f32; 256];

fn norm_table(part: &FieldPart, average: f32) -> Box<NormTable> {
    let mut table = Box::new([0.0; 256]);
    for (id, slot) in table.iter_mut().enumerate() {
        let length = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
        *slot = part.weight / (1.0 - part.b + part.b * length / average);
    }
    table
}

impl Bm25fWeight {
    fn specialized_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<Bm25fScorer>> {
        let mut postings = Vec::with_capacity(self.fields.len());
        for (term, part, average) in &self.fields {
            let inverted = reader.inverted_index(part.field)?;
            if let Some(p) = inverted.read_postings(term, IndexRecordOption::WithFreqs)? {
                postings.push(FieldPostings {
                    postings: p,
                    norms: reader.get_fieldnorms_reader(part.field)?,
                    table: norm_table(part, *average),
                    part: *part,
                    average: *average,
                });
            }
        }
        if postings.is_empty() {
            return Ok(None);
        }
        let doc = postings
            .iter()
            .map(|p| p.postings.doc())
            .min()
            .unwrap_or(TERMINATED);
        Ok(Some(Bm25fScorer {
            postings,
            doc,
            scale: boost * self.idf * (self.k1 + 1.0),
            k1: self.k1,
        }))
    }
}

impl Weight for Bm25fWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.specialized_scorer(reader, boost)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let no_match =
            || TantivyError::InvalidArgument(format!("Document #({doc}) does not match"));
        let mut scorer = self.specialized_scorer(reader, 1.0)?.ok_or_else(no_match)?;
        if scorer.seek(doc) != doc {
            return Err(no_match());
        }
        let mut explanation =
            Explanation::new("BM25F, idf × (k1 + 1) × tf' / (k1 + tf')", scorer.score());
        explanation.add_const("idf", self.idf);
        explanation.add_const("k1, term saturation parameter", self.k1);
        let mut tf = Explanation::new(
            "tf', the weighted frequencies normalised by field length",
            scorer.frequency(),
        );
        for p in scorer.postings.iter().filter(|p| p.postings.doc() == doc) {
            let mut part =
                Explanation::new("weight × freq / (1 − b + b × dl / avgdl)", p.frequency(doc));
            part.add_const("weight", p.part.weight);
            part.add_const(
                "freq, occurrences in the field",
                p.postings.term_freq() as f32,
            );
            part.add_const("b, length normalisation", p.part.b);
            part.add_const("dl, length of the field", p.norms.fieldnorm(doc) as f32);
            part.add_const("avgdl, average length of the field", p.average);
            tf.add_detail(part);
        }
        explanation.add_detail(tf);
        Ok(explanation)
    }
}

/// One field's postings of the term, with what its frequency needs.
struct FieldPostings {
    postings: SegmentPostings,
    norms: FieldNormReader,
    table: Box<NormTable>,
    part: FieldPart,
    average: f32,
}

impl FieldPostings {
    /// This field's part of tf' at `doc` (where the postings stand).
    fn frequency(&self, doc: DocId) -> f32 {
        self.postings.term_freq() as f32 * self.table[self.norms.fieldnorm_id(doc) as usize]
    }
}

/// The union of the term's postings in every field, scored with BM25F.
struct Bm25fScorer {
    postings: Vec<FieldPostings>,
    doc: DocId,
    /// boost × idf × (k1 + 1).
    scale: f32,
    k1: f32,
}

impl Bm25fScorer {
    fn frequency(&self) -> f32 {
        self.postings
            .iter()
            .filter(|p| p.postings.doc() == self.doc)
            .map(|p| p.frequency(self.doc))
            .sum()
    }

    fn settle(&mut self) -> DocId {
        self.doc = self
            .postings
            .iter()
            .map(|p| p.postings.doc())
            .min()
            .unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for Bm25fScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        for p in &mut self.postings {
            if p.postings.doc() == doc {
                p.postings.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        for p in &mut self.postings {
            if p.postings.doc() < target {
                p.postings.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.postings
            .iter()
            .map(|p| p.postings.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for Bm25fScorer {
    fn score(&mut self) -> Score {
        let tf = self.frequency();
        self.scale * tf / (self.k1 + tf)
    }
}

/// A query whose records of some kinds (values of a u64 fast field) score ×`factor`.
#[derive(Debug)]
pub struct KindPrior {
    query: Box<dyn Query>,
    field: String,
    kinds: Vec<u64>,
    factor: f32,
}

impl KindPrior {
    /// `query`, with the records whose fast field `field` holds one of `kinds` scored
    /// ×`factor`.
    pub fn new(query: Box<dyn Query>, field: &str, kinds: &[u64], factor: f32) -> KindPrior {
        KindPrior {
            query,
            field: field.to_string(),
            kinds: kinds.to_vec(),
            factor,
        }
    }
}

impl Clone for KindPrior {
    fn clone(&self) -> Self {
        KindPrior {
            query: self.query.box_clone(),
            field: self.field.clone(),
            kinds: self.kinds.clone(),
            factor: self.factor,
        }
    }
}

impl Query for KindPrior {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(KindPriorWeight {
            weight: self.query.weight(scoring)?,
            field: self.field.clone(),
            kinds: self.kinds.clone(),
            factor: self.factor,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct KindPriorWeight {
    weight: Box<dyn Weight>,
    field: String,
    kinds: Vec<u64>,
    factor: f32,
}

impl KindPriorWeight {
    fn specialized_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<KindPriorScorer> {
        Ok(KindPriorScorer {
            scorer: self.weight.scorer(reader, boost)?,
            column: reader.fast_fields().u64(&self.field)?,
            kinds: self.kinds.clone(),
            factor: self.factor,
        })
    }
}

impl Weight for KindPriorWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.specialized_scorer(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.weight.explain(reader, doc)?;
        if !self.specialized_scorer(reader, 1.0)?.of_kind(doc) {
            return Ok(inner);
        }
        let mut explanation = Explanation::new_with_string(
            format!(
                "×{}: a reference or reviewer, for a query not about them",
                self.factor
            ),
            inner.value() * self.factor,
        );
        explanation.add_detail(inner);
        Ok(explanation)
    }
}

/// The wrapped scorer, its score ×factor on the records of the kinds.
struct KindPriorScorer {
    scorer: Box<dyn Scorer>,
    /// The kind of every record of the segment.
    column: Column<u64>,
    kinds: Vec<u64>,
    factor: f32,
}

impl KindPriorScorer {
    /// Whether record `doc` is of one of the kinds.
    fn of_kind(&self, doc: DocId) -> bool {
        self.column
            .first(doc)
            .is_some_and(|kind| self.kinds.contains(&kind))
    }
}

impl DocSet for KindPriorScorer {
    fn advance(&mut self) -> DocId {
        self.scorer.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.scorer.seek(target)
    }

    fn doc(&self) -> DocId {
        self.scorer.doc()
    }

    fn size_hint(&self) -> u32 {
        self.scorer.size_hint()
    }
}

impl Scorer for KindPriorScorer {
    fn score(&mut self) -> Score {
        let score = self.scorer.score();
        if self.of_kind(self.scorer.doc()) {
            score * self.factor
        } else {
            score
        }
    }
}

/// A boolean combination scored as the sum of its matching clauses, like tantivy's
/// `BooleanQuery`, but built to be sought rather than scanned: its scorer moves each clause on
/// its own, where tantivy's buffered union scores every record of a 4,096-record window on
/// each seek. The ranking stage scores a hundred scattered candidates with it
/// ([`super`]'s "Retrieve, then rank").
///
/// Besides the boolean clauses, a `Sum` may hold **boosts**: clauses that add their score to a
/// record the others match but never make a record match (phrase boosts, feedback's
/// scoring-only words). They are what lets the ranking score more than the first stage
/// searches while matching exactly the same records.
#[derive(Debug)]
pub struct Sum {
    clauses: Vec<(Occur, Box<dyn Query>)>,
    boosts: Vec<Box<dyn Query>>,
}

impl Sum {
    /// Records match when they match every `Must` clause and no `MustNot` clause, and, without
    /// `Must` clauses, at least one `Should` clause.
    pub fn new(clauses: Vec<(Occur, Box<dyn Query>)>) -> Sum {
        Sum {
            clauses,
            boosts: Vec::new(),
        }
    }

    /// The same matches, each scored also by the `boosts` it matches.
    pub fn with_boosts(mut self, boosts: Vec<Box<dyn Query>>) -> Sum {
        self.boosts.extend(boosts);
        self
    }
}

impl Clone for Sum {
    fn clone(&self) -> Self {
        Sum {
            clauses: self
                .clauses
                .iter()
                .map(|(o, q)| (*o, q.box_clone()))
                .collect(),
            boosts: self.boosts.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for Sum {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let clauses = self
            .clauses
            .iter()
            .map(|(o, q)| Ok((*o, q.weight(scoring)?)))
            .collect::<tantivy::Result<_>>()?;
        let boosts = self
            .boosts
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(SumWeight { clauses, boosts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (occur, query) in &self.clauses {
            if *occur != Occur::MustNot {
                query.query_terms(visitor);
            }
        }
        for query in &self.boosts {
            query.query_terms(visitor);
        }
    }
}

struct SumWeight {
    clauses: Vec<(Occur, Box<dyn Weight>)>,
    boosts: Vec<Box<dyn Weight>>,
}

impl SumWeight {
    fn specialized_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<SumScorer> {
        let mut scorer = SumScorer {
            must: Vec::new(),
            should: Vec::new(),
            must_not: Vec::new(),
            boosts: Vec::new(),
            doc: 0,
        };
        for weight in &self.boosts {
            scorer.boosts.push(weight.scorer(reader, boost)?);
        }
        for (occur, weight) in &self.clauses {
            let child = weight.scorer(reader, boost)?;
            match occur {
                Occur::Must => scorer.must.push(child),
                Occur::Should => scorer.should.push(child),
                Occur::MustNot => scorer.must_not.push(child),
            }
        }
        scorer.settle(0);
        Ok(scorer)
    }
}

impl Weight for SumWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.specialized_scorer(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.specialized_scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "Document #({doc}) does not match"
            )));
        }
        let mut explanation = Explanation::new("sum of", scorer.score());
        let scored = self.clauses.iter().filter(|(o, _)| *o != Occur::MustNot);
        for weight in scored.map(|(_, w)| w).chain(&self.boosts) {
            if let Ok(child) = weight.explain(reader, doc) {
                explanation.add_detail(child);
            }
        }
        Ok(explanation)
    }
}

struct SumScorer {
    must: Vec<Box<dyn Scorer>>,
    should: Vec<Box<dyn Scorer>>,
    must_not: Vec<Box<dyn Scorer>>,
    /// Scored where they match a record the others match; never matching on their own.
    boosts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

/// Moves `scorer` to its first record at or after `target` (never backwards).
fn reach(scorer: &mut dyn Scorer, target: DocId) -> DocId {
    if scorer.doc() < target {
        scorer.seek(target)
    } else {
        scorer.doc()
    }
}

impl SumScorer {
    /// Moves to the first matching record at or after `target`.
    fn settle(&mut self, mut target: DocId) -> DocId {
        loop {
            let candidate = if self.must.is_empty() {
                self.should
                    .iter_mut()
                    .map(|s| reach(&mut **s, target))
                    .min()
                    .unwrap_or(TERMINATED)
            } else {
                // Leapfrog until every required clause stands on the same record.
                let mut candidate = target;
                loop {
                    let mut moved = false;
                    for s in &mut self.must {
                        let doc = reach(&mut **s, candidate);
                        if doc > candidate {
                            candidate = doc;
                            moved = true;
                        }
                    }
                    if !moved || candidate == TERMINATED {
                        break;
                    }
                }
                candidate
            };
            if candidate == TERMINATED {
                self.doc = TERMINATED;
                return TERMINATED;
            }
            if self
                .must_not
                .iter_mut()
                .any(|s| reach(&mut **s, candidate) == candidate)
            {
                target = candidate + 1;
                continue;
            }
            for s in self.should.iter_mut().chain(&mut self.boosts) {
                reach(&mut **s, candidate);
            }
            self.doc = candidate;
            return candidate;
        }
    }
}

impl DocSet for SumScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.settle(self.doc + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc {
            return self.doc;
        }
        self.settle(target)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        let children = self.must.iter().chain(&self.should);
        children.map(|s| s.size_hint()).max().unwrap_or(0)
    }
}

impl Scorer for SumScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let must: Score = self.must.iter_mut().map(|s| s.score()).sum();
        let should: Score = self
            .should
            .iter_mut()
            .chain(&mut self.boosts)
            .filter(|s| s.doc() == doc)
            .map(|s| s.score())
            .sum();
        must + should
    }
}

/// A query whose explanation says what it stands for: it scores exactly as the query it
/// wraps (its scorer is that query's own).
#[derive(Debug)]
pub struct Labeled {
    query: Box<dyn Query>,
    label: String,
}

impl Labeled {
    /// `query`, explained as `label`.
    pub fn new(query: Box<dyn Query>, label: String) -> Labeled {
        Labeled { query, label }
    }
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

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        // tantivy 0.27's phrase explanation seeks a fresh scorer without checking that it
        // stands before `doc` (a debug assertion fails: quickwit-oss/tantivy#2811): only a
        // record the clause matches is explained.
        let mut scorer = self.weight.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "Document #({doc}) does not match"
            )));
        }
        let inner = self.weight.explain(reader, doc)?;
        let mut labelled = Explanation::new_with_string(self.label.clone(), inner.value());
        labelled.add_detail(inner);
        Ok(labelled)
    }
}

/// A query whose scorer is only ever sought forward: a probe for a record before the one it
/// stands on is answered without moving (tantivy's default `seek_danger`).
///
/// Why: tantivy's `Exclude` probes its exclusion set (the `-word` and `NOT "a phrase"`
/// clauses) with `seek_danger` from the first record of what it filters, which may lie before
/// the record an excluded phrase's scorer already stands on (a phrase scorer is positioned on
/// its first match, or past the end, when it is made); tantivy 0.27's phrase scorer asserts
/// against such a probe (quickwit-oss/tantivy#2811), so `liver -"a phrase no record holds"`
/// failed in debug builds. Found by the stages' property test (`search/tests.rs`).
#[derive(Debug)]
pub struct ForwardOnly(Box<dyn Query>);

impl ForwardOnly {
    /// `query`, sought forward only.
    pub fn new(query: Box<dyn Query>) -> ForwardOnly {
        ForwardOnly(query)
    }
}

impl Clone for ForwardOnly {
    fn clone(&self) -> Self {
        ForwardOnly(self.0.box_clone())
    }
}

impl Query for ForwardOnly {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardOnlyWeight(Box<dyn Weight>);

impl Weight for ForwardOnlyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// The wrapped scorer, with tantivy's default `seek_danger` (which seeks only forward).
struct ForwardOnlyScorer(Box<dyn Scorer>);

impl DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.0.doc() >= target {
            return self.0.doc();
        }
        self.0.seek(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur};
    use tantivy::schema::{FAST, Schema, TEXT};
    use tantivy::{DocAddress, Index, Searcher, doc};

    use super::*;
    use crate::parse::RecordKind::{self, Reference, Reviewer, Section};

    /// Records (kind, heading, body) in a one-segment index, and its heading and body fields
    /// (the kind is the fast field `kind_code`).
    fn index(records: &[(RecordKind, &str, &str)]) -> (Searcher, Field, Field) {
        let mut schema = Schema::builder();
        let heading = schema.add_text_field("heading", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let kind = schema.add_u64_field("kind_code", FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (k, h, b) in records {
            writer
                .add_document(doc!(kind => k.code(), heading => *h, body => *b))
                .unwrap();
        }
        writer.commit().unwrap();
        (index.reader().unwrap().searcher(), heading, body)
    }

    fn parts(heading: Field, body: Field) -> Vec<FieldPart> {
        vec![
            FieldPart {
                field: heading,
                weight: 3.0,
                b: 0.5,
            },
            FieldPart {
                field: body,
                weight: 1.0,
                b: 0.75,
            },
        ]
    }

    /// Every record's score, by record number (0 when it does not match).
    fn scores(searcher: &Searcher, query: &dyn Query) -> Vec<f32> {
        let mut out = vec![0.0; searcher.num_docs() as usize];
        let hits = searcher
            .search(query, &TopDocs::with_limit(out.len()).order_by_score())
            .unwrap();
        for (score, address) in hits {
            out[address.doc_id as usize] = score;
        }
        out
    }

    #[test]
    fn bm25f_follows_the_formula_and_its_explanation_adds_up() {
        let (searcher, heading, body) = index(&[
            (Section, "liver", "the liver and the liver again"),
            (Section, "blood", "blood supply of the bowel"),
            (Section, "bowel", "liver"),
        ]);
        let query = Bm25f::new("liver", parts(heading, body), 2.0);
        let got = scores(&searcher, &query);
        // By hand: N = 3, df = max(1 heading, 2 bodies) = 2; heading lengths 1, 1, 1 (avg 1),
        // body lengths 6, 5, 1 (avg 4).
        let idf = (1.0f32 + (3.0 - 2.0 + 0.5) / (2.0 + 0.5)).ln();
        let bm25f = |tf: f32| idf * 3.0 * tf / (2.0 + tf);
        let first = 3.0 * 1.0 / 1.0 + 2.0 / (0.25 + 0.75 * 6.0 / 4.0);
        let third = 1.0 / (0.25 + 0.75 * 1.0 / 4.0);
        for (got, want) in got.iter().zip([bm25f(first), 0.0, bm25f(third)]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        let weight = query
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let reader = searcher.segment_reader(0);
        let explanation = weight.explain(reader, 0).unwrap();
        assert!((explanation.value() - got[0]).abs() < 1e-5);
        assert!(
            weight.explain(reader, 1).is_err(),
            "record 1 does not match"
        );
    }

    #[test]
    fn two_words_beat_one_word_in_heading_and_body() {
        // The failure a sum of per-field BM25 makes: "nausea" in the heading and again in the
        // body outscored a record holding both query words.
        let (searcher, heading, body) = index(&[
            (
                Section,
                "nausea",
                "nausea can last a few days after each cycle",
            ),
            (
                Section,
                "eating",
                "nausea and vomiting are helped by small meals often",
            ),
            (Section, "sleep", "rest during the day helps you sleep"),
            (Section, "fatigue", "tiredness is common"),
        ]);
        let query = BooleanQuery::new(
            ["nausea", "vomiting"]
                .iter()
                .map(|w| {
                    let q: Box<dyn Query> = Box::new(Bm25f::new(w, parts(heading, body), 2.0));
                    (Occur::Should, q)
                })
                .collect(),
        );
        let got = scores(&searcher, &query);
        assert!(got[1] > got[0], "{got:?}");
        // The same words as two BM25 fields added: the order this test guards against.
        let summed = BooleanQuery::new(
            ["nausea", "vomiting"]
                .iter()
                .flat_map(|w| [heading, body].map(|f| Term::from_field_text(f, w)))
                .map(|term| {
                    let q: Box<dyn Query> = Box::new(tantivy::query::TermQuery::new(
                        term,
                        IndexRecordOption::WithFreqs,
                    ));
                    (Occur::Should, q)
                })
                .collect(),
        );
        let summed = scores(&searcher, &summed);
        assert!(summed[0] > summed[1], "{summed:?}");
    }

    #[test]
    fn the_kind_prior_scales_only_the_records_of_its_kinds() {
        let (searcher, heading, body) = index(&[
            (Section, "", "liver tumours"),
            (Reference, "", "liver tumours"),
            (Reviewer, "", "liver tumours"),
        ]);
        let inner =
            || -> Box<dyn Query> { Box::new(Bm25f::new("liver", parts(heading, body), 2.0)) };
        let plain = scores(&searcher, &*inner());
        let prior = KindPrior::new(inner(), "kind_code", &[Reference.code()], 0.25);
        let got = scores(&searcher, &prior);
        assert_eq!(got[0], plain[0]);
        assert!((got[1] - plain[1] * 0.25).abs() < 1e-6);
        assert_eq!(got[2], plain[2]);
        let weight = prior
            .weight(EnableScoring::enabled_from_searcher(&searcher))
            .unwrap();
        let explained = weight.explain(searcher.segment_reader(0), 1).unwrap();
        assert!((explained.value() - got[1]).abs() < 1e-6);
    }

    /// Every (record, score) a query matches, in record order.
    fn matches(searcher: &Searcher, query: &dyn Query) -> Vec<(DocAddress, f32)> {
        let mut hits = searcher
            .search(query, &TopDocs::with_limit(1000).order_by_score())
            .unwrap()
            .into_iter()
            .map(|(score, address)| (address, score))
            .collect::<Vec<_>>();
        hits.sort_by_key(|(address, _)| *address);
        hits
    }

    #[test]
    fn sum_matches_and_scores_as_a_boolean_query_scanned_or_sought() {
        let words = ["liver", "blood", "tumour", "bowel", "supply"];
        // Each record holds each word or not, pseudo-randomly (a fixed linear congruential
        // sequence), so that every shape below matches some records and misses others.
        let mut state: u64 = 7;
        let records: Vec<(RecordKind, String, String)> = (0..300)
            .map(|_| {
                let body: Vec<&str> = words
                    .iter()
                    .filter(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        (state >> 33).is_multiple_of(2)
                    })
                    .copied()
                    .collect();
                (Section, String::new(), format!("{} text", body.join(" ")))
            })
            .collect();
        let refs: Vec<(RecordKind, &str, &str)> = records
            .iter()
            .map(|(k, h, b)| (*k, h.as_str(), b.as_str()))
            .collect();
        let (searcher, heading, body) = index(&refs);
        let word =
            |w: &str| -> Box<dyn Query> { Box::new(Bm25f::new(w, parts(heading, body), 2.0)) };
        let shapes: Vec<Vec<(Occur, &str)>> = vec![
            vec![(Occur::Should, "liver"), (Occur::Should, "blood")],
            vec![(Occur::Must, "liver"), (Occur::Should, "tumour")],
            vec![
                (Occur::Must, "liver"),
                (Occur::Must, "blood"),
                (Occur::Should, "supply"),
            ],
            vec![(Occur::Should, "liver"), (Occur::MustNot, "bowel")],
            vec![
                (Occur::Must, "tumour"),
                (Occur::MustNot, "liver"),
                (Occur::Should, "blood"),
            ],
        ];
        for shape in shapes {
            let clauses = || shape.iter().map(|(o, w)| (*o, word(w))).collect::<Vec<_>>();
            let want = matches(&searcher, &BooleanQuery::new(clauses()));
            let sum = Sum::new(clauses());
            let got = matches(&searcher, &sum);
            assert!(
                want.len() > 10 && want.len() < 290,
                "{shape:?}: {}",
                want.len()
            );
            assert_eq!(got.len(), want.len(), "{shape:?}");
            for ((a, x), (b, y)) in got.iter().zip(&want) {
                assert_eq!(a, b, "{shape:?}");
                assert!((x - y).abs() < 1e-5, "{shape:?}: {x} vs {y}");
            }
            // Sought one record after another, as the ranking does: the same scores.
            let weight = sum
                .weight(EnableScoring::enabled_from_searcher(&searcher))
                .unwrap();
            let mut scorer = weight.scorer(searcher.segment_reader(0), 1.0).unwrap();
            for (address, score) in want.iter().step_by(3) {
                assert_eq!(scorer.seek(address.doc_id), address.doc_id, "{shape:?}");
                assert!((scorer.score() - score).abs() < 1e-5, "{shape:?}");
            }
        }
    }

    #[test]
    fn boosts_score_the_matches_but_match_nothing_themselves() {
        let records = [
            (Section, "", "liver blood"),
            (Section, "", "liver"),
            (Section, "", "blood supply"),
            (Section, "", "tumour"),
        ];
        let (searcher, heading, body) = index(&records);
        let word =
            |w: &str| -> Box<dyn Query> { Box::new(Bm25f::new(w, parts(heading, body), 2.0)) };
        let plain = matches(&searcher, &Sum::new(vec![(Occur::Should, word("liver"))]));
        let boosted =
            Sum::new(vec![(Occur::Should, word("liver"))]).with_boosts(vec![word("blood")]);
        let got = matches(&searcher, &boosted);
        // The same records as without the boost ("blood supply" does not join them)...
        assert_eq!(
            got.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
            plain.iter().map(|(a, _)| *a).collect::<Vec<_>>()
        );
        // ...the one holding the boost's word scored higher by the boost's score.
        let blood = matches(&searcher, &*word("blood"))[0].1;
        assert!((got[0].1 - plain[0].1 - blood).abs() < 1e-5);
        assert!((got[1].1 - plain[1].1).abs() < 1e-6);
    }
}
