//! The index on disk: schema, generations, opening, and staleness.
//!
//! Layout of an index folder:
//! ```text
//! index/
//!   CURRENT        name of the live generation (written to a temp file, then renamed)
//!   .lock          held by `medsearch index`, so two runs never interleave
//!   gen-<t>-<pid>/ one complete tantivy index + medsearch.json + files.bin (the manifest)
//! ```
//! Every change makes a new generation beside the live one ([`update()`]): from scratch for a
//! full build, or as hard links to the live generation's immutable segment files plus the
//! changes for an incremental one. `CURRENT` is switched by an atomic rename only once the new
//! generation is complete, so a search always opens a whole index, old or new, and a failed or
//! killed run leaves the previous one searchable; the next run removes what it left. medsearch
//! only creates and removes `gen-*`, `CURRENT`, `CURRENT.tmp` and `.lock` inside the folder.

pub mod manifest;
pub mod update;

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::Value;
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term, doc};

use crate::analysis::{self, ANALYZER};
use crate::corpus::{self, CorpusFile};
use crate::error::{Error, Result};
use crate::expand::{Definition, Expansions};
use crate::parse::Document;
use manifest::Summary;
pub use update::{Mode, UpdateReport, update};

const CURRENT: &str = "CURRENT";
const LOCK: &str = ".lock";
const GENERATION_PREFIX: &str = "gen-";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `doc#anchor`, unique per record (stored only: a unique term per record would only
    /// grow the term dictionary; look-ups go through `doc`, see [`anchors_of`]).
    pub id: Field,
    /// The document id (raw; `doc:` queries).
    pub doc: Field,
    /// `section`, `reference` or `reviewer` (raw; `kind:` queries).
    pub kind: Field,
    /// The record's anchor (stored only).
    pub anchor: Field,
    /// The file path relative to the corpus root (raw: a changed file's records are deleted by it).
    pub path: Field,
    /// 1-based start line (stored only).
    pub line: Field,
    /// The document title (stored only: the lead record's heading is the title, and is searched).
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
    /// The schema of a medsearch index.
    pub fn schema() -> Schema {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        b.add_text_field("id", STORED);
        b.add_text_field("doc", STRING | STORED);
        b.add_text_field("kind", STRING | STORED);
        b.add_text_field("anchor", STORED);
        b.add_text_field("path", STRING | STORED);
        b.add_u64_field("line", STORED | INDEXED);
        b.add_text_field("title", STORED);
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

    /// The tantivy documents of a parsed document's records.
    pub fn document(&self, doc: &Document) -> Vec<TantivyDocument> {
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

/// An opened index, ready to search.
pub struct Searchable {
    /// The tantivy index of the live generation.
    pub index: Index,
    /// A reader on it.
    pub reader: IndexReader,
    /// Its fields.
    pub fields: Fields,
    /// Totals of the generation.
    pub summary: Summary,
    /// The generation's folder.
    pub dir: PathBuf,
    /// What query words expand to: the corpus's abbreviations (synonyms are added by the
    /// caller, from the corpus folder).
    pub expansions: Expansions,
    /// The corpus's words, read on first use ([`Searchable::words`]).
    words: OnceLock<Vec<String>>,
}

impl Searchable {
    /// The corpus's words (for typo correction), sorted; read from the generation once.
    pub fn words(&self) -> Result<&[String]> {
        if let Some(words) = self.words.get() {
            return Ok(words);
        }
        let words = manifest::read_words(&self.dir).map_err(|r| self.corrupt(r))?;
        Ok(self.words.get_or_init(|| words))
    }

    /// Every abbreviation definition of the corpus, with file and line.
    pub fn definitions(&self) -> Result<Vec<Definition>> {
        manifest::read_definitions(&self.dir).map_err(|r| self.corrupt(r))
    }

    /// The error for a damaged generation file: it names the index folder (the generation's
    /// parent), which is what `medsearch index --full --index` takes.
    fn corrupt(&self, reason: String) -> Error {
        Error::IndexCorrupt {
            path: self.dir.parent().unwrap_or(&self.dir).to_path_buf(),
            reason,
        }
    }
}

/// Whether an index has been built at this location.
pub fn exists(index_dir: &Path) -> bool {
    index_dir.join(CURRENT).is_file()
}

/// Whether `dir` may hold a medsearch index: it is missing, empty, or holds only what
/// medsearch writes there (`CURRENT`, `.lock`, `gen-*` folders, temporary files) and hidden
/// files (the repository's `index/.gitignore`).
pub fn is_ours_or_empty(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return true;
    };
    entries.flatten().all(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name == CURRENT
            || name.starts_with('.')
            || name.starts_with(GENERATION_PREFIX)
            || name.starts_with(&format!("{CURRENT}."))
    })
}

/// Opens the live generation of an index folder.
pub fn open(index_dir: &Path) -> Result<Searchable> {
    if !exists(index_dir) {
        if !is_ours_or_empty(index_dir) {
            return Err(Error::NotAnIndex(index_dir.to_path_buf()));
        }
        return Err(Error::IndexMissing(index_dir.to_path_buf()));
    }
    // A run of `index` may switch CURRENT and remove the old generation between our reads.
    let mut attempt = 0;
    loop {
        // tantivy panics on some damaged files (one shorter than its footer, say) where it
        // should return an error: a panic while opening is reported as a damaged index.
        let opened = std::panic::catch_unwind(|| open_current(index_dir)).unwrap_or_else(|panic| {
            let message = crate::panic_message(&*panic);
            Err(OpenError::Broken(format!("a damaged file ({message})")))
        });
        match opened {
            Ok(s) => return Ok(s),
            Err(OpenError::Outdated(found)) => {
                return Err(Error::IndexOutdated {
                    path: index_dir.to_path_buf(),
                    found,
                });
            }
            Err(OpenError::Broken(_)) if attempt < 5 => attempt += 1,
            Err(OpenError::Broken(reason)) => {
                return Err(Error::IndexCorrupt {
                    path: index_dir.to_path_buf(),
                    reason,
                });
            }
        }
    }
}

/// Why a generation could not be opened.
enum OpenError {
    /// Made by another version of medsearch (its fingerprint).
    Outdated(String),
    /// Missing or unreadable files.
    Broken(String),
}

impl From<String> for OpenError {
    fn from(reason: String) -> Self {
        OpenError::Broken(reason)
    }
}

/// The live generation's folder, from `CURRENT`.
pub fn current_generation(index_dir: &Path) -> std::result::Result<PathBuf, String> {
    let current =
        fs::read_to_string(index_dir.join(CURRENT)).map_err(|e| format!("{CURRENT}: {e}"))?;
    let generation = current.trim();
    if !generation.starts_with(GENERATION_PREFIX) || generation.contains(['/', '\\']) {
        return Err(format!("{CURRENT} names '{generation}', not a generation"));
    }
    Ok(index_dir.join(generation))
}

fn open_current(index_dir: &Path) -> std::result::Result<Searchable, OpenError> {
    let dir = current_generation(index_dir)?;
    let summary = manifest::read_summary(&dir)?;
    if summary.fingerprint != manifest::fingerprint() {
        return Err(OpenError::Outdated(summary.fingerprint));
    }
    let index = Index::open_in_dir(&dir).map_err(|e| e.to_string())?;
    analysis::register(&index);
    let fields = Fields::from_schema(&index.schema())?;
    let expansions = Expansions::new(&manifest::read_abbreviations(&dir)?);
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: tantivy::TantivyError| e.to_string())?;
    // tantivy opens a missing positions file as an empty one (for schemas without positions),
    // so a generation removed by a newer `index` run while we opened it can look whole. Check
    // that every segment's positions file is still there; if not, the caller tries again.
    for segment in reader.searcher().segment_readers() {
        let positions = dir.join(format!("{}.pos", segment.segment_id().uuid_string()));
        if !positions.is_file() {
            return Err(OpenError::Broken(format!(
                "{} vanished while opening",
                positions.display()
            )));
        }
    }
    Ok(Searchable {
        index,
        reader,
        fields,
        summary,
        dir,
        expansions,
        words: OnceLock::new(),
    })
}

/// The anchors of a document's records (empty when the index has no such document).
pub fn anchors_of(searchable: &Searchable, doc: &str) -> Result<HashSet<String>> {
    let searcher = searchable.reader.searcher();
    let term = Term::from_field_text(searchable.fields.doc, doc);
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    let mut anchors = HashSet::new();
    for address in searcher.search(&query, &DocSetCollector)? {
        let record: TantivyDocument = searcher.doc(address)?;
        if let Some(anchor) = record
            .get_first(searchable.fields.anchor)
            .and_then(|v| v.as_str())
        {
            anchors.insert(anchor.to_string());
        }
    }
    Ok(anchors)
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

/// Corpus files that differ from what a generation was built from, by path. Compares sizes and
/// modification times only (no file is read), so it is cheap enough for every search.
pub fn stale_files(gen_dir: &Path, corpus_dir: &Path) -> Result<Vec<(String, Difference)>> {
    let (now, _) = corpus::scan(corpus_dir)?;
    let before = manifest::read_files(gen_dir).map_err(|reason| Error::IndexCorrupt {
        path: gen_dir.to_path_buf(),
        reason,
    })?;
    let mut before: HashMap<&str, &CorpusFile> = before
        .iter()
        .map(|e| (e.file.path.as_str(), &e.file))
        .collect();
    let mut differ = Vec::new();
    for file in &now {
        match before.remove(file.path.as_str()) {
            None => differ.push((file.path.clone(), Difference::Added)),
            Some(old) if old != file => differ.push((file.path.clone(), Difference::Changed)),
            Some(_) => {}
        }
    }
    differ.extend(
        before
            .into_keys()
            .map(|p| (p.to_string(), Difference::Removed)),
    );
    differ.sort();
    Ok(differ)
}
