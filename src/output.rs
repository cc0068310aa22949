//! The only place that renders results and messages (search hits, evaluation reports, index
//! status, what an index update or a watch reports along the way): terminal text or JSON.
//!
//! Terminal text shows, per hit: rank, heading (and kind for references and reviewers),
//! document title, `path#anchor:line`, then the snippet with matches highlighted. Colour is
//! used only when asked for, or when stdout is a terminal and `NO_COLOR` is unset. Text from the
//! corpus never reaches the terminal raw: control characters (escape sequences included) are
//! replaced with `�`. JSON is one object per run, built with serde, valid for any content.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::corpus::Skipped;
use crate::error::Error;
use crate::eval::Report;
use crate::index::chrome::ChromeReport;
use crate::index::{self, Difference, Event, FullRebuild, Searchable, StoredRecord, UpdateReport};
use crate::parse::{Definition, RecordKind};
use crate::search::{Explanation, Hit, Results};
use crate::serve;
use crate::show::Missing;
use crate::watch::WatchEvent;

/// How output is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text, no escape codes.
    Plain,
    /// Text with ANSI colours.
    Color,
    /// One JSON object.
    Json,
}

const BOLD: &str = "\x1b[1m";
const MATCH: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const PATH: &str = "\x1b[35m";
const RESET: &str = "\x1b[0m";

/// Writes search results; their paths are shown joined to `corpus`, the corpus folder as
/// given (`located`).
pub fn results(
    out: &mut dyn Write,
    results: &Results,
    corpus: Option<&Path>,
    style: Style,
) -> io::Result<()> {
    let mut results = results.clone();
    for hit in &mut results.hits {
        hit.record = located(&hit.record, corpus);
    }
    let results = &results;
    if style == Style::Json {
        serde_json::to_writer(&mut *out, results)?;
        return writeln!(out);
    }
    let paint = |code: &'static str| if style == Style::Color { code } else { "" };
    if let Some(corrected) = &results.corrected_query {
        writeln!(
            out,
            "{}showing results for {}{}\n",
            paint(DIM),
            quoted(corrected),
            paint(RESET)
        )?;
    }
    for hit in &results.hits {
        heading_lines(out, &format!("{}. ", hit.rank), &hit.record, paint)?;
        let snippet = snippet(hit, paint(MATCH), paint(RESET));
        if !snippet.is_empty() {
            writeln!(out, "   {snippet}")?;
        }
        if let Some(explanation) = &hit.explanation {
            explain(out, explanation, 0)?;
        }
        writeln!(out)?;
    }
    if results.total_hits == 0 {
        writeln!(out, "{}no matching records{}", paint(DIM), paint(RESET))?;
    } else {
        writeln!(
            out,
            "{}{} of {}{}{}",
            paint(DIM),
            results.hits.len(),
            if results.total_hits_exact {
                ""
            } else {
                "more than "
            },
            plural(results.total_hits, "matching record"),
            paint(RESET)
        )?;
    }
    if !results.typos_not_tried.is_empty() {
        writeln!(
            out,
            "{}not checked for typos (the query's budget was spent): {}{}",
            paint(DIM),
            listed(&results.typos_not_tried, NOT_TRIED_SHOWN),
            paint(RESET)
        )?;
    }
    match &results.suggestion {
        Some(suggestion) => writeln!(out, "did you mean {}?", quoted(suggestion)),
        None => Ok(()),
    }
}

/// How many of the words not checked for typos the text output names (JSON lists them all).
const NOT_TRIED_SHOWN: usize = 10;

/// `words` quoted and joined with commas, the first `shown` of them, then how many more.
fn listed(words: &[String], shown: usize) -> String {
    let mut text = words
        .iter()
        .take(shown)
        .map(|word| quoted(word))
        .collect::<Vec<_>>()
        .join(", ");
    if words.len() > shown {
        text.push_str(&format!(" and {} more", words.len() - shown));
    }
    text
}

/// `record` as people read it: its corpus-relative path joined to `corpus`, the folder as the
/// user gave it (`corpus/page.txt`), so that the path can be opened or pasted into `show`;
/// with no `corpus` (the HTTP API: no server path leaves the server), relative to it.
fn located(record: &StoredRecord, corpus: Option<&Path>) -> StoredRecord {
    match corpus {
        Some(corpus) => StoredRecord {
            path: corpus.join(&record.path).to_string_lossy().into_owned(),
            ..record.clone()
        },
        None => record.clone(),
    }
}

/// The two lines that name a record: `prefix` (a rank), heading (and kind, unless a section)
/// with the document's title, then `path#anchor:line`.
fn heading_lines(
    out: &mut dyn Write,
    prefix: &str,
    record: &StoredRecord,
    paint: impl Fn(&'static str) -> &'static str,
) -> io::Result<()> {
    let kind = match record.kind {
        RecordKind::Section => String::new(),
        kind => format!(" [{}]", kind.as_str()),
    };
    writeln!(
        out,
        "{prefix}{}{}{}{kind} {}— {}{}",
        paint(BOLD),
        clean(if record.heading.is_empty() {
            &record.doc
        } else {
            &record.heading
        }),
        paint(RESET),
        paint(DIM),
        clean(&record.doc_title),
        paint(RESET),
    )?;
    writeln!(
        out,
        "   {}{}#{}:{}{}",
        paint(PATH),
        clean(&record.path),
        clean(&record.anchor),
        record.line,
        paint(RESET)
    )?;
    match &record.url {
        Some(url) => writeln!(out, "   {}{}{}", paint(PATH), clean(url), paint(RESET)),
        None => Ok(()),
    }
}

/// A score's explanation as an indented tree: `value  what`, its parts below it.
fn explain(out: &mut dyn Write, e: &Explanation, depth: usize) -> io::Result<()> {
    let indent = "  ".repeat(depth + 2);
    let value = format!("{:.4}", e.value);
    let value = value.trim_end_matches('0').trim_end_matches('.');
    writeln!(out, "{indent}{value}  {}", clean(&e.description))?;
    for part in &e.details {
        explain(out, part, depth + 1)?;
    }
    Ok(())
}

/// Writes one record whole (`medsearch show`): its heading lines, kind and breadcrumbs, then
/// its text line by line; or, as JSON, the record's fields and its `body`. Its path is shown
/// joined to `corpus` (`located`).
pub fn record(
    out: &mut dyn Write,
    record: &StoredRecord,
    body: &str,
    corpus: Option<&Path>,
    style: Style,
) -> io::Result<()> {
    let record = &located(record, corpus);
    if style == Style::Json {
        serde_json::to_writer(&mut *out, &WithBody { record, body })?;
        return writeln!(out);
    }
    heading_lines(out, "", record, |_| "")?;
    let mut trail = record.breadcrumbs.clone();
    trail.push(record.heading.clone());
    writeln!(
        out,
        "   {} · {}",
        record.kind.as_str(),
        clean(&trail.join(" › "))
    )?;
    writeln!(out)?;
    for line in body.lines() {
        writeln!(out, "{}", clean(line))?;
    }
    // A reference's or reviewer's fields, as parsed.
    let fields = match (&record.reference, &record.reviewer) {
        (Some(reference), _) => serde_json::to_value(reference),
        (_, Some(reviewer)) => serde_json::to_value(reviewer),
        (None, None) => return Ok(()),
    }?;
    writeln!(out)?;
    for (key, value) in fields.as_object().into_iter().flatten() {
        let value = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        if key != "text" && !value.is_empty() {
            writeln!(out, "{key}: {}", clean(&value))?;
        }
    }
    Ok(())
}

/// A record with its whole text, as `show --json` and `export` write it.
#[derive(Serialize)]
struct WithBody<'a> {
    #[serde(flatten)]
    record: &'a StoredRecord,
    body: &'a str,
}

/// One line of `medsearch export`: the record's fields and its `body`, as JSON, its path
/// joined to `corpus` (`located`).
pub fn export_line(
    out: &mut dyn Write,
    record: &StoredRecord,
    body: &str,
    corpus: &Path,
) -> io::Result<()> {
    let record = &located(record, Some(corpus));
    serde_json::to_writer(&mut *out, &WithBody { record, body })?;
    writeln!(out)
}

/// The message when `show` finds no such record, with the closest ones of its document.
pub fn no_record(missing: &Missing) -> String {
    let asked = clean(&missing.asked);
    match (&missing.document, missing.closest.as_slice()) {
        (None, _) => format!("no record {asked}: no such document in the index"),
        (Some(doc), []) => format!("no record {asked} in {}", clean(doc)),
        (Some(_), closest) => {
            let closest: Vec<String> = closest.iter().map(|id| clean(id)).collect();
            format!("no record {asked}; closest: {}", closest.join(", "))
        }
    }
}

/// Writes an evaluation report: the means, then optionally one row per query, then any
/// dangling judgments.
pub fn eval_report(
    out: &mut dyn Write,
    report: &Report,
    per_query: bool,
    style: Style,
) -> io::Result<()> {
    if style == Style::Json {
        serde_json::to_writer(&mut *out, report)?;
        return writeln!(out);
    }
    let (k, depth) = (report.k, report.depth);
    writeln!(
        out,
        "{} queries ({} judged), k = {k}, depth = {depth}",
        report.queries, report.judged
    )?;
    let m = &report.metrics;
    let rows = [
        (format!("nDCG@{k}"), m.ndcg),
        ("MAP".to_string(), m.map),
        (format!("MRR@{k}"), m.mrr),
        (format!("P@{k}"), m.precision),
        (format!("Recall@{k}"), m.recall),
        (format!("Recall@{depth}"), m.recall_depth),
    ];
    for (name, value) in rows {
        writeln!(out, "  {name:<14}{value:.4}")?;
    }
    if per_query {
        writeln!(out)?;
        let head = [
            "query",
            &format!("nDCG@{k}"),
            "AP",
            &format!("RR@{k}"),
            &format!("P@{k}"),
            &format!("R@{k}"),
            &format!("R@{depth}"),
            "found",
        ];
        writeln!(
            out,
            "{:<12}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>7}  text",
            head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7]
        )?;
        for q in &report.per_query {
            let m = &q.metrics;
            let note = match (&q.error, q.judged) {
                (Some(_), _) => " (failed)",
                (None, false) => " (not judged)",
                _ => "",
            };
            writeln!(
                out,
                "{:<12}{:>9.4}{:>9.4}{:>9.4}{:>9.4}{:>9.4}{:>9.4}{:>7}  {}{note}",
                clean(&q.id),
                m.ndcg,
                m.map,
                m.mrr,
                m.precision,
                m.recall,
                m.recall_depth,
                q.retrieved,
                clean(&q.query)
            )?;
        }
    }
    if !report.dangling.is_empty() {
        writeln!(
            out,
            "\n{} dangling judgments (ids not in the index):",
            report.dangling.len()
        )?;
        for d in &report.dangling {
            writeln!(out, "  query {}: {}", clean(&d.query), clean(&d.id))?;
        }
    }
    Ok(())
}

/// What `medsearch status` shows.
pub struct Status<'a> {
    /// The index folder as given.
    pub index: &'a Path,
    /// The corpus folder as given.
    pub corpus: &'a Path,
    /// For the public (the HTTP API): without the folders' locations, and with medsearch's
    /// version instead of the fingerprint that names the crates' versions.
    pub public: bool,
    /// The opened live generation.
    pub searchable: &'a Searchable,
    /// Its size in bytes ([`Searchable::size_bytes`]).
    pub size_bytes: u64,
    /// How the corpus differs from it.
    pub differences: &'a [(String, Difference)],
}

#[derive(Serialize)]
struct StatusJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<&'a Path>,
    generation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    corpus: Option<&'a Path>,
    built: String,
    fingerprint: String,
    files: usize,
    documents: usize,
    sections: usize,
    references: usize,
    reviewers: usize,
    size_bytes: u64,
    skipped: &'a [Skipped],
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chrome: Option<&'a ChromeReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vectors: Option<VectorsJson<'a>>,
    stale: bool,
    differences: Vec<Change<'a>>,
}

/// The semantic stage's vectors, in `status`.
#[derive(Serialize)]
struct VectorsJson<'a> {
    model: &'a crate::semantic::ModelId,
    records: usize,
    of: usize,
}

#[derive(Serialize)]
struct Change<'a> {
    path: &'a str,
    change: Difference,
}

/// Writes the status of an index.
pub fn status(out: &mut dyn Write, status: &Status, style: Style) -> io::Result<()> {
    let s = status.searchable.summary();
    let built = std::time::UNIX_EPOCH + Duration::from_secs(s.built_unix);
    // A damaged vector store is reported by `verify`, before: here it counts as none.
    let vectors = status.searchable.vector_coverage().ok().flatten();
    let json = StatusJson {
        index: (!status.public).then_some(status.index),
        generation: status.searchable.generation_name().to_string(),
        corpus: (!status.public).then_some(status.corpus),
        built: humantime::format_rfc3339_seconds(built).to_string(),
        fingerprint: match status.public {
            true => format!("medsearch {}", env!("CARGO_PKG_VERSION")),
            false => s.fingerprint.clone(),
        },
        files: s.files,
        documents: s.documents,
        sections: s.sections,
        references: s.references,
        reviewers: s.reviewers,
        size_bytes: status.size_bytes,
        skipped: &s.skipped,
        base_url: s.base_url.as_deref(),
        chrome: s.chrome.as_ref(),
        vectors: vectors.as_ref().map(|(model, records, of)| VectorsJson {
            model,
            records: *records,
            of: *of,
        }),
        stale: !status.differences.is_empty(),
        differences: status
            .differences
            .iter()
            .map(|(path, change)| Change {
                path,
                change: *change,
            })
            .collect(),
    };
    if style == Style::Json {
        serde_json::to_writer(&mut *out, &json)?;
        return writeln!(out);
    }
    writeln!(
        out,
        "index      {} ({})",
        clean(&status.index.display().to_string()),
        json.generation
    )?;
    writeln!(out, "built      {} by {}", json.built, json.fingerprint)?;
    writeln!(
        out,
        "documents  {} from {}{}",
        json.documents,
        plural(json.files, "file"),
        match json.skipped.len() {
            0 => String::new(),
            n => format!(" ({n} skipped)"),
        }
    )?;
    writeln!(
        out,
        "records    {}, {}, {}",
        plural(json.sections, "section"),
        plural(json.references, "reference"),
        plural(json.reviewers, "reviewer")
    )?;
    if let Some(chrome) = json.chrome {
        writeln!(
            out,
            "chrome     {} repeated on {} or more files, indexed once: {} set aside; the first \
             at {}",
            plural(chrome.blocks, "block"),
            index::chrome::MIN_FILES,
            match chrome.copies {
                1 => "1 copy".to_string(),
                n => format!("{n} copies"),
            },
            clean(&status.corpus.join(&chrome.first).display().to_string())
        )?;
    }
    if let Some(url) = json.base_url {
        writeln!(out, "site       {}", clean(url))?;
    }
    if let Some(v) = &json.vectors {
        writeln!(
            out,
            "vectors    {} of {} records, {}",
            v.records,
            v.of,
            clean(&v.model.to_string())
        )?;
    }
    writeln!(out, "on disk    {}", bytes(json.size_bytes))?;
    let corpus = clean(&status.corpus.display().to_string());
    if json.differences.is_empty() {
        return writeln!(out, "corpus     {corpus}: up to date");
    }
    let at = Locations {
        corpus: status.corpus,
        index: status.index,
    };
    writeln!(
        out,
        "corpus     {corpus}: stale, {} {} (run `{}`)",
        plural(json.differences.len(), "file"),
        if json.differences.len() == 1 {
            "differs"
        } else {
            "differ"
        },
        suggest("index", at)
    )?;
    for c in &json.differences {
        writeln!(out, "  {:<8} {}", c.change.as_str(), clean(c.path))?;
    }
    Ok(())
}

/// `n word` or `n words`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// A size for people, in the unit that fits: `512 B`, `19.3 KiB`, `245.1 MiB`, `1.2 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The one line an index update prints.
pub fn update_line(report: &UpdateReport) -> String {
    let s = &report.summary;
    let full = match &report.full {
        Some(why) => format!("rebuilt in full ({}): ", full_rebuild(why)),
        None => String::new(),
    };
    let kept = match report.counts.kept {
        0 => String::new(),
        n => format!(
            "; kept the previous version of {} that could not be read",
            plural(n, "file")
        ),
    };
    let refreshed = match report.counts.refreshed {
        0 => String::new(),
        n => format!(
            "; read {} again to set site chrome aside",
            plural(n, "file")
        ),
    };
    format!(
        "{full}added {}, changed {}, removed {}, unchanged {} files; {}, {}, {}, {} in the index; took {}{kept}{refreshed}",
        report.counts.added,
        report.counts.changed,
        report.counts.removed,
        report.counts.unchanged,
        plural(s.documents, "document"),
        plural(s.sections, "section"),
        plural(s.references, "reference"),
        plural(s.reviewers, "reviewer"),
        duration(report.elapsed),
    )
}

/// Why an update rebuilt in full, in a few words.
fn full_rebuild(why: &FullRebuild) -> String {
    match why {
        FullRebuild::Asked => "--full".to_string(),
        FullRebuild::NoIndex => "no index yet".to_string(),
        FullRebuild::Outdated(found) => format!("index made by {}", clean(found)),
        FullRebuild::Unreadable(reason) => format!("unreadable index ({})", clean(reason)),
    }
}

/// The corpus and index folders a command runs with, for the commands medsearch suggests.
#[derive(Debug, Clone, Copy)]
pub struct Locations<'a> {
    /// The corpus folder as given.
    pub corpus: &'a Path,
    /// The index folder as given.
    pub index: &'a Path,
}

/// A medsearch command to paste: `medsearch ARGS`, with `--corpus` and `--index` added where
/// they are not the default folders, shell-quoted, so it does the right thing from the folder
/// the user ran medsearch in.
pub fn suggest(args: &str, at: Locations) -> String {
    let mut command = format!("medsearch {args}");
    for (option, path, default) in [
        ("--corpus", at.corpus, crate::corpus::DEFAULT_FOLDER),
        ("--index", at.index, crate::index::DEFAULT_FOLDER),
    ] {
        if path != Path::new(default) {
            let text = path.to_string_lossy();
            let quoted = shlex::try_quote(&text).map_or_else(|_| text.to_string(), |q| q.into());
            command.push_str(&format!(" {option} {quoted}"));
        }
    }
    clean(&command)
}

/// The one line of an error (what follows `medsearch: error: `), with the option or the
/// command that mends it where one does (`at`: the locations the failed command ran with).
pub fn error_line(error: &Error, at: Option<Locations>) -> String {
    let option = match error {
        Error::CorpusMissing(_) => Some("set it with --corpus DIR".to_string()),
        Error::NotAFolder { kind, .. } => Some(format!("give --{kind} a folder")),
        Error::NotAnIndex(_) => Some("give --index a new or empty folder".to_string()),
        Error::Dangling(_) => Some("--strict".to_string()),
        Error::Listen { .. } => Some("give another with --addr".to_string()),
        _ => None,
    };
    let advice = option.or_else(|| {
        at.and_then(|at| match error {
            Error::IndexMissing(_) => Some(format!("run `{}` to build it", suggest("index", at))),
            Error::IndexCorrupt { .. } => Some(format!(
                "run `{}` to rebuild it",
                suggest("index --full", at)
            )),
            Error::IndexOutdated { .. } => {
                Some(format!("run `{}` to rebuild it", suggest("index", at)))
            }
            Error::Internal(_) => Some(format!(
                "if the index is damaged, `{}` rebuilds it",
                suggest("index --full", at)
            )),
            _ => None,
        })
    });
    let line = clean(&error.to_string());
    match advice {
        Some(advice) => format!("{line} ({advice})"),
        None => line,
    }
}

/// The warning `search` and `eval` print when the corpus changed since the index was built.
pub fn stale_warning(differences: &[(String, Difference)], at: Locations) -> String {
    let mut list: Vec<String> = differences.iter().take(3).map(|(p, _)| clean(p)).collect();
    if differences.len() > 3 {
        list.push("…".into());
    }
    format!(
        "medsearch: warning: the index is stale: {} changed since it was built ({}); run `{}` \
         to refresh it",
        plural(differences.len(), "file"),
        list.join(", "),
        suggest("index", at),
    )
}

/// What an index update reports while it runs, on stderr: waits and skipped files as lines;
/// on a terminal, a progress bar (files, MB/s, time left) while files are read and a spinner
/// while the index is written; nothing more elsewhere.
pub struct UpdateProgress<'a> {
    at: Locations<'a>,
    bar: Option<indicatif::ProgressBar>,
    terminal: bool,
    /// Whether the wait for another run was reported (once is enough).
    waiting: bool,
}

impl<'a> UpdateProgress<'a> {
    /// A reporter; `terminal`: whether stderr is a terminal (then it draws).
    pub fn new(at: Locations<'a>, terminal: bool) -> Self {
        UpdateProgress {
            at,
            bar: None,
            terminal,
            waiting: false,
        }
    }

    /// Shows one event.
    pub fn event(&mut self, event: &Event) {
        match event {
            Event::Waiting if !self.waiting => {
                self.waiting = true;
                self.line(format!(
                    "medsearch: waiting for another `medsearch index` to finish with {}",
                    clean(&self.at.index.display().to_string())
                ));
            }
            Event::Skipped(skipped) => {
                let file = clean(&self.at.corpus.join(&skipped.path).display().to_string());
                let what = match skipped.line {
                    Some(line) => format!("line {line} of {file}"),
                    None => file,
                };
                self.line(format!(
                    "medsearch: warning: skipping {what}: {}",
                    clean(&skipped.reason)
                ));
            }
            Event::Warning(warning) => {
                let file = clean(&self.at.corpus.join(&warning.path).display().to_string());
                self.line(format!(
                    "medsearch: warning: {file}: {}",
                    clean(&warning.reason)
                ));
            }
            Event::Reading {
                files,
                of_files,
                bytes,
                of_bytes,
            } if self.terminal && *of_files > 0 => {
                let bar = self.bar.get_or_insert_with(|| {
                    let style = indicatif::ProgressStyle::with_template(
                        "{spinner} indexing {msg} files, {bytes}/{total_bytes} ({bytes_per_sec}, \
                         {eta} left) {wide_bar}",
                    )
                    .expect("a valid template");
                    indicatif::ProgressBar::new(*of_bytes).with_style(style)
                });
                bar.set_message(format!("{files}/{of_files}"));
                bar.set_position(*bytes);
            }
            Event::Writing if self.terminal => {
                let bar = self
                    .bar
                    .get_or_insert_with(indicatif::ProgressBar::new_spinner);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} writing the index")
                        .expect("a valid template"),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            Event::Waiting | Event::Reading { .. } | Event::Writing | Event::Publishing => {}
        }
    }

    /// Prints a line without garbling the bar.
    fn line(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
}

impl Drop for UpdateProgress<'_> {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// What an embedding run reports while it runs: on a terminal, a progress bar (records,
/// rate, time left); a wait for another run as a line.
pub struct EmbedProgress {
    bar: Option<indicatif::ProgressBar>,
    terminal: bool,
    waiting: bool,
}

impl EmbedProgress {
    /// A reporter; `terminal`: whether stderr is a terminal (then it draws).
    pub fn new(terminal: bool) -> Self {
        EmbedProgress {
            bar: None,
            terminal,
            waiting: false,
        }
    }

    /// Shows one event.
    pub fn event(&mut self, event: crate::semantic::embed::Progress) {
        use crate::semantic::embed::Progress;
        match event {
            Progress::Waiting if !self.waiting => {
                self.waiting = true;
                eprintln!("medsearch: waiting for another `medsearch index` to finish");
            }
            Progress::Embedded { done, of } if self.terminal => {
                let bar = self.bar.get_or_insert_with(|| {
                    let style = indicatif::ProgressStyle::with_template(
                        "{spinner} embedding {pos}/{len} records ({per_sec}, {eta} left) \
                         {wide_bar}",
                    )
                    .expect("a valid template");
                    indicatif::ProgressBar::new(of as u64).with_style(style)
                });
                bar.set_position(done as u64);
            }
            Progress::Waiting | Progress::Embedded { .. } => {}
        }
    }
}

impl Drop for EmbedProgress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The line an embedding run ends with.
pub fn embed_line(report: &crate::semantic::embed::Report) -> String {
    let seconds = report.elapsed.as_secs_f64();
    let rate = match (report.embedded, seconds > 0.0) {
        (0, _) | (_, false) => String::new(),
        (n, true) => format!(", {:.1} records/s", n as f64 / seconds),
    };
    let cut = match report.cut {
        0 => String::new(),
        n => format!(
            "; {} longer than the model's {} tokens: {} first {} embedded (the words all \
             searched)",
            plural(n, "text"),
            crate::semantic::WINDOW,
            if n == 1 { "its" } else { "their" },
            crate::semantic::WINDOW
        ),
    };
    format!(
        "vectors: {} embedded, {} kept, with {} in {seconds:.1}s{rate}{cut}",
        report.embedded,
        report.kept,
        clean(&report.model.to_string()),
    )
}

/// A line for people, and the stream it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Standard output (results).
    Out(String),
    /// Standard error (messages about the run).
    Err(String),
}

/// The line of a step of `index --watch` (`corpus` is the folder watched).
pub fn watch_event(event: &WatchEvent, corpus: &Path) -> Line {
    match event {
        WatchEvent::Watching => Line::Err(format!(
            "medsearch: watching {} for changes (Ctrl-C to stop)",
            clean(&corpus.display().to_string())
        )),
        WatchEvent::Updated(report) => Line::Out(update_line(report)),
        WatchEvent::Failed(error) => {
            Line::Err(format!("medsearch: error: {}", clean(&error.to_string())))
        }
        WatchEvent::Stopped => Line::Err("medsearch: stopped watching".to_string()),
    }
}

/// What `serve` says of what happens while it runs ([`serve::Event`]).
pub fn serve_event(event: &serve::Event) -> String {
    match event {
        serve::Event::Listening(addr) => serving(*addr),
        serve::Event::StillServing { generation, error } => format!(
            "medsearch: warning: still serving {generation}: {}",
            clean(&error.to_string())
        ),
    }
}

/// What `serve` says once it listens: the URL to open, and a warning when it is reachable
/// from other machines.
fn serving(addr: std::net::SocketAddr) -> String {
    let mut line = format!("medsearch: serving http://{addr}/ (Ctrl-C stops)");
    if !addr.ip().is_loopback() {
        line.push_str(&format!(
            "\nmedsearch: warning: listening on {}: other machines can reach this server",
            addr.ip()
        ));
    }
    line
}

/// A duration for people: `850 ms`, `2.41 s`.
pub fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The snippet with highlights wrapped in `on`/`off` (empty strings when plain).
fn snippet(hit: &Hit, on: &str, off: &str) -> String {
    let text = &hit.snippet;
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for &[start, end] in &hit.highlights {
        out.push_str(&clean(&text[at..start]));
        out.push_str(on);
        out.push_str(&clean(&text[start..end]));
        out.push_str(off);
        at = end;
    }
    out.push_str(&clean(&text[at..]));
    out
}

/// Abbreviation definitions: `path:line: SHORT = long form`, then a count; or JSON
/// (`{"abbreviations": [{"short", "long", "path", "line"}]}`, paths joined to the corpus).
pub fn abbreviations(
    out: &mut dyn Write,
    definitions: &[Definition],
    corpus: &Path,
    style: Style,
) -> io::Result<()> {
    let joined: Vec<Definition> = definitions
        .iter()
        .map(|d| Definition {
            path: corpus.join(&d.path).to_string_lossy().into_owned(),
            ..d.clone()
        })
        .collect();
    if style == Style::Json {
        serde_json::to_writer(&mut *out, &serde_json::json!({ "abbreviations": joined }))?;
        return writeln!(out);
    }
    for d in &joined {
        let (path, short, long) = (clean(&d.path), clean(&d.short), clean(&d.long));
        writeln!(out, "{path}:{}: {short} = {long}", d.line)?;
    }
    let distinct: std::collections::BTreeSet<_> =
        joined.iter().map(|d| (&d.short, &d.long)).collect();
    writeln!(
        out,
        "{} of {}",
        plural(joined.len(), "definition"),
        plural(distinct.len(), "abbreviation")
    )
}

/// A query in double quotes, unless it has its own.
fn quoted(query: &str) -> String {
    if query.contains('"') {
        clean(query)
    } else {
        format!("\"{}\"", clean(query))
    }
}

/// Makes corpus text safe for a terminal: control characters become `�`, tabs and newlines
/// a space.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_defused() {
        assert_eq!(clean("a\x1b[31mred\x07\tb"), "a\u{fffd}[31mred\u{fffd} b");
    }

    #[test]
    fn long_lists_of_words_are_cut_with_a_count() {
        let words: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(listed(&words, 3), "\"a\", \"b\", \"c\"");
        assert_eq!(listed(&words, 2), "\"a\", \"b\" and 1 more");
    }

    #[test]
    fn serve_warns_when_other_machines_can_reach_it() {
        let local = serving("127.0.0.1:7700".parse().unwrap());
        assert_eq!(
            local,
            "medsearch: serving http://127.0.0.1:7700/ (Ctrl-C stops)"
        );
        let open = serving("0.0.0.0:8080".parse().unwrap());
        assert_eq!(
            open,
            "medsearch: serving http://0.0.0.0:8080/ (Ctrl-C stops)\n\
             medsearch: warning: listening on 0.0.0.0: other machines can reach this server"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn results(texts: &[String]) -> Results {
        let t = |i: usize| texts[i % texts.len()].clone();
        let snippet = t(4);
        let hit = Hit {
            rank: 1,
            score: 1.5,
            record: StoredRecord {
                id: format!("{}#{}", t(0), t(1)),
                doc: t(0),
                doc_title: t(2),
                kind: RecordKind::Section,
                heading: t(3),
                anchor: t(1),
                path: t(5),
                line: 3,
                breadcrumbs: vec![t(6), t(7)],
                reference: None,
                reviewer: None,
                url: None,
                lang: None,
                metadata: Vec::new(),
            },
            highlights: if snippet.is_empty() {
                vec![]
            } else {
                vec![[0, snippet.len()]]
            },
            snippet,
            heading_highlights: Vec::new(),
            explanation: Some(Explanation {
                value: 1.5,
                description: t(11),
                details: vec![Explanation {
                    value: 1.0,
                    description: t(12),
                    details: vec![],
                }],
            }),
        };
        Results {
            query: t(8),
            corrected_query: Some(t(9)),
            suggestion: Some(t(10)),
            read_as: None,
            typos_not_tried: vec![t(13)],
            total_hits: 1,
            total_hits_exact: true,
            hits: vec![hit],
            mode: crate::semantic::Mode::Lexical,
            mode_note: Some(t(14)),
        }
    }

    proptest! {
        #[test]
        fn corpus_text_reaches_the_terminal_without_control_characters(
            texts in prop::collection::vec(".{0,30}", 1..12),
        ) {
            let results = results(&texts);
            let mut out = Vec::new();
            super::results(&mut out, &results, Some(Path::new("corpus")), Style::Plain).unwrap();
            let text = String::from_utf8(out).unwrap();
            prop_assert!(text.chars().all(|c| c == '\n' || !c.is_control()), "{text:?}");
        }

        #[test]
        fn json_output_is_valid_json_holding_the_text_as_is(
            texts in prop::collection::vec(".{0,30}", 1..12),
        ) {
            let results = results(&texts);
            let mut out = Vec::new();
            super::results(&mut out, &results, Some(Path::new("corpus")), Style::Json).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
            prop_assert_eq!(value["hits"][0]["heading"].as_str(), Some(results.hits[0].record.heading.as_str()));
            prop_assert_eq!(value["query"].as_str(), Some(results.query.as_str()));
        }
    }
}
