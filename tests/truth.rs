//! Every command tells the truth: filters, damaged indexes, the commands medsearch suggests,
//! wrong locations, argument errors, and the small print (one regression test per defect found
//! by trying medsearch as a new user).

use std::process::Command;

use crate::util::{Env, MATERIAL, repo};

#[test]
fn filters_in_a_query_restrict_its_words_as_the_kind_option_does() {
    let env = Env::material_and_pages();
    let inline = env.search("kind:reference NCCN", &["--limit", "100"]);
    let option = env.search("NCCN", &["--kind", "reference", "--limit", "100"]);
    assert_eq!(inline.anchors(), option.anchors());
    assert_eq!(inline.total_hits, option.total_hits);
    assert!(!inline.hits.is_empty());
    for hit in &inline.hits {
        assert_eq!(hit.kind, "reference");
        assert!(hit.score > 0.0 && !hit.highlights.is_empty(), "{hit:?}");
    }
    // No reviewer mentions embolization.
    let run = env.run(&["search", "kind:reviewer embolization"]);
    assert_eq!(run.code, 1, "{run:?}");
    // doc: keeps the records of that document that match the words, and only those.
    let doc = env.search("doc:radiation-therapy beam", &["--limit", "100"]);
    assert!(!doc.hits.is_empty());
    for hit in &doc.hits {
        assert_eq!(hit.doc, "radiation-therapy");
        let matched = !hit.highlights.is_empty() || hit.heading.to_lowercase().contains("beam");
        assert!(hit.score > 0.0 && matched, "{hit:?}");
    }
    assert!(doc.total_hits < env.search("doc:radiation-therapy", &[]).total_hits);
    // A filter applies to its group: references about NCCN, or anything about catheters.
    let group = env.search("(kind:reference NCCN) OR catheter", &["--limit", "100"]);
    assert!(
        group
            .hits
            .iter()
            .all(|h| h.kind != "reference" || h.snippet.contains("NCCN"))
    );
    assert!(group.hits.iter().any(|h| h.kind == "section"));
    // Filters alone list every record they keep, in document and line order.
    let reviewers = env.search("kind:reviewer", &["--limit", "100"]);
    assert_eq!(reviewers.total_hits, 3);
    let order: Vec<(&str, u64)> = reviewers
        .hits
        .iter()
        .map(|h| (h.doc.as_str(), h.line))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let doc_only = env.search("doc:radiation-therapy", &["--limit", "100"]);
    assert_eq!(doc_only.total_hits, 10);
}

/// Cuts every segment file of the live generation of `index` with this extension to 5 bytes.
fn truncate_segment_files(env: &Env, index: &str, extension: &str) {
    let current = std::fs::read_to_string(env.path(index).join("CURRENT")).unwrap();
    let generation = env.path(index).join(current.trim());
    let mut cut = 0;
    for entry in std::fs::read_dir(&generation).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(extension) {
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.set_len(5).unwrap();
            cut += 1;
        }
    }
    assert!(cut > 0, "no {extension} file");
}

#[test]
fn an_incremental_index_verifies_what_it_builds_on_and_status_reports_damage() {
    let env = Env::material();
    assert_eq!(env.run(&["index"]).code, 0);
    truncate_segment_files(&env, "index", ".store");
    let status = env.run(&["status"]);
    assert_eq!(status.code, 2, "{status:?}");
    assert!(
        status
            .stderr
            .starts_with("medsearch: error: index at 'index' is unreadable: "),
        "{status:?}"
    );
    let index = env.run(&["index"]);
    assert_eq!(index.code, 0, "{index:?}");
    assert!(
        index
            .stdout
            .starts_with("rebuilt in full (unreadable index ("),
        "{index:?}"
    );
    assert_eq!(env.run(&["status"]).code, 0);
    assert_eq!(
        env.search("embolic", &[]).hits[0].doc,
        MATERIAL.trim_end_matches(".txt")
    );

    // Damage inside a file (its length unchanged) shows in its checksum: status finds it.
    let current = std::fs::read_to_string(env.path("index/CURRENT")).unwrap();
    let generation = env.path("index").join(current.trim());
    let store = std::fs::read_dir(&generation)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".store"))
        .unwrap();
    let mut bytes = std::fs::read(&store).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&store, bytes).unwrap();
    let status = env.run(&["status"]);
    assert_eq!(status.code, 2, "{status:?}");
    assert!(status.stderr.contains("is unreadable"), "{status:?}");
    assert!(status.stderr.contains("checksum"), "{status:?}");
}

/// Runs the command between the first pair of backticks of `message` in the working folder
/// of `env`, as a user pasting it into a shell would.
fn paste(env: &Env, message: &str) -> crate::util::Run {
    let command = message
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command in {message:?}"));
    let script = command
        .strip_prefix("medsearch ")
        .unwrap_or_else(|| panic!("{command:?} is not a medsearch command"));
    let binary = env!("CARGO_BIN_EXE_medsearch");
    let out = env
        .shell(&format!("'{binary}' {script}"))
        .output()
        .expect("run the pasted command");
    crate::util::Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn suggested_commands_do_the_right_thing_when_pasted() {
    let env = Env::material();
    std::fs::rename(env.path("corpus"), env.path("my pages")).unwrap();
    let locations = ["--corpus", "my pages", "--index", "other index"];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(&locations)
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: &[&str]| {
        let args = with(args);
        env.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // No index yet.
    let missing = run(&["status"]);
    missing.assert_error(
        "no index at 'other index' (run `medsearch index --corpus 'my pages' --index 'other \
         index'` to build it)",
    );
    assert_eq!(paste(&env, &missing.stderr).code, 0);
    assert_eq!(run(&["status"]).code, 0);

    // Stale.
    std::fs::write(
        env.path("my pages/sleep.txt"),
        "Sleep\n\nRest helps with insomnia.\n",
    )
    .unwrap();
    let stale = run(&["status"]);
    assert_eq!(stale.code, 1);
    let line = stale
        .stdout
        .lines()
        .find(|l| l.contains("stale"))
        .unwrap()
        .to_string();
    assert!(
        line.ends_with("(run `medsearch index --corpus 'my pages' --index 'other index'`)"),
        "{line}"
    );
    let warning = run(&["search", "embolic"]);
    assert!(
        warning.stderr.contains(
            "run `medsearch index --corpus 'my pages' --index 'other index'` to refresh it"
        ),
        "{warning:?}"
    );
    assert_eq!(paste(&env, &line).code, 0);
    assert_eq!(run(&["search", "insomnia"]).code, 0);

    // Damaged.
    truncate_segment_files(&env, "other index", ".term");
    let damaged = run(&["search", "insomnia"]);
    assert_eq!(damaged.code, 2);
    assert!(
        damaged.stderr.ends_with(
            "(run `medsearch index --full --corpus 'my pages' --index 'other index'` to rebuild \
             it)\n"
        ),
        "{damaged:?}"
    );
    let rebuilt = paste(&env, &damaged.stderr);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    assert_eq!(run(&["search", "insomnia"]).code, 0);

    // At the default locations the command needs no options.
    let plain = Env::material();
    plain
        .run(&["status"])
        .assert_error("no index at 'index' (run `medsearch index` to build it)");
}

#[test]
fn a_file_where_a_folder_belongs_is_named_as_such_by_every_command() {
    let env = Env::material();
    env.write("../notes.txt", "not a folder");
    let corpus = "corpus folder 'notes.txt' is a file, not a folder (give --corpus a folder)";
    let index = "index folder 'notes.txt' is a file, not a folder (give --index a folder)";
    for (args, message) in [
        (vec!["search", "--corpus", "notes.txt", "cancer"], corpus),
        (vec!["index", "--corpus", "notes.txt"], corpus),
        (vec!["status", "--corpus", "notes.txt"], corpus),
        (vec!["abbreviations", "--corpus", "notes.txt"], corpus),
        (vec!["search", "--index", "notes.txt", "cancer"], index),
        (vec!["index", "--index", "notes.txt"], index),
        (vec!["status", "--index", "notes.txt"], index),
    ] {
        env.run(&args).assert_error(message);
    }
    assert_eq!(
        std::fs::read_to_string(env.path("notes.txt")).unwrap(),
        "not a folder"
    );
}

#[test]
fn argument_errors_are_one_line_with_a_hint_and_every_command_knows_its_version() {
    let env = Env::material();
    env.run(&["search", "--frobnicate", "x"]).assert_error(
        "unexpected argument '--frobnicate' found; to pass '--frobnicate' as a value, use '-- \
         --frobnicate' (see `medsearch search --help`)",
    );
    env.run(&["search", "--limit", "0", "x"]).assert_error(
        "invalid value '0' for '--limit <LIMIT>': not a whole number from 1 to 10000 (see \
         `medsearch search --help`)",
    );
    env.run(&["search", "--kind", "chapter", "x"]).assert_error(
        "invalid value 'chapter' for '--kind <KIND>': not one of section, reference, reviewer, \
         all (see `medsearch search --help`)",
    );
    env.run(&["serach", "x"]).assert_error(
        "unrecognized subcommand 'serach'; some similar subcommands exist: 'serve', 'search' (see \
         `medsearch --help`)",
    );
    let version = format!("medsearch {}\n", env!("CARGO_PKG_VERSION"));
    for args in [
        vec!["--version"],
        vec!["search", "-V"],
        vec!["index", "--version"],
    ] {
        let run = env.run(&args);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, version.as_str()),
            "{args:?}"
        );
    }
    let help = env.run(&["search", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Usage: medsearch search"));
}

#[test]
fn the_small_print_is_true() {
    let env = Env::material();
    // eval: no negative zero; a depth below k is refused.
    std::fs::write(env.path("q.tsv"), "q1\tzzzzqx\n").unwrap();
    std::fs::write(env.path("r.txt"), "q1 0 nothing 1\n").unwrap();
    let eval = env.run(&["eval", "--queries", "q.tsv", "--qrels", "r.txt"]);
    assert_eq!(eval.code, 0, "{eval:?}");
    assert!(
        eval.stdout.contains("nDCG@10       0.0000"),
        "{}",
        eval.stdout
    );
    assert!(!eval.stdout.contains("-0.0"), "{}", eval.stdout);
    env.run(&[
        "eval",
        "--queries",
        "q.tsv",
        "--qrels",
        "r.txt",
        "--k",
        "10",
        "--depth",
        "5",
    ])
    .assert_error("--depth 5 is smaller than --k 10: the metrics at k need k results");

    // No hits: said in words.
    let none = env.run(&["search", "zzzzqx"]);
    assert_eq!(
        (none.code, none.stdout.as_str()),
        (1, "no matching records\n")
    );

    // status: plurals and a size in the unit that fits.
    let status = env.run(&["status"]);
    assert!(
        status
            .stdout
            .contains("records    8 sections, 11 references, 1 reviewer\n"),
        "{}",
        status.stdout
    );
    let size = status
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("on disk    "))
        .unwrap();
    assert!(size.ends_with(" KiB") && !size.starts_with("0.0"), "{size}");

    // An empty section prints no blank snippet line.
    env.write(
        "empty.md",
        "# Empty sections\n\n## Nothing under this heading\n\n## Next\n\nText.\n",
    );
    assert_eq!(env.run(&["index"]).code, 0);
    let empty = env.run(&["search", "heading:nothing"]);
    assert_eq!(empty.code, 0, "{empty:?}");
    assert!(
        !empty
            .stdout
            .lines()
            .any(|l| !l.is_empty() && l.trim().is_empty()),
        "{:?}",
        empty.stdout
    );

    // A bad JSONL line: the line is skipped, not the file, and the counts say files.
    env.write(
        "extra.jsonl",
        "{\"_id\": \"a\", \"text\": \"Alpha sleep.\"}\nnot json\n{\"_id\": \"b\", \"text\": \"Beta sleep.\"}\n",
    );
    let index = env.run(&["index"]);
    assert_eq!(index.code, 0, "{index:?}");
    assert!(
        index
            .stderr
            .starts_with("medsearch: warning: skipping line 2 of corpus/extra.jsonl: "),
        "{index:?}"
    );
    assert!(
        index
            .stdout
            .starts_with("added 1, changed 0, removed 0, unchanged 2 files; 4 documents, "),
        "{index:?}"
    );
}

#[test]
fn a_correction_that_finds_nothing_does_not_replace_the_query() {
    let env = Env::material();
    // "healthy" is a correct word the page lacks; "health" is close, but the phrase with it
    // finds nothing either: the query stays as typed.
    let run = env.run(&["search", "--json", "\"healthy eating\""]);
    assert_eq!(run.code, 1, "{run:?}");
    let results = run.json();
    assert_eq!(results.corrected_query, None);
    let text = env.run(&["search", "\"healthy eating\""]);
    assert_eq!(text.stdout, "no matching records\n");
    // A correction that finds something still applies.
    let typo = env.search("radiofrequncy", &[]);
    assert_eq!(typo.corrected_query.as_deref(), Some("radiofrequency"));
}

/// `python3 SCRIPT ARGS` in a fresh folder: (exit code, stderr, what the folder holds after).
fn script(name: &str, args: &[&str]) -> (i32, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(repo().join("scripts").join(name))
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("python3");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        left,
    )
}

#[test]
fn scripts_say_when_the_collections_are_missing_and_take_help() {
    for (name, args) in [
        ("gen_corpus.py", vec!["--pages", "3", "--out", "out"]),
        ("beir_quality.py", vec![]),
        ("bench.py", vec!["rebuild"]),
    ] {
        let mut args = args.clone();
        args.extend(["--benchmarks", "/nonexistent/benchmarks"]);
        let (code, stderr, left) = script(name, &args);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.contains("/nonexistent/benchmarks") && stderr.contains("README"),
            "{name}: {stderr}"
        );
        assert!(left.is_empty(), "{name} wrote {left:?}");
    }
    for name in [
        "gen_corpus.py",
        "beir_quality.py",
        "bench.py",
        "trec_reference.py",
    ] {
        let (code, stderr, left) = script(name, &["--help"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(left.is_empty(), "{name} --help wrote {left:?}");
    }
    // The default is the copy in the repository: a small corpus generates.
    let (code, stderr, left) = script("gen_corpus.py", &["--pages", "3", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(left, ["out"]);
}

#[test]
fn ctrl_c_during_an_index_run_leaves_the_index_as_it_was() {
    let env = Env::empty();
    const N: usize = 3000;
    env.write_pages(N, "alpha");
    assert_eq!(env.run(&["index"]).code, 0);
    let before = crate::rebuild::live_generation(&env);
    env.write_pages(N, "beta");
    let child = env.spawn(&["index", "--full"]);
    let pid = child.id();
    // Once the run has its new generation folder it is writing: freeze it there, see that it
    // has not written its manifest (after which it checks for Ctrl-C one last time before
    // publishing), press Ctrl-C, and let it go on.
    crate::rebuild::wait_until("a new generation folder", || {
        crate::rebuild::generations(&env) >= 2
    });
    crate::rebuild::freeze(pid);
    let stage = crate::rebuild::stage(&env, pid, &before);
    assert_eq!(stage, crate::rebuild::Stage::Writing);
    crate::rebuild::signal(pid, "INT");
    crate::rebuild::signal(pid, "CONT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "medsearch: interrupted: the index is unchanged\n"
    );
    assert_eq!(crate::rebuild::live_generation(&env), before);
    assert_eq!(
        crate::rebuild::generations(&env),
        1,
        "the unfinished generation is gone"
    );
    let alpha = env.search("alpha", &["--count", "--limit", "1"]);
    assert_eq!(alpha.total_hits, 2 * N);
}
