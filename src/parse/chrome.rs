//! Site chrome: text a site repeats on its pages (a disclaimer, a "trusted source" box, a
//! cookie notice, a contact line), told from the pages' own text by repetition alone.
//!
//! A section's body is made of **units**: each paragraph, and each run of consecutive list
//! items (a whole list, so the same side effect listed on two drug pages is not a repeat, the
//! same menu is). A unit's [`key`] is a hash of its words, lowercased, without punctuation or
//! markers; units of fewer than [`MIN_WORDS`] words have none and are never chrome (they
//! repeat by chance: "Possible side effects", "Fever"). Headings are not units: sections that
//! only share a heading are not chrome.
//!
//! Which keys are chrome is a property of the corpus, decided by the index update
//! (`crate::index::update`, with the threshold it measured); here [`set_aside`] only takes the
//! units a caller names out of a parsed document, and a section left with nothing of its own
//! (a "Medical disclaimer" heading whose text is all chrome) with them.

use std::ops::Range;

use super::{Document, RecordKind};

/// Units of fewer words than this are never chrome. The shortest chrome seen in real site
/// templates is four words ("Skip to main content", "Was this page helpful?"); shorter text
/// repeats by chance.
pub const MIN_WORDS: usize = 4;

/// One paragraph or list of a record's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// [`key`] of its text (`None`: too short to be chrome).
    pub key: Option<u64>,
    /// The line it starts on.
    pub line: usize,
    /// Its bytes in the record's body.
    pub range: Range<usize>,
}

/// The key of a unit's text: a hash of its words, lowercased (`None` under [`MIN_WORDS`]).
pub fn key(text: &str) -> Option<u64> {
    let mut normal = String::with_capacity(text.len());
    let mut words = 0;
    let content = text.lines().map(|line| super::bullet(line).unwrap_or(line));
    for word in content
        .flat_map(|line| line.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
    {
        if words > 0 {
            normal.push(' ');
        }
        normal.extend(word.chars().flat_map(char::to_lowercase));
        words += 1;
    }
    (words >= MIN_WORDS).then(|| xxhash_rust::xxh3::xxh3_64(normal.as_bytes()))
}

/// The keys a document's sections hold, each with the line of its first unit, sorted by key.
pub fn keys(doc: &Document) -> Vec<(u64, usize)> {
    let mut keys: Vec<(u64, usize)> = doc
        .records
        .iter()
        .flat_map(|r| &r.units)
        .filter_map(|u| Some((u.key?, u.line)))
        .collect();
    keys.sort_unstable();
    keys.dedup_by_key(|(key, _)| *key);
    keys
}

/// Takes the units whose key `chrome` holds out of a document, and every section (other than
/// the lead) that had units and is left with none; returns how many units went.
pub fn set_aside(doc: &mut Document, chrome: &dyn Fn(u64) -> bool) -> usize {
    let mut removed = 0;
    let is_chrome = |u: &Unit| u.key.is_some_and(chrome);
    let mut emptied = vec![false; doc.records.len()];
    for (record, emptied) in doc.records.iter_mut().zip(&mut emptied) {
        if !record.units.iter().any(is_chrome) {
            continue;
        }
        let (kept, gone): (Vec<Unit>, Vec<Unit>) = std::mem::take(&mut record.units)
            .into_iter()
            .partition(|u| !is_chrome(u));
        removed += gone.len();
        let mut body = String::with_capacity(record.body.len());
        for unit in kept {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            let start = body.len();
            body.push_str(&record.body[unit.range.clone()]);
            record.units.push(Unit {
                range: start..body.len(),
                ..unit
            });
        }
        record.body = body;
        *emptied = record.units.is_empty();
    }
    let mut at = 0;
    doc.records.retain(|r| {
        let keep = at == 0 || r.kind != RecordKind::Section || !emptied[at];
        at += 1;
        keep
    });
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Format, parse_document};

    #[test]
    fn keys_ignore_case_punctuation_and_markers_and_skip_short_text() {
        assert_eq!(
            key("We use cookies on this site."),
            key("we use COOKIES, on this site")
        );
        assert_eq!(
            key("• one two three\n• four"),
            key("1. one two three\n2. four")
        );
        assert_ne!(key("one two three four"), key("one two three five"));
        assert_eq!(key("Possible side effects"), None);
    }

    const PAGE: &str = "Title\n\nLead text of this page here.\n\nA section\n\nOwn text of the \
                        section here.\n\nShared disclaimer text on every page.\n\nDisclaimer\n\n\
                        Shared disclaimer text on every page.\n\nAnother shared paragraph of the \
                        site.\n\nSide effects\n\n- fever\n- nausea\n";

    #[test]
    fn set_aside_cuts_units_and_drops_sections_left_empty() {
        let mut doc = parse_document("p.txt", Format::Text, PAGE).unwrap();
        let headings = |d: &Document| {
            d.records
                .iter()
                .map(|r| r.heading.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            headings(&doc),
            ["Title", "A section", "Disclaimer", "Side effects"]
        );
        let shared = [
            key("Shared disclaimer text on every page.").unwrap(),
            key("Another shared paragraph of the site.").unwrap(),
        ];
        let keys: Vec<u64> = keys(&doc).into_iter().map(|(k, _)| k).collect();
        assert!(shared.iter().all(|k| keys.contains(k)));
        // The list "- fever\n- nausea" is one unit, too short to have a key.
        assert_eq!(doc.records[3].units.len(), 1);
        assert_eq!(doc.records[3].units[0].key, None);

        let removed = set_aside(&mut doc, &|k| shared.contains(&k));
        assert_eq!(removed, 3);
        assert_eq!(headings(&doc), ["Title", "A section", "Side effects"]);
        assert_eq!(doc.records[1].body, "Own text of the section here.");
        assert_eq!(doc.records[1].units[0].range, 0..doc.records[1].body.len());
        assert_eq!(doc.records[2].body, "- fever\n- nausea");
        // Nothing named: nothing changes.
        let before = doc.clone();
        assert_eq!(set_aside(&mut doc, &|_| false), 0);
        assert_eq!(doc, before);
    }

    #[test]
    fn the_lead_stays_when_all_its_text_is_chrome() {
        let mut doc = parse_document("p.txt", Format::Text, PAGE).unwrap();
        let lead = key("Lead text of this page here.").unwrap();
        set_aside(&mut doc, &|k| k == lead);
        assert_eq!(doc.records[0].heading, "Title");
        assert_eq!(doc.records[0].body, "");
        assert_eq!(doc.records[0].line, 1);
    }
}
