//! The `.txt` layout of the material.
//!
//! The first non-blank line is the title; short `Key:` lines right after it are metadata.
//! Blank lines separate blocks. A block is a heading when it is a single short line (at most
//! 100 characters and 15 words) that is not a list item, does not start in lowercase and does
//! not end with `.`, `:`, `,` or `;`, and the next block is not such a line itself: a
//! "heading" followed by another heading-like line or by the end of the file is text of the
//! section before it (a contact line in a footer, say). Nothing here knows any page's words.

use super::{Block, Page, blocks_of, bullet, metadata, numbered_lines};

/// Reads a `.txt` page; `None` when it has no non-blank line.
pub fn page(text: &str) -> Option<Page> {
    let lines = numbered_lines(text);
    let mut groups: Vec<Vec<(usize, &str)>> = Vec::new();
    let mut current = Vec::new();
    for &(no, line) in &lines {
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
        } else {
            current.push((no, line));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let mut groups = groups.into_iter().peekable();
    let mut first = groups.next()?;
    let (title_line, title) = first.remove(0);
    let mut page = Page {
        title: title.trim().to_string(),
        title_line,
        ..Page::default()
    };
    let mut rest: Vec<Vec<(usize, &str)>> = Vec::new();
    if !first.is_empty() {
        rest.push(first);
    } else {
        while let Some(meta) = groups.peek().and_then(|g| {
            g.iter()
                .map(|(_, l)| metadata(l))
                .collect::<Option<Vec<_>>>()
        }) {
            page.metadata.extend(meta);
            groups.next();
        }
    }
    rest.extend(groups);
    let candidate: Vec<bool> = rest
        .iter()
        .map(|g| g.len() == 1 && heading_like(g[0].1))
        .collect();
    for (i, group) in rest.iter().enumerate() {
        let followed_by_content = i + 1 < rest.len() && !candidate[i + 1];
        if candidate[i] && followed_by_content {
            let (line, text) = group[0];
            page.blocks.push(Block::Heading {
                level: 2,
                text: text.trim().to_string(),
                line,
                anchor: None,
            });
        } else {
            blocks_of(group, &mut page.blocks);
        }
    }
    Some(page)
}

/// A single line that could be a heading (see the module docs).
fn heading_like(line: &str) -> bool {
    let t = line.trim();
    let starts_lowercase = t.chars().next().is_some_and(char::is_lowercase);
    let ends_like_prose = t.ends_with(['.', ':', ',', ';']);
    t.chars().count() <= 100
        && t.split_whitespace().count() <= 15
        && !starts_lowercase
        && !ends_like_prose
        && bullet(t).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headings(text: &str) -> Vec<String> {
        page(text)
            .unwrap()
            .blocks
            .into_iter()
            .filter_map(|b| match b {
                Block::Heading { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn title_metadata_and_blocks() {
        let p = page("\n\nMy title\n\nReviewed: 2024\nAuthor:\n\nIntro text.\n\nA heading\n\nBody line one\nline two.\n\n  • one\n  • two\n").unwrap();
        assert_eq!(p.title, "My title");
        assert_eq!(p.title_line, 3);
        assert_eq!(
            p.metadata,
            vec![
                ("Reviewed".into(), "2024".into()),
                ("Author".into(), "".into())
            ]
        );
        assert_eq!(
            p.blocks,
            vec![
                Block::Paragraph {
                    text: "Intro text.".into(),
                    line: 8
                },
                Block::Heading {
                    level: 2,
                    text: "A heading".into(),
                    line: 10,
                    anchor: None,
                },
                Block::Paragraph {
                    text: "Body line one\nline two.".into(),
                    line: 12
                },
                Block::Item {
                    text: "one".into(),
                    raw: "• one".into(),
                    line: 15
                },
                Block::Item {
                    text: "two".into(),
                    raw: "• two".into(),
                    line: 16
                },
            ]
        );
    }

    #[test]
    fn heading_rules() {
        let text = "T\n\nIntro.\n\nHow does it work?\n\nLike this.\n\nNot a heading.\n\nlowercase start\n\nText.\n\nStacked one\n\nStacked two\n\nText.\n\nFooter line";
        assert_eq!(headings(text), vec!["How does it work?", "Stacked two"]);
    }

    #[test]
    fn metadata_only_right_after_the_title() {
        let p = page("T\n\nIntro.\n\nNote: later\n").unwrap();
        assert!(p.metadata.is_empty());
        assert_eq!(p.blocks.len(), 2);
    }

    #[test]
    fn extra_lines_in_the_title_block_are_lead_text() {
        let p = page("Title\nsubtitle line\n\nKey: v\n").unwrap();
        assert_eq!(p.title, "Title");
        assert!(p.metadata.is_empty());
        assert_eq!(
            p.blocks[0],
            Block::Paragraph {
                text: "subtitle line".into(),
                line: 2
            }
        );
    }
}
