//! HTML pages (`.html`, `.htm`): the page's content as a reader sees it, its own anchors, its
//! language and its live address.
//!
//! **Parser.** html5ever (through `scraper`'s tree), the WHATWG HTML5 algorithm Servo uses: it
//! builds the tree a browser builds from broken markup (unclosed and misnested tags, `</script>`
//! inside strings, comments, CDATA, foreign SVG and MathML), so what we read is what the reader
//! saw. `lol_html`, the other choice, is a streaming rewriter: faster and lighter, but it gives no
//! tree (the content rules below need "the first `<main>`, else…" and "the element a heading
//! opens") and no line numbers. html5ever reports the line of every token; a thin sink around
//! scraper's (`Lines`) keeps each element's line, so a record's line is its heading's line in
//! the file. The tree is an arena (`ego_tree`): it is walked with an explicit traversal and
//! dropped flat, so 100,000 nested elements cannot overflow the stack. Input is bounded:
//! [`MAX_BYTES`] per page (the rest is left out, with a warning).
//!
//! **Encoding** ([`decode`]): a byte-order mark, else a `<meta charset>` or `http-equiv`
//! declaration in the first 1,024 bytes (read by the same parser, as the WHATWG prescan does),
//! else UTF-8 when the bytes are UTF-8, else a guess by `chardetng` (named in a warning). The
//! decoder is `encoding_rs`, the WHATWG decoder browsers use: `ISO-8859-1` is `windows-1252`.
//!
//! **Content.** The elements marked `data-medsearch-body` (or Pagefind's `data-pagefind-body`),
//! else the first `<main>`, else `[role=main]`, else `<article>`, else `<body>`. Never content:
//! `script`, `style`, `noscript`, `template`, `svg`, `math`, `iframe`, `nav`, `aside`, `form`,
//! `button`, `select`, `textarea`, `dialog`, the ARIA roles `navigation`, `complementary`,
//! `search`, `dialog` and `alertdialog`, anything `hidden`, `aria-hidden="true"`, styled
//! `display:none`, or marked `data-medsearch-ignore` (`data-pagefind-ignore`); and a `header` or
//! `footer` (roles `banner`, `contentinfo`) that is the site's: one outside any `article`,
//! `section` or `main` (an article's own header, with its `<h1>`, is content).
//!
//! **Blocks.** `h1`–`h6` are headings; the first `<h1>` in the content is the title (else
//! `<title>` without a site name after ` | `, or after ` - ` when the page names its site in
//! `og:site_name`); block elements and `<br>` separate text, inline elements do
//! not (`<b>embol</b>ization` is one word); `li` is a list item (`•`, or its number in an `ol`);
//! a table row is a line with its cells apart (`a | b`); `<img alt>` is text; `<pre>` keeps its
//! lines. A heading's anchor is the one the live page scrolls to: its `id`, else the `id` of the
//! element it opens (a `<section id>` whose first child it is), else an `id` or `name` inside it;
//! only a heading with none of these gets a GitHub-style slug ([`super::assemble`]).

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};

use ego_tree::{NodeId, NodeRef};
use encoding_rs::Encoding;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use rustc_hash::FxHashMap as HashMap;
use scraper::{Html, HtmlTreeSink, Node};

use super::{Block, Page};

/// The most of a page read (bytes); a larger page is read up to here, with a warning. Measured:
/// html5ever builds the tree of an 8 MB page in about 0.4 s and 150 MB; no patient page comes
/// near it (the bundled one is 11 kB as text).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// What the HTML reader found beside the page's text.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HtmlPage {
    /// Title, blocks (headings carry the page's own anchors).
    pub page: Page,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// `<link rel="canonical" href>`, when absolute (`http:` or `https:`).
    pub canonical: Option<String>,
}

/// The bytes of an HTML file as text: bounded, checked, decoded (see the module docs).
/// `warnings` receives what the reader should know (a cut page, a guessed encoding); `Err` is
/// why the file is not read at all (not HTML).
pub fn decode<'a>(bytes: &'a [u8], warnings: &mut Vec<String>) -> Result<Cow<'a, str>, String> {
    let bytes = if bytes.len() > MAX_BYTES {
        warnings.push(format!(
            "the page is {:.1} MB; only its first {} MB are read",
            bytes.len() as f64 / 1e6,
            MAX_BYTES >> 20
        ));
        &bytes[..MAX_BYTES]
    } else {
        bytes
    };
    if binary(bytes) {
        return Err("not an HTML page (binary data)".into());
    }
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return Ok(encoding.decode_without_bom_handling(&bytes[bom..]).0);
    }
    if let Some(encoding) = declared(&bytes[..bytes.len().min(1024)]) {
        return Ok(encoding.decode_without_bom_handling(bytes).0);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&bytes[..bytes.len().min(64 * 1024)], true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    warnings.push(format!(
        "no encoding declared and not UTF-8: read as {} (a guess)",
        encoding.name()
    ));
    Ok(encoding.decode_without_bom_handling(bytes).0)
}

/// Whether the start of a file is binary (an image, an archive): in its first 8 kB, control
/// bytes other than whitespace and NUL more than one in a hundred, or NULs more than a third.
/// NULs here and there (hostile or broken pages) do not make a page binary: the parser drops
/// them.
fn binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let count = |f: fn(u8) -> bool| head.iter().filter(|&&b| f(b)).count();
    let nuls = count(|b| b == 0);
    let controls = count(|b| b > 0 && b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c));
    controls * 100 > head.len() || nuls * 3 > head.len()
}

/// The encoding a page declares in its first bytes: `<meta charset>` or `<meta http-equiv=
/// "content-type" content="…; charset=…">`, read by the HTML parser (a UTF-16 declaration means
/// UTF-8, as for browsers: bytes that are read as ASCII cannot be UTF-16).
fn declared(head: &[u8]) -> Option<&'static Encoding> {
    let html = Html::parse_document(&String::from_utf8_lossy(head));
    let label = html.tree.nodes().find_map(|node| {
        let el = node.value().as_element()?;
        if el.name() != "meta" {
            return None;
        }
        if let Some(charset) = el.attr("charset") {
            return Some(charset.to_string());
        }
        let content = el.attr("content")?;
        let equiv = el.attr("http-equiv")?;
        equiv
            .eq_ignore_ascii_case("content-type")
            .then(|| charset_in(content))?
    })?;
    let encoding = Encoding::for_label(label.trim().as_bytes())?;
    Some(match encoding.name() {
        "UTF-16LE" | "UTF-16BE" => encoding_rs::UTF_8,
        "x-user-defined" => encoding_rs::WINDOWS_1252,
        _ => encoding,
    })
}

/// The `charset=` value of a `content` attribute (quoted or not).
fn charset_in(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")? + "charset".len();
    let value = lower[at..].trim_start().strip_prefix('=')?.trim_start();
    let value = value.trim_start_matches(['"', '\'']);
    let end = value.find(['"', '\'', ';', ' ']).unwrap_or(value.len());
    (end > 0).then(|| value[..end].to_string())
}

/// The parser is fed this many bytes at a time, its work counted in between.
const CHUNK: usize = 4096;

/// The parser's work allowed (element-name look-ups, most of them by the tree builder's scope
/// checks): this much per page, plus [`WORK_PER_BYTE`] per byte fed. The scope checks walk the
/// stack of open elements, so 100,000 nested `<div>`s cost 5·10⁹ of them (47 s); real pages,
/// measured, spend 2-10 per byte. Past the allowance the rest of the page is left out, with a
/// warning.
const WORK: u64 = 10_000_000;
const WORK_PER_BYTE: u64 = 20;

/// Reads a page's text; `None` when it holds no text to index. `warnings` receives what the
/// reader should know (a page too deeply nested to read whole).
pub fn page(text: &str, warnings: &mut Vec<String>) -> Option<HtmlPage> {
    let sink = Lines {
        sink: HtmlTreeSink::new(Html::new_document()),
        line: Cell::new(1),
        lines: RefCell::default(),
        work: Cell::new(0),
    };
    let mut parser = html5ever::parse_document(sink, Default::default());
    let mut fed = 0;
    while fed < text.len() {
        let mut end = (fed + CHUNK).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&text[fed..end]));
        fed = end;
        let sink = &parser.tokenizer.sink.sink;
        if fed < text.len() && sink.work.get() > WORK + WORK_PER_BYTE * fed as u64 {
            warnings.push(format!(
                "the page nests elements too deeply to read whole: read up to line {}",
                sink.line.get()
            ));
            break;
        }
    }
    let (html, lines) = parser.finish();
    let root = html.tree.root();
    let element = |name: &str| {
        root.descendants()
            .find(|n| n.value().as_element().is_some_and(|e| e.name() == name))
    };
    let lang = element("html")
        .and_then(|n| n.value().as_element()?.attr("lang"))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    let canonical = root
        .descendants()
        .filter_map(|n| n.value().as_element())
        .filter(|e| e.name() == "link")
        .filter(|e| {
            e.attr("rel").is_some_and(|r| {
                r.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case("canonical"))
            })
        })
        .find_map(|e| e.attr("href"))
        .map(str::trim)
        .filter(|h| h.starts_with("https://") || h.starts_with("http://"))
        .map(str::to_string);

    let mut walker = Walker {
        lines: &lines,
        blocks: Vec::new(),
        title: None,
        title_at: 0,
        text: String::new(),
        line: 1,
        gathering: Gathering::Paragraph,
        lists: Vec::new(),
        pre: 0,
        last_line: 1,
        holding: false,
    };
    for content in content_roots(root) {
        walker.walk(content);
    }
    let mut page = Page {
        blocks: walker.blocks,
        soft_lines: true,
        ..Page::default()
    };
    match walker.title {
        Some((text, line, anchor)) => {
            page.title = text;
            page.title_line = line;
            page.title_anchor = anchor;
            // `Key: value` paragraphs right after the title are metadata, as in the text
            // layout ("Last medical review: May 2024").
            let after_title = walker.title_at;
            while let Some(Block::Paragraph { text, .. }) = page.blocks.get(after_title) {
                let Some(meta) = text
                    .lines()
                    .map(super::metadata)
                    .collect::<Option<Vec<_>>>()
                else {
                    break;
                };
                page.metadata.extend(meta);
                page.blocks.remove(after_title);
            }
        }
        None => {
            let title = element("title");
            let site = root
                .descendants()
                .filter_map(|n| n.value().as_element())
                .filter(|e| e.name() == "meta")
                .filter(|e| {
                    let name = e.attr("property").or_else(|| e.attr("name")).unwrap_or("");
                    name == "og:site_name" || name == "application-name"
                })
                .find_map(|e| e.attr("content"));
            page.title = title
                .map(|t| without_site_name(&collapsed(&text_of(t)), site))
                .unwrap_or_default();
            page.title_line = title.map_or(1, |t| line_of(&lines, t));
        }
    }
    (!page.title.is_empty() || !page.blocks.is_empty()).then_some(HtmlPage {
        page,
        lang,
        canonical,
    })
}

/// The elements whose content is the page's (see the module docs), in document order.
fn content_roots(root: NodeRef<'_, Node>) -> Vec<NodeRef<'_, Node>> {
    let has = |n: &NodeRef<Node>, f: &dyn Fn(&scraper::node::Element) -> bool| {
        n.value().as_element().is_some_and(f)
    };
    let marked: Vec<_> = root
        .descendants()
        .filter(|n| {
            has(n, &|e| {
                e.attr("data-medsearch-body").is_some() || e.attr("data-pagefind-body").is_some()
            })
        })
        .collect();
    // Outermost marked elements only: a marked element inside another is read with it.
    let outermost: Vec<_> = marked
        .iter()
        .filter(|n| {
            !n.ancestors()
                .any(|a| marked.iter().any(|m| m.id() == a.id()))
        })
        .copied()
        .collect();
    if !outermost.is_empty() {
        return outermost;
    }
    let rules: [&dyn Fn(&scraper::node::Element) -> bool; 4] = [
        &|e| e.name() == "main",
        &|e| {
            e.attr("role")
                .is_some_and(|r| r.eq_ignore_ascii_case("main"))
        },
        &|e| e.name() == "article",
        &|e| e.name() == "body",
    ];
    rules
        .iter()
        .find_map(|rule| root.descendants().find(|n| has(n, rule)))
        .map_or_else(|| vec![root], |n| vec![n])
}

/// Whether an element (and all it holds) is never content (see the module docs);
/// `in_section`: whether it is inside an `article`, `section` or `main` (then a `header` or
/// `footer` is the section's own).
fn excluded(el: &scraper::node::Element, in_section: bool) -> bool {
    let role = el.attr("role").unwrap_or("").to_ascii_lowercase();
    let never = matches!(
        el.name(),
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "nav"
            | "aside"
            | "form"
            | "button"
            | "select"
            | "textarea"
            | "dialog"
    ) || matches!(
        role.as_str(),
        "navigation" | "complementary" | "search" | "dialog" | "alertdialog"
    );
    let site_part = !in_section
        && (matches!(el.name(), "header" | "footer")
            || matches!(role.as_str(), "banner" | "contentinfo"));
    let hidden = el.attr("hidden").is_some()
        || el
            .attr("aria-hidden")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || el.attr("style").is_some_and(|s| {
            let s: String = s.split_whitespace().collect();
            s.to_ascii_lowercase().contains("display:none")
        })
        || el.attr("data-medsearch-ignore").is_some()
        || el.attr("data-pagefind-ignore").is_some();
    never || site_part || hidden
}

/// Elements that end a run of text (everything else is inline).
fn separates(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "blockquote"
            | "body"
            | "caption"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "header"
            | "hgroup"
            | "hr"
            | "main"
            | "p"
            | "section"
            | "summary"
            | "table"
    )
}

/// What the text being gathered will become.
#[derive(Debug, Default)]
enum Gathering {
    /// Running text.
    #[default]
    Paragraph,
    /// A list item with its marker (`•` or `3.`).
    Item(String),
    /// A heading with its level and anchor.
    Heading(u8, Option<String>),
}

/// The walk over the content, gathering blocks.
struct Walker<'a> {
    lines: &'a HashMap<NodeId, usize>,
    blocks: Vec<Block>,
    /// The title: the first `<h1>`'s text, line and anchor; and how many blocks came before it.
    title: Option<(String, usize, Option<String>)>,
    title_at: usize,
    /// Text gathered since the last separation, and its line.
    text: String,
    line: usize,
    gathering: Gathering,
    /// Open lists: `None` for `ul`, the next number for `ol`.
    lists: Vec<Option<u32>>,
    /// How many `pre` elements are open.
    pre: usize,
    /// Line of the last element opened.
    last_line: usize,
    /// Whether a heading or list item is open: block elements inside it only separate lines.
    holding: bool,
}

impl Walker<'_> {
    /// Reads one content element and all it holds, skipping what is never content.
    fn walk(&mut self, content: NodeRef<'_, Node>) {
        use ego_tree::iter::Edge;
        // Sectioning elements open around the current node (the content root counts as one
        // unless it is the body), and the subtree being skipped.
        let root_is_section = content
            .value()
            .as_element()
            .is_some_and(|e| !matches!(e.name(), "body" | "html"));
        let mut sections: usize = usize::from(root_is_section);
        let mut skipping: Option<NodeId> = None;
        for edge in content.traverse() {
            match edge {
                Edge::Open(node) if skipping.is_none() => match node.value() {
                    Node::Element(el) => {
                        if node.id() != content.id() && excluded(el, sections > 0) {
                            skipping = Some(node.id());
                            continue;
                        }
                        if matches!(el.name(), "article" | "section" | "main") {
                            sections += 1;
                        }
                        self.last_line = line_of(self.lines, node);
                        self.open(node, el);
                    }
                    Node::Text(text) => self.push_text(text),
                    _ => {}
                },
                Edge::Close(node) => {
                    if skipping == Some(node.id()) {
                        skipping = None;
                    } else if skipping.is_none()
                        && let Node::Element(el) = node.value()
                    {
                        if matches!(el.name(), "article" | "section" | "main") {
                            sections -= 1;
                        }
                        self.close(el);
                    }
                }
                Edge::Open(_) => {}
            }
        }
        self.flush();
    }

    fn open(&mut self, node: NodeRef<'_, Node>, el: &scraper::node::Element) {
        let name = el.name();
        match name {
            "br" => self.text.push('\n'),
            "img" | "area" => {
                if let Some(alt) = el.attr("alt").filter(|a| !a.trim().is_empty()) {
                    self.push_str(&format!(" {} ", alt.trim()));
                }
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let level = name.as_bytes()[1] - b'0';
                self.gathering = Gathering::Heading(level, anchor_of(node, el));
                self.line = self.last_line;
                self.holding = true;
            }
            "li" => {
                self.flush();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_string(),
                };
                self.gathering = Gathering::Item(marker);
                self.line = self.last_line;
                self.holding = true;
            }
            "ul" | "ol" | "menu" => {
                self.flush();
                let start = el.attr("start").and_then(|s| s.trim().parse().ok());
                self.lists
                    .push((name == "ol").then_some(start.unwrap_or(1)));
            }
            "pre" => {
                self.flush();
                self.pre += 1;
            }
            "td" | "th" if !self.text.trim().is_empty() && !self.text.ends_with('\n') => {
                self.text.truncate(self.text.trim_end_matches(' ').len());
                self.text.push_str(" | ");
            }
            "tr" => self.text.push('\n'),
            _ if separates(name) => self.separate(),
            _ => {}
        }
    }

    fn close(&mut self, el: &scraper::node::Element) {
        let name = el.name();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" => self.flush(),
            "ul" | "ol" | "menu" => {
                self.flush();
                self.lists.pop();
            }
            "pre" => {
                self.flush();
                self.pre = self.pre.saturating_sub(1);
            }
            "td" | "th" => self.text.push(' '),
            "tr" => self.text.push('\n'),
            _ if separates(name) => self.separate(),
            _ => {}
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.pre > 0 {
            if self.text.is_empty() {
                self.line = self.last_line;
            }
            self.text.push_str(text);
        } else {
            self.push_str(text);
        }
    }

    /// Adds running text, whitespace collapsed.
    fn push_str(&mut self, text: &str) {
        if self.text.trim().is_empty() && !text.trim().is_empty() {
            self.line = self.last_line;
        }
        for (i, word) in text.split(char::is_whitespace).enumerate() {
            if i > 0 && !self.text.ends_with([' ', '\n']) {
                self.text.push(' ');
            }
            self.text.push_str(word);
        }
    }

    /// A block element's edge: ends the text gathered so far, or only its line inside a
    /// heading or list item.
    fn separate(&mut self) {
        if self.holding {
            self.text.push('\n');
        } else {
            self.flush();
        }
    }

    /// Ends the text gathered so far as the block it was to become.
    fn flush(&mut self) {
        self.holding = false;
        let text: Vec<&str> = self
            .text
            .lines()
            .map(|l| if self.pre > 0 { l.trim_end() } else { l.trim() })
            .filter(|l| !l.trim().is_empty())
            .collect();
        let text = text.join("\n");
        let line = self.line.max(1);
        match std::mem::take(&mut self.gathering) {
            _ if text.is_empty() => {}
            Gathering::Paragraph => self.blocks.push(Block::Paragraph { text, line }),
            Gathering::Item(marker) => {
                let text = collapsed(&text);
                self.blocks.push(Block::Item {
                    raw: format!("{marker} {text}"),
                    text,
                    line,
                });
            }
            Gathering::Heading(level, anchor) => {
                let text = collapsed(&text);
                if level == 1 && self.title.is_none() {
                    self.title = Some((text, line, anchor));
                    self.title_at = self.blocks.len();
                } else {
                    self.blocks.push(Block::Heading {
                        level,
                        text,
                        line,
                        anchor,
                    });
                }
            }
        }
        self.text.clear();
    }
}

/// A heading's anchor on the live page (see the module docs).
fn anchor_of(node: NodeRef<'_, Node>, el: &scraper::node::Element) -> Option<String> {
    fn id(e: &scraper::node::Element) -> Option<&str> {
        e.id().map(str::trim).filter(|i| !i.is_empty())
    }
    if let Some(own) = id(el) {
        return Some(own.to_string());
    }
    let opens_parent = node
        .prev_siblings()
        .all(|s| s.value().as_text().is_some_and(|t| t.trim().is_empty()));
    if opens_parent
        && let Some(parent) = node
            .parent()
            .and_then(|p| p.value().as_element().map(|e| (p, e)))
        && !matches!(parent.1.name(), "body" | "main" | "html")
        && let Some(pid) = id(parent.1)
    {
        return Some(pid.to_string());
    }
    node.descendants().skip(1).find_map(|d| {
        let e = d.value().as_element()?;
        id(e)
            .or_else(|| e.attr("name").map(str::trim).filter(|n| !n.is_empty()))
            .map(str::to_string)
    })
}

/// An element's line in the file.
fn line_of(lines: &HashMap<NodeId, usize>, node: NodeRef<'_, Node>) -> usize {
    lines.get(&node.id()).copied().unwrap_or(1)
}

/// The text inside a node.
fn text_of(node: NodeRef<'_, Node>) -> String {
    node.descendants()
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect()
}

/// A `<title>` without the site's name after it: the part after the last ` | ` (the usual
/// separator of a site name), or after the last ` - `, ` – `, ` — ` when that part is the name
/// the page gives its site (`og:site_name`, `application-name`).
fn without_site_name(title: &str, site: Option<&str>) -> String {
    let cut = |sep: &str| {
        title
            .rsplit_once(sep)
            .map(|(page, suffix)| (page.trim(), suffix.trim()))
    };
    if let Some((page, _)) = cut(" | ").filter(|(page, _)| !page.is_empty()) {
        return page.to_string();
    }
    for sep in [" - ", " – ", " — "] {
        if let (Some((page, suffix)), Some(site)) = (cut(sep), site)
            && !page.is_empty()
            && suffix.eq_ignore_ascii_case(site.trim())
        {
            return page.to_string();
        }
    }
    title.to_string()
}

/// Whitespace runs as one space, trimmed.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// scraper's tree sink, noting the line on which each element starts (html5ever tells the sink
/// the line of every token it builds from; scraper's own sink drops it).
struct Lines {
    sink: HtmlTreeSink,
    line: Cell<u64>,
    lines: RefCell<HashMap<NodeId, usize>>,
    /// Element-name look-ups so far: the parser's work.
    work: Cell<u64>,
}

impl TreeSink for Lines {
    type Output = (Html, HashMap<NodeId, usize>);
    type Handle = NodeId;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Self::Output {
        (self.sink.finish(), self.lines.into_inner())
    }
    fn parse_error(&self, _: Cow<'static, str>) {}
    fn get_document(&self) -> NodeId {
        self.sink.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Self::ElemName<'a> {
        self.work.set(self.work.get() + 1);
        self.sink.elem_name(target)
    }
    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let id = self.sink.create_element(name, attrs, flags);
        let line = usize::try_from(self.line.get()).unwrap_or(usize::MAX);
        self.lines.borrow_mut().insert(id, line);
        id
    }
    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.sink.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.sink.create_pi(target, data)
    }
    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.sink.append(parent, child)
    }
    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        self.sink
            .append_based_on_parent_node(element, prev_element, child)
    }
    fn append_doctype_to_document(&self, name: StrTendril, public: StrTendril, system: StrTendril) {
        self.sink.append_doctype_to_document(name, public, system)
    }
    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.sink.get_template_contents(target)
    }
    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.sink.set_quirks_mode(mode)
    }
    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.sink.append_before_sibling(sibling, new_node)
    }
    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.sink.add_attrs_if_missing(target, attrs)
    }
    fn remove_from_parent(&self, target: &NodeId) {
        self.sink.remove_from_parent(target)
    }
    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.sink.reparent_children(node, new_parent)
    }
    fn set_current_line(&self, line: u64) {
        self.line.set(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block's line.
    fn block_line(block: &Block) -> usize {
        match block {
            Block::Heading { line, .. }
            | Block::Paragraph { line, .. }
            | Block::Item { line, .. } => *line,
        }
    }

    fn read(html: &str) -> HtmlPage {
        page(html, &mut Vec::new()).expect("a page")
    }

    /// (heading, anchor) of a page's headings, the title first.
    fn headings(html: &str) -> Vec<(String, Option<String>)> {
        let p = read(html).page;
        std::iter::once((p.title.clone(), p.title_anchor.clone()))
            .chain(p.blocks.iter().filter_map(|b| match b {
                Block::Heading { text, anchor, .. } => Some((text.clone(), anchor.clone())),
                _ => None,
            }))
            .collect()
    }

    fn texts(html: &str) -> Vec<String> {
        read(html)
            .page
            .blocks
            .iter()
            .map(|b| match b {
                Block::Heading { text, .. } => format!("# {text}"),
                Block::Paragraph { text, .. } => text.clone(),
                Block::Item { raw, .. } => raw.clone(),
            })
            .collect()
    }

    #[test]
    fn content_is_the_marked_element_else_main_else_role_main_else_article_else_body() {
        let around = |inner: &str| format!("<body><p>Outside.</p>{inner}<p>After.</p></body>");
        assert_eq!(
            texts(&around(
                "<main><p>Main.</p></main><div data-medsearch-body><p>Marked.</p></div>"
            )),
            ["Marked."]
        );
        assert_eq!(
            texts(&around(
                "<div data-pagefind-body><p>Pagefind's mark.</p></div>"
            )),
            ["Pagefind's mark."]
        );
        assert_eq!(
            texts(&around(
                "<article><p>Art.</p></article><main><p>Main.</p></main>"
            )),
            ["Main."]
        );
        assert_eq!(
            texts(&around(
                "<div role=\"main\"><p>Role.</p></div><article>A</article>"
            )),
            ["Role."]
        );
        assert_eq!(texts(&around("<article><p>Art.</p></article>")), ["Art."]);
        assert_eq!(texts(&around("")), ["Outside.", "After."]);
    }

    #[test]
    fn what_is_never_content() {
        let html = "<body><header><p>Site header.</p></header><nav>Nav.</nav>\
            <section><header><h1>Title</h1><p>Own header.</p></header>\
            <footer><p>Section footer.</p></footer></section>\
            <aside>Aside.</aside><form><p>Form.</p></form><dialog>Dialog.</dialog>\
            <div role=\"dialog\">Cookie.</div><div role=\"navigation\">Menu.</div>\
            <p hidden>Hidden.</p><p aria-hidden=\"true\">Aria.</p><p aria-hidden=\"false\">Shown.</p>\
            <p style=\"color: red; display : none\">Styled.</p><p data-medsearch-ignore>Ign.</p>\
            <p data-pagefind-ignore>Pf.</p><noscript>Noscript.</noscript><template>T.</template>\
            <svg><text>Svg.</text></svg><math><mi>x</mi></math><button>Button.</button>\
            <footer><p>Site footer.</p></footer><script>Script.</script><style>p{}</style></body>";
        // The body is the content (no main); the section's own header and footer are its own.
        assert_eq!(texts(html), ["Own header.", "Section footer.", "Shown."]);
        assert_eq!(read(html).page.title, "Title");
    }

    #[test]
    fn anchors_are_the_ones_the_live_page_scrolls_to() {
        let html = "<main><h1 id=\"top\">Title</h1>\
            <section id=\"sec\"><h2>Opens a section</h2><p>x</p></section>\
            <section id=\"later\"><p>first</p><h2>Not first in it</h2></section>\
            <h2><a name=\"old\"></a>Named inside</h2><h2><span id=\"inner\">Id inside</span></h2>\
            <h2 id=\" \">Blank id</h2></main>";
        assert_eq!(
            headings(html),
            [
                ("Title".to_string(), Some("top".to_string())),
                ("Opens a section".into(), Some("sec".into())),
                ("Not first in it".into(), None),
                ("Named inside".into(), Some("old".into())),
                ("Id inside".into(), Some("inner".into())),
                ("Blank id".into(), None),
            ]
        );
    }

    #[test]
    fn text_as_a_reader_sees_it() {
        let html = "<main><h1>T</h1><p>Bland <b>embol</b>ization &amp; TACE&nbsp;&#x41;.<br>Next\
            \u{20}line.</p><ul><li>one<ul><li>nested</li></ul></li><li><p>para</p><p>in item</p></li></ul>\
            <ol start=\"3\"><li>three</li><li>four</li></ol>\
            <table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>\
            <p><img alt=\"A diagram\" src=x>after</p><pre>  keep\n    these</pre></main>";
        assert_eq!(
            texts(html),
            [
                "Bland embolization & TACE A.\nNext line.",
                "• one",
                "• nested",
                "• para in item",
                "3. three",
                "4. four",
                "A | B\n1 | 2",
                "A diagram after",
                "  keep\n    these",
            ]
        );
    }

    #[test]
    fn lines_are_the_lines_of_the_file() {
        let html = "<html>\n<body>\n<main>\n<h1>Title</h1>\n\n<p>Para\non two lines</p>\n<h2>Next</h2>\n</main>";
        let p = read(html).page;
        assert_eq!(p.title_line, 4);
        let lines: Vec<usize> = p.blocks.iter().map(block_line).collect();
        assert_eq!(lines, [6, 8]);
    }

    #[test]
    fn title_without_the_site_name() {
        let title = |t: &str, site: Option<&str>| without_site_name(t, site);
        assert_eq!(title("Octreotide | Cancer Info", None), "Octreotide");
        assert_eq!(title("A | B | Site", None), "A | B");
        assert_eq!(
            title("Side effects - Chemotherapy", None),
            "Side effects - Chemotherapy"
        );
        assert_eq!(
            title("Octreotide – Cancer Info", Some("Cancer Info")),
            "Octreotide"
        );
        assert_eq!(title("| Site", None), "| Site");
        let html = "<head><title>Drugs | Site</title><meta property=\"og:site_name\" content=\"Site\">\
            </head><body><p>Text.</p></body>";
        assert_eq!(read(html).page.title, "Drugs");
        let canonical =
            "<head><link rel=\"alternate canonical\" href=\" https://x.org/a \"></head><p>x</p>";
        assert_eq!(
            read(canonical).canonical.as_deref(),
            Some("https://x.org/a")
        );
        let relative = "<head><link rel=\"canonical\" href=\"/a\"></head><p>x</p>";
        assert_eq!(read(relative).canonical, None);
        assert_eq!(
            read("<html lang=\"fr\"><p>x</p>").lang.as_deref(),
            Some("fr")
        );
    }

    #[test]
    fn encodings_by_bom_declaration_or_guess() {
        let decode_all = |bytes: &[u8]| {
            let mut warnings = Vec::new();
            let text = decode(bytes, &mut warnings).map(|t| t.into_owned());
            (text, warnings)
        };
        let cafe_1252 = b"<p>caf\xe9 \x93quoted\x94</p>";
        let declared = [b"<meta charset=\"windows-1252\">".as_slice(), cafe_1252].concat();
        assert_eq!(
            decode_all(&declared).0.unwrap(),
            "<meta charset=\"windows-1252\"><p>café “quoted”</p>"
        );
        let equiv = [
            b"<meta http-equiv=\"content-type\" content=\"text/html; charset='iso-8859-1'\">"
                .as_slice(),
            cafe_1252,
        ]
        .concat();
        assert!(
            decode_all(&equiv)
                .0
                .unwrap()
                .ends_with("<p>café “quoted”</p>")
        );
        let bom = [b"\xef\xbb\xbf".as_slice(), "<p>café</p>".as_bytes()].concat();
        assert_eq!(decode_all(&bom), (Ok("<p>café</p>".to_string()), vec![]));
        let utf16 = "<meta charset=\"utf-16\"><p>café</p>";
        assert_eq!(decode_all(utf16.as_bytes()).0.unwrap(), utf16);
        let (text, warnings) = decode_all(cafe_1252);
        assert_eq!(text.unwrap(), "<p>café “quoted”</p>");
        assert_eq!(
            warnings,
            ["no encoding declared and not UTF-8: read as windows-1252 (a guess)"]
        );
        assert_eq!(charset_in("text/html;charset=UTF-8"), Some("utf-8".into()));
        assert_eq!(charset_in("text/html"), None);
    }

    #[test]
    fn binary_files_and_oversized_pages() {
        let png = [
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(),
            &[0u8, 1, 2, 3, 4, 5].repeat(100),
        ]
        .concat();
        assert_eq!(
            decode(&png, &mut Vec::new()),
            Err("not an HTML page (binary data)".to_string())
        );
        // A NUL or two is not binary: the parser drops them.
        assert!(decode(b"<p>a\0b</p> and some more text", &mut Vec::new()).is_ok());
        let big = "<p>x</p>".repeat(MAX_BYTES / 8 + 10);
        let mut warnings = Vec::new();
        assert_eq!(
            decode(big.as_bytes(), &mut warnings).unwrap().len(),
            MAX_BYTES
        );
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn deep_nesting_is_read_up_to_the_work_allowed() {
        let deep = format!(
            "<h1>Deep</h1>{}text{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let mut warnings = Vec::new();
        let read = page(&deep, &mut warnings).unwrap();
        assert_eq!(read.page.title, "Deep");
        assert_eq!(
            warnings,
            ["the page nests elements too deeply to read whole: read up to line 1"]
        );
        // Nesting that the tree builder does not walk (inline elements) is read whole.
        let inline = format!("<h1>Bold</h1>{}bold text", "<b>".repeat(100_000));
        let mut warnings = Vec::new();
        assert_eq!(texts(&inline), ["bold text"]);
        page(&inline, &mut warnings);
        assert!(warnings.is_empty());
    }
}
