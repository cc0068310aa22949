//! Documents → records: the sections and references that medsearch indexes.
//!
//! Parsing runs in two steps. A format reader ([`text`] for the `.txt` layout of the material,
//! [`markdown`] for `.md`) turns a file into a [`Page`]: the title, the metadata lines under it,
//! and a flat list of [`Block`]s (headings with a level, paragraphs, list items), each with its
//! 1-based line number. Then [`assemble`] walks the blocks once, format-independently, and emits
//! the records: a lead section (text before the first heading, headed by the title), one section
//! per heading, and under a heading that names references or sources one record per list item
//! (a [`Citation`]: a reference or a reviewer). Anchors come from [`slug`]: our rule for `.txt`,
//! GitHub's for `.md`, made unique per document. The abbreviations a page defines are found in
//! its lines ([`abbrev`]) and travel with the document.
//!
//! [`parse_file`] is the entry point for a whole file of any [`Format`].

pub mod abbrev;
pub mod chrome;
pub mod html;
pub mod jsonl;
pub mod markdown;
pub mod reference;
pub mod slug;
pub mod text;

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

pub use abbrev::Definition;
pub use reference::{Citation, Reference, Reviewer};

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A section of text under a heading (or the lead, under the title).
    Section,
    /// One item of a references list.
    Reference,
    /// A person credited as reviewer in a references list.
    Reviewer,
}

impl RecordKind {
    /// All kinds, in a fixed order.
    pub const ALL: [RecordKind; 3] = [
        RecordKind::Section,
        RecordKind::Reference,
        RecordKind::Reviewer,
    ];

    /// The kind's number in the index's fast field (its place in [`RecordKind::ALL`]).
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The kinds' names, for messages.
    pub const NAMES: &str = "section, reference, reviewer";

    /// The kind's name as stored in the index and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Section => "section",
            RecordKind::Reference => "reference",
            RecordKind::Reviewer => "reviewer",
        }
    }
}

impl std::str::FromStr for RecordKind {
    type Err = String;

    /// A kind by its name ([`RecordKind::as_str`]); the error names the kinds.
    fn from_str(name: &str) -> Result<RecordKind, String> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| format!("unknown kind '{name}' (kinds: {})", RecordKind::NAMES))
    }
}

/// One searchable unit of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Section, reference or reviewer.
    pub kind: RecordKind,
    /// Unique within the document: a heading slug, `ref-N` or `reviewer-N`.
    pub anchor: String,
    /// The section heading, or the reference's title / reviewer's name.
    pub heading: String,
    /// The headings above this record, outermost first.
    pub breadcrumbs: Vec<String>,
    /// The record's text: paragraphs and list items as written (markers kept).
    pub body: String,
    /// 1-based line in the file where the record starts.
    pub line: usize,
    /// Parsed fields, for references and reviewers.
    pub citation: Option<Citation>,
    /// The paragraphs and lists of `body`, for telling site chrome ([`chrome`]).
    pub units: Vec<chrome::Unit>,
}

/// A parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Path relative to the corpus root without its extension, `/`-separated.
    pub id: String,
    /// Path relative to the corpus root, `/`-separated.
    pub path: String,
    /// The document title.
    pub title: String,
    /// `Key: value` lines under the title, in order (values may be empty).
    pub metadata: Vec<(String, String)>,
    /// Sections and references, in document order.
    pub records: Vec<Record>,
    /// The abbreviations the document defines, in line order.
    pub definitions: Vec<Definition>,
    /// The page's language (`<html lang>`), when it says.
    pub lang: Option<String>,
    /// The page's address on the live site (`<link rel="canonical">`), when it says.
    pub url: Option<String>,
}

/// Input formats, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text in the layout of the material.
    Text,
    /// Markdown with ATX headings.
    Markdown,
    /// One document per line (BEIR `corpus.jsonl`); see [`jsonl`].
    Jsonl,
    /// HTML pages; see [`html`].
    Html,
}

impl Format {
    /// The format of a file, or `None` for a file medsearch does not index.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "txt" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "jsonl" => Some(Format::Jsonl),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// A format-independent view of a file, produced by the format readers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// The title text.
    pub title: String,
    /// The line of the title.
    pub title_line: usize,
    /// The title's own anchor on the page (an `<h1 id>`), if it has one.
    pub title_anchor: Option<String>,
    /// `Key: value` lines right after the title.
    pub metadata: Vec<(String, String)>,
    /// Everything after the title and metadata.
    pub blocks: Vec<Block>,
    /// Whether the lines of a block's text are not lines of the file (HTML: a `<br>` or a
    /// table row breaks a line the file need not break); then all of a block's lines are at
    /// the block's line.
    pub soft_lines: bool,
}

impl Page {
    /// The page's text as a reader sees it, line by line with the file's line numbers: the
    /// title, headings, paragraph lines, list items as written.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        let title = std::iter::once((self.title_line, self.title.as_str()));
        title.chain(self.blocks.iter().flat_map(|block| {
            let (line, text) = match block {
                Block::Heading { line, text, .. } => (*line, text),
                Block::Paragraph { line, text } => (*line, text),
                Block::Item { line, raw, .. } => (*line, raw),
            };
            let soft = self.soft_lines;
            text.lines()
                .enumerate()
                .map(move |(i, l)| (if soft { line } else { line + i }, l))
        }))
    }
}

/// A piece of a page, with its 1-based starting line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading; the title has level 1, `.txt` headings level 2, Markdown its `#` count. Its
    /// `anchor` is the page's own (HTML ids); without one, the anchor is a slug of the text.
    Heading {
        level: u8,
        text: String,
        line: usize,
        anchor: Option<String>,
    },
    /// Lines of running text, trimmed, joined with `\n`.
    Paragraph { text: String, line: usize },
    /// A list item: `text` without its marker, `raw` as written (trimmed).
    Item {
        text: String,
        raw: String,
        line: usize,
    },
}

/// What parsing a file noted beside its documents.
#[derive(Debug, Default)]
pub struct Notes {
    /// `(line, reason)` for each JSONL line left out.
    pub lines_left_out: Vec<(usize, String)>,
    /// What the reader should know about how a page was read (an HTML page too deeply
    /// nested to read whole).
    pub warnings: Vec<String>,
}

/// Parses a file's text into its documents: one for a page (none when it holds no text), one
/// per good line of a JSONL file. `rel_path` is its path relative to the corpus root
/// (`/`-separated).
pub fn parse_file(rel_path: &str, format: Format, text: &str, notes: &mut Notes) -> Vec<Document> {
    match format {
        Format::Jsonl => jsonl::documents(rel_path, text, &mut notes.lines_left_out),
        _ => parse_page(rel_path, format, text, &mut notes.warnings)
            .into_iter()
            .collect(),
    }
}

/// Parses a page (`.txt`, `.md`, `.html`). `rel_path` is its path relative to the corpus root
/// (`/`-separated). Returns `None` when the text holds nothing to index (no non-blank line), or
/// for [`Format::Jsonl`], which holds many documents: see [`parse_file`].
pub fn parse_document(rel_path: &str, format: Format, text: &str) -> Option<Document> {
    parse_page(rel_path, format, text, &mut Vec::new())
}

fn parse_page(
    rel_path: &str,
    format: Format,
    text: &str,
    warnings: &mut Vec<String>,
) -> Option<Document> {
    let (mut lang, mut url) = (None, None);
    let (page, slug_fn): (Page, fn(&str) -> String) = match format {
        Format::Text => (text::page(text)?, slug::slug),
        Format::Markdown => (markdown::page(text)?, slug::github_slug),
        Format::Html => {
            let read = html::page(text, warnings)?;
            (lang, url) = (read.lang, read.canonical);
            (read.page, slug::github_slug)
        }
        Format::Jsonl => return None,
    };
    let id = match rel_path.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() && !stem.ends_with('/') => stem,
        _ => rel_path,
    };
    let mut page = page;
    if page.title.is_empty() {
        // A page with no title at all (an HTML page without <h1> or <title>): its file name.
        page.title = id.rsplit('/').next().unwrap_or(id).to_string();
    }
    let definitions = abbrev::in_lines(rel_path, page.lines());
    let mut doc = assemble(id, rel_path, page, slug_fn);
    doc.definitions = definitions;
    doc.lang = lang;
    doc.url = url;
    Some(doc)
}

/// Splits text into numbered lines: strips a UTF-8 BOM, accepts `\n`, `\r\n` and lone `\r`.
pub(crate) fn numbered_lines(text: &str) -> Vec<(usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        lines.push((lines.len() + 1, &rest[..end]));
        rest = &rest[end..];
        if rest.starts_with("\r\n") {
            rest = &rest[2..];
        } else if !rest.is_empty() {
            rest = &rest[1..];
        }
    }
    lines
}

/// The text of a list item, if the line is one: after optional indentation, `•`, `-`, `*`, `+`,
/// `–` or `1.` / `1)` followed by a space (`•` may touch its text).
pub(crate) fn bullet(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let mut chars = t.chars();
    let first = chars.next()?;
    let rest = match first {
        '•' | '◦' | '▪' => return Some(chars.as_str().trim()),
        '-' | '*' | '+' | '–' => chars.as_str(),
        '0'..='9' => {
            let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let after = &t[digits..];
            if digits > 3 {
                return None;
            }
            after
                .strip_prefix('.')
                .or_else(|| after.strip_prefix(')'))?
        }
        _ => return None,
    };
    rest.starts_with(char::is_whitespace).then(|| rest.trim())
}

/// A `Key:` or `Key: value` line: a short capitalised key of at most four words.
pub(crate) fn metadata(line: &str) -> Option<(String, String)> {
    let (key, value) = line.trim().split_once(':')?;
    let key_ok = key.chars().next().is_some_and(char::is_uppercase)
        && key.len() <= 40
        && key.split_whitespace().count() <= 4
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-');
    (key_ok && value.len() <= 80 && !value.starts_with("//"))
        .then(|| (key.trim().to_string(), value.trim().to_string()))
}

/// Turns runs of non-blank lines into paragraphs and list items. Indented lines after an item
/// continue it.
pub(crate) fn blocks_of(lines: &[(usize, &str)], out: &mut Vec<Block>) {
    let mut para: Vec<(usize, &str)> = Vec::new();
    let flush = |para: &mut Vec<(usize, &str)>, out: &mut Vec<Block>| {
        if let Some(&(line, _)) = para.first() {
            let text = para
                .iter()
                .map(|(_, l)| l.trim())
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Block::Paragraph { text, line });
            para.clear();
        }
    };
    for &(no, line) in lines {
        if let Some(item) = bullet(line) {
            flush(&mut para, out);
            out.push(Block::Item {
                text: item.to_string(),
                raw: line.trim().to_string(),
                line: no,
            });
        } else if let (true, Some(Block::Item { text, raw, .. })) = (
            para.is_empty() && line.starts_with(char::is_whitespace),
            out.last_mut(),
        ) {
            text.push(' ');
            text.push_str(line.trim());
            raw.push('\n');
            raw.push_str(line.trim());
        } else {
            para.push((no, line));
        }
    }
    flush(&mut para, out);
}

/// Headings under which list items are references: "References", "Sources", "Expert review and
/// references", "Bibliography"... (plural forms only: "Your trusted source" is not one).
static REFERENCES_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(references|reference list|sources|bibliography|works cited|citations)\b")
        .unwrap()
});

/// The section being filled while walking blocks.
struct Open {
    record: usize,
    citations: bool,
    body: String,
    units: Vec<chrome::Unit>,
    last_was_item: bool,
}

impl Open {
    fn new(record: usize, citations: bool) -> Open {
        Open {
            record,
            citations,
            body: String::new(),
            units: Vec::new(),
            last_was_item: false,
        }
    }

    /// Adds a paragraph or a list item to the body (an item right after an item joins its list).
    fn push(&mut self, text: &str, line: usize, item: bool) {
        let joins = item && self.last_was_item;
        if !self.body.is_empty() {
            self.body.push_str(if joins { "\n" } else { "\n\n" });
        }
        let start = self.body.len();
        self.body.push_str(text);
        match self.units.last_mut() {
            Some(unit) if joins => unit.range.end = self.body.len(),
            _ => self.units.push(chrome::Unit {
                key: None,
                line,
                range: start..self.body.len(),
            }),
        }
        self.last_was_item = item;
    }

    /// Ends the section: its body and units (keyed) go to its record.
    fn close(self, records: &mut [Record]) {
        let record = &mut records[self.record];
        record.units = self.units;
        for unit in &mut record.units {
            unit.key = chrome::key(&self.body[unit.range.clone()]);
        }
        record.body = self.body;
    }
}

/// Walks a page's blocks and emits the document's records (see the module docs).
pub fn assemble(id: &str, path: &str, page: Page, slug_fn: fn(&str) -> String) -> Document {
    let mut slugger = slug::Slugger::default();
    let mut records = vec![Record {
        kind: RecordKind::Section,
        anchor: slugger.unique(page.title_anchor.unwrap_or_else(|| slug_fn(&page.title))),
        heading: page.title.clone(),
        breadcrumbs: Vec::new(),
        body: String::new(),
        line: page.title_line,
        citation: None,
        units: Vec::new(),
    }];
    let mut stack: Vec<(u8, String)> = vec![(1, page.title.clone())];
    let mut open = Open::new(0, false);
    let (mut refs, mut reviewers) = (0, 0);
    for block in page.blocks {
        match block {
            Block::Heading {
                level,
                text,
                line,
                anchor,
            } => {
                std::mem::replace(
                    &mut open,
                    Open::new(records.len(), REFERENCES_HEADING.is_match(&text)),
                )
                .close(&mut records);
                stack.retain(|(l, _)| *l < level);
                let breadcrumbs = stack.iter().map(|(_, h)| h.clone()).collect();
                stack.push((level, text.clone()));
                records.push(Record {
                    kind: RecordKind::Section,
                    anchor: slugger.unique(anchor.unwrap_or_else(|| slug_fn(&text))),
                    heading: text,
                    breadcrumbs,
                    body: String::new(),
                    line,
                    citation: None,
                    units: Vec::new(),
                });
            }
            Block::Item { text, line, .. } if open.citations => {
                let citation = Citation::parse(&text);
                let (kind, anchor) = match citation {
                    Citation::Reviewer(_) => {
                        reviewers += 1;
                        (RecordKind::Reviewer, format!("reviewer-{reviewers}"))
                    }
                    Citation::Reference(_) => {
                        refs += 1;
                        (RecordKind::Reference, format!("ref-{refs}"))
                    }
                };
                let section = &records[open.record];
                let mut breadcrumbs = section.breadcrumbs.clone();
                breadcrumbs.push(section.heading.clone());
                records.push(Record {
                    kind,
                    anchor: slugger.unique(anchor),
                    heading: citation.label().to_string(),
                    breadcrumbs,
                    body: text,
                    line,
                    citation: Some(citation),
                    units: Vec::new(),
                });
            }
            Block::Item { raw, line, .. } => open.push(&raw, line, true),
            Block::Paragraph { text, line } => open.push(&text, line, false),
        }
    }
    open.close(&mut records);
    Document {
        id: id.to_string(),
        path: path.to_string(),
        title: page.title,
        metadata: page.metadata,
        records,
        definitions: Vec::new(),
        lang: None,
        url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_accept_every_line_ending_and_a_bom() {
        let lines = numbered_lines("\u{feff}a\r\nb\rc\n\nd");
        assert_eq!(lines, vec![(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]);
    }

    #[test]
    fn bullets() {
        assert_eq!(bullet("  • item one"), Some("item one"));
        assert_eq!(bullet("•tight"), Some("tight"));
        assert_eq!(bullet("- dash"), Some("dash"));
        assert_eq!(bullet("* star"), Some("star"));
        assert_eq!(bullet("– en dash"), Some("en dash"));
        assert_eq!(bullet("12. numbered"), Some("numbered"));
        assert_eq!(bullet("3) numbered"), Some("numbered"));
        assert_eq!(bullet("-5 degrees"), None);
        assert_eq!(bullet("2024. A year"), None);
        assert_eq!(bullet("1.5 mg"), None);
        assert_eq!(bullet("Plain"), None);
    }

    #[test]
    fn metadata_lines() {
        assert_eq!(
            metadata("Last medical review:"),
            Some(("Last medical review".into(), "".into()))
        );
        assert_eq!(
            metadata("Reviewed by: Dr Smith"),
            Some(("Reviewed by".into(), "Dr Smith".into()))
        );
        assert_eq!(
            metadata("The chemotherapy drugs that may be used alone or together are:"),
            None
        );
        assert_eq!(metadata("https://example.org"), None);
    }

    #[test]
    fn document_id_drops_the_extension() {
        let doc = parse_document("dir/page.v2.txt", Format::Text, "Title\n\nText.\n").unwrap();
        assert_eq!(doc.id, "dir/page.v2");
        assert_eq!(doc.path, "dir/page.v2.txt");
        assert!(parse_document("empty.txt", Format::Text, " \n\n").is_none());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Lines that look like the layout's parts, and anything else.
    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[A-Z][a-z]{1,8}( [a-z]{1,8}){0,4}",
            "[A-Z][a-z]{2,8}( [a-z]{1,8}){3,12}\\.",
            "(  • |- |\\* |1\\. )[a-z]{1,8}( [a-z]{1,8}){0,5}",
            Just("References".to_string()),
            Just("Last medical review:".to_string()),
            "#{1,4} [A-Za-z!?]{1,10}",
            ".{0,40}",
        ]
    }

    fn page() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(line(), 0..40),
            prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        )
            .prop_map(|(lines, end)| lines.join(end))
    }

    proptest! {
        #[test]
        fn pages_parse_into_records_with_unique_anchors_in_order(text in page(), md in any::<bool>()) {
            let format = if md { Format::Markdown } else { Format::Text };
            let Some(doc) = parse_document("p.txt", format, &text) else {
                return Ok(());
            };
            let mut anchors = std::collections::HashSet::new();
            for record in &doc.records {
                prop_assert!(!record.anchor.is_empty());
                prop_assert!(anchors.insert(record.anchor.clone()), "{} twice", record.anchor);
            }
            prop_assert!(doc.records.windows(2).all(|w| w[0].line <= w[1].line));
            // Every word of the page is in the document: title, metadata, headings or bodies.
            let mut held = doc.title.clone();
            for (key, value) in &doc.metadata {
                held.push_str(&format!(" {key} {value}"));
            }
            for r in &doc.records {
                held.push_str(&format!(" {} {}", r.heading, r.body));
            }
            // (List markers are markup: a reference's number is not part of its text.)
            let marker = Regex::new(r"^\s*(?:[-*•]|\d+[.)])\s+").unwrap();
            for line in text.split(['\n', '\r']) {
                // Markdown drops markup that is not text a reader sees: raw HTML (and, after
                // it, what a script, style or comment holds), link targets, entity names, fence
                // info strings and front matter. Words elsewhere must all be kept.
                if md && (line.contains('<') || text.trim_start().starts_with("---")) {
                    break;
                }
                let fence = ["```", "~~~"].iter().any(|f| line.trim_start().starts_with(f));
                if md && (fence || line.contains(['[', ']', '&'])) {
                    continue;
                }
                let content = marker.replace(line, "");
                for word in content.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                    prop_assert!(held.contains(word), "{word:?} lost from {text:?}");
                }
            }
        }
    }
}
