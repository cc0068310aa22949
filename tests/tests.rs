//! Integration tests: one binary, a small harness in `util`.

mod cli;
mod eval;
mod parse;
mod rebuild;
mod util;
