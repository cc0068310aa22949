//! An opened index, ready to search: [`Searchable`].
//!
//! [`Searchable::open`] is the one way to open an index for reading (the CLI, the fuzz target
//! and the latency bench all use it): the live generation as a snapshot that later writers
//! cannot break ([`super::generation`]), a tantivy searcher on it, the abbreviations the corpus
//! defines and the synonyms of the corpus folder. Everything a search may read later (the word
//! list for typo correction, the definitions, the file list for the staleness check) comes from
//! that snapshot.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::Fields;
use super::generation::{self, Generation, Retry};
use super::manifest::Summary;
use super::update::{Difference, Plan};
use crate::analysis;
use crate::corpus;
use crate::error::{Error, Result};
use crate::expand::{Expansions, synonyms};
use crate::parse::Definition;

/// An opened index: one generation, held whole for as long as this lives.
pub struct Searchable {
    generation: Generation,
    searcher: Searcher,
    /// The schema's fields.
    pub fields: Fields,
    /// What query words expand to: the corpus's abbreviations and synonyms.
    pub expansions: Expansions,
    /// The corpus's words, read on first use ([`Searchable::words`]).
    words: OnceLock<Vec<String>>,
}

impl Searchable {
    /// Opens the live generation of `index_dir` and the synonyms of `corpus`
    /// (`corpus/synonyms.txt`, none when there is no such file).
    pub fn open(index_dir: &Path, corpus: &Path) -> Result<Searchable> {
        let synonyms = synonyms::load(corpus)?;
        let mut searchable = Searchable::open_live(index_dir)?;
        searchable.expansions.add_synonyms(&synonyms);
        Ok(searchable)
    }

    /// Opens the live generation, starting over while writers publish new ones.
    fn open_live(index_dir: &Path) -> Result<Searchable> {
        let mut retry = Retry::new(index_dir);
        loop {
            let Some(name) = generation::live_name(index_dir)? else {
                return Err(if generation::is_ours_or_empty(index_dir) {
                    Error::IndexMissing(index_dir.to_path_buf())
                } else {
                    Error::NotAnIndex(index_dir.to_path_buf())
                });
            };
            // tantivy panics on some damaged files (one shorter than its footer, say) where it
            // should return an error: a panic while opening is a damaged index.
            let opened = std::panic::catch_unwind(|| Searchable::open_generation(index_dir, &name))
                .unwrap_or_else(|panic| {
                    let message = crate::panic_message(&*panic);
                    Err(generation::corrupt(
                        index_dir,
                        format!("a damaged file ({message})"),
                    ))
                });
            match opened {
                Err(Error::IndexCorrupt { .. }) if retry.again(&name) => continue,
                other => return other,
            }
        }
    }

    fn open_generation(index_dir: &Path, name: &str) -> Result<Searchable> {
        let generation = Generation::open(index_dir, name)?;
        let dir = generation.dir();
        let damaged = |e: &dyn std::fmt::Display| generation.corrupt(e.to_string());
        let index = Index::open_in_dir(&dir).map_err(|e| damaged(&e))?;
        analysis::register(&index);
        let fields = Fields::from_schema(&index.schema()).map_err(|e| damaged(&e))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: tantivy::TantivyError| damaged(&e))?;
        let searcher = reader.searcher();
        // tantivy opens a missing positions file as an empty one (for schemas without
        // positions), so a generation removed while we opened it can look whole. A positions
        // file still there now was there when the reader opened it: the reader holds them all.
        for segment in searcher.segment_readers() {
            let positions = format!("{}.pos", segment.segment_id().uuid_string());
            if !dir.join(&positions).is_file() {
                return Err(damaged(&format!("{positions} vanished while opening")));
            }
        }
        let expansions = Expansions::new(&generation.abbreviations()?);
        Ok(Searchable {
            generation,
            searcher,
            fields,
            expansions,
            words: OnceLock::new(),
        })
    }

    /// The searcher on the generation (the same one for the life of this value).
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// Totals and provenance of the generation.
    pub fn summary(&self) -> &Summary {
        &self.generation.summary
    }

    /// The generation's folder name.
    pub fn generation_name(&self) -> &str {
        self.generation.name()
    }

    /// The index folder.
    pub fn index_dir(&self) -> &Path {
        self.generation.index_dir()
    }

    /// The corpus's words (for typo correction), sorted; read from the generation once.
    pub fn words(&self) -> Result<&[String]> {
        if let Some(words) = self.words.get() {
            return Ok(words);
        }
        let words = self.generation.words()?;
        Ok(self.words.get_or_init(|| words))
    }

    /// Every abbreviation definition of the corpus, with file and line.
    pub fn definitions(&self) -> Result<Vec<Definition>> {
        self.generation.definitions()
    }

    /// Corpus files that differ from what the generation was built from, by path (see
    /// [`Plan::differences`]). Compares sizes and modification times only (no file is read).
    pub fn stale_files(&self, corpus_dir: &Path) -> Result<Vec<(String, Difference)>> {
        let (now, _) = corpus::scan(corpus_dir)?;
        let before = self.generation.files()?;
        Ok(Plan::new(&now, &before).differences())
    }

    /// The generation's size: its tantivy segments and medsearch's own files.
    pub fn size_bytes(&self) -> Result<u64> {
        let segments = self
            .searcher
            .space_usage()
            .map_err(|e| self.generation.corrupt(e.to_string()))?;
        Ok(segments.total().get_bytes() + self.generation.own_bytes()?)
    }

    /// The anchors of a document's records (empty when the index has no such document).
    pub fn anchors_of(&self, doc: &str) -> Result<HashSet<String>> {
        let term = Term::from_field_text(self.fields.doc, doc);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let mut anchors = HashSet::new();
        for address in self.searcher.search(&query, &DocSetCollector)? {
            let record: TantivyDocument = self.searcher.doc(address)?;
            if let Some(anchor) = record
                .get_first(self.fields.anchor)
                .and_then(|v| v.as_str())
            {
                anchors.insert(anchor.to_string());
            }
        }
        Ok(anchors)
    }
}
