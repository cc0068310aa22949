//! The search page in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven over WebDriver by fantoccini, against the real `medsearch serve`,
//! the way a reader uses it: type, read the results, press Enter, land on the section.
//!
//! Without chromedriver these tests say so on stderr (past the harness's capture: `SKIPPED a
//! browser test (name)` shows in `cargo test`'s output) and pass, so that `cargo test` works on
//! a machine without a browser; with `MEDSEARCH_BROWSER_TESTS=require` (set by `.ci/run`, which
//! installs the packages) a missing browser fails them instead: CI never skips them silently.
//! Screenshots go to `target/tmp/screenshots/`. One browser runs at a time (a lock), since
//! two on a two-core machine slow each other past the waits.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::util::{Env, Server};

/// How long a page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(15);
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A headless Chromium session, and the chromedriver that runs it.
struct Browser {
    client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// chromedriver's path, or `None` (after saying so) when it is missing and not required.
fn chromedriver() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        let why = "chromedriver not found: install Debian's chromium and chromium-driver \
                   (apt-get install chromium chromium-driver), as .ci/run does";
        assert!(
            std::env::var("MEDSEARCH_BROWSER_TESTS").as_deref() != Ok("require"),
            "{why}"
        );
        // Straight to the process's stderr: the test harness captures `eprintln!`, and a
        // skipped test must be seen in the output of `cargo test`.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a browser test ({}): {why}",
            std::thread::current().name().unwrap_or("?")
        );
    }
    found
}

impl Browser {
    async fn start(driver: &Path) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let browser_args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1440,1000",
            "--hide-scrollbars",
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium(), "args": browser_args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let deadline = Instant::now() + WAIT;
        let client = loop {
            let connecting = ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match connecting {
                Ok(client) => break client,
                Err(e) if Instant::now() > deadline => panic!("no WebDriver session: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            driver: child,
        }
    }

    /// Runs `script` (a function body) until it returns something truthy.
    async fn until(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.client.execute(script, vec![]).await.expect("a script");
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            assert!(Instant::now() < deadline, "waited {WAIT:?} for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("a script")
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.expect(css);
        field.send_keys(text).await.expect("typing");
    }

    /// The results as `[heading, marked texts]`, once the answer to `query` is shown (the page
    /// names it in the list's `data-query`).
    async fn results_for(&self, query: &str) -> Vec<(String, Vec<String>)> {
        let script = format!(
            "const list = document.getElementById('results');
             if (list.dataset.query !== {query:?}) return null;
             return Array.from(document.querySelectorAll('#results > li')).map(li => [
               li.querySelector('h2 a').textContent,
               Array.from(li.querySelectorAll('.snippet mark')).map(m => m.textContent)]);"
        );
        let value = self.until(&format!("results for {query:?}"), &script).await;
        serde_json::from_value(value).expect("results")
    }

    /// Injects axe-core and returns its WCAG 2.1 A/AA violations, one line each.
    async fn accessibility_violations(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(crate::util::repo().join("tests/browser/axe.min.js"))
            .expect("the vendored axe-core");
        self.client.execute(&axe, vec![]).await.expect("axe loads");
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
              .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' (' +
                 v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))
              .catch(e => done(['axe failed: ' + e]));";
        let value = self
            .client
            .execute_async(run, vec![])
            .await
            .expect("axe runs");
        serde_json::from_value(value).expect("violations")
    }

    /// Saves a screenshot as `target/tmp/screenshots/NAME.png`.
    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }
}

/// The Chromium binary next to chromedriver (Debian's package).
fn chromium() -> &'static str {
    "/usr/bin/chromium"
}

/// Runs `test` with a browser and a server on `env`, one browser at a time.
async fn with_browser<F, Fut>(env: &Env, test: F)
where
    F: FnOnce(Browser, String) -> Fut,
    Fut: std::future::Future<Output = Browser>,
{
    let Some(driver) = chromedriver() else { return };
    let _one = ONE_BROWSER.lock().await;
    let server = Server::start(env, &[]);
    let browser = Browser::start(&driver).await;
    let browser = test(browser, server.url.clone()).await;
    let Browser { client, .. } = &browser;
    let _ = client.clone().close().await;
    drop(browser);
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "{stderr}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_reader_types_a_query_and_lands_on_the_section_with_its_words_marked() {
    let env = Env::material_and_pages();
    with_browser(&env, |b, url| async move {
        b.client.goto(&format!("{url}/")).await.unwrap();
        assert!(b.accessibility_violations().await.is_empty());
        b.type_into("#q", "embolic agent").await;
        let results = b.results_for("embolic agent").await;
        let (heading, marks) = &results[0];
        assert_eq!(heading, "Hepatic arterial embolization");
        assert!(marks.contains(&"embolic agent".to_string()), "{marks:?}");
        let status = b.eval("return document.getElementById('status').textContent").await;
        assert!(status.as_str().unwrap().starts_with("Showing "), "{status}");
        assert_eq!(b.accessibility_violations().await, Vec::<String>::new());
        b.screenshot("search-1440").await;
        b.client.set_window_size(360, 800).await.unwrap();
        let overflow = b.eval("return document.documentElement.scrollWidth").await;
        assert!(overflow.as_u64().unwrap() <= 360, "no sideways scroll at 360 px");
        b.screenshot("search-360").await;
        b.client.set_window_size(1440, 1000).await.unwrap();

        // Enter shows the list and moves the focus to it (it opens nothing); the arrow then
        // Enter opens the first result: the document, scrolled to the section, words marked.
        b.type_into("#q", &Key::Enter.to_string()).await;
        b.until(
            "the focus on the results",
            "return document.activeElement.id === 'results' && location.pathname === '/'",
        )
        .await;
        let active = b.client.active_element().await.unwrap();
        active.send_keys(&Key::Down.to_string()).await.unwrap();
        let active = b.client.active_element().await.unwrap();
        active.send_keys(&Key::Enter.to_string()).await.unwrap();
        let landed = b
            .until(
                "the document page",
                "return location.pathname.startsWith('/docs/') && document.readyState === 'complete' && location.hash",
            )
            .await;
        assert_eq!(landed, "#hepatic-arterial-embolization");
        let section = b
            .eval(
                "const h = document.getElementById('hepatic-arterial-embolization');
                 const marks = [];
                 for (let e = h.nextElementSibling; e && !/^H[1-6]$/.test(e.tagName); e = e.nextElementSibling)
                   e.querySelectorAll('mark').forEach(m => marks.push(m.textContent.toLowerCase()));
                 return { top: h.getBoundingClientRect().top, scrolled: window.scrollY,
                          target: h.matches(':target'), marks };",
            )
            .await;
        assert_eq!(section["target"], true);
        // The whole target section is highlighted, not only its heading.
        let highlighted = b
            .eval(
                "const h = document.getElementById('hepatic-arterial-embolization');
                 return [getComputedStyle(h.closest('section')).backgroundColor,
                         h.closest('section').querySelectorAll('p').length];",
            )
            .await;
        assert_eq!(highlighted[0], "rgb(247, 245, 250)", "{highlighted}");
        assert!(highlighted[1].as_u64().unwrap() > 1, "{highlighted}");
        assert!(section["scrolled"].as_f64().unwrap() > 0.0, "{section}");
        assert!(section["top"].as_f64().unwrap().abs() < 100.0, "{section}");
        let marks = section["marks"].as_array().unwrap();
        assert!(marks.contains(&json!("embolic agent")), "{section}");
        assert_eq!(b.accessibility_violations().await, Vec::<String>::new());
        b.screenshot("document-1440").await;

        // Back: the search page again, with the query and its results.
        b.client.back().await.unwrap();
        let results = b.results_for("embolic agent").await;
        assert_eq!(results[0].0, "Hepatic arterial embolization");
        let typed = b.eval("return document.getElementById('q').value").await;
        assert_eq!(typed, "embolic agent");
        b
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_keyboard_moves_through_results_and_a_misspelling_shows_what_ran() {
    let env = Env::material_and_pages();
    with_browser(&env, |b, url| async move {
        // A shared link runs its query.
        b.client
            .goto(&format!("{url}/?q=embolic+agent"))
            .await
            .unwrap();
        let shared = b.results_for("embolic agent").await;
        assert_eq!(shared[0].0, "Hepatic arterial embolization");

        b.client.goto(&format!("{url}/")).await.unwrap();
        b.type_into("#q", "cathter").await;
        let results = b.results_for("cathter").await;
        assert!(!results.is_empty());
        let corrected = b
            .until(
                "showing results for",
                "const c = document.getElementById('corrected'); return !c.hidden && c.textContent",
            )
            .await;
        assert!(
            corrected
                .as_str()
                .unwrap()
                .starts_with("Showing results for catheter"),
            "{corrected}"
        );
        assert_eq!(b.accessibility_violations().await, Vec::<String>::new());

        // Nothing found, a close query has hits: "Did you mean", a link that searches it.
        let field = b.client.find(Locator::Css("#q")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys("livr").await.unwrap();
        assert!(b.results_for("livr").await.is_empty());
        let status = b
            .eval("return document.getElementById('status').textContent")
            .await;
        assert_eq!(status, "No results for “livr”.");
        let did_you_mean = "const s = document.getElementById('suggestion');
                            return !s.hidden && s.textContent";
        assert_eq!(
            b.until("did you mean", did_you_mean).await,
            "Did you mean liver?"
        );
        let link = b.client.find(Locator::Css("#suggestion a")).await.unwrap();
        link.click().await.unwrap();
        assert!(!b.results_for("liver").await.is_empty());
        assert_eq!(
            b.eval("return document.getElementById('q').value").await,
            "liver"
        );

        // Ten results, then "Show more results" adds the next ones and focuses the first.
        field.clear().await.unwrap();
        field.send_keys("cancer").await.unwrap();
        assert_eq!(b.results_for("cancer").await.len(), 10);
        let total = b
            .eval("return document.getElementById('status').textContent")
            .await;
        let more = b.client.find(Locator::Css("#more")).await.unwrap();
        assert!(more.is_displayed().await.unwrap(), "{total}");
        more.click().await.unwrap();
        let shown = b
            .until(
                "more results",
                "const n = document.querySelectorAll('#results > li').length; return n > 10 && n",
            )
            .await;
        assert_eq!(
            b.eval("return document.activeElement.closest('li').id")
                .await,
            "result-11"
        );
        let total = total.as_str().unwrap();
        let all: u64 = total
            .trim_start_matches("Showing 10 of ")
            .trim_end_matches(" results.")
            .parse()
            .unwrap_or_else(|_| panic!("{total}"));
        if all <= 20 {
            assert_eq!(shown, all);
            assert!(!more.is_displayed().await.unwrap(), "nothing more to show");
        }

        field.clear().await.unwrap();
        field.send_keys("embolization").await.unwrap();
        let results = b.results_for("embolization").await;
        assert!(results.len() >= 2, "{results:?}");
        let focused = "return document.activeElement.textContent";
        b.type_into("#q", &Key::Down.to_string()).await;
        assert_eq!(b.eval(focused).await, json!(results[0].0));
        let active = b.client.active_element().await.unwrap();
        active.send_keys(&Key::Down.to_string()).await.unwrap();
        assert_eq!(b.eval(focused).await, json!(results[1].0));
        let outline = b
            .eval("return getComputedStyle(document.activeElement).outlineStyle")
            .await;
        assert_eq!(outline, "solid", "focus is visible");
        let target = b
            .eval("return document.activeElement.getAttribute('href')")
            .await;
        let active = b.client.active_element().await.unwrap();
        active.send_keys(&Key::Enter.to_string()).await.unwrap();
        b.until(
            "the second result's page",
            "return location.pathname.startsWith('/docs/')",
        )
        .await;
        let now = b
            .eval("return location.pathname + location.search + location.hash")
            .await;
        assert_eq!(now, target);
        b
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn markup_in_pages_and_queries_shows_as_text_and_runs_nothing() {
    let env = Env::material();
    env.write(
        "hostile.txt",
        "Care <script>window.pwned = 1</script> guide\n\nIntro about zebrafinch and \
         <img src=x onerror=\"window.pwned = 2\"> here.\n\nWhat <b>helps</b>\n\nThe \
         <svg onload=\"window.pwned = 3\"></svg> song.\n",
    );
    with_browser(&env, |b, url| async move {
        b.client.goto(&format!("{url}/")).await.unwrap();
        b.type_into("#q", "zebrafinch").await;
        let results = b.results_for("zebrafinch").await;
        assert_eq!(results[0].0, "Care <script>window.pwned = 1</script> guide");
        let snippets = b
            .eval("return Array.from(document.querySelectorAll('.snippet')).map(p => p.textContent).join(' ')")
            .await;
        assert!(snippets.as_str().unwrap().contains("<img src=x onerror="), "{snippets}");
        let injected = "return [window.pwned === undefined,
            document.querySelectorAll('#results img, #results svg, #results script, #results b').length]";
        assert_eq!(b.eval(injected).await, json!([true, 0]));

        let hostile_query = "<img src=x onerror=\"window.pwned = 4\"> zebrafinch";
        b.client.goto(&format!("{url}/")).await.unwrap();
        b.type_into("#q", hostile_query).await;
        b.results_for(hostile_query).await;
        assert_eq!(b.eval(injected).await, json!([true, 0]));

        // Drawn by the server for a shared link: escaped the same way.
        let shared = format!("{url}/?q={}", "%3Cimg+src%3Dx+onerror%3D%22window.pwned+%3D+4%22%3E+zebrafinch");
        b.client.goto(&shared).await.unwrap();
        b.results_for(hostile_query).await;
        assert_eq!(b.eval(injected).await, json!([true, 0]));

        b.type_into("#q", &Key::Enter.to_string()).await;
        b.until("the focus on the results", "return document.activeElement.id === 'results'")
            .await;
        let active = b.client.active_element().await.unwrap();
        active.send_keys(&Key::Down.to_string()).await.unwrap();
        let active = b.client.active_element().await.unwrap();
        active.send_keys(&Key::Enter.to_string()).await.unwrap();
        b.until("the document page", "return location.pathname === '/docs/hostile' && document.readyState === 'complete'")
            .await;
        let page = b
            .eval("return [window.pwned === undefined,
                   document.querySelectorAll('main img, main svg, main script, main b').length,
                   document.querySelector('h1').textContent,
                   document.getElementById('q').value]")
            .await;
        assert_eq!(
            page,
            json!([true, 0, "Care <script>window.pwned = 1</script> guide", hostile_query])
        );
        b
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_search_box_has_the_habits_readers_know() {
    let env = Env::material_and_pages();
    env.write(
        "drugs.txt",
        "Somatostatin analogues\n\nOctreotide and lanreotide control the hormones that \
         neuroendocrine tumours make.\n\nSide effects\n\nOctreotide can cause gallstones.\n",
    );
    with_browser(&env, |b, url| async move {
        b.client.goto(&format!("{url}/")).await.unwrap();
        // The word being typed is completed: `oct` finds octreotide at once.
        b.type_into("#q", "oct").await;
        let results = b.results_for("oct").await;
        assert!(
            results.iter().any(|(_, marks)| marks.iter().any(|m| m.starts_with("Octreotide"))),
            "{results:?}"
        );
        assert_eq!(b.eval("return document.title").await, "“oct” · Search · medsearch");
        assert_eq!(b.eval("return document.getElementById('results').getAttribute('aria-busy')").await, "false");
        assert_eq!(b.accessibility_violations().await, Vec::<String>::new());

        // Half-typed syntax: results, and a quiet note instead of an error.
        let field = b.client.find(Locator::Css("#q")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys("\"blood supply").await.unwrap();
        let results = b.results_for("\"blood supply").await;
        assert_eq!(results[0].0, "Hepatic arterial embolization");
        let note = b
            .until(
                "the note",
                "const c = document.getElementById('corrected'); return !c.hidden && c.textContent",
            )
            .await;
        assert_eq!(note, "Searched for \"blood supply\".");
        assert_eq!(b.accessibility_violations().await, Vec::<String>::new());

        // "Search instead for" searches the words as typed.
        field.clear().await.unwrap();
        field.send_keys("side efects").await.unwrap();
        b.results_for("side efects").await;
        b.until(
            "the correction",
            "const c = document.getElementById('corrected'); return !c.hidden && c.textContent.startsWith('Showing results for side effects')",
        )
        .await;
        let instead = b.client.find(Locator::Css("#corrected a")).await.unwrap();
        instead.click().await.unwrap();
        b.until(
            "the search as typed",
            "return location.search.includes('correct=false') && document.getElementById('corrected').hidden",
        )
        .await;
        let results = b.results_for("side efects").await;
        assert!(results.iter().all(|(_, marks)| marks.iter().all(|m| !m.to_lowercase().starts_with("effect"))), "{results:?}");

        // A citation's kind is read as a word of its own; a page's lead shows its title once.
        field.clear().await.unwrap();
        field.send_keys("Macmillan").await.unwrap();
        b.results_for("Macmillan").await;
        let heading = b
            .eval("return Array.from(document.querySelectorAll('#results h2')).map(h => h.textContent).find(t => t.includes('reference'))")
            .await;
        assert!(heading.as_str().unwrap().ends_with(", reference"), "{heading}");
        field.clear().await.unwrap();
        field.send_keys("somatostatin analogues").await.unwrap();
        b.results_for("somatostatin analogues").await;
        let lead = b
            .eval("const li = Array.from(document.querySelectorAll('#results > li')).find(li => li.querySelector('h2').textContent === 'Somatostatin analogues'); return li ? li.textContent : null")
            .await;
        assert_eq!(lead.as_str().unwrap().matches("Somatostatin analogues").count(), 1, "{lead}");

        // A phone: the first result is in view above where the keyboard opens.
        b.client.set_window_size(390, 844).await.unwrap();
        b.client.goto(&format!("{url}/")).await.unwrap();
        b.type_into("#q", "embolic agent").await;
        b.results_for("embolic agent").await;
        let top = b
            .eval("return document.querySelector('#results > li').getBoundingClientRect().top")
            .await;
        assert!(top.as_f64().unwrap() <= 400.0, "first result at {top} px");
        assert_eq!(b.accessibility_violations().await, Vec::<String>::new());
        b.screenshot("search-390").await;
        b
    })
    .await;
}
