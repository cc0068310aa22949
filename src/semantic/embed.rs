//! `medsearch index --model DIR`: every record of the live generation gets a vector.
//!
//! Runs after the lexical update has published its generation (so the lexical index is never
//! held back by, or lost to, the embedding). Under the writers' lock it lists each record's
//! text key (the `embed_key` fast field), keeps the vectors the generation already has for
//! those keys, and embeds the texts of the others (read from the stored fields), longest
//! first, [`CHUNK`] at a time. It reads only the keys of the vectors stored, never their
//! numbers. Every [`CHECKPOINT`], when stopped (Ctrl-C), and at the end, the vectors embedded
//! since the last checkpoint are written as a new segment of a new generation (hard links to
//! the live one's files, the segment, a new head: [`super::store`]) and published: an
//! interrupted or killed run keeps what it embedded up to its last checkpoint, and the next run
//! embeds only the rest. The last checkpoint also merges segments when [`store::to_merge`]
//! says so, dropping the vectors of texts no record has any more. A model other than the one
//! the index's vectors were made with is refused (their cosines do not compare), unless the
//! caller replaces them (`index --full`).

use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use rustc_hash::FxHashSet as HashSet;
use tantivy::TantivyDocument;
use tantivy::schema::Value;

use super::store::{self, Head, Segment, SegmentFile, Stored};
use super::{Model, ModelId, text_of};
use crate::error::{Error, Result};
use crate::index::Fields;
use crate::index::generation::{self, Generation, Lock};
use crate::index::manifest;

/// Texts embedded between two progress reports.
pub const CHUNK: usize = 32;
/// Time between two checkpoints.
pub const CHECKPOINT: Duration = Duration::from_secs(60);

/// What an embedding run reports while it runs.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Waiting for another writer.
    Waiting,
    /// Texts embedded so far, of how many.
    Embedded {
        /// Done.
        done: usize,
        /// To do in all.
        of: usize,
    },
}

/// What an embedding run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The model.
    pub model: ModelId,
    /// Records in the index.
    pub records: usize,
    /// Texts embedded by this run.
    pub embedded: usize,
    /// Texts whose vectors were already there.
    pub kept: usize,
    /// Texts embedded by this run that were longer than the model's window (their first
    /// window embedded: [`super::model`]).
    pub cut: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// Gives every record of the index at `index_dir` a vector of `model` (loaded from
/// `model_dir`); `replace`: drop vectors of another model instead of refusing.
pub fn embed(
    index_dir: &Path,
    model: &Model,
    model_dir: &Path,
    replace: bool,
    on: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Report> {
    let started = Instant::now();
    let Some(_lock) = Lock::take(index_dir, || on(Progress::Waiting).is_continue())? else {
        return Err(Error::Interrupted("embedding stopped before it began"));
    };
    let Some(name) = generation::live_name(index_dir)? else {
        return Err(Error::IndexMissing(index_dir.to_path_buf()));
    };
    let mut base = Generation::open(index_dir, &name)?;
    let (index, searcher) = base.segments()?;
    let fields = Fields::from_schema(&index.schema()).map_err(|e| base.corrupt(e))?;
    let mut head = base.vector_head();
    match &head.model {
        Some(had) if had.hash != model.id().hash && !replace => {
            return Err(Error::Model {
                path: model_dir.to_path_buf(),
                message: format!(
                    "is not the model the index's vectors were made with ({had}); to replace \
                     them all, index in full with this model"
                ),
            });
        }
        Some(had) if had.hash == model.id().hash => {}
        _ => head = Head::default(),
    }
    head.model = Some(model.id().clone());
    head.model_dir = model_dir.display().to_string();
    let dims = head.dims();

    let keys = store::record_keys(&searcher)?;
    let live: HashSet<u64> = keys.iter().map(|(_, k)| *k).collect();
    let stored = match head.segments.is_empty() {
        true => Stored::default(),
        false => base.vectors(&|_| false)?,
    };
    let known = stored.keys();
    let mut todo: Vec<(u64, String)> = Vec::new();
    let mut queued = HashSet::default();
    for (address, key) in &keys {
        if known.contains(key) || !queued.insert(*key) {
            continue;
        }
        let doc: TantivyDocument = searcher.doc(*address)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let embedded = text_of(
            &text(fields.title),
            &text(fields.heading),
            &text(fields.body),
        );
        todo.push((*key, embedded));
    }
    todo.sort_by_key(|(_, text)| std::cmp::Reverse(text.len()));
    let kept = live.iter().filter(|k| known.contains(k)).count();
    let stale_in = |segment: &Segment| segment.keys.iter().filter(|k| !live.contains(k)).count();
    let stale: usize = stored.segments.iter().map(stale_in).sum();

    let of = todo.len();
    let mut last_checkpoint = Instant::now();
    let (mut done, mut cut) = (0, 0);
    let mut fresh = Segment::default();
    for chunk in todo.chunks(CHUNK) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
        let (vectors, longer) = model.embed_counting(&texts)?;
        cut += longer;
        for ((key, _), vector) in chunk.iter().zip(vectors) {
            fresh.keys.push(*key);
            fresh.data.extend_from_slice(&vector);
        }
        done += chunk.len();
        let flow = on(Progress::Embedded { done, of });
        if flow.is_break() {
            checkpoint(index_dir, &base, &mut head, &mut fresh)?;
            return Err(Error::Interrupted(
                "embedding stopped; what was embedded is kept, and the next run goes on from there",
            ));
        }
        if last_checkpoint.elapsed() >= CHECKPOINT && done < of {
            base = checkpoint(index_dir, &base, &mut head, &mut fresh)?;
            last_checkpoint = Instant::now();
        }
    }
    let counts: Vec<usize> = head.segments.iter().map(|s| s.count).collect();
    let merge = store::to_merge(&counts, stale, fresh.keys.len());
    if !merge.is_empty() {
        // The segments merged are read from the last generation published (which holds every
        // segment of the run) and written with the fresh vectors as one.
        let whole = base.vectors(&|i| merge.contains(&i))?;
        let mut merged = Segment::default();
        for &i in &merge {
            merged.extend_from(&whole.segments[i], dims, Some(&live));
        }
        merged.extend_from(&fresh, dims, None);
        fresh = merged;
        let segments = std::mem::take(&mut head.segments).into_iter().enumerate();
        head.segments = segments
            .filter(|(i, _)| !merge.contains(i))
            .map(|(_, s)| s)
            .collect();
    }
    if !fresh.keys.is_empty()
        || !merge.is_empty()
        || base.summary.vectors.as_ref() != head.model.as_ref()
    {
        checkpoint(index_dir, &base, &mut head, &mut fresh)?;
    }
    Ok(Report {
        model: model.id().clone(),
        records: keys.len(),
        embedded: of,
        kept,
        cut,
        elapsed: started.elapsed(),
    })
}

/// Publishes `base` with `head` as its vectors' head and `fresh` (when not empty) written as
/// one more segment, which joins `head` (and `fresh` is emptied); the generation published,
/// opened.
fn checkpoint(
    index_dir: &Path,
    base: &Generation,
    head: &mut Head,
    fresh: &mut Segment,
) -> Result<Generation> {
    let (name, dir) = generation::create(index_dir)?;
    let mut next = head.clone();
    let mut write = || -> Result<()> {
        generation::link_from(base, &dir)?;
        if !fresh.keys.is_empty() {
            let file = store::segment_name(&name);
            manifest::write_durably(&dir.join(&file), &fresh.encode(next.dims()))?;
            let count = fresh.keys.len();
            next.segments.push(SegmentFile { file, count });
        }
        next.write(&dir)?;
        let summary = manifest::Summary {
            vectors: next.model.clone(),
            ..base.summary.clone()
        };
        manifest::write(&dir, &summary, &base.files()?)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    // Outside the clean-up, like every publication (an error means not published): a folder
    // left by a failed one is litter the next writer removes.
    generation::publish(index_dir, &name)?;
    (*head, *fresh) = (next, Segment::default());
    Generation::open(index_dir, &name)
}
