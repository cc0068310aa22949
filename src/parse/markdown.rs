//! Markdown pages, read with pulldown-cmark (CommonMark with GitHub's tables, strikethrough,
//! task lists and footnotes, and YAML front matter).
//!
//! Records hold the text a reader sees, not the markup: emphasis and code spans lose their
//! markers, links keep their text, images their alt text, raw HTML its text without the tags
//! (and without comments, scripts and styles). ATX and setext headings give the hierarchy (the
//! level is the heading's); their text, rendered the same way, gives GitHub's anchors
//! ([`super::slug::github_slug`]). Paragraphs, block quotes, code blocks (their code), HTML
//! blocks and table rows (cells joined by ` | `) are paragraphs; list items are items, written
//! with their marker (`- text`, `1. text`); a nested list's items are items of their own. Every
//! block keeps the line it starts on, from pulldown-cmark's offsets.
//!
//! The title is a leading heading of level 1; else the front matter's `title:`; else the first
//! line of the first block (a heading of any level gives its text). Front matter's other
//! `key: value` lines, and paragraphs right after the title made only of short `Key: value`
//! lines (`Last reviewed: 2024`), are metadata.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::{Block, Page, metadata};

/// The Markdown medsearch reads: CommonMark with GitHub's tables, strikethrough, task lists
/// and footnotes, and YAML front matter (the served document pages render with the same).
pub const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);

/// Reads a Markdown page; `None` when it has no text.
pub fn page(text: &str) -> Option<Page> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = OPTIONS;
    let mut reader = Reader {
        lines: LineStarts::of(text),
        source: text,
        ..Reader::default()
    };
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        reader.event(event, range);
    }
    reader.finish();
    assemble_page(reader.blocks, reader.front_matter)
}

/// Where each line starts, for turning byte offsets into 1-based line numbers (`\n`, `\r\n`
/// and a lone `\r` end lines, as CommonMark says).
pub(crate) struct LineStarts(Vec<usize>);

impl LineStarts {
    /// Where each line of `text` starts (`\n`, `\r\n` and a lone `\r` end lines).
    pub(crate) fn of(text: &str) -> LineStarts {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        LineStarts(starts)
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

impl Default for LineStarts {
    fn default() -> Self {
        LineStarts(vec![0])
    }
}

/// The block whose text is being collected.
enum Leaf {
    Heading {
        level: u8,
        line: usize,
        text: String,
    },
    Paragraph {
        line: usize,
        text: String,
    },
    /// A list item's own text (its first paragraph, or its text in a tight list).
    Item {
        line: usize,
        marker: String,
        text: String,
    },
    Code {
        line: usize,
        text: String,
    },
    Html {
        line: usize,
        text: String,
    },
    Row {
        line: usize,
        cells: Vec<String>,
    },
    FrontMatter {
        line: usize,
        text: String,
    },
}

#[derive(Default)]
struct Reader<'a> {
    source: &'a str,
    lines: LineStarts,
    blocks: Vec<Block>,
    front_matter: Vec<(usize, String, String)>,
    current: Option<Leaf>,
}

impl Reader<'_> {
    fn event(&mut self, event: Event, range: Range<usize>) {
        let line = self.lines.line(range.start);
        match event {
            Event::Start(tag) => self.start(tag, line, range),
            Event::End(end) => self.end(end),
            Event::Text(text) | Event::Code(text) => self.text(&text, line),
            Event::Html(html) => match &mut self.current {
                Some(Leaf::Html { text, .. }) => text.push_str(&html),
                _ => {
                    self.flush();
                    self.current = Some(Leaf::Html {
                        line,
                        text: html.to_string(),
                    });
                }
            },
            Event::SoftBreak | Event::HardBreak => self.text("\n", line),
            Event::InlineHtml(_)
            | Event::FootnoteReference(_)
            | Event::TaskListMarker(_)
            | Event::Rule
            | Event::InlineMath(_)
            | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: Tag, line: usize, range: Range<usize>) {
        let leaf = match tag {
            Tag::Heading { level, .. } => Leaf::Heading {
                level: level as u8,
                line,
                text: String::new(),
            },
            // The first paragraph of an item is the item's text.
            Tag::Paragraph if matches!(&self.current, Some(Leaf::Item { text, .. }) if text.is_empty()) =>
            {
                return;
            }
            Tag::Paragraph => Leaf::Paragraph {
                line,
                text: String::new(),
            },
            Tag::Item => {
                let marker = self.source[range]
                    .split_whitespace()
                    .next()
                    .unwrap_or("-")
                    .to_string();
                Leaf::Item {
                    line,
                    marker,
                    text: String::new(),
                }
            }
            Tag::CodeBlock(kind) => Leaf::Code {
                // A fence's code starts on the line after it.
                line: line + usize::from(matches!(kind, CodeBlockKind::Fenced(_))),
                text: String::new(),
            },
            Tag::HtmlBlock => Leaf::Html {
                line,
                text: String::new(),
            },
            Tag::TableHead | Tag::TableRow => Leaf::Row {
                line,
                cells: Vec::new(),
            },
            Tag::TableCell => {
                if let Some(Leaf::Row { cells, .. }) = &mut self.current {
                    cells.push(String::new());
                }
                return;
            }
            Tag::MetadataBlock(_) => Leaf::FrontMatter {
                // The block's text starts after its opening `---`.
                line: line + 1,
                text: String::new(),
            },
            // Containers (lists, quotes, tables, footnotes) and inline markup (emphasis, links,
            // images, whose alt text is their text): only their contents count. A nested list
            // ends its parent item's text.
            Tag::List(_) => {
                self.flush();
                return;
            }
            _ => return,
        };
        self.flush();
        self.current = Some(leaf);
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Heading(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::Item
            | TagEnd::MetadataBlock(_) => self.flush(),
            // The paragraph that is an item's text ends with the item.
            TagEnd::Paragraph if !matches!(self.current, Some(Leaf::Item { .. })) => self.flush(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str, line: usize) {
        let target = match &mut self.current {
            Some(
                Leaf::Heading { text: t, .. }
                | Leaf::Paragraph { text: t, .. }
                | Leaf::Item { text: t, .. }
                | Leaf::Code { text: t, .. }
                | Leaf::Html { text: t, .. }
                | Leaf::FrontMatter { text: t, .. },
            ) => t,
            Some(Leaf::Row { cells, .. }) => match cells.last_mut() {
                Some(cell) => cell,
                None => return,
            },
            // Text outside any block (a tight item's text after its nested list).
            None => {
                self.current = Some(Leaf::Paragraph {
                    line,
                    text: String::new(),
                });
                return self.text(text, line);
            }
        };
        target.push_str(text);
    }

    /// Ends the block being collected, if any, and keeps it if it holds text.
    fn flush(&mut self) {
        let Some(leaf) = self.current.take() else {
            return;
        };
        let block = match leaf {
            Leaf::Heading { level, line, text } => Some(Block::Heading {
                anchor: None,
                level,
                text: text.replace('\n', " "),
                line,
            }),
            Leaf::Paragraph { line, text } => paragraph(line, &text),
            Leaf::Code { line, text } => paragraph(line, &text),
            Leaf::Html { line, text } => paragraph(line, &strip_tags(&text)),
            Leaf::Item { line, marker, text } => {
                let text = text.trim();
                (!text.is_empty()).then(|| Block::Item {
                    text: text
                        .split('\n')
                        .map(str::trim)
                        .collect::<Vec<_>>()
                        .join(" "),
                    raw: format!("{marker} {text}"),
                    line,
                })
            }
            Leaf::Row { line, cells } => {
                let cells: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
                paragraph(line, &cells.join(" | "))
            }
            Leaf::FrontMatter { line, text } => {
                for (i, row) in text.lines().enumerate() {
                    if let Some((key, value)) = row.split_once(':') {
                        let value = value.trim().trim_matches(['"', '\'']);
                        let key = key.trim();
                        if !key.is_empty() && !key.contains(' ') && !value.is_empty() {
                            self.front_matter
                                .push((line + i, key.to_string(), value.to_string()));
                        }
                    }
                }
                None
            }
        };
        self.blocks.extend(block);
    }

    fn finish(&mut self) {
        self.flush();
    }
}

/// A paragraph of the text's lines, trimmed, without blank lines at either end (the line number
/// follows the first line kept); `None` when nothing is left.
fn paragraph(line: usize, text: &str) -> Option<Block> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let first = lines.iter().position(|l| !l.is_empty())?;
    let last = lines.iter().rposition(|l| !l.is_empty())?;
    Some(Block::Paragraph {
        text: lines[first..=last].join("\n"),
        line: line + first,
    })
}

/// The text of raw HTML: tags, comments, scripts and styles removed, line breaks kept. A `<`
/// that does not open a tag (`a < b`), or a tag never closed, is text.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open..];
        let opens_tag = tag[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        let lower = tag.get(..8).unwrap_or(tag).to_ascii_lowercase();
        let close = if !opens_tag {
            None
        } else if tag.starts_with("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else if lower.starts_with("<script") || lower.starts_with("<style") {
            let name = if lower.starts_with("<script") {
                "</script"
            } else {
                "</style"
            };
            tag.to_ascii_lowercase()
                .find(name)
                .and_then(|i| tag[i..].find('>').map(|j| i + j + 1))
        } else {
            tag.find('>').map(|i| i + 1)
        };
        match close {
            Some(end) => {
                out.extend(tag[..end].chars().filter(|&c| c == '\n'));
                rest = &tag[end..];
            }
            None => {
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The page from its blocks and front matter: title, metadata, content (see the module docs).
fn assemble_page(blocks: Vec<Block>, front_matter: Vec<(usize, String, String)>) -> Option<Page> {
    let mut blocks = blocks.into_iter().peekable();
    let titled = front_matter
        .iter()
        .find(|(_, key, _)| key.eq_ignore_ascii_case("title"));
    let mut page = Page {
        metadata: front_matter
            .iter()
            .filter(|(_, key, _)| !key.eq_ignore_ascii_case("title"))
            .map(|(_, key, value)| (key.clone(), value.clone()))
            .collect(),
        ..Page::default()
    };
    let leading_h1 = matches!(blocks.peek(), Some(Block::Heading { level: 1, .. }));
    match (titled, leading_h1) {
        (Some((line, _, title)), false) => {
            page.title = title.clone();
            page.title_line = *line;
        }
        _ => {
            let first = blocks.next()?;
            let (line, text) = match &first {
                Block::Heading { line, text, .. } | Block::Paragraph { line, text } => {
                    (*line, text)
                }
                Block::Item { line, text, .. } => (*line, text),
            };
            let (title, rest) = text.split_once('\n').unwrap_or((text, ""));
            page.title = title.trim().to_string();
            page.title_line = line;
            if !rest.is_empty() {
                page.blocks.push(Block::Paragraph {
                    text: rest.to_string(),
                    line: line + 1,
                });
            }
        }
    }
    if page.blocks.is_empty() {
        while let Some(meta) = blocks.peek().and_then(|block| match block {
            Block::Paragraph { text, .. } => text.lines().map(metadata).collect::<Option<Vec<_>>>(),
            _ => None,
        }) {
            page.metadata.extend(meta);
            blocks.next();
        }
    }
    page.blocks.extend(blocks);
    Some(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(level: u8, text: &str, line: usize) -> Block {
        Block::Heading {
            level,
            text: text.into(),
            line,
            anchor: None,
        }
    }

    fn para(text: &str, line: usize) -> Block {
        Block::Paragraph {
            text: text.into(),
            line,
        }
    }

    fn item(raw: &str, line: usize) -> Block {
        Block::Item {
            text: raw.split_once(' ').unwrap().1.replace('\n', " "),
            raw: raw.into(),
            line,
        }
    }

    #[test]
    fn atx_and_setext_headings_with_levels_and_a_fence() {
        let p = page(
            "# Title #\n\nIntro\n\nPart\n----\n\n- a\n- b\n\n```\n# not a heading\n```\n\n### Deep ##\n",
        )
        .unwrap();
        assert_eq!((p.title.as_str(), p.title_line), ("Title", 1));
        assert_eq!(
            p.blocks,
            [
                para("Intro", 3),
                heading(2, "Part", 5),
                item("- a", 8),
                item("- b", 9),
                para("# not a heading", 12),
                heading(3, "Deep", 15),
            ]
        );
    }

    #[test]
    fn the_text_a_reader_sees() {
        let p = page(concat!(
            "Setext title\n",
            "============\n",
            "\n",
            "Some **bold** and _em_ text with [a link](https://example.org \"t\") and `code`,\n",
            "an ![alt text](i.png) image, <span class=\"x\">inline html</span> &amp; ~~gone~~.\n",
            "\n",
            "<div>\n",
            "<!-- a comment -->\n",
            "Block <b>html</b>\n",
            "<script>var x = 1;</script>\n",
            "</div>\n",
            "\n",
            "> Quoted\n",
            "\n",
            "| Drug | Dose |\n",
            "|---|---|\n",
            "| A | 2 mg |\n",
        ))
        .unwrap();
        assert_eq!((p.title.as_str(), p.title_line), ("Setext title", 1));
        assert_eq!(
            p.blocks,
            [
                para(
                    "Some bold and em text with a link and code,\nan alt text image, inline html & gone.",
                    4
                ),
                para("Block html", 9),
                para("Quoted", 13),
                para("Drug | Dose", 15),
                para("A | 2 mg", 17),
            ]
        );
    }

    #[test]
    fn lists_loose_tight_nested_and_numbered() {
        let p = page(concat!(
            "# T\n",
            "\n",
            "- one\n",
            "  continued\n",
            "- two\n",
            "  1. sub **a**\n",
            "  2. sub b\n",
            "\n",
            "3) three\n",
            "\n",
            "   second paragraph\n",
        ))
        .unwrap();
        assert_eq!(
            p.blocks,
            [
                item("- one\ncontinued", 3),
                item("- two", 5),
                item("1. sub a", 6),
                item("2. sub b", 7),
                item("3) three", 9),
                para("second paragraph", 11),
            ]
        );
    }

    #[test]
    fn title_from_the_first_line_or_front_matter_and_metadata() {
        let p = page("Plain title\n\nUpdated: 2024\n\n#hashtag is text\n").unwrap();
        assert_eq!(p.title, "Plain title");
        assert_eq!(p.metadata, [("Updated".to_string(), "2024".to_string())]);
        assert_eq!(p.blocks, [para("#hashtag is text", 5)]);

        let p =
            page("---\ntitle: \"Sleep and cancer\"\ndate: 2024-05-01\n---\n\nIntro.\n").unwrap();
        assert_eq!((p.title.as_str(), p.title_line), ("Sleep and cancer", 2));
        assert_eq!(p.metadata, [("date".to_string(), "2024-05-01".to_string())]);
        assert_eq!(p.blocks, [para("Intro.", 6)]);

        // A leading level-1 heading wins over the front matter's title.
        let p = page("---\ntitle: Other\n---\n# Heading title\n\nText.\n").unwrap();
        assert_eq!((p.title.as_str(), p.title_line), ("Heading title", 4));

        let p = page("## Starts lower\n\nText.\n").unwrap();
        assert_eq!(p.title, "Starts lower");
        assert!(page("\n \n").is_none());
    }

    #[test]
    fn html_loses_its_tags_not_its_text() {
        assert_eq!(
            strip_tags("<p class=\"x\">a < b</p>\n<!-- c\nd -->e"),
            "a < b\n\ne"
        );
        assert_eq!(
            strip_tags("x <script>\nvar y;\n</SCRIPT > z <div"),
            "x \n\n z <div"
        );
        assert_eq!(strip_tags("<style>p {}</style>kept"), "kept");
    }

    #[test]
    fn every_line_ending_and_a_bom() {
        let unix = page("# T\n\nA\nB\n\n## H\n\n- x\n").unwrap();
        for text in [
            "\u{feff}# T\r\n\r\nA\r\nB\r\n\r\n## H\r\n\r\n- x\r\n",
            "# T\r\rA\rB\r\r## H\r\r- x\r",
        ] {
            assert_eq!(page(text).unwrap(), unix, "{text:?}");
        }
    }
}
