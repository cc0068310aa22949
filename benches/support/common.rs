//! What the benches share: their arguments, and the line the latency benches print (one JSON
//! object of percentiles).

/// The arguments after the bench's name (without the `--bench` cargo adds).
pub fn args() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect()
}

/// Prints `{"queries", "rounds", "p50_ms", "p99_ms", "mean_ms", "max_ms"}` for `times`
/// (milliseconds, one per timed query run).
pub fn print_latency(queries: usize, rounds: usize, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{{\"queries\": {queries}, \"rounds\": {rounds}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"mean_ms\": {:.3}, \"max_ms\": {:.3}}}",
        pct(0.5),
        pct(0.99),
        times.iter().sum::<f64>() / times.len() as f64,
        times[times.len() - 1],
    );
}
