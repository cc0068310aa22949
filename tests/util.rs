//! A small harness: a temporary working folder with a corpus, and the real binary run in it
//! the way a user would (defaults `corpus/` and `index/` relative to the working folder), with
//! medsearch's environment variables and `NO_COLOR` scrubbed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// The material, as shipped in the repository.
pub const MATERIAL: &str = "liver-directed-therapy-for-neuroendocrine-cancer.txt";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// A temporary working folder.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// An empty working folder with an empty `corpus/`.
    pub fn empty() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        std::fs::create_dir(env.path("corpus")).expect("corpus dir");
        env
    }

    /// A working folder whose `corpus/` holds the material and its synonyms file, as shipped.
    pub fn material() -> Env {
        let env = Env::empty();
        env.copy(&repo().join("corpus").join(MATERIAL), MATERIAL);
        env.copy(&repo().join("corpus/synonyms.txt"), "synonyms.txt");
        env
    }

    /// A working folder whose `corpus/` holds the material and our own pages.
    pub fn material_and_pages() -> Env {
        let env = Env::material();
        for entry in std::fs::read_dir(fixture("pages")).expect("fixture pages") {
            let path = entry.expect("entry").path();
            env.copy(&path, path.file_name().unwrap().to_str().unwrap());
        }
        env
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Copies a file into `corpus/` under `name`.
    pub fn copy(&self, from: &Path, name: &str) {
        std::fs::copy(from, self.path("corpus").join(name)).expect("copy into corpus");
    }

    /// Writes a file into `corpus/`.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) {
        let path = self.path("corpus").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).expect("write corpus file");
    }

    /// Writes `n` pages `p/00000.txt`..., each holding `word` and its own number.
    pub fn write_pages(&self, n: usize, word: &str) {
        for i in 0..n {
            self.write(
                &format!("p/{i:05}.txt"),
                format!("Page {i}\n\nAll about {word} and item{i}.\n\nMore\n\nText {word} {i}.\n"),
            );
        }
    }

    /// Starts `medsearch ARGS` in the working folder, its output piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn medsearch")
    }

    /// Runs `medsearch ARGS` in the working folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// The command `medsearch ARGS` in the working folder, environment scrubbed.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_medsearch"));
        cmd.args(args);
        self.scrubbed(cmd)
    }

    /// `sh -c SCRIPT` in the working folder, environment scrubbed (a command line pasted into
    /// a shell).
    pub fn shell(&self, script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        self.scrubbed(cmd)
    }

    fn scrubbed(&self, mut cmd: Command) -> Command {
        cmd.current_dir(self.dir.path())
            .env_remove("MEDSEARCH_CORPUS")
            .env_remove("MEDSEARCH_INDEX")
            .env_remove("NO_COLOR")
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs with extra environment variables.
    pub fn run_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run medsearch");
        Run {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }

    /// `medsearch search --json QUERY ARGS...`, expecting exit 0 or 1, parsed.
    #[track_caller]
    pub fn search(&self, query: &str, args: &[&str]) -> Results {
        let mut all = vec!["search", "--json", query];
        all.extend(args);
        let run = self.run(&all);
        assert!(
            run.code == 0 || run.code == 1,
            "search {query:?} failed: {run:?}"
        );
        run.json()
    }
}

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// `[added, changed, removed, unchanged]` from the line `medsearch index` prints.
    #[track_caller]
    pub fn counts(&self) -> [usize; 4] {
        assert_eq!(self.code, 0, "{self:?}");
        let line = self.stdout.lines().last().unwrap_or("");
        let mut counts = [usize::MAX; 4];
        for (i, word) in ["added ", "changed ", "removed ", "unchanged "]
            .iter()
            .enumerate()
        {
            let at = line
                .find(word)
                .unwrap_or_else(|| panic!("no '{word}' in {line:?}"))
                + word.len();
            let digits: String = line[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            counts[i] = digits.parse().unwrap();
        }
        counts
    }

    #[track_caller]
    pub fn json(&self) -> Results {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.stdout))
    }

    /// Asserts exit 2 and exactly this one-line error on stderr, and nothing on stdout.
    #[track_caller]
    pub fn assert_error(&self, message: &str) {
        assert_eq!(self.code, 2, "{self:?}");
        assert_eq!(self.stderr, format!("medsearch: error: {message}\n"));
        assert_eq!(self.stdout, "");
        assert!(!self.stderr.contains("panicked") && !self.stderr.contains("backtrace"));
    }
}

/// The `--json` contract, deserialized strictly: an unknown or missing field fails the test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    pub query: String,
    pub corrected_query: Option<String>,
    pub suggestion: Option<String>,
    pub total_hits: usize,
    pub total_hits_exact: bool,
    pub hits: Vec<Hit>,
    pub mode: String,
    #[serde(default)]
    pub mode_note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub rank: usize,
    pub score: f64,
    pub id: String,
    pub doc: String,
    pub doc_title: String,
    pub kind: String,
    pub heading: String,
    pub anchor: String,
    pub path: String,
    pub line: u64,
    pub breadcrumbs: Vec<String>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    #[serde(default)]
    pub heading_highlights: Vec<[usize; 2]>,
    pub reference: Option<serde_json::Map<String, serde_json::Value>>,
    pub reviewer: Option<serde_json::Map<String, serde_json::Value>>,
    pub url: Option<String>,
    pub lang: Option<String>,
    #[serde(default)]
    pub metadata: Vec<String>,
}

impl Hit {
    /// The highlighted pieces of the snippet.
    pub fn marked(&self) -> Vec<&str> {
        self.highlights
            .iter()
            .map(|[a, b]| &self.snippet[*a..*b])
            .collect()
    }
}

impl Results {
    pub fn anchors(&self) -> Vec<&str> {
        self.hits.iter().map(|h| h.anchor.as_str()).collect()
    }
}

/// An HTTP client for loopback servers: no proxy from the environment, every status an answer
/// (not an error).
pub fn http() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .proxy(None)
            .http_status_as_error(false)
            .build(),
    )
}

/// `GET BASE PATH`: status, the generation header (`X-Medsearch-Generation`), body.
pub fn get(base: &str, path: &str) -> (u16, Option<String>, String) {
    let response = http()
        .get(&format!("{base}{path}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    let generation = response
        .headers()
        .get("x-medsearch-generation")
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.into_body().read_to_string().expect("a text body");
    (status, generation, body)
}

/// A `medsearch serve` process on a free loopback port, stopped (SIGTERM) when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// Reads what it prints on stderr after its URL, until it exits.
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts `medsearch serve --addr 127.0.0.1:0 ARGS` in `env` and waits for its URL.
    pub fn start(env: &Env, args: &[&str]) -> Server {
        use std::io::{BufRead, BufReader};
        let mut all = vec!["serve", "--addr", "127.0.0.1:0"];
        all.extend(args);
        let mut child = env
            .command(&all)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn medsearch serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut seen = String::new();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.strip_prefix("medsearch: serving ") {
                        let url = rest.split_whitespace().next().expect("a URL");
                        break url.trim_end_matches('/').to_string();
                    }
                    seen.push_str(&line);
                    seen.push('\n');
                }
                _ => panic!("serve stopped before listening: {seen}"),
            }
        };
        let stderr = std::thread::spawn(move || {
            lines
                .map_while(std::result::Result::ok)
                .map(|line| line + "\n")
                .collect()
        });
        Server {
            child,
            url,
            stderr: Some(stderr),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `GET PATH`: status, the generation header, body ([`get`]).
    pub fn get(&self, path: &str) -> (u16, Option<String>, String) {
        get(&self.url, path)
    }

    /// `GET PATH`, expecting 200 and JSON.
    #[track_caller]
    pub fn json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// Sends SIGTERM and waits: the exit status and what it printed on stderr after its URL.
    pub fn stop(mut self) -> (Option<i32>, String) {
        self.terminate();
        let status = self.child.wait().expect("wait for serve");
        let stderr = self.stderr.take().expect("stderr reader").join().unwrap();
        (status.code(), stderr)
    }

    fn terminate(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
            let _ = self.child.wait();
        }
    }
}
