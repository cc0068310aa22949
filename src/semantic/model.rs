//! A sentence-transformers model folder, loaded and run with candle: text → one unit vector.
//!
//! **The folder.** `config.json` (a BERT-family config: `model_type` `bert`, or an
//! architecture named `Bert…`), `tokenizer.json` (a Hugging Face tokenizer) and
//! `model.safetensors` (f32 weights, memory-mapped); the pooling comes from
//! `1_Pooling/config.json` when the folder has one (`pooling_mode_cls_token`,
//! `pooling_mode_mean_tokens`, `pooling_mode_max_tokens`), else the mean of the tokens. Every
//! vector is normalised to length 1, so a dot product is the cosine.
//!
//! **Tokens.** The tokenizer's own truncation and padding settings (which `tokenizer.json`
//! ships) are turned off: medsearch cuts and pads itself. A text is tokenized whole and cut
//! into windows of at most [`WINDOW`] tokens, each framed by the special tokens the tokenizer
//! adds (`[CLS]`…`[SEP]`); the first [`WINDOWS`] windows are embedded and their vectors
//! averaged. One window, measured: a section's title, heading and opening say what it is
//! about, and the rest of a long text blurs that. On MED (abstracts of about 250 tokens),
//! dense-only nDCG@10 0.804 with the first window against 0.792 with all windows averaged, at
//! 2.6 times the speed (26 records/s against 8.7 on 2 cores); the lexical side reads every
//! word. A text longer than its windows is counted ([`Model::embed_counting`]) and
//! `medsearch index` says how many were cut. 128 tokens is the length the MiniLM sentence
//! models were trained at.
//!
//! **Batches.** Windows are embedded [`BATCH`] at a time, sorted by length so that padding
//! (to the batch's longest, masked out of attention and pooling) costs little. The arithmetic
//! is f32: on a CPU, f16 and bf16 turn the attention mask (a multiple of `f32::MIN`) into
//! NaN.
//!
//! **Identity.** [`ModelId`]: the folder's name, the vector length and an xxh3 hash of the three
//! files, which an index records so that vectors of different models never mix.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::Tokenizer;

use super::{ModelId, WINDOW};
use crate::error::{Error, Result};

/// Windows of a text embedded: its first only (see the module docs).
pub const WINDOWS: usize = 1;
/// Windows embedded together.
pub const BATCH: usize = 16;

/// How the token vectors of a window become one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The first token's (`[CLS]`).
    Cls,
    /// The mean of the tokens' (padding excluded).
    Mean,
    /// The largest value of each dimension over the tokens.
    Max,
}

/// A loaded model.
pub struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    pooling: Pooling,
    id: ModelId,
    device: Device,
    max_windows: usize,
}

/// The error for a model folder's file, on one line (candle's errors may carry more).
fn bad(path: &Path, message: impl std::fmt::Display) -> Error {
    let message = message.to_string();
    Error::Model {
        path: path.to_path_buf(),
        message: message.lines().next().unwrap_or("").trim_end().to_string(),
    }
}

impl Model {
    /// Loads the model in `dir` (see the module docs for what it must hold).
    pub fn load(dir: &Path) -> Result<Model> {
        if !dir.is_dir() {
            return Err(bad(dir, "no such model folder"));
        }
        let file = |name: &str| -> Result<PathBuf> {
            let path = dir.join(name);
            match path.is_file() {
                true => Ok(path),
                false => Err(bad(&path, "missing from the model folder")),
            }
        };
        let (config_path, tokenizer_path, weights_path) = (
            file("config.json")?,
            file("tokenizer.json")?,
            file("model.safetensors")?,
        );
        let config_text = std::fs::read_to_string(&config_path)
            .map_err(|e| bad(&config_path, format!("cannot read: {e}")))?;
        let config = read_config(&config_text).map_err(|m| bad(&config_path, m))?;
        let pooling = read_pooling(dir)?;
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| bad(&tokenizer_path, format!("not a tokenizer: {e}")))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| bad(&tokenizer_path, e))?;
        tokenizer.with_padding(None);
        let vocab = tokenizer.get_vocab_size(true);
        if vocab > config.vocab_size {
            return Err(bad(
                &tokenizer_path,
                format!(
                    "does not match the weights: {vocab} tokens, the model knows {}",
                    config.vocab_size
                ),
            ));
        }
        let device = Device::Cpu;
        // SAFETY: the weights file is mapped read-only; medsearch never writes it, and the
        // user is told (README) not to change a model folder while it is in use.
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(&[&weights_path], DType::F32, &device)
                .map_err(|e| bad(&weights_path, format!("not a safetensors file: {e}")))?
        };
        let bert = BertModel::load(vb, &config).map_err(|e| {
            bad(
                &weights_path,
                format!("does not hold the weights config.json describes: {e}"),
            )
        })?;
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "model".to_string());
        let hash = hash_files(&[&config_path, &tokenizer_path, &weights_path])?;
        let id = ModelId {
            name,
            dims: config.hidden_size,
            hash,
        };
        Ok(Model {
            bert,
            tokenizer,
            pooling,
            id,
            device,
            max_windows: WINDOWS,
        })
    }

    /// What identifies the model.
    pub fn id(&self) -> &ModelId {
        &self.id
    }

    /// The windows of a text: its token ids, cut into pieces of at most [`WINDOW`], each
    /// framed by the tokenizer's special tokens.
    pub fn windows(&self, text: &str) -> Result<Vec<Vec<u32>>> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Internal(format!("tokenizer: {e}")))?;
        let ids = encoding.get_ids();
        let special = encoding.get_special_tokens_mask();
        let lead = special.iter().take_while(|&&s| s == 1).count();
        let tail = special.iter().rev().take_while(|&&s| s == 1).count();
        if lead + tail >= ids.len() {
            return Ok(vec![ids.to_vec()]);
        }
        let (head, body, foot) = (
            &ids[..lead],
            &ids[lead..ids.len() - tail],
            &ids[ids.len() - tail..],
        );
        let room = WINDOW.saturating_sub(lead + tail).max(1);
        Ok(body
            .chunks(room)
            .map(|piece| [head, piece, foot].concat())
            .collect())
    }

    /// Embeds at most `windows` windows of each text (the first), for tests of the pooling
    /// of several; [`WINDOWS`] by default.
    pub fn with_windows(mut self, windows: usize) -> Model {
        self.max_windows = windows.max(1);
        self
    }

    /// The unit vector of each text (see the module docs).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(self.embed_counting(texts)?.0)
    }

    /// [`Model::embed`], and how many of the texts were longer than the windows embedded.
    pub fn embed_counting(&self, texts: &[&str]) -> Result<(Vec<Vec<f32>>, usize)> {
        let mut windows = Vec::new();
        let mut cut = 0;
        for (t, text) in texts.iter().enumerate() {
            let all = self.windows(text)?;
            cut += usize::from(all.len() > self.max_windows);
            windows.extend(all.into_iter().take(self.max_windows).map(|w| (t, w)));
        }
        windows.sort_by_key(|(_, w)| std::cmp::Reverse(w.len()));
        let dims = self.id.dims;
        let mut sums = vec![vec![0f32; dims]; texts.len()];
        for batch in windows.chunks(BATCH) {
            let ids: Vec<&[u32]> = batch.iter().map(|(_, w)| w.as_slice()).collect();
            for ((t, _), vector) in batch.iter().zip(self.embed_windows(&ids)?) {
                for (s, v) in sums[*t].iter_mut().zip(vector) {
                    *s += v;
                }
            }
        }
        for sum in &mut sums {
            normalize(sum);
        }
        Ok((sums, cut))
    }

    /// The unit vectors of windows of token ids (at most [`WINDOW`] each).
    pub fn embed_windows(&self, windows: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let longest = windows.iter().map(|w| w.len()).max().unwrap_or(0);
        if longest == 0 {
            return Ok(vec![vec![0.0; self.id.dims]; windows.len()]);
        }
        let mut ids = Vec::with_capacity(windows.len() * longest);
        let mut mask = Vec::with_capacity(windows.len() * longest);
        for w in windows {
            ids.extend(w.iter().copied());
            ids.extend(std::iter::repeat_n(0, longest - w.len()));
            mask.extend(std::iter::repeat_n(1u32, w.len()));
            mask.extend(std::iter::repeat_n(0u32, longest - w.len()));
        }
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let shape = (windows.len(), longest);
            let ids = Tensor::from_vec(ids, shape, &self.device)?;
            let mask = Tensor::from_vec(mask, shape, &self.device)?;
            let types = ids.zeros_like()?;
            let hidden = self.bert.forward(&ids, &types, Some(&mask))?;
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let pooled = match self.pooling {
                Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
                Pooling::Mean => {
                    let sum = hidden.broadcast_mul(&mask)?.sum(1)?;
                    sum.broadcast_div(&mask.sum(1)?)?
                }
                Pooling::Max => {
                    // Padding gets a value below any token's before the maximum.
                    let low = ((mask.ones_like()? - &mask)? * -1e9f64)?;
                    hidden.broadcast_add(&low)?.max(1)?
                }
            };
            pooled.to_vec2::<f32>()
        };
        let mut vectors = run().map_err(|e| Error::Internal(format!("model: {e}")))?;
        for v in &mut vectors {
            normalize(v);
        }
        Ok(vectors)
    }
}

/// Scales a vector to length 1 (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The BERT config in `config.json`, or why it is not one medsearch can run.
fn read_config(text: &str) -> std::result::Result<Config, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let model_type = value["model_type"].as_str().unwrap_or("");
    let bert_architecture = value["architectures"].as_array().is_some_and(|a| {
        a.iter()
            .any(|n| n.as_str().is_some_and(|n| n.starts_with("Bert")))
    });
    if model_type != "bert" && !bert_architecture {
        let named = if model_type.is_empty() {
            "no model_type".to_string()
        } else {
            format!("model_type '{model_type}'")
        };
        return Err(format!(
            "unsupported architecture ({named}): medsearch runs BERT-family sentence models"
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("not a BERT config: {e}"))
}

/// The pooling of a sentence-transformers folder (`1_Pooling/config.json`), else the mean.
fn read_pooling(dir: &Path) -> Result<Pooling> {
    let path = dir.join("1_Pooling").join("config.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Pooling::Mean);
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(&path, format!("not JSON: {e}")))?;
    let on = |key: &str| value[key].as_bool().unwrap_or(false);
    match (
        on("pooling_mode_cls_token"),
        on("pooling_mode_mean_tokens"),
        on("pooling_mode_max_tokens"),
    ) {
        (true, false, false) => Ok(Pooling::Cls),
        (false, true, false) => Ok(Pooling::Mean),
        (false, false, true) => Ok(Pooling::Max),
        _ => Err(bad(
            &path,
            "unsupported pooling: exactly one of cls, mean or max tokens must be on",
        )),
    }
}

/// An xxh3 hash of the files' contents, as 16 hex digits.
fn hash_files(paths: &[&Path]) -> Result<String> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    for path in paths {
        let mut file = File::open(path).map_err(|e| Error::io(*path, e))?;
        loop {
            let n = file.read(&mut buffer).map_err(|e| Error::io(*path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
    }
    Ok(format!("{:016x}", hasher.digest()))
}
