//! An opened index, ready to search: [`Searchable`].
//!
//! [`Searchable::open`] is the one way to open an index for reading (the CLI, the fuzz target
//! and the latency bench all use it): the live generation as a snapshot that later writers
//! cannot break ([`super::generation`]), a tantivy searcher on it, the abbreviations the corpus
//! defines and the synonyms of the corpus folder. Everything a search may read later (the word
//! list for typo correction, the definitions, the file list for the staleness check) comes from
//! that snapshot.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, Searcher, TantivyDocument, Term};

use super::generation::{self, Generation, Retry};
use super::manifest::Summary;
use super::update::{Difference, Plan};
use super::{Fields, StoredRecord};
use crate::corpus;
use crate::error::{Error, Result};
use crate::expand::{Expansions, synonyms};
use crate::parse::Definition;
use crate::semantic::Model;
use crate::semantic::ModelId;
use crate::semantic::store::{Vectors, record_keys};

/// An opened index: one generation, held whole for as long as this lives.
pub struct Searchable {
    generation: Generation,
    /// The corpus folder as given: the records' paths are relative to it.
    corpus: PathBuf,
    index: Index,
    searcher: Searcher,
    /// The schema's fields.
    pub fields: Fields,
    /// What query words expand to: the corpus's abbreviations and synonyms.
    pub expansions: Expansions,
    /// The corpus's words, read on first use ([`Searchable::words`]).
    words: OnceLock<Vec<String>>,
    /// Document frequencies looked up so far ([`Searchable::doc_freq`]).
    doc_freqs: Mutex<HashMap<Term, u64>>,
    /// The semantic stage's vectors, laid out on first use ([`Searchable::vectors`]).
    vectors: OnceLock<Option<Vectors>>,
    /// The model folder to embed queries with, when not the one the index records.
    model_dir: Option<PathBuf>,
    /// The model, loaded on first use ([`Searchable::model`]).
    model: OnceLock<Model>,
}

/// Most document frequencies a [`Searchable`] remembers; past it, it forgets them all.
const DOC_FREQS_KEPT: usize = 100_000;

impl Searchable {
    /// Opens the live generation of `index_dir` and the synonyms of `corpus`
    /// (`corpus/synonyms.txt`, none when there is no such file).
    pub fn open(index_dir: &Path, corpus: &Path) -> Result<Searchable> {
        Searchable::open_with(index_dir, corpus, |_| Ok(()))
    }

    /// [`Searchable::open`], then [`Searchable::verify`] the whole generation (what `status`
    /// does): a generation replaced while it was being verified is not reported as damaged,
    /// the new one is verified instead.
    pub fn open_verified(index_dir: &Path, corpus: &Path) -> Result<Searchable> {
        Searchable::open_with(index_dir, corpus, Searchable::verify)
    }

    /// Opens the live generation and runs `check` on it, starting over while writers publish
    /// new ones (see [`Retry`]).
    fn open_with(
        index_dir: &Path,
        corpus: &Path,
        check: impl Fn(&Searchable) -> Result<()>,
    ) -> Result<Searchable> {
        Error::check_folder("corpus", corpus)?;
        Error::check_folder("index", index_dir)?;
        let synonyms = synonyms::load(corpus)?;
        let mut retry = Retry::new(index_dir);
        loop {
            let Some(name) = generation::live_name(index_dir)? else {
                return Err(if generation::is_ours_or_empty(index_dir) {
                    Error::IndexMissing(index_dir.to_path_buf())
                } else {
                    Error::NotAnIndex(index_dir.to_path_buf())
                });
            };
            let opened = Searchable::open_generation(index_dir, &name, corpus)
                .and_then(|s| check(&s).map(|()| s));
            match opened {
                Err(Error::IndexCorrupt { .. }) if retry.again(&name) => continue,
                Ok(mut searchable) => {
                    searchable.expansions.add_synonyms(&synonyms);
                    return Ok(searchable);
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn open_generation(index_dir: &Path, name: &str, corpus: &Path) -> Result<Searchable> {
        let generation = Generation::open(index_dir, name)?;
        let (index, searcher) = generation.segments()?;
        let fields = Fields::from_schema(&index.schema()).map_err(|e| generation.corrupt(e))?;
        let expansions = Expansions::new(&generation.abbreviations()?);
        Ok(Searchable {
            generation,
            corpus: corpus.to_path_buf(),
            index,
            searcher,
            fields,
            expansions,
            words: OnceLock::new(),
            doc_freqs: Mutex::new(HashMap::new()),
            vectors: OnceLock::new(),
            model_dir: None,
            model: OnceLock::new(),
        })
    }

    /// Checks the whole generation: the checksum of every segment file (each byte is read) and
    /// every file of medsearch's own decoded.
    pub fn verify(&self) -> Result<()> {
        let damaged = self
            .index
            .validate_checksum()
            .map_err(|e| self.generation.corrupt(e.to_string()))?;
        if !damaged.is_empty() {
            let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
            names.sort();
            return Err(self
                .generation
                .corrupt(format!("checksum mismatch in {}", names.join(", "))));
        }
        self.generation.files()?;
        self.generation.definitions()?;
        self.generation.words()?;
        self.generation.vectors(&|_| false)?;
        Ok(())
    }

    /// How many records hold `term`, over all segments, remembered for the life of this value
    /// (a snapshot: the number cannot change). A search asks for the same words' numbers
    /// several times (typo correction, then each query it compiles), a pasted page of
    /// unknown words hundreds of times each.
    pub fn doc_freq(&self, term: &Term) -> Result<u64> {
        let known = |map: &HashMap<Term, u64>| map.get(term).copied();
        let cache = || {
            self.doc_freqs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(n) = known(&cache()) {
            return Ok(n);
        }
        let n = self.searcher.doc_freq(term)?;
        let mut map = cache();
        if map.len() >= DOC_FREQS_KEPT {
            map.clear();
        }
        map.insert(term.clone(), n);
        Ok(n)
    }

    /// A stored record of this index read back, with its body (its `url` from the index's
    /// base URL when the page names none).
    pub fn record(&self, doc: &TantivyDocument) -> (StoredRecord, String) {
        self.fields.record(doc, self.summary().base_url.as_deref())
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

    /// The corpus folder, as given when the index was opened: the records' paths are
    /// relative to it.
    pub fn corpus(&self) -> &Path {
        &self.corpus
    }

    /// Corpus files that differ from what the generation was built from, by path (see
    /// [`Plan::differences`]). Compares sizes and modification times only (no file is read).
    pub fn stale_files(&self) -> Result<Vec<(String, Difference)>> {
        let (now, _) = corpus::scan(&self.corpus, generation::holds_an_index)?;
        let before = self.generation.files()?;
        Ok(Plan::new(&now, &before).differences())
    }

    /// Embeds queries with the model in `dir` instead of the folder the index records.
    pub fn use_model(&mut self, dir: Option<PathBuf>) {
        self.model_dir = dir;
    }

    /// The model folder given to [`Searchable::use_model`], if any.
    pub fn model_override(&self) -> Option<PathBuf> {
        self.model_dir.clone()
    }

    /// The semantic stage's vectors laid out by record, `None` when the index has none (read
    /// and laid out once).
    pub fn vectors(&self) -> Result<Option<&Vectors>> {
        if let Some(v) = self.vectors.get() {
            return Ok(v.as_ref());
        }
        let stored = self.generation.vectors(&|_| true)?;
        let laid = Vectors::new(&stored, &self.searcher)?;
        Ok(self.vectors.get_or_init(|| laid).as_ref())
    }

    /// The model of the index's vectors, how many records have one, and how many records there
    /// are (from the vectors' keys alone); `None` without vectors.
    pub fn vector_coverage(&self) -> Result<Option<(ModelId, usize, usize)>> {
        let stored = self.generation.vectors(&|_| false)?;
        let Some(model) = stored.head.model.clone() else {
            return Ok(None);
        };
        let keys = stored.keys();
        let records = record_keys(&self.searcher)?;
        let with = records.iter().filter(|(_, k)| keys.contains(k)).count();
        Ok(Some((model, with, records.len())))
    }

    /// The index's vectors and the model they were made with (loaded once, from the folder
    /// given to [`Searchable::use_model`], else the one the index records); `None` without
    /// vectors.
    pub fn model(&self) -> Result<Option<(&Vectors, &Model)>> {
        let Some(vectors) = self.vectors()? else {
            return Ok(None);
        };
        if let Some(model) = self.model.get() {
            return Ok(Some((vectors, model)));
        }
        let dir = self
            .model_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(&vectors.model_dir));
        let model = Model::load(&dir)?;
        if model.id().hash != vectors.model.hash {
            return Err(Error::Model {
                path: dir,
                message: format!(
                    "is not the model the index's vectors were made with ({})",
                    vectors.model
                ),
            });
        }
        Ok(Some((vectors, self.model.get_or_init(|| model))))
    }

    /// The generation's size: its tantivy segments and medsearch's own files.
    pub fn size_bytes(&self) -> Result<u64> {
        let segments = self
            .searcher
            .space_usage()
            .map_err(|e| self.generation.corrupt(e.to_string()))?;
        Ok(segments.total().get_bytes() + self.generation.own_bytes()?)
    }

    /// The records of one document or file, in line order, with their bodies (none when the
    /// index has no such document or file).
    pub fn records(&self, key: RecordKey) -> Result<Vec<(StoredRecord, String)>> {
        let term = match key {
            RecordKey::Doc(doc) => Term::from_field_text(self.fields.doc, doc),
            RecordKey::Path(path) => Term::from_field_text(self.fields.path, path),
        };
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let mut addresses: Vec<_> = self
            .searcher
            .search(&query, &DocSetCollector)?
            .into_iter()
            .collect();
        addresses.sort();
        let mut records = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = self.searcher.doc(address)?;
            records.push(self.record(&doc));
        }
        records.sort_by(|(a, _), (b, _)| a.doc.cmp(&b.doc).then(a.line.cmp(&b.line)));
        Ok(records)
    }

    /// Every document id of the index, sorted: the terms of the `doc` field that some live
    /// record holds (no stored field is read).
    pub fn document_ids(&self) -> Result<Vec<String>> {
        use tantivy::DocSet;
        let mut ids = std::collections::BTreeSet::new();
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.doc)?;
            let mut terms = inverted
                .terms()
                .stream()
                .map_err(|e| Error::Tantivy(e.into()))?;
            while terms.advance() {
                let Ok(id) = std::str::from_utf8(terms.key()) else {
                    continue;
                };
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .map_err(|e| Error::Tantivy(e.into()))?;
                let mut doc = postings.doc();
                while doc != tantivy::TERMINATED && segment.is_deleted(doc) {
                    doc = postings.advance();
                }
                if doc != tantivy::TERMINATED {
                    ids.insert(id.to_string());
                }
            }
        }
        Ok(ids.into_iter().collect())
    }

    /// The anchors of a document's records (empty when the index has no such document).
    pub fn anchors_of(&self, doc: &str) -> Result<HashSet<String>> {
        let records = self.records(RecordKey::Doc(doc))?;
        Ok(records.into_iter().map(|(r, _)| r.anchor).collect())
    }

    /// Calls `each` with every record of the index and its body, in index order, reading one
    /// at a time; stops at the first error `each` returns.
    pub fn for_each_record(
        &self,
        each: &mut dyn FnMut(&StoredRecord, &str) -> Result<()>,
    ) -> Result<()> {
        for (ord, segment) in self.searcher.segment_readers().iter().enumerate() {
            for doc_id in segment.doc_ids_alive() {
                let address = tantivy::DocAddress::new(ord as u32, doc_id);
                let doc: TantivyDocument = self.searcher.doc(address)?;
                let (record, body) = self.record(&doc);
                each(&record, &body)?;
            }
        }
        Ok(())
    }
}

/// Which records [`Searchable::records`] reads.
#[derive(Debug, Clone, Copy)]
pub enum RecordKey<'a> {
    /// A document, by its id.
    Doc(&'a str),
    /// A corpus file, by its path relative to the corpus.
    Path(&'a str),
}
