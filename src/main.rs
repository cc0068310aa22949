//! The `medsearch` binary: run the CLI, map the outcome to an exit code (0 found, 1 nothing
//! found, 2 error). A closed stdout (`| head`) ends the run quietly.

use std::process::ExitCode;

use medsearch::Error;
use medsearch::cli::{self, Outcome};

fn main() -> ExitCode {
    match cli::run(std::env::args_os()) {
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
