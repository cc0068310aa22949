//! The command line: clap definitions, resolved into plain settings, then run.
//!
//! `run` returns whether anything matched (exit 0) or not (exit 1); errors become exit 2 in
//! `main`. Messages for people go to stderr, results to stdout.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::index::{self, BuildReport};
use crate::output::{self, Style};
use crate::parse::RecordKind;
use crate::search::{self, SearchOptions};

/// Section-aware full-text search over patient-information pages.
#[derive(Debug, Parser)]
#[command(name = "medsearch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the index from the corpus folder.
    Index {
        #[command(flatten)]
        location: Location,
    },
    /// Search the index; builds it first if there is none.
    Search(SearchArgs),
}

#[derive(Debug, Args)]
struct Location {
    /// Folder of documents (.txt, .md), searched recursively.
    #[arg(long, env = "MEDSEARCH_CORPUS", default_value = "corpus")]
    corpus: PathBuf,
    /// Folder holding the index.
    #[arg(long, env = "MEDSEARCH_INDEX", default_value = "index")]
    index: PathBuf,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The query: words, "phrases", +required, -excluded, AND/OR/NOT, (groups),
    /// heading:/body:/title:/kind:/doc: fields, prefix*. Several arguments are joined by spaces.
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
    /// When to colour matches.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    #[command(flatten)]
    location: Location,
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
        Command::Index { location } => {
            let report = build(&location.corpus, &location.index)?;
            writeln!(out, "{}", summary(&report, &location.index)).map_err(stdout_error)?;
            Ok(Outcome::Found)
        }
        Command::Search(args) => {
            let corpus = args.location.corpus.clone();
            let settings = args.resolve();
            if !index::exists(&settings.index) {
                if !corpus.is_dir() {
                    return Err(Error::CorpusMissing(corpus));
                }
                eprintln!(
                    "medsearch: no index at '{}' yet; building it from '{}'",
                    settings.index.display(),
                    corpus.display()
                );
                let report = build(&corpus, &settings.index)?;
                eprintln!("medsearch: {}", summary(&report, &settings.index));
            }
            let searchable = index::open(&settings.index)?;
            warn_if_stale(&searchable, &corpus, &settings.index);
            let results = search::search(&searchable, &settings.query, &settings.options)?;
            output::results(&mut out, &results, settings.style).map_err(stdout_error)?;
            Ok(if results.hits.is_empty() {
                Outcome::NothingFound
            } else {
                Outcome::Found
            })
        }
    }
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

fn build(corpus: &Path, index_dir: &Path) -> Result<BuildReport> {
    index::build(corpus, index_dir, &mut |skipped| {
        let path = corpus.join(&skipped.path);
        eprintln!(
            "medsearch: warning: skipping {}: {}",
            output::clean(&path.display().to_string()),
            skipped.reason
        );
    })
}

fn summary(report: &BuildReport, index_dir: &Path) -> String {
    let m = &report.manifest;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "indexed {}: {}, {}, {} in {:.2} s → {}{}",
        plural(m.documents, "document"),
        plural(m.sections, "section"),
        plural(m.references, "reference"),
        plural(m.reviewers, "reviewer"),
        report.elapsed.as_secs_f64(),
        index_dir.display(),
        if m.skipped.is_empty() {
            String::new()
        } else {
            format!(" ({} skipped)", plural(m.skipped.len(), "file"))
        },
    )
}

fn warn_if_stale(searchable: &index::Searchable, corpus: &Path, index_dir: &Path) {
    let Ok(differ) = index::stale_files(searchable, corpus) else {
        return;
    };
    if differ.is_empty() {
        return;
    }
    let mut list: Vec<String> = differ.iter().take(3).map(|p| output::clean(p)).collect();
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
