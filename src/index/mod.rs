//! The index on disk: how it is laid out, written and read.
//!
//! - [`generation`]: the folder protocol (`CURRENT`, the writers' lock, `gen-*` folders,
//!   publishing, clean-up) and the snapshot rule that keeps every search whole while the index
//!   is rebuilt under it;
//! - [`manifest`]: medsearch's own files in a generation (summary, file list, definitions,
//!   words) and the fingerprint of what indexing produces;
//! - [`schema`]: the fields of a record;
//! - [`chrome`]: which repeated paragraphs are site chrome, across the corpus;
//! - [`update()`]: `medsearch index`, incremental or full, and the staleness [`Plan`];
//! - [`Searchable`]: an opened index, ready to search.

pub mod chrome;
pub mod generation;
pub mod manifest;
pub mod schema;
pub mod searchable;
pub mod update;

/// Where the index lives when no location is given (relative to the working folder).
pub const DEFAULT_FOLDER: &str = "index";

pub use schema::{Fields, StoredRecord};
pub use searchable::{RecordKey, Searchable};
pub use update::{
    Counts, Difference, Event, FullRebuild, Mode, Plan, UpdateReport, WRITER_HEAP_BYTES, update,
};
