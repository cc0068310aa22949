//! Integration tests: one binary, a small harness in `util`.

mod cli;
mod parse;
mod util;
