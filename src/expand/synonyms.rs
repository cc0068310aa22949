//! The synonyms file: `synonyms.txt` at the root of the corpus folder.
//!
//! One group of equivalent words or phrases per line, comma separated (`chemo, chemotherapy`);
//! `#` starts a comment; blank lines are ignored. A group needs at least two entries and no
//! entry may be empty. The file is read by every search, so a change takes effect at once,
//! without re-indexing; it is not a document of the corpus.

use std::path::Path;

use crate::error::{Error, Result};

/// The file name, at the corpus root.
pub const FILE: &str = "synonyms.txt";

/// The groups of the corpus's synonyms file (none when there is no file).
pub fn load(corpus: &Path) -> Result<Vec<Vec<String>>> {
    let path = corpus.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).map_err(|(line, message)| Error::Input {
            path,
            line,
            message,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// The groups of a synonyms file's text, or the first bad line: `(line, what is wrong)`.
pub fn parse(text: &str) -> std::result::Result<Vec<Vec<String>>, (usize, String)> {
    let mut groups = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let entries: Vec<String> = content
            .split(',')
            .map(|e| e.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if let Some(n) = entries.iter().position(String::is_empty) {
            return Err((i + 1, format!("entry {} of the group is empty", n + 1)));
        }
        if entries.len() < 2 {
            return Err((
                i + 1,
                format!(
                    "a group needs at least two entries separated by commas, found '{content}'"
                ),
            ));
        }
        groups.push(entries);
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_comments_and_blank_lines() {
        let text = "# medical words\nchemo, chemotherapy\n\n mets ,  liver   metastases, secondaries # spread\n";
        assert_eq!(
            parse(text).unwrap(),
            [
                vec!["chemo", "chemotherapy"],
                vec!["mets", "liver metastases", "secondaries"]
            ]
        );
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(parse("a, b\nchemo\n").unwrap_err().0, 2);
        assert_eq!(
            parse("a, , b").unwrap_err(),
            (1, "entry 2 of the group is empty".to_string())
        );
        assert_eq!(parse("a, b,").unwrap_err().0, 1);
    }
}
