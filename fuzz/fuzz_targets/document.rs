//! The document parser on arbitrary text: any format, never a panic; every document it makes
//! has unique, non-empty anchors, records in line order; abbreviation definitions point at
//! lines of the file.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use medsearch::parse::{self, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let path = ["page.txt", "page.md", "pages.jsonl"][usize::from(which % 3)];
    let format = Format::of(path.as_ref()).expect("a format");
    let docs = parse::parse_file(path, format, text, &mut parse::Notes::default());
    let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
    for doc in &docs {
        let mut anchors = HashSet::new();
        for record in &doc.records {
            assert!(!record.anchor.is_empty(), "empty anchor");
            assert!(
                anchors.insert(&record.anchor),
                "anchor {} twice",
                record.anchor
            );
            assert!(
                record.line >= 1 && record.line <= lines,
                "line {}",
                record.line
            );
        }
        assert!(doc.records.windows(2).all(|w| w[0].line <= w[1].line));
        for d in &doc.definitions {
            assert!(d.line >= 1 && d.line <= lines, "definition line {}", d.line);
            assert!(!d.short.is_empty() && !d.long.is_empty());
        }
    }
});
