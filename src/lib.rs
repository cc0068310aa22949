//! medsearch: section-aware full-text search over patient-information pages.
//!
//! Documents (`.txt` in the layout of the bundled page, `.md`) are split into records:
//! sections with stable anchors, and the items of reference lists. Records go into a tantivy
//! index; queries return ranked records with snippets and `path#anchor` links.
//!
//! ```
//! use medsearch::parse::{parse_document, Format, RecordKind};
//!
//! let page = "Bone health\n\nIntro.\n\nHow does calcium help?\n\nIt builds bone.\n\nReferences\n\n- Doe J, Roe R. Calcium and bone. Bone Journal. 2020.\n";
//! let doc = parse_document("bone-health.txt", Format::Text, page).unwrap();
//! let anchors: Vec<&str> = doc.records.iter().map(|r| r.anchor.as_str()).collect();
//! assert_eq!(anchors, ["bone-health", "how-does-calcium-help", "references", "ref-1"]);
//! assert_eq!(doc.records[3].kind, RecordKind::Reference);
//! ```
//!
//! Modules, in the order data flows: [`corpus`] (which files) → [`parse`] (records and the
//! abbreviations they define) → [`analysis`] (terms, in American spelling) → [`index`] (on
//! disk: the folder protocol, incremental updates, opening a snapshot) → [`search`] (parse →
//! correct → compile → collect → snippets, with [`expand`]: synonyms and abbreviations) →
//! [`output`]; [`eval`] runs batches of queries; [`show`] finds one record; [`watch`]
//! re-indexes on file changes; [`interrupt`] handles Ctrl-C; [`serve`] answers HTTP (the API and
//! the search page); [`cli`] ties them to the command
//! line.

pub mod analysis;
pub mod cli;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod expand;
pub mod index;
pub mod interrupt;
pub mod output;
pub mod parse;
pub mod search;
pub mod semantic;
pub mod serve;
pub mod show;
pub mod watch;

pub use error::{Error, Result};

/// The message of a caught panic (for reporting it as an error).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".to_string())
}
