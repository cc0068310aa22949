//! Anchors: turning heading text into stable, unique URL fragments.
//!
//! Two rules exist. [`slug`] is ours, used for `.txt` pages: lowercase, letters folded to ASCII,
//! every run of other characters becomes one `-`, no leading or trailing `-`. [`github_slug`]
//! follows GitHub's heading ids (as github-slugger reproduces them) for Markdown, so that a link
//! to `page.md#anchor` lands on the heading GitHub renders. [`Slugger`] makes slugs unique inside
//! one document by appending `-1`, `-2`... in order of appearance, as GitHub does. One
//! difference: a heading whose id would be empty (only punctuation or emoji) gets `section`,
//! where GitHub leaves the id empty; a record needs an anchor.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

/// The anchor used when a heading yields no characters at all (e.g. a heading made of punctuation).
const EMPTY_SLUG: &str = "section";

/// Our slug rule: `Radiofrequency ablation (RFA)` → `radiofrequency-ablation-rfa`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let push = |c: char, out: &mut String| {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    };
    for c in text.chars() {
        if c.is_ascii() || !c.is_alphanumeric() {
            push(c, &mut out);
        } else {
            // A non-ASCII letter or digit: fold it (é → e, ß → ss); anything that stays
            // non-alphanumeric after folding acts as a separator.
            for folded in deunicode::deunicode_char(c).unwrap_or("-").chars() {
                push(folded, &mut out);
            }
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// What GitHub keeps in an id: alphabetic characters, marks, decimal and letter numbers,
/// connector punctuation (`_`), `-` and the space; everything else (other punctuation, symbols
/// and emoji, other numbers such as `²`, other spaces, controls) is dropped, and so is a code
/// point that Unicode 13.0 had not assigned (GitHub's tables are 13.0's, as github-slugger's:
/// a letter assigned since, `𐗋` in 14.0, is dropped from GitHub's id).
static NOT_KEPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[^\p{Alphabetic}\p{M}\p{Nd}\p{Nl}\p{Pc} \-]|\P{Age=13.0}").expect("valid class")
});

/// GitHub's heading ids, from a heading's text as rendered (links by their text, code by its
/// code): lowercase, drop what GitHub drops (see `NOT_KEPT`), each space becomes `-` (runs are
/// kept).
pub fn github_slug(text: &str) -> String {
    NOT_KEPT
        .replace_all(&text.to_lowercase(), "")
        .replace(' ', "-")
}

/// Hands out unique anchors within one document.
#[derive(Debug, Default)]
pub struct Slugger {
    seen: HashSet<String>,
    /// The last suffix handed out for each base, so ten thousand identical headings cost ten
    /// thousand steps, not fifty million.
    last: HashMap<String, usize>,
}

impl Slugger {
    /// Returns `base` the first time, then `base-1`, `base-2`... skipping any already taken.
    /// An empty base becomes `section`.
    pub fn unique(&mut self, base: String) -> String {
        let base = if base.is_empty() {
            EMPTY_SLUG.to_string()
        } else {
            base
        };
        let mut candidate = base.clone();
        let mut n = self.last.get(&base).copied().unwrap_or(0);
        while self.seen.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        self.last.insert(base, n);
        self.seen.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_follows_the_spec_examples() {
        assert_eq!(
            slug("Radiofrequency ablation (RFA)"),
            "radiofrequency-ablation-rfa"
        );
        assert_eq!(
            slug("Side effects of liver-directed therapy"),
            "side-effects-of-liver-directed-therapy"
        );
        assert_eq!(slug("How does it work?"), "how-does-it-work");
        assert_eq!(slug("  --Leading & trailing--  "), "leading-trailing");
    }

    #[test]
    fn slug_folds_letters_to_ascii() {
        assert_eq!(
            slug("Tumeur maligne: traitement à domicile"),
            "tumeur-maligne-traitement-a-domicile"
        );
        assert_eq!(slug("Größe"), "grosse");
        assert_eq!(slug("What’s new — 2024"), "what-s-new-2024");
        assert_eq!(slug("© 2025 Society"), "2025-society");
    }

    #[test]
    fn slug_of_punctuation_is_empty_and_slugger_fills_it() {
        assert_eq!(slug("?!…"), "");
        let mut s = Slugger::default();
        assert_eq!(s.unique(slug("***")), "section");
        assert_eq!(s.unique(slug("!!!")), "section-1");
    }

    /// GitHub's own ids, as github-slugger 2.0.0's fixtures record them
    /// (`tests/fixtures/github-slugger/fixtures.json`, ISC licence beside it; checked there
    /// against GitHub's rendering): every one, in order, with one slugger, so repeats number
    /// on from the earlier ones.
    #[test]
    fn github_slug_gives_githubs_ids() {
        #[derive(serde::Deserialize)]
        struct Fixture {
            name: String,
            input: String,
            expected: String,
        }
        let fixtures: Vec<Fixture> = serde_json::from_str(include_str!(
            "../../tests/fixtures/github-slugger/fixtures.json"
        ))
        .unwrap();
        assert_eq!(fixtures.len(), 78);
        let mut slugger = Slugger::default();
        let wrong: Vec<String> = fixtures
            .iter()
            .filter_map(|f| {
                let id = slugger.unique(github_slug(&f.input));
                (id != f.expected).then(|| format!("{}: {id:?}, GitHub {:?}", f.name, f.expected))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{} of 78 differ:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert_eq!(
            github_slug("Radiofrequency ablation (RFA)"),
            "radiofrequency-ablation-rfa"
        );
        assert_eq!(github_slug("Café & crème"), "café--crème");
        assert_eq!(github_slug("__init__"), "__init__");
    }

    #[test]
    fn slugger_numbers_repeats_in_order() {
        let mut s = Slugger::default();
        assert_eq!(s.unique("side-effects".into()), "side-effects");
        assert_eq!(s.unique("side-effects".into()), "side-effects-1");
        assert_eq!(s.unique("side-effects-1".into()), "side-effects-1-1");
        assert_eq!(s.unique("side-effects".into()), "side-effects-2");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn anchors_are_unique_and_never_empty(headings in prop::collection::vec(".{0,12}", 0..60)) {
            let mut slugger = Slugger::default();
            let mut seen = HashSet::new();
            for heading in &headings {
                for anchor in [slug(heading), github_slug(heading)] {
                    let anchor = slugger.unique(anchor);
                    prop_assert!(!anchor.is_empty());
                    prop_assert!(seen.insert(anchor));
                }
            }
        }
    }
}
