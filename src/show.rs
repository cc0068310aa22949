//! `medsearch show`: one record whole, found by its id or by the `path#anchor` that results
//! print.
//!
//! The record is named `DOC#ANCHOR` (its id) or `PATH#ANCHOR` (its file, as results print it:
//! joined to the corpus folder as given, or relative to the corpus); a trailing `:LINE`, as the
//! text output prints it, is ignored. A JSONL file holds many documents, each with the one
//! anchor `top`: one of them is named by its id. When there is no such record, the closest
//! records of the document are offered (its anchors nearest to the one asked for).

use std::path::Path;

use crate::error::{Error, Result};
use crate::index::{RecordKey, Searchable, StoredRecord};
use crate::parse::Format;

/// Most records offered in place of a missing one.
const OFFERED: usize = 3;

/// What a lookup found.
#[derive(Debug)]
pub enum Found {
    /// The record, and its body.
    Record(Box<StoredRecord>, String),
    /// No such record.
    Nothing(Missing),
}

/// A record that is not in the index, and what is close to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The record as asked for.
    pub asked: String,
    /// The document, when the index has it.
    pub document: Option<String>,
    /// Ids of the document's records nearest to the one asked for, nearest first.
    pub closest: Vec<String>,
}

/// Finds the record named by `name` (see the module docs): a path may be given as the
/// output shows it (joined to the corpus folder) or relative to the corpus folder.
pub fn find(s: &Searchable, name: &str) -> Result<Found> {
    let (file, anchor) = split(name);
    let relative = Path::new(file)
        .strip_prefix(s.corpus())
        .ok()
        .and_then(Path::to_str)
        .unwrap_or(file);
    let mut records = Vec::new();
    if Format::of(Path::new(relative)).is_some() {
        records = s.records(RecordKey::Path(relative))?;
    }
    if records.is_empty() {
        records = s.records(RecordKey::Doc(relative))?;
    }
    let (mut hits, others): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|(r, _)| r.anchor == anchor);
    match hits.len() {
        1 => {
            let (record, body) = hits.pop().expect("one");
            Ok(Found::Record(Box::new(record), body))
        }
        0 => {
            let mut closest: Vec<(f64, String)> = others
                .iter()
                .map(|(r, _)| (strsim::jaro_winkler(&r.anchor, anchor), r.id.clone()))
                .collect();
            closest.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            Ok(Found::Nothing(Missing {
                asked: name.to_string(),
                document: others.first().map(|(r, _)| r.doc.clone()),
                closest: closest
                    .into_iter()
                    .take(OFFERED)
                    .map(|(_, id)| id)
                    .collect(),
            }))
        }
        n => Err(Error::Usage(format!(
            "'{name}' names {n} records (a file of many documents): name one by its id, \
             such as '{}'",
            hits[0].0.id
        ))),
    }
}

/// `name` without a trailing `:LINE`, split into the part before the last `#` and the anchor.
fn split(name: &str) -> (&str, &str) {
    let (file, anchor) = name.rsplit_once('#').unwrap_or((name, ""));
    let anchor = match anchor.rsplit_once(':') {
        Some((anchor, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            anchor
        }
        _ => anchor,
    };
    (file, anchor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_file_and_anchor_without_the_line() {
        assert_eq!(split("doc#anchor"), ("doc", "anchor"));
        assert_eq!(
            split("corpus/a.txt#side-effects:19"),
            ("corpus/a.txt", "side-effects")
        );
        assert_eq!(split("a#b#c"), ("a#b", "c"));
        assert_eq!(split("a#ratio:1x"), ("a", "ratio:1x"));
        assert_eq!(split("no-anchor"), ("no-anchor", ""));
    }
}
