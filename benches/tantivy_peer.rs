//! A peer for the benchmark: plain tantivy, as a developer would use it out of the box (no
//! medsearch code): one document per JSONL line with `title` and `text` fields (tantivy's
//! `en_stem` analyzer), default BM25, a query's words OR-ed over both fields, top 10 ids.
//!
//! ```sh
//! cargo bench --bench tantivy_peer -- build CORPUS_JSONL INDEX_DIR
//! cargo bench --bench tantivy_peer -- latency INDEX_DIR QUERIES_TSV [ROUNDS]
//! ```
//! `build` prints `{"seconds", "bytes"}` (wall time of the build in the process, size on
//! disk); `latency` prints `{"queries", "rounds", "p50_ms", "p99_ms", "mean_ms", "max_ms"}`,
//! the first round a warm-up, as `benches/latency.rs` does.

#[path = "support/common.rs"]
mod common;

use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, STORED, STRING, Schema, TEXT, TextFieldIndexing};
use tantivy::{Index, IndexWriter, TantivyDocument, Term, doc};

fn main() {
    let args = common::args();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["build", corpus, index] => build(Path::new(corpus), Path::new(index)),
        ["latency", index, queries, rest @ ..] => {
            let rounds = rest
                .first()
                .map_or(5, |r| r.parse().expect("ROUNDS is a number"));
            latency(Path::new(index), Path::new(queries), rounds)
        }
        _ => {
            eprintln!(
                "usage: tantivy_peer build CORPUS_JSONL INDEX_DIR | latency INDEX_DIR QUERIES_TSV [ROUNDS]"
            );
            std::process::exit(2);
        }
    }
}

fn schema() -> Schema {
    let mut schema = Schema::builder();
    let text = TEXT.set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    schema.add_text_field("id", STRING | STORED);
    schema.add_text_field("title", text.clone() | STORED);
    schema.add_text_field("text", text | STORED);
    schema.build()
}

fn build(corpus: &Path, dir: &Path) {
    let start = Instant::now();
    std::fs::create_dir_all(dir).expect("create the index folder");
    let schema = schema();
    let field = |name| schema.get_field(name).expect("field");
    let (id, title, text) = (field("id"), field("title"), field("text"));
    let index = Index::create_in_dir(dir, schema.clone()).expect("create the index");
    let mut writer: IndexWriter = index.writer(256_000_000).expect("writer");
    let file = std::io::BufReader::new(std::fs::File::open(corpus).expect("open the corpus"));
    for line in file.lines() {
        let line = line.expect("read the corpus");
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let get = |key: &str| value[key].as_str().unwrap_or_default().to_string();
        writer
            .add_document(doc!(id => get("_id"), title => get("title"), text => get("text")))
            .expect("add");
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merge");
    let seconds = start.elapsed().as_secs_f64();
    let bytes: u64 = std::fs::read_dir(dir)
        .expect("list the index")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    println!("{{\"seconds\": {seconds:.3}, \"bytes\": {bytes}}}");
}

fn latency(dir: &Path, queries: &Path, rounds: usize) {
    let index = Index::open_in_dir(dir).expect("open the index");
    let searcher = index.reader().expect("reader").searcher();
    let schema = index.schema();
    let field = |name| schema.get_field(name).expect("field");
    let (id, fields) = (field("id"), [field("title"), field("text")]);
    let mut analyzer = index.tokenizers().get("en_stem").expect("en_stem");
    let text = std::fs::read_to_string(queries).expect("read the queries");
    let queries: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, q)| q))
        .collect();
    let mut times = Vec::with_capacity(queries.len() * rounds);
    for round in 0..=rounds {
        for q in &queries {
            let start = Instant::now();
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut stream = analyzer.token_stream(q);
            while let Some(token) = stream.next() {
                for f in fields {
                    let term = Term::from_field_text(f, &token.text);
                    clauses.push((
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    ));
                }
            }
            let top = searcher
                .search(
                    &BooleanQuery::new(clauses),
                    &TopDocs::with_limit(10).order_by_score(),
                )
                .expect("search");
            let ids: Vec<String> = top
                .iter()
                .map(|(_, address)| {
                    let doc: TantivyDocument = searcher.doc(*address).expect("doc");
                    format!("{:?}", doc.get_first(id))
                })
                .collect();
            std::hint::black_box(ids);
            if round > 0 {
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    common::print_latency(queries.len(), rounds, times);
}
