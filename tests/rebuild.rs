//! Rebuilding after content updates: incremental, atomic, never losing the index.

use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use medsearch::index::{Difference, Searchable};
use medsearch::search::{self, SearchOptions};

use crate::util::{Env, MATERIAL};

const DOC: &str = "liver-directed-therapy-for-neuroendocrine-cancer";

fn page(title: &str, word: &str) -> String {
    format!(
        "{title}\n\nIntro about {word} care.\n\nWhat to know\n\nThe {word} section has details.\n"
    )
}

/// The generation folder currently live.
pub fn live_generation(env: &Env) -> String {
    std::fs::read_to_string(env.path("index/CURRENT")).unwrap()
}

pub fn generations(env: &Env) -> usize {
    std::fs::read_dir(env.path("index"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("gen-")
        })
        .count()
}

/// Sends `signal` (`STOP`, `CONT`, `INT`, `KILL`) to process `pid`.
pub fn signal(pid: u32, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// Stops process `pid` (SIGSTOP) and waits until it is stopped, so that what it has written
/// can be looked at while it cannot write more.
pub fn freeze(pid: u32) {
    signal(pid, "STOP");
    let stat = format!("/proc/{pid}/stat");
    let deadline = Instant::now() + Duration::from_secs(10);
    // The state is the field after the command name (in parentheses): `T` when stopped.
    while !std::fs::read_to_string(&stat)
        .unwrap()
        .rsplit_once(") ")
        .is_some_and(|(_, rest)| rest.starts_with('T'))
    {
        assert!(Instant::now() < deadline, "process {pid} did not stop");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Where a run of `medsearch index` (process `pid`) stands, as its index folder shows it:
/// `live` is the generation that was live when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// It has no generation folder yet.
    NotStarted,
    /// Its generation folder exists without the manifest written last before publishing
    /// (`medsearch.json`): it is still writing, and has not passed its last check for Ctrl-C.
    Writing,
    /// Its generation is complete but not yet live.
    Written,
    /// Its generation is live.
    Published,
}

/// The generation folder that the `medsearch index` run `pid` writes, if it has one yet.
fn generation_of(env: &Env, pid: u32) -> Option<std::path::PathBuf> {
    std::fs::read_dir(env.path("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with(&format!("-{pid}"))
        })
}

pub fn stage(env: &Env, pid: u32, live: &str) -> Stage {
    if live_generation(env) != live {
        return Stage::Published;
    }
    match generation_of(env, pid) {
        None => Stage::NotStarted,
        Some(dir) if dir.join("medsearch.json").exists() => Stage::Written,
        Some(_) => Stage::Writing,
    }
}

/// Waits until `done` holds (polling every millisecond), for at most 30 s.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn add_change_delete_rename_and_no_change() {
    let env = Env::material();
    assert_eq!(env.run(&["index"]).counts(), [1, 0, 0, 0]);

    env.write("guides/hydration.txt", page("Hydration", "hydration"));
    assert_eq!(env.run(&["index"]).counts(), [1, 0, 0, 1]);
    assert_eq!(
        env.search("hydration", &[]).hits[0].id,
        "guides/hydration#hydration"
    );

    // Change a word: the old word no longer finds the page, the new one does.
    env.write("guides/hydration.txt", page("Hydration", "fluids"));
    assert_eq!(env.run(&["index"]).counts(), [0, 1, 0, 1]);
    assert_eq!(
        env.search("hydration", &[])
            .hits
            .iter()
            .filter(|h| h.snippet.contains("hydration"))
            .count(),
        0
    );
    assert_eq!(env.search("fluids", &[]).hits.len(), 2);

    // No change: nothing is re-indexed and no generation is written.
    let before = live_generation(&env);
    assert_eq!(env.run(&["index"]).counts(), [0, 0, 0, 2]);
    assert_eq!(live_generation(&env), before);

    // Rename: a removal plus an addition; the old id is gone.
    std::fs::rename(
        env.path("corpus/guides/hydration.txt"),
        env.path("corpus/drinking.txt"),
    )
    .unwrap();
    assert_eq!(env.run(&["index"]).counts(), [1, 0, 1, 1]);
    assert_eq!(env.search("doc:guides/hydration", &[]).total_hits, 0);
    assert_eq!(env.search("fluids", &[]).hits[0].doc, "drinking");

    // Delete: none of its records remain.
    std::fs::remove_file(env.path("corpus/drinking.txt")).unwrap();
    assert_eq!(env.run(&["index"]).counts(), [0, 0, 1, 1]);
    assert_eq!(env.search("doc:drinking", &[]).total_hits, 0);
    assert_eq!(env.search("fluids", &[]).total_hits, 0);
    assert_eq!(env.search(&format!("doc:{DOC}"), &[]).total_hits, 20);
    assert_eq!(generations(&env), 1);
}

#[test]
fn a_touched_file_is_hashed_not_reindexed() {
    let env = Env::material();
    env.run(&["index"]);
    let path = env.path("corpus").join(MATERIAL);
    // The same bytes, another modification time.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(modified + Duration::from_secs(1))
        .unwrap();
    drop(file);
    let status = env.run(&["status"]);
    assert_eq!(status.code, 1, "stale until re-indexed: {status:?}");
    let before = live_generation(&env);
    assert_eq!(env.run(&["index"]).counts(), [0, 0, 0, 1]);
    assert_eq!(live_generation(&env), before);
    assert_eq!(env.run(&["status"]).code, 0);
}

#[test]
fn full_rebuild_and_its_report() {
    let env = Env::material();
    env.run(&["index"]);
    let full = env.run(&["index", "--full"]);
    assert!(
        full.stdout.starts_with(
            "rebuilt in full (--full): added 1, changed 0, removed 0, unchanged 0 files; \
             1 document, 8 sections, 11 references, 1 reviewer in the index; took "
        ),
        "{}",
        full.stdout
    );
    assert_eq!(generations(&env), 1);
    assert_eq!(
        env.search("embolic", &[]).hits[0].anchor,
        "hepatic-arterial-embolization"
    );
}

#[test]
fn an_index_from_another_version_is_rebuilt_in_full() {
    let env = Env::material();
    env.run(&["index"]);
    let make_outdated = || {
        let summary = env
            .path("index")
            .join(live_generation(&env))
            .join("medsearch.json");
        let text = std::fs::read_to_string(&summary).unwrap();
        let older = text.replacen(
            "\"fingerprint\": \"format ",
            "\"fingerprint\": \"format 0",
            1,
        );
        assert_ne!(older, text);
        std::fs::write(&summary, older).unwrap();
    };
    make_outdated();
    let run = env.run(&["index"]);
    assert!(
        run.stdout
            .starts_with("rebuilt in full (index made by format 0"),
        "{}",
        run.stdout
    );
    assert_eq!(env.run(&["search", "embolic"]).code, 0);
    // `search` rebuilds an outdated index by itself and says so.
    make_outdated();
    let search = env.run(&["search", "embolic"]);
    assert_eq!(search.code, 0, "{search:?}");
    let first = search.stderr.lines().next().unwrap();
    assert!(
        first.starts_with("medsearch: the index at 'index' was made by format 0"),
        "{first}"
    );
    assert!(first.ends_with("; building it from 'corpus'"), "{first}");
    // Without a corpus to rebuild from, it is an error that names the fix.
    make_outdated();
    let missing = env.run(&["search", "--corpus", "nowhere", "embolic"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("run `medsearch index --corpus nowhere` to rebuild it"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_broken_version_keeps_the_previous_records() {
    let env = Env::material();
    env.write("diet.txt", page("Diet", "protein"));
    env.run(&["index"]);
    env.write("diet.txt", b"Diet\n\nNow \xff broken\n");
    let run = env.run(&["index"]);
    assert_eq!(run.counts(), [0, 0, 0, 1]);
    assert!(
        run.stdout
            .ends_with("; kept the previous version of 1 file that could not be read\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stderr,
        "medsearch: warning: skipping corpus/diet.txt: not valid UTF-8 (line 3, byte 10)\n"
    );
    assert_eq!(env.search("protein", &[]).hits[0].doc, "diet");
    let status = env.run(&["status"]);
    assert_eq!(status.code, 1);
    assert!(
        status.stdout.contains("  changed  diet.txt\n"),
        "{}",
        status.stdout
    );
    // Fixed: indexed again as a change.
    env.write("diet.txt", page("Diet", "fibre"));
    assert_eq!(env.run(&["index"]).counts(), [0, 1, 0, 1]);
    assert_eq!(env.search("protein", &[]).total_hits, 0);
}

#[test]
fn a_file_never_readable_is_skipped_every_run_without_staleness() {
    let env = Env::material();
    env.write("bad.txt", b"\xff\xfe");
    let first = env.run(&["index"]);
    assert!(first.stderr.contains("skipping corpus/bad.txt"));
    let second = env.run(&["index"]);
    assert_eq!(second.counts(), [0, 0, 0, 1]);
    assert!(second.stderr.contains("skipping corpus/bad.txt"));
    assert_eq!(env.run(&["status"]).code, 0);
    assert_eq!(env.run(&["search", "embolic"]).stderr, "");
}

#[test]
fn an_index_kept_inside_its_corpus_is_not_indexed() {
    let env = Env::empty();
    env.write("a.txt", page("Alpha", "liver"));
    let args = ["--index", "corpus/search-index"];
    let run = |cmd: &str| {
        let mut all = vec![cmd];
        all.extend(args);
        env.run(&all)
    };
    assert_eq!(run("index").counts(), [1, 0, 0, 0]);
    // The index's own files (its word list is a .txt file) are neither new documents nor
    // changes that make the index stale.
    assert_eq!(run("index").counts(), [0, 0, 0, 1]);
    let status = run("status");
    assert_eq!(status.code, 0, "{status:?}");
    let search = env.run(&["search", "liver", "--index", "corpus/search-index"]);
    assert_eq!(search.code, 0, "{search:?}");
    assert_eq!(search.stderr, "");
}

#[test]
fn status_text_and_json() {
    let env = Env::material();
    env.run(&["status"])
        .assert_error("no index at 'index' (run `medsearch index` to build it)");
    env.run(&["index"]);
    let text = env.run(&["status"]);
    assert_eq!(text.code, 0);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert!(
        lines[0].starts_with("index      index (gen-"),
        "{}",
        text.stdout
    );
    assert!(lines[1].starts_with("built      20") && lines[1].contains("by format "));
    assert_eq!(lines[2], "documents  1 from 1 file");
    assert_eq!(lines[3], "records    8 sections, 11 references, 1 reviewer");
    assert!(lines[4].starts_with("on disk    ") && lines[4].ends_with(" KiB"));
    assert_eq!(lines[5], "corpus     corpus: up to date");
    env.write("new.txt", page("New", "sleep"));
    let json = env.run(&["status", "--json"]);
    assert_eq!(json.code, 1);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["stale"], true);
    assert_eq!(
        value["differences"],
        serde_json::json!([{"path": "new.txt", "change": "added"}])
    );
    assert_eq!(value["sections"], 8);
    assert!(value["size_bytes"].as_u64().unwrap() > 1000);
}

#[test]
fn searches_during_rebuilds_see_a_whole_index() {
    let env = Env::empty();
    const N: usize = 60;
    env.write_pages(N, "alpha");
    env.run(&["index"]);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for round in 0..16 {
                let word = if round % 2 == 0 { "beta" } else { "alpha" };
                env.write_pages(N, word);
                let mode = if round % 3 == 0 {
                    "--full"
                } else {
                    "--corpus=corpus"
                };
                assert_eq!(env.run(&["index", mode]).code, 0);
            }
            done.store(true, Ordering::SeqCst);
        });
        let mut searches = 0;
        while !done.load(Ordering::SeqCst) || searches < 5 {
            let run = env.run(&["search", "--json", "--limit", "500", "alpha OR beta"]);
            assert_eq!(run.code, 0, "a search failed during a rebuild: {run:?}");
            let results = run.json();
            // Every page, each record from one version: 2 records per page.
            assert_eq!(results.total_hits, 2 * N);
            let alpha = results
                .hits
                .iter()
                .filter(|h| h.snippet.contains("alpha"))
                .count();
            assert!(
                alpha == 0 || alpha == 2 * N,
                "a mix of versions: {alpha} alpha of {}",
                2 * N
            );
            searches += 1;
        }
    });
}

#[test]
fn a_search_opened_before_a_rebuild_keeps_its_whole_snapshot() {
    let env = Env::material();
    assert_eq!(env.run(&["index"]).code, 0);
    let (index, corpus) = (env.path("index"), env.path("corpus"));
    let searchable = Searchable::open(&index, &corpus).unwrap();
    let old = index.join(live_generation(&env));

    // A rebuild replaces the generation and removes the old one while the search holds it.
    env.write("zebrafish.txt", page("Zebrafish", "zebrafish"));
    assert_eq!(env.run(&["index", "--full"]).code, 0);
    assert!(!old.exists(), "the old generation is still there");

    // Only now does the search read what it reads lazily, all from its own generation.
    let opts = SearchOptions {
        limit: 5,
        ..SearchOptions::default()
    };
    let typo = search::search(&searchable, "radiofrequncy", &opts).unwrap();
    assert_eq!(typo.corrected_query.as_deref(), Some("radiofrequency"));
    assert_eq!(typo.hits[0].record.anchor, "radiofrequency-ablation-rfa");
    let definitions = searchable.definitions().unwrap();
    assert!(
        definitions
            .iter()
            .any(|d| d.short == "TACE" && d.long == "transarterial chemoembolization"),
        "{definitions:?}"
    );
    let tace = search::search(&searchable, "TACE", &opts).unwrap();
    assert!(!tace.hits.is_empty());
    // The snapshot predates the new page: it is stale for it, and does not find it.
    assert_eq!(
        searchable.stale_files().unwrap(),
        [("zebrafish.txt".to_string(), Difference::Added)]
    );
    assert!(
        search::search(&searchable, "zebrafish", &opts)
            .unwrap()
            .hits
            .is_empty()
    );
    assert!(searchable.size_bytes().unwrap() > 10_000);
    // A search opened now sees the new generation.
    let fresh = Searchable::open(&index, &corpus).unwrap();
    assert_eq!(
        search::search(&fresh, "zebrafish", &opts).unwrap().hits[0]
            .record
            .doc,
        "zebrafish"
    );
    assert!(fresh.stale_files().unwrap().is_empty());
}

#[test]
fn a_killed_rebuild_leaves_a_searchable_index_and_the_next_run_repairs_it() {
    let env = Env::empty();
    const N: usize = 3000;
    env.write_pages(N, "alpha");
    env.run(&["index"]);
    env.write_pages(N, "beta");
    let live = live_generation(&env);
    // Each run is killed at a point it is seen to reach (frozen there first, so that where it
    // stood is read before it can move on): at once, once its generation folder exists, once
    // that folder holds segment files (the commit), once it holds ten files.
    let files = |n: usize, pid: u32| {
        generation_of(&env, pid)
            .and_then(|dir| std::fs::read_dir(dir).ok())
            .is_some_and(|entries| entries.count() >= n)
    };
    let mut stages = Vec::new();
    for point in [None, Some(0), Some(1), Some(10)] {
        let mut child = env.spawn(&["index", "--full"]);
        let pid = child.id();
        if let Some(n) = point {
            wait_until("the run reaches the point", || {
                files(n, pid) || child.try_wait().unwrap().is_some()
            });
        }
        freeze(pid);
        stages.push(stage(&env, pid, &live));
        signal(pid, "KILL");
        child.wait().unwrap();
        let run = env.run(&[
            "search",
            "--json",
            "--count",
            "--limit",
            "1",
            "alpha OR beta",
        ]);
        assert_eq!(run.code, 0, "after a kill at {point:?} files: {run:?}");
        assert_eq!(run.json().total_hits, 2 * N, "after a kill at {stages:?}");
        assert_eq!(live_generation(&env), live, "a killed run published");
    }
    let mid_write = stages.iter().filter(|s| **s == Stage::Writing).count();
    assert!(mid_write >= 2, "no kill landed while writing: {stages:?}");
    let repaired = env.run(&["index"]);
    assert_eq!(repaired.code, 0, "{repaired:?}");
    assert_eq!(
        env.search("beta", &["--count", "--limit", "1"]).total_hits,
        2 * N
    );
    assert_eq!(env.search("alpha", &["--limit", "1"]).total_hits, 0);
    assert_eq!(generations(&env), 1);
}

#[test]
fn two_index_runs_at_once_take_turns() {
    let env = Env::empty();
    env.write_pages(800, "alpha");
    env.run(&["index"]);
    env.write_pages(800, "beta");
    // Another writer (this test) holds the index's lock: both runs must wait for it, say so,
    // and write nothing meanwhile; once it is free they run one after the other.
    let lock = std::fs::File::create(env.path("index/.lock")).unwrap();
    lock.lock().unwrap();
    let live = live_generation(&env);
    let mut runs = [
        env.spawn(&["index", "--full"]),
        env.spawn(&["index", "--full"]),
    ];
    let waiting = "medsearch: waiting for another `medsearch index` to finish";
    let mut stderrs = Vec::new();
    for run in &mut runs {
        let mut lines = BufReader::new(run.stderr.take().unwrap()).lines();
        let first = lines
            .next()
            .expect("a line: the run waits for the lock")
            .unwrap();
        assert!(first.starts_with(waiting), "{first}");
        stderrs.push(lines);
    }
    for run in &runs {
        assert_eq!(stage(&env, run.id(), &live), Stage::NotStarted);
    }
    assert_eq!(generations(&env), 1);
    drop(lock);
    for (run, rest) in runs.into_iter().zip(stderrs) {
        let out = run.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let rest: Vec<String> = rest.map(Result::unwrap).collect();
        assert!(rest.iter().all(|l| l.starts_with(waiting)), "{rest:?}");
    }
    let beta = env.search("beta", &["--count", "--limit", "1"]);
    assert_eq!((beta.total_hits, beta.total_hits_exact), (1600, true));
    assert_ne!(live_generation(&env), live);
    assert_eq!(generations(&env), 1);
}

#[test]
fn watch_reindexes_on_change_and_stops_on_ctrl_c() {
    let env = Env::material();
    let mut child = env.spawn(&["index", "--watch"]);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let out_tx = tx.clone();
    std::thread::spawn(move || {
        stdout
            .lines()
            .map_while(Result::ok)
            .for_each(|l| drop(out_tx.send(l)))
    });
    std::thread::spawn(move || {
        stderr
            .lines()
            .map_while(Result::ok)
            .for_each(|l| drop(tx.send(l)))
    });
    let wait_for = |needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    };
    wait_for("watching corpus for changes");
    env.write("sleep.txt", page("Sleep", "insomnia"));
    // (stdout and stderr arrive through two threads, so the first update's line may come after
    // "watching": wait for the line of this change itself.)
    let line = wait_for("added 1, changed 0, removed 0, unchanged 1 files;");
    assert!(line.starts_with("added 1, changed 0"), "{line}");
    assert_eq!(env.search("insomnia", &[]).hits[0].doc, "sleep");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    wait_for("stopped watching");
    assert!(child.wait().unwrap().success());
}
