//! `medsearch index --watch`: re-index shortly after the corpus changes, until Ctrl-C.
//!
//! File-system events under the corpus folder are debounced (a burst of saves becomes one
//! update, [`DEBOUNCE`] after the last event), then an incremental update runs; the caller hears
//! of it when it changed something. An update that fails is reported and watching goes on.
//! Ctrl-C ends the loop between updates; an update already running finishes first (and even a
//! killed update leaves the previous index searchable). Nothing is printed here: every step
//! reaches the caller as a [`WatchEvent`] (`output` renders them).

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, DebouncedEvent, new_debouncer};

use crate::error::{Error, Result};
use crate::index::UpdateReport;

/// Quiet time after the last file-system event before an update runs.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

enum Message {
    Changed,
    Stop,
}

/// What happens while watching.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// Watching has started.
    Watching,
    /// An update changed the index.
    Updated(&'a UpdateReport),
    /// An update failed; watching goes on.
    Failed(&'a Error),
    /// Ctrl-C stopped the watch.
    Stopped,
}

/// Watches `corpus` and calls `update` after each burst of changes; `on` hears of each step.
pub fn watch(
    corpus: &Path,
    index_dir: &Path,
    update: &mut dyn FnMut() -> Result<UpdateReport>,
    on: &mut dyn FnMut(WatchEvent),
) -> Result<()> {
    let (tx, rx) = mpsc::channel();
    let stop = std::sync::Mutex::new(tx.clone());
    crate::interrupt::watch(move || {
        let _ = stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(Message::Stop);
    })?;
    // Events from our own index folder (when it lies inside the corpus) are not changes.
    let index_abs = index_dir.canonicalize().ok();
    let mut debouncer = new_debouncer(DEBOUNCE, move |events: DebounceEventResult| {
        let outside_index =
            |e: &DebouncedEvent| index_abs.as_ref().is_none_or(|i| !e.path.starts_with(i));
        if events.is_ok_and(|events| events.iter().any(outside_index)) {
            let _ = tx.send(Message::Changed);
        }
    })
    .map_err(|e| Error::io(corpus, std::io::Error::other(e)))?;
    debouncer
        .watcher()
        .watch(corpus, RecursiveMode::Recursive)
        .map_err(|e| Error::io(corpus, std::io::Error::other(e)))?;
    on(WatchEvent::Watching);
    while let Ok(Message::Changed) = rx.recv() {
        match update() {
            Ok(report) if report.counts.changed_anything() => on(WatchEvent::Updated(&report)),
            Ok(_) => {}
            Err(e) => on(WatchEvent::Failed(&e)),
        }
    }
    on(WatchEvent::Stopped);
    Ok(())
}
