//! Ctrl-C, handled once for the process.
//!
//! The handler is installed on first use ([`watch`] or [`install`]), never before: a plain
//! search keeps the default behaviour (Ctrl-C ends it at once). Once installed, Ctrl-C raises a
//! flag that long runs check between steps ([`requested`]: an index update then drops its
//! unfinished generation and reports that the index is unchanged) and wakes whoever waits for
//! it ([`watch`]: `index --watch` stops between updates).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

static REQUESTED: AtomicBool = AtomicBool::new(false);
type Listener = Box<dyn Fn() + Send>;
static LISTENERS: Mutex<Vec<Listener>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// Installs the handler (once; later calls do nothing).
pub fn install() -> Result<()> {
    let installed = INSTALLED.get_or_init(|| {
        ctrlc::set_handler(|| {
            REQUESTED.store(true, Ordering::SeqCst);
            let listeners = LISTENERS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            listeners.iter().for_each(|listen| listen());
        })
        .map_err(|e| e.to_string())
    });
    installed
        .clone()
        .map_err(|e| Error::io("<signal handler>", std::io::Error::other(e)))
}

/// Whether Ctrl-C was pressed since the handler was installed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Calls `listener` on every Ctrl-C from now on (installing the handler).
pub fn watch(listener: impl Fn() + Send + 'static) -> Result<()> {
    install()?;
    LISTENERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Box::new(listener));
    Ok(())
}
