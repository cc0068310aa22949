//! The library's error type: one enum, one variant per thing that can go wrong, each rendered as a
//! single line that names the file, line or query position involved. The messages name no
//! command-line option (HTTP clients read them too): the CLI prints one as
//! `medsearch: error: {err}`, followed where one helps by the option or the command that
//! mends it, with the user's locations (`output::error_line`), and exits with status 2.

use std::path::PathBuf;

/// Everything that can fail in medsearch.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The corpus folder given by `--corpus` (or `MEDSEARCH_CORPUS`) does not exist.
    #[error("corpus folder '{}' does not exist", .0.display())]
    CorpusMissing(PathBuf),

    /// A location given as a folder is a file.
    #[error("{kind} folder '{}' is a file, not a folder", .path.display())]
    NotAFolder {
        /// `corpus` or `index`.
        kind: &'static str,
        /// The path given.
        path: PathBuf,
    },

    /// The corpus folder exists but holds no document medsearch can index.
    #[error("corpus folder '{}' holds no indexable documents (.txt, .md, .jsonl, .html)", .0.display())]
    CorpusEmpty(PathBuf),

    /// No index has been built at this location yet.
    #[error("no index at '{}'", .0.display())]
    IndexMissing(PathBuf),

    /// The index folder given holds other files and no medsearch index: medsearch will not
    /// write into it (nor delete anything in it).
    #[error("'{}' is not a medsearch index: it holds other files", .0.display())]
    NotAnIndex(PathBuf),

    /// The index folder exists but cannot be read as a medsearch index.
    #[error("index at '{}' is unreadable: {reason}", .path.display())]
    IndexCorrupt {
        /// The index folder.
        path: PathBuf,
        /// What went wrong while opening it.
        reason: String,
    },

    /// A line of an input file (queries, judgments) is malformed.
    #[error("{}:{line}: {message}", .path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },

    /// `eval --strict` found judgments that point at ids not in the index.
    #[error("{0} judgments point at ids not in the index")]
    Dangling(usize),

    /// The index was made by another version of medsearch (another index format).
    #[error("index at '{}' was made by {found}, not by this medsearch", .path.display())]
    IndexOutdated {
        /// The index folder.
        path: PathBuf,
        /// The fingerprint recorded in the index.
        found: String,
    },

    /// The query could not be parsed.
    #[error("invalid query: {message} at position {position}")]
    Query {
        /// What is wrong, e.g. "unbalanced quote".
        message: String,
        /// 1-based character position in the query where the problem is.
        position: usize,
    },

    /// A file or folder could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// `serve` could not listen on the address given.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address, as given.
        addr: String,
        /// Why.
        source: std::io::Error,
    },

    /// An error reported by the tantivy search library.
    #[error("search engine: {0}")]
    Tantivy(#[from] tantivy::TantivyError),

    /// A bug, or a library tripping over damaged files: a panic, caught.
    #[error("internal failure: {0}")]
    Internal(String),

    /// The command line is not one medsearch understands (clap's message, first line).
    #[error("{0}")]
    Usage(String),

    /// A model folder (or one of its files) that cannot be used for the semantic stage.
    #[error("{}: {message}", .path.display())]
    Model {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong, and what to do.
        message: String,
    },

    /// The user stopped the run (Ctrl-C) before it finished.
    #[error("interrupted: {0}")]
    Interrupted(&'static str),
}

impl Error {
    /// [`Error::NotAFolder`] when `path` is a file (a path that does not exist is left to the
    /// caller).
    pub fn check_folder(kind: &'static str, path: &std::path::Path) -> Result<()> {
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => Err(Error::NotAFolder {
                kind,
                path: path.to_path_buf(),
            }),
            _ => Ok(()),
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
