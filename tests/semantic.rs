//! The semantic stage through the binary: bad model folders, modes on an index without
//! vectors, and (with the real model: `python3 scripts/fetch_model.py`, or `MEDSEARCH_MODEL`)
//! indexing with vectors, re-indexing an edit, hybrid search, the lay-language gate and the
//! classic collections' hybrid gate.
//! Without the model the model tests say they skipped, visibly, and pass, unless
//! `MEDSEARCH_MODEL_TESTS=require` (CI), where they fail.

use std::path::PathBuf;

use crate::util::{Env, fixture, repo};

/// The real model's folder, or `None` (after saying so) when it is not there.
fn model() -> Option<PathBuf> {
    let dir = std::env::var_os("MEDSEARCH_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/model/all-MiniLM-L6-v2"));
    if dir.join("model.safetensors").is_file() {
        return Some(dir);
    }
    let required = std::env::var("MEDSEARCH_MODEL_TESTS").is_ok_and(|v| v == "require");
    assert!(
        !required,
        "MEDSEARCH_MODEL_TESTS=require and no model at {}: python3 scripts/fetch_model.py",
        dir.display()
    );
    eprintln!(
        "SKIPPED: no sentence model at {} (python3 scripts/fetch_model.py fetches it)",
        dir.display()
    );
    None
}

#[test]
fn a_missing_model_folder_is_one_line_and_the_lexical_index_stays() {
    let env = Env::material();
    let run = env.run(&["index", "--model", "no-such-model"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr.trim(),
        "medsearch: error: no-such-model: no such model folder"
    );
    // The lexical index was built and published before the model was needed.
    let results = env.search("embolic agent", &[]);
    assert_eq!(results.mode, "lexical");
    assert!(!results.hits.is_empty());
}

#[test]
fn semantic_modes_need_vectors_and_say_so() {
    let env = Env::material();
    env.run(&["index"]);
    let run = env.run(&["search", "--mode", "hybrid", "liver"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("holds no vectors to search in hybrid mode: index it with a model"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
}

#[test]
fn with_the_model_an_index_searches_in_hybrid_and_an_edit_embeds_only_what_changed() {
    let Some(model) = model() else { return };
    let model = model.to_str().unwrap();
    let env = Env::material();
    let run = env.run(&["index", "--model", model]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("vectors: 20 embedded, 0 kept"),
        "{}",
        run.stdout
    );
    let results = env.search("embolic agent", &[]);
    assert_eq!(results.mode, "hybrid");
    assert_eq!(
        results.hits[0].anchor, "hepatic-arterial-embolization",
        "{results:?}"
    );
    // The page's words, reworded: only the semantic side can find it.
    let semantic = env.search(
        "a blocked blood supply to starve the growth",
        &["--mode", "semantic"],
    );
    assert_eq!(semantic.mode, "semantic");
    assert!(!semantic.hits.is_empty());
    // Query syntax is searched by words, and says so.
    let syntax = env.search("\"embolic agent\"", &[]);
    assert_eq!(syntax.mode, "lexical");
    assert!(
        syntax
            .mode_note
            .unwrap()
            .contains("hybrid mode takes plain words")
    );
    // An edit of one section: one text embedded, the others kept.
    let page = env.path("corpus/liver-directed-therapy-for-neuroendocrine-cancer.txt");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replacen("special substance", "special material", 1),
    )
    .unwrap();
    let run = env.run(&["index"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("vectors: 1 embedded, 19 kept"),
        "{}",
        run.stdout
    );
    // status names the model and counts the records with vectors.
    let status = env.run(&["status"]);
    assert!(
        status
            .stdout
            .contains("vectors    20 of 20 records, all-MiniLM-L6-v2"),
        "{}",
        status.stdout
    );
}

/// Queries in patients' own words for pages in clinical words, judged by hand before any
/// search was run: the hybrid mode must find what the words alone miss. Two suites: `lay`
/// (2 pages, 12 queries) and `lay-pages` (4 pages, 24 queries, written and judged by a second
/// author who did not see the first). Gates: (suite, hybrid nDCG@10), measured on 2026-12-05
/// (lay: lexical 0.3829, semantic 0.9385, hybrid 0.8077; lay-pages: 0.3517, 0.7408, 0.6518),
/// set a little below for the float differences of another build's arithmetic; on 2026-12-06,
/// with feedback both ways (src/semantic/fuse.rs), hybrid 0.8077 and 0.6552.
const LAY_GATES: [(&str, f64); 2] = [("lay", 0.80), ("lay-pages", 0.645)];

#[test]
fn lay_language_queries_find_their_sections_in_hybrid_mode() {
    let Some(model) = model() else { return };
    for (suite, gate) in LAY_GATES {
        let env = Env::empty();
        for entry in std::fs::read_dir(fixture(suite)).unwrap() {
            let path = entry.unwrap().path();
            env.copy(&path, path.file_name().unwrap().to_str().unwrap());
        }
        let run = env.run(&["index", "--model", model.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{run:?}");
        let dir = repo().join("tests/eval");
        let queries = dir.join(format!("{suite}.tsv"));
        let qrels = dir.join(format!("{suite}.qrels"));
        let ndcg = |mode| metrics(&env, mode, &queries, &qrels, "--strict")["ndcg"].as_f64();
        let (lexical, hybrid) = (ndcg("lexical").unwrap(), ndcg("hybrid").unwrap());
        assert!(
            hybrid >= gate,
            "{suite}: hybrid nDCG@10 {hybrid:.4} < {gate}"
        );
        assert!(
            hybrid > lexical + 0.1,
            "{suite}: hybrid {hybrid:.4} vs lexical {lexical:.4}"
        );
    }
}

/// `eval --json --mode MODE` of `queries` against `qrels`, with `option`: the metrics.
fn metrics(
    env: &Env,
    mode: &str,
    queries: &std::path::Path,
    qrels: &std::path::Path,
    option: &str,
) -> serde_json::Value {
    let run = env.run(&[
        "eval",
        "--json",
        option,
        "--mode",
        mode,
        "--queries",
        queries.to_str().unwrap(),
        "--qrels",
        qrels.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    report["metrics"].clone()
}

/// The classic collections (`tests/data/beir`) in hybrid mode, with the one fusion
/// configuration of `src/semantic/fuse.rs`: (collection, nDCG@10, MAP, MRR@10) measured on
/// 2026-12-06 (`scripts/beir_quality.py --mode hybrid`), each at or above the target
/// (0.81, 0.44, 0.46) and MAP and MRR@10 above lexical mode's (tests/eval.rs, `RECORDED`).
/// The gate allows 0.001 below for the float differences of another build's arithmetic.
const HYBRID_RECORDED: [(&str, f64, f64, f64); 3] = [
    ("med", 0.8150, 0.7427, 0.9833),
    ("cranfield", 0.4437, 0.3834, 0.5686),
    ("cisi", 0.4615, 0.2813, 0.6701),
];

#[test]
fn classic_collections_keep_their_recorded_hybrid_quality() {
    let Some(model) = model() else { return };
    for (name, ndcg, map, mrr) in HYBRID_RECORDED {
        let dir = repo().join("tests/data/beir").join(name);
        let env = Env::empty();
        env.copy(&dir.join("corpus.jsonl"), "corpus.jsonl");
        let run = env.run(&["index", "--model", model.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{run:?}");
        let (queries, qrels) = (dir.join("queries.jsonl"), dir.join("qrels/test.tsv"));
        let report = metrics(&env, "hybrid", &queries, &qrels, "--plain");
        for (what, key, recorded) in [
            ("nDCG@10", "ndcg", ndcg),
            ("MAP", "map", map),
            ("MRR@10", "mrr", mrr),
        ] {
            let value = report[key].as_f64().unwrap();
            assert!(
                value >= recorded - 1e-3,
                "{name} hybrid {what}: {value:.4} fell below the recorded {recorded:.4}"
            );
        }
    }
}
