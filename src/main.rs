//! The `medsearch` binary: run the CLI, map the outcome to an exit code (0 found, 1 nothing
//! found, 2 error, 130 stopped by Ctrl-C). A closed stdout (`| head`) ends the run quietly.
//! Panics are caught by the CLI and reported like any error, on one line, without a backtrace.

use std::process::ExitCode;

use medsearch::cli::{self, Outcome};

/// mimalloc with the semantic stage: the model's large, short-lived tensors made glibc's
/// allocator page-fault (measured 1.6x slower embedding).
#[cfg(feature = "semantic")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // SAFETY: the first thing the process does: no other thread exists yet.
    unsafe { medsearch::semantic::settle_threads() };
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
