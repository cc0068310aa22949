//! The `medsearch` binary: run the CLI, map the outcome to an exit code (0 found, 1 nothing
//! found, 2 error). A closed stdout (`| head`) ends the run quietly. A panic (a bug, or a
//! library tripping over damaged files) is reported like any error, on one line, without a
//! backtrace.

use std::process::ExitCode;

use medsearch::Error;
use medsearch::cli::{self, Outcome};

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = match std::panic::catch_unwind(|| cli::run(std::env::args_os())) {
        Ok(outcome) => outcome,
        Err(panic) => {
            eprintln!(
                "medsearch: error: internal failure: {} (if the index is damaged, `medsearch \
                 index --full` rebuilds it)",
                medsearch::panic_message(&*panic)
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(Outcome::Found) => ExitCode::SUCCESS,
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("medsearch: error: {err}");
            ExitCode::from(2)
        }
    }
}
