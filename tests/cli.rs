//! The binary, driven as a user would: searching, indexing, output and exit codes.

use crate::util::{Env, MATERIAL};

const DOC: &str = "liver-directed-therapy-for-neuroendocrine-cancer";

#[test]
fn embolic_agent_finds_the_embolization_section_with_the_phrase_highlighted() {
    let env = Env::material();
    let results = env.search("embolic agent", &[]);
    let first = &results.hits[0];
    assert_eq!(first.anchor, "hepatic-arterial-embolization");
    assert_eq!(first.id, format!("{DOC}#hepatic-arterial-embolization"));
    assert_eq!(first.path, format!("corpus/{MATERIAL}"));
    assert_eq!(first.line, 19);
    assert!(
        first.marked().contains(&"embolic agent"),
        "{:?}",
        first.marked()
    );
}

#[test]
fn headline_queries_rank_the_right_record_first() {
    let env = Env::material();
    assert_eq!(
        env.search("radiofrequency", &[]).hits[0].anchor,
        "radiofrequency-ablation-rfa"
    );
    assert_eq!(
        env.search("side effects", &[]).hits[0].anchor,
        "side-effects-of-liver-directed-therapy"
    );
    let nccn = env.search("NCCN", &[]);
    assert_eq!(nccn.hits[0].kind, "reference");
    assert!(nccn.hits.iter().all(|h| h.kind == "reference"));
    let reference = nccn.hits[0].reference.as_ref().expect("reference fields");
    assert_eq!(
        reference["organization"],
        "National Comprehensive Cancer Network"
    );
}

#[test]
fn quoted_phrase_returns_only_records_with_the_phrase() {
    let env = Env::material();
    let text = std::fs::read_to_string(env.path("corpus").join(MATERIAL)).unwrap();
    let doc =
        medsearch::parse::parse_document(MATERIAL, medsearch::parse::Format::Text, &text).unwrap();
    let with_phrase: Vec<&str> = doc
        .records
        .iter()
        .filter(|r| r.body.to_lowercase().contains("blood supply"))
        .map(|r| r.anchor.as_str())
        .collect();
    assert!(!with_phrase.is_empty());
    let results = env.search("\"blood supply\"", &[]);
    assert_eq!(results.anchors(), with_phrase);
    assert_eq!(results.total_hits, with_phrase.len());
    for hit in &results.hits {
        assert!(!hit.marked().is_empty(), "{hit:?}");
        assert!(
            hit.marked()
                .iter()
                .all(|m| m.eq_ignore_ascii_case("blood supply")),
            "{:?}",
            hit.marked()
        );
    }
    // Unquoted, the same words also match records that hold only one of them.
    assert!(env.search("blood supply", &[]).total_hits > with_phrase.len());
}

#[test]
fn words_standing_together_outrank_scattered_words() {
    let env = Env::empty();
    env.write(
        "scattered.txt",
        "Scattered\n\nIntro.\n\nCare at home\n\nThe supply of food at home matters. Blood tests are done weekly. \
         Keep a supply of water. Blood pressure is checked.\n",
    );
    env.write("together.txt", "Together\n\nIntro.\n\nArteries\n\nThe artery carries the blood supply to the organ, and more text follows here to make it longer than the other one.\n");
    let results = env.search("blood supply", &[]);
    assert_eq!(
        results.hits[0].id,
        "together#arteries",
        "{:?}",
        results.anchors()
    );
}

#[test]
fn heading_matches_rank_above_body_mentions() {
    let env = Env::material_and_pages();
    assert_eq!(
        env.search("brachytherapy", &[]).hits[0].id,
        "radiation-therapy#brachytherapy"
    );
    let autologous = env.search("autologous transplant", &[]);
    assert_eq!(
        autologous.hits[0].id,
        "stem-cell-transplant#autologous-transplant"
    );
    let gvhd = env.search("graft-versus-host disease", &[]);
    assert_eq!(gvhd.hits[0].id, "stem-cell-transplant#side-effects-1");
    assert_eq!(
        gvhd.hits[0].breadcrumbs,
        ["Stem cell transplant for leukemia"]
    );
}

#[test]
fn query_syntax() {
    let env = Env::material_and_pages();
    let required = env.search("+embolization chemotherapy", &[]);
    assert!(!required.hits.is_empty());
    assert!(
        required
            .hits
            .iter()
            .all(|h| h.snippet.to_lowercase().contains("emboli"))
    );
    let excluded = env.search("transplant -allogeneic", &[]);
    assert!(!excluded.hits.is_empty());
    assert!(
        excluded
            .hits
            .iter()
            .all(|h| !h.snippet.to_lowercase().contains("allogeneic"))
    );
    let and = env.search("liver AND catheter", &[]);
    assert_eq!(and.anchors(), ["hepatic-arterial-embolization"]);
    let or = env.search("(brachytherapy OR doxorubicin) NOT radioactive", &[]);
    assert_eq!(or.anchors(), ["hepatic-arterial-embolization"]);
    let heading = env.search("heading:effects", &[]);
    assert!(!heading.hits.is_empty());
    assert!(
        heading
            .hits
            .iter()
            .all(|h| h.heading.to_lowercase().contains("effects"))
    );
    assert_eq!(heading.total_hits, 5);
    let kind = env.search("kind:reviewer", &[]);
    assert_eq!(kind.hits.len(), 3);
    let doc = env.search("doc:radiation-therapy side effects", &[]);
    assert!(!doc.hits.is_empty());
    assert!(doc.hits.iter().all(|h| h.doc == "radiation-therapy"));
    let prefix = env.search("embolizat*", &[]);
    assert_eq!(prefix.hits[0].anchor, "hepatic-arterial-embolization");
    let prefix_short = env.search("chemo*", &["--limit", "50"]);
    assert!(prefix_short.hits.iter().any(|h| {
        h.marked()
            .iter()
            .any(|m| m.eq_ignore_ascii_case("chemoembolization"))
    }));
    let title = env.search("heading:\"healthy eating\"", &["--limit", "50"]);
    assert_eq!(title.anchors(), ["healthy-eating-during-cancer-treatment"]);
}

#[test]
fn kind_option_limits_results() {
    let env = Env::material_and_pages();
    let refs = env.search("cancer", &["--kind", "reference", "--limit", "100"]);
    assert!(!refs.hits.is_empty());
    assert!(refs.hits.iter().all(|h| h.kind == "reference"));
    let sections = env.search("cancer", &["--kind", "section", "--limit", "3"]);
    assert_eq!(sections.hits.len(), 3);
    assert!(sections.total_hits > 3);
    assert_eq!(
        sections.hits.iter().map(|h| h.rank).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn json_shape() {
    let env = Env::material();
    let run = env.run(&[
        "search",
        "--json",
        "--limit",
        "3",
        "Ezzat OR NCCN OR embolization",
    ]);
    assert_eq!(run.code, 0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["query"], "Ezzat OR NCCN OR embolization");
    let results = run.json();
    assert_eq!(results.query, "Ezzat OR NCCN OR embolization");
    assert!(results.total_hits >= 3);
    for (i, hit) in results.hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        assert!(hit.score > 0.0);
        assert_eq!(hit.id, format!("{}#{}", hit.doc, hit.anchor));
        assert_eq!(
            hit.doc_title,
            "Liver-directed therapy for neuroendocrine cancer"
        );
        for &[a, b] in &hit.highlights {
            assert!(a < b && b <= hit.snippet.len());
            assert!(hit.snippet.is_char_boundary(a) && hit.snippet.is_char_boundary(b));
        }
    }
    assert!(results.hits.len() >= 3, "{results:?}");
    assert!(results.hits.windows(2).all(|w| w[0].score >= w[1].score));
    let reviewer = env.search("Ezzat", &[]);
    assert_eq!(reviewer.hits[0].kind, "reviewer");
    assert_eq!(
        reviewer.hits[0].reviewer.as_ref().unwrap()["credentials"],
        serde_json::json!(["MD", "FRCPC", "FACP"])
    );
    assert_eq!(reviewer.hits[0].anchor, "reviewer-1");
    // References are shown whole.
    let sultana = env.search("Sultana", &[]);
    assert!(
        sultana.hits[0].snippet.starts_with("Sultana Q, Kar J")
            && sultana.hits[0].snippet.ends_with("12(15):5138.")
    );
}

#[test]
fn human_output_has_no_escape_codes_when_piped_and_colour_when_asked() {
    let env = Env::material();
    let plain = env.run(&["search", "embolic agent"]);
    assert_eq!(plain.code, 0);
    assert!(!plain.stdout.contains('\x1b'));
    let first: Vec<&str> = plain.stdout.lines().take(3).collect();
    assert_eq!(
        first[0],
        "1. Hepatic arterial embolization — Liver-directed therapy for neuroendocrine cancer"
    );
    assert_eq!(
        first[1],
        format!("   corpus/{MATERIAL}#hepatic-arterial-embolization:19")
    );
    assert!(first[2].contains("(called an embolic agent)"));
    // The reference "Hepatic Artery Embolisation..." matches too: `embolic` and
    // `embolisation` share their stem once the spelling is American.
    assert!(plain.stdout.ends_with("2 of 2 matching records\n"));
    let colour = env.run(&["search", "--color", "always", "embolic agent"]);
    assert!(colour.stdout.contains("\x1b[1;31membolic agent\x1b[0m"));
    let no_color = env.run_with(
        &["search", "--color", "auto", "embolic"],
        &[("NO_COLOR", "1")],
    );
    assert!(!no_color.stdout.contains('\x1b'));
}

#[test]
fn exit_codes_and_no_hits() {
    let env = Env::material();
    assert_eq!(env.run(&["search", "embolic"]).code, 0);
    let none = env.run(&["search", "xylophone"]);
    assert_eq!(none.code, 1);
    assert_eq!(none.stdout, "no matching records\n");
    let json = env.search("xylophone", &[]);
    assert_eq!((json.total_hits, json.hits.len()), (0, 0));
}

#[test]
fn malformed_queries_exit_2_with_one_line() {
    let env = Env::material();
    env.run(&["index"]);
    let cases = [
        (
            "\"blood supply",
            "invalid query: unbalanced quote: this quote is never closed at position 1",
        ),
        (
            "(liver OR lung",
            "invalid query: unbalanced parenthesis: this '(' is never closed at position 1",
        ),
        (
            "liver)",
            "invalid query: unbalanced parenthesis: ')' has no matching '(' at position 6",
        ),
        (
            "colour:red",
            "invalid query: unknown field 'colour' (fields: heading, body, kind, doc) at position 1",
        ),
        (
            "kind:book",
            "invalid query: unknown kind 'book' (kinds: section, reference, reviewer) at position 1",
        ),
        (
            "liver AND",
            "invalid query: 'AND' needs a search term on both sides at position 7",
        ),
        (
            "?!",
            "invalid query: nothing to search: the query has no words at position 1",
        ),
        (
            "-liver",
            "invalid query: nothing to search: the query only excludes words at position 1",
        ),
        (
            "",
            "invalid query: nothing to search: the query is empty at position 1",
        ),
    ];
    for (query, message) in cases {
        env.run(&["search", "--", query]).assert_error(message);
    }
}

#[test]
fn missing_or_empty_corpus_is_a_clear_error() {
    let env = Env::empty();
    env.run(&["search", "--corpus", "nowhere", "liver"])
        .assert_error("corpus folder 'nowhere' does not exist (set it with --corpus DIR)");
    env.run(&["index", "--corpus", "nowhere"])
        .assert_error("corpus folder 'nowhere' does not exist (set it with --corpus DIR)");
    env.run(&["index"]).assert_error(
        "corpus folder 'corpus' holds no indexable documents (.txt, .md, .jsonl, .html)",
    );
    assert!(!env.path("index").join("CURRENT").exists());
}

#[test]
fn undecodable_and_unreadable_files_are_skipped_with_a_warning() {
    let env = Env::material();
    env.write("latin1.txt", b"Caf\xe9 page\n\nText in Latin-1.\n");
    env.write("empty.txt", "\n\n");
    env.write("notes.pdf", "ignored: not a document format");
    let unreadable = env.path("corpus").join("locked.txt");
    std::fs::write(&unreadable, "Locked\n\nSecret text.\n").unwrap();
    std::fs::set_permissions(
        &unreadable,
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    // Root reads any file regardless of its mode; check whether this run can.
    let can_read = std::fs::read(&unreadable).is_ok();

    let run = env.run(&["index"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut warnings: Vec<&str> = run.stderr.lines().collect();
    warnings.sort();
    let mut expected = vec![
        "medsearch: warning: skipping corpus/empty.txt: no text to index",
        "medsearch: warning: skipping corpus/latin1.txt: not valid UTF-8 (line 1, byte 3)",
    ];
    if !can_read {
        expected.push(
            "medsearch: warning: skipping corpus/locked.txt: Permission denied (os error 13)",
        );
    }
    expected.sort();
    assert_eq!(warnings, expected);
    let files = if can_read { 2 } else { 1 };
    assert!(
        run.stdout.starts_with(&format!(
            "rebuilt in full (no index yet): added {files}, changed 0, removed 0, unchanged 0 files; \
             {files} document"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(
        env.search("embolic", &[]).hits[0].anchor,
        "hepatic-arterial-embolization"
    );
}

#[test]
fn index_reports_counts_and_search_builds_a_missing_index() {
    let env = Env::material();
    let search = env.run(&["search", "embolic"]);
    assert_eq!(search.code, 0);
    assert_eq!(
        search.stderr.lines().next().unwrap(),
        "medsearch: no index at 'index' yet; building it from 'corpus'"
    );
    let index = env.run(&["index", "--full"]);
    assert_eq!(index.code, 0);
    assert!(
        index.stdout.starts_with(
            "rebuilt in full (--full): added 1, changed 0, removed 0, unchanged 0 files; \
             1 document, 8 sections, 11 references, 1 reviewer in the index; took "
        ),
        "{}",
        index.stdout
    );
    // Rebuilding keeps exactly one generation and the same answers.
    env.run(&["index"]);
    let generations = std::fs::read_dir(env.path("index")).unwrap().filter(|e| {
        e.as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("gen-")
    });
    assert_eq!(generations.count(), 1);
    assert_eq!(env.run(&["search", "embolic"]).stderr, "");
}

#[test]
fn stale_index_still_answers_with_a_warning() {
    let env = Env::material();
    env.run(&["index"]);
    env.write("new-page.txt", "New page\n\nAbout proton therapy.\n");
    let run = env.run(&["search", "embolic"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stderr,
        "medsearch: warning: the index is stale: 1 file changed since it was built (new-page.txt); \
         run `medsearch index` to refresh it\n"
    );
    assert_eq!(env.run(&["search", "proton"]).code, 1);
    env.run(&["index"]);
    let fresh = env.run(&["search", "proton"]);
    assert_eq!((fresh.code, fresh.stderr.as_str()), (0, ""));
}

#[test]
fn environment_variables_set_the_locations() {
    let env = Env::material();
    std::fs::rename(env.path("corpus"), env.path("pages")).unwrap();
    let vars = [("MEDSEARCH_CORPUS", "pages"), ("MEDSEARCH_INDEX", "idx")];
    let run = env.run_with(&["search", "--json", "radiofrequency"], &vars);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json().hits[0].path, format!("pages/{MATERIAL}"));
    assert!(env.path("idx").join("CURRENT").is_file());
}

#[test]
fn markdown_and_nested_folders_are_indexed() {
    let env = Env::empty();
    env.copy(
        &crate::util::fixture("pages").join("radiation-therapy.md"),
        "radiation-therapy.md",
    );
    env.write(
        "guides/sub/nested.txt",
        "Nested guide\n\nA page about hydration.\n",
    );
    env.copy(
        &crate::util::fixture("markdown").join("living-well.md"),
        "living-well.md",
    );
    let md = env.search("brachytherapy", &[]);
    assert_eq!(md.hits[0].path, "corpus/radiation-therapy.md");
    // Markdown snippets hold the text a reader sees, highlighted.
    let care = env.search("\"follow-up care\"", &[]);
    let hit = &care.hits[0];
    assert_eq!(hit.id, "living-well#living-well-after-treatment");
    assert!(
        hit.snippet
            .starts_with("Life after cancer treatment brings new questions. Read our guide to follow-up care and the FAQ below."),
        "{}",
        hit.snippet
    );
    assert_eq!(hit.marked(), ["follow-up care"]);
    let crs = env.search("CRS", &[]);
    assert_eq!(crs.hits[0].id, "living-well#side-effects-of-car-t-therapy");
    let nested = env.search("hydration", &[]);
    assert_eq!(nested.hits[0].id, "guides/sub/nested#nested-guide");
    assert_eq!(env.search("doc:guides/sub/nested", &[]).total_hits, 1);
}

#[test]
fn plain_mode_reads_any_text_as_words() {
    let env = Env::material();
    let run = env.run(&[
        "search",
        "--plain",
        "--json",
        "--",
        "such: 1) \"blood supply -catheter",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let results = run.json();
    assert_eq!(results.hits[0].anchor, "hepatic-arterial-embolization");
    env.run(&["search", "--", "such: 1) \"blood"])
        .assert_error("invalid query: unbalanced quote: this quote is never closed at position 10");
}

#[test]
fn writer_memory_bounds_a_build_and_bad_values_are_refused() {
    let env = Env::empty();
    env.write_pages(1100, "alpha");
    // The smallest budget: one writer thread of 16 MiB for a build of more than 1,000 files.
    let built = env.run(&["index", "--full", "--writer-memory", "16"]);
    assert_eq!(built.code, 0, "{built:?}");
    let alpha = env.search("alpha", &["--count", "--limit", "1"]);
    assert_eq!(alpha.total_hits, 2200);
    for (args, vars, value) in [
        (vec!["index", "--writer-memory", "8"], vec![], "8"),
        (
            vec!["index"],
            vec![("MEDSEARCH_WRITER_MEMORY", "lots")],
            "lots",
        ),
    ] {
        let refused = env.run_with(&args, &vars);
        assert_eq!(refused.code, 2, "{refused:?}");
        assert_eq!(refused.stderr.lines().count(), 1, "{refused:?}");
        assert!(
            refused.stderr.starts_with(&format!(
                "medsearch: error: invalid value '{value}' for '--writer-memory <MIB>'"
            )),
            "{refused:?}"
        );
    }
    assert_eq!(env.search("alpha", &["--limit", "1"]).hits.len(), 1);
}
