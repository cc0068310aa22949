//! Integration tests: one binary, a small harness in `util`.

mod browser;
mod cli;
mod commands;
mod eval;
mod hostile;
mod html;
mod matching;
mod parse;
mod ranking;
mod rebuild;
mod searchbox;
mod semantic;
mod serve;
mod truth;
mod util;
