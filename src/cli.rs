//! The command line: clap definitions, resolved into plain settings, then run.
//!
//! `run` returns whether anything matched (exit 0) or not (exit 1); errors become exit 2 in
//! `main`. Messages for people go to stderr, results to stdout.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::eval::{self, EvalOptions};
use crate::index::{self, Mode, Searchable, UpdateReport};
use crate::output::{self, Line, Style};
use crate::parse::RecordKind;
use crate::search::{self, SearchOptions};
use crate::watch;

/// Section-aware full-text search over patient-information pages.
#[derive(Debug, Parser)]
#[command(name = "medsearch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Bring the index up to date with the corpus (incrementally unless --full).
    Index(IndexArgs),
    /// Show the index: location, counts, size, build time, and whether it is stale.
    Status(ReportArgs),
    /// Search the index; builds it first if there is none.
    Search(SearchArgs),
    /// Run a batch of queries against relevance judgments and report metrics.
    Eval(EvalArgs),
    /// List the abbreviations learned from the corpus, with the file and line of each
    /// definition; builds the index first if there is none.
    Abbreviations(ReportArgs),
}

#[derive(Debug, Args)]
struct IndexArgs {
    /// Rebuild everything instead of re-indexing only what changed.
    #[arg(long)]
    full: bool,
    /// Keep running and re-index shortly after files in the corpus change (Ctrl-C stops).
    #[arg(long)]
    watch: bool,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Args)]
struct Location {
    /// Folder of documents (.txt, .md, .jsonl), searched recursively.
    #[arg(long, env = "MEDSEARCH_CORPUS", default_value = "corpus")]
    corpus: PathBuf,
    /// Folder holding the index.
    #[arg(long, env = "MEDSEARCH_INDEX", default_value = "index")]
    index: PathBuf,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The query: words, "phrases", +required, -excluded, AND/OR/NOT, (groups),
    /// heading:/body:/kind:/doc: fields, prefix*. Several arguments are joined by spaces.
    /// A query that starts with `-` goes after `--`: `medsearch search -- -lung liver`.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
    /// Most hits to show.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    /// Only records of this kind.
    #[arg(long, value_enum, default_value_t = KindArg::All)]
    kind: KindArg,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Read the query as plain words: no operators, quotes or fields.
    #[arg(long)]
    plain: bool,
    /// When to colour matches.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Queries: TSV (`id<TAB>query`, `#` comments) or BEIR JSONL (`{"_id": ..., "text": ...}`).
    #[arg(long, value_name = "FILE")]
    queries: PathBuf,
    /// Judgments: TREC qrels (`qid iter docid rel`) or BEIR TSV (`query-id corpus-id score`).
    /// An id with `#` judges a record (`doc#anchor`), any other a whole document.
    #[arg(long, value_name = "FILE")]
    qrels: PathBuf,
    /// Rank cut for nDCG, MRR, P and Recall.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    k: u32,
    /// Results retrieved per query (MAP and Recall@depth use them all).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    depth: u32,
    /// Write the ranking in TREC run format (`qid Q0 docid rank score medsearch`).
    #[arg(long, value_name = "OUT")]
    run: Option<PathBuf>,
    /// Add one row per query.
    #[arg(long)]
    per_query: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Exit with status 2 when judgments point at ids not in the index.
    #[arg(long)]
    strict: bool,
    /// Read queries as plain words: no operators, quotes or fields (natural-language queries).
    #[arg(long)]
    plain: bool,
    #[command(flatten)]
    location: Location,
}

/// What an eval run looks like once the arguments are resolved.
#[derive(Debug)]
struct EvalSettings {
    queries: PathBuf,
    qrels: PathBuf,
    options: EvalOptions,
    run: Option<PathBuf>,
    per_query: bool,
    style: Style,
    strict: bool,
    location: Location,
}

impl EvalArgs {
    fn resolve(self) -> EvalSettings {
        EvalSettings {
            queries: self.queries,
            qrels: self.qrels,
            options: EvalOptions {
                k: self.k as usize,
                depth: self.depth as usize,
                plain: self.plain,
            },
            run: self.run,
            per_query: self.per_query,
            style: if self.json { Style::Json } else { Style::Plain },
            strict: self.strict,
            location: self.location,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Section,
    Reference,
    Reviewer,
    All,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// What a search run looks like once the arguments are resolved.
#[derive(Debug)]
struct SearchSettings {
    query: String,
    options: SearchOptions,
    index: PathBuf,
    style: Style,
}

impl SearchArgs {
    fn resolve(self) -> SearchSettings {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let style = match (self.json, self.color) {
            (true, _) => Style::Json,
            (false, ColorArg::Always) => Style::Color,
            (false, ColorArg::Auto) if !no_color && std::io::stdout().is_terminal() => Style::Color,
            _ => Style::Plain,
        };
        let kind = match self.kind {
            KindArg::Section => Some(RecordKind::Section),
            KindArg::Reference => Some(RecordKind::Reference),
            KindArg::Reviewer => Some(RecordKind::Reviewer),
            KindArg::All => None,
        };
        SearchSettings {
            query: self.query.join(" "),
            options: SearchOptions {
                limit: self.limit as usize,
                kind,
                corpus: self.location.corpus,
                snippets: true,
                plain: self.plain,
            },
            index: self.location.index,
            style,
        }
    }
}

/// Whether a run found something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Hits were found (or the command succeeded): exit 0.
    Found,
    /// The search found nothing: exit 1.
    NothingFound,
}

/// Parses the arguments and runs the command. Clap handles `--help` and usage errors itself
/// (exit 0 and 2).
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<Outcome> {
    let cli = Cli::try_parse_from(args).unwrap_or_else(|e| e.exit());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Index(args) => {
            let (corpus, index_dir) = (&args.location.corpus, &args.location.index);
            let mode = if args.full {
                Mode::Full
            } else {
                Mode::Incremental
            };
            let report = update(corpus, index_dir, mode)?;
            writeln!(out, "{}", output::update_line(&report)).map_err(stdout_error)?;
            if args.watch {
                drop(out);
                watch::watch(
                    corpus,
                    index_dir,
                    &mut || update(corpus, index_dir, Mode::Incremental),
                    &mut |event| match output::watch_event(&event, corpus) {
                        Line::Out(line) => println!("{line}"),
                        Line::Err(line) => eprintln!("{line}"),
                    },
                )?;
            }
            Ok(Outcome::Found)
        }
        Command::Status(args) => {
            let (corpus, index_dir) = (&args.location.corpus, &args.location.index);
            let searchable = Searchable::open(index_dir, corpus)?;
            let differences = searchable.stale_files(corpus)?;
            let status = output::Status {
                index: index_dir,
                corpus,
                searchable: &searchable,
                size_bytes: searchable.size_bytes()?,
                differences: &differences,
            };
            let style = if args.json { Style::Json } else { Style::Plain };
            output::status(&mut out, &status, style).map_err(stdout_error)?;
            Ok(if differences.is_empty() {
                Outcome::Found
            } else {
                Outcome::NothingFound
            })
        }
        Command::Search(args) => {
            let settings = args.resolve();
            let searchable = open_or_build(&settings.options.corpus, &settings.index)?;
            let results = search::search(&searchable, &settings.query, &settings.options)?;
            output::results(&mut out, &results, settings.style).map_err(stdout_error)?;
            Ok(if results.hits.is_empty() {
                Outcome::NothingFound
            } else {
                Outcome::Found
            })
        }
        Command::Abbreviations(args) => {
            let (corpus, index_dir) = (&args.location.corpus, &args.location.index);
            let searchable = open_or_build(corpus, index_dir)?;
            let definitions = searchable.definitions()?;
            let style = if args.json { Style::Json } else { Style::Plain };
            output::abbreviations(&mut out, &definitions, corpus, style).map_err(stdout_error)?;
            Ok(if definitions.is_empty() {
                Outcome::NothingFound
            } else {
                Outcome::Found
            })
        }
        Command::Eval(args) => {
            let s = args.resolve();
            let queries = eval::read_queries(&s.queries)?;
            let qrels = eval::read_qrels(&s.qrels)?;
            let searchable = open_or_build(&s.location.corpus, &s.location.index)?;
            let (report, runs) = eval::evaluate(&searchable, &queries, &qrels, &s.options)?;
            for q in &report.per_query {
                if let Some(error) = &q.error {
                    eprintln!(
                        "medsearch: warning: query {} scored 0: {error}",
                        output::clean(&q.id)
                    );
                }
            }
            if let Some(path) = &s.run {
                eval::write_run(path, &runs)?;
            }
            output::eval_report(&mut out, &report, s.per_query, s.style).map_err(stdout_error)?;
            if s.strict && !report.dangling.is_empty() {
                return Err(Error::Dangling(report.dangling.len()));
            }
            Ok(Outcome::Found)
        }
    }
}

/// Opens the index, building it first when there is none or it was made by another version
/// of medsearch, and warns when it is stale.
fn open_or_build(corpus: &Path, index_dir: &Path) -> Result<Searchable> {
    let why = match Searchable::open(index_dir, corpus) {
        Err(Error::IndexMissing(_)) => format!("no index at '{}' yet", index_dir.display()),
        Err(Error::IndexOutdated { found, .. }) if corpus.is_dir() => {
            format!("the index at '{}' was made by {found}", index_dir.display())
        }
        other => {
            let searchable = other?;
            warn_if_stale(&searchable, corpus, index_dir);
            return Ok(searchable);
        }
    };
    if !corpus.is_dir() {
        return Err(Error::CorpusMissing(corpus.to_path_buf()));
    }
    eprintln!("medsearch: {why}; building it from '{}'", corpus.display());
    let report = update(corpus, index_dir, Mode::Incremental)?;
    eprintln!("medsearch: {}", output::update_line(&report));
    let searchable = Searchable::open(index_dir, corpus)?;
    warn_if_stale(&searchable, corpus, index_dir);
    Ok(searchable)
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// Runs an index update, telling stderr what it reports along the way (files skipped, a wait
/// for another run).
fn update(corpus: &Path, index_dir: &Path, mode: Mode) -> Result<UpdateReport> {
    index::update(corpus, index_dir, mode, &mut |event| {
        eprintln!("{}", output::update_event(&event, corpus, index_dir));
    })
}

/// Above this many corpus files, `search` and `eval` skip the staleness check (it costs a
/// `stat` per file); `medsearch status` always makes it.
pub const STALE_CHECK_MAX_FILES: usize = 5_000;

fn warn_if_stale(searchable: &Searchable, corpus: &Path, index_dir: &Path) {
    if searchable.summary().files > STALE_CHECK_MAX_FILES {
        return;
    }
    let Ok(differ) = searchable.stale_files(corpus) else {
        return;
    };
    if differ.is_empty() {
        return;
    }
    let mut list: Vec<String> = differ
        .iter()
        .take(3)
        .map(|(p, _)| output::clean(p))
        .collect();
    if differ.len() > 3 {
        list.push("…".into());
    }
    eprintln!(
        "medsearch: warning: the index is stale: {} changed since it was built ({}); run `medsearch index --corpus {} --index {}` to refresh it",
        if differ.len() == 1 {
            "1 file".to_string()
        } else {
            format!("{} files", differ.len())
        },
        list.join(", "),
        corpus.display(),
        index_dir.display(),
    );
}
