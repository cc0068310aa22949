//! The query language: text → a syntax tree, with errors that point at a position.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*                  either side may match
//! and     := seq ("AND" seq)*                 every side must match
//! seq     := clause+                          words side by side: each optional, ranked
//! clause  := ("+" | "-" | "NOT") atom | atom  required / excluded
//! atom    := "(" or ")" | "\"words\"" | word | word* | field ":" (word | word* | "\"words\"")
//! field   := heading | body | kind | doc
//! ```
//! `kind:` and `doc:` restrict the results (they are filters even without `+`). Everything here
//! is syntax; what words mean (analysis, fields, boosts) is decided in [`crate::search`].

use std::ops::Range;

use crate::error::{Error, Result};

/// Fields a query may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldName {
    /// Section heading (or reference title, reviewer name).
    Heading,
    /// Record text.
    Body,
    /// Record kind: `section`, `reference`, `reviewer`.
    Kind,
    /// Document id.
    Doc,
}

impl FieldName {
    const NAMES: [(&'static str, FieldName); 4] = [
        ("heading", FieldName::Heading),
        ("body", FieldName::Body),
        ("kind", FieldName::Kind),
        ("doc", FieldName::Doc),
    ];

    /// Whether the field restricts results rather than matching text.
    pub fn is_filter(self) -> bool {
        matches!(self, FieldName::Kind | FieldName::Doc)
    }
}

/// How a clause takes part in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Optional; ranks higher when present.
    Should,
    /// Required.
    Must,
    /// Excluded.
    MustNot,
}

/// A node of the query tree. `position` is where the clause starts (1-based, in characters,
/// for errors); `span` is where `text` itself stands in the query (bytes: after a `field:`,
/// inside the quotes, before a prefix's `*`), so the text can be replaced in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A word, or a prefix when `prefix` is set (`embol*`).
    Term {
        field: Option<FieldName>,
        text: String,
        prefix: bool,
        position: usize,
        span: Range<usize>,
    },
    /// A quoted phrase.
    Phrase {
        field: Option<FieldName>,
        text: String,
        position: usize,
        span: Range<usize>,
    },
    /// A group of clauses.
    Group(Vec<(Occur, Node)>),
}

/// Whether a word or phrase of the tree counts for or against a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// No clause on its path is excluded: a record holding it matches or scores higher.
    Positive,
    /// Some clause on its path is excluded (`-word`, `NOT (a b)`, `-(-word)`): it only ever
    /// keeps records out. One exclusion or two, it never counts for a record: excluded
    /// clauses add nothing to a score, so a doubly excluded word is not a positive one.
    Negated,
}

impl Node {
    /// Calls `visit` with every word and phrase (the tree's leaves, filters included) in query
    /// order, with its [`Polarity`] ([`Polarity::under`]: the one rule of negation, which the
    /// compiler follows group by group and feedback and correction read through
    /// [`Node::positive_leaves`]).
    fn leaves<'a>(&'a self, visit: &mut impl FnMut(&'a Node, Polarity)) {
        self.walk(Polarity::Positive, visit);
    }

    fn walk<'a>(&'a self, polarity: Polarity, visit: &mut impl FnMut(&'a Node, Polarity)) {
        match self {
            Node::Group(clauses) => {
                for (occur, child) in clauses {
                    child.walk(polarity.under(*occur), visit);
                }
            }
            leaf => visit(leaf, polarity),
        }
    }

    /// The positive leaves ([`Polarity::Positive`]), in query order.
    pub fn positive_leaves(&self) -> Vec<&Node> {
        self.leaves_of(Polarity::Positive)
    }

    fn leaves_of(&self, wanted: Polarity) -> Vec<&Node> {
        let mut out = Vec::new();
        self.leaves(&mut |node, polarity| {
            if polarity == wanted {
                out.push(node);
            }
        });
        out
    }

    /// The field a leaf names (`None` for a group or a leaf without one).
    pub fn field(&self) -> Option<FieldName> {
        match self {
            Node::Term { field, .. } | Node::Phrase { field, .. } => *field,
            Node::Group(_) => None,
        }
    }

    /// Whether this is a `kind:` or `doc:` filter.
    pub fn is_filter(&self) -> bool {
        self.field().is_some_and(FieldName::is_filter)
    }
}

impl Polarity {
    /// The polarity of a clause with `occur` inside a group of this polarity.
    pub fn under(self, occur: Occur) -> Polarity {
        if occur == Occur::MustNot {
            Polarity::Negated
        } else {
            self
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A word and its byte offset in the query.
    Word(String, usize),
    /// A quoted phrase, the byte offset of its text, and `true` when it follows a `:`
    /// directly (`heading:"..."`).
    Phrase(String, usize, bool),
    Open,
    Close,
    Plus,
    Minus,
    And,
    Or,
    Not,
}

/// How a forgiving reading read a query that does not parse as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadAs {
    /// The query as read: repaired, or (when `plain`) the text as written.
    pub text: String,
    /// Whether it was read as plain words, its syntax ignored.
    pub plain: bool,
}

/// Reads a query the way a search box should while people type: with query syntax when it
/// parses; else repaired (an unclosed quote closed at the end, an unmatched `)` dropped, an
/// unclosed `(` closed at the end); else as plain words ([`parse_plain`]). Returns the tree
/// and, when the reading is not the text as written, how it was read (for a quiet note
/// instead of an error). Errors only when there is nothing to search at all.
pub fn parse_forgiving(query: &str) -> Result<(Node, Option<ReadAs>)> {
    if let Ok(node) = parse(query) {
        return Ok((node, None));
    }
    let repaired = repaired(query);
    if repaired != query
        && let Ok(node) = parse(&repaired)
    {
        let read = ReadAs {
            text: repaired,
            plain: false,
        };
        return Ok((node, Some(read)));
    }
    let node = parse_plain(query)?;
    let read = ReadAs {
        text: query.to_string(),
        plain: true,
    };
    Ok((node, Some(read)))
}

/// `query` with its quotes and brackets balanced: a last unclosed quote closed at the end,
/// `)` without a `(` before it dropped (outside quotes), every open `(` closed at the end.
fn repaired(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 4);
    let (mut quoted, mut open) = (false, 0usize);
    for c in query.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => open += 1,
            ')' if !quoted && open == 0 => continue,
            ')' if !quoted => open -= 1,
            _ => {}
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
    out.extend(std::iter::repeat_n(')', open));
    out
}

/// Reads a query as plain words, with no syntax at all: every whitespace-separated word is an
/// optional term (quotes, operators and `field:` are just text). For natural-language queries,
/// such as those of test collections.
pub fn parse_plain(query: &str) -> Result<Node> {
    let words: Vec<(usize, usize, &str)> = query
        .split_whitespace()
        .map(|w| {
            let at = w.as_ptr() as usize - query.as_ptr() as usize;
            (query[..at].chars().count() + 1, at, w)
        })
        .collect();
    if words.is_empty() {
        return Err(err("nothing to search: the query is empty", 1));
    }
    if let Some((pos, ..)) = words.get(MAX_QUERY_TERMS) {
        return Err(err(
            &format!("the query has more than {MAX_QUERY_TERMS} terms"),
            *pos,
        ));
    }
    let terms = words.into_iter().map(|(position, at, w)| {
        let node = Node::Term {
            field: None,
            text: w.to_string(),
            prefix: false,
            position,
            span: at..at + w.len(),
        };
        (Occur::Should, node)
    });
    Ok(Node::Group(terms.collect()))
}

/// Parses a query. Positions in errors are 1-based character positions.
pub fn parse(query: &str) -> Result<Node> {
    if let Some((i, _)) = query.char_indices().nth(MAX_QUERY_CHARS) {
        let message = format!("the query is longer than {MAX_QUERY_CHARS} characters");
        return Err(err(&message, query[..i].chars().count() + 1));
    }
    let toks = lex(query)?;
    if toks.is_empty() {
        return Err(err("nothing to search: the query is empty", 1));
    }
    let terms = toks
        .iter()
        .filter(|(t, _)| matches!(t, Tok::Word(..) | Tok::Phrase(..)));
    if let Some((_, pos)) = terms.clone().nth(MAX_QUERY_TERMS) {
        return Err(err(
            &format!("the query has more than {MAX_QUERY_TERMS} terms"),
            *pos,
        ));
    }
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let node = p.or()?;
    if let Some((tok, pos)) = p.toks.get(p.at) {
        let what = match tok {
            Tok::Close => "unbalanced parenthesis: ')' has no matching '('",
            _ => "unexpected text",
        };
        return Err(err(what, *pos));
    }
    Ok(node)
}

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 10_000;
/// Most words and phrases in one query.
pub const MAX_QUERY_TERMS: usize = 1_000;
/// Deepest nesting of parentheses.
pub const MAX_DEPTH: usize = 32;

fn err(message: &str, position: usize) -> Error {
    Error::Query {
        message: message.to_string(),
        position,
    }
}

fn lex(query: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = query.chars().collect();
    // The byte offset of each character, and of the end.
    let bytes: Vec<usize> = query
        .char_indices()
        .map(|(at, _)| at)
        .chain(std::iter::once(query.len()))
        .collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        let at_word_start = i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(';
        match c {
            _ if c.is_whitespace() => i += 1,
            '(' => {
                toks.push((Tok::Open, pos));
                i += 1;
            }
            ')' => {
                toks.push((Tok::Close, pos));
                i += 1;
            }
            '"' | '“' | '”' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| matches!(c, '"' | '“' | '”'))
                    .ok_or_else(|| err("unbalanced quote: this quote is never closed", pos))?;
                let text = chars[i + 1..i + 1 + end].iter().collect();
                // A phrase right after `field:` belongs to the field.
                let attached = i > 0 && chars[i - 1] == ':';
                toks.push((Tok::Phrase(text, bytes[i + 1], attached), pos));
                i += end + 2;
            }
            '+' | '-' if at_word_start && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) => {
                toks.push((if c == '+' { Tok::Plus } else { Tok::Minus }, pos));
                i += 1;
            }
            _ => {
                let len = chars[i..]
                    .iter()
                    .position(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '“' | '”'))
                    .unwrap_or(chars.len() - i);
                let word: String = chars[i..i + len].iter().collect();
                let at = bytes[i];
                i += len;
                let tok = match word.as_str() {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Word(word, at),
                };
                toks.push((tok, pos));
            }
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn pos(&self) -> usize {
        self.toks
            .get(self.at)
            .map_or_else(|| self.toks.last().map_or(1, |(_, p)| *p), |(_, p)| *p)
    }

    fn or(&mut self) -> Result<Node> {
        self.binary(Tok::Or, "OR", Occur::Should, Self::and)
    }

    fn and(&mut self) -> Result<Node> {
        self.binary(Tok::And, "AND", Occur::Must, Self::seq)
    }

    /// `operand (op operand)*`, each operand becoming an `occur` clause of one group.
    fn binary(
        &mut self,
        op: Tok,
        name: &str,
        occur: Occur,
        operand: fn(&mut Self) -> Result<Node>,
    ) -> Result<Node> {
        let needs = format!("'{name}' needs a search term on both sides");
        if self.peek() == Some(&op) {
            return Err(err(&needs, self.pos()));
        }
        let mut operands = vec![operand(self)?];
        while self.peek() == Some(&op) {
            let op_pos = self.pos();
            self.at += 1;
            if matches!(self.peek(), None | Some(Tok::Close | Tok::And | Tok::Or)) {
                return Err(err(&needs, op_pos));
            }
            operands.push(operand(self)?);
        }
        if operands.len() == 1 {
            return Ok(operands.pop().expect("one operand"));
        }
        let mut clauses = Vec::new();
        for node in operands {
            match node {
                // `a AND NOT b`: the exclusion applies to the whole group.
                Node::Group(inner)
                    if occur == Occur::Must && inner.iter().all(|(o, _)| *o == Occur::MustNot) =>
                {
                    clauses.extend(inner)
                }
                node => clauses.push((occur, node)),
            }
        }
        Ok(Node::Group(clauses))
    }

    fn seq(&mut self) -> Result<Node> {
        let mut clauses = Vec::new();
        while let Some(tok) = self.peek() {
            if matches!(tok, Tok::Close | Tok::And | Tok::Or) {
                break;
            }
            clauses.push(self.clause()?);
        }
        if clauses.is_empty() {
            return Err(err("expected a search term", self.pos()));
        }
        if let [(Occur::Should, _)] = clauses.as_slice() {
            return Ok(clauses.pop().expect("one clause").1);
        }
        Ok(Node::Group(clauses))
    }

    fn clause(&mut self) -> Result<(Occur, Node)> {
        let occur = match self.peek() {
            Some(Tok::Plus) => Some(Occur::Must),
            Some(Tok::Minus | Tok::Not) => Some(Occur::MustNot),
            _ => None,
        };
        if occur.is_some() {
            let pos = self.pos();
            self.at += 1;
            if matches!(
                self.peek(),
                None | Some(Tok::Close | Tok::And | Tok::Or | Tok::Not | Tok::Plus | Tok::Minus)
            ) {
                return Err(err("expected a search term after '+', '-' or 'NOT'", pos));
            }
        }
        let node = self.atom()?;
        let filter = matches!(&node, Node::Term { field: Some(f), .. } if f.is_filter());
        let occur = occur.unwrap_or(if filter { Occur::Must } else { Occur::Should });
        Ok((occur, node))
    }

    fn atom(&mut self) -> Result<Node> {
        let pos = self.pos();
        let tok = self.toks.get(self.at).map(|(t, _)| t.clone());
        self.at += 1;
        match tok {
            Some(Tok::Open) => {
                if self.peek() == Some(&Tok::Close) {
                    return Err(err("empty parentheses", pos));
                }
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(err(
                        &format!("parentheses nest deeper than {MAX_DEPTH}"),
                        pos,
                    ));
                }
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return Err(err("unbalanced parenthesis: this '(' is never closed", pos));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Tok::Phrase(text, at, _)) => Ok(Node::Phrase {
                field: None,
                span: at..at + text.len(),
                text,
                position: pos,
            }),
            Some(Tok::Word(word, at)) => self.word(word, at, pos),
            _ => Err(err("expected a search term", pos)),
        }
    }

    /// A word, `field:word`, or `field:` followed directly by a phrase. A `name:` followed by
    /// a space is text when `name` is not a field (`nutrition: needs`).
    fn word(&mut self, word: String, at: usize, pos: usize) -> Result<Node> {
        let Some((name, value)) = word.split_once(':') else {
            return term(None, &word, at, pos);
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
            return term(None, &word, at, pos);
        }
        let known = FieldName::NAMES
            .iter()
            .find(|(n, _)| name.eq_ignore_ascii_case(n));
        let phrase_follows = matches!(self.toks.get(self.at), Some((Tok::Phrase(.., true), _)));
        let field = match known {
            Some(&(_, field)) => field,
            None if value.is_empty() && !phrase_follows => return term(None, &word, at, pos),
            None => {
                let message = format!("unknown field '{name}' (fields: heading, body, kind, doc)");
                return Err(err(&message, pos));
            }
        };
        if !value.is_empty() {
            return term(Some(field), value, at + name.len() + 1, pos);
        }
        match self.toks.get(self.at) {
            Some((Tok::Phrase(text, phrase_at, true), _)) if !field.is_filter() => {
                let (text, span) = (text.clone(), *phrase_at..phrase_at + text.len());
                self.at += 1;
                Ok(Node::Phrase {
                    field: Some(field),
                    text,
                    position: pos,
                    span,
                })
            }
            _ => Err(err(
                &format!("expected a word or phrase after '{name}:'"),
                pos,
            )),
        }
    }
}

/// A term whose `text` starts at byte `at` of the query.
fn term(field: Option<FieldName>, text: &str, at: usize, pos: usize) -> Result<Node> {
    let (text, prefix) = match text.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (text, false),
    };
    if prefix && !text.chars().any(char::is_alphanumeric) {
        return Err(err(
            "a prefix search needs at least one letter or digit before '*'",
            pos,
        ));
    }
    Ok(Node::Term {
        field,
        text: text.to_string(),
        prefix,
        position: pos,
        span: at..at + text.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Node {
        Node::Term {
            field: None,
            text: text.into(),
            prefix: false,
            position: 0,
            span: 0..0,
        }
    }

    /// The tree with positions and spans zeroed, for readable expectations.
    fn tree(q: &str) -> Node {
        fn strip(n: Node) -> Node {
            match n {
                Node::Term {
                    field,
                    text,
                    prefix,
                    ..
                } => Node::Term {
                    field,
                    text,
                    prefix,
                    position: 0,
                    span: 0..0,
                },
                Node::Phrase { field, text, .. } => Node::Phrase {
                    field,
                    text,
                    position: 0,
                    span: 0..0,
                },
                Node::Group(c) => Node::Group(c.into_iter().map(|(o, n)| (o, strip(n))).collect()),
            }
        }
        strip(parse(q).unwrap())
    }

    fn error(q: &str) -> String {
        parse(q).unwrap_err().to_string()
    }

    #[test]
    fn words_are_optional_clauses() {
        assert_eq!(tree("embolic"), t("embolic"));
        assert_eq!(
            tree("embolic agent"),
            Node::Group(vec![
                (Occur::Should, t("embolic")),
                (Occur::Should, t("agent"))
            ])
        );
    }

    #[test]
    fn modifiers_phrases_fields_prefixes() {
        assert_eq!(
            tree("+liver -lung \"blood supply\" heading:rfa kind:reference embol*"),
            Node::Group(vec![
                (Occur::Must, t("liver")),
                (Occur::MustNot, t("lung")),
                (
                    Occur::Should,
                    Node::Phrase {
                        field: None,
                        text: "blood supply".into(),
                        position: 0,
                        span: 0..0
                    }
                ),
                (
                    Occur::Should,
                    Node::Term {
                        field: Some(FieldName::Heading),
                        text: "rfa".into(),
                        prefix: false,
                        position: 0,
                        span: 0..0
                    }
                ),
                (
                    Occur::Must,
                    Node::Term {
                        field: Some(FieldName::Kind),
                        text: "reference".into(),
                        prefix: false,
                        position: 0,
                        span: 0..0
                    }
                ),
                (
                    Occur::Should,
                    Node::Term {
                        field: None,
                        text: "embol".into(),
                        prefix: true,
                        position: 0,
                        span: 0..0
                    }
                ),
            ])
        );
        assert_eq!(
            tree("heading:\"neuroendocrine cancer\""),
            Node::Phrase {
                field: Some(FieldName::Heading),
                text: "neuroendocrine cancer".into(),
                position: 0,
                span: 0..0
            }
        );
        assert_eq!(tree("liver-directed"), t("liver-directed"));
        // `name: text` with an unknown name is text, not a field.
        assert_eq!(
            tree("nutrition: needs"),
            Node::Group(vec![
                (Occur::Should, t("nutrition:")),
                (Occur::Should, t("needs"))
            ])
        );
    }

    #[test]
    fn boolean_operators_and_groups() {
        assert_eq!(
            tree("a OR b AND c"),
            Node::Group(vec![
                (Occur::Should, t("a")),
                (
                    Occur::Should,
                    Node::Group(vec![(Occur::Must, t("b")), (Occur::Must, t("c"))])
                ),
            ])
        );
        assert_eq!(
            tree("(a OR b) AND NOT c"),
            Node::Group(vec![
                (
                    Occur::Must,
                    Node::Group(vec![(Occur::Should, t("a")), (Occur::Should, t("b"))])
                ),
                (Occur::MustNot, t("c")),
            ])
        );
        assert_eq!(
            tree("a NOT b"),
            Node::Group(vec![(Occur::Should, t("a")), (Occur::MustNot, t("b"))])
        );
    }

    #[test]
    fn errors_name_the_problem_and_position() {
        assert_eq!(
            error("liver \"blood"),
            "invalid query: unbalanced quote: this quote is never closed at position 7"
        );
        assert_eq!(
            error("(a OR b"),
            "invalid query: unbalanced parenthesis: this '(' is never closed at position 1"
        );
        assert_eq!(
            error("a b)"),
            "invalid query: unbalanced parenthesis: ')' has no matching '(' at position 4"
        );
        assert_eq!(
            error("color:red"),
            "invalid query: unknown field 'color' (fields: heading, body, kind, doc) at position 1"
        );
        assert_eq!(
            error("a AND"),
            "invalid query: 'AND' needs a search term on both sides at position 3"
        );
        assert_eq!(
            error("OR a"),
            "invalid query: 'OR' needs a search term on both sides at position 1"
        );
        assert_eq!(
            error("  "),
            "invalid query: nothing to search: the query is empty at position 1"
        );
        assert_eq!(
            error("()"),
            "invalid query: empty parentheses at position 1"
        );
        assert_eq!(
            error("*"),
            "invalid query: a prefix search needs at least one letter or digit before '*' at position 1"
        );
        assert_eq!(
            error("heading:"),
            "invalid query: expected a word or phrase after 'heading:' at position 1"
        );
    }

    #[test]
    fn limits_are_errors_not_crashes() {
        let deep = format!("{}a{}", "(".repeat(100_000 / 2), ")".repeat(100_000 / 2));
        assert_eq!(
            error(&deep),
            "invalid query: the query is longer than 10000 characters at position 10001"
        );
        let nested = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(
            error(&nested),
            "invalid query: parentheses nest deeper than 32 at position 33"
        );
        let many = "w ".repeat(1_001);
        assert_eq!(
            error(&many),
            "invalid query: the query has more than 1000 terms at position 2001"
        );
        assert!(parse(&"w ".repeat(1_000)).is_ok());
    }

    #[test]
    fn plain_queries_have_no_syntax() {
        let words = |q: &str| match parse_plain(q).unwrap() {
            Node::Group(c) => c
                .into_iter()
                .map(|(_, n)| match n {
                    Node::Term { text, position, .. } => (text, position),
                    other => panic!("{other:?}"),
                })
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            words("such: 1) bile \"duct"),
            [
                ("such:".into(), 1),
                ("1)".into(), 7),
                ("bile".into(), 10),
                ("\"duct".into(), 15)
            ]
        );
        assert_eq!(words("é  AND"), [("é".into(), 1), ("AND".into(), 4)]);
        assert!(parse_plain("  ").is_err());
    }

    #[test]
    fn spans_are_the_bytes_of_each_text() {
        let q = "é heading:tumour \"blood supply\" embol* -(x) body:\"a b\"";
        let mut texts = Vec::new();
        parse(q).unwrap().leaves(&mut |node, _| {
            if let Node::Term { text, span, .. } | Node::Phrase { text, span, .. } = node {
                assert_eq!(&q[span.clone()], text);
                texts.push(text.clone());
            }
        });
        assert_eq!(texts, ["é", "tumour", "blood supply", "embol", "x", "a b"]);
        let plain = "  side   éfects ";
        parse_plain(plain).unwrap().leaves(&mut |node, _| {
            if let Node::Term { text, span, .. } = node {
                assert_eq!(&plain[span.clone()], text);
            }
        });
    }

    #[test]
    fn one_exclusion_or_two_a_word_is_negated() {
        let texts = |nodes: Vec<&Node>| -> Vec<String> {
            nodes
                .into_iter()
                .map(|n| match n {
                    Node::Term { text, .. } | Node::Phrase { text, .. } => text.clone(),
                    Node::Group(_) => unreachable!("leaves only"),
                })
                .collect()
        };
        let tree = parse("a -b -(-c d) NOT (e OR -f) +(g -h) kind:reference").unwrap();
        assert_eq!(texts(tree.positive_leaves()), ["a", "g", "reference"]);
        assert_eq!(
            texts(tree.leaves_of(Polarity::Negated)),
            ["b", "c", "d", "e", "f", "h"]
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(
            error("tumeur é (x"),
            "invalid query: unbalanced parenthesis: this '(' is never closed at position 10"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Query-like pieces and anything else.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z]{1,8}\\*?",
            Just("\"".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            prop_oneof![Just("AND"), Just("OR"), Just("NOT"), Just("+"), Just("-")]
                .prop_map(str::to_string),
            "(heading|body|kind|doc|color):[a-z]{0,6}",
            ".{0,6}",
        ]
    }

    proptest! {
        #[test]
        fn any_query_parses_or_names_a_position_inside_it(
            pieces in prop::collection::vec(piece(), 0..30),
            plain in any::<bool>(),
        ) {
            let text = pieces.join(" ");
            let parsed = if plain { parse_plain(&text) } else { parse(&text) };
            match parsed {
                Ok(_) => {}
                Err(Error::Query { position, .. }) => {
                    prop_assert!(position >= 1 && position <= text.chars().count() + 1);
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
    }
}
