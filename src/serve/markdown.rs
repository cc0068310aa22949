//! Markdown document pages keep the source's shape: the file is rendered by pulldown-cmark
//! (tables, ordered and nested lists, links with their targets, emphasis, code,
//! strikethrough, block quotes, task lists, footnotes; the same options the reader uses,
//! [`crate::parse::markdown::OPTIONS`]) and the HTML sanitised by ammonia (the page's own raw
//! HTML included: no script, no event handler, no `javascript:` link reaches the browser).
//!
//! Each heading gets the anchor of the record that starts on its line, and each item of a
//! references list its reference's (`ref-N`), so a result's link lands on it; the headings open `<section class="record">`s, so the target section is
//! highlighted whole (CSS `:has(:target)`). The query's words are marked in the text, as on
//! the other document pages ([`crate::search::snippet::marks`]). Front matter is not shown.

use std::collections::HashMap;

use maud::html;
use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

use crate::index::StoredRecord;
use crate::parse::RecordKind;
use crate::parse::markdown::{LineStarts, OPTIONS};
use crate::search::snippet;

/// The page's HTML, sanitised: `source` is the file's text, `records` the document's records
/// (their anchors by line), `wanted` the query's term sequences to mark.
pub fn render(source: &str, records: &[(StoredRecord, String)], wanted: &[Vec<String>]) -> String {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let lines = LineStarts::of(source);
    let anchors: HashMap<u64, &str> = records
        .iter()
        .filter(|(r, _)| r.kind == RecordKind::Section)
        .map(|(r, _)| (r.line, r.anchor.as_str()))
        .collect();
    let citations: HashMap<u64, &str> = records
        .iter()
        .filter(|(r, _)| r.kind != RecordKind::Section)
        .map(|(r, _)| (r.line, r.anchor.as_str()))
        .collect();
    let mut events: Vec<Event> = vec![Event::Html(r#"<section class="record">"#.into())];
    // A title that is no heading of the source (front matter's `title:`, or the first line)
    // heads the page, with the lead's anchor.
    let heading_lines: Vec<u64> = Parser::new_ext(source, OPTIONS)
        .into_offset_iter()
        .filter(|(e, _)| matches!(e, Event::Start(Tag::Heading { .. })))
        .map(|(_, range)| lines.line(range.start) as u64)
        .collect();
    if let Some((lead, _)) = records.first()
        && !heading_lines.contains(&lead.line)
    {
        let title = html! { h1 id=(lead.anchor) { (lead.heading) } };
        events.push(Event::Html(title.into_string().into()));
    }
    let mut in_metadata = false;
    let mut first_heading = true;
    for (event, range) in Parser::new_ext(source, OPTIONS).into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            _ if in_metadata => {}
            Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) => {
                if !first_heading {
                    events.push(Event::Html(r#"</section><section class="record">"#.into()));
                }
                first_heading = false;
                let line = lines.line(range.start) as u64;
                let id = anchors.get(&line).map(|a| CowStr::from(a.to_string()));
                events.push(Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }));
            }
            // A reference or reviewer: its list item gets its anchor.
            Event::Start(Tag::Item)
                if let Some(anchor) = citations.get(&(lines.line(range.start) as u64)) =>
            {
                let open = html! { li id=(anchor) {} }
                    .into_string()
                    .replace("</li>", "");
                events.push(Event::Html(open.into()));
            }
            Event::Text(text) if !wanted.is_empty() => {
                let marks = snippet::marks(&text, wanted);
                if marks.is_empty() {
                    events.push(Event::Text(text));
                } else {
                    events.push(Event::Html(marked(&text, &marks).into()));
                }
            }
            other => events.push(other),
        }
    }
    events.push(Event::Html("</section>".into()));
    let mut raw = String::with_capacity(source.len() * 2);
    pulldown_cmark::html::push_html(&mut raw, events.into_iter());
    sanitised(&raw)
}

/// `text` escaped, its `marks` (byte ranges) in `<mark>`.
fn marked(text: &str, marks: &[[usize; 2]]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &[start, end] in marks {
        out.push_str(&html! { (&text[at..start]) mark { (&text[start..end]) } }.into_string());
        at = end;
    }
    out.push_str(&html! { (&text[at..]) }.into_string());
    out
}

/// HTML with only what a document page may hold: ammonia's safe defaults (links get
/// `rel="noopener noreferrer"`; only http, https and mailto links), plus the sections, marks,
/// heading ids and the task lists' disabled checkboxes this page makes.
fn sanitised(html: &str) -> String {
    ammonia::Builder::default()
        .add_tags(["section", "mark", "input"])
        .add_tag_attributes("section", ["class"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Format, parse_document};

    fn records(source: &str) -> Vec<(StoredRecord, String)> {
        let doc = parse_document("p.md", Format::Markdown, source).unwrap();
        doc.records
            .iter()
            .map(|r| {
                let record = StoredRecord {
                    id: format!("p#{}", r.anchor),
                    doc: "p".into(),
                    doc_title: doc.title.clone(),
                    kind: r.kind,
                    heading: r.heading.clone(),
                    anchor: r.anchor.clone(),
                    path: "p.md".into(),
                    line: r.line as u64,
                    breadcrumbs: r.breadcrumbs.clone(),
                    reference: None,
                    reviewer: None,
                    url: None,
                    lang: None,
                    metadata: Vec::new(),
                };
                (record, r.body.clone())
            })
            .collect()
    }

    const PAGE: &str = "---\ntitle: Front\n---\n# Side effects\n\n| Effect | How common |\n|---|---|\n\
        | Fever | Common |\n\n1. first\n2. second\n   - nested\n\nSee [the guide](https://x.org/g) \
        and *this* and `code`, ~~hair loss~~.\n\n> quoted\n\n- [x] done\n- [ ] to do\n\n\
        ## Side effects\n\n<script>alert(1)</script><a href=\"javascript:alert(2)\" onclick=\"x()\">bad</a>\n";

    #[test]
    fn the_source_keeps_its_shape_and_loses_its_scripts() {
        let html = render(PAGE, &records(PAGE), &[]);
        for expected in [
            "<section class=\"record\">\n<h1 id=\"side-effects\">Side effects</h1>",
            "<table><thead><tr><th>Effect</th><th>How common</th></tr></thead>",
            "<td>Fever</td>",
            "<ol>\n<li>first</li>\n<li>second\n<ul>\n<li>nested</li>",
            r#"<a href="https://x.org/g" rel="noopener noreferrer">the guide</a>"#,
            "<em>this</em>",
            "<code>code</code>",
            "<del>hair loss</del>",
            "<blockquote>\n<p>quoted</p>",
            r#"<li><input disabled="" type="checkbox" checked="">"#,
            "</section><section class=\"record\">\n<h2 id=\"side-effects-1\">Side effects</h2>",
        ] {
            assert!(html.contains(expected), "{expected}\n{html}");
        }
        for gone in ["<script", "javascript:", "onclick", "title: Front"] {
            assert!(!html.contains(gone), "{gone}\n{html}");
        }
    }

    #[test]
    fn a_title_from_front_matter_heads_the_page_with_the_lead_s_anchor() {
        let source = "---\ntitle: Living well\n---\n\nIntro.\n\n## Next\n\nText.\n";
        let html = render(source, &records(source), &[]);
        assert!(
            html.starts_with(r#"<section class="record"><h1 id="living-well">Living well</h1>"#),
            "{html}"
        );
        assert!(html.contains(r#"<h2 id="next">Next</h2>"#), "{html}");
    }

    #[test]
    fn the_query_s_words_are_marked_and_escaped() {
        let source = "# Care\n\nFever & <b>tumours</b> here.\n";
        let html = render(
            source,
            &records(source),
            &[crate::analysis::terms("tumour")],
        );
        assert!(html.contains("<b><mark>tumours</mark></b>"), "{html}");
        assert!(html.contains("Fever &amp; "), "{html}");
    }
}
