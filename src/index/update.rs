//! `medsearch index`: bring the index up to date with the corpus, incrementally or in full.
//!
//! An incremental run compares the corpus with the live generation's `files.bin`. A file whose
//! size and modification time are unchanged is not read. Otherwise it is read and hashed: the
//! same hash means unchanged (only its recorded time is refreshed); a new hash means changed:
//! all its old records are deleted (by path) and its new ones added. Files gone from the corpus
//! lose all their records; a renamed file is a removal plus an addition. A file that cannot be
//! read or parsed is reported and skipped; if an earlier version of it was indexed, that
//! version's records are kept (and the next run tries the file again), so a bad save never
//! makes a page vanish from search.
//!
//! Changes go into a new generation made of hard links to the live one's segment files (tantivy
//! never rewrites a segment file) plus the new segments and deletes; `CURRENT` switches to it
//! when it is complete. A full build (`--full`, no index yet, or an index whose fingerprint
//! differs from this medsearch's) writes a generation from scratch. A run that finds nothing to
//! change writes no generation.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tantivy::{Index, IndexWriter, Term};

use super::manifest::{self, FileEntry, Summary};
use super::{CURRENT, Fields, GENERATION_PREFIX, LOCK, current_generation, exists};
use crate::analysis::{self, Vocabulary};
use crate::corpus::{self, CorpusFile, Skipped};
use crate::error::{Error, Result};
use crate::expand::{self, Definition, abbrev};
use crate::parse::{Document, Format, RecordKind};
use rustc_hash::FxHashSet as HashSet;

/// Memory budget of the index writer, shared by its threads (the bound on its heap use).
pub const WRITER_HEAP_BYTES: usize = 256 * 1024 * 1024;

/// Below this many documents to add, an update uses one writer thread and [`SMALL_HEAP_BYTES`].
const SMALL_UPDATE: usize = 1000;
/// The writer heap of a small update.
const SMALL_HEAP_BYTES: usize = 32 * 1024 * 1024;

/// How to bring the index up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Re-index only what changed (a full build when there is no usable index).
    Incremental,
    /// Rebuild everything.
    Full,
}

/// What a run did.
#[derive(Debug)]
pub struct UpdateReport {
    /// Why the run rebuilt in full, if it did.
    pub full: Option<String>,
    /// What happened to the corpus files.
    pub counts: Counts,
    /// Totals of the live generation after the run.
    pub summary: Summary,
    /// Wall time.
    pub elapsed: Duration,
}

/// What an update did with each corpus file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Files indexed for the first time.
    pub added: usize,
    /// Files re-indexed because their content changed.
    pub changed: usize,
    /// Files whose records were removed.
    pub removed: usize,
    /// Files left as they were.
    pub unchanged: usize,
    /// Unreadable or unparsable files whose previous records were kept.
    pub kept: usize,
}

/// A file's new manifest entry and the documents it parsed into.
type Parsed = (FileEntry, Vec<Document>, Vec<Definition>);

/// Files are read, parsed and handed to the index writer in batches of this many, so parsing
/// overlaps indexing and memory holds one batch of parsed documents, not the corpus.
const BATCH: usize = 512;

/// What reading one file gave: its new state (when it had to be read) and the reasons for
/// anything skipped in it.
enum FileState {
    /// Size and modification time unchanged: not read.
    Same,
    /// Read: its entry and documents, or nothing usable.
    Read(Option<Parsed>, Vec<Skipped>),
}

/// Brings the index at `index_dir` up to date with `corpus_dir`. `warn` hears about every
/// file (or JSONL line) skipped.
pub fn update(
    corpus_dir: &Path,
    index_dir: &Path,
    mode: Mode,
    warn: &mut dyn FnMut(&Skipped),
) -> Result<UpdateReport> {
    let started = Instant::now();
    let (files, mut skipped) = corpus::scan(corpus_dir)?;
    if !exists(index_dir) && !super::is_ours_or_empty(index_dir) {
        return Err(Error::NotAnIndex(index_dir.to_path_buf()));
    }
    fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
    let _lock = lock(index_dir)?;
    let live = current_generation(index_dir)
        .ok()
        .filter(|_| exists(index_dir));
    remove_generations(index_dir, live.as_deref());

    let previous = match (mode, &live) {
        (Mode::Full, _) => Err("--full".to_string()),
        (Mode::Incremental, None) => Err("no index yet".to_string()),
        (Mode::Incremental, Some(dir)) => previous_state(dir),
    };
    let full = previous.as_ref().err().cloned();
    let mut previous = previous.unwrap_or_default();
    // A file list is written in path order; one that is not (an edited index) is sorted.
    if !previous.is_sorted_by(|a, b| a.file.path < b.file.path) {
        previous.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    }
    let (prev_of, gone) = pair(&files, &previous);
    let to_read = files
        .iter()
        .zip(&prev_of)
        .filter(|(f, p)| p.is_none_or(|p| p.file != **f))
        .count();

    let mut report = Counts::default();
    // Borrowed where the previous entry stands as it was; `rewrite` notes any other change.
    let mut entries: Vec<Cow<FileEntry>> = Vec::with_capacity(files.len());
    let mut rewrite = false;
    let mut generation: Option<NewGeneration> = None;
    let base = live.as_deref().filter(|_| full.is_none());
    let open = |generation: &mut Option<NewGeneration>| -> Result<()> {
        if generation.is_none() {
            *generation = Some(NewGeneration::start(index_dir, base, to_read)?);
        }
        Ok(())
    };
    if full.is_some() {
        open(&mut generation)?;
    }
    for (batch, prevs) in files.chunks(BATCH).zip(prev_of.chunks(BATCH)) {
        let same: Vec<bool> = batch
            .iter()
            .zip(prevs)
            .map(|(f, p)| p.is_some_and(|p| p.file == *f))
            .collect();
        let changed: Vec<&CorpusFile> = batch
            .iter()
            .zip(&same)
            .filter(|(_, same)| !**same)
            .map(|(f, _)| f)
            .collect();
        let mut read = corpus::parallel_map(&changed, |file| {
            let mut skipped = Vec::new();
            let parsed = read_file(corpus_dir, (*file).clone(), &mut skipped);
            FileState::Read(parsed, skipped)
        })
        .into_iter();
        for ((file, same), &prev) in batch.iter().zip(same).zip(prevs) {
            let outcome = if same {
                FileState::Same
            } else {
                read.next().expect("one per file")
            };
            match (outcome, prev) {
                (FileState::Same, Some(prev)) => {
                    report.unchanged += 1;
                    entries.push(Cow::Borrowed(prev));
                }
                (FileState::Same, None) => {
                    unreachable!("a file is the same only as a previous one")
                }
                (FileState::Read(parsed, reasons), prev) => {
                    skipped.extend(reasons);
                    match (parsed, prev) {
                        (Some((entry, ..)), Some(prev)) if prev.hash == entry.hash => {
                            report.unchanged += 1;
                            rewrite = true;
                            entries.push(Cow::Owned(FileEntry {
                                file: file.clone(),
                                ..prev.clone()
                            }));
                        }
                        (Some((entry, docs, definitions)), prev) => {
                            open(&mut generation)?;
                            let generation = generation.as_mut().expect("opened");
                            if prev.is_some() {
                                report.changed += 1;
                                generation.delete(&file.path);
                            } else {
                                report.added += 1;
                            }
                            generation.add(&docs, definitions)?;
                            entries.push(Cow::Owned(entry));
                        }
                        // Unusable now: keep the previous version's records (and its entry,
                        // so the file still reads as changed and is tried again), or note it
                        // as skipped.
                        (None, Some(prev)) => {
                            report.kept += 1;
                            entries.push(Cow::Borrowed(prev));
                        }
                        (None, None) => {
                            rewrite = true;
                            entries.push(Cow::Owned(FileEntry::skipped(file.clone())));
                        }
                    }
                }
            }
        }
    }
    report.removed = gone.len();
    if !gone.is_empty() {
        open(&mut generation)?;
        let generation = generation.as_mut().expect("opened");
        gone.iter()
            .for_each(|gone| generation.delete(&gone.file.path));
    }
    skipped.iter().for_each(&mut *warn);
    if !entries.iter().any(|e| e.documents > 0) {
        if let Some(generation) = generation {
            generation.abandon();
        }
        return Err(Error::CorpusEmpty(corpus_dir.to_path_buf()));
    }

    let summary = totals(&entries, skipped);
    match (generation, &live) {
        (Some(generation), _) => generation.finish(index_dir, &summary, &entries)?,
        (None, Some(live)) if rewrite || entries.len() != previous.len() => {
            manifest::write_files(live, &entries)?
        }
        (None, _) => {}
    }
    Ok(UpdateReport {
        full,
        counts: report,
        summary,
        elapsed: started.elapsed(),
    })
}

/// Pairs each corpus file (sorted by path) with its previous entry, by a merge of the two
/// sorted lists, and returns the previous entries no file has any more. An entry without
/// documents is a file that was skipped: it pairs with nothing, so the file is read again.
fn pair<'a>(
    files: &[CorpusFile],
    previous: &'a [FileEntry],
) -> (Vec<Option<&'a FileEntry>>, Vec<&'a FileEntry>) {
    let mut prev_of = Vec::with_capacity(files.len());
    let mut gone = Vec::new();
    let mut old = previous.iter().filter(|e| e.documents > 0).peekable();
    for file in files {
        while let Some(p) = old.next_if(|p| p.file.path < file.path) {
            gone.push(p);
        }
        prev_of.push(old.next_if(|p| p.file.path == file.path));
    }
    gone.extend(old);
    (prev_of, gone)
}

/// The live generation's file list, or why it cannot be built upon.
fn previous_state(gen_dir: &Path) -> std::result::Result<Vec<FileEntry>, String> {
    let summary = manifest::read_summary(gen_dir).map_err(|e| format!("unreadable index ({e})"))?;
    if summary.fingerprint != manifest::fingerprint() {
        return Err(format!("index made by {}", summary.fingerprint));
    }
    manifest::read_files(gen_dir).map_err(|e| format!("unreadable index ({e})"))
}

/// Reads, hashes and parses one file; `None` (with the reason in `skipped`) when it yields
/// nothing to index.
fn read_file(root: &Path, file: corpus::CorpusFile, skipped: &mut Vec<Skipped>) -> Option<Parsed> {
    let bytes = match corpus::read(root, &file.path) {
        Ok(bytes) => bytes,
        Err(reason) => {
            skipped.push(Skipped {
                path: file.path,
                reason,
            });
            return None;
        }
    };
    let docs = corpus::parse(&file.path, &bytes, skipped);
    if docs.is_empty() {
        return None;
    }
    let definitions = match (
        std::str::from_utf8(&bytes),
        Format::of(Path::new(&file.path)),
    ) {
        (Ok(text), Some(format)) => abbrev::in_file(&file.path, format, text, &docs),
        _ => Vec::new(),
    };
    let count = |kind| {
        docs.iter()
            .flat_map(|d| &d.records)
            .filter(|r| r.kind == kind)
            .count()
    };
    let entry = FileEntry {
        hash: manifest::hash(&bytes),
        documents: docs.len(),
        sections: count(RecordKind::Section),
        references: count(RecordKind::Reference),
        reviewers: count(RecordKind::Reviewer),
        file,
    };
    Some((entry, docs, definitions))
}

fn totals(entries: &[Cow<FileEntry>], skipped: Vec<Skipped>) -> Summary {
    let sum = |f: fn(&FileEntry) -> usize| entries.iter().map(|e| f(e)).sum();
    Summary {
        fingerprint: manifest::fingerprint(),
        built_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        files: entries.iter().filter(|e| e.documents > 0).count(),
        documents: sum(|e| e.documents),
        sections: sum(|e| e.sections),
        references: sum(|e| e.references),
        reviewers: sum(|e| e.reviewers),
        skipped,
    }
}

/// A generation being written: from `base`'s segments (hard links) when given, else from
/// scratch. [`NewGeneration::finish`] commits it and makes it live.
struct NewGeneration {
    name: String,
    dir: PathBuf,
    /// The generation built upon, if any.
    base: Option<PathBuf>,
    fields: Fields,
    writer: IndexWriter,
    /// Words seen by the writer's analyzers.
    vocabulary: Vocabulary,
    /// Definitions in the files indexed by this run.
    fresh: Vec<Definition>,
    /// Files whose previous definitions are void (re-indexed or removed).
    replaced: HashSet<String>,
}

impl NewGeneration {
    /// Creates the folder and a writer sized for about `changes` files to index.
    fn start(index_dir: &Path, base: Option<&Path>, changes: usize) -> Result<Self> {
        let name = format!(
            "{GENERATION_PREFIX}{}-{}",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
            std::process::id()
        );
        let dir = index_dir.join(&name);
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let index = match base {
            Some(base) => {
                link_segments(base, &dir)?;
                Index::open_in_dir(&dir)?
            }
            None => Index::create_in_dir(&dir, Fields::schema())?,
        };
        let vocabulary = Vocabulary::default();
        analysis::register_collecting(&index, &vocabulary);
        let fields =
            Fields::from_schema(&index.schema()).map_err(|reason| Error::IndexCorrupt {
                path: dir.clone(),
                reason,
            })?;
        // Small updates go faster on one thread with a small heap than on many with a large one.
        let (threads, heap) = match changes {
            0..SMALL_UPDATE => (1, SMALL_HEAP_BYTES),
            _ => (
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(8),
                WRITER_HEAP_BYTES,
            ),
        };
        let writer = index.writer_with_num_threads(threads, heap)?;
        Ok(NewGeneration {
            name,
            dir,
            base: base.map(Path::to_path_buf),
            fields,
            writer,
            vocabulary,
            fresh: Vec::new(),
            replaced: HashSet::default(),
        })
    }

    /// Deletes every record (and definition) of a corpus file.
    fn delete(&mut self, path: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.path, path));
        self.replaced.insert(path.to_string());
    }

    /// Adds the records of parsed documents and the definitions found in their file.
    fn add(&mut self, docs: &[Document], definitions: Vec<Definition>) -> Result<()> {
        self.fresh.extend(definitions);
        for doc in docs {
            for record in self.fields.document(doc) {
                self.writer.add_document(record)?;
            }
        }
        Ok(())
    }

    /// Commits, records the manifest, switches `CURRENT` to this generation and removes the
    /// others.
    fn finish(
        mut self,
        index_dir: &Path,
        summary: &Summary,
        entries: &[Cow<FileEntry>],
    ) -> Result<()> {
        self.writer.commit()?;
        // After the commit: the writer's threads have analyzed every document by then.
        self.write_expansions()?;
        self.writer.wait_merging_threads()?;
        manifest::write(&self.dir, summary, entries)?;
        switch_current(index_dir, &self.name)?;
        remove_generations(index_dir, Some(&self.dir));
        Ok(())
    }

    /// Writes the definitions (the base's, less those of files re-indexed or removed, plus
    /// this run's) with their analyzed pairs, and the words (the base's and this run's). Files
    /// that would not change are left as linked from the base: an edit that keeps a page's
    /// abbreviations and words (most edits) rewrites neither.
    fn write_expansions(&mut self) -> Result<()> {
        // A damaged base names the index folder, which `index --full --index` takes.
        let corrupt = |reason| Error::IndexCorrupt {
            path: self.dir.parent().unwrap_or(&self.dir).to_path_buf(),
            reason,
        };
        let (mut definitions, mut words) = match &self.base {
            Some(base) => (
                manifest::read_definitions(base).map_err(corrupt)?,
                manifest::read_words(base).map_err(corrupt)?,
            ),
            None => Default::default(),
        };
        let by_place =
            |a: &Definition, b: &Definition| a.path.cmp(&b.path).then(a.line.cmp(&b.line));
        let (mut removed, kept): (Vec<Definition>, Vec<Definition>) = definitions
            .into_iter()
            .partition(|d| self.replaced.contains(&d.path));
        removed.sort_by(by_place);
        self.fresh.sort_by(by_place);
        if self.base.is_none() || removed != self.fresh {
            definitions = kept;
            definitions.append(&mut self.fresh);
            definitions.sort_by(by_place);
            let abbreviations = expand::abbreviation_terms(definitions.iter());
            manifest::write_definitions(&self.dir, &definitions, &abbreviations)?;
        }
        let seen = self.vocabulary.words();
        let new = seen.iter().any(|w| words.binary_search(w).is_err());
        if self.base.is_none() || new {
            words.extend(seen);
            words.sort_unstable();
            words.dedup();
            manifest::write_words(&self.dir, &words)?;
        }
        Ok(())
    }

    /// Drops the unfinished generation.
    fn abandon(self) {
        drop(self.writer);
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Fills a new generation folder with hard links to the base generation's tantivy files
/// (copies where links are not possible). Our manifest files are written anew.
fn link_segments(base: &Path, dir: &Path) -> Result<()> {
    let entries = fs::read_dir(base).map_err(|e| Error::io(base, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(base, e))?;
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        let ours = name_str.starts_with("medsearch.") || name_str.starts_with("files.");
        if ours || name_str.ends_with(".lock") || !entry.path().is_file() {
            continue;
        }
        let target = dir.join(&name);
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
        }
    }
    Ok(())
}

/// Takes the index folder's lock, waiting (with a message) while another run holds it.
fn lock(index_dir: &Path) -> Result<fs::File> {
    let path = index_dir.join(LOCK);
    let file = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    if file.try_lock().is_err() {
        eprintln!(
            "medsearch: waiting for another `medsearch index` to finish with {}",
            index_dir.display()
        );
        file.lock().map_err(|e| Error::io(&path, e))?;
    }
    Ok(file)
}

/// Points `CURRENT` at a generation: write a temp file, sync it, rename it over `CURRENT`.
fn switch_current(index_dir: &Path, generation: &str) -> Result<()> {
    let tmp = index_dir.join(format!("{CURRENT}.tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = fs::File::create(&tmp)?;
        f.write_all(generation.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, index_dir.join(CURRENT))?;
        fs::File::open(index_dir)?.sync_all()
    };
    write().map_err(|e| Error::io(&tmp, e))
}

/// Removes every `gen-*` folder but `keep` (best effort: a failure only leaves litter, which
/// the next run removes).
fn remove_generations(index_dir: &Path, keep: Option<&Path>) {
    let keep = keep.and_then(Path::file_name);
    let Ok(entries) = fs::read_dir(index_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let ours = name.to_string_lossy().starts_with(GENERATION_PREFIX);
        if ours && Some(name.as_os_str()) != keep && entry.path().is_dir() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> CorpusFile {
        CorpusFile {
            path: path.into(),
            size: 1,
            mtime_ns: 1,
        }
    }

    fn entry(path: &str, documents: usize) -> FileEntry {
        FileEntry {
            documents,
            ..FileEntry::skipped(file(path))
        }
    }

    #[test]
    fn pairing_finds_kept_new_and_gone_files() {
        let files = ["a", "b/c", "d", "f"].map(file);
        let previous = [
            entry("0", 1),
            entry("a", 1),
            entry("b/b", 1),
            entry("d", 0),
            entry("e", 2),
            entry("f", 1),
            entry("g", 1),
        ];
        let (prev_of, gone) = pair(&files, &previous);
        let paths = |entries: Vec<Option<&FileEntry>>| -> Vec<Option<String>> {
            entries
                .into_iter()
                .map(|e| e.map(|e| e.file.path.clone()))
                .collect()
        };
        // "d" was skipped last time: it pairs with nothing and is read again.
        assert_eq!(
            paths(prev_of),
            [Some("a".into()), None, None, Some("f".into())]
        );
        assert_eq!(
            paths(gone.into_iter().map(Some).collect()),
            ["0", "b/b", "e", "g"].map(|p| Some(p.to_string()))
        );
    }
}
