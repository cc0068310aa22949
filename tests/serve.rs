//! `medsearch serve` driven over HTTP as a client would: the API answers as the CLI does,
//! bad input gets 4xx with a clear message, the server follows new index generations without
//! a failed request, and stops cleanly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::util::{Env, Server, get, http};

const DOC: &str = "liver-directed-therapy-for-neuroendocrine-cancer";

#[test]
fn the_api_answers_with_the_objects_the_cli_prints() {
    let env = Env::material();
    let server = Server::start(&env, &[]);
    let (status, generation, body) = server.get("/api/search?q=embolic+agent&limit=3");
    assert_eq!(status, 200);
    let cli = env.run(&["search", "--json", "--limit", "3", "embolic agent"]);
    // The same bytes as `search --json`, but for the paths: relative to the corpus folder (no
    // server path leaves the server).
    assert!(cli.stdout.contains(r#""path":"corpus/"#));
    assert!(!body.contains(r#""path":"corpus/"#) && !body.contains(r#""path":"/"#));
    assert_eq!(
        body,
        cli.stdout.replace(r#""path":"corpus/"#, r#""path":""#)
    );
    assert!(generation.is_some_and(|g| g.starts_with("gen-")));

    let kind = server.get("/api/search?q=catheter&kind=reference&plain=true");
    let cli = env.run(&[
        "search",
        "--json",
        "--kind",
        "reference",
        "--plain",
        "catheter",
    ]);
    assert_eq!(
        kind.2,
        cli.stdout.replace(r#""path":"corpus/"#, r#""path":""#)
    );

    let record = server.get(&format!("/api/records/{DOC}/hepatic-arterial-embolization"));
    let cli = env.run(&[
        "show",
        "--json",
        &format!("{DOC}#hepatic-arterial-embolization"),
    ]);
    assert_eq!(
        (record.0, record.2),
        (200, cli.stdout.replace(r#""path":"corpus/"#, r#""path":""#))
    );

    // The status without the server's folders, and with medsearch's version alone.
    let status: Value = server.json("/api/status");
    let mut cli: Value = serde_json::from_str(&env.run(&["status", "--json"]).stdout).unwrap();
    let cli = cli.as_object_mut().unwrap();
    cli.remove("index");
    cli.remove("corpus");
    cli["fingerprint"] = Value::from(format!("medsearch {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(status, Value::Object(cli.clone()));
}

#[test]
fn bad_requests_get_a_clear_4xx_never_a_500() {
    let env = Env::material();
    let server = Server::start(&env, &[]);
    let error = |path: &str, status: u16| -> Value {
        let (got, _, body) = server.get(path);
        assert_eq!(got, status, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    };
    let unbalanced = error("/api/search?q=liver+%22embolic", 400);
    assert_eq!(unbalanced["position"], 7);
    assert!(
        unbalanced["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid query: unbalanced quote")
    );
    let long = "a+".repeat(6_000);
    assert_eq!(
        error(&format!("/api/search?q={long}"), 400)["position"],
        10_001
    );
    for (path, message) in [
        ("/api/search", "the q parameter is missing"),
        (
            "/api/search?q=x&limit=100000",
            "limit '100000' is not a whole number from 1 to 10000",
        ),
        (
            "/api/search?q=x&kind=chapter",
            "kind 'chapter' is not one of section, reference, reviewer, all",
        ),
        (
            "/api/search?q=x&order=new",
            "unknown parameter 'order' (q, limit, offset, kind, plain, count, correct, \
             forgiving, typing, mode)",
        ),
    ] {
        assert_eq!(error(path, 400)["error"], message, "{path}");
    }
    let missing = error(&format!("/api/records/{DOC}/hepatic-embolization"), 404);
    let message = missing["error"].as_str().unwrap();
    assert!(
        message.contains("hepatic-arterial-embolization"),
        "{message}"
    );
    assert!(
        message.starts_with("no record "),
        "not the CLI's wording: {message}"
    );
    // Another method: 405 with a JSON body naming the one that works.
    let post = http()
        .post(&format!("{}/api/search?q=x", server.url))
        .send(&b""[..])
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
    let body: Value = serde_json::from_str(&post.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(body["error"], "method POST is not allowed here: only GET");
    error("/api/nothing", 404);
    let (status, _, page) = server.get("/docs/no-such-page");
    assert_eq!(status, 404);
    assert!(page.contains("No such page"));

    // A body over the bound: 413 before anything is read.
    let big = http()
        .post(&format!("{}/api/search?q=x", server.url))
        .send(&vec![b'a'; 100_000][..])
        .unwrap();
    assert_eq!(big.status().as_u16(), 413);
    // A request head over hyper's bound: 431.
    let head = http()
        .get(&format!("{}/api/search?q=x", server.url))
        .header("x-big", "a".repeat(1 << 20))
        .call();
    assert!(
        head.as_ref().is_ok_and(|r| r.status().as_u16() == 431) || head.is_err(),
        "{head:?}"
    );
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn document_pages_mark_the_query_and_escape_the_corpus() {
    let env = Env::material();
    env.write(
        "hostile.txt",
        "Care <script>alert(1)</script> guide\n\nIntro with <img src=x onerror=alert(2)> text \
         about tumours.\n\nWhat \"helps\" & why\n\n• one <b>bold</b> claim\n• another\n",
    );
    let server = Server::start(&env, &[]);
    let (status, _, page) = server.get(&format!("/docs/{DOC}?q=tumor"));
    assert_eq!(status, 200);
    assert!(page.contains(r#"<h2 id="hepatic-arterial-embolization">"#));
    assert!(page.contains("<mark>tumour</mark>"), "tumor marks tumour");
    assert!(page.contains(r#"<li id="ref-1">"#));
    assert!(page.contains(r#"<ol class="references">"#));

    let (_, _, page) = server.get("/docs/hostile?q=%3Cscript%3Ealert(3)%3C/script%3E+helps");
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<b>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains(r#"value="&lt;script&gt;alert(3)&lt;/script&gt; helps""#));
    assert!(page.contains("<mark>helps</mark>"));
    assert!(page.contains("<li>one &lt;b&gt;bold&lt;/b&gt; claim</li>"));

    let (_, _, search) = server.get("/api/search?q=%3Cimg+src%3Dx+onerror%3Dalert(4)%3E&plain");
    let results: Value = serde_json::from_str(&search).unwrap();
    assert_eq!(results["query"], "<img src=x onerror=alert(4)>");
}

#[test]
fn the_page_and_its_files_come_from_the_binary_with_a_strict_policy() {
    let env = Env::material();
    let server = Server::start(&env, &[]);
    for path in ["/", "/assets/app.js", "/assets/style.css", "/?q=embolic"] {
        let response = http().get(&format!("{}{path}", server.url)).call().unwrap();
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
    let (_, _, html) = server.get("/");
    assert!(html.contains(r#"<script src="/assets/app.js" defer></script>"#));
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn the_server_follows_new_generations_without_a_failed_request() {
    let env = Env::material();
    let server = Server::start(&env, &[]);
    let stop = Arc::new(AtomicBool::new(false));
    // The hammer holds the URL only: if this test fails, the server is stopped when `server`
    // drops, and the hammer's next request fails in its own thread.
    let hammer = {
        let (url, stop) = (server.url.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let (status, generation, body) = get(&url, "/api/search?q=embolic+agent");
                assert_eq!(status, 200, "{body}");
                let results: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(
                    results["hits"][0]["anchor"],
                    "hepatic-arterial-embolization"
                );
                seen.push(generation.expect("a generation"));
            }
            seen
        })
    };
    let first = server.get("/api/search?q=zebrafinch");
    assert_eq!(first.0, 200);
    assert!(first.2.contains(r#""total_hits":0"#));
    env.write("birds.txt", "Birds\n\nThe zebrafinch sings.\n");
    let run = env.run(&["index"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The next request after `index` has published is answered from the new generation.
    let (_, found, body) = server.get("/api/search?q=zebrafinch");
    assert!(body.contains(r#""anchor":"birds""#), "{body}");
    let found = found.unwrap();
    env.run(&["index", "--full"]);
    let after_full = server.get("/api/search?q=zebrafinch");
    assert!(after_full.2.contains(r#""anchor":"birds""#));
    assert_ne!(after_full.1.unwrap(), found);
    stop.store(true, Ordering::SeqCst);
    let seen = hammer.join().expect("every request answered 200");
    let switched = seen.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(switched >= 1, "the hammer saw no switch: {seen:?}");
}

#[test]
fn sigterm_and_ctrl_c_stop_it_cleanly() {
    let env = Env::material();
    let server = Server::start(&env, &[]);
    server.get("/api/search?q=liver");
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0));
    assert_eq!(stderr, "medsearch: stopped\n");

    // Built at start (no index yet), then stopped by Ctrl-C (SIGINT).
    let env = Env::material();
    let server = Server::start(&env, &["--corpus", "corpus", "--index", "idx"]);
    assert!(env.path("idx/CURRENT").exists());
    let pid = server.pid().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "medsearch: stopped\n");
}

#[test]
fn a_busy_address_is_one_line_naming_it() {
    let env = Env::material();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = env.run(&["serve", "--addr", &addr]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with(&format!("medsearch: error: cannot listen on {addr}: ")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.ends_with("(give another with --addr)\n"));
    env.run(&["serve", "--addr", "localhost"])
        .assert_error("invalid value 'localhost' for '--addr <ADDR>': invalid socket address syntax (see `medsearch serve --help`)");
}

#[test]
fn a_response_being_sent_when_sigterm_comes_arrives_whole() {
    use std::io::{Read, Write};
    let env = Env::empty();
    env.write_pages(2_000, "common");
    let server = Server::start(&env, &[]);
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(
            b"GET /api/search?q=common&limit=10000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    // The first byte of the answer: the request is being answered.
    let mut response = vec![0u8; 1];
    stream.read_exact(&mut response).unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole head");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("a content length")
        .parse()
        .unwrap();
    assert_eq!(body.len(), length, "the whole body");
    let results: Value = serde_json::from_str(body).unwrap();
    assert_eq!(results["hits"].as_array().unwrap().len(), 4_000);
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn every_record_a_search_can_return_has_its_anchor_on_its_document_page() {
    let env = Env::material_and_pages();
    env.copy(
        &crate::util::fixture("markdown/living-well.md"),
        "living-well.md",
    );
    env.write(
        "feeds/notes.jsonl",
        concat!(
            r#"{"id": "notes/a b?c#d", "title": "Odd id", "text": "Mouth care helps."}"#,
            "\n",
            r#"{"id": "plain", "title": "Plain", "text": "Rest and fluids."}"#,
            "\n"
        ),
    );
    let server = Server::start(&env, &[]);
    let export = env.run(&["export"]);
    assert_eq!(export.code, 0, "{export:?}");
    let mut pages = std::collections::HashMap::new();
    let mut records = 0;
    for line in export.stdout.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let (doc, anchor) = (
            record["doc"].as_str().unwrap(),
            record["anchor"].as_str().unwrap(),
        );
        let page = pages.entry(doc.to_string()).or_insert_with(|| {
            // The path as the search page builds it: each segment percent-encoded (as
            // encodeURIComponent does).
            let path: Vec<String> = doc
                .split('/')
                .map(|segment| {
                    segment
                        .bytes()
                        .map(|b| match b {
                            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                                (b as char).to_string()
                            }
                            _ => format!("%{b:02X}"),
                        })
                        .collect()
                })
                .collect();
            let (status, _, html) = server.get(&format!("/docs/{}", path.join("/")));
            assert_eq!(status, 200, "{doc}: {html}");
            html
        });
        let id = format!(r#" id="{anchor}""#);
        assert_eq!(page.matches(&id).count(), 1, "{doc}#{anchor}");
        records += 1;
    }
    assert!(
        records >= 50 && pages.len() >= 7,
        "{records} records, {} pages",
        pages.len()
    );
}

#[test]
fn the_api_answers_pages_on_allowed_origins_only() {
    let env = Env::material();
    let allow = |server: &Server, origin: &str| {
        let response = http()
            .get(&format!("{}/api/search?q=liver", server.url))
            .header("origin", origin)
            .call()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        (
            header("access-control-allow-origin"),
            header("access-control-expose-headers"),
        )
    };
    let closed = Server::start(&env, &[]);
    assert_eq!(allow(&closed, "https://charity.example"), (None, None));
    drop(closed);

    let open = Server::start(&env, &["--allow-origin", "https://charity.example"]);
    let (origin, exposed) = allow(&open, "https://charity.example");
    assert_eq!(origin.as_deref(), Some("https://charity.example"));
    assert_eq!(exposed.as_deref(), Some("x-medsearch-generation"));
    assert_eq!(allow(&open, "https://elsewhere.example").0, None);
    drop(open);

    env.run(&["serve", "--allow-origin", "charity.example"])
        .assert_error(
            "invalid value 'charity.example' for '--allow-origin <ORIGIN>': an origin is `*` or \
         scheme://host[:port], e.g. https://example.org (see `medsearch serve --help`)",
        );
}
