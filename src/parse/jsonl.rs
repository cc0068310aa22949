//! JSONL corpora (the BEIR `corpus.jsonl` layout): one document per line,
//! `{"_id": "...", "title": "...", "text": "..."}` (`id` is accepted for `_id`; ids may be
//! numbers). Each document becomes one section record with anchor `top`; its id is the `_id`.
//! A bad line (not JSON, no id, no text, an id seen before) is reported with its line number
//! and skipped; the other lines are still read. Abbreviations are found in each document's text
//! and point at its line.

use std::collections::HashSet;

use serde::Deserialize;

use super::{Document, Record, RecordKind, abbrev, numbered_lines};

/// The anchor of a JSONL document's only record.
pub const ANCHOR: &str = "top";

#[derive(Deserialize)]
struct Line {
    #[serde(alias = "id")]
    _id: serde_json::Value,
    #[serde(default)]
    title: Option<String>,
    text: String,
}

/// Reads every document of a JSONL file. `problems` receives `(line, reason)` for bad lines.
pub fn documents(rel_path: &str, text: &str, problems: &mut Vec<(usize, String)>) -> Vec<Document> {
    let mut seen = HashSet::new();
    let mut docs = Vec::new();
    for (no, line) in numbered_lines(text) {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = match serde_json::from_str(line) {
            Ok(parsed) => parsed,
            Err(e) => {
                problems.push((no, format!("not a JSON document with _id and text ({e})")));
                continue;
            }
        };
        let id = match parsed._id {
            serde_json::Value::String(s) if !s.trim().is_empty() => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                problems.push((no, "_id must be a non-empty string or a number".into()));
                continue;
            }
        };
        if !seen.insert(id.clone()) {
            problems.push((no, format!("duplicate _id '{id}'")));
            continue;
        }
        let heading = parsed.title.unwrap_or_default().trim().to_string();
        docs.push(Document {
            title: if heading.is_empty() {
                id.clone()
            } else {
                heading.clone()
            },
            path: rel_path.to_string(),
            metadata: Vec::new(),
            definitions: abbrev::in_lines(rel_path, [(no, parsed.text.as_str())]),
            records: vec![Record {
                kind: RecordKind::Section,
                anchor: ANCHOR.to_string(),
                heading,
                breadcrumbs: Vec::new(),
                body: parsed.text,
                line: no,
                citation: None,
                units: Vec::new(),
            }],
            id,
            lang: None,
            url: None,
        });
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_documents_and_bad_lines_are_reported() {
        let text = concat!(
            "{\"_id\": \"d1\", \"title\": \"First\", \"text\": \"Alpha text.\"}\n",
            "\n",
            "{\"id\": 7, \"text\": \"No title.\"}\n",
            "not json\n",
            "{\"_id\": \"d1\", \"text\": \"again\"}\n",
            "{\"_id\": \"\", \"text\": \"empty id\"}\n",
            "{\"_id\": \"d9\"}\n",
        );
        let mut problems = Vec::new();
        let docs = documents("c.jsonl", text, &mut problems);
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d1", "7"]);
        assert_eq!(docs[0].records[0].heading, "First");
        assert_eq!(docs[0].records[0].anchor, "top");
        assert_eq!(docs[1].title, "7");
        assert_eq!(docs[1].records[0].heading, "");
        assert_eq!(docs[1].records[0].line, 3);
        let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [4, 5, 6, 7]);
        assert_eq!(problems[1].1, "duplicate _id 'd1'");
    }
}
