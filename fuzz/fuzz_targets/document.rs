//! The document parser on arbitrary bytes: any format, never a panic; every document it makes
//! has unique, non-empty anchors, records in line order; abbreviation definitions point at
//! lines of the file.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use medsearch::corpus;
use medsearch::expand::abbrev;
use medsearch::parse::Format;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let path = ["page.txt", "page.md", "pages.jsonl"][usize::from(which % 3)];
    let mut skipped = Vec::new();
    let docs = corpus::parse(path, bytes, &mut skipped);
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
    }
    if let (Ok(text), Some(format)) = (std::str::from_utf8(bytes), Format::of(path.as_ref())) {
        for d in abbrev::in_file(path, format, text, &docs) {
            assert!(d.line >= 1 && d.line <= lines, "definition line {}", d.line);
            assert!(!d.short.is_empty() && !d.long.is_empty());
        }
    }
});
