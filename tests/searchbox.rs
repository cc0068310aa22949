//! The habits of a search box, through the CLI and the API: completing the word being typed,
//! turning correction off, never turning one abbreviation into another, a forgiving reading of
//! half-typed syntax, paging, and the API's conditional answers.

use serde_json::Value;

use crate::util::{Env, Server, get, http};

/// The material, plus pages that define abbreviations one letter apart from others and name
/// drugs that only a prefix of a few letters finds.
fn pages() -> Env {
    let env = Env::material();
    env.write(
        "radiation.txt",
        "Radiation therapy for liver tumours\n\nStereotactic body radiation therapy (SBRT) gives \
         high doses to a small area.\n\nImaging\n\nMagnetic resonance angiography (MRA) shows the \
         blood vessels of the liver.\n",
    );
    env.write(
        "drugs.txt",
        "Somatostatin analogues\n\nOctreotide and lanreotide control the hormones that \
         neuroendocrine tumours make.\n\nSide effects\n\nOctreotide can cause gallstones.\n",
    );
    assert_eq!(env.run(&["index"]).code, 0);
    env
}

#[test]
fn the_word_being_typed_is_completed() {
    let env = pages();
    let docs = |q: &str, args: &[&str]| {
        let mut all = vec!["--typing"];
        all.extend(args);
        let results = env.search(q, &all);
        results
            .hits
            .iter()
            .map(|h| h.doc.clone())
            .collect::<Vec<_>>()
    };
    // `oct` is no word of the corpus: as typed so far, it is octreotide's beginning.
    assert_eq!(env.search("oct", &[]).total_hits, 0);
    assert_eq!(docs("oct", &[]), ["drugs", "drugs"]);
    let typed = env.search("oct", &["--typing"]);
    assert_eq!(typed.query, "oct");
    assert!(
        typed.hits[0]
            .marked()
            .iter()
            .all(|m| m.to_lowercase().starts_with("oct"))
    );
    // The last word only, and only while no space follows it.
    assert_eq!(
        docs("gallstones oct", &[]).first().map(String::as_str),
        Some("drugs")
    );
    assert!(env.search("oct ", &["--typing"]).hits.is_empty());
    // A last word that begins nothing is read as a word (and corrected as one).
    let corrected = env.search("gallstnes", &["--typing"]);
    assert_eq!(corrected.corrected_query.as_deref(), Some("gallstones"));
    // A hostile one-letter prefix is bounded and answers.
    assert!(!env.search("a", &["--typing"]).hits.is_empty());
    // The API reads the same: `typing=true`.
    let server = Server::start(&env, &[]);
    let api: Value = server.json("/api/search?q=oct&typing=true");
    assert_eq!(api["hits"][0]["doc"], "drugs");
    assert_eq!(api["query"], "oct");
}

#[test]
fn correction_can_be_turned_off() {
    let env = pages();
    let corrected = env.search("side efects", &[]);
    assert_eq!(corrected.corrected_query.as_deref(), Some("side effects"));
    // The heading's matches are marked too (the page highlights titles).
    let heading = corrected
        .hits
        .iter()
        .find(|h| h.heading == "Side effects")
        .unwrap();
    assert_eq!(heading.heading_highlights, [[0, 12]]);
    let as_written = env.search("side efects", &["--no-correct"]);
    assert_eq!(as_written.corrected_query, None);
    assert!(as_written.hits.iter().all(|h| {
        !h.marked()
            .iter()
            .any(|m| m.to_lowercase().starts_with("effect"))
    }));
    let server = Server::start(&env, &[]);
    let api: Value = server.json("/api/search?q=side+efects&correct=false");
    assert_eq!(api["corrected_query"], Value::Null);
    assert_eq!(api["query"], "side efects");
    // Nothing matches as written: "did you mean" is still offered.
    let nothing = env.search("gallstnes", &["--no-correct"]);
    assert_eq!(
        (nothing.total_hits, nothing.suggestion.as_deref()),
        (0, Some("gallstones"))
    );
}

#[test]
fn one_abbreviation_is_never_turned_into_another() {
    let env = pages();
    // Each pair differs by one letter; the second is defined in the corpus, the first is not
    // in it at all.
    for (typed, known) in [
        ("TARE", "tace"),
        ("tare", "tace"),
        ("SIRT", "sbrt"),
        ("MRI", "mra"),
        ("sirt", "sbrt"),
    ] {
        let results = env.search(typed, &[]);
        assert_eq!(results.corrected_query, None, "{typed}");
        assert!(
            results
                .suggestion
                .as_deref()
                .is_none_or(|s| !s.to_lowercase().contains(known)),
            "{typed} → {:?}",
            results.suggestion
        );
        assert_eq!(results.total_hits, 0, "{typed}");
    }
    // Capitals are never corrected silently, even far from any abbreviation; a word typed in
    // lower case still is.
    let shouted = env.search("GALSTONES", &[]);
    assert_eq!(shouted.corrected_query, None);
    assert_eq!(shouted.suggestion.as_deref(), Some("gallstones"));
    assert_eq!(
        env.search("galstones", &[]).corrected_query.as_deref(),
        Some("gallstones")
    );
}

#[test]
fn half_typed_syntax_is_read_forgivingly_by_the_api_and_strictly_by_the_cli() {
    let env = pages();
    let server = Server::start(&env, &[]);
    let forgiving = |q: &str| -> Value {
        let path = format!("/api/search?forgiving=true&q={}", urlencode(q));
        server.json(&path)
    };
    let quote = forgiving("\"blood supply");
    assert_eq!(quote["read_as"]["text"], "\"blood supply\"");
    assert_eq!(quote["read_as"]["plain"], false);
    assert_eq!(quote["hits"][0]["anchor"], "hepatic-arterial-embolization");
    assert_eq!(forgiving("(TACE")["read_as"]["text"], "(TACE)");
    assert_eq!(forgiving("liver)")["read_as"]["text"], "liver");
    let lone = forgiving("gallstones AND");
    assert_eq!(lone["read_as"]["plain"], true);
    assert_eq!(lone["hits"][0]["doc"], "drugs");
    // A query that parses is not noted.
    assert!(forgiving("gallstones").get("read_as").is_none());
    // Without `forgiving`, and in the CLI: the error and its position.
    let (status, _, body) = get(&server.url, "/api/search?q=%22blood+supply");
    assert_eq!(status, 400, "{body}");
    let cli = env.run(&["search", "\"blood supply"]);
    assert_eq!(cli.code, 2);
    assert!(cli.stderr.contains("unbalanced quote"), "{cli:?}");
}

#[test]
fn pages_of_results_cache_validation_and_parameters() {
    let env = pages();
    let server = Server::start(&env, &[]);
    let ids = |path: &str| -> Vec<(u64, String)> {
        let v: Value = server.json(path);
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["rank"].as_u64().unwrap(),
                    h["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let six = ids("/api/search?q=liver&limit=6");
    assert_eq!(six.len(), 6);
    assert_eq!(ids("/api/search?q=liver&limit=3&offset=3"), six[3..]);
    let cli = env.search("liver", &["--limit", "3", "--offset", "3"]);
    assert_eq!(
        cli.hits.iter().map(|h| h.rank).collect::<Vec<_>>(),
        [4, 5, 6]
    );
    assert!(ids("/api/search?q=liver&offset=10000").is_empty());

    // A cache buster is ignored; a parameter given twice is refused.
    assert_eq!(ids("/api/search?q=liver&limit=6&_=1712345"), six);
    let (status, _, body) = get(&server.url, "/api/search?q=liver&q=lung");
    assert_eq!(status, 400);
    assert!(body.contains("the q parameter is given twice"), "{body}");

    // The generation is the answer's version: asked again with it, 304 and no body.
    let first = http()
        .get(&format!("{}/api/search?q=liver", server.url))
        .call()
        .unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\"gen-"), "{etag}");
    let again = http()
        .get(&format!("{}/api/search?q=liver", server.url))
        .header("if-none-match", &etag)
        .call()
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    // A new generation answers anew.
    env.write("new.txt", "New page\n\nAbout the liver.\n");
    assert_eq!(env.run(&["index"]).code, 0);
    let mut after = None;
    for _ in 0..100 {
        let response = http()
            .get(&format!("{}/api/search?q=liver", server.url))
            .header("if-none-match", &etag)
            .call()
            .unwrap();
        if response.status().as_u16() == 200 {
            after = Some(response);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(after.is_some(), "the new generation never answered");
}

/// `text` encoded for a query string.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn results_are_drawn_without_script_and_crawlers_find_every_page() {
    let env = pages();
    let server = Server::start(&env, &[]);
    let (status, _, page) = get(&server.url, "/?q=embolic+agent");
    assert_eq!(status, 200);
    assert!(
        page.contains(
            r#"<li id="result-1"><h2><a href="/docs/liver-directed-therapy-for-neuroendocrine-cancer?q=embolic+agent#hepatic-arterial-embolization">Hepatic arterial <mark>embolization</mark></a></h2>"#
        ),
        "{page}"
    );
    assert!(page.contains(r#"data-query="embolic agent""#));
    assert!(page.contains(r#"value="embolic agent""#));
    assert!(page.contains("<title>“embolic agent” · Search · medsearch</title>"));
    assert!(
        page.contains(r#"aria-live="polite">Showing 2 of 2 results.</p>"#),
        "{page}"
    );
    // The notes the script shows, drawn too; markup in the query stays text.
    let (_, _, page) = get(&server.url, "/?q=side+efects");
    assert!(
        page.contains(
            r#"Search instead for <a href="/?q=side+efects&amp;correct=false">side efects</a>"#
        ),
        "{page}"
    );
    let (_, _, page) = get(&server.url, "/?q=%22blood+supply");
    assert!(
        page.contains("Searched for &quot;blood supply&quot;."),
        "{page}"
    );
    let (_, _, page) = get(&server.url, "/?q=%3Cscript%3Ealert(1)%3C/script%3E");
    assert!(!page.contains("<script>alert"), "{page}");

    let (status, _, robots) = get(&server.url, "/robots.txt");
    assert_eq!(status, 200);
    assert!(robots.contains("Disallow: /api/\n"), "{robots}");
    assert!(
        robots.contains(&format!("Sitemap: {}/sitemap.xml", server.url)),
        "{robots}"
    );
    let (_, _, sitemap) = get(&server.url, "/sitemap.xml");
    for doc in [
        "drugs",
        "radiation",
        "liver-directed-therapy-for-neuroendocrine-cancer",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{}/docs/{doc}</loc>", server.url)),
            "{sitemap}"
        );
    }
    let (status, _, list) = get(&server.url, "/docs/");
    assert_eq!(status, 200);
    assert!(
        list.contains(r#"<a href="/docs/drugs">drugs</a>"#),
        "{list}"
    );
    assert!(list.contains("3 pages in the index."), "{list}");
    // A page removed from the index leaves the list.
    std::fs::remove_file(env.path("corpus/drugs.txt")).unwrap();
    assert_eq!(env.run(&["index"]).code, 0);
    let mut gone = false;
    for _ in 0..100 {
        if !get(&server.url, "/docs/").2.contains("/docs/drugs") {
            gone = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(gone);
    let (status, _, icon) = get(&server.url, "/assets/icon.svg");
    assert_eq!((status, icon.starts_with("<svg")), (200, true));
}

#[test]
fn document_pages_keep_the_shape_of_their_source() {
    let env = pages();
    env.write(
        "care.md",
        "# Caring for yourself\n\nAfter treatment.\n\n## Side effects\n\n| Effect | How common |\n\
         |---|---|\n| Fever | Common |\n\n1. Rest\n2. Drink water\n   - small sips\n\nSee \
         [the guide](https://example.org/guide) and ~~hair loss~~ (not listed).\n\n\
         ## When to call\n\n> Call if the fever lasts.\n\n<script>alert(1)</script>\n",
    );
    assert_eq!(env.run(&["index"]).code, 0);
    let server = Server::start(&env, &[]);
    let (status, _, page) = get(&server.url, "/docs/care?q=fever");
    assert_eq!(status, 200);
    for expected in [
        "<table><thead><tr><th>Effect</th><th>How common</th></tr></thead>",
        "<td><mark>Fever</mark></td>",
        "<ol>\n<li>Rest</li>\n<li>Drink water\n<ul>\n<li>small sips</li>",
        r#"<a href="https://example.org/guide" rel="noopener noreferrer">the guide</a>"#,
        "<del>hair loss</del>",
        "<blockquote>",
        r#"<h2 id="side-effects">Side effects</h2>"#,
        r##"<nav class="contents" aria-label="Contents"><h2>On this page</h2><ol><li><a href="#side-effects">Side effects</a></li><li><a href="#when-to-call">When to call</a></li></ol></nav>"##,
    ] {
        assert!(page.contains(expected), "{expected}\n{page}");
    }
    assert!(!page.contains("<script>alert"), "{page}");
    // A page in the text layout: each section whole, with a link to itself.
    let (_, _, page) = get(&server.url, "/docs/drugs");
    assert!(
        page.contains(r##"<section class="record"><h2 id="side-effects">Side effects</h2><a class="permalink" href="#side-effects">"##),
        "{page}"
    );
}
