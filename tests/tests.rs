//! Integration tests: one binary, a small harness in `util`.

mod cli;
mod eval;
mod matching;
mod parse;
mod rebuild;
mod util;
