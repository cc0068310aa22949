//! The document parser on arbitrary input: any format, never a panic; every document it makes
//! has unique, non-empty anchors, records in line order (HTML: lines inside the file, as the
//! tree builder may move content); abbreviation definitions point at lines of the file. HTML
//! is read from bytes, as a corpus file is: decoded ([`parse::html::decode`]) first.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use medsearch::parse::{self, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let path = ["page.txt", "page.md", "pages.jsonl", "page.html"][usize::from(which % 4)];
    let format = Format::of(path.as_ref()).expect("a format");
    let text = match format {
        Format::Html => match parse::html::decode(bytes, &mut Vec::new()) {
            Ok(text) => text,
            Err(_) => return,
        },
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => text.into(),
            Err(_) => return,
        },
    };
    let docs = parse::parse_file(path, format, &text, &mut parse::Notes::default());
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
        if format != Format::Html {
            assert!(doc.records.windows(2).all(|w| w[0].line <= w[1].line));
        }
        for d in &doc.definitions {
            assert!(d.line >= 1 && d.line <= lines, "definition line {}", d.line);
            assert!(!d.short.is_empty() && !d.long.is_empty());
        }
    }
});
