//! In-process query latency: open an index once, exactly as the CLI does
//! ([`Searchable::open`], synonyms included), run each query (plain words, top 10 with
//! snippets, as `medsearch search --plain` does), and report percentiles.
//!
//! ```sh
//! cargo bench --bench latency -- CORPUS_DIR INDEX_DIR QUERIES_FILE [ROUNDS] [FEEDBACK] [MODE]
//! ```
//! Prints one JSON object: `{"queries", "rounds", "p50_ms", "p99_ms", "mean_ms", "max_ms"}`.
//! Each round runs every query once; the first round is a warm-up and is not counted.
//! FEEDBACK is `auto` (the default, as the CLI runs), `on` or `off`: query feedback roughly
//! doubles the work of a long query, so its cost is measured apart. `typing` instead runs
//! each query as the search page sends it while people type (`--typing --forgiving`, query
//! syntax, feedback auto): give it the prefixes a reader types (`scripts/bench.py typing`).
//! MODE is `lexical`, `semantic` or `hybrid` (`--mode`; default: the index's, hybrid when it
//! has vectors): the query's embedding is part of each timed search.
//!
//! Correctness: before timing, every query also runs through the `medsearch` binary
//! (`search --plain --json`), and the in-process hits (ids, ranks, scores, snippets) must be
//! the CLI's; every timed run must then return the same hits as the first.

#[path = "support/common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::ValueEnum;
use medsearch::eval;
use medsearch::index::Searchable;
use medsearch::search::{self, Feedback, Results, SearchOptions};
use medsearch::semantic::Mode;

fn main() {
    // SAFETY: the first thing the process does: no other thread exists yet (as the binary).
    unsafe { medsearch::semantic::settle_threads() };
    let args = common::args();
    let [corpus, index_dir, queries, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: cargo bench --bench latency -- CORPUS_DIR INDEX_DIR QUERIES_FILE [ROUNDS] \
             [FEEDBACK] [MODE]"
        );
        std::process::exit(2);
    };
    let rounds: usize = rest
        .first()
        .map_or(5, |r| r.parse().expect("ROUNDS is a number"));
    let typing = rest.get(1).map(String::as_str) == Some("typing");
    let feedback = match rest.get(1).map(String::as_str) {
        None | Some("auto") | Some("typing") => Feedback::Auto,
        Some("on") => Feedback::On,
        Some("off") => Feedback::Off,
        Some(other) => panic!("FEEDBACK is auto, on, off or typing, not {other}"),
    };
    let mode = rest
        .get(2)
        .map(|m| Mode::from_str(m, true).expect("MODE is lexical, semantic or hybrid"));
    let (corpus, index_dir) = (PathBuf::from(corpus), PathBuf::from(index_dir));
    let searchable = Searchable::open(&index_dir, &corpus).expect("open index");
    let queries = eval::read_queries(&PathBuf::from(queries)).expect("read queries");
    let opts = SearchOptions {
        limit: 10,
        plain: !typing,
        typing,
        forgiving: typing,
        feedback,
        mode,
        ..SearchOptions::default()
    };
    let expected: Vec<String> = queries
        .iter()
        .map(|q| {
            let ours = fingerprint(&search::search(&searchable, &q.text, &opts).expect("search"));
            let cli = cli_fingerprint(&corpus, &index_dir, &q.text, feedback, typing, mode);
            assert_eq!(ours, cli, "in-process and CLI hits differ for {:?}", q.text);
            ours
        })
        .collect();
    let mut times = Vec::with_capacity(queries.len() * rounds);
    for round in 0..=rounds {
        for (q, expected) in queries.iter().zip(&expected) {
            let start = Instant::now();
            let results = search::search(&searchable, &q.text, &opts).expect("search");
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(&fingerprint(&results), expected, "{:?} changed", q.text);
            if round > 0 {
                times.push(elapsed);
            }
        }
    }
    common::print_latency(queries.len(), rounds, times);
}

/// What must agree between runs: the total and each hit's rank, id, score and snippet.
fn fingerprint(results: &Results) -> String {
    let value = serde_json::to_value(results).expect("results serialize");
    fingerprint_json(&value)
}

fn fingerprint_json(value: &serde_json::Value) -> String {
    let hits: Vec<String> = value["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| format!("{} {} {} {}", h["rank"], h["id"], h["score"], h["snippet"]))
        .collect();
    format!(
        "{} hits of {}: {}",
        hits.len(),
        value["total_hits"],
        hits.join(" | ")
    )
}

/// The same fingerprint from the `medsearch` binary.
fn cli_fingerprint(
    corpus: &Path,
    index_dir: &Path,
    query: &str,
    feedback: Feedback,
    typing: bool,
    mode: Option<Mode>,
) -> String {
    let feedback = match feedback {
        Feedback::Auto => "auto",
        Feedback::On => "on",
        Feedback::Off => "off",
    };
    let reading: &[&str] = if typing {
        &["--typing", "--forgiving"]
    } else {
        &["--plain"]
    };
    let out = Command::new(env!("CARGO_BIN_EXE_medsearch"))
        .arg("search")
        .args(reading)
        .args(mode.map(|m| format!("--mode={}", m.as_str())))
        .args(["--json", "--limit", "10", "--feedback", feedback])
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index_dir)
        .arg("--")
        .arg(query)
        .output()
        .expect("run medsearch");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "medsearch search {query:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("CLI JSON");
    fingerprint_json(&value)
}
