//! Evaluation files: queries (TSV or BEIR JSONL), judgments (TREC or BEIR TSV qrels), and TREC
//! run output. Formats are detected from the content; a malformed line is an error naming the
//! file and line.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// One query to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The query id, as in the judgments.
    pub id: String,
    /// The query text, in medsearch's query language.
    pub text: String,
}

/// Judgments: query id → judged id → grade.
pub type Qrels = BTreeMap<String, BTreeMap<String, i32>>;

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn bad(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Non-blank lines that are not `#` comments, numbered from 1.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

#[derive(Deserialize)]
struct JsonQuery {
    #[serde(alias = "id")]
    _id: serde_json::Value,
    #[serde(alias = "query")]
    text: String,
}

/// Reads queries: JSONL (`{"_id": ..., "text": ...}`) when the first line is a JSON object,
/// else TSV (`id<TAB>text`). Ids must be unique.
pub fn read_queries(path: &Path) -> Result<Vec<Query>> {
    let text = read(path)?;
    let jsonl = content_lines(&text)
        .next()
        .is_some_and(|(_, l)| l.trim_start().starts_with('{'));
    let mut queries: Vec<Query> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (no, line) in content_lines(&text) {
        let (id, query) = if jsonl {
            let q: JsonQuery = serde_json::from_str(line).map_err(|e| {
                bad(
                    path,
                    no,
                    format!("expected {{\"_id\": ..., \"text\": ...}} ({e})"),
                )
            })?;
            let id = match q._id {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(bad(path, no, "_id must be a string or a number")),
            };
            (id, q.text)
        } else {
            let (id, query) = line
                .split_once('\t')
                .ok_or_else(|| bad(path, no, "expected 'id<TAB>query text'"))?;
            (id.trim().to_string(), query.trim().to_string())
        };
        if id.trim().is_empty() || query.trim().is_empty() {
            return Err(bad(path, no, "empty query id or text"));
        }
        if let Some(first) = seen.insert(id.clone(), no) {
            return Err(bad(
                path,
                no,
                format!("query id '{id}' repeats line {first}"),
            ));
        }
        queries.push(Query { id, text: query });
    }
    Ok(queries)
}

/// Reads judgments: BEIR TSV (header `query-id corpus-id score`, or three columns) or TREC
/// qrels (`qid iter docid rel`).
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let text = read(path)?;
    let mut qrels = Qrels::new();
    let mut lines = content_lines(&text).peekable();
    let header = lines
        .peek()
        .is_some_and(|(_, l)| l.split_whitespace().next() == Some("query-id"));
    if header {
        lines.next();
    }
    let columns = if header {
        3
    } else {
        lines
            .peek()
            .map_or(4, |(_, l)| l.split_whitespace().count())
    };
    let expected = if columns == 3 {
        "'query-id corpus-id score'"
    } else {
        "'qid iter docid rel'"
    };
    let mut first_seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (no, line) in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (qid, id, grade) = match (columns, fields.as_slice()) {
            (3, [qid, id, grade]) | (4, [qid, _, id, grade]) => (*qid, *id, *grade),
            _ => {
                return Err(bad(
                    path,
                    no,
                    format!("expected {expected}, found {} fields", fields.len()),
                ));
            }
        };
        let grade: i32 = grade
            .parse()
            .map_err(|_| bad(path, no, format!("relevance '{grade}' is not an integer")))?;
        let key = (qid.to_string(), id.to_string());
        if let Some(first) = first_seen.insert(key, no) {
            return Err(bad(
                path,
                no,
                format!("query '{qid}' judges '{id}' again (first on line {first})"),
            ));
        }
        qrels
            .entry(qid.to_string())
            .or_default()
            .insert(id.to_string(), grade);
    }
    Ok(qrels)
}

/// One query's ranked ids with their scores.
pub type RankedIds = (String, Vec<(String, f32)>);

/// Writes runs in TREC format (`qid Q0 docid rank score medsearch`). trec_eval re-sorts by
/// score, so scores are made strictly decreasing within a query (a tie is written a millionth
/// below the previous score) and written with six decimals: trec_eval sees medsearch's order.
pub fn write_run(path: &Path, runs: &[RankedIds]) -> Result<()> {
    let mut out = Vec::new();
    for (qid, ranked) in runs {
        let mut previous = f64::INFINITY;
        for (i, (id, score)) in ranked.iter().enumerate() {
            let rounded = (f64::from(*score) * 1e6).round() / 1e6;
            let score = if rounded < previous {
                rounded
            } else {
                previous - 1e-6
            };
            previous = score;
            writeln!(out, "{qid} Q0 {id} {} {score:.6} medsearch", i + 1).expect("write to memory");
        }
    }
    std::fs::write(path, out).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(content: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), content).unwrap();
        f
    }

    fn error(result: Result<impl std::fmt::Debug>, f: &tempfile::NamedTempFile) -> String {
        result
            .unwrap_err()
            .to_string()
            .replace(&f.path().display().to_string(), "FILE")
    }

    #[test]
    fn queries_tsv_and_jsonl() {
        let tsv = file("# comment\nq1\tembolic agent\n\nq2\t\"blood supply\"\n");
        let q = read_queries(tsv.path()).unwrap();
        assert_eq!(
            q,
            [
                Query {
                    id: "q1".into(),
                    text: "embolic agent".into()
                },
                Query {
                    id: "q2".into(),
                    text: "\"blood supply\"".into()
                }
            ]
        );
        let jsonl = file(
            "{\"_id\": \"1\", \"text\": \"lens\", \"metadata\": {}}\n{\"_id\": 2, \"text\": \"lung\"}\n",
        );
        let q = read_queries(jsonl.path()).unwrap();
        assert_eq!(
            (q[0].id.as_str(), q[1].id.as_str(), q[1].text.as_str()),
            ("1", "2", "lung")
        );
    }

    #[test]
    fn bad_query_lines_name_file_and_line() {
        let f = file("q1\tok\nno tab here\n");
        assert_eq!(
            error(read_queries(f.path()), &f),
            "FILE:2: expected 'id<TAB>query text'"
        );
        let f = file("q1\ta\nq1\tb\n");
        assert_eq!(
            error(read_queries(f.path()), &f),
            "FILE:2: query id 'q1' repeats line 1"
        );
        let f = file("{\"_id\": \"1\", \"text\": \"a\"}\n{\"_id\": \"2\"}\n");
        assert!(
            error(read_queries(f.path()), &f)
                .starts_with("FILE:2: expected {\"_id\": ..., \"text\": ...}")
        );
    }

    #[test]
    fn qrels_trec_and_beir() {
        let trec = file("q1 0 doc#a 2\nq1 0 doc 0\nq2 Q0 other -1\n");
        let q = read_qrels(trec.path()).unwrap();
        assert_eq!(q["q1"]["doc#a"], 2);
        assert_eq!(q["q2"]["other"], -1);
        let beir = file("query-id\tcorpus-id\tscore\n1\t13\t1\n1\t14\t2\n");
        let q = read_qrels(beir.path()).unwrap();
        assert_eq!(q["1"].len(), 2);
        let headerless = file("1\t13\t1\n");
        assert_eq!(read_qrels(headerless.path()).unwrap()["1"]["13"], 1);
    }

    #[test]
    fn bad_qrels_lines_name_file_and_line() {
        let f = file("q1 0 d 1\nq1 0 d2\n");
        assert_eq!(
            error(read_qrels(f.path()), &f),
            "FILE:2: expected 'qid iter docid rel', found 3 fields"
        );
        let f = file("q1 0 d high\n");
        assert_eq!(
            error(read_qrels(f.path()), &f),
            "FILE:1: relevance 'high' is not an integer"
        );
        let f = file("q1 0 d 1\nq1 0 d 2\n");
        assert_eq!(
            error(read_qrels(f.path()), &f),
            "FILE:2: query 'q1' judges 'd' again (first on line 1)"
        );
    }

    #[test]
    fn run_scores_strictly_decrease() {
        let f = file("");
        let runs = vec![(
            "q1".to_string(),
            vec![
                ("a".to_string(), 2.5),
                ("b".to_string(), 2.5),
                ("c".to_string(), 1.0),
            ],
        )];
        write_run(f.path(), &runs).unwrap();
        assert_eq!(
            std::fs::read_to_string(f.path()).unwrap(),
            "q1 Q0 a 1 2.500000 medsearch\nq1 Q0 b 2 2.499999 medsearch\nq1 Q0 c 3 1.000000 medsearch\n"
        );
    }
}
