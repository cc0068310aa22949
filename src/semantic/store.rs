//! The vectors of a generation: `vectors.bin`, and the matrix a search scans.
//!
//! **On disk** ([`Store`]): the model that made them ([`ModelId`]), the model folder it was
//! loaded from (so a later `index` run without `--model` can embed what changed), and one
//! vector per distinct embedded text, keyed by [`super::key_of`]; postcard-encoded, written
//! anew (never modified in place: generations link their files, see
//! [`crate::index::generation`]). A record finds its vector by its `embed_key` fast field.
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

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use tantivy::{DocAddress, Searcher};

use super::ModelId;
use crate::error::{Error, Result};
use crate::index::schema::EMBED_KEY;

/// Rows below which the 8-bit pass is not worth another thread.
const ROWS_PER_THREAD: usize = 16_384;

/// The file in a generation folder.
pub const FILE: &str = "vectors.bin";

/// The vectors of a generation, as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Store {
    /// The model (`None` in an empty store).
    pub model: Option<ModelId>,
    /// The folder the model was loaded from, as given.
    pub model_dir: String,
    /// The text keys, one per vector.
    pub keys: Vec<u64>,
    /// The vectors, `dims` numbers each, in the order of `keys`.
    pub data: Vec<f32>,
}

impl Store {
    /// Decodes a store.
    pub fn decode(bytes: &[u8]) -> std::result::Result<Store, String> {
        let store: Store = postcard::from_bytes(bytes).map_err(|e| e.to_string())?;
        let dims = store.model.as_ref().map_or(0, |m| m.dims);
        if store.model.is_some() && dims == 0 {
            return Err("vectors of 0 dimensions".into());
        }
        if store.data.len() != store.keys.len() * dims {
            return Err(format!(
                "{} numbers for {} vectors of {dims}",
                store.data.len(),
                store.keys.len()
            ));
        }
        Ok(store)
    }

    /// Writes the store into a generation folder, replacing a linked file of the same name
    /// rather than writing through the link.
    pub fn write(&self, gen_dir: &Path) -> Result<()> {
        let path = gen_dir.join(FILE);
        let bytes = postcard::to_stdvec(self).expect("vectors serialize");
        crate::index::manifest::write_durably(&path, &bytes)
    }

    /// The vector length.
    pub fn dims(&self) -> usize {
        self.model.as_ref().map_or(0, |m| m.dims)
    }

    /// Key → position of its vector.
    pub fn positions(&self) -> HashMap<u64, usize> {
        self.keys.iter().enumerate().map(|(i, &k)| (k, i)).collect()
    }

    /// The vector at a position.
    pub fn vector(&self, at: usize) -> &[f32] {
        let dims = self.dims();
        &self.data[at * dims..(at + 1) * dims]
    }

    /// Keeps only the vectors whose key is in `live`.
    pub fn retain(&mut self, live: &rustc_hash::FxHashSet<u64>) {
        let dims = self.dims();
        let (mut keys, mut data) = (Vec::new(), Vec::new());
        for (i, key) in self.keys.iter().enumerate() {
            if live.contains(key) {
                keys.push(*key);
                data.extend_from_slice(&self.data[i * dims..(i + 1) * dims]);
            }
        }
        (self.keys, self.data) = (keys, data);
    }
}

/// Makes sure the generation folder `to` holds the vectors file of `from` (a hard link, or a
/// copy): whether it does.
pub fn carry(from: &Path, to: &Path) -> bool {
    let (source, target) = (from.join(FILE), to.join(FILE));
    target.is_file()
        || std::fs::hard_link(&source, &target).is_ok()
        || std::fs::copy(&source, &target).is_ok()
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
    /// Records with a vector.
    pub with_vectors: usize,
}

impl Vectors {
    /// Lays the store's vectors out by record.
    pub fn new(store: &Store, searcher: &Searcher) -> Result<Option<Vectors>> {
        let Some(model) = store.model.clone() else {
            return Ok(None);
        };
        let dims = model.dims;
        let at = store.positions();
        let keys = record_keys(searcher)?;
        let mut matrix = vec![0f32; keys.len() * dims];
        let mut with_vectors = 0;
        for (row, (_, key)) in keys.iter().enumerate() {
            if let Some(&i) = at.get(key) {
                matrix[row * dims..(row + 1) * dims].copy_from_slice(store.vector(i));
                with_vectors += 1;
            }
        }
        let addresses = keys.into_iter().map(|(a, _)| a).collect();
        let mut vectors = Vectors::laid_out(model, addresses, matrix);
        (vectors.model_dir, vectors.with_vectors) = (store.model_dir.clone(), with_vectors);
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
            with_vectors: addresses.len(),
            addresses,
            matrix,
            codes,
            scales,
        }
    }

    /// Records in all.
    pub fn records(&self) -> usize {
        self.addresses.len()
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

    #[test]
    fn a_store_round_trips_and_keeps_only_live_keys() {
        let model = ModelId {
            name: "m".into(),
            dims: 2,
            hash: "h".into(),
        };
        let mut store = Store {
            model: Some(model),
            model_dir: "dir".into(),
            keys: vec![1, 2, 3],
            data: vec![1., 0., 0., 1., 0.6, 0.8],
        };
        let back = Store::decode(&postcard::to_stdvec(&store).unwrap()).unwrap();
        assert_eq!(back.keys, store.keys);
        assert_eq!(back.vector(2), &[0.6, 0.8]);
        store.retain(&[3, 1].into_iter().collect());
        assert_eq!(store.keys, vec![1, 3]);
        assert_eq!(store.data, vec![1., 0., 0.6, 0.8]);
        let mut cut = postcard::to_stdvec(&store).unwrap();
        cut.truncate(cut.len() - 3);
        assert!(Store::decode(&cut).is_err());
    }
}
