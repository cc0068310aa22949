//! The query front end on arbitrary text, against an index of the bundled page: parse,
//! correct, expand, search, snippets, both renderings; as written, as plain words, and as the
//! search page sends it while people type (forgiving, the last word completed). Never a
//! panic; an error is a query error naming a position inside the query; highlights fall inside
//! snippets and headings on char boundaries; the JSON rendering parses.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use medsearch::Error;
use medsearch::index::{self, Mode, Searchable};
use medsearch::output::{self, Style};
use medsearch::search::{self, SearchOptions};

const PAGE: &str =
    include_str!("../../corpus/liver-directed-therapy-for-neuroendocrine-cancer.txt");
const SYNONYMS: &str = include_str!("../../corpus/synonyms.txt");

fn searchable() -> &'static (tempfile::TempDir, Searchable) {
    static INDEX: OnceLock<(tempfile::TempDir, Searchable)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        std::fs::write(corpus.join("page.txt"), PAGE).unwrap();
        std::fs::write(corpus.join("synonyms.txt"), SYNONYMS).unwrap();
        let index_dir = dir.path().join("index");
        index::update(&corpus, &index_dir, Mode::Full, None, index::WRITER_HEAP_BYTES, &mut |_| {
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        let s = Searchable::open(&index_dir, &corpus).unwrap();
        (dir, s)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (_, s) = searchable();
    for (plain, page) in [(false, false), (true, false), (false, true)] {
        let opts = SearchOptions {
            limit: 5,
            plain,
            forgiving: page,
            typing: page,
            ..SearchOptions::default()
        };
        match search::search(s, text, &opts) {
            Ok(results) => {
                for hit in &results.hits {
                    for &[a, b] in &hit.highlights {
                        assert!(a < b && b <= hit.snippet.len());
                        assert!(hit.snippet.is_char_boundary(a) && hit.snippet.is_char_boundary(b));
                    }
                    let heading = &hit.record.heading;
                    for &[a, b] in &hit.heading_highlights {
                        assert!(a < b && b <= heading.len());
                        assert!(heading.is_char_boundary(a) && heading.is_char_boundary(b));
                    }
                }
                let mut out = Vec::new();
                output::results(&mut out, &results, Some(s.corpus()), Style::Json).unwrap();
                let _: serde_json::Value = serde_json::from_slice(&out).unwrap();
                out.clear();
                output::results(&mut out, &results, Some(s.corpus()), Style::Plain).unwrap();
                let shown = String::from_utf8(out).unwrap();
                assert!(shown.chars().all(|c| c == '\n' || !c.is_control()));
            }
            Err(Error::Query { position, .. }) => {
                assert!(position >= 1 && position <= text.chars().count() + 1);
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
});
