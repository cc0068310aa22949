//! The generation a server searches, following the index as writers publish new ones.
//!
//! [`Live::current`] reads the index's `CURRENT` (one small file) on every request. When it
//! names another generation than the one held, the first request to see it opens the new one
//! and swaps it in, and the requests that see it meanwhile wait for that (opening takes
//! milliseconds): once `medsearch index` has published, every request that starts is answered
//! from the new generation. Requests already running keep theirs to the end, since each holds
//! an `Arc` of one whole [`Searchable`] (a snapshot: see [`crate::index::generation`]). A
//! generation that cannot be opened is reported once (an [`Event::StillServing`] to the
//! server's listener: the library prints nothing), and the one held goes on serving until a
//! later generation opens.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::{Event, Listener};
use crate::index::{Searchable, generation};

/// The generation being served, and where to look for newer ones.
pub struct Live {
    index: PathBuf,
    corpus: PathBuf,
    held: RwLock<Arc<Searchable>>,
    /// Held by the request that opens a new generation; the name of the last generation that
    /// failed to open (not tried again).
    opening: Mutex<Option<String>>,
    /// Hears of generations that cannot be opened.
    on: Listener,
}

impl Live {
    /// Serves `searchable` (opened from `index` with the synonyms of `corpus`) until a newer
    /// generation is published; `on` hears of a generation that cannot be opened.
    pub fn new(searchable: Searchable, index: PathBuf, corpus: PathBuf, on: Listener) -> Live {
        Live {
            index,
            corpus,
            held: RwLock::new(Arc::new(searchable)),
            opening: Mutex::new(None),
            on,
        }
    }

    /// The generation to answer a request with: the live one (or the one held, when the live
    /// one cannot be opened).
    pub fn current(&self) -> Arc<Searchable> {
        let held = self.held();
        let live = match generation::live_name(&self.index) {
            Ok(Some(name)) if name != held.generation_name() => name,
            _ => return held,
        };
        let mut failed = self.opening.lock().unwrap_or_else(PoisonError::into_inner);
        if failed.as_deref() == Some(live.as_str()) {
            return held;
        }
        let held = self.held();
        if held.generation_name() == live {
            return held;
        }
        match Searchable::open(&self.index, &self.corpus) {
            Ok(mut searchable) => {
                searchable.use_model(held.model_override());
                let searchable = Arc::new(searchable);
                *self.held.write().unwrap_or_else(PoisonError::into_inner) =
                    Arc::clone(&searchable);
                searchable
            }
            Err(e) => {
                (self.on)(Event::StillServing {
                    generation: held.generation_name().to_string(),
                    error: e,
                });
                *failed = Some(live);
                held
            }
        }
    }

    fn held(&self) -> Arc<Searchable> {
        Arc::clone(&self.held.read().unwrap_or_else(PoisonError::into_inner))
    }
}
