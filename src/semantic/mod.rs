//! The semantic stage: a small sentence model's vectors of every record, searched beside the
//! lexical ranking, for readers who do not use the page's words ("tummy ache" for "stomach
//! cramps").
//!
//! - [`model`] (cargo feature `semantic`, on by default): a sentence-transformers folder run
//!   with candle, text → unit vector;
//! - [`store`]: the vectors of a generation (`vectors.bin` and its segments), keyed by the
//!   hash of the text embedded, so an edit re-embeds only what changed;
//! - [`embed`]: `medsearch index --model`: the records without a vector are embedded, the
//!   store checkpointed as generations (an interrupted run keeps what it embedded);
//! - [`fuse`]: how the two rankings become one ([`Mode::Hybrid`]).
//!
//! **What is embedded** ([`text_of`]): the page title (when the record is not the page's lead,
//! whose heading is the title), the heading and the body, one per line. The index keeps the
//! hash of that text ([`key_of`]) as a fast field of each record (`embed_key`), so a search
//! finds each record's vector without reading stored fields.
//!
//! Written by hand, with reason: no crate keeps vectors in a versioned, snapshot-safe folder
//! beside a tantivy index (tantivy has no vector field); a scan of 100,000 vectors of 384
//! numbers in 8 bits, the best thousand then scored exactly ([`store::Vectors::scores`]), takes
//! a few milliseconds, so no graph index (HNSW: `hnsw_rs`, `instant-distance`) is needed at the
//! sizes medsearch serves, and none keeps the recall of the exact first 100 this near 1.

pub mod embed;
pub mod fuse;
#[cfg(feature = "semantic")]
pub mod model;
#[cfg(not(feature = "semantic"))]
#[path = "lean.rs"]
pub mod model;
pub mod store;
#[cfg(all(test, feature = "semantic"))]
mod tiny;

use serde::{Deserialize, Serialize};

pub use model::Model;

/// Fixes, for this process, how many threads the model's matrix products use: the physical
/// cores, counted once (`RAYON_NUM_THREADS`, when the environment does not set it). candle
/// asks at every matrix product, and without that variable counts them by reading
/// `/proc/cpuinfo` each time: about 100 reads per query embedded, which took a long
/// question's embedding from 13.5–14.3 ms to 16.8–17.6 ms p50 on 2 cores (BENCHMARKS.md).
///
/// # Safety
/// Sets an environment variable: call it before the process starts any other thread (first
/// thing in `main`).
pub unsafe fn settle_threads() {
    const VARIABLE: &str = "RAYON_NUM_THREADS";
    if std::env::var_os(VARIABLE).is_none() {
        let threads = num_cpus::get_physical().max(1);
        // SAFETY: the caller runs this before any other thread exists.
        unsafe { std::env::set_var(VARIABLE, threads.to_string()) };
    }
}

/// Most tokens in one window of text the model reads, special tokens included
/// ([`model`]).
pub const WINDOW: usize = 128;

/// What a model is, as an index records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelId {
    /// The model folder's name.
    pub name: String,
    /// Length of its vectors.
    pub dims: usize,
    /// Hash of its files (see [`model`]).
    pub hash: String,
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} dimensions, {})", self.name, self.dims, self.hash)
    }
}

/// How a search ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Words only (BM25F, feedback, typo correction...).
    Lexical,
    /// The model's vectors only: records ranked by cosine with the query's vector.
    Semantic,
    /// Both, fused ([`fuse`]).
    Hybrid,
}

impl Mode {
    /// The names, for messages.
    pub const NAMES: &str = "lexical, semantic, hybrid";

    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Lexical => "lexical",
            Mode::Semantic => "semantic",
            Mode::Hybrid => "hybrid",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "lexical" => Ok(Mode::Lexical),
            "semantic" => Ok(Mode::Semantic),
            "hybrid" => Ok(Mode::Hybrid),
            _ => Err(format!("not one of {}", Mode::NAMES)),
        }
    }
}

/// Changes whenever [`text_of`] changes what it makes, so that old keys miss.
const RECIPE: &[u8] = b"medsearch-embed-1\n";

/// The text a record is embedded as: the page title unless it is the heading, the heading
/// (empty for references and reviewers, whose label is in their body), the body.
pub fn text_of(title: &str, heading: &str, body: &str) -> String {
    let mut text = String::with_capacity(title.len() + heading.len() + body.len() + 2);
    for part in [
        (title != heading).then_some(title),
        Some(heading),
        Some(body),
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.trim().is_empty())
    {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(part.trim());
    }
    text
}

/// The key of a text to embed (never 0, which marks "no key").
pub fn key_of(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(text.as_bytes(), xxhash_rust::xxh3::xxh3_64(RECIPE)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_is_not_titled_twice_and_empty_parts_are_left_out() {
        assert_eq!(text_of("Liver", "Liver", "About it."), "Liver\nAbout it.");
        assert_eq!(text_of("Liver", "Risks", " Pain. "), "Liver\nRisks\nPain.");
        assert_eq!(
            text_of("Liver", "", "Smith J. 2020."),
            "Liver\nSmith J. 2020."
        );
    }

    #[test]
    fn keys_follow_the_text() {
        assert_eq!(key_of("a b"), key_of("a b"));
        assert_ne!(key_of("a b"), key_of("a c"));
        assert_ne!(key_of(""), 0);
    }
}
