//! `medsearch index`: bring the index up to date with the corpus, incrementally or in full.
//!
//! An update lists the corpus ([`corpus::scan`]) and compares it with the live generation's file
//! list once, by a merge of the two sorted lists: the [`Plan`] says, for each corpus file,
//! whether it is unchanged (same size and modification time as when it was indexed: not read)
//! or to be read, and which indexed files are gone. The staleness check of `search` and
//! `status` is the same plan ([`Plan::differences`]).
//!
//! A file to read is ingested once ([`corpus::ingest`]: read, hashed, decoded, parsed, its
//! abbreviations found): the same hash as before means unchanged (only its recorded time is
//! refreshed); a new hash means changed: all its old records are deleted (by path) and its new
//! ones added. Files gone from the corpus lose all their records; a renamed file is a removal
//! plus an addition. A file that cannot be read or parsed is reported and skipped; if an earlier
//! version of it was indexed, that version's records are kept (and the next run tries the file
//! again), so a bad save never makes a page vanish from search.
//!
//! Site chrome ([`super::chrome`]): every file's entry keeps the keys of its paragraphs and
//! lists and the keys it set aside; files read are given, in path order, the set the files
//! known so far make chrome, and when all are read a file whose set differs from what the whole
//! corpus makes it is read again and replaced (few: the second holder of each chrome block).
//!
//! Changes go into a new generation ([`super::generation`]): hard links to the live one's files
//! plus the new segments, deletes and rewritten files of ours; it is published when complete. A
//! full build ([`FullRebuild`]: `--full`, no index yet, an index made by another version, or
//! one that cannot be read) writes a generation from scratch. A run that finds nothing to change
//! writes no generation. The library prints nothing: what happens along the way reaches the
//! caller as [`Event`]s, and the caller may stop the run at any of them (Ctrl-C): the
//! unfinished generation is removed and the index is left as it was.

use std::borrow::Cow;
use std::fs;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashSet as HashSet;
use tantivy::{Index, IndexWriter, Term};

use super::Fields;
use super::chrome::Holders;
use super::generation::{self, Generation, Lock};
use super::manifest::{self, FileEntry, Summary};
use crate::analysis::{self, Vocabulary};
use crate::corpus::{self, CorpusFile, Ingested, Skipped};
use crate::error::{Error, Result};
use crate::expand;
use crate::parse::{self, Definition, Document, RecordKind};
use crate::semantic;

/// Default memory budget of the index writer, shared by its threads (the bound on its heap
/// use; `index --writer-memory` sets another).
pub const WRITER_HEAP_BYTES: usize = 256 * 1024 * 1024;

/// The least writer memory per indexing thread (tantivy refuses less than 15 MB): a smaller
/// budget indexes on fewer threads.
pub const MIN_HEAP_PER_THREAD: usize = 16 * 1024 * 1024;

/// Below this many documents to add, an update uses one writer thread and [`SMALL_HEAP_BYTES`].
const SMALL_UPDATE: usize = 1000;
/// The writer heap of a small update.
const SMALL_HEAP_BYTES: usize = 32 * 1024 * 1024;

/// Files are read, parsed and handed to the index writer in batches of this many, so parsing
/// overlaps indexing and memory holds one batch of parsed documents, not the corpus.
const BATCH: usize = 512;

/// How to bring the index up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Re-index only what changed (a full build when there is no usable index).
    Incremental,
    /// Rebuild everything.
    Full,
}

/// Why a run rebuilt the index in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FullRebuild {
    /// `--full` was asked for.
    Asked,
    /// There was no index yet.
    NoIndex,
    /// The index was made by another version of medsearch (its fingerprint).
    Outdated(String),
    /// The live generation could not be read (what failed).
    Unreadable(String),
}

/// What an update tells its caller while it runs. The caller answers
/// [`ControlFlow::Break`] to stop the run (the index stays as it was).
#[derive(Debug)]
pub enum Event<'a> {
    /// Another `medsearch index` holds the index folder: this run waits for it (the event
    /// comes again every 50 ms while it waits).
    Waiting,
    /// Files are being read: so many of so many, and their bytes.
    Reading {
        /// Files read so far.
        files: usize,
        /// Files to read in all.
        of_files: usize,
        /// Bytes of the files read so far.
        bytes: u64,
        /// Bytes of all the files to read.
        of_bytes: u64,
    },
    /// Every file is read: the index is being written (committed and synced).
    Writing,
    /// The new generation is complete: last moment to stop before it goes live.
    Publishing,
    /// A file (or a JSONL line) was skipped.
    Skipped(&'a Skipped),
    /// A file was indexed, with something the user should know (the reason says what).
    Warning(&'a Skipped),
}

/// What is true of the index when a run stops early.
const STOPPED: &str = "the index is unchanged";

/// What a run did.
#[derive(Debug)]
pub struct UpdateReport {
    /// Why the run rebuilt in full, if it did.
    pub full: Option<FullRebuild>,
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
    /// Unchanged files read again because the site chrome they share with other files changed
    /// ([`super::chrome`]).
    pub refreshed: usize,
}

impl Counts {
    /// Whether the run changed what the index holds (or kept an old version of a file).
    pub fn changed_anything(&self) -> bool {
        self.added + self.changed + self.removed + self.kept + self.refreshed > 0
    }
}

/// How a corpus file differs from what the index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    /// In the corpus, not in the index.
    Added,
    /// Size or modification time differ.
    Changed,
    /// In the index, no longer in the corpus.
    Removed,
}

impl Difference {
    /// The word shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Difference::Added => "added",
            Difference::Changed => "changed",
            Difference::Removed => "removed",
        }
    }
}

/// The corpus compared with a generation's file list (see the module docs).
pub struct Plan<'a> {
    /// Each corpus file, in path order, with its previous entry if it had one.
    pub steps: Vec<(&'a CorpusFile, Option<&'a FileEntry>)>,
    /// Previous entries whose file is no longer in the corpus.
    pub gone: Vec<&'a FileEntry>,
}

impl<'a> Plan<'a> {
    /// Pairs corpus files with previous entries; both lists must be sorted by path.
    pub fn new(files: &'a [CorpusFile], previous: &'a [FileEntry]) -> Plan<'a> {
        let mut steps = Vec::with_capacity(files.len());
        let mut gone = Vec::new();
        let mut old = previous.iter().peekable();
        for file in files {
            while let Some(p) = old.next_if(|p| p.file.path < file.path) {
                gone.push(p);
            }
            steps.push((file, old.next_if(|p| p.file.path == file.path)));
        }
        gone.extend(old);
        Plan { steps, gone }
    }

    /// Whether a file is left as it is without being read: it was indexed (not skipped) and
    /// its size and modification time are the same. A skipped file is read again every run.
    pub fn unchanged(file: &CorpusFile, previous: Option<&FileEntry>) -> bool {
        previous.is_some_and(|p| p.documents > 0 && p.file == *file)
    }

    /// How many files the plan reads.
    pub fn to_read(&self) -> usize {
        self.steps
            .iter()
            .filter(|(f, p)| !Plan::unchanged(f, *p))
            .count()
    }

    /// The files that differ from the file list, by path: new files, files whose size or time
    /// changed, and files gone. A file skipped before and untouched since is not a difference
    /// (it was tried and will be tried again). No file is read.
    pub fn differences(&self) -> Vec<(String, Difference)> {
        let mut out: Vec<(String, Difference)> = self
            .steps
            .iter()
            .filter_map(|(file, previous)| match previous {
                None => Some((file.path.clone(), Difference::Added)),
                Some(p) if p.file != **file => Some((file.path.clone(), Difference::Changed)),
                Some(_) => None,
            })
            .chain(
                self.gone
                    .iter()
                    .map(|e| (e.file.path.clone(), Difference::Removed)),
            )
            .collect();
        out.sort();
        out
    }
}

/// Brings the index at `index_dir` up to date with `corpus_dir`; `on` hears what happens along
/// the way, and may stop the run ([`Error::Interrupted`]).
/// The writer's memory is `writer_memory` bytes at most (at least [`MIN_HEAP_PER_THREAD`]).
/// `base_url`, when given, becomes the index's [`Summary::base_url`] (else the live one's is
/// kept).
pub fn update(
    corpus_dir: &Path,
    index_dir: &Path,
    mode: Mode,
    base_url: Option<&str>,
    writer_memory: usize,
    on: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Result<UpdateReport> {
    let budget = writer_memory.max(MIN_HEAP_PER_THREAD);
    let started = Instant::now();
    Error::check_folder("index", index_dir)?;
    let (files, mut skipped) = corpus::scan(corpus_dir, generation::holds_an_index)?;
    if !generation::exists(index_dir) && !generation::is_ours_or_empty(index_dir) {
        return Err(Error::NotAnIndex(index_dir.to_path_buf()));
    }
    fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
    let Some(_lock) = Lock::take(index_dir, || on(Event::Waiting).is_continue())? else {
        return Err(Error::Interrupted(STOPPED));
    };
    // Leftovers of failed runs go; the live generation stays searchable until the next one is
    // published, even when this run rebuilds in full.
    let live = generation::live_name(index_dir).ok().flatten();
    generation::remove_others(index_dir, live.as_deref());
    let live_summary = live
        .as_deref()
        .and_then(|name| generation::summary_of(index_dir, name));
    let live_dir = live.as_deref().map(|name| index_dir.join(name));
    let live_base_url = live_summary.as_ref().and_then(|s| s.base_url.clone());
    let base_url = base_url.map(str::to_string).or(live_base_url.clone());
    let (base, previous, full) = starting_point(index_dir, live, mode);
    let plan = Plan::new(&files, &previous);

    let mut counts = Counts::default();
    // Borrowed where the previous entry stands as it was; `rewrite` notes any other change.
    let mut entries: Vec<Cow<FileEntry>> = Vec::with_capacity(files.len());
    let mut rewrite = false;
    // Removed by its drop unless published: a failed or stopped run leaves no litter.
    let mut new: Option<NewGeneration> = None;
    let to_read = plan.to_read();
    if full.is_some() {
        NewGeneration::open(&mut new, index_dir, base.as_ref(), to_read, budget)?;
    }
    let of_bytes = plan
        .steps
        .iter()
        .filter(|(file, previous)| !Plan::unchanged(file, *previous))
        .map(|(file, _)| file.size)
        .sum();
    let (mut files_read, mut bytes_read) = (0, 0);
    // Site chrome is followed when files are read or gone (else nothing about it changes).
    let tracking = to_read > 0 || !plan.gone.is_empty();
    let mut holders = Holders::default();
    for (at, (file, previous)) in plan.steps.iter().enumerate() {
        if let (true, Some(previous)) = (tracking && Plan::unchanged(file, *previous), previous) {
            holders.add(at, &previous.blocks);
        }
    }
    for batch in plan.steps.chunks(BATCH) {
        let reading: Vec<&CorpusFile> = batch
            .iter()
            .filter(|(file, previous)| !Plan::unchanged(file, *previous))
            .map(|(file, _)| *file)
            .collect();
        let mut read = corpus::parallel_map(&reading, |file| {
            let mut reasons = Vec::new();
            (
                corpus::ingest(corpus_dir, &file.path, &mut reasons),
                reasons,
            )
        })
        .into_iter();
        for &(file, previous) in batch {
            if Plan::unchanged(file, previous) {
                counts.unchanged += 1;
                entries.extend(previous.map(Cow::Borrowed));
                continue;
            }
            let (ingested, reasons) = read.next().expect("one result per file read");
            skipped.extend(reasons);
            for reason in ingested.iter().flat_map(|i| &i.warnings) {
                let warning = Skipped {
                    path: file.path.clone(),
                    line: None,
                    reason: reason.clone(),
                };
                stop_if(on(Event::Warning(&warning)))?;
            }
            let indexed = previous.filter(|p| p.documents > 0);
            let at = entries.len();
            match (ingested, indexed) {
                (Some(now), Some(before)) if now.hash == before.hash => {
                    counts.unchanged += 1;
                    rewrite = true;
                    holders.add(at, &before.blocks);
                    entries.push(Cow::Owned(FileEntry {
                        file: file.clone(),
                        ..before.clone()
                    }));
                }
                (Some(mut now), indexed) => {
                    let new =
                        NewGeneration::open(&mut new, index_dir, base.as_ref(), to_read, budget)?;
                    if indexed.is_some() {
                        counts.changed += 1;
                        new.delete(&file.path);
                    } else {
                        counts.added += 1;
                    }
                    let blocks = blocks_of(&now);
                    holders.add(at, &blocks);
                    let set_aside = holders.set_aside(at, &blocks);
                    entries.push(Cow::Owned(entry(file, &mut now, blocks, set_aside)));
                    new.add(now.documents)?;
                }
                // Unusable now: keep the previous version's records (and its entry, so the
                // file still reads as changed and is tried again).
                (None, Some(before)) => {
                    counts.kept += 1;
                    holders.add(at, &before.blocks);
                    entries.push(Cow::Borrowed(before));
                }
                (None, None) => {
                    let skip = FileEntry::skipped(file.clone());
                    match previous.filter(|p| **p == skip) {
                        Some(same) => entries.push(Cow::Borrowed(same)),
                        None => {
                            rewrite = true;
                            entries.push(Cow::Owned(skip));
                        }
                    }
                }
            }
        }
        files_read += reading.len();
        bytes_read += reading.iter().map(|f| f.size).sum::<u64>();
        stop_if(on(Event::Reading {
            files: files_read,
            of_files: to_read,
            bytes: bytes_read,
            of_bytes,
        }))?;
    }
    for gone in plan.gone.iter().filter(|e| e.documents > 0) {
        counts.removed += 1;
        NewGeneration::open(&mut new, index_dir, base.as_ref(), to_read, budget)?
            .delete(&gone.file.path);
    }
    if tracking {
        // The chrome over all files now: a file indexed with another set is read again.
        for (at, slot) in entries.iter_mut().enumerate() {
            if slot.documents == 0 || holders.set_aside(at, &slot.blocks) == slot.set_aside {
                continue;
            }
            let Some(mut now) = corpus::ingest(corpus_dir, &slot.file.path, &mut Vec::new()) else {
                continue;
            };
            let new = NewGeneration::open(&mut new, index_dir, base.as_ref(), to_read, budget)?;
            new.delete(&slot.file.path);
            let blocks = blocks_of(&now);
            let set_aside = holders.set_aside(at, &blocks);
            *slot = Cow::Owned(entry(&slot.file, &mut now, blocks, set_aside));
            new.add(now.documents)?;
            counts.refreshed += 1;
        }
    }
    for skip in &skipped {
        stop_if(on(Event::Skipped(skip)))?;
    }
    if !entries.iter().any(|e| e.documents > 0) {
        return Err(Error::CorpusEmpty(corpus_dir.to_path_buf()));
    }

    let chrome = match (tracking, &base) {
        (true, _) => holders.report(&entries),
        (false, Some(base)) => base.summary.chrome.clone(),
        (false, None) => None,
    };
    let mut summary = Summary {
        base_url: base_url.clone(),
        chrome,
        vectors: live_summary.and_then(|s| s.vectors),
        ..totals(&entries, skipped)
    };
    match (new, &base) {
        (Some(mut new), _) => {
            stop_if(on(Event::Writing))?;
            // The vectors go on to the new generation (a full build's too: they are keyed by
            // text, and most texts have not changed), for `semantic::embed` to bring up to date.
            if summary.vectors.is_some()
                && let Some(live_dir) = &live_dir
                && !semantic::store::carry(live_dir, &new.dir)
            {
                summary.vectors = None;
            }
            new.commit(base.as_ref(), &summary, &entries)?;
            stop_if(on(Event::Publishing))?;
            new.publish(index_dir)?;
        }
        (None, Some(base)) if base_url != live_base_url => {
            manifest::write(&base.dir(), &summary, &entries)?
        }
        (None, Some(base)) if rewrite || entries.len() != previous.len() => {
            manifest::write_files(&base.dir(), &entries)?
        }
        (None, _) => {}
    }
    Ok(UpdateReport {
        full,
        counts,
        summary,
        elapsed: started.elapsed(),
    })
}

/// [`Error::Interrupted`] when the caller asked to stop.
fn stop_if(flow: ControlFlow<()>) -> Result<()> {
    match flow {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Error::Interrupted(STOPPED)),
    }
}

/// The live generation to build upon and its file list, or why the run rebuilds in full.
fn starting_point(
    index_dir: &Path,
    live: Option<String>,
    mode: Mode,
) -> (Option<Generation>, Vec<FileEntry>, Option<FullRebuild>) {
    let unreadable = |e: Error| match e {
        Error::IndexOutdated { found, .. } => FullRebuild::Outdated(found),
        Error::IndexCorrupt { reason, .. } => FullRebuild::Unreadable(reason),
        other => FullRebuild::Unreadable(other.to_string()),
    };
    let opened = match (mode, live) {
        (Mode::Full, _) => Err(FullRebuild::Asked),
        (Mode::Incremental, None) if generation::exists(index_dir) => Err(unreadable(
            generation::live_name(index_dir)
                .err()
                .unwrap_or_else(|| generation::corrupt(index_dir, "CURRENT names no generation")),
        )),
        (Mode::Incremental, None) => Err(FullRebuild::NoIndex),
        // What the run builds on must open as a search would (missing or cut files show).
        (Mode::Incremental, Some(name)) => Generation::open(index_dir, &name)
            .and_then(|g| g.segments().map(|_| g))
            .and_then(|g| g.files().map(|files| (g, files)))
            .map_err(unreadable),
    };
    match opened {
        Ok((generation, files)) => (Some(generation), files, None),
        Err(why) => (None, Vec::new(), Some(why)),
    }
}

/// The keys of the paragraphs and lists of a file's documents, with their lines, sorted.
fn blocks_of(ingested: &Ingested) -> Vec<(u64, u32)> {
    let mut blocks: Vec<(u64, u32)> = ingested
        .documents
        .iter()
        .flat_map(parse::chrome::keys)
        .map(|(key, line)| (key, u32::try_from(line).unwrap_or(u32::MAX)))
        .collect();
    blocks.sort_unstable();
    blocks.dedup_by_key(|(key, _)| *key);
    blocks
}

/// The file-list entry of an ingested file, once the units it sets aside (`set_aside`, sorted)
/// are taken out of its documents.
fn entry(
    file: &CorpusFile,
    ingested: &mut Ingested,
    blocks: Vec<(u64, u32)>,
    set_aside: Vec<u64>,
) -> FileEntry {
    if !set_aside.is_empty() {
        for doc in &mut ingested.documents {
            parse::chrome::set_aside(doc, &|key| set_aside.binary_search(&key).is_ok());
        }
    }
    let count = |kind| {
        ingested
            .documents
            .iter()
            .flat_map(|d| &d.records)
            .filter(|r| r.kind == kind)
            .count()
    };
    FileEntry {
        file: file.clone(),
        hash: ingested.hash,
        documents: ingested.documents.len(),
        sections: count(RecordKind::Section),
        references: count(RecordKind::Reference),
        reviewers: count(RecordKind::Reviewer),
        blocks,
        set_aside,
    }
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
        vectors: None,
        base_url: None,
        chrome: None,
    }
}

/// A generation being written: from the live generation's files (hard links) when there is
/// one to build on, else from scratch. [`NewGeneration::commit`] completes it, [`NewGeneration::publish`] makes it
/// live; dropped before that (an error, Ctrl-C), it removes its folder.
struct NewGeneration {
    name: String,
    dir: std::path::PathBuf,
    fields: Fields,
    /// Taken when the generation is dropped, so the writer stops before its folder goes.
    writer: Option<IndexWriter>,
    /// Words seen by the writer's analyzers.
    vocabulary: Vocabulary,
    /// Definitions in the files indexed by this run.
    fresh: Vec<Definition>,
    /// Files whose previous definitions are void (re-indexed or removed).
    replaced: HashSet<String>,
    published: bool,
}

impl NewGeneration {
    /// The generation being written, started on first use (from `base`'s files, if given).
    fn open<'n>(
        new: &'n mut Option<NewGeneration>,
        index_dir: &Path,
        base: Option<&Generation>,
        changes: usize,
        memory: usize,
    ) -> Result<&'n mut NewGeneration> {
        if new.is_none() {
            *new = Some(NewGeneration::start(index_dir, base, changes, memory)?);
        }
        Ok(new.as_mut().expect("started"))
    }

    /// Creates the folder and a writer sized for about `changes` files to index, within
    /// `memory` bytes.
    fn start(
        index_dir: &Path,
        base: Option<&Generation>,
        changes: usize,
        memory: usize,
    ) -> Result<Self> {
        let (name, dir) = generation::create(index_dir)?;
        let mut new = NewGeneration {
            name,
            dir,
            fields: Fields::from_schema(&Fields::schema()).expect("our schema"),
            writer: None,
            vocabulary: Vocabulary::default(),
            fresh: Vec::new(),
            replaced: HashSet::default(),
            published: false,
        };
        let index = match base {
            Some(base) => {
                generation::link_from(base, &new.dir)?;
                Index::open_in_dir(&new.dir)?
            }
            None => Index::create_in_dir(&new.dir, Fields::schema())?,
        };
        analysis::register_collecting(&index, &new.vocabulary);
        new.fields = Fields::from_schema(&index.schema())
            .map_err(|reason| generation::corrupt(index_dir, reason))?;
        // Small updates go faster on one thread with a small heap than on many with a large one.
        let (threads, heap) = match changes {
            0..SMALL_UPDATE => (1, SMALL_HEAP_BYTES.min(memory)),
            _ => (
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(8)
                    .min(memory / MIN_HEAP_PER_THREAD)
                    .max(1),
                memory,
            ),
        };
        new.writer = Some(index.writer_with_num_threads(threads, heap)?);
        Ok(new)
    }

    fn writer(&mut self) -> &mut IndexWriter {
        self.writer.as_mut().expect("a writer until dropped")
    }

    /// Deletes every record (and definition) of a corpus file.
    fn delete(&mut self, path: &str) {
        let term = Term::from_field_text(self.fields.path, path);
        self.writer().delete_term(term);
        self.replaced.insert(path.to_string());
    }

    /// Adds the records of a file's documents and the definitions they make.
    fn add(&mut self, docs: Vec<Document>) -> Result<()> {
        for doc in docs {
            for record in self.fields.document(&doc) {
                self.writer().add_document(record)?;
            }
            self.fresh.extend(doc.definitions);
        }
        Ok(())
    }

    /// Commits, and writes the expansions and the manifest: the generation is complete.
    /// `base` is the generation it started from, if any.
    fn commit(
        &mut self,
        base: Option<&Generation>,
        summary: &Summary,
        entries: &[Cow<FileEntry>],
    ) -> Result<()> {
        self.writer().commit()?;
        // After the commit: the writer's threads have analyzed every document by then.
        self.write_expansions(base)?;
        self.writer
            .take()
            .expect("a writer until committed")
            .wait_merging_threads()?;
        manifest::write(&self.dir, summary, entries)
    }

    /// Makes the committed generation live.
    fn publish(mut self, index_dir: &Path) -> Result<()> {
        generation::publish(index_dir, &self.name)?;
        self.published = true;
        Ok(())
    }

    /// Writes the definitions (the base's, less those of files re-indexed or removed, plus
    /// this run's) with their analyzed pairs, and the words (the base's and this run's). Files
    /// that would not change stay linked from the base: an edit that keeps a page's
    /// abbreviations and words (most edits) rewrites neither.
    fn write_expansions(&mut self, base: Option<&Generation>) -> Result<()> {
        let (mut definitions, mut words) = match base {
            Some(base) => (base.definitions()?, base.words()?),
            None => Default::default(),
        };
        let by_place =
            |a: &Definition, b: &Definition| a.path.cmp(&b.path).then(a.line.cmp(&b.line));
        let (mut removed, kept): (Vec<Definition>, Vec<Definition>) = definitions
            .into_iter()
            .partition(|d| self.replaced.contains(&d.path));
        removed.sort_by(by_place);
        self.fresh.sort_by(by_place);
        if base.is_none() || removed != self.fresh {
            definitions = kept;
            definitions.append(&mut self.fresh);
            definitions.sort_by(by_place);
            let abbreviations = expand::abbreviation_terms(definitions.iter());
            manifest::write_definitions(&self.dir, &definitions, &abbreviations)?;
        }
        let seen = self.vocabulary.words();
        let new = seen.iter().any(|w| words.binary_search(w).is_err());
        if base.is_none() || new {
            words.extend(seen);
            words.sort_unstable();
            words.dedup();
            manifest::write_words(&self.dir, &words)?;
        }
        Ok(())
    }
}

impl Drop for NewGeneration {
    fn drop(&mut self) {
        if !self.published {
            drop(self.writer.take());
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, mtime_ns: u64) -> CorpusFile {
        CorpusFile {
            path: path.into(),
            size: 1,
            mtime_ns,
        }
    }

    fn entry(path: &str, documents: usize) -> FileEntry {
        FileEntry {
            documents,
            ..FileEntry::skipped(file(path, 1))
        }
    }

    #[test]
    fn the_plan_pairs_files_reads_what_changed_and_finds_what_is_gone() {
        let files = [("a", 1), ("b/c", 1), ("d", 1), ("f", 2), ("h", 1)].map(|(p, t)| file(p, t));
        let previous = [
            entry("0", 1),
            entry("a", 1),
            entry("b/b", 1),
            entry("d", 0),
            entry("e", 2),
            entry("f", 1),
            entry("g", 0),
            entry("h", 0),
        ];
        let plan = Plan::new(&files, &previous);
        let paired: Vec<Option<&str>> = plan
            .steps
            .iter()
            .map(|(_, p)| p.map(|p| p.file.path.as_str()))
            .collect();
        assert_eq!(paired, [Some("a"), None, Some("d"), Some("f"), Some("h")]);
        let gone: Vec<&str> = plan.gone.iter().map(|e| e.file.path.as_str()).collect();
        assert_eq!(gone, ["0", "b/b", "e", "g"]);
        // "a" is unchanged; "d" and "h" were skipped last time: read again; "f" changed.
        let unchanged: Vec<bool> = plan
            .steps
            .iter()
            .map(|(f, p)| Plan::unchanged(f, *p))
            .collect();
        assert_eq!(unchanged, [true, false, false, false, false]);
        assert_eq!(plan.to_read(), 4);
        // A skipped file untouched since ("d", "h") is not stale.
        let differences: Vec<(&str, Difference)> = plan
            .differences()
            .iter()
            .map(|(p, d)| (&*p.clone().leak(), *d))
            .collect();
        assert_eq!(
            differences,
            [
                ("0", Difference::Removed),
                ("b/b", Difference::Removed),
                ("b/c", Difference::Added),
                ("e", Difference::Removed),
                ("f", Difference::Changed),
                ("g", Difference::Removed),
            ]
        );
    }
}
