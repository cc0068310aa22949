//! HTML sites through the binary: our own pages (`tests/fixtures/site`, written by hand with a
//! site's chrome around them), their records, anchors, encodings and live addresses, and site
//! chrome repeated across pages in any format.

use serde_json::Value;

use crate::util::{Env, Server, fixture};

const BASE: &str = "https://cancer.example.org/";

/// A working folder whose `corpus/` holds the fixture site.
fn site() -> Env {
    let env = Env::empty();
    copy_tree(&fixture("site"), &env.path("corpus"));
    env
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every exported record, by id.
fn records(env: &Env) -> std::collections::BTreeMap<String, Value> {
    let run = env.run(&["export"]);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            (record["id"].as_str().unwrap().to_string(), record)
        })
        .collect()
}

#[test]
fn a_site_indexes_with_the_pages_own_anchors_lines_and_text() {
    let env = site();
    let run = env.run(&["index", "--base-url", "https://cancer.example.org"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The one page without a declared encoding that is not UTF-8: one warning line naming it.
    assert_eq!(
        run.stderr,
        "medsearch: warning: corpus/drugs/sandostatin.html: no encoding declared and not UTF-8: \
         read as windows-1252 (a guess)\n"
    );
    let records = records(&env);
    let outline: Vec<(&str, &str, u64)> = records
        .iter()
        .filter(|(id, _)| id.starts_with("treatments/embolization#"))
        .map(|(id, r)| {
            (
                id.as_str(),
                r["heading"].as_str().unwrap(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut outline = outline;
    outline.sort_by_key(|(_, _, line)| *line);
    assert_eq!(
        outline,
        [
            // The h1's own id; the heading's line in the file.
            (
                "treatments/embolization#embolization",
                "Hepatic arterial embolization",
                18
            ),
            // The id of the <section> the heading opens.
            (
                "treatments/embolization#chemoembolization",
                "Chemoembolization",
                23
            ),
            (
                "treatments/embolization#radioembolization",
                "Radioembolization (SIRT)",
                31
            ),
            // An <a id> inside the heading.
            ("treatments/embolization#recovery", "Recovery at home", 35),
            // No id at all: GitHub's slug, unique in the page.
            (
                "treatments/embolization#recovery-at-home",
                "Recovery at home",
                45
            ),
            ("treatments/embolization#references", "References", 49),
            (
                "treatments/embolization#ref-1",
                "Outcomes of hepatic arterial embolization",
                51
            ),
            (
                "treatments/embolization#ref-2",
                "Liver cancer treatment",
                52
            ),
        ]
    );
    let body = |id: &str| records[id]["body"].as_str().unwrap().to_string();
    // Entities decoded, inline elements inside words, <br> a line, lists with their numbers,
    // table rows with their cells apart, <img alt> as text, <pre> lines kept.
    assert_eq!(
        body("treatments/embolization#embolization"),
        "Hepatic arterial embolization reduces the blood supply to liver tumours & shrinks \
         them.\nA thin tube called a catheter is placed in the hepatic artery."
    );
    // The `Key: value` line under the title is the page's metadata, as in the text layout.
    assert_eq!(
        records["treatments/embolization#embolization"]["metadata"],
        serde_json::json!(["Last medical review: May 2024"])
    );
    assert_eq!(
        body("treatments/embolization#chemoembolization"),
        "Transarterial chemoembolization (TACE) delivers chemotherapy straight into the \
         tumour.\n\n1. The doctor places the catheter.\n2. An embolic agent blocks the artery."
    );
    assert!(
        body("treatments/embolization#radioembolization")
            .ends_with("\n\nMicrospheres inside a blood vessel")
    );
    assert!(
        body("treatments/embolization#recovery")
            .ends_with("Side effect | How common\nFever | Very common\nNausea | Common")
    );
    assert!(
        body("treatments/embolization#recovery-at-home")
            .ends_with("Day 1: rest\nDay 2:   walk a little")
    );
    // The title from <title> without the site's name; two sections with one heading apart.
    assert_eq!(
        records["drugs/lanreotide#lanreotide"]["doc_title"],
        "Lanreotide"
    );
    assert!(records.contains_key("drugs/lanreotide#side-effects-1"));
    // windows-1252 declared, ISO-8859-1 declared by http-equiv, undeclared: read right.
    assert!(
        body("drugs/octreotide#octreotide")
            .contains("It’s given as an injection under the skin — the café-au-lait")
    );
    assert!(body("drugs/lanreotide#lanreotide").contains("Montréal"));
    assert!(body("drugs/sandostatin#sandostatin").contains("the café staff can’t give it"));
    assert_eq!(records["drugs/octreotide#octreotide"]["lang"], "en-CA");
    assert_eq!(
        env.search("gallstones", &[]).hits[0].lang.as_deref(),
        Some("en-CA")
    );
    // Words found only in what is never content find nothing.
    for word in [
        "navigationonlyword",
        "breadcrumbtrailword",
        "relatedboxword",
        "footeronlyword",
        "scriptonlyword",
        "styleonlyword",
        "hiddenattributeword",
        "ariahiddenword",
        "displaynoneword",
        "outsidebodyword",
    ] {
        assert_eq!(env.search(word, &[]).total_hits, 0, "{word}");
    }
    // The eval judgments name HTML records by doc#anchor, as for the other formats.
    std::fs::write(env.path("q.tsv"), "1\tTACE chemotherapy\n").unwrap();
    std::fs::write(
        env.path("qrels.tsv"),
        "1 0 treatments/embolization#chemoembolization 1\n",
    )
    .unwrap();
    let eval = env.run(&[
        "eval",
        "--json",
        "--queries",
        "q.tsv",
        "--qrels",
        "qrels.tsv",
    ]);
    let report: Value = serde_json::from_str(&eval.stdout).unwrap();
    assert_eq!(report["metrics"]["mrr"], 1.0, "{eval:?}");
}

#[test]
fn hits_link_to_the_live_page_and_the_base_url_is_kept() {
    let env = site();
    let bad = env.run(&["index", "--base-url", "cancer.example.org"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("the base URL must start with https:// or http://"),
        "{bad:?}"
    );
    assert_eq!(bad.stderr.lines().count(), 1, "{bad:?}");
    assert!(bad.stderr.starts_with(
        "medsearch: error: invalid value 'cancer.example.org' for '--base-url <URL>'"
    ));

    assert_eq!(env.run(&["index", "--base-url", BASE]).code, 0);
    let url = |query: &str| env.search(query, &[]).hits[0].url.clone();
    // A canonical link wins over the base URL; the lead is the page itself.
    assert_eq!(
        url("TACE").as_deref(),
        Some("https://cancer.example.org/treatments/embolization#chemoembolization")
    );
    assert_eq!(
        url("\"thin tube\"").as_deref(),
        Some("https://cancer.example.org/treatments/embolization")
    );
    // index.html stands for its folder.
    assert_eq!(
        url("ablation").as_deref(),
        Some("https://cancer.example.org/treatments/#local")
    );
    assert_eq!(url("plain words").as_deref(), Some(BASE));
    assert_eq!(
        url("gallstones").as_deref(),
        Some("https://cancer.example.org/drugs/octreotide.htm#side-effects")
    );

    // Kept by the index: a later run without --base-url changes nothing, `status` shows it.
    env.write(
        "drugs/new.html",
        "<h1>Everolimus</h1><p>Everolimus is a targeted drug.</p>",
    );
    assert_eq!(env.run(&["index"]).counts(), [1, 0, 0, 8]);
    assert_eq!(
        url("everolimus").as_deref(),
        Some("https://cancer.example.org/drugs/new.html")
    );
    let status = env.run(&["status"]);
    assert!(
        status.stdout.contains(&format!("site       {BASE}\n")),
        "{status:?}"
    );
    // A new base URL needs no re-index.
    assert_eq!(
        env.run(&["index", "--base-url", "https://www.example.net/info/"])
            .code,
        0
    );
    assert_eq!(
        url("everolimus").as_deref(),
        Some("https://www.example.net/info/drugs/new.html")
    );

    let show = env.run(&["show", "treatments/index#local"]);
    assert!(
        show.stdout
            .contains("\n   https://www.example.net/info/treatments/#local\n"),
        "{show:?}"
    );
    let export = env.run(&["export"]);
    assert!(
        export
            .stdout
            .contains(r#""url":"https://www.example.net/info/treatments/#local""#)
    );

    // Text and Markdown pages have no live address.
    env.write("notes.md", "# Notes\n\nEverolimus notes.\n");
    env.run(&["index"]);
    let hits = env.search("notes", &[]).hits;
    assert_eq!(
        (hits[0].doc.as_str(), hits[0].url.as_deref()),
        ("notes", None)
    );

    // The served pages link to it: the results' data and the document page.
    let server = Server::start(&env, &[]);
    let results: Value = server.json("/api/search?q=gallstones");
    assert_eq!(
        results["hits"][0]["url"],
        "https://www.example.net/info/drugs/octreotide.htm#side-effects"
    );
    let (_, _, page) = server.get("/docs/treatments/embolization");
    assert!(
        page.contains(r#"<p class="reviewed">Last medical review: May 2024</p>"#),
        "{page}"
    );
    let lead = &env.search("\"thin tube\"", &[]).hits[0];
    assert_eq!(lead.metadata, ["Last medical review: May 2024"]);
    let (status, _, page) = server.get("/docs/drugs/octreotide");
    assert_eq!(status, 200);
    assert!(page.contains(r#"<a href="https://www.example.net/info/drugs/octreotide.htm">Open this page on the site</a>"#), "{page}");
}

/// A page in the text layout of the material, with the same site boilerplate at its end.
fn text_page(topic: &str, own: &str) -> String {
    format!(
        "{topic}\n\nLast medical review:\n\n{own} This page is about {topic}.\n\nSide effects\n\n\
         {topic} can cause tiredness in some people who have it.\n\n\
         Medical disclaimer\n\nNothing on this website replaces a conversation with your own \
         care team.\n\nWe check every page carefully but cannot promise it is free of errors.\n\n\
         1-800-555-0199 | cancer.example | © 2025 Example Cancer Society\n"
    )
}

#[test]
fn text_repeated_on_many_pages_answers_once() {
    let env = Env::material();
    for (name, topic) in [
        ("a", "Octreotide"),
        ("b", "Lanreotide"),
        ("c", "Everolimus"),
        ("d", "Sunitinib"),
    ] {
        env.write(
            &format!("{name}.txt"),
            text_page(topic, &format!("Own words of page {name}.")),
        );
    }
    assert_eq!(env.run(&["index"]).code, 0);
    let hits = |q: &str| env.search(q, &["--limit", "50"]).hits;
    let disclaimer = hits("\"replaces a conversation\"");
    assert_eq!(disclaimer.len(), 1, "{disclaimer:?}");
    assert_eq!(disclaimer[0].doc, "a");
    // The material's own boilerplate is on one page only: still there.
    assert_eq!(
        hits("\"Every donation helps fund reliable cancer information\"").len(),
        1
    );
    // Sections that share a heading (and their own text) are not chrome.
    assert_eq!(hits("tiredness").len(), 4);
    assert_eq!(hits("heading:\"side effects\"").len(), 5);
    let status = env.run(&["status"]);
    assert!(
        status.stdout.contains(
            "chrome     3 blocks repeated on 3 or more files, indexed once: 9 copies set aside; \
             the first at corpus/a.txt:"
        ),
        "{status:?}"
    );

    // The page that held the kept copy loses it: the next page holds it now.
    env.write(
        "a.txt",
        "Octreotide\n\nNo boilerplate on this page any more.\n",
    );
    assert_eq!(env.run(&["index"]).code, 0);
    let disclaimer = hits("\"replaces a conversation\"");
    assert_eq!(
        disclaimer
            .iter()
            .map(|h| h.doc.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
    // Two pages left with it: not chrome any more, both answer.
    std::fs::remove_file(env.path("corpus/c.txt")).unwrap();
    assert_eq!(env.run(&["index"]).code, 0);
    let docs: Vec<String> = hits("\"replaces a conversation\"")
        .iter()
        .map(|h| h.doc.clone())
        .collect();
    assert_eq!(docs, ["b", "d"]);
    // An index built from scratch holds the same.
    assert_eq!(env.run(&["index", "--full"]).code, 0);
    let again: Vec<String> = hits("\"replaces a conversation\"")
        .iter()
        .map(|h| h.doc.clone())
        .collect();
    assert_eq!(again, docs);
}

#[test]
fn a_site_template_around_pages_without_main_answers_once() {
    let env = site();
    assert_eq!(env.run(&["index"]).code, 0);
    // Three pages without <main> carry the cookie notice and the skip link in their content.
    let cookies = env.search("cookie policy", &[]);
    assert_eq!(cookies.total_hits, 1, "{cookies:?}");
    assert_eq!(cookies.hits[0].doc, "about");
    assert_eq!(env.search("\"skip to main content\"", &[]).total_hits, 1);
    // Their own text is all there.
    assert_eq!(env.search("charity", &[]).total_hits, 1);
    assert_eq!(env.search("plain words", &[]).hits[0].doc, "index");
}
