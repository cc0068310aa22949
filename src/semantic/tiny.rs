//! Tests of [`super::model`] on a tiny BERT the tests make (random weights, 2 layers, a
//! 14-word vocabulary), checked against an independent computation: the same network written
//! out in plain loops over `Vec<f32>` (embeddings, self-attention with the padding masked,
//! GELU, layer norms, pooling), so the loading, batching, padding, windows and pooling are
//! each checked against arithmetic that shares no code with candle. With the same model, run
//! on every `cargo test` (the real model's tests need it fetched): the vector store's segments
//! through edits, merges and damage, and the semantic and hybrid searches end to end.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};

use super::WINDOW;
use super::model::{Model, normalize};

const HIDDEN: usize = 8;
const HEADS: usize = 2;
const LAYERS: usize = 2;
const INTERMEDIATE: usize = 16;
const POSITIONS: usize = 160;
const WORDS: [&str; 10] = [
    "liver", "pain", "stomach", "cramps", "loose", "stools", "tumour", "blood", "flow", "the",
];

/// A deterministic pseudo-random number in [-0.5, 0.5).
fn random(state: &mut u64) -> f32 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
}

/// The tiny model's weights, by name, as shapes and numbers.
fn weights() -> HashMap<String, (Vec<usize>, Vec<f32>)> {
    let mut state = 7u64;
    let mut w = HashMap::new();
    let mut add = |name: String, shape: Vec<usize>, around: f32| {
        let n = shape.iter().product();
        let values = (0..n).map(|_| around + random(&mut state)).collect();
        w.insert(name, (shape, values));
    };
    let vocab = WORDS.len() + 4;
    add(
        "embeddings.word_embeddings.weight".into(),
        vec![vocab, HIDDEN],
        0.0,
    );
    add(
        "embeddings.position_embeddings.weight".into(),
        vec![POSITIONS, HIDDEN],
        0.0,
    );
    add(
        "embeddings.token_type_embeddings.weight".into(),
        vec![2, HIDDEN],
        0.0,
    );
    add("embeddings.LayerNorm.weight".into(), vec![HIDDEN], 1.0);
    add("embeddings.LayerNorm.bias".into(), vec![HIDDEN], 0.0);
    for l in 0..LAYERS {
        let p = format!("encoder.layer.{l}.");
        for part in ["query", "key", "value"] {
            add(
                format!("{p}attention.self.{part}.weight"),
                vec![HIDDEN, HIDDEN],
                0.0,
            );
            add(format!("{p}attention.self.{part}.bias"), vec![HIDDEN], 0.0);
        }
        add(
            format!("{p}attention.output.dense.weight"),
            vec![HIDDEN, HIDDEN],
            0.0,
        );
        add(format!("{p}attention.output.dense.bias"), vec![HIDDEN], 0.0);
        add(
            format!("{p}attention.output.LayerNorm.weight"),
            vec![HIDDEN],
            1.0,
        );
        add(
            format!("{p}attention.output.LayerNorm.bias"),
            vec![HIDDEN],
            0.0,
        );
        add(
            format!("{p}intermediate.dense.weight"),
            vec![INTERMEDIATE, HIDDEN],
            0.0,
        );
        add(
            format!("{p}intermediate.dense.bias"),
            vec![INTERMEDIATE],
            0.0,
        );
        add(
            format!("{p}output.dense.weight"),
            vec![HIDDEN, INTERMEDIATE],
            0.0,
        );
        add(format!("{p}output.dense.bias"), vec![HIDDEN], 0.0);
        add(format!("{p}output.LayerNorm.weight"), vec![HIDDEN], 1.0);
        add(format!("{p}output.LayerNorm.bias"), vec![HIDDEN], 0.0);
    }
    w
}

/// Writes the tiny model's folder; `pooling`: the `1_Pooling/config.json` mode key, if any.
fn write_model(dir: &Path, pooling: Option<&str>) {
    let vocab = WORDS.len() + 4;
    let config = serde_json::json!({
        "model_type": "bert", "architectures": ["BertModel"], "vocab_size": vocab,
        "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "max_position_embeddings": POSITIONS, "type_vocab_size": 2, "initializer_range": 0.02,
        "layer_norm_eps": 1e-12, "pad_token_id": 0,
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let mut vocab_map = serde_json::Map::new();
    for (i, token) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        .into_iter()
        .chain(WORDS)
        .enumerate()
    {
        vocab_map.insert(token.to_string(), i.into());
    }
    let tokenizer = serde_json::json!({
        "version": "1.0",
        // Settings medsearch must turn off.
        "truncation": {"max_length": 4, "strategy": "LongestFirst", "stride": 0,
                       "direction": "Right"},
        "padding": {"strategy": {"Fixed": 6}, "direction": "Right", "pad_to_multiple_of": null,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "clean_text": true,
                       "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab_map},
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    let tensors: HashMap<String, Tensor> = weights()
        .into_iter()
        .map(|(name, (shape, values))| {
            (name, Tensor::from_vec(values, shape, &Device::Cpu).unwrap())
        })
        .collect();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).unwrap();
    if let Some(mode) = pooling {
        std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
        let config = serde_json::json!({ mode: true, "word_embedding_dimension": HIDDEN });
        std::fs::write(dir.join("1_Pooling/config.json"), config.to_string()).unwrap();
    }
}

/// `y = x W^T + b` for one vector (a torch `Linear`: `W` is out × in).
fn linear(x: &[f32], w: &[f32], b: &[f32]) -> Vec<f32> {
    b.iter()
        .enumerate()
        .map(|(o, bias)| {
            bias + x
                .iter()
                .enumerate()
                .map(|(i, v)| v * w[o * x.len() + i])
                .sum::<f32>()
        })
        .collect()
}

fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32]) {
    let n = x.len() as f32;
    let mean = x.iter().sum::<f32>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    for (i, v) in x.iter_mut().enumerate() {
        *v = (*v - mean) / (var + 1e-12).sqrt() * gamma[i] + beta[i];
    }
}

/// The error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
fn erf(x: f32) -> f32 {
    let (sign, x) = if x < 0.0 {
        (-1.0, -x as f64)
    } else {
        (1.0, x as f64)
    };
    let t = 1.0 / (1.0 + 0.3275911 * x);
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    (sign * (1.0 - poly * (-x * x).exp())) as f32
}

/// The tiny BERT's token vectors for one window of ids, no padding, computed by hand.
fn forward(ids: &[u32]) -> Vec<Vec<f32>> {
    let w = weights();
    let get = |name: &str| w[name].1.as_slice();
    let mut x: Vec<Vec<f32>> = ids
        .iter()
        .enumerate()
        .map(|(p, &id)| {
            let mut v: Vec<f32> = (0..HIDDEN)
                .map(|h| {
                    get("embeddings.word_embeddings.weight")[id as usize * HIDDEN + h]
                        + get("embeddings.position_embeddings.weight")[p * HIDDEN + h]
                        + get("embeddings.token_type_embeddings.weight")[h]
                })
                .collect();
            layer_norm(
                &mut v,
                get("embeddings.LayerNorm.weight"),
                get("embeddings.LayerNorm.bias"),
            );
            v
        })
        .collect();
    let head = HIDDEN / HEADS;
    for l in 0..LAYERS {
        let p = |s: &str| format!("encoder.layer.{l}.{s}");
        let proj = |x: &[Vec<f32>], part: &str| -> Vec<Vec<f32>> {
            x.iter()
                .map(|v| {
                    linear(
                        v,
                        get(&p(&format!("attention.self.{part}.weight"))),
                        get(&p(&format!("attention.self.{part}.bias"))),
                    )
                })
                .collect()
        };
        let (q, k, v) = (proj(&x, "query"), proj(&x, "key"), proj(&x, "value"));
        let mut context = vec![vec![0f32; HIDDEN]; x.len()];
        for h in 0..HEADS {
            let r = h * head..(h + 1) * head;
            for i in 0..x.len() {
                let logits: Vec<f32> = (0..x.len())
                    .map(|j| {
                        q[i][r.clone()]
                            .iter()
                            .zip(&k[j][r.clone()])
                            .map(|(a, b)| a * b)
                            .sum::<f32>()
                            / (head as f32).sqrt()
                    })
                    .collect();
                let top = logits.iter().cloned().fold(f32::MIN, f32::max);
                let exps: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
                let total: f32 = exps.iter().sum();
                for (j, e) in exps.iter().enumerate() {
                    for d in r.clone() {
                        context[i][d] += e / total * v[j][d];
                    }
                }
            }
        }
        for (i, c) in context.iter().enumerate() {
            let mut a = linear(
                c,
                get(&p("attention.output.dense.weight")),
                get(&p("attention.output.dense.bias")),
            );
            a.iter_mut().zip(&x[i]).for_each(|(a, r)| *a += r);
            layer_norm(
                &mut a,
                get(&p("attention.output.LayerNorm.weight")),
                get(&p("attention.output.LayerNorm.bias")),
            );
            let inner: Vec<f32> = linear(
                &a,
                get(&p("intermediate.dense.weight")),
                get(&p("intermediate.dense.bias")),
            )
            .into_iter()
            .map(|u| 0.5 * u * (1.0 + erf(u / std::f32::consts::SQRT_2)))
            .collect();
            let mut o = linear(
                &inner,
                get(&p("output.dense.weight")),
                get(&p("output.dense.bias")),
            );
            o.iter_mut().zip(&a).for_each(|(o, r)| *o += r);
            layer_norm(
                &mut o,
                get(&p("output.LayerNorm.weight")),
                get(&p("output.LayerNorm.bias")),
            );
            x[i] = o;
        }
    }
    x
}

/// The unit vector of one window, pooled by hand.
fn pooled(ids: &[u32], pooling: &str) -> Vec<f32> {
    let tokens = forward(ids);
    let mut v: Vec<f32> = match pooling {
        "cls" => tokens[0].clone(),
        "max" => (0..HIDDEN)
            .map(|h| tokens.iter().map(|t| t[h]).fold(f32::MIN, f32::max))
            .collect(),
        _ => (0..HIDDEN)
            .map(|h| tokens.iter().map(|t| t[h]).sum::<f32>() / tokens.len() as f32)
            .collect(),
    };
    normalize(&mut v);
    v
}

/// The ids of a text of vocabulary words, as the tiny tokenizer makes them (`[CLS]` … `[SEP]`).
fn ids_of(text: &str) -> Vec<u32> {
    std::iter::once(2)
        .chain(text.split_whitespace().map(|w| {
            WORDS
                .iter()
                .position(|x| *x == w.to_lowercase())
                .map_or(1, |i| i as u32 + 4)
        }))
        .chain(std::iter::once(3))
        .collect()
}

fn close(a: &[f32], b: &[f32]) {
    let off = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(
        a.len() == b.len() && off < 1e-4,
        "{a:?} != {b:?} (off by {off})"
    );
}

#[test]
fn a_batch_of_uneven_texts_matches_the_hand_computation_for_each_pooling() {
    let texts = [
        "liver pain",
        "Loose stools and stomach cramps",
        "the tumour blood flow the liver",
    ];
    for (key, name) in [
        (None, "mean"),
        (Some("pooling_mode_cls_token"), "cls"),
        (Some("pooling_mode_max_tokens"), "max"),
        (Some("pooling_mode_mean_tokens"), "mean"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_model(dir.path(), key);
        let model = Model::load(dir.path()).unwrap();
        assert_eq!(model.id().dims, HIDDEN);
        // The tokenizer's own truncation (4) and padding (6) are off.
        assert_eq!(model.windows(texts[1]).unwrap(), vec![ids_of(texts[1])]);
        let batch = model.embed(&texts).unwrap();
        for (text, got) in texts.iter().zip(&batch) {
            close(got, &pooled(&ids_of(text), name));
        }
        // One at a time (no padding) gives the same vectors as the padded batch.
        close(&model.embed(&texts[..1]).unwrap()[0], &batch[0]);
    }
}

#[test]
fn a_long_text_is_cut_into_windows_the_first_embedded_or_all_averaged() {
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), None);
    let model = Model::load(dir.path()).unwrap();
    let words: Vec<&str> = (0..300).map(|i| WORDS[i * 7 % WORDS.len()]).collect();
    let text = words.join(" ");
    let windows = model.windows(&text).unwrap();
    assert_eq!(windows.len(), 300usize.div_ceil(WINDOW - 2));
    assert!(
        windows
            .iter()
            .all(|w| w.len() <= WINDOW && w[0] == 2 && *w.last().unwrap() == 3)
    );
    let covered: Vec<u32> = windows
        .iter()
        .flat_map(|w| w[1..w.len() - 1].to_vec())
        .collect();
    assert_eq!(covered, ids_of(&text)[1..301].to_vec());
    let mut mean = vec![0f32; HIDDEN];
    for w in &windows {
        for (m, v) in mean.iter_mut().zip(pooled(w, "mean")) {
            *m += v;
        }
    }
    normalize(&mut mean);
    let (first, cut) = model.embed_counting(&[&text]).unwrap();
    assert_eq!(cut, 1);
    close(&first[0], &pooled(&windows[0], "mean"));
    let model = model.with_windows(usize::MAX);
    close(&model.embed(&[&text]).unwrap()[0], &mean);
    assert_eq!(model.embed_counting(&[&text]).unwrap().1, 0);
}

#[test]
fn bad_model_folders_are_named_in_one_line() {
    let message = |dir: &Path| match Model::load(dir) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("loaded"),
    };
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), None);
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    assert!(message(dir.path()).ends_with("tokenizer.json: missing from the model folder"));

    write_model(dir.path(), None);
    let cut = std::fs::read(dir.path().join("model.safetensors")).unwrap();
    std::fs::write(dir.path().join("model.safetensors"), &cut[..cut.len() / 2]).unwrap();
    assert!(message(dir.path()).contains("model.safetensors: not a safetensors file"));

    write_model(dir.path(), None);
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    let gpt = config
        .replace("\"bert\"", "\"gpt2\"")
        .replace("BertModel", "GPT2Model");
    std::fs::write(dir.path().join("config.json"), gpt).unwrap();
    assert!(message(dir.path()).contains("unsupported architecture (model_type 'gpt2')"));

    // A tokenizer with more tokens than the weights have rows.
    let bigger = config.replace(
        &format!("\"vocab_size\":{}", WORDS.len() + 4),
        "\"vocab_size\":5",
    );
    std::fs::write(dir.path().join("config.json"), bigger).unwrap();
    assert!(message(dir.path()).contains("tokenizer.json: does not match the weights"));

    // Weights of another shape than the config says.
    let wider = config.replace(&format!("\"hidden_size\":{HIDDEN}"), "\"hidden_size\":16");
    std::fs::write(dir.path().join("config.json"), wider).unwrap();
    assert!(message(dir.path()).contains("does not hold the weights config.json describes"));
    assert!(!message(dir.path()).contains('\n'));
}

/// Pages of the tiny vocabulary, `n` of them, each with a lead and two sections.
fn write_pages(folder: &Path, n: usize, edited: Option<usize>) {
    for i in 0..n {
        let word = |k: usize| WORDS[(i + k) % WORDS.len()];
        let extra = if edited == Some(i) {
            " stomach cramps"
        } else {
            ""
        };
        let text = format!(
            "{} {} guide {i}\n\nThe {} and the {}.\n\nLiver pain\n\n{} {} {}{extra}.\n\nBlood \
             flow\n\nThe {} {} {}.\n",
            word(0),
            word(1),
            word(2),
            word(3),
            word(4),
            word(5),
            word(6),
            word(7),
            word(8),
            word(9),
        );
        std::fs::write(folder.join(format!("page-{i}.txt")), text).unwrap();
    }
}

/// A corpus folder and the tiny model, in a temporary folder, ready to index and embed.
struct Site {
    dir: tempfile::TempDir,
    models: std::path::PathBuf,
    corpus: std::path::PathBuf,
    model: Model,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let (models, corpus) = (dir.path().join("model"), dir.path().join("corpus"));
        std::fs::create_dir_all(&models).unwrap();
        std::fs::create_dir_all(&corpus).unwrap();
        write_model(&models, None);
        let model = Model::load(&models).unwrap();
        Site {
            dir,
            models,
            corpus,
            model,
        }
    }

    /// Indexes the corpus into `index` (under the temporary folder) and embeds it: what was
    /// embedded, and the live generation.
    fn run(&self, index: &str) -> (usize, crate::index::generation::Generation) {
        self.run_in(index, crate::index::update::Mode::Incremental)
    }

    /// [`Site::run`], incrementally or in full.
    fn run_in(
        &self,
        index: &str,
        mode: crate::index::update::Mode,
    ) -> (usize, crate::index::generation::Generation) {
        use crate::index::generation;
        use std::ops::ControlFlow;
        let index = self.dir.path().join(index);
        let heap = crate::index::update::MIN_HEAP_PER_THREAD;
        crate::index::update(&self.corpus, &index, mode, None, heap, &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
        let go = &mut |_| ControlFlow::Continue(());
        let report = super::embed::embed(&index, &self.model, &self.models, false, go).unwrap();
        let name = generation::live_name(&index).unwrap().unwrap();
        let live = generation::Generation::open(&index, &name).unwrap();
        (report.embedded, live)
    }
}

#[test]
fn an_edit_writes_one_more_segment_and_stale_vectors_are_merged_away() {
    use crate::index::generation::Generation;

    let site = Site::new();
    let (corpus, run) = (&site.corpus, |index| site.run(index));
    let segments = |g: &Generation| -> Vec<(String, usize)> {
        let head = g.vector_head();
        head.segments
            .into_iter()
            .map(|s| (s.file, s.count))
            .collect()
    };
    write_pages(corpus, 12, None);
    let (embedded, first) = run("index");
    let texts = first.vectors(&|_| false).unwrap().segments[0].keys.len();
    assert_eq!((embedded, segments(&first).len()), (texts, 1));
    // The file's identity (its inode where there are inodes), to check it is linked later.
    let identity = |p: &Path| {
        let meta = std::fs::metadata(p).unwrap();
        #[cfg(unix)]
        return std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        return meta.len();
    };
    let segment = &segments(&first)[0].0;
    let before = identity(&first.dir().join(segment));

    // One section edited: its text alone is embedded, into a second segment; the first is
    // the same file, linked.
    write_pages(corpus, 12, Some(3));
    let (embedded, second) = run("index");
    let listed = segments(&second);
    assert_eq!((embedded, listed.len()), (1, 2));
    assert_eq!(listed[0], segments(&first)[0]);
    assert_eq!(identity(&second.dir().join(segment)), before);

    // Most pages gone: more than a quarter of the vectors are stale, so the run merges every
    // segment into one of the live texts only, and removes the files merged.
    for i in 4..12 {
        std::fs::remove_file(corpus.join(format!("page-{i}.txt"))).unwrap();
    }
    let (embedded, third) = run("index");
    let listed = segments(&third);
    let live: rustc_hash::FxHashSet<u64> = super::store::record_keys(&third.segments().unwrap().1)
        .unwrap()
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    assert_eq!((embedded, listed.len(), listed[0].1), (0, 1, live.len()));
    let files: Vec<String> = std::fs::read_dir(third.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".seg"))
        .collect();
    assert_eq!(files, vec![listed[0].0.clone()]);

    // Each vector is the one a run from scratch makes for the same text.
    let (_, scratch) = run("scratch");
    let (kept, fresh) = (
        third.vectors(&|_| true).unwrap(),
        scratch.vectors(&|_| true).unwrap(),
    );
    let at = fresh.positions();
    for (key, from) in kept.positions() {
        close(kept.vector(from), fresh.vector(at[&key]));
    }
    assert_eq!(at.len(), live.len());

    // A segment cut short is a damaged index, named, when verified and when searched.
    let (segment, index) = (third.dir().join(&listed[0].0), third.index_dir());
    let bytes = std::fs::read(&segment).unwrap();
    std::fs::write(&segment, &bytes[..bytes.len() - 4]).unwrap();
    let open = crate::index::Searchable::open_verified(index, corpus);
    let message = open.err().expect("a cut segment is found").to_string();
    assert!(message.contains(&listed[0].0), "{message}");
    let searchable = crate::index::Searchable::open(index, corpus).unwrap();
    assert!(searchable.vectors().is_err());
    // `index --full`, as the error says: the damaged segment is left behind, its texts
    // embedded again.
    let (embedded, rebuilt) = site.run_in("index", crate::index::update::Mode::Full);
    assert_eq!(embedded, live.len());
    let searchable = crate::index::Searchable::open_verified(rebuilt.index_dir(), corpus).unwrap();
    assert!(searchable.vectors().unwrap().is_some());
}

#[test]
fn semantic_and_hybrid_searches_find_a_section_by_its_vector() {
    use crate::parse::RecordKind;
    use crate::search::{Feedback, SearchOptions, search};
    use crate::semantic::Mode;

    let site = Site::new();
    write_pages(&site.corpus, 12, None);
    let (_, live) = site.run("index");
    let searchable = crate::index::Searchable::open(live.index_dir(), &site.corpus).unwrap();
    // Page 5's "Liver pain" section as it is embedded (title, heading, body): its vector is
    // the query's, cosine 1, whatever the other records' vectors.
    let query = "stools tumour guide 5\nLiver pain\nthe liver pain.";
    let opts = |mode| SearchOptions {
        mode,
        plain: true,
        explain: true,
        feedback: Feedback::Off,
        ..SearchOptions::default()
    };
    let semantic = search(&searchable, query, &opts(Some(Mode::Semantic))).unwrap();
    assert_eq!(semantic.mode, Mode::Semantic);
    let first = &semantic.hits[0];
    assert_eq!(
        (first.record.path.as_str(), first.record.heading.as_str()),
        ("page-5.txt", "Liver pain")
    );
    assert!((first.score - 1.0).abs() < 1e-3, "{first:?}");
    assert!(semantic.hits.windows(2).all(|w| w[0].score >= w[1].score));

    // Hybrid, the default with vectors: the section is found with both parts explained.
    let hybrid = search(&searchable, query, &opts(None)).unwrap();
    assert_eq!(hybrid.mode, Mode::Hybrid);
    let hit = hybrid
        .hits
        .iter()
        .find(|h| h.record.id == first.record.id)
        .unwrap();
    let parts = &hit.explanation.as_ref().unwrap().details;
    assert!(parts[0].description.contains("cosine 1.0000"), "{parts:?}");
    assert!(
        parts[1].description.starts_with("lexical: score"),
        "{parts:?}"
    );

    // A word being typed is embedded as the corpus word it most likely ends as: the same
    // cosine as the whole word's, not the half word's.
    let cosine = |query: &str, typing: bool| {
        let opts = SearchOptions {
            typing,
            plain: false,
            limit: 1000,
            ..opts(Some(Mode::Semantic))
        };
        let results = search(&searchable, query, &opts).unwrap();
        let hit = results.hits.iter().find(|h| h.record.id == first.record.id);
        hit.unwrap().score
    };
    let whole = cosine("stools tumour liver pain", false);
    assert_eq!(cosine("stools tumour liver pa", true), whole);
    assert_ne!(cosine("stools tumour liver pa ", true), whole);

    // A kind filter holds in hybrid mode too; query syntax is searched by its words.
    let only = SearchOptions {
        kind: Some(RecordKind::Section),
        ..opts(None)
    };
    let sections = search(&searchable, query, &only).unwrap();
    assert!(!sections.hits.is_empty());
    assert!(
        sections
            .hits
            .iter()
            .all(|h| h.record.kind == RecordKind::Section)
    );
    let phrase = search(&searchable, "\"liver pain\"", &SearchOptions::default()).unwrap();
    assert_eq!(phrase.mode, Mode::Lexical);
    assert!(
        phrase
            .mode_note
            .unwrap()
            .contains("hybrid mode takes plain words")
    );
}
