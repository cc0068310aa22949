//! The command line: clap definitions, resolved into plain settings, then run.
//!
//! [`run`] parses the arguments, runs the command and says whether anything matched (exit 0)
//! or not (exit 1). A [`Failure`] is an error together with the locations the command ran
//! with, so that its message names the command that mends it, with those locations (exit 2;
//! 130 when Ctrl-C stopped the run). Argument errors are one line with a `--help` hint, as
//! every other error is; `--help` and `--version` work on every command. A panic (a bug, or
//! tantivy tripping over damaged files) is caught and reported as one line too. Messages for
//! people go to stderr, results to stdout.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::eval::{self, EvalOptions};
use crate::index::{self, Mode, Searchable, UpdateReport};
use crate::output::{self, Line, Locations, Style};
use crate::parse::RecordKind;
use crate::search::{self, Feedback, Ranking, SearchOptions};
use crate::semantic::{self, Mode as SemanticMode};
use crate::{interrupt, serve, show, watch};

/// Section-aware full-text search over patient-information pages.
#[derive(Debug, Parser)]
#[command(name = "medsearch", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Bring the index up to date with the corpus (incrementally unless --full).
    Index(IndexArgs),
    /// Show the index: location, counts, size, build time, whether it is whole (every file's
    /// checksum) and whether it is stale.
    Status(ReportArgs),
    /// Search the index; builds it first if there is none.
    Search(SearchArgs),
    /// Show one record whole: `medsearch show DOC#ANCHOR` (or PATH#ANCHOR, as results print it).
    Show(ShowArgs),
    /// Run a batch of queries against relevance judgments and report metrics.
    Eval(EvalArgs),
    /// List the abbreviations learned from the corpus, with the file and line of each
    /// definition; builds the index first if there is none.
    Abbreviations(ReportArgs),
    /// Write every record as one JSON object a line (for another search engine).
    Export(ExportArgs),
    /// Serve the search page and the HTTP API: `medsearch serve`, then open the URL it prints;
    /// builds the index first if there is none. Ctrl-C stops it.
    Serve(ServeArgs),
    /// Print a shell completion script: `medsearch completions bash > ...`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `medsearch man > medsearch.1`.
    Man,
}

#[derive(Debug, Args)]
struct IndexArgs {
    /// Rebuild everything instead of re-indexing only what changed.
    #[arg(long)]
    full: bool,
    /// Keep running and re-index shortly after files in the corpus change (Ctrl-C stops).
    #[arg(long)]
    watch: bool,
    /// Memory for the index writer, in MiB, shared by its threads (16 MiB each at least):
    /// the bound on what a build holds beyond the files being read.
    #[arg(long, value_name = "MIB", env = "MEDSEARCH_WRITER_MEMORY", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(16..=65_536))]
    writer_memory: u32,
    /// The live site's address of the corpus folder (`https://…`), kept by the index: hits in
    /// HTML pages link to it (`page.html#anchor`; a page's `<link rel=canonical>` wins).
    #[arg(long, value_name = "URL", value_parser = base_url)]
    base_url: Option<String>,
    /// A sentence-transformers model folder (config.json, tokenizer.json, model.safetensors):
    /// every record also gets a vector, for semantic and hybrid search. Later runs embed what
    /// changed with the model the index records; with --full, a different model replaces it.
    #[arg(long, value_name = "DIR", env = "MEDSEARCH_MODEL")]
    model: Option<PathBuf>,
    #[command(flatten)]
    location: Location,
}

/// How a search ranks, and with which model folder it embeds queries.
#[derive(Debug, Clone, Args)]
struct RankArgs {
    /// lexical (words), semantic (the model's vectors) or hybrid (both, fused); default:
    /// hybrid when the index has vectors, else lexical.
    #[arg(long, value_enum)]
    mode: Option<SemanticMode>,
    /// The model folder to embed queries with (default: the one the index was embedded with).
    #[arg(long, value_name = "DIR", env = "MEDSEARCH_MODEL")]
    model: Option<PathBuf>,
}

/// A `--base-url`: an `http:` or `https:` address, kept with one `/` at its end.
fn base_url(value: &str) -> std::result::Result<String, String> {
    let url = value.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("the base URL must start with https:// or http://")?;
    if rest.is_empty() || rest.contains(char::is_whitespace) || rest.contains(['#', '?']) {
        return Err("the base URL needs a host, and no spaces, '#' or '?'".into());
    }
    Ok(format!("{}/", url.trim_end_matches('/')))
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    location: Location,
}

/// Where the corpus and the index are.
#[derive(Debug, Clone, Args)]
struct Location {
    /// Folder of documents (.txt, .md, .jsonl, .html), searched recursively.
    #[arg(long, env = "MEDSEARCH_CORPUS", default_value = crate::corpus::DEFAULT_FOLDER)]
    corpus: PathBuf,
    /// Folder holding the index.
    #[arg(long, env = "MEDSEARCH_INDEX", default_value = index::DEFAULT_FOLDER)]
    index: PathBuf,
}

impl Location {
    fn at(&self) -> Locations<'_> {
        Locations {
            corpus: &self.corpus,
            index: &self.index,
        }
    }
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The query: words, "phrases", +required, -excluded, AND/OR/NOT, (groups),
    /// heading:/body:/kind:/doc: fields, prefix*. Several arguments are joined by spaces.
    /// A query that starts with `-` goes after `--`: `medsearch search -- -lung liver`.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
    /// Most hits to show: 1 to 10000.
    #[arg(long, default_value_t = search::DEFAULT_LIMIT, value_parser = search::read_limit)]
    limit: usize,
    /// Only records of this kind: section, reference, reviewer, or all.
    // `std::option::Option` spelled out: clap then reads `all` as a value (None), not the
    // option as absent.
    #[arg(long, value_name = "KIND", default_value = "all", value_parser = search::read_kind)]
    kind: std::option::Option<RecordKind>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Read the query as plain words: no operators, quotes or fields.
    #[arg(long)]
    plain: bool,
    /// Show, for each hit, where its score comes from.
    #[arg(long)]
    explain: bool,
    /// Query feedback (the best records' words expand the query): `auto` for plain queries
    /// of four or more words that are not stop words.
    #[arg(long, value_enum, default_value_t = FeedbackArg::Auto)]
    feedback: FeedbackArg,
    /// Run the query as written: no typo correction (a "did you mean" is still offered when
    /// nothing matches).
    #[arg(long)]
    no_correct: bool,
    /// The query is being typed: its last word, when no space follows it, also matches the
    /// words it begins (`oct` finds octreotide), as the search page does while you type.
    #[arg(long)]
    typing: bool,
    /// Read a query that does not parse as the search page does (an unclosed quote or bracket
    /// closed, else plain words) instead of failing; JSON `read_as` says how it was read.
    #[arg(long)]
    forgiving: bool,
    /// Hits to skip before the first one shown (paging: `--offset 10 --limit 10` is the second
    /// page).
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = search::read_offset)]
    offset: usize,
    /// Count every matching record: without it, matches are counted up to 1000, then
    /// reported as "more than 1000".
    #[arg(long)]
    count: bool,
    /// When to colour matches.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    #[command(flatten)]
    rank: RankArgs,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The record: `DOC#ANCHOR` (its id), or `PATH#ANCHOR` as results print it (a trailing
    /// `:LINE` is ignored).
    #[arg(value_name = "RECORD")]
    record: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on; loopback unless another address is given
    /// (`0.0.0.0:7700` listens on every interface; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:7700")]
    addr: std::net::SocketAddr,
    /// Most requests reading the index at once (default: the number of cores); more wait,
    /// up to 256, then get 429.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    max_searches: Option<u32>,
    /// Longest a request may take, waiting included, in seconds (then 503).
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Let pages on this origin call the API from a browser (CORS; repeat for more, `*` for
    /// any), e.g. `--allow-origin https://www.example.org`.
    #[arg(long, value_name = "ORIGIN", value_parser = serve::origin)]
    allow_origin: Vec<String>,
    #[command(flatten)]
    rank: RankArgs,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Ndjson)]
    format: ExportFormat,
    #[command(flatten)]
    location: Location,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// One JSON object a line (newline-delimited JSON).
    Ndjson,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
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
    /// Results retrieved per query (MAP and Recall@depth use them all); at least --k.
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
    /// Ranking weights to use instead of the built-in ones, for tuning: a JSON object of the
    /// fields to change (see `search::ranking`), e.g. `{"k1": 1.5}`.
    #[arg(long, value_name = "FILE")]
    ranking: Option<PathBuf>,
    /// Query feedback, as for `search`.
    #[arg(long, value_enum, default_value_t = FeedbackArg::Auto)]
    feedback: FeedbackArg,
    #[command(flatten)]
    rank: RankArgs,
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
}

impl EvalArgs {
    fn resolve(&self) -> Result<EvalSettings> {
        if self.depth < self.k {
            return Err(Error::Usage(format!(
                "--depth {} is smaller than --k {}: the metrics at k need k results",
                self.depth, self.k
            )));
        }
        let ranking = match &self.ranking {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                Ranking::from_json(&text).map_err(|(line, message)| Error::Input {
                    path: path.clone(),
                    line,
                    message,
                })?
            }
            None => Ranking::default(),
        };
        Ok(EvalSettings {
            queries: self.queries.clone(),
            qrels: self.qrels.clone(),
            options: EvalOptions {
                k: self.k as usize,
                depth: self.depth as usize,
                plain: self.plain,
                ranking,
                feedback: self.feedback.into(),
                mode: self.rank.mode,
            },
            run: self.run.clone(),
            per_query: self.per_query,
            style: json_or_plain(self.json),
            strict: self.strict,
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FeedbackArg {
    Auto,
    On,
    Off,
}

impl From<FeedbackArg> for Feedback {
    fn from(arg: FeedbackArg) -> Feedback {
        match arg {
            FeedbackArg::Auto => Feedback::Auto,
            FeedbackArg::On => Feedback::On,
            FeedbackArg::Off => Feedback::Off,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn json_or_plain(json: bool) -> Style {
    if json { Style::Json } else { Style::Plain }
}

/// What a search run looks like once the arguments are resolved.
#[derive(Debug)]
struct SearchSettings {
    query: String,
    options: SearchOptions,
    style: Style,
}

impl SearchArgs {
    fn resolve(&self) -> SearchSettings {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let style = match (self.json, self.color) {
            (true, _) => Style::Json,
            (false, ColorArg::Always) => Style::Color,
            (false, ColorArg::Auto) if !no_color && std::io::stdout().is_terminal() => Style::Color,
            _ => Style::Plain,
        };
        SearchSettings {
            query: self.query.join(" "),
            options: SearchOptions {
                limit: self.limit,
                kind: self.kind,
                plain: self.plain,
                explain: self.explain,
                feedback: self.feedback.into(),
                count: self.count,
                correct: !self.no_correct,
                typing: self.typing,
                forgiving: self.forgiving,
                offset: self.offset,
                mode: self.rank.mode,
                ..SearchOptions::default()
            },
            style,
        }
    }
}

impl Command {
    /// The locations the command works on (for the commands that use any).
    fn location(&self) -> Option<&Location> {
        match self {
            Command::Index(args) => Some(&args.location),
            Command::Status(args) | Command::Abbreviations(args) => Some(&args.location),
            Command::Search(args) => Some(&args.location),
            Command::Show(args) => Some(&args.location),
            Command::Eval(args) => Some(&args.location),
            Command::Export(args) => Some(&args.location),
            Command::Serve(args) => Some(&args.location),
            Command::Completions(_) | Command::Man => None,
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

/// An error, with the locations of the command that failed (for the advice in its message).
#[derive(Debug)]
pub struct Failure {
    error: Error,
    location: Option<Location>,
}

impl Failure {
    /// The exit status: 130 for a run stopped by Ctrl-C, else 2.
    pub fn exit_code(&self) -> u8 {
        match self.error {
            Error::Interrupted(_) => 130,
            _ => 2,
        }
    }

    /// Whether standard output was closed by its reader (`| head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&self.error, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The message after `medsearch: `: `error: ...` with its advice, or `interrupted: ...`.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error {
            Error::Interrupted(_) => write!(f, "{}", self.error),
            error => {
                let line = output::error_line(error, self.location.as_ref().map(Location::at));
                write!(f, "error: {line}")
            }
        }
    }
}

/// Parses the arguments and runs the command (see the module docs).
pub fn run(args: impl IntoIterator<Item = OsString>) -> std::result::Result<Outcome, Failure> {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return arguments(e, &args),
    };
    let location = cli.command.location().cloned();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(cli.command)));
    ran.unwrap_or_else(|panic| Err(Error::Internal(crate::panic_message(&*panic))))
        .map_err(|error| Failure { error, location })
}

/// What clap's verdict on the arguments becomes: help and version printed (exit 0), anything
/// else one line with a hint at the `--help` of the command given.
fn arguments(e: clap::Error, args: &[OsString]) -> std::result::Result<Outcome, Failure> {
    use clap::error::ErrorKind;
    let usage = |message: String| Failure {
        error: Error::Usage(message),
        location: None,
    };
    match e.kind() {
        ErrorKind::DisplayHelp => {
            let _ = e.print();
            Ok(Outcome::Found)
        }
        ErrorKind::DisplayVersion => {
            println!("medsearch {}", env!("CARGO_PKG_VERSION"));
            Ok(Outcome::Found)
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Err(usage(
            "a command is needed: index, status, search, show, eval, abbreviations, export, \
             serve, completions or man (see `medsearch --help`)"
                .to_string(),
        )),
        _ => {
            // clap's message: "error: ..." first, then perhaps "  tip: ..." lines, then usage.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let mut message = first.strip_prefix("error: ").unwrap_or(first).to_string();
            for tip in text.lines().filter_map(|l| l.trim().strip_prefix("tip: ")) {
                message.push_str("; ");
                message.push_str(tip);
            }
            let cli = Cli::command();
            let command = args
                .iter()
                .skip(1)
                .find_map(|a| cli.find_subcommand(a).map(|c| c.get_name().to_string()));
            let command = match command {
                Some(name) => format!("medsearch {name}"),
                None => "medsearch".to_string(),
            };
            Err(usage(format!("{message} (see `{command} --help`)")))
        }
    }
}

/// Runs one command.
fn execute(command: Command) -> Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let found = |any: bool| {
        if any {
            Outcome::Found
        } else {
            Outcome::NothingFound
        }
    };
    match command {
        Command::Index(args) => {
            let at = &args.location;
            let mode = if args.full {
                Mode::Full
            } else {
                Mode::Incremental
            };
            let memory = args.writer_memory as usize * 1024 * 1024;
            let report = update(at, mode, args.base_url.as_deref(), memory, true)?;
            writeln!(out, "{}", output::update_line(&report)).map_err(stdout_error)?;
            let model = args.model.as_deref();
            if let Some(report) = embed(at, model, args.full, true)? {
                writeln!(out, "{}", output::embed_line(&report)).map_err(stdout_error)?;
            }
            if args.watch {
                drop(out);
                watch::watch(
                    &at.corpus,
                    &at.index,
                    &mut || {
                        let report = update(at, Mode::Incremental, None, memory, false)?;
                        embed(at, model, false, false)?;
                        Ok(report)
                    },
                    &mut |event| match output::watch_event(&event, &at.corpus) {
                        Line::Out(line) => println!("{line}"),
                        Line::Err(line) => eprintln!("{line}"),
                    },
                )?;
            }
            Ok(Outcome::Found)
        }
        Command::Status(args) => {
            let at = &args.location;
            let searchable = Searchable::open_verified(&at.index, &at.corpus)?;
            let differences = searchable.stale_files()?;
            let status = output::Status {
                index: &at.index,
                corpus: &at.corpus,
                public: false,
                searchable: &searchable,
                size_bytes: searchable.size_bytes()?,
                differences: &differences,
            };
            output::status(&mut out, &status, json_or_plain(args.json)).map_err(stdout_error)?;
            Ok(found(differences.is_empty()))
        }
        Command::Search(args) => {
            let settings = args.resolve();
            let mut searchable = open_or_build(&args.location)?;
            searchable.use_model(args.rank.model.clone());
            let results = search::search(&searchable, &settings.query, &settings.options)?;
            output::results(
                &mut out,
                &results,
                Some(searchable.corpus()),
                settings.style,
            )
            .map_err(stdout_error)?;
            Ok(found(!results.hits.is_empty()))
        }
        Command::Show(args) => {
            let searchable = open_or_build(&args.location)?;
            match show::find(&searchable, &args.record)? {
                show::Found::Record(record, body) => {
                    let style = json_or_plain(args.json);
                    output::record(&mut out, &record, &body, Some(searchable.corpus()), style)
                        .map_err(stdout_error)?;
                    Ok(Outcome::Found)
                }
                show::Found::Nothing(missing) => {
                    eprintln!("medsearch: {}", output::no_record(&missing));
                    Ok(Outcome::NothingFound)
                }
            }
        }
        Command::Abbreviations(args) => {
            let searchable = open_or_build(&args.location)?;
            let definitions = searchable.definitions()?;
            output::abbreviations(
                &mut out,
                &definitions,
                &args.location.corpus,
                json_or_plain(args.json),
            )
            .map_err(stdout_error)?;
            Ok(found(!definitions.is_empty()))
        }
        Command::Eval(args) => {
            let s = args.resolve()?;
            let queries = eval::read_queries(&s.queries)?;
            let qrels = eval::read_qrels(&s.qrels)?;
            let mut searchable = open_or_build(&args.location)?;
            searchable.use_model(args.rank.model.clone());
            let (report, runs) = eval::evaluate(&searchable, &queries, &qrels, &s.options)?;
            for q in &report.per_query {
                if let Some(error) = &q.error {
                    eprintln!(
                        "medsearch: warning: query {} scored 0: {}",
                        output::clean(&q.id),
                        output::clean(error)
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
        Command::Export(args) => {
            let ExportFormat::Ndjson = args.format;
            let searchable = open_or_build(&args.location)?;
            let mut any = false;
            searchable.for_each_record(&mut |record, body| {
                any = true;
                output::export_line(&mut out, record, body, searchable.corpus())
                    .map_err(stdout_error)
            })?;
            Ok(found(any))
        }
        Command::Serve(args) => {
            let at = &args.location;
            let mut searchable = open_or_build(at)?;
            searchable.use_model(args.rank.model.clone());
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            let settings = serve::Settings {
                addr: args.addr,
                corpus: at.corpus.clone(),
                index: at.index.clone(),
                max_searches: args.max_searches.map_or(cores, |n| n as usize),
                max_queued: serve::MAX_QUEUED,
                timeout: std::time::Duration::from_secs(args.timeout),
                allowed_origins: args.allow_origin.clone(),
                mode: args.rank.mode,
            };
            drop(out);
            serve::serve(
                searchable,
                settings,
                std::sync::Arc::new(|event| eprintln!("{}", output::serve_event(&event))),
            )?;
            eprintln!("medsearch: stopped");
            Ok(Outcome::Found)
        }
        Command::Completions(args) => {
            clap_complete::generate(args.shell, &mut Cli::command(), "medsearch", &mut out);
            Ok(Outcome::Found)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(stdout_error)?;
            Ok(Outcome::Found)
        }
    }
}

/// Opens the index, building it first when there is none or it was made by another version
/// of medsearch, and warns when it is stale.
fn open_or_build(at: &Location) -> Result<Searchable> {
    let why = match Searchable::open(&at.index, &at.corpus) {
        Err(Error::IndexMissing(_)) => format!("no index at '{}' yet", at.index.display()),
        Err(Error::IndexOutdated { found, .. }) if at.corpus.is_dir() => {
            format!("the index at '{}' was made by {found}", at.index.display())
        }
        other => {
            let searchable = other?;
            warn_if_stale(&searchable, at);
            return Ok(searchable);
        }
    };
    if !at.corpus.is_dir() {
        return Err(Error::CorpusMissing(at.corpus.clone()));
    }
    eprintln!(
        "medsearch: {}; building it from '{}'",
        output::clean(&why),
        output::clean(&at.corpus.display().to_string())
    );
    let report = update(at, Mode::Incremental, None, index::WRITER_HEAP_BYTES, true)?;
    eprintln!("medsearch: {}", output::update_line(&report));
    let searchable = Searchable::open(&at.index, &at.corpus)?;
    warn_if_stale(&searchable, at);
    Ok(searchable)
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}

/// Runs an index update with `memory` bytes for the writer, showing on stderr what it reports
/// along the way (files skipped, a wait for another run, progress on a terminal). When
/// `interruptible`, Ctrl-C stops it and leaves the index as it was.
fn update(
    at: &Location,
    mode: Mode,
    base_url: Option<&str>,
    memory: usize,
    interruptible: bool,
) -> Result<UpdateReport> {
    if interruptible {
        interrupt::install()?;
    }
    let mut progress = output::UpdateProgress::new(at.at(), std::io::stderr().is_terminal());
    index::update(
        &at.corpus,
        &at.index,
        mode,
        base_url,
        memory,
        &mut |event| {
            progress.event(&event);
            if interruptible && interrupt::requested() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
}

/// Gives the index's records vectors after an update, when a model is given or the index
/// has vectors already (embedded with the model it records), showing progress on a terminal;
/// `replace`: a different model replaces the index's. `None` when there is nothing to do.
fn embed(
    at: &Location,
    model_dir: Option<&std::path::Path>,
    replace: bool,
    interruptible: bool,
) -> Result<Option<semantic::embed::Report>> {
    let dir = match model_dir {
        Some(dir) => dir.to_path_buf(),
        None => {
            let Some(name) = index::generation::live_name(&at.index)? else {
                return Ok(None);
            };
            let live = index::generation::Generation::open(&at.index, &name)?;
            if live.summary.vectors.is_none() {
                return Ok(None);
            }
            PathBuf::from(live.vector_head().model_dir)
        }
    };
    let model = semantic::Model::load(&dir)?;
    let dir = dir.canonicalize().unwrap_or(dir);
    let mut progress = output::EmbedProgress::new(std::io::stderr().is_terminal());
    let report = semantic::embed::embed(&at.index, &model, &dir, replace, &mut |event| {
        progress.event(event);
        if interruptible && interrupt::requested() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(Some(report))
}

/// Above this many corpus files, `search` and `eval` skip the staleness check (it costs a
/// `stat` per file); `medsearch status` always makes it.
pub const STALE_CHECK_MAX_FILES: usize = 5_000;

fn warn_if_stale(searchable: &Searchable, at: &Location) {
    if searchable.summary().files > STALE_CHECK_MAX_FILES {
        return;
    }
    if let Ok(differences) = searchable.stale_files()
        && !differences.is_empty()
    {
        eprintln!("{}", output::stale_warning(&differences, at.at()));
    }
}
