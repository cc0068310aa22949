//! What a generation records about the corpus it was built from.
//!
//! Two files sit beside the tantivy index in each generation: `medsearch.json`, a small
//! [`Summary`] read by every search (counts, fingerprint, build time), and `files.json`, one
//! [`FileEntry`] per corpus file, read only when indexing or checking staleness (it grows with
//! the corpus). The [`fingerprint`] covers everything that changes what indexing produces; an
//! index whose fingerprint differs is rebuilt in full.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::corpus::{CorpusFile, Skipped};
use crate::error::{Error, Result};

const SUMMARY: &str = "medsearch.json";
const FILES: &str = "files.json";

/// Bumped whenever the schema, parser or analyzer change what an index holds.
pub const FORMAT_VERSION: u32 = 2;

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

/// One corpus file as indexed (`files.json`); a skipped file has no documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path, size and modification time when it was read.
    #[serde(flatten)]
    pub file: CorpusFile,
    /// xxh3-128 of the content, hex.
    pub hash: String,
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
            hash: String::new(),
            documents: 0,
            sections: 0,
            references: 0,
            reviewers: 0,
        }
    }
}

/// Content hash as stored in [`FileEntry::hash`].
pub fn hash(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> std::result::Result<T, String> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{name}: {e}"))
}

/// Reads a generation's summary.
pub fn read_summary(gen_dir: &Path) -> std::result::Result<Summary, String> {
    read_json(&gen_dir.join(SUMMARY))
}

/// Reads a generation's file list.
pub fn read_files(gen_dir: &Path) -> std::result::Result<Vec<FileEntry>, String> {
    read_json(&gen_dir.join(FILES))
}

/// Writes both manifest files durably (temp file, sync, rename).
pub fn write(gen_dir: &Path, summary: &Summary, files: &[FileEntry]) -> Result<()> {
    write_json(&gen_dir.join(FILES), &files)?;
    write_json(&gen_dir.join(SUMMARY), summary)
}

/// Rewrites only the file list (after a run that found nothing to re-index).
pub fn write_files(gen_dir: &Path, files: &[FileEntry]) -> Result<()> {
    write_json(&gen_dir.join(FILES), &files)
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        serde_json::to_writer(&mut f, value)?;
        f.flush()?;
        f.get_ref().sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| Error::io(path, e))
}
