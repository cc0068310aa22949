//! The `medsearch` binary: run the CLI, map the outcome to an exit code (0 found, 1 nothing
//! found, 2 error, 130 stopped by Ctrl-C). A closed stdout (`| head`) ends the run quietly.
//! Panics are caught by the CLI and reported like any error, on one line, without a backtrace.

use std::process::ExitCode;

use medsearch::cli::{self, Outcome};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    match cli::run(std::env::args_os()) {
        Ok(Outcome::Found) => ExitCode::SUCCESS,
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Err(failure) if failure.is_broken_pipe() => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("medsearch: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
