//! A document as an HTML page (`GET /docs/{doc}`), with the query's words marked.
//!
//! A Markdown document is rendered from its file ([`super::markdown`]: tables, lists, links,
//! emphasis, code... sanitised). Other documents' records are rendered in line order, each in
//! a `<section class="record">` (the target section is highlighted whole) with a link to
//! itself: a section's heading as `<hN id="ANCHOR">`, N one more
//! than the number of headings above it (the title is `h1`; capped at `h6`); its body's
//! paragraphs (blocks between blank lines) as `<p>`, and runs of lines that start with a
//! bullet (`•`, `-`, `*`, `–`) as a `<ul>`; consecutive references as an `<ol>` and reviewers
//! as a `<ul>`, each item with `id` = its anchor (`ref-N`, `reviewer-N`). So the links that
//! search results give (`/docs/DOC#ANCHOR`) land on the section, and a browser scrolls to it.
//!
//! Web addresses (`http://`, `https://`) in the text become links; no other scheme does. A page
//! with an address on the live site (an HTML page with a canonical link or a base URL) links
//! to it above its text.
//!
//! With `?q=`, the words of that query are marked with `<mark>` in headings and bodies,
//! found by the analyzer the index uses ([`snippet::marks`]): `tumor` marks `tumour`, and a
//! phrase marks only where its words follow each other.
//!
//! Markup is built with maud, which escapes every string it is given: text from the corpus
//! and from the query reaches the page as text, never as markup. The page loads its style
//! sheet from the same server and runs no script.

use std::ops::Range;
use std::sync::LazyLock;

use maud::{DOCTYPE, Markup, html};
use regex::Regex;

use crate::error::Result;
use crate::index::{RecordKey, Searchable, StoredRecord};
use crate::parse::RecordKind;
use crate::search::{self, snippet};

/// The page of document `doc` with the words of `query` marked (none when `query` is
/// `None` or malformed); `None` when the index has no such document.
pub fn document(s: &Searchable, doc: &str, query: Option<&str>) -> Result<Option<String>> {
    let records = s.records(RecordKey::Doc(doc))?;
    let Some((first, _)) = records.first() else {
        return Ok(None);
    };
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let mut marker = Marker {
        wanted: query
            .and_then(|q| search::highlights(s, q, false).ok())
            .unwrap_or_default(),
    };
    let markdown = [".md", ".markdown"]
        .iter()
        .any(|ext| first.path.to_ascii_lowercase().ends_with(ext));
    let source = markdown
        .then(|| std::fs::read_to_string(s.corpus().join(&first.path)).ok())
        .flatten();
    let contents: Vec<&StoredRecord> = records
        .iter()
        .skip(1)
        .map(|(r, _)| r)
        .filter(|r| r.kind == RecordKind::Section)
        .collect();
    let body = html! {
        @if contents.len() > 1 {
            nav class="contents" aria-label="Contents" {
                h2 { "On this page" }
                ol {
                    @for r in &contents { li { a href=(format!("#{}", r.anchor)) { (r.heading) } } }
                }
            }
        }
        article {
            @if let Some(source) = &source {
                (maud::PreEscaped(super::markdown::render(source, &records, &marker.wanted)))
            } @else {
                @for group in groups(&records) {
                    @match group {
                        Group::Section(record, body) => (section(record, body, &mut marker)),
                        Group::Citations(kind, items) => (citations(kind, items, &mut marker)),
                    }
                }
            }
        }
    };
    let body = html! {
        @if let Some(url) = &first.url {
            p class="live" { a href=(url) { "Open this page on the site" } }
        }
        (body)
    };
    let back = query.map(|q| format!("/?{}", query_string(q)));
    Ok(Some(
        layout(&first.doc_title, query.unwrap_or(""), back.as_deref(), body).into_string(),
    ))
}

/// The search page (`GET /`, the HTML of [`super::ASSETS`]); for `/?q=`, with the results
/// drawn in it as the page's script draws them ([`result`]), so the page works without
/// script and crawlers see the results; the script takes over from them (it reads the
/// list's `data-query`). A query that cannot run (nothing to search) is shown as the script
/// shows it. `correct` is false for `&correct=false`.
pub fn search_page(s: &Searchable, query: &str, correct: bool) -> Result<String> {
    let template = SEARCH_PAGE;
    if query.trim().is_empty() {
        return Ok(template.to_string());
    }
    let options = search::SearchOptions {
        forgiving: true,
        correct,
        ..search::SearchOptions::default()
    };
    let (items, status, notice, suggestion, more) = match search::search(s, query, &options) {
        Ok(results) => {
            let ran = results.corrected_query.as_deref().unwrap_or(query);
            let items = html! { @for hit in &results.hits { (result(hit, ran)) } };
            let status = match (results.total_hits, results.total_hits_exact) {
                (0, _) => format!("No results for “{query}”."),
                (n, true) => format!(
                    "Showing {} of {n} result{}.",
                    results.hits.len(),
                    if n == 1 { "" } else { "s" }
                ),
                (n, false) => format!("Showing {} of more than {n} results.", results.hits.len()),
            };
            let notice = match (&results.corrected_query, &results.read_as) {
                (Some(fixed), _) => Some(html! {
                    "Showing results for " strong { (fixed) } ". Search instead for "
                    a href=(format!("/?{}&correct=false", query_string(query))) { (query) } "."
                }),
                (None, Some(read)) if read.plain => {
                    Some(html! { "Searched for the words of “" (query) "”." })
                }
                (None, Some(read)) => Some(html! { "Searched for " (read.text) "." }),
                (None, None) => None,
            };
            let suggestion = results.suggestion.as_ref().map(|q| {
                html! { "Did you mean " a href=(format!("/?{}", query_string(q))) { (q) } "?" }
            });
            let more = results.hits.len() == search::DEFAULT_LIMIT
                && !(results.total_hits_exact && results.total_hits <= results.hits.len());
            (items, status, notice, suggestion, more)
        }
        Err(e) => (
            html! {},
            crate::output::clean(&e.to_string()),
            None,
            None,
            false,
        ),
    };
    let escaped = html! { (query) }.into_string();
    let title = html! { "“" (query.trim()) "” · Search · medsearch" }.into_string();
    let notice_html = |id: &str, content: Option<Markup>| match content {
        Some(content) => html! { p id=(id) class="notice" { (content) } }.into_string(),
        None => format!(r#"<p id="{id}" class="notice" hidden></p>"#),
    };
    let filled = template
        .replacen(
            "<title>Search · medsearch</title>",
            &format!("<title>{title}</title>"),
            1,
        )
        .replacen(
            r#"<input id="q" name="q""#,
            &format!(r#"<input id="q" name="q" value="{escaped}""#),
            1,
        )
        .replacen(
            r#"<p id="corrected" class="notice" hidden></p>"#,
            &notice_html("corrected", notice),
            1,
        )
        .replacen(
            r#"aria-live="polite"></p>"#,
            &format!(
                r#"aria-live="polite">{}</p>"#,
                html! { (status) }.into_string()
            ),
            1,
        )
        .replacen(
            r#"tabindex="-1"></ol>"#,
            &format!(
                r#"tabindex="-1" data-query="{escaped}">{}</ol>"#,
                items.into_string()
            ),
            1,
        )
        .replacen(
            r#"<button id="more" class="more" type="button" hidden>"#,
            if more {
                r#"<button id="more" class="more" type="button">"#
            } else {
                r#"<button id="more" class="more" type="button" hidden>"#
            },
            1,
        )
        .replacen(
            r#"<p id="suggestion" class="notice" hidden></p>"#,
            &notice_html("suggestion", suggestion),
            1,
        );
    Ok(filled)
}

/// The search page's HTML.
const SEARCH_PAGE: &str = include_str!("assets/index.html");

/// One result card, the markup the page's script draws (`card` in `assets/app.js`): the
/// heading (its matches marked) linking to the document page at the record, the kind for
/// citations (read as its own word), the headings above it and the live page's link, the
/// snippet.
pub fn result(hit: &search::Hit, ran: &str) -> Markup {
    let record = &hit.record;
    let heading = if record.heading.is_empty() {
        &record.doc_title
    } else {
        &record.heading
    };
    let heading_marks = if record.heading.is_empty() {
        &[][..]
    } else {
        &hit.heading_highlights[..]
    };
    let href = format!(
        "{}?{}#{}",
        doc_path(&record.doc),
        query_string(ran),
        encode(&record.anchor)
    );
    let live = record
        .url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    html! {
        li id=(format!("result-{}", hit.rank)) {
            h2 {
                a href=(href) { (pieces(heading, 0..heading.len(), heading_marks)) }
                @if record.kind != RecordKind::Section {
                    span class="kind" { span class="visually-hidden" { ", " } (record.kind.as_str()) }
                }
            }
            @if !record.breadcrumbs.is_empty() || live.is_some() {
                p class="crumbs" {
                    (record.breadcrumbs.join(" › "))
                    @if let Some(url) = live {
                        @if !record.breadcrumbs.is_empty() { " · " }
                        a class="live" href=(url) { "on the site" }
                    }
                }
            }
            p class="snippet" { (pieces(&hit.snippet, 0..hit.snippet.len(), &hit.highlights)) }
        }
    }
}

/// The path of a document's page: `/docs/` and its id, each segment encoded.
fn doc_path(id: &str) -> String {
    let segments: Vec<String> = id.split('/').map(encode).collect();
    format!("/docs/{}", segments.join("/"))
}

/// A URL path segment, percent-encoded as `encodeURIComponent` does.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `GET /docs/`: every document of the index, by id, linking to its page (for people and
/// crawlers), [`DOCS_PER_PAGE`] a page (`?page=N`, from 1).
pub fn document_list(s: &Searchable, page: usize) -> Result<String> {
    let ids = s.document_ids()?;
    let pages = ids.len().div_ceil(DOCS_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let shown = ids
        .iter()
        .skip((page - 1) * DOCS_PER_PAGE)
        .take(DOCS_PER_PAGE);
    let body = html! {
        h1 { "All pages" }
        p { (ids.len()) " pages in the index." }
        ul class="documents" {
            @for id in shown {
                li { a href=(doc_path(id)) { (id) } }
            }
        }
        @if pages > 1 {
            nav aria-label="Pages of the list" {
                @if page > 1 { a href=(format!("/docs/?page={}", page - 1)) { "Previous" } " " }
                "Page " (page) " of " (pages)
                @if page < pages { " " a href=(format!("/docs/?page={}", page + 1)) { "Next" } }
            }
        }
    };
    Ok(layout("All pages", "", None, body).into_string())
}

/// Documents a page of [`document_list`] shows.
pub const DOCS_PER_PAGE: usize = 1000;

/// `GET /sitemap.xml`: the address of every document page (at most the 50,000 a sitemap may
/// hold), on the server at `origin` (`http://host:port`).
pub fn sitemap(s: &Searchable, origin: &str) -> Result<String> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for id in s.document_ids()?.iter().take(50_000) {
        let loc = html! { (origin) (doc_path(id)) }.into_string();
        xml.push_str(&format!("  <url><loc>{loc}</loc></url>\n"));
    }
    xml.push_str("</urlset>\n");
    Ok(xml)
}

/// `GET /robots.txt`: everything but the API may be crawled; the sitemap is at `origin`.
pub fn robots(origin: &str) -> String {
    format!("User-agent: *\nAllow: /\nDisallow: /api/\nSitemap: {origin}/sitemap.xml\n")
}

/// The page for a document the index does not have.
pub fn not_found(doc: &str) -> String {
    let body = html! {
        h1 { "No such page" }
        p { "This index has no document " code { (doc) } "." }
        p { a href="/" { "Search the pages" } }
    };
    layout("No such page", "", None, body).into_string()
}

/// The frame of every document page: a search form in the header, then `body`.
fn layout(title: &str, query: &str, back: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · medsearch" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
            }
            body {
                a class="skip" href="#content" { "Skip to content" }
                header class="site" {
                    div class="bar" {
                        a class="brand" href="/" { "medsearch" }
                        form class="mini" role="search" action="/" method="get" {
                            label class="visually-hidden" for="q" { "Search the pages" }
                            input id="q" name="q" type="search" value=(query);
                            button type="submit" { "Search" }
                        }
                    }
                }
                main id="content" class="doc" {
                    @if let Some(back) = back {
                        p class="back" { a href=(back) { "← Back to results" } }
                    }
                    (body)
                }
            }
        }
    }
}

/// `q=QUERY`, encoded for a URL.
pub fn query_string(query: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("q", query)
        .finish()
}

/// Records as they are laid out: a section alone, or a run of citations of one kind.
enum Group<'a> {
    Section(&'a StoredRecord, &'a str),
    Citations(RecordKind, Vec<(&'a StoredRecord, &'a str)>),
}

fn groups(records: &[(StoredRecord, String)]) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for (record, body) in records {
        match (record.kind, out.last_mut()) {
            (RecordKind::Section, _) => out.push(Group::Section(record, body)),
            (kind, Some(Group::Citations(last, items))) if *last == kind => {
                items.push((record, body));
            }
            (kind, _) => out.push(Group::Citations(kind, vec![(record, body)])),
        }
    }
    out
}

fn section(record: &StoredRecord, body: &str, marker: &mut Marker) -> Markup {
    let heading = marker.marked(&record.heading, 0..record.heading.len());
    let marked = marker.marks(body);
    let heading = match record.breadcrumbs.len() {
        0 => html! { h1 id=(record.anchor) { (heading) } },
        1 => html! { h2 id=(record.anchor) { (heading) } },
        2 => html! { h3 id=(record.anchor) { (heading) } },
        3 => html! { h4 id=(record.anchor) { (heading) } },
        4 => html! { h5 id=(record.anchor) { (heading) } },
        _ => html! { h6 id=(record.anchor) { (heading) } },
    };
    html! {
        section class="record" {
            (heading)
            @if let Some((key, value)) = reviewed(record) {
                p class="reviewed" { (key) ": " (value) }
            }
            @if !record.breadcrumbs.is_empty() {
                a class="permalink" href=(format!("#{}", record.anchor)) {
                    "Link to this section"
                    span class="visually-hidden" { ": " (record.heading) }
                }
            }
            @for block in blocks(body) {
                @match block {
                    Block::Paragraph(range) => p { (linked(body, range, &marked)) },
                    Block::List(items) => ul {
                        @for item in items { li { (linked(body, item, &marked)) } }
                    },
                }
            }
        }
    }
}

/// The page's "Last medical review" line (a metadata key about a review, with a value), on
/// its lead record.
fn reviewed(record: &StoredRecord) -> Option<&(String, String)> {
    record
        .metadata
        .iter()
        .find(|(key, value)| key.to_lowercase().contains("review") && !value.is_empty())
}

fn citations(kind: RecordKind, items: Vec<(&StoredRecord, &str)>, marker: &mut Marker) -> Markup {
    let items = html! {
        @for (record, body) in items {
            li id=(record.anchor) { (marker.marked(body, 0..body.len())) }
        }
    };
    match kind {
        RecordKind::Reference => html! { ol class="references" { (items) } },
        _ => html! { ul class="reviewers" { (items) } },
    }
}

/// A block of a body: byte ranges into it.
#[derive(Debug, PartialEq, Eq)]
enum Block {
    Paragraph(Range<usize>),
    /// The items, without their bullets.
    List(Vec<Range<usize>>),
}

/// Lines that start with one of these (then a space) are list items.
const BULLETS: [char; 4] = ['•', '-', '*', '–'];

/// A body's paragraphs and lists (see the module docs).
fn blocks(body: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let text = line.trim_end();
        let indent = text.len() - text.trim_start().len();
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            out.push(None);
            continue;
        }
        let item = trimmed
            .strip_prefix(BULLETS)
            .filter(|rest| rest.starts_with(' '))
            .map(|rest| {
                let rest = rest.trim_start();
                let end = start + indent + trimmed.len();
                end - rest.len()..end
            });
        let range = start + indent..start + text.len();
        match (item, out.last_mut()) {
            (Some(item), Some(Some(Block::List(items)))) => items.push(item),
            (Some(item), _) => out.push(Some(Block::List(vec![item]))),
            (None, Some(Some(Block::Paragraph(p)))) => p.end = range.end,
            (None, _) => out.push(Some(Block::Paragraph(range))),
        }
    }
    out.into_iter().flatten().collect()
}

/// Marks a query's words.
struct Marker {
    wanted: Vec<Vec<String>>,
}

impl Marker {
    /// Byte ranges of the query's matches in `text`.
    fn marks(&mut self, text: &str) -> Vec<[usize; 2]> {
        if self.wanted.is_empty() {
            return Vec::new();
        }
        snippet::marks(text, &self.wanted)
    }

    /// `text[range]` with its matches marked and its web addresses linked.
    fn marked(&mut self, text: &str, range: Range<usize>) -> Markup {
        let marks = self.marks(text);
        linked(text, range, &marks)
    }
}

/// Web addresses in text: `http://` or `https://` up to whitespace or a character that cannot
/// be part of one; punctuation that ends a sentence is left out.
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"https?://[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]"#).expect("a valid pattern")
});

/// `text[range]` as [`pieces`], each web address in it a link (only `http` and `https`: no
/// other scheme can come from the text).
fn linked(text: &str, range: Range<usize>, marks: &[[usize; 2]]) -> Markup {
    let mut at = range.start;
    let mut parts = Vec::new();
    for url in URL.find_iter(&text[range.clone()]) {
        let (start, end) = (range.start + url.start(), range.start + url.end());
        parts.push((at..start, None));
        parts.push((start..end, Some(url.as_str())));
        at = end;
    }
    parts.push((at..range.end, None));
    html! {
        @for (part, url) in parts {
            @if let Some(url) = url {
                a href=(url) rel="noopener noreferrer" { (pieces(text, part, marks)) }
            } @else {
                (pieces(text, part, marks))
            }
        }
    }
}

/// `text[range]` as text, the parts inside `marks` (sorted byte ranges into `text`) in
/// `<mark>`.
fn pieces(text: &str, range: Range<usize>, marks: &[[usize; 2]]) -> Markup {
    let mut parts: Vec<(&str, bool)> = Vec::new();
    let mut at = range.start;
    for &[start, end] in marks {
        let (start, end) = (start.max(at), end.min(range.end));
        if start >= end {
            continue;
        }
        parts.push((&text[at..start], false));
        parts.push((&text[start..end], true));
        at = end;
    }
    parts.push((&text[at..range.end], false));
    html! {
        @for (part, marked) in parts {
            @if marked { mark { (part) } } @else { (part) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(body: &'a str, blocks: &[Block]) -> Vec<Vec<&'a str>> {
        blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(r) => vec![&body[r.clone()]],
                Block::List(items) => items.iter().map(|r| &body[r.clone()]).collect(),
            })
            .collect()
    }

    #[test]
    fn paragraphs_and_lists_split_at_blank_lines_and_bullets() {
        let body = "First line\nsame paragraph.\n\nUsed to:\n\n• shrink it\n  - control it\n*not a bullet\n\n";
        assert_eq!(
            texts(body, &blocks(body)),
            [
                vec!["First line\nsame paragraph."],
                vec!["Used to:"],
                vec!["shrink it", "control it"],
                vec!["*not a bullet"],
            ]
        );
        assert!(blocks("").is_empty());
        assert!(blocks("\n \n").is_empty());
    }

    #[test]
    fn pieces_escape_text_and_mark_only_inside_the_range() {
        let text = "a <b> & tumour here";
        let marked = pieces(text, 2..text.len(), &[[0, 1], [8, 14]]).into_string();
        assert_eq!(marked, "&lt;b&gt; &amp; <mark>tumour</mark> here");
        let cut = pieces(text, 0..10, &[[8, 14]]).into_string();
        assert_eq!(cut, "a &lt;b&gt; &amp; <mark>tu</mark>");
    }

    #[test]
    fn web_addresses_become_links_and_nothing_else_does() {
        let text = "See https://cnets.ca/. Or (https://a.org/x?y=1&z=2), not javascript:alert(1) \
                    nor https://\"><script>.";
        let html = linked(text, 0..text.len(), &[[12, 17]]).into_string();
        assert_eq!(
            html,
            "See <a href=\"https://cnets.ca/\" rel=\"noopener noreferrer\">https://<mark>cnets</mark>.ca/</a>. \
             Or (<a href=\"https://a.org/x?y=1&amp;z=2\" rel=\"noopener noreferrer\">https://a.org/x?y=1&amp;z=2</a>), \
             not javascript:alert(1) nor https://&quot;&gt;&lt;script&gt;."
        );
    }

    #[test]
    fn queries_are_encoded_for_urls() {
        assert_eq!(query_string("embolic agent"), "q=embolic+agent");
        assert_eq!(query_string("a&b=\"é\""), "q=a%26b%3D%22%C3%A9%22");
    }
}
