//! Items of a references list: telling reviewers from references, and pulling the fields a
//! reference offers (authors or organisation, title, source, year, URL) out of its text.
//!
//! References in patient-information pages follow loose Vancouver-like patterns:
//! `Authors. Title. Source. Year: volume. URL.` or `Organisation. Title. Year. URL.`, sometimes
//! with an access date (`July 16, 2024`) or a publisher (`Bethesda, MD: Publisher; 2024`). The
//! parser splits the text into period-separated segments, takes the first as authors or
//! organisation, the second as title, and reads the source and year from the rest. Fields it cannot find stay empty; the full text is always kept.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The parsed fields of one reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Person authors, as written (`Singh S, Asa SL, Dey C, et al.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors: Option<String>,
    /// An organisation as author (`National Comprehensive Cancer Network`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The title of the work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Journal, publisher or other source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Year of publication (or of access, when that is the only date given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// The first URL in the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The whole item text.
    pub text: String,
}

/// A person credited as reviewer: a name followed by credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    /// The person's name.
    pub name: String,
    /// Credentials in the order written (`MD`, `FRCPC`...).
    pub credentials: Vec<String>,
}

/// One item of a references list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Citation {
    /// A cited work.
    Reference(Reference),
    /// A person who reviewed the page.
    Reviewer(Reviewer),
}

impl Citation {
    /// Classifies and parses a list item's text (bullet marker already removed).
    pub fn parse(text: &str) -> Citation {
        match parse_reviewer(text) {
            Some(reviewer) => Citation::Reviewer(reviewer),
            None => Citation::Reference(parse_reference(text)),
        }
    }

    /// What identifies the item rather than what it is about: a reference's authors,
    /// organisation, source and year; a reviewer's name and credentials.
    pub fn identity(&self) -> String {
        match self {
            Citation::Reviewer(r) => format!("{} {}", r.name, r.credentials.join(" ")),
            Citation::Reference(r) => [
                r.authors.clone(),
                r.organization.clone(),
                r.source.clone(),
                r.year.map(|y| y.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        }
    }

    /// A short label for the item: the reviewer's name or the reference's title.
    pub fn label(&self) -> &str {
        match self {
            Citation::Reviewer(r) => &r.name,
            Citation::Reference(r) => r.title.as_deref().unwrap_or(&r.text),
        }
    }
}

static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"https?://[^\s<>"]+"#).unwrap());
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(1[89]\d\d|20\d\d)\b").unwrap());
/// A segment that is a date: `2016`, `2016: 47:32–45`, `July 16, 2024`, `16 July 2024`.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{1,2} )?(?:[A-Z][a-z]{2,8}\.? (?:\d{1,2}, )?)?(1[89]\d\d|20\d\d)\b").unwrap()
});
/// `Surname AB` at the start: a Vancouver-style person author.
static PERSON_AUTHOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\p{Lu}[\p{L}'’-]+ \p{Lu}{1,3}(?:,|$)").unwrap());

/// Recognises `Name Surname, MD, PhD`: two to six name words, then only credentials.
fn parse_reviewer(text: &str) -> Option<Reviewer> {
    let text = text.trim().trim_end_matches('.');
    let mut parts = text.split(',').map(str::trim);
    let name = parts.next()?;
    let credentials: Vec<String> = parts.map(str::to_string).collect();
    let words: Vec<&str> = name.split_whitespace().collect();
    let name_ok = (2..=6).contains(&words.len())
        && words.iter().all(|w| {
            let first = w.chars().next().unwrap_or(' ');
            (first.is_uppercase() && w.chars().all(|c| c.is_alphabetic() || "'’-.".contains(c)))
                || matches!(
                    *w,
                    "de" | "van" | "von" | "der" | "da" | "di" | "del" | "le" | "la"
                )
        });
    let credential_ok = |c: &String| {
        c.chars().next().is_some_and(|f| f.is_ascii_uppercase())
            && c.len() <= 12
            && c.chars().all(|ch| ch.is_ascii_alphabetic() || ch == '.')
            && c.chars().filter(char::is_ascii_uppercase).count() >= 2
    };
    (name_ok && !credentials.is_empty() && credentials.iter().all(credential_ok)).then(|| {
        Reviewer {
            name: name.to_string(),
            credentials,
        }
    })
}

/// Splits at every period followed by whitespace (or the end), trimming each segment.
fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '.' && chars.peek().is_none_or(|&(_, next)| next.is_whitespace()) {
            out.push(&text[start..i]);
            start = i + 1;
        }
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(|s| s.trim().trim_end_matches('.').trim())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_reference(text: &str) -> Reference {
    let text = text.trim();
    let mut reference = Reference {
        text: text.to_string(),
        ..Reference::default()
    };
    reference.url = URL.find(text).map(|m| {
        m.as_str()
            .trim_end_matches(['.', ',', ';', ')'])
            .to_string()
    });
    let without_urls = URL.replace_all(text, "");
    let segs = segments(&without_urls);
    let mut rest = segs.iter();
    if segs.len() >= 2 {
        let who = rest.next().map(|s| s.to_string());
        if who
            .as_deref()
            .is_some_and(|w| w.contains("et al") || PERSON_AUTHOR.is_match(w))
        {
            reference.authors = who;
        } else {
            reference.organization = who;
        }
    }
    reference.title = rest.next().map(|s| s.to_string());
    for seg in rest {
        if let Some(date) = DATE.captures(seg) {
            reference.year = reference.year.or(date[1].parse().ok());
            continue;
        }
        // `Place: Publisher; 2024`: the source is what precedes the year.
        let (source, year) = match seg.split_once(';') {
            Some((source, tail)) if YEAR.is_match(tail) => (source.trim(), YEAR.find(tail)),
            _ => (*seg, None),
        };
        if let Some(year) = year {
            reference.year = reference.year.or(year.as_str().parse().ok());
        }
        if reference.source.is_none() && !source.is_empty() {
            reference.source = Some(source.to_string());
        }
    }
    reference
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str) -> Reference {
        match Citation::parse(text) {
            Citation::Reference(r) => r,
            other => panic!("expected a reference, got {other:?}"),
        }
    }

    #[test]
    fn reviewer_needs_a_name_and_credentials_only() {
        assert_eq!(
            Citation::parse("Jane Q. Doe, RN, MSc"),
            Citation::Reviewer(Reviewer {
                name: "Jane Q. Doe".into(),
                credentials: vec!["RN".into(), "MSc".into()],
            })
        );
        assert!(matches!(
            Citation::parse("Maria de la Cruz, PhD"),
            Citation::Reviewer(_)
        ));
        assert!(matches!(
            Citation::parse("Singh S, Asa SL, Dey C, et al. A title. 2020."),
            Citation::Reference(_)
        ));
        assert!(matches!(
            Citation::parse("Cancer Research UK. Title. 2021."),
            Citation::Reference(_)
        ));
        assert!(matches!(
            Citation::parse("Bethesda, MD"),
            Citation::Reference(_)
        ));
    }

    #[test]
    fn journal_article() {
        let r = reference(
            "Doe J, Roe R, et al. Outcomes of bone marrow transplant in adults. Journal of Blood. 2019: 12(3):45–50. https://example.org/article.",
        );
        assert_eq!(r.authors.as_deref(), Some("Doe J, Roe R, et al"));
        assert_eq!(r.organization, None);
        assert_eq!(
            r.title.as_deref(),
            Some("Outcomes of bone marrow transplant in adults")
        );
        assert_eq!(r.source.as_deref(), Some("Journal of Blood"));
        assert_eq!(r.year, Some(2019));
        assert_eq!(r.url.as_deref(), Some("https://example.org/article"));
    }

    #[test]
    fn organisation_with_access_date_and_publisher() {
        let r = reference(
            "Example Health Trust. Living with Anaemia. https://example.org/. March 3, 2023.",
        );
        assert_eq!(r.organization.as_deref(), Some("Example Health Trust"));
        assert_eq!(r.title.as_deref(), Some("Living with Anaemia"));
        assert_eq!(r.year, Some(2023));
        assert_eq!(r.source, None);
        let r = reference(
            "Editorial Board. Lymphoma Treatment (PDQ®) – Patient Version . Bethesda, MD: National Institute; 2021.",
        );
        assert_eq!(
            r.title.as_deref(),
            Some("Lymphoma Treatment (PDQ®) – Patient Version")
        );
        assert_eq!(
            r.source.as_deref(),
            Some("Bethesda, MD: National Institute")
        );
        assert_eq!(r.year, Some(2021));
    }

    #[test]
    fn version_numbers_in_titles_are_not_split_or_taken_as_year() {
        let r = reference("Network. Guidelines for Tumors Version 2.2024. 2023.");
        assert_eq!(
            r.title.as_deref(),
            Some("Guidelines for Tumors Version 2.2024")
        );
        assert_eq!(r.year, Some(2023));
    }

    #[test]
    fn a_bare_line_is_a_title() {
        let r = reference("Some guideline without structure");
        assert_eq!(r.title.as_deref(), Some("Some guideline without structure"));
        assert_eq!((r.authors, r.organization, r.year), (None, None, None));
    }
}
