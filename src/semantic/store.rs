//! The vectors of a generation: `vectors.bin` and its segments, and the matrix a search scans.
//!
//! **On disk**: the head, `vectors.bin` ([`Head`], postcard): the model that made them
//! ([`ModelId`]), the model folder it was loaded from (so a later `index` run without
//! `--model` can embed what changed), and the list of segment files with their number of
//! vectors. A segment (`vectors-<generation>.seg`) holds the vectors one embedding run (or one
//! of its checkpoints) made, one per distinct text, keyed by [`super::key_of`]; it is written
//! once and never modified. A new generation links the segments of the one before (see
//! [`crate::index::generation`]) and adds its own, so a one-page edit writes a few vectors and
//! a small head, not the whole store. A record finds its vector by its `embed_key` fast field;
//! a key in two segments has the same vector in both (the same text, the same model).
//!
//! **Compaction** ([`to_merge`]): segments of texts no record has any more are not rewritten
//! at each edit. The last checkpoint of a run merges segments (with what it embedded) into one,
//! keeping only live texts' vectors: all of them when more than a quarter of the vectors
//! stored are stale, else, when there would be more than [`MAX_SEGMENTS`], the smallest, so
//! that half that many are left (the bulk of the store is seldom rewritten, and a reader opens
//! few files).
//!
//! **The segment format**, written by hand, with reason: postcard decodes a vector number by
//! number and cannot read the keys without the numbers, and an edit needs only the keys (which
//! texts have vectors) while a search needs the numbers at memory speed. So a segment is
//! little-endian, fixed-width: the magic `MSVECS01`, `dims` (u32), `count` (u32), `count` keys
//! (u64), then `count × dims` numbers (f32), read with one short read (keys) or one read
//! straight into the numbers' own memory ([`bytemuck`] views the `f32`s as bytes).
//!
//! **In memory** ([`Vectors`]): one row per record of the searcher's segments, in segment
//! then document order (a record without a vector has a zero row, cosine 0), so a query's
//! scores are one sequential pass over a dense matrix ([`Vectors::scores`]).
//!
//! **Two passes: 8 bits, then exact.** At 100,000 records of 384 dimensions the matrix is
//! 150 MB, and one pass over it is bound by memory bandwidth (13 ms measured on 2 cores, more
//! than the rest of a hybrid search). So each row is also kept in 8 bits (each number divided
//! by the row's largest magnitude, times 127, rounded: 4× less to read), the query likewise,
//! and the pass sums `i8 × i8` products in `i32`; the best `keep` records by that
//! approximation are then scored exactly in `f32`. The error of an 8-bit cosine is about
//! 0.004, far below the gaps that matter a few hundred ranks down; recall of the exact first
//! 100 is measured in BENCHMARKS.md. With `keep` 0, or at least the number of records, every
//! record is scored exactly. Memory: the 8-bit copy adds a quarter to the matrix.
//!
//! **Threads and AVX2.** The 8-bit pass splits the rows between the machine's cores (one
//! thread per [`ROWS_PER_THREAD`] rows at least), each keeping its own best, ties broken by
//! row so that the records kept do not depend on the split. Where the processor has AVX2
//! (detected when the pass runs), the dot products use its `pmaddwd`, written with
//! `std::arch` intrinsics because compilers widen `i8 × i8` to 32-bit multiplies instead;
//! elsewhere the same loop in portable lanes. At 99,017 records this took a Cranfield
//! question's hybrid search from 17.5 to 13.6 ms p50 on 2 cores (BENCHMARKS.md).

use std::ops::Range;
use std::path::Path;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};
use tantivy::{DocAddress, Searcher};

use super::ModelId;
use crate::error::{Error, Result};
use crate::index::schema::EMBED_KEY;

/// Rows below which the 8-bit pass is not worth another thread.
const ROWS_PER_THREAD: usize = 16_384;

/// The head file in a generation folder.
pub const FILE: &str = "vectors.bin";
/// Segment files are named `vectors-<generation>.seg`.
const SEGMENT_PREFIX: &str = "vectors-";
const SEGMENT_SUFFIX: &str = ".seg";
/// The first bytes of a segment.
const MAGIC: &[u8; 8] = b"MSVECS01";
/// Bytes before a segment's keys.
pub const SEGMENT_HEADER: u64 = 16;
/// Most segments a run leaves (see the module docs).
pub const MAX_SEGMENTS: usize = 8;

/// The head of a generation's vectors, as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Head {
    /// The model (`None` in an empty store).
    pub model: Option<ModelId>,
    /// The folder the model was loaded from, as given.
    pub model_dir: String,
    /// The segments, in the order they were written.
    pub segments: Vec<SegmentFile>,
}

/// One segment, as the head lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentFile {
    /// Its file name in the generation folder.
    pub file: String,
    /// Its number of vectors.
    pub count: usize,
}

impl Head {
    /// Decodes a head, checking that it names only segment files.
    pub fn decode(bytes: &[u8]) -> std::result::Result<Head, String> {
        let head: Head = postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
        if head.model.as_ref().is_some_and(|m| m.dims == 0) {
            return Err("vectors of 0 dimensions".into());
        }
        if let Some(bad) = head.segments.iter().find(|s| !is_segment(&s.file)) {
            return Err(format!("'{}' is not a segment file name", bad.file));
        }
        Ok(head)
    }

    /// Writes the head into a generation folder (replacing a linked file of the same name
    /// rather than writing through the link), and removes the segment files there that it does
    /// not list (linked from the generation before, merged away since).
    pub fn write(&self, gen_dir: &Path) -> Result<()> {
        let bytes = postcard::to_stdvec(self).expect("vectors head serializes");
        crate::index::manifest::write_durably(&gen_dir.join(FILE), &bytes)?;
        let listed: HashSet<&str> = self.segments.iter().map(|s| s.file.as_str()).collect();
        let entries = std::fs::read_dir(gen_dir).map_err(|e| Error::io(gen_dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if is_segment(&name) && !listed.contains(name.as_ref()) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    }

    /// The vector length.
    pub fn dims(&self) -> usize {
        self.model.as_ref().map_or(0, |m| m.dims)
    }

    /// Vectors stored, in all segments.
    pub fn stored(&self) -> usize {
        self.segments.iter().map(|s| s.count).sum()
    }
}

/// Whether a file name is a segment's.
fn is_segment(name: &str) -> bool {
    name.starts_with(SEGMENT_PREFIX)
        && name.ends_with(SEGMENT_SUFFIX)
        && !name.contains(['/', '\\'])
}

/// The name of the segment a generation writes.
pub fn segment_name(generation: &str) -> String {
    let id = generation.trim_start_matches(crate::index::generation::PREFIX);
    format!("{SEGMENT_PREFIX}{id}{SEGMENT_SUFFIX}")
}

/// A segment's length in bytes (`None` past `u64`: a damaged head).
pub fn segment_len(count: usize, dims: usize) -> Option<u64> {
    let per_vector = (dims as u64).checked_mul(4)?.checked_add(8)?;
    (count as u64)
        .checked_mul(per_vector)?
        .checked_add(SEGMENT_HEADER)
}

/// Vectors as read from segments or made by a run: `keys[i]`'s vector is
/// `data[i × dims..]` (`data` is empty when only the keys were read).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segment {
    /// The text keys.
    pub keys: Vec<u64>,
    /// The numbers, `dims` per key, or none.
    pub data: Vec<f32>,
}

impl Segment {
    /// The segment file's bytes.
    pub fn encode(&self, dims: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(16 + self.keys.len() * 8 + self.data.len() * 4);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(dims as u32).to_le_bytes());
        bytes.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for key in &self.keys {
            bytes.extend_from_slice(&key.to_le_bytes());
        }
        for x in &self.data {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        bytes
    }

    /// Reads a segment file of `count` vectors of `dims` numbers, `len` bytes long, by
    /// `read(offset, buffer)` (which fills the buffer from that offset): its keys, and its
    /// numbers when `numbers`.
    pub fn read(
        len: u64,
        count: usize,
        dims: usize,
        numbers: bool,
        mut read: impl FnMut(u64, &mut [u8]) -> std::io::Result<()>,
    ) -> std::result::Result<Segment, String> {
        let expected = segment_len(count, dims);
        if Some(len) != expected {
            let expected = expected.map_or("more than 2^64".into(), |n| n.to_string());
            return Err(format!(
                "{len} bytes for {count} vectors of {dims} numbers ({expected} expected)"
            ));
        }
        let mut head = vec![0u8; SEGMENT_HEADER as usize + 8 * count];
        read(0, &mut head).map_err(|e| e.to_string())?;
        let word = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().expect("4 bytes"));
        if &head[..8] != MAGIC || word(8) as usize != dims || word(12) as usize != count {
            return Err("not a vector segment of the size its head says".into());
        }
        let keys = head[SEGMENT_HEADER as usize..]
            .chunks_exact(8)
            .map(|k| u64::from_le_bytes(k.try_into().expect("8 bytes")))
            .collect();
        let mut data = Vec::new();
        if numbers {
            data = vec![0f32; count * dims];
            read(head.len() as u64, bytemuck::cast_slice_mut(&mut data))
                .map_err(|e| e.to_string())?;
            if cfg!(target_endian = "big") {
                for x in &mut data {
                    *x = f32::from_bits(u32::from_le(x.to_bits()));
                }
            }
        }
        Ok(Segment { keys, data })
    }

    /// Appends the vectors of `other` whose key is in `live` (all when `live` is `None`).
    pub fn extend_from(&mut self, other: &Segment, dims: usize, live: Option<&HashSet<u64>>) {
        for (i, key) in other.keys.iter().enumerate() {
            if live.is_none_or(|live| live.contains(key)) {
                self.keys.push(*key);
                self.data
                    .extend_from_slice(&other.data[i * dims..(i + 1) * dims]);
            }
        }
    }
}

/// Which of the segments (their vector counts, in order) the last checkpoint of a run merges,
/// `stale` of their vectors being of texts no record has any more, and `fresh` vectors just
/// embedded to be written as one more segment (see the module docs).
pub fn to_merge(counts: &[usize], stale: usize, fresh: usize) -> Vec<usize> {
    let stored: usize = counts.iter().sum();
    if stale > 0 && stale * 4 > stored {
        return (0..counts.len()).collect();
    }
    if counts.len() + usize::from(fresh > 0) <= MAX_SEGMENTS {
        return Vec::new();
    }
    // The smallest, so that MAX_SEGMENTS / 2 are left with the merged one: a merge rewrites
    // the vectors of recent edits, seldom the bulk of the store.
    let mut smallest: Vec<usize> = (0..counts.len()).collect();
    smallest.sort_by_key(|&i| (counts[i], i));
    smallest.truncate(counts.len() + 1 - MAX_SEGMENTS / 2);
    smallest.sort_unstable();
    smallest
}

/// Carries the vectors of generation folder `from` into the new generation folder `to`: each
/// segment that reads back whole (its keys: a damaged one is left behind, and its texts
/// embedded again by the next embedding run) is linked (or copied), and a head listing them
/// written. A store of the single-file format before segments (format 12) becomes one segment.
/// Whether `to` has vectors (false when `from`'s head is unreadable).
pub fn carry(from: &Path, to: &Path) -> bool {
    let Ok(bytes) = std::fs::read(from.join(FILE)) else {
        return false;
    };
    let mut head = match Head::decode(&bytes) {
        Ok(head) => head,
        Err(_) => match from_single_file(&bytes, to) {
            Some(head) => head,
            None => return false,
        },
    };
    let dims = head.dims();
    head.segments.retain(|listed| {
        let (source, target) = (from.join(&listed.file), to.join(&listed.file));
        let there = target.is_file()
            || std::fs::hard_link(&source, &target).is_ok()
            || std::fs::copy(&source, &target).is_ok();
        there && reads_back(&target, listed, dims)
    });
    head.write(to).is_ok()
}

/// Whether a segment file's keys read back whole.
fn reads_back(path: &Path, listed: &SegmentFile, dims: usize) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return false;
    };
    let read = |offset, buffer: &mut [u8]| {
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buffer)
    };
    Segment::read(len, listed.count, dims, false, read).is_ok()
}

/// The store as written before segments (one postcard file), as a head whose one segment is
/// written into `to`; `None` when `bytes` are not such a store.
fn from_single_file(bytes: &[u8], to: &Path) -> Option<Head> {
    #[derive(Deserialize)]
    struct SingleFile {
        model: Option<ModelId>,
        model_dir: String,
        keys: Vec<u64>,
        data: Vec<f32>,
    }
    let old: SingleFile = postcard::from_bytes(bytes).ok()?;
    let dims = old.model.as_ref()?.dims;
    if dims == 0 || old.data.len() != old.keys.len() * dims {
        return None;
    }
    let generation = to.file_name()?.to_string_lossy();
    let file = segment_name(&generation);
    let segment = Segment {
        keys: old.keys,
        data: old.data,
    };
    let bytes = segment.encode(dims);
    crate::index::manifest::write_durably(&to.join(&file), &bytes).ok()?;
    Some(Head {
        model: old.model,
        model_dir: old.model_dir,
        segments: vec![SegmentFile {
            file,
            count: segment.keys.len(),
        }],
    })
}

/// The vectors of a generation as read: the head and its segments, in its order.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// The head.
    pub head: Head,
    /// The segments (keys only, or with their numbers).
    pub segments: Vec<Segment>,
}

impl Stored {
    /// Every key stored, in any segment.
    pub fn keys(&self) -> HashSet<u64> {
        self.segments
            .iter()
            .flat_map(|s| &s.keys)
            .copied()
            .collect()
    }

    /// Key → (segment, position) of its vector.
    pub fn positions(&self) -> HashMap<u64, (usize, usize)> {
        let mut at = HashMap::default();
        at.reserve(self.head.stored());
        for (s, segment) in self.segments.iter().enumerate() {
            at.extend(segment.keys.iter().enumerate().map(|(i, &k)| (k, (s, i))));
        }
        at
    }

    /// The vector at a position (read with its numbers).
    pub fn vector(&self, (segment, at): (usize, usize)) -> &[f32] {
        let dims = self.head.dims();
        &self.segments[segment].data[at * dims..(at + 1) * dims]
    }
}

/// Each alive record of a searcher with its text key, in segment then document order.
pub fn record_keys(searcher: &Searcher) -> Result<Vec<(DocAddress, u64)>> {
    let mut out = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let column = reader.fast_fields().u64(EMBED_KEY)?;
        for doc in reader.doc_ids_alive() {
            let key = column.first(doc).unwrap_or(0);
            out.push((DocAddress::new(ord as u32, doc), key));
        }
    }
    Ok(out)
}

/// The vectors of a searcher's records, ready to scan (see the module docs).
pub struct Vectors {
    /// The model.
    pub model: ModelId,
    /// The folder it was loaded from.
    pub model_dir: String,
    dims: usize,
    addresses: Vec<DocAddress>,
    matrix: Vec<f32>,
    /// The matrix in 8 bits: row `r` is `codes[r × dims..]`, each number times `scales[r]`.
    codes: Vec<i8>,
    scales: Vec<f32>,
}

impl Vectors {
    /// Lays the stored vectors out by record.
    pub fn new(stored: &Stored, searcher: &Searcher) -> Result<Option<Vectors>> {
        let Some(model) = stored.head.model.clone() else {
            return Ok(None);
        };
        let dims = model.dims;
        let at = stored.positions();
        let keys = record_keys(searcher)?;
        let mut matrix = vec![0f32; keys.len() * dims];
        for (row, (_, key)) in keys.iter().enumerate() {
            if let Some(&i) = at.get(key) {
                matrix[row * dims..(row + 1) * dims].copy_from_slice(stored.vector(i));
            }
        }
        let addresses = keys.into_iter().map(|(a, _)| a).collect();
        let mut vectors = Vectors::laid_out(model, addresses, matrix);
        vectors.model_dir = stored.head.model_dir.clone();
        Ok(Some(vectors))
    }

    /// The rows of `matrix`, one per address (in order), with their 8-bit copy.
    fn laid_out(model: ModelId, addresses: Vec<DocAddress>, matrix: Vec<f32>) -> Vectors {
        let dims = model.dims;
        let (mut codes, mut scales) = (Vec::with_capacity(matrix.len()), Vec::new());
        for row in matrix.chunks_exact(dims.max(1)) {
            scales.push(quantize(row, &mut codes));
        }
        Vectors {
            model,
            model_dir: String::new(),
            dims,
            addresses,
            matrix,
            codes,
            scales,
        }
    }

    /// The exact cosine with `query` (a unit vector) of the `keep` records with the best
    /// 8-bit cosine among those `wanted` (every wanted record when `keep` is 0 or reaches
    /// their number), with the records' addresses, in no particular order.
    pub fn scores(
        &self,
        query: &[f32],
        keep: usize,
        wanted: &(dyn Fn(DocAddress) -> bool + Sync),
    ) -> Vec<(f32, DocAddress)> {
        let exact = |r: usize| {
            let row = &self.matrix[r * self.dims..(r + 1) * self.dims];
            (dot(row, query), self.addresses[r])
        };
        let n = self.addresses.len();
        if keep == 0 || keep >= n {
            return (0..n)
                .filter(|&r| wanted(self.addresses[r]))
                .map(exact)
                .collect();
        }
        // The query's own scale is the same for every row: it cannot change the order.
        let mut q = Vec::with_capacity(self.dims);
        quantize(query, &mut q);
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(n.div_ceil(ROWS_PER_THREAD));
        let chunk = n.div_ceil(threads);
        let best = |start: usize| {
            let mut found = self.approximate(&q, start..(start + chunk).min(n), wanted);
            keep_best(&mut found, keep);
            found
        };
        let mut kept = std::thread::scope(|scope| {
            let others: Vec<_> = (1..threads)
                .map(|t| scope.spawn(move || best(t * chunk)))
                .collect();
            let mut kept = best(0);
            for other in others {
                kept.extend(
                    other
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                );
            }
            kept
        });
        keep_best(&mut kept, keep);
        kept.into_iter().map(|(_, r)| exact(r as usize)).collect()
    }

    /// The 8-bit cosine (times the query's scale) of each wanted row of `rows`, with the
    /// row: compiled for AVX2 too, and run so where the processor has it.
    fn approximate(
        &self,
        q: &[i8],
        rows: Range<usize>,
        wanted: &(dyn Fn(DocAddress) -> bool + Sync),
    ) -> Vec<(f32, u32)> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            return unsafe { self.approximate_avx2(q, rows, wanted) };
        }
        self.approximate_with(dot_i8, q, rows, wanted)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn approximate_avx2(
        &self,
        q: &[i8],
        rows: Range<usize>,
        wanted: &(dyn Fn(DocAddress) -> bool + Sync),
    ) -> Vec<(f32, u32)> {
        self.approximate_with(|a, b| dot_i8_avx2(a, b), q, rows, wanted)
    }

    #[inline(always)]
    fn approximate_with(
        &self,
        dot_i8: impl Fn(&[i8], &[i8]) -> i32,
        q: &[i8],
        rows: Range<usize>,
        wanted: &(dyn Fn(DocAddress) -> bool + Sync),
    ) -> Vec<(f32, u32)> {
        let mut found = Vec::with_capacity(rows.len());
        for r in rows {
            if wanted(self.addresses[r]) {
                let codes = &self.codes[r * self.dims..(r + 1) * self.dims];
                found.push((dot_i8(codes, q) as f32 * self.scales[r], r as u32));
            }
        }
        found
    }

    /// The cosine of one record with `query`, if it is a record of these vectors.
    pub fn score(&self, query: &[f32], address: DocAddress) -> Option<f32> {
        Some(dot(self.vector(address)?, query))
    }

    /// A record's vector, if it is a record of these vectors.
    pub fn vector(&self, address: DocAddress) -> Option<&[f32]> {
        let row = self.addresses.binary_search(&address).ok()?;
        Some(&self.matrix[row * self.dims..(row + 1) * self.dims])
    }

    /// Checks that a query vector fits.
    pub fn check(&self, query: &[f32]) -> Result<()> {
        match query.len() == self.dims {
            true => Ok(()),
            false => Err(Error::Internal(format!(
                "a query vector of {} numbers for vectors of {}",
                query.len(),
                self.dims
            ))),
        }
    }
}

/// Appends `row` in 8 bits to `codes` (each number over the row's largest magnitude, times
/// 127, rounded) and returns the scale that multiplies them back (0 for a zero row).
fn quantize(row: &[f32], codes: &mut Vec<i8>) -> f32 {
    let largest = row.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = largest / 127.0;
    codes.extend(row.iter().map(|x| match scale > 0.0 {
        true => (x / scale).round().clamp(-127.0, 127.0) as i8,
        false => 0,
    }));
    scale
}

/// Keeps the `keep` best of `found`, by score then row: the same records however the rows
/// were split between threads.
fn keep_best(found: &mut Vec<(f32, u32)>, keep: usize) {
    if keep > 0 && keep < found.len() {
        found.select_nth_unstable_by(keep - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        found.truncate(keep);
    }
}

/// The dot product of two 8-bit vectors, in `i32`, in sixteen lanes.
#[inline(always)]
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut lanes = [0i32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    for (x, y) in ca.clone().zip(cb.clone()) {
        for i in 0..16 {
            lanes[i] += i32::from(x[i]) * i32::from(y[i]);
        }
    }
    lanes.iter().sum::<i32>() + dot_i8_tail(ca.remainder(), cb.remainder())
}

/// [`dot_i8`] with AVX2's `pmaddwd` (sixteen 8-bit numbers widened to 16 bits, multiplied,
/// and summed in pairs into eight 32-bit lanes), which compilers do not find on their own.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    use std::arch::x86_64::*;
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let mut sum = _mm256_setzero_si256();
    for (x, y) in ca.clone().zip(cb.clone()) {
        // SAFETY: each chunk is 16 bytes, what an unaligned 128-bit load reads.
        let (x, y) = unsafe {
            (
                _mm_loadu_si128(x.as_ptr().cast()),
                _mm_loadu_si128(y.as_ptr().cast()),
            )
        };
        let products = _mm256_madd_epi16(_mm256_cvtepi8_epi16(x), _mm256_cvtepi8_epi16(y));
        sum = _mm256_add_epi32(sum, products);
    }
    let mut lanes = [0i32; 8];
    // SAFETY: `lanes` is 32 bytes, what an unaligned 256-bit store writes.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), sum) };
    lanes.iter().sum::<i32>() + dot_i8_tail(ca.remainder(), cb.remainder())
}

/// The dot product of the last few numbers.
#[inline(always)]
fn dot_i8_tail(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

/// The dot product, in eight lanes (which the compiler keeps in vector registers).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors of `matrix`'s rows, one record each (segment 0, in order).
    fn vectors_of(dims: usize, matrix: Vec<f32>) -> Vectors {
        let model = ModelId {
            name: "m".into(),
            dims,
            hash: "h".into(),
        };
        let addresses = (0..(matrix.len() / dims) as u32)
            .map(|d| DocAddress::new(0, d))
            .collect();
        Vectors::laid_out(model, addresses, matrix)
    }

    #[test]
    fn dot_matches_the_plain_sum_at_any_length() {
        for n in [0, 1, 7, 8, 9, 384, 385] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "length {n}");
        }
    }

    #[test]
    fn the_8_bit_pass_keeps_the_exact_best_and_scores_them_exactly() {
        let (dims, n) = (64, 3000);
        let mut state = 11u64;
        let mut random = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let mut unit = |_| {
            let v: Vec<f32> = (0..dims).map(|_| random()).collect();
            let norm = dot(&v, &v).sqrt();
            v.into_iter().map(|x| x / norm).collect::<Vec<f32>>()
        };
        let matrix: Vec<f32> = (0..n).flat_map(&mut unit).collect();
        let query = unit(0);
        let vectors = vectors_of(dims, matrix);
        let by_score = |v: &mut Vec<(f32, DocAddress)>| v.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut exact = vectors.scores(&query, 0, &|_| true);
        by_score(&mut exact);
        assert_eq!(exact.len(), n);
        let mut kept = vectors.scores(&query, 300, &|_| true);
        by_score(&mut kept);
        assert_eq!(kept.len(), 300);
        // Random vectors are the hard case (cosines crowd near 0); the first 100 still agree,
        // with the exact scores.
        assert_eq!(kept[..100], exact[..100]);
        // Only the records wanted are scored.
        let even = vectors.scores(&query, 300, &|a| a.doc_id % 2 == 0);
        assert!(even.iter().all(|(_, a)| a.doc_id % 2 == 0) && even.len() == 300);
    }

    #[test]
    fn the_8_bit_dot_is_the_same_in_every_instruction_set() {
        for n in [0, 5, 16, 24, 384, 390] {
            let a: Vec<i8> = (0..n).map(|i| ((i * 37) % 255) as i8).collect();
            let b: Vec<i8> = (0..n).map(|i| ((i * 91 + 7) % 255) as i8).collect();
            let plain: i32 = a.iter().zip(&b).map(|(&x, &y)| x as i32 * y as i32).sum();
            assert_eq!(dot_i8(&a, &b), plain, "length {n}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2 (checked just above).
                assert_eq!(unsafe { dot_i8_avx2(&a, &b) }, plain, "length {n}");
            }
        }
    }

    #[test]
    fn the_8_bit_pass_keeps_the_same_records_on_any_number_of_threads() {
        let (dims, n, keep) = (24, 2 * ROWS_PER_THREAD + 5, 500);
        let matrix: Vec<f32> = (0..n * dims)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let query: Vec<f32> = (0..dims).map(|i| (i as f32 * 0.3).sin()).collect();
        let vectors = vectors_of(dims, matrix);
        let mut q = Vec::new();
        quantize(&query, &mut q);
        let mut one_thread = vectors.approximate_with(dot_i8, &q, 0..n, &|_| true);
        keep_best(&mut one_thread, keep);
        let mut expected: Vec<u32> = one_thread.iter().map(|&(_, r)| r).collect();
        let mut got: Vec<u32> = vectors
            .scores(&query, keep, &|_| true)
            .iter()
            .map(|(_, a)| a.doc_id)
            .collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }

    /// A segment's bytes, read as a generation reads a held file.
    fn read_back(
        bytes: &[u8],
        count: usize,
        dims: usize,
        numbers: bool,
    ) -> Result<Segment, String> {
        Segment::read(bytes.len() as u64, count, dims, numbers, |at, buffer| {
            let at = at as usize;
            let part = bytes.get(at..at + buffer.len());
            let part =
                part.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
            buffer.copy_from_slice(part);
            Ok(())
        })
    }

    #[test]
    fn a_segment_round_trips_whole_or_keys_only() {
        let segment = Segment {
            keys: vec![1, u64::MAX, 3],
            data: vec![1., 0., 0., -1., 0.6, 0.8],
        };
        let bytes = segment.encode(2);
        assert_eq!(Some(bytes.len() as u64), segment_len(3, 2));
        assert_eq!(segment_len(usize::MAX, 384), None);
        assert_eq!(&bytes[..8], b"MSVECS01");
        assert_eq!(read_back(&bytes, 3, 2, true).unwrap(), segment);
        let keys = read_back(&bytes, 3, 2, false).unwrap();
        assert_eq!((keys.keys, keys.data), (segment.keys.clone(), vec![]));
        // Read as a head says, or refused: cut short, another count, other dimensions.
        assert!(read_back(&bytes[..bytes.len() - 4], 3, 2, true).is_err());
        assert!(read_back(&bytes, 2, 2, false).is_err());
        let mut other = segment.encode(2);
        other[8] = 3;
        assert!(read_back(&other, 3, 2, true).is_err());
        assert!(read_back(&segment.encode(2), 2, 3, true).is_err());
    }

    #[test]
    fn stored_vectors_are_found_by_key_in_any_segment() {
        let model = ModelId {
            name: "m".into(),
            dims: 2,
            hash: "h".into(),
        };
        let files = |n| SegmentFile {
            file: format!("vectors-{n}.seg"),
            count: 2,
        };
        let stored = Stored {
            head: Head {
                model: Some(model),
                model_dir: "dir".into(),
                segments: vec![files(1), files(2)],
            },
            segments: vec![
                Segment {
                    keys: vec![7, 8],
                    data: vec![1., 0., 0., 1.],
                },
                Segment {
                    keys: vec![9, 10],
                    data: vec![0.6, 0.8, 0.8, 0.6],
                },
            ],
        };
        let at = stored.positions();
        assert_eq!(stored.vector(at[&8]), &[0., 1.]);
        assert_eq!(stored.vector(at[&9]), &[0.6, 0.8]);
        assert!(!at.contains_key(&1));
        let mut live_only = Segment::default();
        let live: HashSet<u64> = [10, 7].into_iter().collect();
        for segment in &stored.segments {
            live_only.extend_from(segment, 2, Some(&live));
        }
        assert_eq!(live_only.keys, vec![7, 10]);
        assert_eq!(live_only.data, vec![1., 0., 0.8, 0.6]);
    }

    #[test]
    fn a_head_names_only_segment_files() {
        let head = |file: &str| Head {
            model: None,
            model_dir: String::new(),
            segments: vec![SegmentFile {
                file: file.into(),
                count: 1,
            }],
        };
        let decode = |h: Head| Head::decode(&postcard::to_stdvec(&h).unwrap());
        assert!(decode(head("vectors-12-3.seg")).is_ok());
        for bad in ["../vectors-1.seg", "meta.json", "vectors-1/x.seg"] {
            assert!(decode(head(bad)).is_err(), "{bad}");
        }
        assert_eq!(segment_name("gen-17-4"), "vectors-17-4.seg");
    }

    /// A generation folder pair under a temporary folder.
    fn folders() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("gen-1-1"), dir.path().join("gen-2-1"));
        std::fs::create_dir_all(&from).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        (dir, from, to)
    }

    fn model(dims: usize) -> ModelId {
        ModelId {
            name: "m".into(),
            dims,
            hash: "h".into(),
        }
    }

    #[test]
    fn a_store_of_the_single_file_format_is_carried_as_one_segment() {
        #[derive(Serialize)]
        struct SingleFile {
            model: Option<ModelId>,
            model_dir: String,
            keys: Vec<u64>,
            data: Vec<f32>,
        }
        let (_dir, from, to) = folders();
        let old = SingleFile {
            model: Some(model(2)),
            model_dir: "models/m".into(),
            keys: vec![5, 6],
            data: vec![1., 0., 0.6, 0.8],
        };
        std::fs::write(from.join(FILE), postcard::to_stdvec(&old).unwrap()).unwrap();
        assert!(carry(&from, &to));
        let head = Head::decode(&std::fs::read(to.join(FILE)).unwrap()).unwrap();
        assert_eq!(
            (head.model, head.model_dir.as_str()),
            (Some(model(2)), "models/m")
        );
        let listed = &head.segments[0];
        assert_eq!((listed.file.as_str(), listed.count), ("vectors-2-1.seg", 2));
        let bytes = std::fs::read(to.join(&listed.file)).unwrap();
        let back = read_back(&bytes, 2, 2, true).unwrap();
        assert_eq!((back.keys, back.data), (old.keys, old.data));
    }

    #[test]
    fn a_damaged_segment_is_left_behind_when_carried() {
        let (_dir, from, to) = folders();
        let segment = |keys: Vec<u64>| Segment {
            data: vec![0.5; keys.len() * 2],
            keys,
        };
        let head = Head {
            model: Some(model(2)),
            model_dir: "m".into(),
            segments: vec![
                SegmentFile {
                    file: "vectors-1.seg".into(),
                    count: 2,
                },
                SegmentFile {
                    file: "vectors-2.seg".into(),
                    count: 1,
                },
            ],
        };
        std::fs::write(from.join("vectors-1.seg"), segment(vec![1, 2]).encode(2)).unwrap();
        let cut = segment(vec![3]).encode(2);
        std::fs::write(from.join("vectors-2.seg"), &cut[..cut.len() - 1]).unwrap();
        head.write(&from).unwrap();
        assert!(carry(&from, &to));
        let carried = Head::decode(&std::fs::read(to.join(FILE)).unwrap()).unwrap();
        assert_eq!(carried.segments, head.segments[..1]);
        assert!(!to.join("vectors-2.seg").exists());
        // An unreadable head carries nothing.
        std::fs::write(from.join(FILE), b"\x01garbage").unwrap();
        let (_other, _, elsewhere) = folders();
        assert!(!carry(&from, &elsewhere));
    }

    #[test]
    fn segments_merge_when_stale_or_too_many() {
        // Few segments, little stale: nothing merged (an edit writes only its own vectors).
        assert!(to_merge(&[1000, 3, 2], 10, 1).is_empty());
        assert!(to_merge(&[], 0, 5).is_empty());
        // More than a quarter stale: everything rewritten, live vectors only.
        assert_eq!(to_merge(&[1000, 3], 300, 0), vec![0, 1]);
        assert!(to_merge(&[1000, 3], 250, 0).is_empty());
        // One segment too many with the fresh one: the smallest merged, half as many left.
        let counts = [5, 1000, 2, 2, 2, 2, 3, 900];
        assert_eq!(to_merge(&counts, 0, 1), vec![2, 3, 4, 5, 6]);
        assert!(to_merge(&counts, 0, 0).is_empty());
    }
}
