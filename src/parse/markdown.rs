//! Markdown pages: ATX headings (`#` .. `######`) give the hierarchy; everything else reads as
//! in the `.txt` layout (paragraphs, list items). A leading `#` heading is the title; otherwise
//! the first non-blank line is. Lines inside fenced code blocks are never headings. Setext
//! headings (underlined with `===`) and inline markup are left as text.

use std::sync::LazyLock;

use regex::Regex;

use super::{Block, Page, blocks_of, metadata, numbered_lines};

static ATX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$").unwrap());

/// Reads a Markdown page; `None` when it has no non-blank line.
pub fn page(text: &str) -> Option<Page> {
    let lines = numbered_lines(text);
    let mut page = Page::default();
    let mut title_seen = false;
    let mut in_metadata = false;
    let mut fence: Option<&str> = None;
    let mut run: Vec<(usize, &str)> = Vec::new();
    for &(no, line) in &lines {
        let trimmed = line.trim_start();
        let fence_marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, fence_marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            _ => {}
        }
        let heading = ATX
            .captures(line)
            .filter(|_| fence.is_none() && fence_marker.is_none());
        if !title_seen {
            if line.trim().is_empty() {
                continue;
            }
            title_seen = true;
            in_metadata = true;
            page.title_line = no;
            page.title = match &heading {
                Some(h) if h[1].len() == 1 => h.get(2).map_or("", |m| m.as_str()).to_string(),
                _ => line.trim().to_string(),
            };
            continue;
        }
        if in_metadata {
            if line.trim().is_empty() {
                continue;
            }
            match metadata(line) {
                Some(kv) => {
                    page.metadata.push(kv);
                    continue;
                }
                None => in_metadata = false,
            }
        }
        if let Some(h) = heading {
            blocks_of(&run, &mut page.blocks);
            run.clear();
            page.blocks.push(Block::Heading {
                level: h[1].len() as u8,
                text: h.get(2).map_or("", |m| m.as_str()).trim().to_string(),
                line: no,
            });
        } else if line.trim().is_empty() && fence.is_none() {
            blocks_of(&run, &mut page.blocks);
            run.clear();
        } else {
            run.push((no, line));
        }
    }
    blocks_of(&run, &mut page.blocks);
    title_seen.then_some(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atx_headings_with_levels_and_a_fence() {
        let p = page("# Title #\n\nIntro\n\n## Part  \n\n- a\n- b\n\n```\n# not a heading\n```\n\n### Deep ##\n#\n").unwrap();
        assert_eq!(p.title, "Title");
        assert_eq!(p.title_line, 1);
        assert_eq!(
            p.blocks,
            vec![
                Block::Paragraph {
                    text: "Intro".into(),
                    line: 3
                },
                Block::Heading {
                    level: 2,
                    text: "Part".into(),
                    line: 5
                },
                Block::Item {
                    text: "a".into(),
                    raw: "- a".into(),
                    line: 7
                },
                Block::Item {
                    text: "b".into(),
                    raw: "- b".into(),
                    line: 8
                },
                Block::Paragraph {
                    text: "```\n# not a heading\n```".into(),
                    line: 10
                },
                Block::Heading {
                    level: 3,
                    text: "Deep".into(),
                    line: 14
                },
                Block::Heading {
                    level: 1,
                    text: "".into(),
                    line: 15
                },
            ]
        );
    }

    #[test]
    fn title_without_heading_and_metadata() {
        let p = page("Plain title\n\nUpdated: 2024\n\n#hashtag is text\n").unwrap();
        assert_eq!(p.title, "Plain title");
        assert_eq!(p.metadata, vec![("Updated".into(), "2024".into())]);
        assert_eq!(
            p.blocks,
            vec![Block::Paragraph {
                text: "#hashtag is text".into(),
                line: 5
            }]
        );
    }
}
