//! Medical-aware matching through the binary: other spellings, abbreviations learned from the
//! corpus, the synonyms file, typos; and what the output says about them.

use crate::util::{Env, repo};

const EMBOLIZATION: &str = "hepatic-arterial-embolization";

#[test]
fn british_and_american_spellings_find_each_other() {
    let env = Env::material();
    let hits = env.search("embolisation", &[]);
    assert_eq!(hits.anchors()[0], EMBOLIZATION);
    // The page writes "tumour" (some of its references "tumor"): "tumor" finds both, and
    // highlights both.
    let tumor = env.search("tumor", &["--kind", "section"]);
    assert!(tumor.total_hits >= 2, "{tumor:?}");
    for hit in &tumor.hits {
        let marked = hit.marked();
        assert!(!marked.is_empty(), "{hit:?}");
        assert!(
            marked
                .iter()
                .all(|m| m.to_lowercase().starts_with("tumour")),
            "{marked:?}"
        );
    }
    let references = env.search("tumour", &["--kind", "reference"]);
    let marked: Vec<&str> = references.hits.iter().flat_map(|h| h.marked()).collect();
    assert!(
        marked.contains(&"Tumors") && marked.contains(&"Tumours"),
        "{marked:?}"
    );
}

/// Every pair of tests/data/spelling/variants.tsv, through the binary: a page written with the
/// British words is found by each American word, and the reverse.
#[test]
fn every_listed_variant_pair_matches_through_the_index() {
    let data = std::fs::read_to_string(repo().join("tests/data/spelling/variants.tsv")).unwrap();
    let pairs: Vec<(&str, &str)> = data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    let env = Env::empty();
    let british: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let american: Vec<&str> = pairs.iter().map(|p| p.1).collect();
    env.write(
        "british.txt",
        format!("British page\n\n{}.\n", british.join(". ")),
    );
    env.write(
        "american.txt",
        format!("American page\n\n{}.\n", american.join(". ")),
    );
    for (uk, us) in &pairs {
        for (query, want) in [(us, "british"), (uk, "american")] {
            let results = env.search(query, &["--kind", "section"]);
            let docs: Vec<&str> = results.hits.iter().map(|h| h.doc.as_str()).collect();
            assert!(
                docs.contains(&want),
                "{query} does not find the {want} page: {docs:?}"
            );
            assert!(results.corrected_query.is_none(), "{results:?}");
        }
    }
}

#[test]
fn abbreviations_and_their_long_forms_find_each_other() {
    let env = Env::material();
    for query in [
        "TACE",
        "chemoembolization",
        "transarterial chemoembolization",
    ] {
        assert_eq!(env.search(query, &[]).anchors()[0], EMBOLIZATION, "{query}");
    }
    let tace = env.search("TACE", &[]);
    let marked = tace.hits[0].marked();
    assert!(
        marked.contains(&"transarterial chemoembolization"),
        "{marked:?}"
    );
    let rfa = env.search("RFA", &[]);
    assert_eq!(rfa.anchors()[0], "radiofrequency-ablation-rfa");
}

#[test]
fn literal_matches_rank_above_expanded_ones() {
    let env = Env::empty();
    env.write(
        "liver.txt",
        "Liver treatments\n\nIntro.\n\nDefinition\n\nDoctors may use transarterial \
         chemoembolization (TACE) for some tumours.\n\nShort form only\n\nAfter TACE, rest \
         for a day.\n\nLong form only\n\nAfter transarterial chemoembolization, rest for a \
         day.\n\nChemo words\n\nChemo can make you tired.\n\nChemotherapy words\n\n\
         Chemotherapy can make you tired.\n",
    );
    env.write("synonyms.txt", "chemo, chemotherapy\n");
    // Both sections with a literal TACE come first.
    let short = env.search("TACE", &[]);
    assert_eq!(
        short.anchors()[2],
        "long-form-only",
        "{:?}",
        short.anchors()
    );
    let long = env.search("transarterial chemoembolization", &[]);
    assert_eq!(long.anchors()[2], "short-form-only", "{:?}", long.anchors());
    assert_eq!(
        env.search("chemo", &[]).anchors(),
        ["chemo-words", "chemotherapy-words"]
    );
    assert_eq!(
        env.search("chemotherapy", &[]).anchors(),
        ["chemotherapy-words", "chemo-words"]
    );
}

#[test]
fn abbreviations_command_lists_definitions_and_follows_updates() {
    let env = Env::empty();
    env.write(
        "a.txt",
        "Page A\n\nRadiofrequency ablation (RFA) uses heat.\n\nMore\n\nNot an abbreviation \
         (see below).\n",
    );
    env.write(
        "b.md",
        "# Page B\n\nGraft versus host disease (GVHD) is common.\n",
    );
    let run = env.run(&["abbreviations"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with(
        "corpus/a.txt:3: RFA = Radiofrequency ablation\n\
         corpus/b.md:3: GVHD = Graft versus host disease\n\
         2 definitions of 2 abbreviations\n"
    ));
    let json = env.run(&["abbreviations", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["abbreviations"][1]["line"], 3);
    assert_eq!(value["abbreviations"][1]["path"], "corpus/b.md");
    // b.md changes, a.txt goes: the list follows an incremental update.
    env.write(
        "b.md",
        "# Page B\n\nIntro.\n\nComputed tomography (CT) scans.\n",
    );
    std::fs::remove_file(env.path("corpus/a.txt")).unwrap();
    assert_eq!(env.run(&["index"]).counts(), [0, 1, 1, 0]);
    let run = env.run(&["abbreviations"]);
    assert_eq!(
        run.stdout,
        "corpus/b.md:5: CT = Computed tomography\n1 definition of 1 abbreviation\n"
    );
    assert_eq!(env.search("CT", &[]).anchors(), ["page-b"]);
    assert_eq!(env.search("computed tomography", &[]).total_hits, 1);
    assert_eq!(env.search("RFA", &[]).total_hits, 0);
    // An edit that keeps the definitions keeps the list; a new word becomes correctable.
    env.write(
        "b.md",
        "# Page B\n\nIntro.\n\nComputed tomography (CT) scans.\n\nAbout bronchoscopy.\n",
    );
    assert_eq!(env.run(&["index"]).counts(), [0, 1, 0, 0]);
    assert_eq!(
        env.run(&["abbreviations"]).stdout,
        "corpus/b.md:5: CT = Computed tomography\n1 definition of 1 abbreviation\n"
    );
    let typo = env.search("bronchocopy", &[]);
    assert_eq!(typo.corrected_query.as_deref(), Some("bronchoscopy"));
}

#[test]
fn synonyms_file_takes_effect_without_reindexing() {
    let env = Env::material();
    assert_eq!(env.search("chemo", &[]).anchors()[0], EMBOLIZATION);
    let chemo = env.search("chemo", &[]);
    assert!(chemo.hits[0].marked().contains(&"chemotherapy"));
    env.write("synonyms.txt", "# nothing for chemo now\nheat, warmth\n");
    assert_eq!(env.search("chemo", &[]).total_hits, 0);
    assert_eq!(
        env.search("warmth", &[]).anchors(),
        ["radiofrequency-ablation-rfa"]
    );
    // Multi-word entries, both ways.
    env.write("synonyms.txt", "blood supply, feeding vessels\n");
    assert_eq!(
        env.search("feeding vessels", &[]).anchors()[0],
        EMBOLIZATION
    );
    // The synonyms file is not a document.
    let status = env.run(&["status"]);
    assert_eq!(status.code, 0, "{status:?}");
    assert!(env.search("feeding", &[]).hits.is_empty());
}

#[test]
fn a_malformed_synonyms_line_is_an_error_naming_it() {
    let env = Env::material();
    env.write("synonyms.txt", "chemo, chemotherapy\n\nmets\n");
    env.run(&["search", "liver"]).assert_error(
        "corpus/synonyms.txt:3: a group needs at least two entries separated by commas, found 'mets'",
    );
    env.write("synonyms.txt", "chemo,, chemotherapy\n");
    env.run(&["search", "liver"])
        .assert_error("corpus/synonyms.txt:1: entry 2 of the group is empty");
}

#[test]
fn typos_are_corrected_and_said() {
    let env = Env::material();
    let results = env.search("radiofrequncy", &[]);
    assert_eq!(results.corrected_query.as_deref(), Some("radiofrequency"));
    assert_eq!(results.query, "radiofrequncy");
    assert_eq!(results.anchors()[0], "radiofrequency-ablation-rfa");
    let text = env.run(&["search", "radiofrequncy ablation"]);
    assert!(
        text.stdout
            .starts_with("showing results for \"radiofrequency ablation\"\n\n1. Radiofrequency"),
        "{}",
        text.stdout
    );
    // Known words and short words are left alone.
    for query in ["catheter", "livr"] {
        assert!(env.search(query, &[]).corrected_query.is_none(), "{query}");
    }
}

#[test]
fn no_hits_suggests_a_close_query_that_has_some() {
    let env = Env::material();
    let results = env.search("\"livr tumours\"", &[]);
    assert_eq!(results.total_hits, 0);
    assert_eq!(results.suggestion.as_deref(), Some("\"liver tumours\""));
    let text = env.run(&["search", "+livr +catheter"]);
    assert_eq!(text.code, 1);
    assert_eq!(
        text.stdout,
        "no matching records\ndid you mean \"+liver +catheter\"?\n"
    );
    let nothing = env.search("qqqqqq", &[]);
    assert!(nothing.suggestion.is_none() && nothing.corrected_query.is_none());
}
