//! What a generation records about the corpus it was built from.
//!
//! Two files sit beside the tantivy index in each generation: `medsearch.json`, a small
//! [`Summary`] read by every search (counts, fingerprint, build time), and `files.bin`, one
//! [`FileEntry`] per corpus file in path order, read only when indexing or checking staleness.
//! It grows with the corpus and is read by every `index` run, so it is compact binary
//! (postcard): a tenth of the time JSON took to parse at 10,000 files. The [`fingerprint`]
//! covers everything that changes what indexing produces; an index whose fingerprint differs is
//! rebuilt in full.
//!
//! Three more files serve query expansion; a new generation rewrites them only when they
//! change (else they stay hard-linked from the previous one), and a run that changes nothing
//! does not read them: `definitions.bin`, every abbreviation definition
//! with its file and line (for `medsearch abbreviations`, and carried over by incremental
//! updates); `abbreviations.bin`, their distinct analyzed pairs, read by every search; and
//! `words.txt`, the corpus's words, one per line, read when a query word has no match (typo
//! correction) or a word being typed goes to the model (its likely completion). An incremental
//! update adds the words of the files it reads to the previous list, so words of removed files
//! stay until the next full build. With the semantic stage, `vectors.bin` and the segments it
//! lists hold the records' vectors ([`crate::semantic::store`]).
//!
//! This module only knows the files' names and formats; how a reader holds them (a snapshot)
//! and how a writer links or rewrites them is the folder protocol's (`super::generation`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::chrome::ChromeReport;
use crate::corpus::{CorpusFile, Skipped};
use crate::error::{Error, Result};
use crate::expand::TermPair;
use crate::parse::Definition;

/// The summary file.
pub const SUMMARY: &str = "medsearch.json";
/// The file list.
pub const FILES: &str = "files.bin";
/// The abbreviation definitions.
pub const DEFINITIONS: &str = "definitions.bin";
/// The analyzed abbreviation pairs.
pub const ABBREVIATIONS: &str = "abbreviations.bin";
/// The corpus's words.
pub const WORDS: &str = "words.txt";

/// Bumped whenever the schema, parser or analyzer change what an index holds.
pub const FORMAT_VERSION: u32 = 13;

/// The fingerprint of this build of medsearch's indexing: the format, medsearch's version, and
/// the versions of the crates whose behaviour decides what an index holds (the stemmer, the
/// word segmenter, tantivy's filters, the Markdown reader, the regex engine and its Unicode
/// tables, the ASCII folding of anchors), read from `Cargo.lock` by `build.rs`. A `cargo
/// update` that changes any of them changes the fingerprint, and an index made before it is
/// rebuilt in full, never searched with terms it was not built with.
pub fn fingerprint() -> String {
    format!(
        "format {FORMAT_VERSION}, medsearch {} ({})",
        env!("CARGO_PKG_VERSION"),
        env!("MEDSEARCH_ANALYSIS_CRATES")
    )
}

/// Totals and provenance of one generation (`medsearch.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// [`fingerprint`] of the build.
    pub fingerprint: String,
    /// Build time, seconds since the Unix epoch.
    pub built_unix: u64,
    /// Corpus files with records in the index.
    pub files: usize,
    /// Documents indexed (a JSONL file holds many).
    pub documents: usize,
    /// Section records.
    pub sections: usize,
    /// Reference records.
    pub references: usize,
    /// Reviewer records.
    pub reviewers: usize,
    /// Files (or JSONL lines) skipped by the build that made this generation.
    pub skipped: Vec<Skipped>,
    /// The live site's address of the corpus folder (`index --base-url`), kept from one run
    /// to the next: a hit in an HTML page links to it ([`super::StoredRecord::url`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The site chrome set aside, if any ([`super::chrome`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chrome: Option<ChromeReport>,
    /// The model whose vectors the generation holds (`vectors.bin` and its segments), if any
    /// ([`crate::semantic::store`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vectors: Option<crate::semantic::ModelId>,
}

/// One corpus file as indexed (`files.bin`); a skipped file has no documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path, size and modification time when it was read.
    pub file: CorpusFile,
    /// [`crate::corpus::hash`] of the content (0 for a skipped file).
    pub hash: u128,
    /// Documents the file produced.
    pub documents: usize,
    /// Its section records.
    pub sections: usize,
    /// Its reference records.
    pub references: usize,
    /// Its reviewer records.
    pub reviewers: usize,
    /// The keys of its paragraphs and lists, with the line of each, sorted by key
    /// ([`crate::parse::chrome`]).
    pub blocks: Vec<(u64, u32)>,
    /// The keys it set aside as site chrome when it was indexed, sorted
    /// ([`super::chrome`]).
    pub set_aside: Vec<u64>,
}

impl FileEntry {
    /// The entry of a file that was skipped: no hash, no records.
    pub fn skipped(file: CorpusFile) -> FileEntry {
        FileEntry {
            file,
            hash: 0,
            documents: 0,
            sections: 0,
            references: 0,
            reviewers: 0,
            blocks: Vec::new(),
            set_aside: Vec::new(),
        }
    }
}

/// Decodes a summary (`medsearch.json`).
pub fn decode_summary(bytes: &[u8]) -> std::result::Result<Summary, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// Decodes one of the postcard files (file list, definitions, abbreviation pairs).
pub fn decode_postcard<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> std::result::Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

/// Decodes the word list (`words.txt`, one word per line).
pub fn decode_words(bytes: &[u8]) -> std::result::Result<Vec<String>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    Ok(text.lines().map(str::to_string).collect())
}

/// Writes a generation's definitions and their analyzed pairs.
pub fn write_definitions(
    gen_dir: &Path,
    definitions: &[Definition],
    abbreviations: &[TermPair],
) -> Result<()> {
    let bytes = postcard::to_allocvec(definitions).expect("definitions serialize");
    write_durably(&gen_dir.join(DEFINITIONS), &bytes)?;
    let bytes = postcard::to_allocvec(abbreviations).expect("pairs serialize");
    write_durably(&gen_dir.join(ABBREVIATIONS), &bytes)
}

/// Writes a generation's word list (sorted).
pub fn write_words(gen_dir: &Path, words: &[String]) -> Result<()> {
    let mut text = words.join("\n");
    text.push('\n');
    write_durably(&gen_dir.join(WORDS), text.as_bytes())
}

/// Writes both manifest files durably.
pub fn write(gen_dir: &Path, summary: &Summary, files: &[impl Serialize]) -> Result<()> {
    write_files(gen_dir, files)?;
    let json = serde_json::to_vec_pretty(summary).expect("summary serializes");
    write_durably(&gen_dir.join(SUMMARY), &json)
}

/// Rewrites only the file list (after a run that found nothing to re-index).
pub fn write_files(gen_dir: &Path, files: &[impl Serialize]) -> Result<()> {
    let bytes = postcard::to_allocvec(files).expect("file entries serialize");
    write_durably(&gen_dir.join(FILES), &bytes)
}

/// Temp file, sync, rename: a reader sees the old file or the new one, never a part.
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_names_the_version_of_every_analysis_crate() {
        let fingerprint = fingerprint();
        assert!(fingerprint.starts_with(&format!("format {FORMAT_VERSION}, medsearch ")));
        for name in [
            "frostem",
            "tantivy",
            "unicode-segmentation",
            "pulldown-cmark",
        ] {
            let at = fingerprint
                .find(&format!("{name} "))
                .unwrap_or_else(|| panic!("{name} missing from {fingerprint}"));
            let version = fingerprint[at + name.len() + 1..]
                .split([',', ')'])
                .next()
                .unwrap();
            assert!(
                version.chars().next().is_some_and(|c| c.is_ascii_digit()),
                "{name} has no version in {fingerprint}"
            );
        }
    }
}
