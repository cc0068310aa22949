//! Anchors: turning heading text into stable, unique URL fragments.
//!
//! Two rules exist. [`slug`] is ours, used for `.txt` pages: lowercase, letters folded to ASCII,
//! every run of other characters becomes one `-`, no leading or trailing `-`. [`github_slug`]
//! follows GitHub's heading-id algorithm (github-slugger) for Markdown, so that a link to
//! `page.md#anchor` lands on the heading GitHub renders. [`Slugger`] makes slugs unique inside one
//! document by appending `-1`, `-2`... in order of appearance, as GitHub does.

use std::collections::{HashMap, HashSet};

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

/// GitHub's heading ids: lowercase; drop every character that is not a letter, mark, number,
/// connector punctuation, hyphen or space; each space becomes `-` (runs are kept).
pub fn github_slug(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == '_' || c == '-' || c == ' ' || is_mark(c))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Combining marks (Unicode category M, main blocks), which GitHub keeps in ids.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
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

    #[test]
    fn github_slug_matches_github() {
        assert_eq!(
            github_slug("Radiofrequency ablation (RFA)"),
            "radiofrequency-ablation-rfa"
        );
        assert_eq!(github_slug("How does X work?"), "how-does-x-work");
        assert_eq!(github_slug("A - B"), "a---b");
        assert_eq!(github_slug("Café & crème"), "café--crème");
        assert_eq!(github_slug("snake_case Title"), "snake_case-title");
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
