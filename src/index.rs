//! The index on disk: schema, building, opening, and telling whether it is stale.
//!
//! Layout of an index folder:
//! ```text
//! index/
//!   CURRENT        name of the live generation (written to a temp file, then renamed)
//!   .lock          held by a build, so two builds never interleave
//!   gen-<t>-<pid>/ one complete tantivy index plus medsearch.json (the manifest)
//! ```
//! A build writes a new generation beside the live one and switches `CURRENT` with an atomic
//! rename only when the new one is complete, so a search always opens a whole index, and a
//! failed or killed build leaves the previous one searchable. Old generations are removed after
//! the switch; medsearch only ever removes `gen-*` folders and its own files inside the index
//! folder. The manifest lists every corpus file (path, size, mtime) seen by the build, which is
//! what `search` compares against to warn about a stale index.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, doc};

use crate::analysis::{self, ANALYZER};
use crate::corpus::{self, CorpusFile, Skipped};
use crate::error::{Error, Result};
use crate::parse::{Document, RecordKind};

/// Bumped whenever the schema, parser or analyzer change what an index holds.
pub const FORMAT_VERSION: u32 = 1;
const CURRENT: &str = "CURRENT";
const LOCK: &str = ".lock";
const MANIFEST: &str = "medsearch.json";
const GENERATION_PREFIX: &str = "gen-";
/// Memory budget of the index writer, shared by its threads.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `doc#anchor`, unique per record (raw, for deletes and exact look-ups).
    pub id: Field,
    /// The document id (raw; `doc:` queries).
    pub doc: Field,
    /// `section`, `reference` or `reviewer` (raw; `kind:` queries).
    pub kind: Field,
    /// The record's anchor (stored only).
    pub anchor: Field,
    /// The file path relative to the corpus root (stored only).
    pub path: Field,
    /// 1-based start line (stored only).
    pub line: Field,
    /// The document title (analyzed; `title:` queries).
    pub title: Field,
    /// The section heading (analyzed, boosted); empty for citations.
    pub heading: Field,
    /// The record's text (analyzed).
    pub body: Field,
    /// Headings above the record (stored only, one value each).
    pub breadcrumbs: Field,
    /// Parsed reference or reviewer fields as JSON (stored only).
    pub citation: Field,
}

impl Fields {
    fn schema() -> Schema {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        b.add_text_field("id", STRING | STORED);
        b.add_text_field("doc", STRING | STORED);
        b.add_text_field("kind", STRING | STORED);
        b.add_text_field("anchor", STORED);
        b.add_text_field("path", STORED);
        b.add_u64_field("line", STORED | INDEXED);
        b.add_text_field("title", text.clone());
        b.add_text_field("heading", text.clone());
        b.add_text_field("body", text);
        b.add_text_field("breadcrumbs", STORED);
        b.add_text_field("citation", STORED);
        b.build()
    }

    /// Looks the fields up in a schema; fails on an index made with another schema.
    pub fn from_schema(schema: &Schema) -> std::result::Result<Fields, String> {
        let f = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("field '{name}' missing"))
        };
        Ok(Fields {
            id: f("id")?,
            doc: f("doc")?,
            kind: f("kind")?,
            anchor: f("anchor")?,
            path: f("path")?,
            line: f("line")?,
            title: f("title")?,
            heading: f("heading")?,
            body: f("body")?,
            breadcrumbs: f("breadcrumbs")?,
            citation: f("citation")?,
        })
    }

    fn document(&self, doc: &Document) -> Vec<TantivyDocument> {
        doc.records
            .iter()
            .map(|r| {
                let mut d = doc!(
                    self.id => format!("{}#{}", doc.id, r.anchor),
                    self.doc => doc.id.clone(),
                    self.kind => r.kind.as_str(),
                    self.anchor => r.anchor.clone(),
                    self.path => doc.path.clone(),
                    self.line => r.line as u64,
                    self.title => doc.title.clone(),
                    self.body => r.body.clone(),
                );
                // A citation's label (its title or name) is part of its body already: indexing
                // it as a heading too would count it twice. Search reads it from `citation`.
                if r.citation.is_none() {
                    d.add_text(self.heading, &r.heading);
                }
                for crumb in &r.breadcrumbs {
                    d.add_text(self.breadcrumbs, crumb);
                }
                if let Some(c) = &r.citation {
                    d.add_text(
                        self.citation,
                        serde_json::to_string(c).expect("citations serialize"),
                    );
                }
                d
            })
            .collect()
    }
}

/// What a build saw and wrote; stored in the generation as `medsearch.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the build.
    pub format: u32,
    /// The medsearch version that built it.
    pub medsearch: String,
    /// Build time, seconds since the Unix epoch.
    pub built_unix: u64,
    /// Documents indexed.
    pub documents: usize,
    /// Records indexed, by kind.
    pub sections: usize,
    /// Reference records.
    pub references: usize,
    /// Reviewer records.
    pub reviewers: usize,
    /// Every corpus file seen (indexed or skipped), for staleness checks.
    pub files: Vec<CorpusFile>,
    /// Files that were skipped, and why.
    pub skipped: Vec<Skipped>,
}

/// The result of a build.
#[derive(Debug)]
pub struct BuildReport {
    /// The manifest written.
    pub manifest: Manifest,
    /// Wall time of the build.
    pub elapsed: Duration,
}

/// Builds a fresh index of the corpus and makes it live. `warn` hears about every file skipped.
pub fn build(
    corpus_dir: &Path,
    index_dir: &Path,
    warn: &mut dyn FnMut(&Skipped),
) -> Result<BuildReport> {
    let started = Instant::now();
    let (files, mut skipped) = corpus::scan(corpus_dir)?;
    fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
    let lock_path = index_dir.join(LOCK);
    let lock = fs::File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    if lock.try_lock().is_err() {
        eprintln!(
            "medsearch: waiting for another `medsearch index` to finish with {}",
            index_dir.display()
        );
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    }

    let documents: Vec<Document> = files
        .iter()
        .flat_map(|f| corpus::load(corpus_dir, f, &mut skipped))
        .collect();
    skipped.iter().for_each(&mut *warn);
    if documents.is_empty() {
        return Err(Error::CorpusEmpty(corpus_dir.to_path_buf()));
    }

    let generation = format!(
        "{GENERATION_PREFIX}{}-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
        std::process::id()
    );
    let gen_dir = index_dir.join(&generation);
    fs::create_dir(&gen_dir).map_err(|e| Error::io(&gen_dir, e))?;
    let index = Index::create_in_dir(&gen_dir, Fields::schema())?;
    analysis::register(&index);
    let fields = Fields::from_schema(&index.schema()).expect("own schema");
    let mut writer = index.writer::<TantivyDocument>(WRITER_HEAP_BYTES)?;
    let count = |kind| {
        documents
            .iter()
            .flat_map(|d| &d.records)
            .filter(|r| r.kind == kind)
            .count()
    };
    for doc in &documents {
        for record in fields.document(doc) {
            writer.add_document(record)?;
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;

    let manifest = Manifest {
        format: FORMAT_VERSION,
        medsearch: env!("CARGO_PKG_VERSION").to_string(),
        built_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        documents: documents.len(),
        sections: count(RecordKind::Section),
        references: count(RecordKind::Reference),
        reviewers: count(RecordKind::Reviewer),
        files,
        skipped,
    };
    let manifest_path = gen_dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    fs::write(&manifest_path, json).map_err(|e| Error::io(&manifest_path, e))?;
    switch_current(index_dir, &generation)?;
    remove_old_generations(index_dir, &generation);
    drop(lock);
    Ok(BuildReport {
        manifest,
        elapsed: started.elapsed(),
    })
}

/// Points `CURRENT` at a generation: write a temp file, sync it, rename it over `CURRENT`.
fn switch_current(index_dir: &Path, generation: &str) -> Result<()> {
    let tmp = index_dir.join(format!("{CURRENT}.tmp"));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = fs::File::create(&tmp)?;
        f.write_all(generation.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, index_dir.join(CURRENT))
    };
    write().map_err(|e| Error::io(&tmp, e))
}

/// Removes every `gen-*` folder but the live one (best effort: a failure leaves litter only).
fn remove_old_generations(index_dir: &Path, live: &str) {
    let Ok(entries) = fs::read_dir(index_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(GENERATION_PREFIX) && name != live && entry.path().is_dir() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// An opened index, ready to search.
pub struct Searchable {
    /// The tantivy index of the live generation.
    pub index: Index,
    /// A reader on it.
    pub reader: IndexReader,
    /// Its fields.
    pub fields: Fields,
    /// What the build that made it saw.
    pub manifest: Manifest,
}

/// Whether an index has been built at this location.
pub fn exists(index_dir: &Path) -> bool {
    index_dir.join(CURRENT).is_file()
}

/// Opens the live generation of an index folder.
pub fn open(index_dir: &Path) -> Result<Searchable> {
    if !exists(index_dir) {
        return Err(Error::IndexMissing(index_dir.to_path_buf()));
    }
    // A build may switch CURRENT and remove the old generation between our two reads: retry.
    let mut attempt = 0;
    loop {
        match open_current(index_dir) {
            Ok(s) => return Ok(s),
            Err(_) if attempt < 3 => attempt += 1,
            Err(reason) => {
                return Err(Error::IndexCorrupt {
                    path: index_dir.to_path_buf(),
                    reason,
                });
            }
        }
    }
}

fn open_current(index_dir: &Path) -> std::result::Result<Searchable, String> {
    let current = fs::read_to_string(index_dir.join(CURRENT)).map_err(|e| e.to_string())?;
    let generation = current.trim();
    if !generation.starts_with(GENERATION_PREFIX) || generation.contains(['/', '\\']) {
        return Err(format!("{CURRENT} names '{generation}', not a generation"));
    }
    let gen_dir: PathBuf = index_dir.join(generation);
    let manifest: Manifest = fs::read(gen_dir.join(MANIFEST))
        .map_err(|e| format!("{MANIFEST}: {e}"))
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT_VERSION {
        return Err(format!(
            "built by medsearch {} (index format {}), this is format {FORMAT_VERSION}",
            manifest.medsearch, manifest.format
        ));
    }
    let index = Index::open_in_dir(&gen_dir).map_err(|e| e.to_string())?;
    analysis::register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: tantivy::TantivyError| e.to_string())?;
    Ok(Searchable {
        index,
        reader,
        fields,
        manifest,
    })
}

/// Corpus files that differ from what the index was built from: added, changed or removed.
pub fn stale_files(searchable: &Searchable, corpus_dir: &Path) -> Result<Vec<String>> {
    let (now, _) = corpus::scan(corpus_dir)?;
    let before: HashSet<&CorpusFile> = searchable.manifest.files.iter().collect();
    let now_paths: HashSet<&str> = now.iter().map(|f| f.path.as_str()).collect();
    let mut differ: Vec<String> = now
        .iter()
        .filter(|f| !before.contains(f))
        .map(|f| f.path.clone())
        .collect();
    differ.extend(
        before
            .iter()
            .filter(|b| !now_paths.contains(b.path.as_str()))
            .map(|b| b.path.clone()),
    );
    differ.sort();
    Ok(differ)
}
