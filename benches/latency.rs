//! In-process query latency: open an index once, run each query (plain words, top 10 with
//! snippets, exactly as `medsearch search --plain` does), and report percentiles.
//!
//! ```sh
//! cargo bench --bench latency -- INDEX_DIR QUERIES_FILE [ROUNDS]
//! ```
//! Prints one JSON object: `{"queries", "rounds", "p50_ms", "p99_ms", "mean_ms", "max_ms"}`.
//! Each round runs every query once; the first round is a warm-up and is not counted. Every
//! search must return a result (a correctness check inside the loop).

use std::path::PathBuf;
use std::time::Instant;

use medsearch::{eval, index, search};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [index_dir, queries, rest @ ..] = args.as_slice() else {
        eprintln!("usage: cargo bench --bench latency -- INDEX_DIR QUERIES_FILE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = rest
        .first()
        .map_or(5, |r| r.parse().expect("ROUNDS is a number"));
    let searchable = index::open(&PathBuf::from(index_dir)).expect("open index");
    let queries = eval::read_queries(&PathBuf::from(queries)).expect("read queries");
    let opts = search::SearchOptions {
        limit: 10,
        kind: None,
        corpus: PathBuf::from("corpus"),
        snippets: true,
        plain: true,
    };
    let mut times = Vec::with_capacity(queries.len() * rounds);
    for round in 0..=rounds {
        for q in &queries {
            let start = Instant::now();
            let results = search::search(&searchable, &q.text, &opts).expect("search");
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            assert!(results.total_hits >= results.hits.len());
            if round > 0 {
                times.push(elapsed);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{{\"queries\": {}, \"rounds\": {rounds}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"mean_ms\": {:.3}, \"max_ms\": {:.3}}}",
        queries.len(),
        pct(0.5),
        pct(0.99),
        times.iter().sum::<f64>() / times.len() as f64,
        times[times.len() - 1],
    );
}
