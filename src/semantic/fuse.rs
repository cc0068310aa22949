//! Hybrid ranking: the lexical ranking's scores and the model's cosines, made one score.
//!
//! **Candidates.** The lexical side's candidates (its first stage's best, ranked with
//! feedback: [`crate::search`]) and the semantic side's best [`Fusion::candidates`] records by
//! cosine (every record scored exactly). Each candidate is then scored by *both* sides: a
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
//! than its hundredth guess) and the best cosine (1). The fused score is
//! `semantic_weight × semantic + (1 − semantic_weight) × lexical`.
//!
//! The weights are one configuration for every corpus, chosen on the three classic
//! collections together (README "Semantic stage": semantic weight 0.3 to 0.7, floor rank 10 to
//! 1000, and reciprocal-rank fusion with k 20 and 60 compared): 0.5 and 1000 lead on Cranfield
//! and CISI and keep MAP above lexical everywhere; floor 100 is better on MED alone.

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
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion {
            semantic_weight: 0.5,
            candidates: 100,
            floor_rank: 1000,
            rank_k: 0.0,
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
    let parts = calibrate(candidates, floor, best, fusion.rank_k);
    let mut out: Vec<(f32, A)> = candidates
        .iter()
        .zip(parts)
        .map(|(c, (lexical, semantic))| (weight * semantic + (1.0 - weight) * lexical, c.address))
        .collect();
    out.sort_by(|(a, x), (b, y)| b.total_cmp(a).then(x.cmp(y)));
    out
}

/// Each candidate's two calibrated scores, each in [0, 1]: by [`parts`], or by reciprocal
/// rank when `rank_k` is above 0.
pub fn calibrate<A>(candidates: &[Both<A>], floor: f32, best: f32, rank_k: f32) -> Vec<(f32, f32)> {
    if rank_k <= 0.0 {
        let top_lexical = candidates
            .iter()
            .filter_map(|c| c.lexical)
            .fold(0f32, f32::max);
        return candidates
            .iter()
            .map(|c| parts(c, top_lexical, floor, best))
            .collect();
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

/// A candidate's two calibrated scores, each in [0, 1].
pub fn parts<A>(c: &Both<A>, top_lexical: f32, floor: f32, best: f32) -> (f32, f32) {
    let lexical = match (c.lexical, top_lexical > 0.0) {
        (Some(l), true) => (l / top_lexical).clamp(0.0, 1.0),
        _ => 0.0,
    };
    let span = best - floor;
    let semantic = match span > f32::EPSILON {
        true => ((c.semantic - floor) / span).clamp(0.0, 1.0),
        false => f32::from(c.semantic >= best),
    };
    (lexical, semantic)
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
        let parts = calibrate(&c, 0.0, 0.0, 1.0);
        assert_eq!(parts, [(1.0, 1.0 / 3.0), (0.5, 1.0), (0.0, 0.5)]);
    }

    #[test]
    fn below_the_floor_is_zero_and_a_flat_model_counts_only_its_best() {
        let c = both(None, 0.1, 1);
        assert_eq!(parts(&c, 0.0, 0.3, 0.7), (0.0, 0.0));
        assert_eq!(parts(&both(Some(2.0), 0.5, 1), 4.0, 0.5, 0.5), (0.5, 1.0));
    }
}
