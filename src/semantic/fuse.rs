//! Hybrid ranking: the lexical ranking's scores and the model's cosines, made one score.
//!
//! **Candidates.** The lexical side's candidates (its first stage's best, ranked with
//! feedback: [`crate::search`]) and the semantic side's best [`Fusion::candidates`] records by
//! cosine (every record scanned in 8 bits, the best [`Fusion::rescore`] scored exactly:
//! [`super::store`]). Each candidate is then scored by *both* sides: a
//! semantic candidate the lexical ranking did not retrieve gets its lexical score (zero when
//! it holds no query word), a lexical one its cosine. Unlike reciprocal-rank fusion, which
//! sees only ranks (and a missing rank as "no evidence"), each side's full evidence counts for
//! every candidate.
//!
//! **Calibration, per query.** The two scales do not compare (BM25 sums grow with the query's
//! length and rarity; cosines of a small model sit in a narrow band that moves with the
//! query), so each is mapped to [0, 1] by the query's own distribution: the lexical score
//! divided by the query's best lexical score; the cosine as its place between the cosine of
//! the record ranked [`Fusion::floor_rank`] by the model (0: what the model finds no better
//! than that guess) and the best cosine (1). The fused score is
//! `semantic_weight × semantic + (1 − semantic_weight) × lexical`.
//!
//! **Feedback, both ways** (hybrid mode, plain queries of [`Fusion::feedback_min_words`]
//! content words or more: descriptive queries gain, short ones drift). In order:
//! 1. the semantic side, on every fused ranking: the mean vector of its first
//!    [`Fusion::feedback_docs`] records, weighted [`Fusion::feedback_weight`], is added to the
//!    query's vector (Rocchio's formula on embeddings), the records the query's own pass kept
//!    are scored again with it, and fused again;
//! 2. the lexical side ([`Fusion::fused_feedback`]): its expansion words (RM3,
//!    [`crate::search::feedback`]) come from the first records of *both* rankings, its own
//!    and the fused one of step 1 ([`feedback_pool`]), rather than from its own alone. The
//!    fused ranking alone drifted on CISI (−0.01 nDCG@10; its abstracts share much
//!    vocabulary); the pool keeps the words' own evidence;
//! 3. the expanded lexical ranking is fused with the semantic side again, with step 1.
//!
//! The query is embedded once and scanned once; feedback rescoring reads only the kept
//! records. Semantic mode is the model alone: no feedback.
//!
//! **Why these mechanisms.** A plain blend of the two calibrated scores could not reach the
//! issue's three targets at once (measured over semantic weights 0.3 to 0.7, floor ranks 10
//! to 1000, reciprocal-rank fusion with k 20 and 60, per-query weights from the cosines'
//! spread, floors on the lexical scale): MED wants the model's weight, Cranfield and CISI the
//! words'. Feedback both ways is what moved MED and Cranfield together; holding it to queries
//! of [`Fusion::feedback_min_words`] kept the lay-language suites where they were (their
//! queries of four words lost a rank or two to it).
//!
//! The weights are one configuration for every corpus, chosen with `scripts/tune.py grid
//! --model` on the three classic collections and the project's five own suites together
//! (`report --targets med=0.81,cranfield=0.44,cisi=0.46`: the best mean nDCG@10 over the eight
//! suites among the configurations reaching the targets with MAP and MRR@10 no lower
//! than lexical; 7 of the last grid's 18 did, and the best of all 18 was 0.0003 above it):
//! semantic weight 0.475, floor rank 300, feedback 3 records at weight 0.45 from 5 content
//! words, fused feedback on. Leave-one-collection-out and the paired tests are in README
//! "Semantic stage".

use serde::{Deserialize, Serialize};

/// The weights of the fusion (part of [`crate::search::Ranking`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fusion {
    /// The semantic side's share of the fused score.
    pub semantic_weight: f32,
    /// Records the semantic side contributes.
    pub candidates: usize,
    /// The model's rank whose cosine maps to 0.
    pub floor_rank: usize,
    /// Above 0, each side's score is its reciprocal rank among the candidates,
    /// `rank_k / (rank_k + rank)` (a record the words do not match has none), instead of its
    /// calibrated score.
    pub rank_k: f32,
    /// Records of the first fused ranking whose mean vector is added to the query's
    /// (0: none).
    pub feedback_docs: usize,
    /// The weight of that mean vector beside the query's own (1).
    pub feedback_weight: f32,
    /// Whether the lexical side's query feedback takes its words from the first fused
    /// ranking's best records rather than its own.
    pub fused_feedback: bool,
    /// The content words a plain query needs for the fused ranking to teach either side
    /// (`feedback=on` asks for it at any length).
    pub feedback_min_words: usize,
    /// Records the 8-bit pass over the vectors hands to the exact cosine (at least the floor
    /// rank and the candidates; 0: every record scored exactly), see
    /// [`super::store::Vectors::scores`].
    pub rescore: usize,
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion {
            semantic_weight: 0.475,
            candidates: 100,
            floor_rank: 300,
            rank_k: 0.0,
            feedback_docs: 3,
            feedback_weight: 0.45,
            fused_feedback: true,
            feedback_min_words: 5,
            rescore: 1000,
        }
    }
}

/// One candidate's two scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Both<A> {
    /// The lexical ranking's score (`None`: the record does not match the query's words).
    pub lexical: Option<f32>,
    /// The cosine with the query.
    pub semantic: f32,
    /// The record.
    pub address: A,
}

/// The fused score of each candidate (see the module docs), best first (ties by address);
/// `floor` is the cosine of the model's [`Fusion::floor_rank`]-th record, `best` its best.
pub fn fuse<A: Ord + Copy>(
    candidates: &[Both<A>],
    floor: f32,
    best: f32,
    fusion: &Fusion,
) -> Vec<(f32, A)> {
    let weight = fusion.semantic_weight;
    let parts = calibrate(candidates, floor, best, fusion);
    let mut out: Vec<(f32, A)> = candidates
        .iter()
        .zip(parts)
        .map(|(c, (lexical, semantic))| (weight * semantic + (1.0 - weight) * lexical, c.address))
        .collect();
    out.sort_by(|(a, x), (b, y)| b.total_cmp(a).then(x.cmp(y)));
    out
}

/// Each candidate's two calibrated scores, each in [0, 1]: by [`parts`], or by reciprocal
/// rank when [`Fusion::rank_k`] is above 0.
pub fn calibrate<A>(
    candidates: &[Both<A>],
    floor: f32,
    best: f32,
    fusion: &Fusion,
) -> Vec<(f32, f32)> {
    let rank_k = fusion.rank_k;
    if rank_k <= 0.0 {
        let top = candidates
            .iter()
            .filter_map(|c| c.lexical)
            .fold(0f32, f32::max);
        let scale = Scale {
            lexical: (0.0, top),
            semantic: (floor, best),
        };
        return candidates.iter().map(|c| parts(c, &scale)).collect();
    }
    let ranks = |score: &dyn Fn(&Both<A>) -> Option<f32>| -> Vec<f32> {
        let mut order: Vec<(f32, usize)> = (0..candidates.len())
            .filter_map(|i| score(&candidates[i]).map(|s| (s, i)))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut out = vec![0f32; candidates.len()];
        for (rank, (_, i)) in order.into_iter().enumerate() {
            out[i] = rank_k / (rank_k + rank as f32);
        }
        out
    };
    let lexical = ranks(&|c| c.lexical);
    let semantic = ranks(&|c| Some(c.semantic));
    lexical.into_iter().zip(semantic).collect()
}

/// The records the lexical side's query feedback reads in hybrid mode
/// ([`Fusion::fused_feedback`]): the first `docs` of the lexical ranking `lexical` (its
/// scores divided by its best) and the first `docs` of the fused ranking `fused` (its scores
/// already in [0, 1]), a record in both weighing the sum of its two scores.
pub fn feedback_pool<A: PartialEq + Copy>(
    lexical: &[(f32, A)],
    fused: &[(f32, A)],
    docs: usize,
) -> Vec<(f32, A)> {
    let best = lexical.first().map_or(1.0, |l| l.0.max(f32::EPSILON));
    let mut pool: Vec<(f32, A)> = lexical
        .iter()
        .take(docs)
        .map(|&(score, a)| (score / best, a))
        .collect();
    for &(score, a) in fused.iter().take(docs) {
        match pool.iter_mut().find(|p| p.1 == a) {
            Some(p) => p.0 += score,
            None => pool.push((score, a)),
        }
    }
    pool
}

/// Each side's (floor, best) for one query: a score at the floor or below maps to 0, the best
/// to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The lexical side's.
    pub lexical: (f32, f32),
    /// The semantic side's (cosines).
    pub semantic: (f32, f32),
}

/// A candidate's two calibrated scores, each in [0, 1] (a record the words do not match has
/// lexical 0).
pub fn parts<A>(c: &Both<A>, scale: &Scale) -> (f32, f32) {
    let lexical = c.lexical.map_or(0.0, |l| between(l, scale.lexical));
    (lexical, between(c.semantic, scale.semantic))
}

/// `value`'s place between `floor` (0) and `best` (1), clamped; when the two meet, 1 for the
/// best (if above 0: a side that scores nothing gives nothing) and 0 below it.
fn between(value: f32, (floor, best): (f32, f32)) -> f32 {
    match best - floor > f32::EPSILON {
        true => ((value - floor) / (best - floor)).clamp(0.0, 1.0),
        false => f32::from(value >= best && best > 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(lexical: Option<f32>, semantic: f32, address: u32) -> Both<u32> {
        Both {
            lexical,
            semantic,
            address,
        }
    }

    #[test]
    fn each_side_is_scaled_by_the_query_and_weighed() {
        let c = [
            both(Some(10.0), 0.3, 1),
            both(Some(5.0), 0.7, 2),
            both(None, 0.5, 3),
        ];
        // Lexical 1, 0.5, 0; semantic (floor 0.3, best 0.7) 0, 1, 0.5.
        let half = Fusion {
            semantic_weight: 0.5,
            ..Fusion::default()
        };
        let fused = fuse(&c, 0.3, 0.7, &half);
        assert_eq!(fused.iter().map(|f| f.1).collect::<Vec<_>>(), [2, 1, 3]);
        assert!((fused[0].0 - 0.75).abs() < 1e-6);
        assert!((fused[1].0 - 0.5).abs() < 1e-6);
        assert!((fused[2].0 - 0.25).abs() < 1e-6);
        // All lexical, all semantic.
        let weight = |semantic_weight| Fusion {
            semantic_weight,
            ..Fusion::default()
        };
        assert_eq!(fuse(&c, 0.3, 0.7, &weight(0.0))[0].1, 1);
        assert_eq!(fuse(&c, 0.3, 0.7, &weight(1.0))[0].1, 2);
    }

    #[test]
    fn by_rank_each_side_counts_its_place_among_the_candidates() {
        let c = [
            both(Some(10.0), 0.3, 1),
            both(Some(5.0), 0.7, 2),
            both(None, 0.5, 3),
        ];
        let by_rank = Fusion {
            rank_k: 1.0,
            ..Fusion::default()
        };
        let parts = calibrate(&c, 0.0, 0.0, &by_rank);
        assert_eq!(parts, [(1.0, 1.0 / 3.0), (0.5, 1.0), (0.0, 0.5)]);
    }

    #[test]
    fn the_feedback_pool_joins_both_rankings_firsts() {
        let lexical = [(8.0, 'a'), (4.0, 'b'), (2.0, 'c')];
        let fused = [(0.9, 'b'), (0.6, 'd'), (0.5, 'a')];
        let pool = feedback_pool(&lexical, &fused, 2);
        assert_eq!(pool, [(1.0, 'a'), (0.5 + 0.9, 'b'), (0.6, 'd')]);
        assert!(feedback_pool(&lexical, &fused, 0).is_empty());
    }

    #[test]
    fn below_the_floor_is_zero_and_a_flat_model_counts_only_its_best() {
        let scale = |lexical, semantic| Scale { lexical, semantic };
        let c = both(None, 0.1, 1);
        assert_eq!(parts(&c, &scale((0.0, 0.0), (0.3, 0.7))), (0.0, 0.0));
        let c = both(Some(2.0), 0.5, 1);
        assert_eq!(parts(&c, &scale((0.0, 4.0), (0.5, 0.5))), (0.5, 1.0));
        // A lexical floor: the score at that rank maps to 0.
        assert_eq!(parts(&c, &scale((1.0, 5.0), (0.5, 0.5))), (0.25, 1.0));
    }
}
