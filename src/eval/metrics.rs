//! Ranking metrics, as pure functions over one query's ranked relevance grades.
//!
//! `ranked[i]` is the judged grade of the item at rank `i + 1` (0 when unjudged), already cut
//! to the evaluation depth. An item is relevant when its grade is at least 1, as in trec_eval.
//! The formulas are trec_eval's: nDCG@k uses gain = grade and a log2(rank + 1) discount, with the
//! ideal ranking built from all the query's judgments; AP divides by the number of relevant
//! judgments; P@k divides by k even when fewer items were retrieved; RR@k is 0 without a
//! relevant item in the top k.

/// The metrics of one query.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// nDCG@k.
    pub ndcg: f64,
    /// Average precision to the evaluation depth.
    pub map: f64,
    /// Reciprocal rank of the first relevant item within k.
    pub mrr: f64,
    /// Precision at k.
    pub precision: f64,
    /// Recall at k.
    pub recall: f64,
    /// Recall at the evaluation depth.
    pub recall_depth: f64,
}

impl Metrics {
    /// All metrics for one query: `judged` holds every grade judged for it.
    pub fn of(ranked: &[i32], judged: &[i32], k: usize) -> Metrics {
        let relevant = judged.iter().filter(|&&g| g >= 1).count();
        Metrics {
            ndcg: ndcg(ranked, judged, k),
            map: average_precision(ranked, relevant),
            mrr: reciprocal_rank(ranked, k),
            precision: precision(ranked, k),
            recall: recall(ranked, relevant, k),
            recall_depth: recall(ranked, relevant, ranked.len()),
        }
    }

    /// The mean of each metric (0 for no queries).
    pub fn mean(all: &[Metrics]) -> Metrics {
        if all.is_empty() {
            return Metrics::default();
        }
        let n = all.len() as f64;
        let avg = |f: fn(&Metrics) -> f64| all.iter().map(f).sum::<f64>() / n;
        Metrics {
            ndcg: avg(|m| m.ndcg),
            map: avg(|m| m.map),
            mrr: avg(|m| m.mrr),
            precision: avg(|m| m.precision),
            recall: avg(|m| m.recall),
            recall_depth: avg(|m| m.recall_depth),
        }
    }
}

fn dcg(grades: impl Iterator<Item = i32>) -> f64 {
    // A fold from +0.0: `sum()` of no terms is -0.0, which prints as "-0.0000".
    grades
        .enumerate()
        .filter(|&(_, g)| g > 0)
        .map(|(i, g)| f64::from(g) / ((i + 2) as f64).log2())
        .fold(0.0, |total, gain| total + gain)
}

/// nDCG@k with graded gains.
pub fn ndcg(ranked: &[i32], judged: &[i32], k: usize) -> f64 {
    let mut ideal: Vec<i32> = judged.iter().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal = dcg(ideal.into_iter().take(k));
    if ideal == 0.0 {
        return 0.0;
    }
    dcg(ranked.iter().copied().take(k)) / ideal
}

/// Average precision over `relevant` relevant judgments.
pub fn average_precision(ranked: &[i32], relevant: usize) -> f64 {
    if relevant == 0 {
        return 0.0;
    }
    let mut hits = 0;
    let mut sum = 0.0;
    for (i, &g) in ranked.iter().enumerate() {
        if g >= 1 {
            hits += 1;
            sum += f64::from(hits) / (i + 1) as f64;
        }
    }
    sum / relevant as f64
}

/// 1 / rank of the first relevant item within the top k.
pub fn reciprocal_rank(ranked: &[i32], k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|&g| g >= 1)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// Relevant items in the top k, over k.
pub fn precision(ranked: &[i32], k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    ranked.iter().take(k).filter(|&&g| g >= 1).count() as f64 / k as f64
}

/// Relevant items in the top k, over all relevant judgments.
pub fn recall(ranked: &[i32], relevant: usize, k: usize) -> f64 {
    if relevant == 0 {
        return 0.0;
    }
    ranked.iter().take(k).filter(|&&g| g >= 1).count() as f64 / relevant as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ndcg_by_hand() {
        // Gains 3, 0, 2 at ranks 1..3; ideal 3, 2, 1.
        let dcg = 3.0 + 2.0 / 4f64.log2();
        let ideal = 3.0 + 2.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!(close(ndcg(&[3, 0, 2], &[3, 2, 1, 0], 10), dcg / ideal));
        assert!(close(ndcg(&[3, 2, 1], &[1, 2, 3], 10), 1.0));
        assert!(close(ndcg(&[0, 0], &[0], 10), 0.0));
        // Nothing relevant retrieved: zero, and not a negative zero.
        assert!(ndcg(&[], &[1], 10).is_sign_positive());
        assert!(ndcg(&[0, 0], &[2, 1], 10).is_sign_positive());
        // The cut applies to the ideal too.
        assert!(close(ndcg(&[1], &[1, 1, 1], 1), 1.0));
    }

    #[test]
    fn average_precision_by_hand() {
        // Relevant at ranks 1 and 3, three relevant judged.
        assert!(close(
            average_precision(&[1, 0, 2, 0], 3),
            (1.0 + 2.0 / 3.0) / 3.0
        ));
        assert!(close(average_precision(&[0, 0], 0), 0.0));
    }

    #[test]
    fn rank_cut_metrics() {
        assert!(close(reciprocal_rank(&[0, 0, 1], 10), 1.0 / 3.0));
        assert!(close(reciprocal_rank(&[0, 0, 1], 2), 0.0));
        assert!(close(precision(&[1, 0], 10), 0.1));
        assert!(close(recall(&[1, 0, 1], 4, 2), 0.25));
        let m = Metrics::of(&[0, 1, 0, 1], &[1, 1, 1, 0], 2);
        assert!(close(m.recall, 1.0 / 3.0));
        assert!(close(m.recall_depth, 2.0 / 3.0));
    }

    #[test]
    fn a_query_without_hits_scores_zero() {
        assert_eq!(Metrics::of(&[], &[2, 1], 10), Metrics::default());
        assert_eq!(Metrics::mean(&[]), Metrics::default());
        let mean = Metrics::mean(&[Metrics::of(&[1], &[1], 10), Metrics::of(&[], &[1], 10)]);
        assert!(close(mean.ndcg, 0.5) && close(mean.mrr, 0.5));
    }
}
