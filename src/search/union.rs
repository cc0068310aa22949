//! The first stage's query: [`TermUnion`], a union of weighted single terms (and of any other
//! optional clauses, such as phrases) whose score is the sum of its clauses' (the terms' BM25 is
//! tantivy's own, so it scores as a `BooleanQuery` of boosted `TermQuery`s does), and its top k
//! found by **MaxScore** (Turtle and Flood, "Query evaluation: strategies and optimizations",
//! 1995) rather than by scoring every match.
//!
//! Why not tantivy's block-max WAND: the first stage's queries are long (every word in two
//! fields, its alternatives, feedback's words: 20 to 60 terms) and its k is 100, and there
//! WAND spends its time re-sorting the terms at every pivot; measured on the 100,000-page
//! benchmark it was twice as slow as scoring the whole union. MaxScore needs no sorting
//! while it runs:
//!
//! - the terms are ordered by their best possible score (BM25's bound, `idf · (k1 + 1)` times
//!   the boost), and summed from the smallest: the terms whose bounds sum to no more than the
//!   k-th best score so far, θ, are **non-essential**: a record that holds only them cannot
//!   enter the top k, so only the records of the essential terms are visited;
//! - a visited record's score is completed with the non-essential terms, largest bound first,
//!   each by a seek, and dropped as soon as its score plus the bounds left cannot pass θ;
//! - as θ rises, more terms become non-essential.
//!
//! Clauses without a bound (phrases) are always essential. Records are summed a window of
//! 4,096 documents at a time, as tantivy's own union does. The result is the top k by
//! score (ties to the lower address) that an exhaustive scan gives, up to the last bits of
//! sums added in another order (a property test compares the two on random indexes).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, EmptyQuery, EnableScoring, Occur, Query, Scorer,
    TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, TERMINATED, Term};

/// A union of optional clauses, scores summed: single terms, each with a boost (their BM25 is
/// bounded, so MaxScore can skip them), and any other queries (phrases: unbounded, always
/// visited).
#[derive(Debug, Default)]
pub struct TermUnion {
    terms: Vec<(Term, Score)>,
    others: Vec<Box<dyn Query>>,
}

impl Clone for TermUnion {
    fn clone(&self) -> Self {
        TermUnion {
            terms: self.terms.clone(),
            others: self.others.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl TermUnion {
    /// One term, boost 1.
    pub fn term(term: Term) -> TermUnion {
        TermUnion {
            terms: vec![(term, 1.0)],
            others: Vec::new(),
        }
    }

    /// `query` as a union, when it is one or a term query.
    pub fn of(query: &dyn Query) -> Option<TermUnion> {
        if let Some(union) = query.downcast_ref::<TermUnion>() {
            return Some(union.clone());
        }
        query
            .downcast_ref::<TermQuery>()
            .map(|q| TermUnion::term(q.term().clone()))
    }

    /// Adds `query` as an optional clause (a union's clauses, a term query's term, or the
    /// query itself).
    pub fn absorb(&mut self, query: Box<dyn Query>) {
        match query.downcast::<TermUnion>() {
            Ok(union) => {
                self.terms.extend(union.terms);
                self.others.extend(union.others);
            }
            Err(query) => match query.downcast_ref::<TermQuery>() {
                Some(term) => self.terms.push((term.term().clone(), 1.0)),
                None => self.others.push(query),
            },
        }
    }

    /// Every clause's score ×`boost`.
    pub fn boosted(mut self, boost: Score) -> TermUnion {
        for (_, b) in &mut self.terms {
            *b *= boost;
        }
        for query in &mut self.others {
            let inner = std::mem::replace(query, Box::new(EmptyQuery));
            *query = Box::new(BoostQuery::new(inner, boost));
        }
        self
    }

    /// The same query in tantivy's terms (for counting and explaining).
    fn as_tantivy(&self) -> Box<dyn Query> {
        let term = |(term, boost): &(Term, Score)| -> Box<dyn Query> {
            let query = Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs));
            if *boost == 1.0 {
                query
            } else {
                Box::new(BoostQuery::new(query, *boost))
            }
        };
        let mut clauses: Vec<Box<dyn Query>> = self.terms.iter().map(term).collect();
        clauses.extend(self.others.iter().map(|q| q.box_clone()));
        if clauses.len() == 1 {
            return clauses.pop().expect("one clause");
        }
        Box::new(BooleanQuery::new(
            clauses.into_iter().map(|q| (Occur::Should, q)).collect(),
        ))
    }

    /// The `k` best records, best first (ties: the lower address first), by MaxScore (see
    /// the module docs).
    pub fn top_k(&self, searcher: &Searcher, k: usize) -> tantivy::Result<Vec<DocAddress>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let weights = self
            .terms
            .iter()
            .map(|(term, boost)| {
                Ok(Bm25Weight::for_terms(searcher, std::slice::from_ref(term))?.boost_by(*boost))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let others = self
            .others
            .iter()
            .map(|q| q.weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut best = Best::new(k);
        for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut cursors = Vec::with_capacity(self.terms.len() + others.len());
            for ((term, _), weight) in self.terms.iter().zip(&weights) {
                let postings = reader
                    .inverted_index(term.field())?
                    .read_postings(term, IndexRecordOption::WithFreqs)?;
                if let Some(postings) = postings.filter(|p| p.doc() != TERMINATED) {
                    cursors.push(Cursor {
                        bound: weight.max_score() * BOUND_MARGIN,
                        source: Source::Term {
                            postings,
                            norms: reader.get_fieldnorms_reader(term.field())?,
                            weight: weight.clone(),
                        },
                    });
                }
            }
            for weight in &others {
                let scorer = weight.scorer(reader, 1.0)?;
                if scorer.doc() != TERMINATED {
                    cursors.push(Cursor {
                        bound: Score::INFINITY,
                        source: Source::Other(scorer),
                    });
                }
            }
            let alive = reader.alive_bitset();
            max_score(&mut cursors, &mut best, |doc| {
                alive
                    .is_none_or(|a| a.is_alive(doc))
                    .then_some(DocAddress::new(segment_ord as u32, doc))
            });
        }
        Ok(best.into_sorted())
    }
}

/// Bounds are raised by this factor, so that a sum of scores rounded in another order never
/// exceeds the sum of their bounds.
const BOUND_MARGIN: Score = 1.0 + 1e-5;

impl Query for TermUnion {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        self.as_tantivy().weight(scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (term, _) in &self.terms {
            visitor(term, false);
        }
        for query in &self.others {
            query.query_terms(visitor);
        }
    }
}

/// One clause's matches in a segment, and the most it can add to a score.
struct Cursor {
    source: Source,
    bound: Score,
}

#[expect(
    clippy::large_enum_variant,
    reason = "a few dozen cursors live at a time; a box would cost a load per posting"
)]
enum Source {
    /// A term, scored here with tantivy's BM25 (as its `TermScorer` does).
    Term {
        postings: SegmentPostings,
        norms: FieldNormReader,
        weight: Bm25Weight,
    },
    /// Any other query's scorer.
    Other(Box<dyn Scorer>),
}

impl Cursor {
    fn doc(&self) -> DocId {
        match &self.source {
            Source::Term { postings, .. } => postings.doc(),
            Source::Other(scorer) => scorer.doc(),
        }
    }

    fn advance(&mut self) -> DocId {
        match &mut self.source {
            Source::Term { postings, .. } => postings.advance(),
            Source::Other(scorer) => scorer.advance(),
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        match &mut self.source {
            Source::Term { postings, .. } => postings.seek(target),
            Source::Other(scorer) => scorer.seek(target),
        }
    }

    fn score(&mut self) -> Score {
        match &mut self.source {
            Source::Term {
                postings,
                norms,
                weight,
            } => weight.score(norms.fieldnorm_id(postings.doc()), postings.term_freq()),
            Source::Other(scorer) => scorer.score(),
        }
    }
}

/// Records are scored a window of this many documents at a time.
const WINDOW: u32 = 4096;

/// MaxScore over one segment's cursors, into `best`; `address` maps a document to its address,
/// or to `None` when it is deleted. The essential terms are summed a window of documents at a
/// time into an array (as tantivy's own union does: no comparison per record), then each
/// record of the window that can still pass the threshold is completed with the others.
fn max_score(cursors: &mut [Cursor], best: &mut Best, address: impl Fn(u32) -> Option<DocAddress>) {
    cursors.sort_by(|a, b| a.bound.total_cmp(&b.bound));
    // bounds[i]: the most the terms 0..=i can add together.
    let bounds: Vec<Score> = cursors
        .iter()
        .scan(0.0, |sum, c| {
            *sum += c.bound;
            Some(*sum)
        })
        .collect();
    let mut scores = vec![0.0 as Score; WINDOW as usize];
    let mut seen = vec![0u64; WINDOW as usize / 64];
    loop {
        let essential = bounds.partition_point(|&b| b <= best.threshold());
        let Some(start) = cursors[essential..]
            .iter()
            .map(Cursor::doc)
            .min()
            .filter(|&doc| doc != TERMINATED)
        else {
            break;
        };
        let end = start.saturating_add(WINDOW);
        for cursor in &mut cursors[essential..] {
            let mut doc = cursor.doc();
            while doc < end {
                let i = (doc - start) as usize;
                scores[i] += cursor.score();
                seen[i / 64] |= 1 << (i % 64);
                doc = cursor.advance();
            }
        }
        for (word, bits) in seen.iter_mut().enumerate() {
            while *bits != 0 {
                let i = word * 64 + bits.trailing_zeros() as usize;
                *bits &= *bits - 1;
                let doc = start + i as u32;
                let score = std::mem::take(&mut scores[i]);
                if let Some(score) = complete(&mut cursors[..essential], &bounds, score, doc, best)
                    && let Some(address) = address(doc)
                {
                    best.offer(score, address);
                }
            }
        }
    }
}

/// A record's score with the non-essential terms added, largest bound first, or `None` as
/// soon as it cannot pass the threshold.
fn complete(
    cursors: &mut [Cursor],
    bounds: &[Score],
    mut score: Score,
    doc: u32,
    best: &Best,
) -> Option<Score> {
    let threshold = best.threshold();
    for i in (0..cursors.len()).rev() {
        if score + bounds[i] <= threshold {
            return None;
        }
        let cursor = &mut cursors[i];
        if cursor.doc() < doc {
            cursor.seek(doc);
        }
        if cursor.doc() == doc {
            score += cursor.score();
        }
    }
    (score > threshold || !best.is_full()).then_some(score)
}

/// A scored record, ordered from worse to better: a lower score, then a higher address, is
/// worse.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored(Score, DocAddress);

impl Eq for Scored {}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The best `k` records seen so far.
struct Best {
    k: usize,
    /// The worst on top.
    heap: BinaryHeap<Reverse<Scored>>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    fn is_full(&self) -> bool {
        self.heap.len() >= self.k
    }

    /// The score a record must pass to enter (−∞ while there is room).
    fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(Reverse(worst)) if self.is_full() => worst.0,
            _ => Score::NEG_INFINITY,
        }
    }

    /// Keeps the record if it is among the best `k` (records come in address order, so a tie
    /// with the worst kept loses).
    fn offer(&mut self, score: Score, address: DocAddress) {
        if self.is_full() {
            if score <= self.threshold() {
                return;
            }
            self.heap.pop();
        }
        self.heap.push(Reverse(Scored(score, address)));
    }

    /// Best first.
    fn into_sorted(self) -> Vec<DocAddress> {
        let mut all: Vec<Scored> = self.heap.into_iter().map(|Reverse(s)| s).collect();
        all.sort_by(|a, b| b.cmp(a));
        all.into_iter().map(|Scored(_, address)| address).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::collector::TopDocs;
    use tantivy::schema::{Field, STRING, Schema, TEXT};
    use tantivy::{Index, IndexWriter, doc};

    const WORDS: [&str; 6] = ["alpha", "beta", "gamma", "delta", "eps", "zeta"];

    /// An index of `docs` (each a list of word numbers) over two text fields, committed in
    /// `segments` parts, with every `delete`-th document deleted.
    fn index(docs: &[Vec<usize>], segments: usize, delete: usize) -> (Index, [Field; 2]) {
        let mut schema = Schema::builder();
        let a = schema.add_text_field("a", TEXT);
        let b = schema.add_text_field("b", TEXT);
        let id = schema.add_text_field("id", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let per = docs.len().div_ceil(segments.max(1)).max(1);
        for (i, words) in docs.iter().enumerate() {
            let text = |f: usize| {
                words
                    .iter()
                    .skip(f)
                    .step_by(2)
                    .map(|w| WORDS[w % WORDS.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            writer
                .add_document(doc!(a => text(0), b => text(1), id => format!("d{i}")))
                .unwrap();
            if (i + 1) % per == 0 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        if delete > 0 {
            for i in (0..docs.len()).step_by(delete) {
                writer.delete_term(Term::from_field_text(id, &format!("d{i}")));
            }
            writer.commit().unwrap();
        }
        (index, [a, b])
    }

    #[test]
    fn a_union_takes_in_unions_and_terms_and_boosts_each_clause() {
        let field = Field::from_field_id(0);
        let term = |t: &str| Term::from_field_text(field, t);
        let mut union = TermUnion::term(term("a")).boosted(2.0);
        union.absorb(Box::new(TermQuery::new(
            term("b"),
            IndexRecordOption::WithFreqs,
        )));
        union.absorb(Box::new(TermUnion::term(term("c"))));
        union.absorb(Box::new(tantivy::query::AllQuery));
        let union = union.boosted(0.5);
        assert_eq!(
            union.terms,
            vec![(term("a"), 1.0), (term("b"), 0.5), (term("c"), 0.5)]
        );
        assert_eq!(union.others.len(), 1);
        assert!(union.others[0].downcast_ref::<BoostQuery>().is_some());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// MaxScore finds the records an exhaustive scan of the same union ranks first.
        #[test]
        fn top_k_is_the_exhaustive_top_k(
            docs in prop::collection::vec(prop::collection::vec(0usize..6, 0..12), 1..700),
            query in prop::collection::vec((0usize..6, 0usize..2, 1u32..4), 1..8),
            phrase in prop::option::of((0usize..6, 0usize..6, 0usize..2)),
            k in prop_oneof![1usize..4, 4usize..30],
            segments in 1usize..4,
            delete in 0usize..5,
        ) {
            let (index, fields) = index(&docs, segments, delete);
            let searcher = index.reader().unwrap().searcher();
            let mut union = TermUnion::default();
            for (word, field, boost) in query {
                let term = Term::from_field_text(fields[field], WORDS[word]);
                union.terms.push((term, boost as f32 * 0.5));
            }
            if let Some((a, b, field)) = phrase {
                let terms = [a, b].map(|w| Term::from_field_text(fields[field], WORDS[w]));
                union.absorb(Box::new(tantivy::query::PhraseQuery::new(terms.to_vec())));
            }
            let exhaustive = searcher
                .search(&union.as_tantivy(), &TopDocs::with_limit(k).order_by_score())
                .unwrap();
            let found = union.top_k(&searcher, k).unwrap();
            prop_assert_eq!(found.len(), exhaustive.len());
            // Scores summed in another order may differ in the last bits: compare the scores
            // rank by rank, and the records wherever no other record has nearly the score.
            let all = searcher
                .search(&union.as_tantivy(), &TopDocs::with_limit(1000).order_by_score())
                .unwrap();
            let score = |a: DocAddress| all.iter().find(|(_, x)| *x == a).map(|(s, _)| *s);
            for (i, (expected, address)) in exhaustive.iter().enumerate() {
                let got = score(found[i]).unwrap_or(f32::NAN);
                prop_assert!((got - expected).abs() <= 1e-4 * expected.abs().max(1.0),
                    "rank {}: {} against {}", i, got, expected);
                let tied = all.iter().filter(|(s, _)| (s - expected).abs() <= 1e-4).count();
                if tied == 1 {
                    prop_assert_eq!(found[i], *address);
                }
            }
        }
    }
}
