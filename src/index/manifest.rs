//! What a generation records about the corpus it was built from.
//!
//! Two files sit beside the tantivy index in each generation: `medsearch.json`, a small
//! [`Summary`] read by every search (counts, fingerprint, build time), and `files.bin`, one
//! [`FileEntry`] per corpus file in path order, read only when indexing or checking staleness.
//! It grows with the corpus and is read by every `index` run, so it is compact binary
//! (postcard): a tenth of the time JSON took to parse at 10,000 files. The [`fingerprint`] covers everything that changes what indexing produces; an
//! index whose fingerprint differs is rebuilt in full.
//!
//! Three more files serve query expansion; a new generation rewrites them only when they
//! change (else they stay hard-linked from the previous one), and a run that changes nothing
//! does not read them: `definitions.bin`, every abbreviation definition
//! with its file and line (for `medsearch abbreviations`, and carried over by incremental
//! updates); `abbreviations.bin`, their distinct analyzed pairs, read by every search; and
//! `words.txt`, the corpus's words, one per line, read when a query word has no match (typo
//! correction). An incremental update adds the words of the files it reads to the previous
//! list, so words of removed files stay until the next full build.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::corpus::{CorpusFile, Skipped};
use crate::error::{Error, Result};
use crate::expand::{Definition, TermPair};

const SUMMARY: &str = "medsearch.json";
const FILES: &str = "files.bin";
const DEFINITIONS: &str = "definitions.bin";
const ABBREVIATIONS: &str = "abbreviations.bin";
const WORDS: &str = "words.txt";

/// Bumped whenever the schema, parser or analyzer change what an index holds.
pub const FORMAT_VERSION: u32 = 7;

/// The fingerprint of this build of medsearch's indexing: format and version.
pub fn fingerprint() -> String {
    format!(
        "format {FORMAT_VERSION}, medsearch {}",
        env!("CARGO_PKG_VERSION")
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
}

/// One corpus file as indexed (`files.bin`); a skipped file has no documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path, size and modification time when it was read.
    pub file: CorpusFile,
    /// xxh3-128 of the content (0 for a skipped file).
    pub hash: u128,
    /// Documents the file produced.
    pub documents: usize,
    /// Its section records.
    pub sections: usize,
    /// Its reference records.
    pub references: usize,
    /// Its reviewer records.
    pub reviewers: usize,
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
        }
    }
}

/// Content hash as stored in [`FileEntry::hash`].
pub fn hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Reads a generation's summary.
pub fn read_summary(gen_dir: &Path) -> std::result::Result<Summary, String> {
    let bytes = std::fs::read(gen_dir.join(SUMMARY)).map_err(|e| format!("{SUMMARY}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{SUMMARY}: {e}"))
}

/// Reads a generation's file list.
pub fn read_files(gen_dir: &Path) -> std::result::Result<Vec<FileEntry>, String> {
    read_postcard(gen_dir, FILES)
}

/// Reads a generation's abbreviation definitions.
pub fn read_definitions(gen_dir: &Path) -> std::result::Result<Vec<Definition>, String> {
    read_postcard(gen_dir, DEFINITIONS)
}

/// Reads a generation's analyzed abbreviation pairs.
pub fn read_abbreviations(gen_dir: &Path) -> std::result::Result<Vec<TermPair>, String> {
    read_postcard(gen_dir, ABBREVIATIONS)
}

/// Reads a generation's word list.
pub fn read_words(gen_dir: &Path) -> std::result::Result<Vec<String>, String> {
    let text = std::fs::read_to_string(gen_dir.join(WORDS)).map_err(|e| format!("{WORDS}: {e}"))?;
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

fn read_postcard<T: serde::de::DeserializeOwned>(
    gen_dir: &Path,
    name: &str,
) -> std::result::Result<T, String> {
    let bytes = std::fs::read(gen_dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
    postcard::from_bytes(&bytes).map_err(|e| format!("{name}: {e}"))
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
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
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
