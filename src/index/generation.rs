//! The index folder protocol: `CURRENT`, the writers' lock, generation folders, publishing,
//! clean-up, and the snapshot a reader holds.
//!
//! ```text
//! index/
//!   CURRENT          name of the live generation (written to CURRENT.tmp, synced, renamed)
//!   .lock            held by `medsearch index` while it writes, so two runs never interleave
//!   gen-<t>-<pid>/   one complete tantivy index plus medsearch's own files (see manifest)
//! ```
//!
//! **Writers** ([`super::update()`]) take the [`Lock`], [`create`] a generation folder beside
//! the live one, fill it (from scratch, or with [`link_from`]: hard links to the live
//! generation's files, which are never rewritten in place, so a changed file is written anew
//! under the same name and the link to the old one simply replaced), sync it, and [`publish`]
//! it: `CURRENT` is switched by an atomic rename, then every other generation folder is
//! removed. A run that fails or is killed leaves `CURRENT` naming the previous, complete
//! generation; the next writer removes the leftovers ([`remove_others`]). medsearch only
//! creates and removes `gen-*`, `CURRENT`, `CURRENT.tmp` and `.lock` inside the folder.
//!
//! **Readers never take the lock, and a reader's generation is a snapshot that cannot break.**
//! Rule: everything a reader may need from its generation is open from the moment it opens it
//! ([`Generation::open`]): tantivy's reader maps every segment file when it is created,
//! and medsearch's own files are held as open file handles ([`Held`]), read on first use. An
//! open file outlives its removal on Linux and macOS, so a writer removes old generations at
//! once and a search that opened one goes on reading the same, whole snapshot for as long as
//! it lives (a server for hours; the disk space is freed when it lets go). The one window is
//! the opening itself: a reader that finds files of its generation gone while opening reads
//! `CURRENT` again and starts over, for as long as `CURRENT` keeps changing
//! ([`Retry`]); a generation that is damaged while `CURRENT` stays on it is reported as
//! damaged.
//!
//! Every damaged or missing file is reported by [`corrupt`], which names the index folder (what
//! `medsearch index --full --index` takes), never a generation folder.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use super::manifest::{self, Summary};
use crate::analysis;
use crate::error::{Error, Result};
use crate::semantic::store::{self, Head, Segment, Stored};

/// The file naming the live generation.
pub const CURRENT: &str = "CURRENT";
/// The writers' lock file.
const LOCK: &str = ".lock";
/// Generation folders start with this.
pub const PREFIX: &str = "gen-";

/// How many times a reader starts over because `CURRENT` moved while it opened a generation.
/// Each start-over means a writer published a whole generation meanwhile, so this bounds only
/// a pathological stream of publications, not a damaged index (reported at once).
const MAX_REOPENS: usize = 100;

/// The error for a damaged index folder, naming the folder (not a generation).
pub fn corrupt(index_dir: &Path, reason: impl Into<String>) -> Error {
    Error::IndexCorrupt {
        path: index_dir.to_path_buf(),
        reason: reason.into(),
    }
}

/// Whether an index has been built at this location.
pub fn exists(index_dir: &Path) -> bool {
    index_dir.join(CURRENT).is_file()
}

/// Whether `dir` holds a medsearch index (built or being built) and nothing else: an index
/// kept inside its corpus folder is not part of the corpus.
pub fn holds_an_index(dir: &Path) -> bool {
    (dir.join(CURRENT).is_file() || dir.join(LOCK).is_file()) && is_ours_or_empty(dir)
}

/// Whether `dir` may hold a medsearch index: it is missing, empty, or holds only what
/// medsearch writes there (`CURRENT`, `.lock`, `gen-*` folders, temporary files) and hidden
/// files (the repository's `index/.gitignore`).
pub fn is_ours_or_empty(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return true;
    };
    entries.flatten().all(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name == CURRENT
            || name.starts_with('.')
            || name.starts_with(PREFIX)
            || name.starts_with(&format!("{CURRENT}."))
    })
}

/// The summary of generation `name`, read as it is (`None` when it cannot be read): what a
/// writer carries over even when it rebuilds an index it cannot open.
pub fn summary_of(index_dir: &Path, name: &str) -> Option<Summary> {
    let bytes = fs::read(index_dir.join(name).join(manifest::SUMMARY)).ok()?;
    manifest::decode_summary(&bytes).ok()
}

/// The name of the live generation, from `CURRENT` (`None` when there is no index).
pub fn live_name(index_dir: &Path) -> Result<Option<String>> {
    let text = match fs::read_to_string(index_dir.join(CURRENT)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(corrupt(index_dir, format!("{CURRENT}: {e}"))),
    };
    let name = text.trim();
    if !name.starts_with(PREFIX) || name.contains(['/', '\\']) {
        return Err(corrupt(
            index_dir,
            format!("{CURRENT} names '{name}', not a generation"),
        ));
    }
    Ok(Some(name.to_string()))
}

/// One of a generation's own files, held open from the moment the generation was opened and
/// read on demand: its content stays readable after a writer removes the generation.
pub struct Held {
    name: String,
    file: Mutex<File>,
}

impl Held {
    fn open(dir: &Path, name: &str) -> std::io::Result<Held> {
        Ok(Held {
            name: name.to_string(),
            file: Mutex::new(File::open(dir.join(name))?),
        })
    }

    /// The file's whole content (as it was when the generation was opened: generation files
    /// are never modified in place).
    fn read(&self) -> std::io::Result<Vec<u8>> {
        let mut file = self.lock();
        file.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Fills `buffer` with the file's bytes from `offset` on.
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> std::io::Result<()> {
        let mut file = self.lock();
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buffer)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, File> {
        self.file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file's size in bytes.
    fn len(&self) -> std::io::Result<u64> {
        Ok(self.lock().metadata()?.len())
    }
}

/// An opened generation: its summary, and its own files held open (see the module docs).
pub struct Generation {
    index_dir: PathBuf,
    name: String,
    /// Totals and provenance, read at open.
    pub summary: Summary,
    summary_bytes: u64,
    files: Held,
    definitions: Held,
    abbreviations: Held,
    words: Held,
    /// The vectors, when the summary says the generation has them.
    vectors: Option<VectorFiles>,
}

/// A generation's vectors: the head, read at open, and its files held open.
struct VectorFiles {
    head: Head,
    held: Held,
    segments: Vec<Held>,
}

impl Generation {
    /// Opens generation `name` of `index_dir` (as named by [`live_name`]): reads its summary
    /// and holds its other files open. An index made by another version of medsearch is
    /// [`Error::IndexOutdated`], a missing or unreadable file [`Error::IndexCorrupt`]. Readers
    /// call this, and open tantivy's files from [`Generation::dir`], inside a [`Retry`];
    /// writers under the [`Lock`].
    pub fn open(index_dir: &Path, name: &str) -> Result<Generation> {
        let dir = index_dir.join(name);
        let damaged =
            |file: &str, e: &dyn std::fmt::Display| corrupt(index_dir, format!("{file}: {e}"));
        let summary_bytes =
            fs::read(dir.join(manifest::SUMMARY)).map_err(|e| damaged(manifest::SUMMARY, &e))?;
        let summary =
            manifest::decode_summary(&summary_bytes).map_err(|e| damaged(manifest::SUMMARY, &e))?;
        if summary.fingerprint != manifest::fingerprint() {
            return Err(Error::IndexOutdated {
                path: index_dir.to_path_buf(),
                found: summary.fingerprint,
            });
        }
        let hold = |file: &str| Held::open(&dir, file).map_err(|e| damaged(file, &e));
        let vectors = match summary.vectors {
            Some(_) => {
                let held = hold(store::FILE)?;
                let bytes = held.read().map_err(|e| damaged(store::FILE, &e))?;
                let head = Head::decode(&bytes).map_err(|e| damaged(store::FILE, &e))?;
                let segments = head.segments.iter().map(|s| hold(&s.file));
                let segments = segments.collect::<Result<_>>()?;
                Some(VectorFiles {
                    head,
                    held,
                    segments,
                })
            }
            None => None,
        };
        Ok(Generation {
            summary,
            summary_bytes: summary_bytes.len() as u64,
            files: hold(manifest::FILES)?,
            definitions: hold(manifest::DEFINITIONS)?,
            abbreviations: hold(manifest::ABBREVIATIONS)?,
            words: hold(manifest::WORDS)?,
            vectors,
            index_dir: index_dir.to_path_buf(),
            name: name.to_string(),
        })
    }

    /// The index folder this generation belongs to.
    pub fn index_dir(&self) -> &Path {
        &self.index_dir
    }

    /// The generation's folder name (`gen-...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The generation's folder (for tantivy, which opens its own files from it).
    pub fn dir(&self) -> PathBuf {
        self.index_dir.join(&self.name)
    }

    /// The generation's tantivy index and a searcher on it (never reloaded: it maps every
    /// segment file now). A generation removed while this opened it, or damaged files, are
    /// [`Error::IndexCorrupt`] (tantivy panics on some damaged files where it should return an
    /// error: a panic here is a damaged index too).
    pub fn segments(&self) -> Result<(Index, Searcher)> {
        let open = || -> Result<(Index, Searcher)> {
            let dir = self.dir();
            let damaged = |e: &dyn std::fmt::Display| self.corrupt(e.to_string());
            let index = Index::open_in_dir(&dir).map_err(|e| damaged(&e))?;
            analysis::register(&index);
            let reader: IndexReader = index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(|e: tantivy::TantivyError| damaged(&e))?;
            let searcher = reader.searcher();
            // tantivy opens a missing positions file as an empty one (for schemas without
            // positions), so a generation removed while we opened it can look whole. A
            // positions file still there now was there when the reader opened it.
            for segment in searcher.segment_readers() {
                let positions = format!("{}.pos", segment.segment_id().uuid_string());
                if !dir.join(&positions).is_file() {
                    return Err(damaged(&format!("{positions} vanished while opening")));
                }
            }
            Ok((index, searcher))
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(open)).unwrap_or_else(|panic| {
            let message = crate::panic_message(&*panic);
            Err(self.corrupt(format!("a damaged file ({message})")))
        })
    }

    /// The error for a damaged file of this generation (naming the index folder).
    pub fn corrupt(&self, reason: impl Into<String>) -> Error {
        corrupt(&self.index_dir, reason)
    }

    /// Reads and decodes one of the held files.
    fn decode<T>(
        &self,
        held: &Held,
        decode: impl FnOnce(&[u8]) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let bytes = held
            .read()
            .map_err(|e| self.corrupt(format!("{}: {e}", held.name)))?;
        decode(&bytes).map_err(|e| self.corrupt(format!("{}: {e}", held.name)))
    }

    /// The corpus files the generation was built from, in path order (a list written out of
    /// order, by hand, is sorted).
    pub fn files(&self) -> Result<Vec<manifest::FileEntry>> {
        let mut files: Vec<manifest::FileEntry> =
            self.decode(&self.files, manifest::decode_postcard)?;
        if !files.is_sorted_by(|a, b| a.file.path < b.file.path) {
            files.sort_by(|a, b| a.file.path.cmp(&b.file.path));
        }
        Ok(files)
    }

    /// Every abbreviation definition of the corpus.
    pub fn definitions(&self) -> Result<Vec<crate::parse::Definition>> {
        self.decode(&self.definitions, manifest::decode_postcard)
    }

    /// The analyzed abbreviation pairs.
    pub fn abbreviations(&self) -> Result<Vec<crate::expand::TermPair>> {
        self.decode(&self.abbreviations, manifest::decode_postcard)
    }

    /// The corpus's words, sorted.
    pub fn words(&self) -> Result<Vec<String>> {
        self.decode(&self.words, manifest::decode_words)
    }

    /// The head of the semantic stage's vectors (an empty one when the generation has none).
    pub fn vector_head(&self) -> Head {
        self.vectors
            .as_ref()
            .map_or_else(Head::default, |v| v.head.clone())
    }

    /// The semantic stage's vectors: every segment's keys, and the numbers of the segments
    /// (by position in the head) for which `numbers` is true (none when the generation has
    /// none).
    pub fn vectors(&self, numbers: &dyn Fn(usize) -> bool) -> Result<Stored> {
        let Some(files) = &self.vectors else {
            return Ok(Stored::default());
        };
        let dims = files.head.dims();
        let mut segments = Vec::with_capacity(files.segments.len());
        for (i, (listed, held)) in files.head.segments.iter().zip(&files.segments).enumerate() {
            let damaged = |e: &dyn std::fmt::Display| self.corrupt(format!("{}: {e}", held.name));
            let len = held.len().map_err(|e| damaged(&e))?;
            let read = |offset, buffer: &mut [u8]| held.read_at(offset, buffer);
            let segment = Segment::read(len, listed.count, dims, numbers(i), read);
            segments.push(segment.map_err(|e| damaged(&e))?);
        }
        Ok(Stored {
            head: files.head.clone(),
            segments,
        })
    }

    /// The size of medsearch's own files of this generation, in bytes.
    pub fn own_bytes(&self) -> Result<u64> {
        let mut total = self.summary_bytes;
        for held in [
            &self.files,
            &self.definitions,
            &self.abbreviations,
            &self.words,
        ]
        .into_iter()
        .chain(
            self.vectors
                .iter()
                .flat_map(|v| [&v.held].into_iter().chain(&v.segments)),
        ) {
            total += held
                .len()
                .map_err(|e| self.corrupt(format!("{}: {e}", held.name)))?;
        }
        Ok(total)
    }
}

/// Opening a generation as a reader, starting over while writers publish (see the module docs).
pub struct Retry {
    index_dir: PathBuf,
    attempts: usize,
}

impl Retry {
    /// A reader about to open the live generation of `index_dir`.
    pub fn new(index_dir: &Path) -> Retry {
        Retry {
            index_dir: index_dir.to_path_buf(),
            attempts: 0,
        }
    }

    /// Whether an attempt on generation `tried` that failed should start over: `CURRENT` now
    /// names another generation (published meanwhile), and there were not too many attempts.
    pub fn again(&mut self, tried: &str) -> bool {
        self.attempts += 1;
        let now = live_name(&self.index_dir).ok().flatten();
        self.attempts < MAX_REOPENS && now.as_deref() != Some(tried)
    }
}

/// The writers' lock on an index folder, held until dropped.
pub struct Lock {
    _file: File,
}

/// How often a writer waiting for the lock checks whether it is free (and whether to stop).
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl Lock {
    /// Takes the lock. While another writer holds it, calls `waiting` every [`LOCK_POLL`];
    /// `None` when `waiting` says to stop waiting.
    pub fn take(index_dir: &Path, mut waiting: impl FnMut() -> bool) -> Result<Option<Lock>> {
        let path = index_dir.join(LOCK);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(Lock { _file: file })),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if !waiting() {
                        return Ok(None);
                    }
                    std::thread::sleep(LOCK_POLL);
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }
    }
}

/// Creates a new, empty generation folder: its name and path.
pub fn create(index_dir: &Path) -> Result<(String, PathBuf)> {
    let name = format!(
        "{PREFIX}{}-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
        std::process::id()
    );
    let dir = index_dir.join(&name);
    fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok((name, dir))
}

/// Fills a new generation folder with hard links to every file of `base` (copies where links
/// are impossible) except the summary and the file list, which every new generation writes.
/// The other files of ours stay linked unless the writer replaces them with new content.
pub fn link_from(base: &Generation, dir: &Path) -> Result<()> {
    let base_dir = base.dir();
    let entries = fs::read_dir(&base_dir).map_err(|e| base.corrupt(e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| base.corrupt(e.to_string()))?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        let rewritten = name_str == manifest::SUMMARY || name_str == manifest::FILES;
        if rewritten || name_str.ends_with(".lock") || !entry.path().is_file() {
            continue;
        }
        let target = dir.join(&name);
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
        }
    }
    Ok(())
}

/// Makes generation `name` the live one (`CURRENT` written to a temp file, synced, renamed over
/// `CURRENT`, the folder synced), then removes every other generation. An error means the
/// generation is not live: once the rename is done, the folder's sync is best effort (its
/// failure weakens only the rename's durability against a power cut, which the next
/// publication's sync restores), so a caller never removes a generation `CURRENT` names.
pub fn publish(index_dir: &Path, name: &str) -> Result<()> {
    let tmp = index_dir.join(format!("{CURRENT}.tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = File::create(&tmp)?;
        f.write_all(name.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, index_dir.join(CURRENT))
    };
    write().map_err(|e| Error::io(&tmp, e))?;
    let _ = File::open(index_dir).and_then(|d| d.sync_all());
    remove_others(index_dir, Some(name));
    Ok(())
}

/// Removes every `gen-*` folder but `keep` (best effort: a failure only leaves litter, which
/// the next writer removes). Readers that opened a removed generation keep their snapshot.
pub fn remove_others(index_dir: &Path, keep: Option<&str>) {
    let Ok(entries) = fs::read_dir(index_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PREFIX) && Some(name.as_ref()) != keep && entry.path().is_dir() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
