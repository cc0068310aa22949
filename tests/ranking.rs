//! Ranking behaviour a reader sees, on a page written here (the judged suites in
//! `tests/eval/` measure the same on other pages): field-aware scoring, the kind prior and
//! when it lifts, query feedback and when it applies, and `eval --ranking`.

use crate::util::Env;

/// A page in the material's layout: sections on mouth care, a reference whose title is a
/// phrase the sections also use, and a reviewer.
const PAGE: &str = "\
Mouth problems during radiotherapy

Last medical review: March 2025

Radiotherapy to the head and neck often makes the mouth sore and dry.

Mouth care

Rinse the mouth with salt water after meals and brush gently with a soft toothbrush. A dry mouth \
can be eased with sips of water and sugar-free gum. Mouth care keeps infections away.

Sore mouth

Mouth ulcers can make eating painful. Soft, moist foods and painkilling mouthwash help.

Taste changes

Food may taste of metal or of nothing for some weeks. Taste usually comes back within months.

Expert review and references

- Imogen Castellano, RN, MSc
- Brennan MT, Haugen HK. Mouth care for patients receiving oral cancer therapies. Oral Oncology. \
2020;101:104-110.
- Head and Neck Cancer Network. Eating Well With a Dry Mouth. 2022. https://example.org/dry-mouth
";

fn env() -> Env {
    let env = Env::empty();
    env.write("mouth-problems.txt", PAGE);
    env
}

#[test]
fn topical_words_put_sections_first_and_citation_words_put_citations_first() {
    let env = env();
    // "mouth care" heads a section and starts a reference title: the section comes first.
    for query in ["mouth care", "mouth", "dry mouth"] {
        let results = env.search(query, &[]);
        assert_eq!(results.hits[0].kind, "section", "{query}: {results:?}");
    }
    // An author, a journal, a year, a reviewer: the citation comes first.
    for (query, anchor) in [
        ("Brennan", "ref-1"),
        ("Oral Oncology", "ref-1"),
        ("2022", "ref-2"),
        ("Castellano", "reviewer-1"),
    ] {
        let results = env.search(query, &[]);
        assert_eq!(results.hits[0].anchor, anchor, "{query}: {results:?}");
    }
    // A reference's whole title, typed as it is: that reference; part of it: the topic.
    let title = env.search("Eating well with a dry mouth", &[]);
    assert_eq!(title.hits[0].anchor, "ref-2", "{title:?}");
    let part = env.search("a dry mouth", &[]);
    assert_eq!(part.hits[0].kind, "section", "{part:?}");
}

#[test]
fn a_section_headed_by_the_query_beats_one_mentioning_it_in_passing() {
    let env = env();
    let results = env.search("taste changes", &[]);
    assert_eq!(results.hits[0].anchor, "taste-changes", "{results:?}");
    let results = env.search("sore", &[]);
    assert_eq!(results.hits[0].anchor, "sore-mouth", "{results:?}");
}

/// The feedback clauses of a search's first hit, from `--explain`.
fn feedback_clauses(env: &Env, query: &str, args: &[&str]) -> usize {
    let mut all = vec!["search", "--explain", "--limit", "1", query];
    all.extend(args);
    let run = env.run(&all);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
        .matches("feedback: heading and body: word")
        .count()
}

#[test]
fn feedback_expands_long_queries_only_unless_asked() {
    let env = env();
    let long = "how can I look after my mouth when it is sore and dry from treatment";
    let short = "sore mouth";
    assert!(feedback_clauses(&env, long, &[]) > 0);
    assert_eq!(feedback_clauses(&env, long, &["--feedback", "off"]), 0);
    assert_eq!(feedback_clauses(&env, short, &[]), 0);
    assert!(feedback_clauses(&env, short, &["--feedback", "on"]) > 0);
    // Structured queries are never expanded: they say exactly what they want.
    assert_eq!(
        feedback_clauses(&env, "\"sore mouth\" ulcers", &["--feedback", "on"]),
        0
    );
    // The same hits, scores and order with --feedback off as without it, for a short query.
    let auto = env.search(short, &[]);
    let off = env.search(short, &["--feedback", "off"]);
    let ids = |r: &crate::util::Results| -> Vec<(String, f64)> {
        r.hits.iter().map(|h| (h.id.clone(), h.score)).collect()
    };
    assert_eq!(ids(&auto), ids(&off));
}

#[test]
fn eval_takes_a_ranking_file_and_names_what_is_wrong_in_it() {
    let env = env();
    // (`write` puts files in the corpus folder; these kinds are not indexed.)
    env.write("queries.tsv", "q1\tmouth\n");
    env.write("qrels.txt", "q1 0 mouth-problems#mouth-care 1\n");
    let eval = |ranking: &str| {
        env.write("ranking.json", ranking);
        env.run(&[
            "eval",
            "--queries",
            "corpus/queries.tsv",
            "--qrels",
            "corpus/qrels.txt",
            "--ranking",
            "corpus/ranking.json",
        ])
    };
    assert_eq!(eval("{\"k1\": 1.2}").code, 0);
    eval("{\n  \"k1\": 1.2,\n  \"heading\": {\"wieght\": 3}\n}")
        .assert_error("corpus/ranking.json:3: unknown field `wieght`, expected `weight` or `b`");
    eval("{\"body\": {\"weight\": 1, \"b\": 2}}")
        .assert_error("corpus/ranking.json:1: body.b must be between 0 and 1, not 2");
}
