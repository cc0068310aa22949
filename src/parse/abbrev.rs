//! Abbreviations defined in the text, found with the algorithm of Schwartz and Hearst (2003),
//! "A simple algorithm for identifying abbreviation definitions in biomedical text".
//!
//! A definition is written `long form (SHORT)` or `SHORT (long form)`. For each parenthesis in
//! a line: its content is the short-form candidate, unless it has more than two words or is
//! longer than the text before it, in which case the word before the parenthesis is, and the
//! content is the long form. A short form has 2 to 10 characters, a letter, and starts with a
//! letter or digit; we also ask for a capital letter (so `(see below)` or `(s)` are not taken).
//! The long form is searched in the same sentence before the parenthesis: going from the end of
//! both, every letter or digit of the short form must be found, in order, in the long form,
//! and the first one at the start of a word; the long form starts at that word. It may have
//! at most `min(|short| + 5, 2 × |short|)` words, must be longer than the short form, and must
//! not contain it as a word.
//!
//! Definitions are found while parsing ([`super::parse_file`]), line by line over the text a
//! reader sees ([`in_lines`]), so each [`super::Document`] carries the definitions it makes,
//! with their lines. The index pools them over the corpus (see `crate::expand`).

use serde::{Deserialize, Serialize};

/// An abbreviation defined in a corpus file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// The short form, as written (`TACE`).
    pub short: String,
    /// The long form, as written (`transarterial chemoembolization`).
    pub long: String,
    /// The file, relative to the corpus root.
    pub path: String,
    /// The 1-based line of the file where it is defined.
    pub line: usize,
}

/// The definitions in numbered lines of a file at `path`, in order.
pub fn in_lines<'a>(
    path: &str,
    lines: impl IntoIterator<Item = (usize, &'a str)>,
) -> Vec<Definition> {
    lines
        .into_iter()
        .flat_map(|(line, text)| {
            find(text).into_iter().map(move |(short, long)| Definition {
                short,
                long,
                path: path.to_string(),
                line,
            })
        })
        .collect()
}

/// The `(short, long)` pairs defined in one line of text, in order.
pub fn find(line: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = line[from..].find('(').map(|i| from + i) {
        let Some(close) = line[open + 1..].find([')', '(']).map(|i| open + 1 + i) else {
            break;
        };
        from = close;
        if line[close..].starts_with('(') {
            continue;
        }
        let before = sentence_before(&line[..open]);
        if let Some(pair) = pair_at(before, line[open + 1..close].trim()) {
            found.push(pair);
        }
    }
    found
}

/// The end of `text` from the start of its last sentence (or clause in parentheses).
fn sentence_before(text: &str) -> &str {
    let start = [". ", "? ", "! ", "; ", ": ", ")", "(", "\n"]
        .iter()
        .filter_map(|sep| text.rfind(sep).map(|i| i + sep.len()))
        .max()
        .unwrap_or(0);
    text[start..].trim()
}

/// The definition made by a parenthesis with `inside`, after the sentence text `before`.
fn pair_at(before: &str, inside: &str) -> Option<(String, String)> {
    // "SHORT, other words" or "SHORT; ..." → the part before the comma or semicolon.
    let inside = inside.split([',', ';']).next().unwrap_or("").trim();
    if inside.is_empty() || before.is_empty() {
        return None;
    }
    if inside.split_whitespace().count() > 2 || inside.chars().count() > before.chars().count() {
        // SHORT (long form): the word before the parenthesis is the short form.
        let short = before
            .rsplit(' ')
            .next()?
            .trim_matches(|c: char| !c.is_alphanumeric());
        let long = best_long_form(short, inside)?;
        return valid(short, long).then(|| (short.to_string(), long.to_string()));
    }
    let long = best_long_form(inside, before)?;
    valid(inside, long).then(|| (inside.to_string(), long.to_string()))
}

fn valid(short: &str, long: &str) -> bool {
    let chars = short.chars().count();
    let words = long.split_whitespace().count();
    (2..=10).contains(&chars)
        && short.chars().next().is_some_and(char::is_alphanumeric)
        && short.chars().any(char::is_alphabetic)
        && short.chars().any(char::is_uppercase)
        && long.chars().count() > chars
        && words <= (chars + 5).min(chars * 2)
        && !long
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case(short))
}

/// The shortest end of `text` that spells `short` (see the module docs), or `None`.
fn best_long_form<'a>(short: &str, text: &'a str) -> Option<&'a str> {
    let long: Vec<(usize, char)> = text.char_indices().collect();
    let short: Vec<char> = short.chars().collect();
    let mut l = long.len();
    for (s, &wanted) in short.iter().enumerate().rev() {
        if !wanted.is_alphanumeric() {
            continue;
        }
        let wanted = wanted.to_lowercase().next()?;
        loop {
            l = l.checked_sub(1)?;
            let here = long[l].1.to_lowercase().next() == Some(wanted);
            let word_start = l == 0 || !long[l - 1].1.is_alphanumeric();
            if here && (s > 0 || word_start) {
                break;
            }
        }
    }
    let start = long[..l]
        .iter()
        .rposition(|(_, c)| *c == ' ')
        .map_or(0, |i| long[i].0 + 1);
    Some(text[start..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> Vec<(&'static str, &'static str)> {
        find(line)
            .into_iter()
            .map(|(s, l)| (&*s.leak(), &*l.leak()))
            .collect()
    }

    #[test]
    fn long_form_then_short_form() {
        assert_eq!(
            pairs("the procedure is called transarterial chemoembolization (TACE)."),
            [("TACE", "transarterial chemoembolization")]
        );
        assert_eq!(
            pairs("Bland embolization, also known as transarterial embolization (TAE), is used."),
            [("TAE", "transarterial embolization")]
        );
        assert_eq!(
            pairs("Radiofrequency ablation (RFA) uses heat."),
            [("RFA", "Radiofrequency ablation")]
        );
        assert_eq!(
            pairs("Canadian Neuroendocrine Tumour Society (CNETS). Neuroendocrine Tumours (NETs)."),
            [
                ("CNETS", "Canadian Neuroendocrine Tumour Society"),
                ("NETs", "Neuroendocrine Tumours")
            ]
        );
    }

    #[test]
    fn short_form_then_long_form() {
        assert_eq!(
            pairs("Patients had GVHD (graft versus host disease) after it."),
            [("GVHD", "graft versus host disease")]
        );
    }

    #[test]
    fn other_parentheses_are_not_definitions() {
        for line in [
            "injects a special substance (called an embolic agent) that blocks",
            "Reference Guide for Patients and Families (Version 3). 2020.",
            "tumours (see below) and lesions (s)",
            "a dose (2 mg) daily",
            "unclosed (TACE",
            "nested (a (B) c)",
            "",
            "(TACE)",
        ] {
            assert_eq!(pairs(line), [], "{line}");
        }
    }

    #[test]
    fn the_long_form_stays_in_its_sentence() {
        assert_eq!(
            pairs("Tumours shrink. Computed tomography (CT) is used."),
            [("CT", "Computed tomography")]
        );
        assert_eq!(pairs("Cells die. (CT) is used."), []);
    }

    #[test]
    fn a_word_containing_the_short_form_is_not_its_long_form() {
        assert_eq!(pairs("the TACE procedure (TACE)"), []);
    }
}
