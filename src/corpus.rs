//! The corpus folder: which files are documents, and reading them.
//!
//! Rules: the folder is walked recursively; files whose extension names a
//! [`Format`] are documents. Hidden files and folders (name starting with `.`) and editor
//! leftovers (`*~`, `*.swp`, `*.swo`, `#*#`) are ignored. Symbolic links are not followed, so
//! nothing outside the corpus folder is read through one. A document that cannot be read, is not
//! UTF-8, or holds no text is skipped with a reason; the others are indexed. In a JSONL file,
//! bad lines are skipped one by one.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::parse::{self, Document, Format};

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
    /// Why it was skipped, e.g. "not valid UTF-8 (byte 12)".
    pub reason: String,
}

/// Lists the corpus's document files, sorted by path. Errors when the folder is missing;
/// unreadable entries come back as [`Skipped`]. The walk reads folders only; the files' sizes
/// and times are then fetched on all cores (a stat costs microseconds, and a corpus can hold
/// a hundred thousand files).
pub fn scan(root: &Path) -> Result<(Vec<CorpusFile>, Vec<Skipped>)> {
    if !root.is_dir() {
        return Err(Error::CorpusMissing(root.to_path_buf()));
    }
    let mut candidates = Vec::new();
    let mut skipped = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && Format::of(e.path()).is_some() => {
                candidates.push((relative(root, e.path()), e.into_path()));
            }
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                skipped.push(Skipped {
                    path: relative(root, &path),
                    reason: err.to_string(),
                });
            }
        }
    }
    candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let stats = parallel_map(&candidates, |(_, abs)| std::fs::symlink_metadata(abs));
    let mut files = Vec::with_capacity(candidates.len());
    for ((path, _), stat) in candidates.into_iter().zip(stats) {
        match stat {
            Ok(meta) => files.push(CorpusFile {
                path,
                size: meta.len(),
                mtime_ns: meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            }),
            Err(err) => skipped.push(Skipped {
                path,
                reason: err.to_string(),
            }),
        }
    }
    Ok((files, skipped))
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

/// Reads a corpus file's bytes; the error is the reason to give for skipping it.
pub fn read(root: &Path, path: &str) -> std::result::Result<Vec<u8>, String> {
    std::fs::read(root.join(path)).map_err(|e| e.to_string())
}

/// Parses a corpus file's bytes into its documents (one, or one per line of a JSONL file).
/// What could not be used goes to `skipped`: the whole file, or single JSONL lines.
pub fn parse(path: &str, bytes: &[u8], skipped: &mut Vec<Skipped>) -> Vec<Document> {
    let mut skip = |reason: String| {
        skipped.push(Skipped {
            path: path.to_string(),
            reason,
        });
        Vec::new()
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return skip(format!("not valid UTF-8 (byte {})", e.valid_up_to())),
    };
    let Some(format) = Format::of(Path::new(path)) else {
        return skip("unsupported file type".into());
    };
    if format == Format::Jsonl {
        let mut problems = Vec::new();
        let docs = parse::jsonl::documents(path, text, &mut problems);
        for (line, reason) in problems {
            skip(format!("line {line}: {reason}"));
        }
        if docs.is_empty() {
            return skip("no documents in the file".into());
        }
        return docs;
    }
    match parse::parse_document(path, format, text) {
        Some(doc) => vec![doc],
        None => skip("no text to index".into()),
    }
}

fn ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || (name.starts_with('#') && name.ends_with('#'))
}

/// `path` relative to `root`, `/`-separated on every platform.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        rel.into_owned()
    } else {
        rel.replace(std::path::MAIN_SEPARATOR, "/")
    }
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
