//! The schema: the fields of a record in the index, and the tantivy documents of a parsed
//! document.
//!
//! Text fields (`heading`, `body`) are analyzed with [`ANALYZER`] and keep frequencies and
//! positions (phrases); `doc`, `kind` and `path` are raw terms for filters and deletes; the rest
//! is stored only, for showing hits.

use serde::Serialize;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{TantivyDocument, doc};

use crate::analysis::{self, ANALYZER};
use crate::parse::{Citation, Document, RecordKind, Reference, Reviewer};
use crate::semantic;

/// A record as the index stores it, for people: what a search hit describes, what `show`
/// prints (with its body) and what `export` writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRecord {
    /// `doc#anchor`.
    pub id: String,
    /// Document id.
    pub doc: String,
    /// Document title.
    pub doc_title: String,
    /// Record kind.
    pub kind: RecordKind,
    /// Heading (or reference title, reviewer name).
    pub heading: String,
    /// Anchor within the document.
    pub anchor: String,
    /// File path relative to the corpus folder, `/`-separated (joined to the folder for
    /// display only: `crate::output`).
    pub path: String,
    /// 1-based line where the record starts.
    pub line: u64,
    /// Headings above the record.
    pub breadcrumbs: Vec<String>,
    /// Parsed reference fields (references).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    /// Parsed reviewer fields (reviewers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<Reviewer>,
    /// The record on the live site (HTML pages): the page's canonical address, else the
    /// index's base URL joined with the page's path (`…/index.html` as its folder), plus
    /// `#anchor` (none for the page's lead, which is its top).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The page's language (`<html lang>`), when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The page's `Key: value` lines under its title ("Last medical review"), on its lead
    /// record only; in JSON as those lines (`["Last medical review: May 2024"]`), an array of
    /// strings every engine's mapping takes.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_lines")]
    pub metadata: Vec<(String, String)>,
}

/// Metadata pairs as `Key: value` lines.
fn as_lines<S: serde::Serializer>(pairs: &[(String, String)], out: S) -> Result<S::Ok, S::Error> {
    out.collect_seq(pairs.iter().map(|(key, value)| match value.is_empty() {
        true => format!("{key}:"),
        false => format!("{key}: {value}"),
    }))
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `doc#anchor`, unique per record (stored only: a unique term per record would only
    /// grow the term dictionary; look-ups go through `doc`, see [`super::Searchable::anchors_of`]).
    pub id: Field,
    /// The document id (raw; `doc:` queries).
    pub doc: Field,
    /// `section`, `reference` or `reviewer` (raw; `kind:` queries).
    pub kind: Field,
    /// The record's anchor (stored only).
    pub anchor: Field,
    /// The file path relative to the corpus root (raw: a changed file's records are deleted by it).
    pub path: Field,
    /// 1-based start line (stored only).
    pub line: Field,
    /// The document title (stored only: the lead record's heading is the title, and is searched).
    pub title: Field,
    /// The section heading (analyzed, boosted); empty for citations.
    pub heading: Field,
    /// The record's text (analyzed).
    pub body: Field,
    /// The page's canonical address plus the record's fragment (stored only; HTML pages).
    pub url: Field,
    /// The record's address relative to the corpus folder's on the site (stored only; HTML
    /// pages have it, `""` for the lead of the root `index.html`; other pages do not).
    pub href: Field,
    /// The page's language (stored only).
    pub lang: Field,
    /// The page's metadata as JSON pairs, on the lead record (stored only).
    pub meta: Field,
    /// Headings above the record (stored only, one value each).
    pub breadcrumbs: Field,
    /// Parsed reference or reviewer fields as JSON (stored only).
    pub citation: Field,
    /// What identifies a reference or reviewer, not what it is about: authors, organisation,
    /// journal and year; a reviewer's name and credentials (analyzed, not stored). Tells a query
    /// about citations from a topical one (see `search::ranking`).
    pub cite: Field,
    /// The record's kind as a number ([`RecordKind::code`]), a fast field: the kind prior
    /// reads it for every record it scores.
    pub kind_code: Field,
    /// A reference's title or a reviewer's name, analyzed, as one raw term (its words joined
    /// by spaces; not stored): tells a query that is a whole title.
    pub title_key: Field,
    /// The key of the record's text for the semantic stage, a fast field
    /// ([`crate::semantic::store`]).
    pub embed_key: Field,
}

/// A page's address relative to the site's folder, for HTML pages: its path, with `index.html`
/// (`index.htm`) standing for its folder (`a/index.html` → `a/`); `None` for other formats.
fn page_href(path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    if !(lower.ends_with(".html") || lower.ends_with(".htm")) {
        return None;
    }
    let (folder, name) = path.rsplit_once('/').map_or(("", path), |(f, n)| (f, n));
    Some(match name.to_ascii_lowercase().as_str() {
        "index.html" | "index.htm" if folder.is_empty() => String::new(),
        "index.html" | "index.htm" => format!("{folder}/"),
        _ => path.to_string(),
    })
}

/// The name of the kind-code fast field.
pub const KIND_CODE: &str = "kind_code";
/// The name of the fast field holding the key of the text the record is embedded as
/// ([`crate::semantic::key_of`]).
pub const EMBED_KEY: &str = "embed_key";

impl Fields {
    /// The schema of a medsearch index.
    pub fn schema() -> Schema {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        b.add_text_field("id", STORED);
        b.add_text_field("doc", STRING | STORED);
        b.add_text_field("kind", STRING | STORED);
        b.add_text_field("anchor", STORED);
        b.add_text_field("path", STRING | STORED);
        b.add_u64_field("line", STORED | INDEXED);
        b.add_text_field("title", STORED);
        b.add_text_field("heading", text.clone());
        b.add_text_field("body", text);
        b.add_text_field("breadcrumbs", STORED);
        b.add_text_field("url", STORED);
        b.add_text_field("href", STORED);
        b.add_text_field("lang", STORED);
        b.add_text_field("meta", STORED);
        b.add_text_field("citation", STORED);
        b.add_text_field(
            "cite",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        );
        b.add_u64_field(KIND_CODE, FAST);
        b.add_u64_field(EMBED_KEY, FAST);
        b.add_text_field("title_key", STRING);
        b.build()
    }

    /// Looks the fields up in a schema; fails on an index made with another schema.
    pub fn from_schema(schema: &Schema) -> std::result::Result<Fields, String> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("field '{name}' missing"))
        };
        Ok(Fields {
            id: f("id")?,
            doc: f("doc")?,
            kind: f("kind")?,
            anchor: f("anchor")?,
            path: f("path")?,
            line: f("line")?,
            title: f("title")?,
            heading: f("heading")?,
            body: f("body")?,
            breadcrumbs: f("breadcrumbs")?,
            url: f("url")?,
            href: f("href")?,
            lang: f("lang")?,
            meta: f("meta")?,
            citation: f("citation")?,
            cite: f("cite")?,
            kind_code: f(KIND_CODE)?,
            title_key: f("title_key")?,
            embed_key: f(EMBED_KEY)?,
        })
    }

    /// A stored record read back, with its body; `base_url` is the index's
    /// ([`super::manifest::Summary::base_url`]).
    pub fn record(&self, doc: &TantivyDocument, base_url: Option<&str>) -> (StoredRecord, String) {
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let kind = text(self.kind).parse().unwrap_or(RecordKind::Section);
        let citation: Option<Citation> = doc
            .get_first(self.citation)
            .and_then(|v| v.as_str())
            .and_then(|json| serde_json::from_str(json).ok());
        let heading = citation
            .as_ref()
            .map_or_else(|| text(self.heading), |c| c.label().to_string());
        let (reference, reviewer) = match citation {
            Some(Citation::Reference(r)) => (Some(r), None),
            Some(Citation::Reviewer(r)) => (None, Some(r)),
            None => (None, None),
        };
        let record = StoredRecord {
            id: text(self.id),
            doc: text(self.doc),
            doc_title: text(self.title),
            kind,
            heading,
            anchor: text(self.anchor),
            path: text(self.path),
            line: doc
                .get_first(self.line)
                .and_then(|v| v.as_u64())
                .unwrap_or(0),
            breadcrumbs: doc
                .get_all(self.breadcrumbs)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            reference,
            reviewer,
            url: Some(text(self.url)).filter(|u| !u.is_empty()).or_else(|| {
                let href = doc.get_first(self.href)?.as_str()?;
                Some(format!("{}{href}", base_url?))
            }),
            lang: Some(text(self.lang)).filter(|l| !l.is_empty()),
            metadata: doc
                .get_first(self.meta)
                .and_then(|v| v.as_str())
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default(),
        };
        (record, text(self.body))
    }

    /// The tantivy documents of a parsed document's records.
    pub fn document(&self, doc: &Document) -> Vec<TantivyDocument> {
        let page = page_href(&doc.path);
        doc.records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let fragment = if i == 0 {
                    String::new()
                } else {
                    format!("#{}", r.anchor)
                };
                let heading = if r.citation.is_none() {
                    r.heading.as_str()
                } else {
                    ""
                };
                let embedded = semantic::text_of(&doc.title, heading, &r.body);
                let mut d = doc!(
                    self.id => format!("{}#{}", doc.id, r.anchor),
                    self.doc => doc.id.clone(),
                    self.kind => r.kind.as_str(),
                    self.kind_code => r.kind.code(),
                    self.anchor => r.anchor.clone(),
                    self.path => doc.path.clone(),
                    self.line => r.line as u64,
                    self.title => doc.title.clone(),
                    self.body => r.body.clone(),
                    self.embed_key => semantic::key_of(&embedded),
                );
                // A citation's label (its title or name) is part of its body already: indexing
                // it as a heading too would count it twice. Search reads it from `citation`.
                if r.citation.is_none() {
                    d.add_text(self.heading, &r.heading);
                }
                for crumb in &r.breadcrumbs {
                    d.add_text(self.breadcrumbs, crumb);
                }
                if let Some(url) = &doc.url {
                    d.add_text(self.url, format!("{url}{fragment}"));
                }
                if let Some(page) = &page {
                    d.add_text(self.href, format!("{page}{fragment}"));
                }
                if let Some(lang) = &doc.lang {
                    d.add_text(self.lang, lang);
                }
                if i == 0 && !doc.metadata.is_empty() {
                    let pairs = serde_json::to_string(&doc.metadata).expect("pairs serialize");
                    d.add_text(self.meta, pairs);
                }
                if let Some(c) = &r.citation {
                    d.add_text(
                        self.citation,
                        serde_json::to_string(c).expect("citations serialize"),
                    );
                    d.add_text(self.cite, c.identity());
                    d.add_text(self.title_key, analysis::terms(c.label()).join(" "));
                }
                d
            })
            .collect()
    }
}
