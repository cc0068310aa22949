//! Site chrome across the corpus: which repeated units ([`crate::parse::chrome`]) an update
//! sets aside, and where.
//!
//! **Rule.** A unit whose key is held by at least [`MIN_FILES`] files is chrome. It is indexed
//! once, in the first file (in path order) that holds it, and set aside from every other: a
//! query matches the disclaimer once, at a place where it is on the live site. Repeats on two
//! pages are not chrome (two pages may quote the same paragraph).
//!
//! **Threshold, measured** (`python3 scripts/site.py measure`, see BENCHMARKS.md): in the MED,
//! Cranfield and CISI collections written as pages without chrome, no unit of four words or
//! more is held by three files, a few duplicates are held by two; the chrome of a generated
//! site is held by every page. Three is the least count at which no page's own text was taken.
//!
//! **Incrementally.** Every file's entry keeps its keys (with lines) and the keys it set aside.
//! While an update reads files in path order, a file sets aside what the files known so far
//! make chrome (every unchanged file, and the files read before it); when the run ends, the
//! same rule over all files decides again, and a file whose set differs (the second holder of
//! a block that turned out chrome, the new first holder when the first lost it) is read again
//! and replaced. In a full build that is the second holder of each chrome block; after a
//! one-page edit, usually nothing.

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::manifest::FileEntry;

/// Files that must hold a unit for it to be chrome (see the module docs).
pub const MIN_FILES: u32 = 3;

/// For each key, how many files hold it and the first of them (its place in path order).
#[derive(Debug, Default)]
pub struct Holders {
    keys: HashMap<u64, (u32, usize)>,
}

impl Holders {
    /// Notes that file `at` (its place in path order) holds `keys`.
    pub fn add(&mut self, at: usize, keys: &[(u64, u32)]) {
        for &(key, _) in keys {
            let holder = self.keys.entry(key).or_insert((0, at));
            holder.0 += 1;
            holder.1 = holder.1.min(at);
        }
    }

    /// The keys among `keys` that file `at` sets aside: chrome, and first held by an earlier
    /// file. Sorted.
    pub fn set_aside(&self, at: usize, keys: &[(u64, u32)]) -> Vec<u64> {
        keys.iter()
            .filter(|(key, _)| {
                self.keys
                    .get(key)
                    .is_some_and(|&(count, first)| count >= MIN_FILES && first < at)
            })
            .map(|&(key, _)| key)
            .collect()
    }

    /// What the chrome of `entries` (the files in path order, as this holds them) comes to.
    pub fn report(&self, entries: &[impl AsRef<FileEntry>]) -> Option<ChromeReport> {
        let chrome = self
            .keys
            .iter()
            .filter(|(_, (count, _))| *count >= MIN_FILES);
        let (blocks, first) = chrome.fold((0, None), |(n, first), (key, &(_, at))| {
            let line = entries[at]
                .as_ref()
                .blocks
                .iter()
                .find(|(k, _)| k == key)
                .map_or(0, |(_, line)| *line);
            let this = (at, line);
            (
                n + 1,
                Some(first.map_or(this, |f: (usize, u32)| f.min(this))),
            )
        });
        let (at, line) = first?;
        Some(ChromeReport {
            blocks,
            copies: entries.iter().map(|e| e.as_ref().set_aside.len()).sum(),
            first: format!("{}:{line}", entries[at].as_ref().file.path),
        })
    }
}

/// What an index sets aside as site chrome (`status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChromeReport {
    /// Distinct repeated blocks.
    pub blocks: usize,
    /// Copies left out of pages (each block stays in the first page that has it).
    pub copies: usize,
    /// Where the first one is indexed: `path:line`.
    pub first: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_on_three_files_is_set_aside_from_all_but_the_first() {
        let mut holders = Holders::default();
        let shared = [(7, 10)];
        let pair = [(8, 3)];
        holders.add(0, &[(7, 10), (8, 3)]);
        holders.add(1, &[(7, 12), (8, 4)]);
        holders.add(2, &shared);
        assert_eq!(holders.set_aside(0, &[(7, 10), (8, 3)]), Vec::<u64>::new());
        assert_eq!(holders.set_aside(1, &[(7, 12), (8, 4)]), vec![7]);
        assert_eq!(holders.set_aside(2, &shared), vec![7]);
        // Key 8 is on two files only: not chrome.
        assert!(holders.set_aside(1, &pair).is_empty());
    }
}
