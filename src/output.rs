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
use crate::eval::Report;
use crate::index::{Difference, Event, FullRebuild, Searchable, UpdateReport};
use crate::parse::{Definition, RecordKind};
use crate::search::{Hit, Results};
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

/// Writes search results.
pub fn results(out: &mut dyn Write, results: &Results, style: Style) -> io::Result<()> {
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
        let kind = match hit.kind {
            RecordKind::Section => String::new(),
            kind => format!(" [{}]", kind.as_str()),
        };
        writeln!(
            out,
            "{}. {}{}{}{kind} {}— {}{}",
            hit.rank,
            paint(BOLD),
            clean(if hit.heading.is_empty() {
                &hit.doc
            } else {
                &hit.heading
            }),
            paint(RESET),
            paint(DIM),
            clean(&hit.doc_title),
            paint(RESET),
        )?;
        writeln!(
            out,
            "   {}{}#{}:{}{}",
            paint(PATH),
            clean(&hit.path),
            clean(&hit.anchor),
            hit.line,
            paint(RESET)
        )?;
        writeln!(out, "   {}", snippet(hit, paint(MATCH), paint(RESET)))?;
        writeln!(out)?;
    }
    let shown = results.hits.len();
    let noun = if results.total_hits == 1 {
        "record"
    } else {
        "records"
    };
    writeln!(
        out,
        "{}{shown} of {} matching {noun}{}",
        paint(DIM),
        results.total_hits,
        paint(RESET)
    )?;
    match &results.suggestion {
        Some(suggestion) => writeln!(out, "did you mean {}?", quoted(suggestion)),
        None => Ok(()),
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
    /// The opened live generation.
    pub searchable: &'a Searchable,
    /// Its size in bytes ([`Searchable::size_bytes`]).
    pub size_bytes: u64,
    /// How the corpus differs from it.
    pub differences: &'a [(String, Difference)],
}

#[derive(Serialize)]
struct StatusJson<'a> {
    index: &'a Path,
    generation: String,
    corpus: &'a Path,
    built: String,
    fingerprint: &'a str,
    files: usize,
    documents: usize,
    sections: usize,
    references: usize,
    reviewers: usize,
    size_bytes: u64,
    skipped: &'a [Skipped],
    stale: bool,
    differences: Vec<Change<'a>>,
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
    let json = StatusJson {
        index: status.index,
        generation: status.searchable.generation_name().to_string(),
        corpus: status.corpus,
        built: humantime::format_rfc3339_seconds(built).to_string(),
        fingerprint: &s.fingerprint,
        files: s.files,
        documents: s.documents,
        sections: s.sections,
        references: s.references,
        reviewers: s.reviewers,
        size_bytes: status.size_bytes,
        skipped: &s.skipped,
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
        clean(&json.index.display().to_string()),
        json.generation
    )?;
    writeln!(out, "built      {} by {}", json.built, json.fingerprint)?;
    writeln!(
        out,
        "documents  {} from {} files{}",
        json.documents,
        json.files,
        match json.skipped.len() {
            0 => String::new(),
            n => format!(" ({n} skipped)"),
        }
    )?;
    writeln!(
        out,
        "records    {} sections, {} references, {} reviewers",
        json.sections, json.references, json.reviewers
    )?;
    writeln!(
        out,
        "on disk    {:.1} MiB",
        json.size_bytes as f64 / (1024.0 * 1024.0)
    )?;
    let corpus = clean(&json.corpus.display().to_string());
    if json.differences.is_empty() {
        return writeln!(out, "corpus     {corpus}: up to date");
    }
    let n = json.differences.len();
    writeln!(
        out,
        "corpus     {corpus}: stale, {n} file{} differ (run `medsearch index`)",
        if n == 1 { "" } else { "s" }
    )?;
    for c in &json.differences {
        writeln!(out, "  {:<8} {}", c.change.as_str(), clean(c.path))?;
    }
    Ok(())
}

/// The one line an index update prints.
pub fn update_line(report: &UpdateReport) -> String {
    let s = &report.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
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
    format!(
        "{full}added {}, changed {}, removed {}, unchanged {} documents; {}, {}, {} in the index; took {}{kept}",
        report.counts.added,
        report.counts.changed,
        report.counts.removed,
        report.counts.unchanged,
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

/// The line (for stderr) of something an index update reports while it runs.
pub fn update_event(event: &Event, corpus: &Path, index: &Path) -> String {
    match event {
        Event::Waiting => format!(
            "medsearch: waiting for another `medsearch index` to finish with {}",
            clean(&index.display().to_string())
        ),
        Event::Skipped(skipped) => format!(
            "medsearch: warning: skipping {}: {}",
            clean(&corpus.join(&skipped.path).display().to_string()),
            clean(&skipped.reason)
        ),
    }
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
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    writeln!(
        out,
        "{} definition{} of {} abbreviation{}",
        joined.len(),
        plural(joined.len()),
        distinct.len(),
        plural(distinct.len())
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
            id: format!("{}#{}", t(0), t(1)),
            doc: t(0),
            doc_title: t(2),
            kind: RecordKind::Section,
            heading: t(3),
            anchor: t(1),
            path: t(5),
            line: 3,
            breadcrumbs: vec![t(6), t(7)],
            highlights: if snippet.is_empty() {
                vec![]
            } else {
                vec![[0, snippet.len()]]
            },
            snippet,
            reference: None,
            reviewer: None,
        };
        Results {
            query: t(8),
            corrected_query: Some(t(9)),
            suggestion: Some(t(10)),
            total_hits: 1,
            hits: vec![hit],
        }
    }

    proptest! {
        #[test]
        fn corpus_text_reaches_the_terminal_without_control_characters(
            texts in prop::collection::vec(".{0,30}", 1..12),
        ) {
            let results = results(&texts);
            let mut out = Vec::new();
            super::results(&mut out, &results, Style::Plain).unwrap();
            let text = String::from_utf8(out).unwrap();
            prop_assert!(text.chars().all(|c| c == '\n' || !c.is_control()), "{text:?}");
        }

        #[test]
        fn json_output_is_valid_json_holding_the_text_as_is(
            texts in prop::collection::vec(".{0,30}", 1..12),
        ) {
            let results = results(&texts);
            let mut out = Vec::new();
            super::results(&mut out, &results, Style::Json).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
            prop_assert_eq!(value["hits"][0]["heading"].as_str(), Some(results.hits[0].heading.as_str()));
            prop_assert_eq!(value["query"].as_str(), Some(results.query.as_str()));
        }
    }
}
