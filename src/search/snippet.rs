//! Snippets: the best passage of a record's text for a query, with the matches marked.
//!
//! The text is run through the same analyzer as the index, so a highlighted word is exactly a
//! word that matched. Each wanted item is a sequence of terms (one term for a word, several for
//! a phrase); a match is a run of consecutive tokens equal to a sequence. Text up to the length
//! budget is shown whole. Longer text is cut to the window of about that length holding the
//! most distinct matches (earliest on ties), started at a sentence start close before the first
//! match when there is one, cut at word boundaries, with `…` where it was cut. Whitespace runs
//! become one space. Highlights are half-open byte ranges into the snippet; matches separated
//! only by whitespace are merged (`embolic agent` is one range).

use crate::analysis;

/// A passage and the byte ranges to highlight in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Plain text, whitespace collapsed, `…` at cut ends.
    pub text: String,
    /// Half-open byte ranges into `text`, in order, non-overlapping.
    pub highlights: Vec<[usize; 2]>,
}

/// How far before the first match a window may start to begin at a sentence.
const LEAD_CHARS: usize = 60;

/// Only this many bytes at the start of a record are searched for the snippet: time and
/// memory stay bounded on a record of a hundred megabytes (matches further in are not shown).
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// Makes the snippet of `text` for the wanted term sequences, about `max_chars` long.
pub fn snippet(text: &str, wanted: &[Vec<String>], max_chars: usize) -> Snippet {
    let text = &text[..floor_boundary(text, MAX_SOURCE_BYTES)];
    let matches = find_matches(text, wanted);
    let (start, end) = if text.chars().count() <= max_chars {
        (0, text.len())
    } else {
        window(text, &matches, max_chars)
    };
    render(text, start, end, &matches)
}

/// Byte ranges `[start, end)` of the matches of `wanted` in the whole of `text` (up to
/// [`MAX_SOURCE_BYTES`]), sorted and non-overlapping, merged as snippets merge them: what a
/// document page marks.
pub fn marks(text: &str, wanted: &[Vec<String>]) -> Vec<[usize; 2]> {
    let text = &text[..floor_boundary(text, MAX_SOURCE_BYTES)];
    let matches = find_matches(text, wanted);
    merge_spaced(
        text,
        matches.into_iter().map(|(start, end, _)| [start, end]),
    )
}

/// The largest char boundary of `text` at or below `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// `(start, end, which)`: byte ranges of matched token runs, sorted, non-overlapping.
fn find_matches(text: &str, wanted: &[Vec<String>]) -> Vec<(usize, usize, usize)> {
    let tokens = analysis::stemmed(text);
    let mut found = Vec::new();
    for i in 0..tokens.len() {
        for (w, seq) in wanted.iter().enumerate() {
            let run = tokens.get(i..i + seq.len());
            if run.is_some_and(|run| {
                !run.is_empty() && run.iter().zip(seq).all(|(t, s)| &t.text == s)
            }) {
                found.push((
                    tokens[i].offset_from,
                    tokens[i + seq.len() - 1].offset_to,
                    w,
                ));
            }
        }
    }
    found.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for m in found {
        if out.last().is_none_or(|last| m.0 >= last.1) {
            out.push(m);
        }
    }
    out
}

/// Byte offset `n` characters after `from` (or the end).
fn advance(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

/// Chooses the byte window `[start, end)` (see the module docs).
fn window(text: &str, matches: &[(usize, usize, usize)], max_chars: usize) -> (usize, usize) {
    let mut best: Option<(usize, usize)> = None; // (distinct matches, first match start)
    for (i, m) in matches.iter().enumerate() {
        let limit = advance(text, m.0, max_chars);
        let mut distinct: Vec<usize> = matches[i..]
            .iter()
            .take_while(|o| o.1 <= limit)
            .map(|o| o.2)
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        if best.is_none_or(|(n, _)| distinct.len() > n) {
            best = Some((distinct.len(), m.0));
        }
    }
    let Some((_, first)) = best else {
        return (0, cut_end(text, 0, max_chars));
    };
    // Start at a sentence or line start shortly before the first match, else a little before it.
    let lead_from = text[..first]
        .char_indices()
        .rev()
        .nth(LEAD_CHARS)
        .map_or(0, |(i, _)| i);
    let lead = &text[lead_from..first];
    let start = match lead.rfind(['.', '!', '?', '\n', ':', ';']) {
        Some(i) => lead_from + i + 1,
        None if lead_from == 0 => 0,
        None => {
            // No sentence start: keep a few words of context, starting at a word.
            let from = text[..first]
                .char_indices()
                .rev()
                .nth(30)
                .map_or(0, |(i, _)| i);
            text[from..first]
                .find(char::is_whitespace)
                .map_or(first, |i| from + i)
        }
    };
    let start = start + (text[start..].len() - text[start..].trim_start().len());
    (start, cut_end(text, start, max_chars))
}

/// End of a window of `max_chars` from `start`, moved back to a word boundary.
fn cut_end(text: &str, start: usize, max_chars: usize) -> usize {
    let end = advance(text, start, max_chars);
    if end >= text.len() {
        return text.len();
    }
    match text[start..end].rfind(char::is_whitespace) {
        Some(i) if i > 0 => start + i,
        _ => end,
    }
}

/// Copies `text[start..end]` collapsing whitespace, adding `…`, and maps the matches.
fn render(text: &str, start: usize, end: usize, matches: &[(usize, usize, usize)]) -> Snippet {
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    // Output offset of every input byte offset in the window (for the highlights).
    let mut map = vec![0usize; end - start + 1];
    let mut pending_space = false;
    for (i, c) in text[start..end].char_indices() {
        if c.is_whitespace() {
            pending_space = true;
            map[i] = out.len();
            continue;
        }
        if pending_space && !out.is_empty() && !out.ends_with('…') {
            out.push(' ');
        }
        pending_space = false;
        map[i] = out.len();
        out.push(c);
    }
    map[end - start] = out.len();
    let highlights = merge_spaced(
        &out,
        matches
            .iter()
            .filter(|m| m.0 >= start && m.1 <= end)
            .map(|&(s, e, _)| [map[s - start], map[e - start]]),
    );
    if end < text.len() {
        out.push('…');
    }
    Snippet {
        text: out,
        highlights,
    }
}

/// Sorted byte ranges into `text`, those separated only by whitespace merged into one.
fn merge_spaced(text: &str, ranges: impl Iterator<Item = [usize; 2]>) -> Vec<[usize; 2]> {
    let mut merged: Vec<[usize; 2]> = Vec::new();
    for [s, e] in ranges {
        match merged.last_mut() {
            Some(last) if text[last[1]..s].trim().is_empty() => last[1] = e,
            _ => merged.push([s, e]),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::terms;

    fn snip(text: &str, query: &[&str], max: usize) -> (String, Vec<String>) {
        let wanted: Vec<Vec<String>> = query.iter().map(|q| terms(q)).collect();
        let s = snippet(text, &wanted, max);
        let marked = s
            .highlights
            .iter()
            .map(|[a, b]| s.text[*a..*b].to_string())
            .collect();
        (s.text, marked)
    }

    #[test]
    fn short_text_is_whole_and_adjacent_matches_merge() {
        let (text, marked) = snip(
            "It injects an  embolic\nagent that blocks.",
            &["embolic", "agents"],
            200,
        );
        assert_eq!(text, "It injects an embolic agent that blocks.");
        assert_eq!(marked, ["embolic agent"]);
    }

    #[test]
    fn phrases_match_only_as_runs() {
        let (_, marked) = snip(
            "Blood flows. The blood supply is cut.",
            &["blood supply"],
            200,
        );
        assert_eq!(marked, ["blood supply"]);
    }

    #[test]
    fn long_text_is_cut_at_words_around_the_best_window() {
        let filler = "Lorem ipsum dolor sit amet consectetur. ".repeat(10);
        let text =
            format!("{filler}The catheter delivers an embolic agent to the tumour. {filler}");
        let (snippet, marked) = snip(&text, &["embolic", "agent"], 120);
        assert!(snippet.starts_with("…The catheter"), "{snippet}");
        assert!(snippet.ends_with('…'));
        assert!(
            snippet.chars().count() <= 122,
            "{}",
            snippet.chars().count()
        );
        assert_eq!(marked, ["embolic agent"]);
        assert!(!snippet.contains("  "));
    }

    #[test]
    fn without_matches_the_start_is_shown() {
        let text = "word ".repeat(100);
        let (snippet, marked) = snip(&text, &["absent"], 50);
        assert!(snippet.starts_with("word word"));
        assert!(snippet.ends_with('…'));
        assert!(marked.is_empty());
    }

    #[test]
    fn highlights_sit_on_char_boundaries_with_multibyte_text() {
        let (snippet, marked) = snip(
            "Tumeur — traitement à l’hôpital: chimiothérapie.",
            &["chimiotherapie"],
            200,
        );
        assert_eq!(marked, ["chimiothérapie"]);
        assert!(snippet.is_char_boundary(snippet.len()));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn highlights_fall_inside_the_snippet_on_char_boundaries(
            text in "([a-zé]{1,8}[ .,\\n]{1,2}|.{1,3}){0,120}",
            words in prop::collection::vec("[a-zé]{1,8}", 1..4),
            budget in 10usize..300,
        ) {
            let wanted: Vec<Vec<String>> = words
                .iter()
                .map(|w| analysis::terms(w))
                .filter(|t| !t.is_empty())
                .collect();
            let s = snippet(&text, &wanted, budget);
            let mut end = 0;
            for &[a, b] in &s.highlights {
                prop_assert!(a >= end && a < b && b <= s.text.len());
                prop_assert!(s.text.is_char_boundary(a) && s.text.is_char_boundary(b));
                end = b;
            }
        }
    }
}
