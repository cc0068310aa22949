//! The everyday commands around search: show, --explain, export (and its engine configs),
//! completions and the manual page.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{Env, MATERIAL, Results, repo};

const DOC: &str = "liver-directed-therapy-for-neuroendocrine-cancer";

#[test]
fn show_prints_a_record_whole_by_id_or_by_the_location_results_print() {
    let env = Env::material();
    // The location exactly as a search prints it (`path#anchor:line`).
    let search = env.run(&["search", "embolic agent"]);
    let location = search.stdout.lines().nth(1).unwrap().trim().to_string();
    assert_eq!(
        location,
        format!("corpus/{MATERIAL}#hepatic-arterial-embolization:19")
    );
    let by_location = env.run(&["show", &location]);
    assert_eq!(by_location.code, 0, "{by_location:?}");
    let by_id = env.run(&["show", &format!("{DOC}#hepatic-arterial-embolization")]);
    assert_eq!(by_id.stdout, by_location.stdout);
    let lines: Vec<&str> = by_id.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "Hepatic arterial embolization — Liver-directed therapy for neuroendocrine cancer"
    );
    assert_eq!(
        lines[2],
        "   section · Liver-directed therapy for neuroendocrine cancer › Hepatic arterial \
         embolization"
    );
    // The whole text, not a snippet: the last paragraph of the section is there.
    assert!(
        by_id
            .stdout
            .contains("Without enough blood supply, liver tumours cannot receive the oxygen"),
        "{}",
        by_id.stdout
    );
    // JSON: the record's fields and its body.
    let json = env.run(&["show", "--json", &format!("{DOC}#ref-6")]);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["kind"], "reference");
    assert_eq!(value["line"], 64);
    assert_eq!(
        value["reference"]["organization"],
        "National Comprehensive Cancer Network"
    );
    assert!(value["body"].as_str().unwrap().contains("NCCN Guidelines"));
    // A reference shows its parsed fields under its text.
    let text = env.run(&["show", &format!("{DOC}#ref-6")]);
    assert!(text.stdout.contains("\nyear: 2022\n"), "{}", text.stdout);

    // No such record: exit 1, the closest records of the document offered.
    let missing = env.run(&["show", &format!("{DOC}#hepatic-embolization")]);
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stdout, "");
    assert!(
        missing.stderr.starts_with(&format!(
            "medsearch: no record {DOC}#hepatic-embolization; closest: \
             {DOC}#hepatic-arterial-embolization, "
        )),
        "{missing:?}"
    );
    let no_doc = env.run(&["show", "nothing-here#top"]);
    assert_eq!(
        (no_doc.code, no_doc.stderr.as_str()),
        (
            1,
            "medsearch: no record nothing-here#top: no such document in the index\n"
        )
    );
}

#[test]
fn show_tells_the_documents_of_a_jsonl_file_apart_by_id() {
    let env = Env::empty();
    env.write(
        "abstracts.jsonl",
        "{\"_id\": \"a1\", \"title\": \"One\", \"text\": \"Alpha.\"}\n\
         {\"_id\": \"a2\", \"title\": \"Two\", \"text\": \"Beta.\"}\n",
    );
    assert_eq!(env.run(&["index"]).code, 0);
    let one = env.run(&["show", "--json", "a2#top"]);
    let value: Value = serde_json::from_str(&one.stdout).unwrap();
    assert_eq!(value["body"], "Beta.");
    env.run(&["show", "corpus/abstracts.jsonl#top"])
        .assert_error(
            "'corpus/abstracts.jsonl#top' names 2 records (a file of many documents): name one by \
         its id, such as 'a1#top'",
        );
}

#[test]
fn explain_shows_where_each_score_comes_from_without_changing_it() {
    let env = Env::material();
    let plain = env.search("embolic agent", &[]);
    let explained = env.run(&["search", "--json", "--explain", "embolic agent"]);
    let value: Value = serde_json::from_str(&explained.stdout).unwrap();
    let hits = value["hits"].as_array().unwrap();
    assert_eq!(hits.len(), plain.hits.len());
    assert!(!hits.is_empty());
    for (hit, before) in hits.iter().zip(&plain.hits) {
        assert_eq!(hit["id"], before.id.as_str());
        assert_eq!(hit["score"].as_f64().unwrap(), before.score);
        let total = hit["explanation"]["value"].as_f64().unwrap();
        assert!(
            (total - before.score).abs() < 1e-3,
            "{total} vs {}",
            before.score
        );
    }
    // The parts name fields, words, the parts of BM25F, phrase boosts, alternatives.
    let labels = descriptions(&hits[0]["explanation"]);
    for label in [
        "heading and body: word \"embol\"",
        "heading and body: word \"agent\"",
        "BM25F, idf × (k1 + 1) × tf' / (k1 + tf')",
        "weight × freq / (1 − b + b × dl / avgdl)",
        "body: the words as a phrase \"embol agent\" (×1.5)",
    ] {
        assert!(labels.contains(label), "{label} not in {labels:?}");
    }
    let tace = env.run(&["search", "--json", "--explain", "TACE"]);
    let value: Value = serde_json::from_str(&tace.stdout).unwrap();
    let labels = descriptions(&value["hits"][0]["explanation"]);
    assert!(
        labels
            .iter()
            .any(|l| l.contains("an alternative of \"tace\" (×0.8")),
        "{labels:?}"
    );
    // As text: indented under each hit.
    let text = env.run(&["search", "--explain", "--limit", "1", "embolic agent"]);
    let agent = text
        .stdout
        .lines()
        .find(|l| l.ends_with(" heading and body: word \"agent\""))
        .unwrap_or_else(|| panic!("{}", text.stdout));
    let (indent, value) = agent.split_at(agent.len() - agent.trim_start().len());
    assert_eq!(indent, "      ", "{agent}");
    let value: f64 = value.split_whitespace().next().unwrap().parse().unwrap();
    assert!(value > 0.0, "{agent}");
}

/// Every description in an explanation tree.
fn descriptions(explanation: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![explanation];
    while let Some(e) = stack.pop() {
        out.insert(e["description"].as_str().unwrap().to_string());
        stack.extend(e["details"].as_array().into_iter().flatten());
    }
    out
}

/// The field names a JSON value uses, nested ones as `parent.child`.
fn field_names(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    for (key, child) in value.as_object().into_iter().flatten() {
        let name = format!("{prefix}{key}");
        if child.is_object() {
            field_names(child, &format!("{name}."), out);
        } else {
            out.insert(name);
        }
    }
}

#[test]
fn export_writes_every_record_and_both_engine_configs_declare_every_field() {
    let env = Env::material_and_pages();
    // An HTML page with a live address and a language: its records carry `url` and `lang`.
    env.write(
        "site/page.html",
        "<html lang=\"en\"><link rel=\"canonical\" href=\"https://x.example/page\">\
         <h1>A page</h1><p>Text of the page.</p></html>",
    );
    let export = env.run(&["export"]);
    assert_eq!(export.code, 0, "{export:?}");
    let status: Value = serde_json::from_str(&env.run(&["status", "--json"]).stdout).unwrap();
    let records = ["sections", "references", "reviewers"]
        .iter()
        .map(|k| status[k].as_u64().unwrap())
        .sum::<u64>();
    let lines: Vec<Value> = export
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, records);
    let mut ids = BTreeSet::new();
    let mut fields = BTreeSet::new();
    for line in &lines {
        assert!(ids.insert(line["id"].as_str().unwrap().to_string()));
        field_names(line, "", &mut fields);
    }
    let embolization = lines
        .iter()
        .find(|l| l["id"] == format!("{DOC}#hepatic-arterial-embolization"))
        .unwrap();
    assert!(
        embolization["body"]
            .as_str()
            .unwrap()
            .contains("Without enough blood supply")
    );
    // Both configs declare every field the export writes (and nothing it does not).
    let docs = repo().join("docs");
    let opensearch: Value = serde_json::from_str(
        &std::fs::read_to_string(docs.join("opensearch-mapping.json")).unwrap(),
    )
    .unwrap();
    let mut declared = BTreeSet::new();
    opensearch_fields(&opensearch["mappings"]["properties"], "", &mut declared);
    assert_eq!(declared, fields, "OpenSearch mapping");
    let quickwit: Value =
        serde_json::from_str(&std::fs::read_to_string(docs.join("quickwit-index.json")).unwrap())
            .unwrap();
    let mut declared = BTreeSet::new();
    quickwit_fields(
        &quickwit["doc_mapping"]["field_mappings"],
        "",
        &mut declared,
    );
    assert_eq!(declared, fields, "Quickwit index config");
}

fn opensearch_fields(properties: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    for (name, mapping) in properties.as_object().unwrap() {
        match mapping.get("properties") {
            Some(inner) => opensearch_fields(inner, &format!("{prefix}{name}."), out),
            None => {
                out.insert(format!("{prefix}{name}"));
            }
        }
    }
}

fn quickwit_fields(mappings: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    for mapping in mappings.as_array().unwrap() {
        let name = mapping["name"].as_str().unwrap();
        match mapping.get("field_mappings") {
            Some(inner) => quickwit_fields(inner, &format!("{prefix}{name}."), out),
            None => {
                out.insert(format!("{prefix}{name}"));
            }
        }
    }
}

#[test]
fn completions_and_the_manual_page() {
    let env = Env::empty();
    for (shell, marker) in [
        ("bash", "complete -F _medsearch"),
        ("zsh", "#compdef medsearch"),
        ("fish", "complete -c medsearch"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = env.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert!(run.stdout.contains(marker), "{shell}");
        assert!(run.stdout.contains("abbreviations"), "{shell}");
    }
    let man = env.run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH medsearch 1"));
    assert!(man.stdout.contains("search"));
}

#[test]
fn matches_are_counted_up_to_a_thousand_unless_count_asks_for_all() {
    let env = Env::empty();
    env.write_pages(600, "alpha");
    env.write("rare.txt", "Rare\n\nOnly beta here.\n");
    assert_eq!(env.run(&["index"]).code, 0);
    let bounded = env.search("alpha", &["--limit", "3"]);
    assert_eq!(
        (bounded.total_hits, bounded.total_hits_exact),
        (1000, false)
    );
    assert_eq!(bounded.hits.len(), 3);
    let text = env.run(&["search", "--limit", "3", "alpha"]);
    assert!(
        text.stdout
            .ends_with("3 of more than 1000 matching records\n"),
        "{text:?}"
    );
    let all = env.search("alpha", &["--limit", "3", "--count"]);
    assert_eq!((all.total_hits, all.total_hits_exact), (1200, true));
    let ids = |r: &Results| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&all), ids(&bounded), "counting changes no hit");
    let text = env.run(&["search", "--count", "--limit", "3", "alpha"]);
    assert!(
        text.stdout.ends_with("3 of 1200 matching records\n"),
        "{text:?}"
    );
    // Below the bound the count is exact without asking; a limit above it raises it.
    let rare = env.search("beta OR item7", &[]);
    assert_eq!((rare.total_hits, rare.total_hits_exact), (2, true));
    let many = env.search("alpha", &["--limit", "2000"]);
    assert_eq!((many.total_hits, many.total_hits_exact), (1200, true));
}
