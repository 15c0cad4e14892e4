//! Full-text search over Natter's messages (Russian, Portuguese, English, Chinese, and
//! plain words of any other script).
//!
//! The index lives in its own SQLite file, `search.db`, next to `natter.db`, so indexing
//! never takes the chat's write lock. One indexer thread (at the lowest CPU priority) reads
//! natter.db's new rows room by room after [`Index::touched`] marks a room, and keeps the
//! index and its per-room progress in step, in the same transactions. Searches run on the
//! caller's thread over a small pool of read connections, and re-check every hit against
//! natter.db, so a message deleted or edited a moment ago is never shown by its old text.
//!
//! Using it: open one [`Index`] next to the store (`Index::open(data_dir,
//! store.messages_path())`), share it in an `Arc`, and after each commit call
//! [`Index::touched`] with the room of every event committed (e.g. from the store's on-commit
//! hook; it only marks the room). Run [`Index::search`] on a blocking thread; it returns
//! rooms and seqs, the caller reads the messages from its store and may mark them with
//! [`highlights`]. Commits it is not told about are found within five minutes anyway (the
//! indexer rescans natter.db's rooms).
//!
//! - `text`: how text becomes index terms and queries (words, stems, CJK bigrams);
//! - `db`: the files and the schema;
//! - `indexer`: the indexer thread;
//! - `searcher`: searches;
//! - `state`: what the handle and the indexer share.

mod db;
mod indexer;
pub use indexer::lower_priority as lower_thread_priority;
mod searcher;
mod state;
mod text;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("search index files: {0}")]
    Io(#[from] std::io::Error),
    #[error("the messages database has no usable `messages` table: {0}")]
    Schema(rusqlite::Error),
}

/// A message found: the caller reads it from its store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    pub room: String,
    pub seq: u64,
}

/// One page of hits, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub hits: Vec<Hit>,
    /// Cursor for the next page (pass it as `before`), None when there is none.
    pub next: Option<u64>,
}

/// The search index of one data directory. Share it (`Arc`); dropping the last handle
/// stops the indexer thread.
pub struct Index {
    shared: Arc<state::Shared>,
    readers: searcher::Readers,
    indexer: Option<std::thread::JoinHandle<()>>,
}

impl Index {
    /// Opens (creating) `search.db` in `data_dir`, and starts the indexer over the messages
    /// database at `messages_db` (which must already exist with its schema), catching up
    /// with everything not indexed yet.
    pub fn open(data_dir: &Path, messages_db: &Path) -> Result<Index, Error> {
        std::fs::create_dir_all(data_dir)?;
        let search_path = data_dir.join("search.db");
        let search = db::open_index(&search_path)?;
        let messages = db::open_messages(messages_db)?;
        let shared = Arc::new(state::Shared::new(state::Rooms::new(db::load_rooms(&search)?)));
        let indexer = indexer::Indexer::new(Arc::clone(&shared), search, messages)?;
        let handle =
            std::thread::Builder::new().name("natter-search-indexer".into()).spawn(move || indexer.run())?;
        Ok(Index {
            shared,
            readers: searcher::Readers::new(search_path, messages_db.to_owned()),
            indexer: Some(handle),
        })
    }

    /// A commit happened in `room`: the indexer will read it. Cheap and never waits for the
    /// indexer (a short lock; allocates only the first time a room is marked).
    pub fn touched(&self, room: &str) {
        self.shared.touch(room);
    }

    /// Blocks until everything committed to natter.db before the call is indexed, or `wait`
    /// passes; true if settled.
    pub fn settle(&self, wait: Duration) -> bool {
        self.shared.settling();
        let settled = self.settle_inner(wait);
        self.shared.settled();
        settled
    }

    fn settle_inner(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        let rooms = match self.readers.with(|reader| db::message_rooms(&reader.messages, &|| false)) {
            Ok(rooms) => rooms,
            Err(error) => {
                tracing::warn!(%error, "could not read natter.db's rooms");
                return false;
            }
        };
        // Rooms behind, and rooms ahead of natter.db (which went back): those must be
        // indexed afresh first.
        let behind: Vec<(String, u64, Option<u32>)> = {
            let known = self.shared.rooms();
            rooms
                .into_iter()
                .filter_map(|(room, last)| {
                    let seq = known.seq(&room);
                    let reset = (seq > last).then(|| known.resets(&room));
                    (seq != last).then_some((room, last, reset))
                })
                .collect()
        };
        for (room, _, _) in &behind {
            self.touched(room);
        }
        self.shared.wait_until(until, || {
            let known = self.shared.rooms();
            behind.iter().all(|(room, last, reset)| {
                known.seq(room) >= *last && reset.is_none_or(|before| known.resets(room) > before)
            })
        })
    }

    /// Messages matching `query` (every word; see [`searchable`]) in `rooms`, newest first:
    /// at most `limit`, older than the cursor `before` (a previous page's `next`). Blocking:
    /// run it off an async runtime.
    pub fn search(
        &self,
        query: &str,
        rooms: &HashSet<String>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Page, Error> {
        let query = text::Query::parse(query);
        if query.is_empty() || rooms.is_empty() || limit == 0 {
            return Ok(Page::default());
        }
        self.readers.with(|reader| searcher::search(&self.shared, reader, &query, rooms, before, limit))
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        self.shared.stop();
        if let Some(indexer) = self.indexer.take() {
            if indexer.join().is_err() {
                tracing::error!("the search indexer panicked");
            }
        }
    }
}

/// Whether a query has anything to search for (a word or CJK character); searching for
/// one that has not returns nothing.
pub fn searchable(query: &str) -> bool {
    !text::Query::parse(query).is_empty()
}

/// Merged, sorted byte ranges `[start, end)` of `text` that match `query` the way a search
/// matches: words starting with a query word (lower-cased, accent-folded) or sharing its
/// stem, and every occurrence of a query's CJK run.
pub fn highlights(query: &str, text: &str) -> Vec<[u32; 2]> {
    text::Query::parse(query).highlights(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Index>();
    }

    #[test]
    fn searchable_needs_a_word() {
        assert!(searchable("привет"));
        assert!(searchable("好"));
        assert!(!searchable(" \"* -: "));
    }
}
