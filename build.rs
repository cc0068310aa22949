//! Build script: records the versions of the crates whose behaviour decides what an index holds
//! (its analysis inputs), read from `Cargo.lock`, so that the index fingerprint
//! (`index::manifest::fingerprint`) changes when any of them does.

use std::path::Path;

/// Crates that decide what text becomes which records and terms.
const ANALYSIS_CRATES: &[&str] = &[
    "chardetng",
    "deunicode",
    "encoding_rs",
    "frostem",
    "html5ever",
    "pulldown-cmark",
    "regex",
    "scraper",
    "tantivy",
    "unicode-segmentation",
];

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let lock =
        std::fs::read_to_string(Path::new(&manifest_dir).join("Cargo.lock")).unwrap_or_default();
    let versions: Vec<String> = ANALYSIS_CRATES
        .iter()
        .map(|name| format!("{name} {}", versions_in(&lock, name)))
        .collect();
    println!(
        "cargo:rustc-env=MEDSEARCH_ANALYSIS_CRATES={}",
        versions.join(", ")
    );
}

/// The versions of `name` in a lock file, joined with `+` (`?` when it is not there).
fn versions_in(lock: &str, name: &str) -> String {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    let mut found = Vec::new();
    while let Some(line) = lines.next() {
        if line.trim() == wanted
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            found.push(version.to_string());
        }
    }
    if found.is_empty() {
        "?".to_string()
    } else {
        found.join("+")
    }
}
