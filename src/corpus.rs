//! The corpus folder: which files are documents ([`scan`]), and reading them into documents
//! ([`ingest`]).
//!
//! Rules: the folder is walked recursively; files whose extension names a
//! [`Format`] are documents. Hidden files and folders (name starting with `.`) and editor
//! leftovers (`*~`, `*.swp`, `*.swo`, `#*#`) are ignored, and so is the synonyms file
//! (`synonyms.txt` at the root, [`crate::expand::synonyms`]), and so is a folder holding a
//! medsearch index (an index kept inside its corpus: the caller says which folders do, so
//! this module knows nothing of the index's layout). Symbolic links are not followed, so
//! nothing outside the corpus folder is read through one. A document that cannot be read, is not
//! UTF-8, or holds no text is skipped with a reason; the others are indexed. In a JSONL file,
//! bad lines are skipped one by one.

use std::borrow::Cow;
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::expand::synonyms;
use crate::parse::{self, Document, Format, html};

/// Where the corpus is when no location is given (relative to the working folder).
pub const DEFAULT_FOLDER: &str = "corpus";

/// One document file found in the corpus, with what is needed to tell whether it changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CorpusFile {
    /// Path relative to the corpus root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u64,
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Path relative to the corpus root (or the walk error's path).
    pub path: String,
    /// The line left out, when only a line of the file was (a JSONL document); else the whole
    /// file was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Why it was skipped, e.g. "not valid UTF-8 (line 3, byte 15)".
    pub reason: String,
}

/// Lists the corpus's document files, sorted by path. Errors when the folder is missing;
/// unreadable entries come back as [`Skipped`]. The walk goes one folder level at a time, the
/// folders of a level on all cores, and takes each file's size and time with a stat relative
/// to its open folder (`DirEntry::metadata`): a corpus can hold a hundred thousand files, and
/// the stats are most of the cost of an update that finds nothing to do. A folder for which
/// `is_index` holds is not walked ([`crate::index::generation::holds_an_index`]).
pub fn scan(root: &Path, is_index: fn(&Path) -> bool) -> Result<(Vec<CorpusFile>, Vec<Skipped>)> {
    Error::check_folder("corpus", root)?;
    if !root.is_dir() {
        return Err(Error::CorpusMissing(root.to_path_buf()));
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut level = vec![String::new()];
    while !level.is_empty() {
        let mut next = Vec::new();
        for listing in parallel_map(&level, |dir| list_folder(root, dir, is_index)) {
            files.extend(listing.files);
            skipped.extend(listing.skipped);
            next.extend(listing.folders);
        }
        level = next;
    }
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok((files, skipped))
}

/// What one folder holds: document files, subfolders (relative paths) and what was skipped.
#[derive(Default)]
struct Listing {
    files: Vec<CorpusFile>,
    folders: Vec<String>,
    skipped: Vec<Skipped>,
}

/// Lists the folder `dir` (relative to `root`, `""` for the root itself) without descending.
/// Symbolic links are neither files nor folders here, so they are not followed; one that
/// would be a document or a folder is reported as skipped.
fn list_folder(root: &Path, dir: &str, is_index: fn(&Path) -> bool) -> Listing {
    let mut listing = Listing::default();
    let mut skip = |path: &str, reason: &dyn std::fmt::Display| {
        listing.skipped.push(Skipped {
            path: path.to_string(),
            line: None,
            reason: reason.to_string(),
        })
    };
    let entries = match std::fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(err) => {
            skip(if dir.is_empty() { "." } else { dir }, &err);
            return listing;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                skip(dir, &err);
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ignored_name(&name) || (dir.is_empty() && name == synonyms::FILE) {
            continue;
        }
        let path = if dir.is_empty() {
            name.into_owned()
        } else {
            format!("{dir}/{name}")
        };
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => {
                if !is_index(&root.join(&path)) {
                    listing.folders.push(path);
                }
            }
            Ok(kind) if kind.is_file() && Format::of(Path::new(&path)).is_some() => {
                match entry.metadata() {
                    Ok(meta) => listing.files.push(CorpusFile {
                        path,
                        size: meta.len(),
                        mtime_ns: mtime_ns(&meta),
                    }),
                    Err(err) => skip(&path, &err),
                }
            }
            Ok(kind) if kind.is_symlink() => {
                let target = std::fs::metadata(entry.path());
                let relevant = target.as_ref().map_or(true, |m| {
                    m.is_dir() || Format::of(Path::new(&path)).is_some()
                });
                if relevant {
                    skip(&path, &"a symbolic link (medsearch does not follow links)");
                }
            }
            Ok(_) => {}
            Err(err) => skip(&path, &err),
        }
    }
    listing
}

/// A file's modification time in nanoseconds since the Unix epoch (0 when unknown).
fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// `f` applied to every item, on all cores (contiguous chunks, one thread each), in order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads == 1 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker thread"))
            .collect()
    })
}

/// A corpus file read and parsed.
#[derive(Debug)]
pub struct Ingested {
    /// [`hash`] of its content.
    pub hash: u128,
    /// Its documents (one, or one per good line of a JSONL file), never none.
    pub documents: Vec<Document>,
    /// What the reader should know about how it was read (an HTML page cut at its size limit,
    /// an encoding guessed).
    pub warnings: Vec<String>,
}

/// The content hash by which medsearch tells a changed file from a touched one (xxh3-128).
pub fn hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Reads one corpus file and makes its documents, each step once: read, hash, decode (UTF-8;
/// an HTML page by its declared encoding, [`html::decode`]),
/// parse in its format (records and abbreviation definitions). `None` when the file yields
/// nothing to index; the reason goes to `skipped`, as do single JSONL lines left out.
pub fn ingest(root: &Path, path: &str, skipped: &mut Vec<Skipped>) -> Option<Ingested> {
    let mut skip = |line: Option<usize>, reason: String| {
        skipped.push(Skipped {
            path: path.to_string(),
            line,
            reason,
        });
    };
    let bytes = match std::fs::read(root.join(path)) {
        Ok(bytes) => bytes,
        Err(e) => {
            skip(None, e.to_string());
            return None;
        }
    };
    let Some(format) = Format::of(Path::new(path)) else {
        skip(None, "unsupported file type".into());
        return None;
    };
    let mut warnings = Vec::new();
    let text = match format {
        Format::Html => match html::decode(&bytes, &mut warnings) {
            Ok(text) => text,
            Err(reason) => {
                skip(None, reason);
                return None;
            }
        },
        _ => match std::str::from_utf8(&bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(e) => {
                let at = e.valid_up_to();
                let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                skip(None, format!("not valid UTF-8 (line {line}, byte {at})"));
                return None;
            }
        },
    };
    let mut notes = parse::Notes::default();
    let documents = parse::parse_file(path, format, &text, &mut notes);
    for (line, reason) in notes.lines_left_out {
        skip(Some(line), reason);
    }
    warnings.extend(notes.warnings);
    if documents.is_empty() {
        skip(
            None,
            match format {
                Format::Jsonl => "no documents in the file".into(),
                _ => "no text to index".into(),
            },
        );
        return None;
    }
    Some(Ingested {
        hash: hash(&bytes),
        documents,
        warnings,
    })
}

fn ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || (name.starts_with('#') && name.ends_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_leftovers_and_hidden_files_are_ignored() {
        for name in [
            ".hidden.txt",
            "page.txt~",
            ".page.txt.swp",
            "#page.txt#",
            ".git",
        ] {
            assert!(ignored_name(name), "{name}");
        }
        assert!(!ignored_name("page.txt"));
    }
}
