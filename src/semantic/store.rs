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
//! scores are one sequential pass over a dense matrix ([`Vectors::scores`]): exact, and at
//! 100,000 records of 384 dimensions a few milliseconds.

use std::path::Path;

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use tantivy::{DocAddress, Searcher};

use super::ModelId;
use crate::error::{Error, Result};
use crate::index::schema::EMBED_KEY;

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
        Ok(Some(Vectors {
            model,
            model_dir: store.model_dir.clone(),
            dims,
            addresses: keys.into_iter().map(|(a, _)| a).collect(),
            matrix,
            with_vectors,
        }))
    }

    /// Records in all.
    pub fn records(&self) -> usize {
        self.addresses.len()
    }

    /// The cosine of every record with `query` (a unit vector), in record order, with the
    /// records' addresses.
    pub fn scores(&self, query: &[f32]) -> Vec<(f32, DocAddress)> {
        self.matrix
            .chunks_exact(self.dims)
            .zip(&self.addresses)
            .map(|(row, &address)| (dot(row, query), address))
            .collect()
    }

    /// The cosine of one record with `query`, if it is a record of these vectors.
    pub fn score(&self, query: &[f32], address: DocAddress) -> Option<f32> {
        let row = self.addresses.binary_search(&address).ok()?;
        Some(dot(
            &self.matrix[row * self.dims..(row + 1) * self.dims],
            query,
        ))
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
