//! The search pipeline's invariant, checked on random indexes: the first stage and the ranking
//! match the same records ([`compile::Compiled`]), before and after feedback, and a search that
//! asks for every hit returns as many as it counts.
//!
//! The corpora are pages in the text layout written from a small vocabulary that holds
//! synonyms (of the corpus's `synonyms.txt`), abbreviations the pages define, British and
//! American spellings and stop words; each is indexed, then edited, added to and trimmed, and
//! indexed again, so its index has several segments and deleted records. The queries are drawn
//! from the query language's grammar over the same vocabulary, with typos, unknown words,
//! prefixes, fields, filters, phrases, negation and double negation.

use std::collections::BTreeSet;
use std::fs;
use std::ops::ControlFlow;
use std::path::Path;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, TERMINATED};

use super::*;
use crate::index::{self, Mode};

/// Words of the pages and the queries: plain words, a synonym group, an abbreviation and its
/// long form, spellings of both sides of the Atlantic, stop words.
const WORDS: &[&str] = &[
    "liver",
    "tumour",
    "tumor",
    "embolization",
    "embolisation",
    "catheter",
    "artery",
    "hepatic",
    "blood",
    "supply",
    "agent",
    "embolic",
    "surgery",
    "operation",
    "chemo",
    "chemotherapy",
    "radiotherapy",
    "radiation",
    "therapy",
    "pain",
    "transarterial",
    "chemoembolization",
    "tace",
    "colour",
    "color",
    "the",
    "of",
    "and",
    "with",
];

/// Query words no page holds: typos of the vocabulary and words from elsewhere.
const STRANGERS: &[&str] = &[
    "cathter",
    "embolisaton",
    "tumuor",
    "livr",
    "surgry",
    "chemotherap",
    "zebra",
    "quasar",
];

/// Headings of the pages; a reference list is the last section of some.
const HEADINGS: &[&str] = &[
    "Hepatic artery",
    "Blood supply",
    "Side effects of chemotherapy",
    "Colour of the liver",
    "Radiation therapy",
];

/// A page: its title, then sections of (heading, paragraphs of word indexes), and whether it
/// ends with references.
#[derive(Debug, Clone)]
struct Page {
    title: usize,
    sections: Vec<(usize, Vec<Vec<usize>>)>,
    defines_tace: bool,
    references: bool,
}

impl Page {
    fn text(&self) -> String {
        let words = |ids: &[usize]| {
            ids.iter()
                .map(|&i| WORDS[i % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut text = format!("{} guide\n\n", HEADINGS[self.title % HEADINGS.len()]);
        if self.defines_tace {
            text.push_str("The doctor may use transarterial chemoembolization (TACE).\n\n");
        }
        for (heading, paragraphs) in &self.sections {
            text.push_str(HEADINGS[heading % HEADINGS.len()]);
            text.push_str("\n\n");
            for (i, paragraph) in paragraphs.iter().enumerate() {
                let bullet = if i % 2 == 1 { "  • " } else { "" };
                text.push_str(&format!("{bullet}Some {}.\n\n", words(paragraph)));
            }
        }
        if self.references {
            text.push_str("References\n\n");
            text.push_str("Smith J. Hepatic embolization of the liver. J Surg. 2020;1:1-9.\n\n");
        }
        text
    }
}

fn page() -> impl Strategy<Value = Page> {
    let paragraph = prop::collection::vec(0..WORDS.len(), 1..12);
    let section = (0..HEADINGS.len(), prop::collection::vec(paragraph, 1..4));
    (
        0..HEADINGS.len(),
        prop::collection::vec(section, 1..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(title, sections, defines_tace, references)| Page {
            title,
            sections,
            defines_tace,
            references,
        })
}

/// A corpus and how it changes before the second indexing: the pages indexed first, then
/// which of them are rewritten (as the page of the same index in `later`) or removed, and the
/// pages added.
#[derive(Debug, Clone)]
struct Corpus {
    first: Vec<Page>,
    later: Vec<(Option<Page>, bool)>,
    added: Vec<Page>,
}

fn corpus() -> impl Strategy<Value = Corpus> {
    let change = (prop::option::of(page()), prop::bool::weighted(0.2));
    (
        prop::collection::vec(page(), 3..8),
        prop::collection::vec(change, 8),
        prop::collection::vec(page(), 0..3),
    )
        .prop_map(|(first, later, added)| Corpus {
            first,
            later,
            added,
        })
}

/// A word of a query: from the pages, or not.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(str::to_string),
        1 => prop::sample::select(STRANGERS).prop_map(str::to_string),
        1 => Just("TACE".to_string()),
    ]
}

/// An atom of the query language (see [`super::query`]), nested up to three groups deep.
fn atom() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        6 => word(),
        2 => prop::collection::vec(word(), 2..4).prop_map(|w| format!("\"{}\"", w.join(" "))),
        2 => (word(), 1..4usize).prop_map(|(w, n)| {
            let cut = w.char_indices().nth(n).map_or(w.len(), |(i, _)| i);
            format!("{}*", &w[..cut])
        }),
        2 => (prop::sample::select(&["heading", "body"][..]), word())
            .prop_map(|(f, w)| format!("{f}:{w}")),
        1 => prop::sample::select(&["kind:section", "kind:reference", "doc:page-1", "doc:new-0", "doc:page*"][..])
            .prop_map(str::to_string),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec((clause_mark(), inner), 1..4)
            .prop_map(|clauses| format!("({})", join(&clauses)))
    })
}

/// How a clause takes part: optional, required, excluded (two spellings).
fn clause_mark() -> impl Strategy<Value = &'static str> {
    prop_oneof![5 => Just(""), 1 => Just("+"), 2 => Just("-"), 1 => Just("NOT ")]
}

fn join(clauses: &[(&str, String)]) -> String {
    let parts: Vec<String> = clauses.iter().map(|(m, a)| format!("{m}{a}")).collect();
    parts.join(" ")
}

/// A whole query: clauses side by side, or joined by `OR` / `AND`.
fn query() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((clause_mark(), atom()), 1..5),
        prop::sample::select(&[" ", " ", " OR ", " AND "][..]),
    )
        .prop_map(|(clauses, glue)| {
            let parts: Vec<String> = clauses.iter().map(|(m, a)| format!("{m}{a}")).collect();
            parts.join(glue)
        })
}

/// Writes `corpus` under `dir` and indexes it twice (as first written, then changed), so the
/// index has several segments and deleted records.
fn indexed(dir: &Path, corpus: &Corpus) -> Searchable {
    let (folder, index_dir) = (dir.join("corpus"), dir.join("index"));
    fs::create_dir_all(&folder).unwrap();
    fs::write(
        folder.join(crate::expand::synonyms::FILE),
        "chemo, chemotherapy\noperation, surgery\nradiotherapy, radiation therapy\n",
    )
    .unwrap();
    let write = |name: String, page: &Page| fs::write(folder.join(name), page.text()).unwrap();
    let update = || {
        let heap = index::update::MIN_HEAP_PER_THREAD;
        index::update(
            &folder,
            &index_dir,
            Mode::Incremental,
            None,
            heap,
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
    };
    for (i, page) in corpus.first.iter().enumerate() {
        write(format!("page-{i}.txt"), page);
    }
    update();
    for (i, (rewrite, remove)) in corpus.later.iter().enumerate().take(corpus.first.len()) {
        let name = format!("page-{i}.txt");
        match rewrite {
            _ if *remove && i > 0 => fs::remove_file(folder.join(name)).unwrap(),
            Some(page) => write(name, page),
            None => {}
        }
    }
    for (i, page) in corpus.added.iter().enumerate() {
        write(format!("new-{i}.txt"), page);
    }
    update();
    Searchable::open(&index_dir, &folder).unwrap()
}

/// The live records `query` matches, visited by its scorer (scored or not).
fn matched(s: &Searchable, query: &dyn Query, scored: bool) -> BTreeSet<DocAddress> {
    let searcher = s.searcher();
    let scoring = if scored {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let weight = query.weight(scoring).unwrap();
    let mut out = BTreeSet::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut docs = weight.scorer(reader, 1.0).unwrap();
        while docs.doc() != TERMINATED {
            if reader.alive_bitset().is_none_or(|a| a.is_alive(docs.doc())) {
                out.insert(DocAddress::new(ord as u32, docs.doc()));
            }
            docs.advance();
        }
    }
    out
}

/// Whether the two stages of `compiled` match the same records: the first stage as counted
/// and as retrieved (all of it), the ranking as scored. Names the records on which they
/// differ.
fn agree(s: &Searchable, compiled: &Compiled) -> std::result::Result<(), String> {
    let first = matched(s, &*compiled.retrieve, false);
    let ranking = matched(s, &*compiled.query, true);
    let retrieved: BTreeSet<_> = retrieve(
        s.searcher(),
        &*compiled.retrieve,
        s.searcher().num_docs() as usize + 1,
    )
    .unwrap()
    .into_iter()
    .collect();
    if first != ranking || first != retrieved {
        return Err(format!(
            "first stage only {:?}; ranking only {:?}; retrieved {} of {}",
            first.difference(&ranking).collect::<Vec<_>>(),
            ranking.difference(&first).collect::<Vec<_>>(),
            retrieved.len(),
            first.len()
        ));
    }
    Ok(())
}

/// Checks the invariant for one query on one index (see the module docs).
fn check(
    s: &Searchable,
    text: &str,
    kind: Option<RecordKind>,
    plain: bool,
) -> std::result::Result<(), String> {
    let ranking = Ranking::default();
    let Ok(tree) = parse(text, plain) else {
        return Ok(()); // a syntax error: nothing to compare
    };
    let Ok(compiled) = compile::compile(s, &tree, kind, &ranking, false) else {
        return Ok(()); // nothing to search (only exclusions)
    };
    agree(s, &compiled).map_err(|e| format!("{text:?}: {e}"))?;
    let candidates = retrieve(s.searcher(), &*compiled.retrieve, ranking.candidates).unwrap();
    let top = rank(s.searcher(), &*compiled.query, &candidates).unwrap();
    let terms = feedback::expansion(s, &top, &ranking.feedback).unwrap();
    let fed = compile::with_feedback(s, compiled, &terms, 2.0, &ranking, false);
    agree(s, &fed).map_err(|e| format!("{text:?} with feedback {terms:?}: {e}"))?;

    let opts = SearchOptions {
        limit: 10_000,
        kind,
        plain,
        count: true,
        feedback: Feedback::On,
        ..SearchOptions::default()
    };
    let results = search(s, text, &opts).unwrap();
    if results.hits.len() != results.total_hits || !results.total_hits_exact {
        return Err(format!(
            "{text:?}: {} hits of {} counted",
            results.hits.len(),
            results.total_hits
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn both_stages_match_the_same_records(
        corpus in corpus(),
        queries in prop::collection::vec(
            (query(), prop::option::of(prop::sample::select(&[RecordKind::Section, RecordKind::Reference][..])), prop::bool::weighted(0.2)),
            30,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let s = indexed(dir.path(), &corpus);
        for (text, kind, plain) in &queries {
            if let Err(e) = check(&s, text, *kind, *plain) {
                prop_assert!(false, "{}", e);
            }
        }
    }
}

/// The first of the random corpora (the same every run), indexed in a folder that lives as
/// long as the first value returned.
fn first_random_index() -> (tempfile::TempDir, Searchable) {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let corpus = corpus().new_tree(&mut runner).unwrap().current();
    let dir = tempfile::tempdir().unwrap();
    let s = indexed(dir.path(), &corpus);
    (dir, s)
}

/// How many records `text` matches, counted exactly.
fn counted(s: &Searchable, text: &str) -> usize {
    let opts = SearchOptions {
        limit: 10_000,
        count: true,
        ..SearchOptions::default()
    };
    search(s, text, &opts).unwrap().total_hits
}

/// The random indexes do have what the property is about: several segments, deleted records.
#[test]
fn the_random_indexes_have_segments_and_deletions() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut segmented, mut deleted) = (0, 0);
    for _ in 0..4 {
        let corpus = corpus().new_tree(&mut runner).unwrap().current();
        let dir = tempfile::tempdir().unwrap();
        let s = indexed(dir.path(), &corpus);
        let readers = s.searcher().segment_readers();
        segmented += usize::from(readers.len() > 1);
        deleted += usize::from(readers.iter().any(|r| r.num_deleted_docs() > 0));
    }
    assert!(segmented >= 3 && deleted >= 3, "{segmented} {deleted}");
}

/// The check fails when either stage matches a record the other does not.
#[test]
fn a_stage_that_matches_more_or_less_is_caught() {
    let (_dir, s) = first_random_index();
    let compiled = |text: &str| {
        let tree = query::parse(text).unwrap();
        compile::compile(&s, &tree, None, &Ranking::default(), false).unwrap()
    };
    let (narrow, wide) = (compiled("+liver +blood"), compiled("liver blood"));
    assert!(agree(&s, &narrow).is_ok() && agree(&s, &wide).is_ok());
    let records = |c: &Compiled| matched(&s, &*c.retrieve, false);
    assert_ne!(records(&narrow), records(&wide), "the mutants must differ");
    let mutants = [
        Compiled {
            retrieve: compiled("liver blood").retrieve,
            ..compiled("+liver +blood")
        },
        Compiled {
            query: compiled("liver blood").query,
            ..compiled("+liver +blood")
        },
    ];
    for mutant in mutants {
        assert!(agree(&s, &mutant).is_err());
    }
}

/// An excluded phrase that no record holds excludes nothing, and excluded phrases are sought
/// only forward ([`super::scoring::ForwardOnly`]: this failed in debug builds).
#[test]
fn an_excluded_phrase_that_nothing_holds_excludes_nothing() {
    let (_dir, s) = first_random_index();
    let total = |text: &str| counted(&s, text);
    let liver = total("liver");
    assert!(liver > 0);
    assert_eq!(total("liver -\"liver liver liver liver\""), liver);
    assert_eq!(total("+liver +(NOT \"liver liver liver liver\")"), liver);
}

/// Words the index lacks add no clause, and the query means what it says: an optional unknown
/// word matches nothing, so a group of them matches nothing, with a filter or an exclusion too.
#[test]
fn unknown_words_match_nothing_and_change_nothing_else() {
    let (_dir, s) = first_random_index();
    let total = |text: &str| counted(&s, text);
    let liver = total("liver");
    assert!(liver > 0 && liver < total("kind:section"));
    for nothing in [
        "qqqq",
        "qqqq wwww",
        "\"liver qqqq\"",
        "kind:section qqqq",
        "(qqqq -liver)",
        "+liver +qqqq",
        "heading:qqqq",
    ] {
        assert_eq!(total(nothing), 0, "{nothing}");
    }
    for same in ["liver qqqq", "liver -qqqq", "+liver qqqq", "liver OR qqqq"] {
        assert_eq!(total(same), liver, "{same}");
    }
    assert_eq!(
        total("kind:section (liver qqqq)"),
        total("kind:section liver")
    );
}
