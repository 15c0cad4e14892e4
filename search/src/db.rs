//! The files: `search.db` (this crate's own, rebuildable) and read-only access to the chat's
//! `natter.db`.
//!
//! `search.db` holds
//! - `fts`: a contentless FTS5 table (`contentless_delete=1`, so a message can be removed
//!   without its old text, which an edit or deletion has already overwritten). Its body is
//!   the message's terms (see `text`) plus one term naming its room (`_r<id>`), so a
//!   search restricted to a few rooms is an FTS5 AND that skips through doclists instead of
//!   a scan of everyone's newest hits. `detail=none`: no positions (72 instead of 115 bytes
//!   per message in the benchmark); the only thing positions would give (CJK runs in order)
//!   the searcher checks on the text.
//!   The `ascii` tokenizer keeps every non-ASCII character inside a token, so each term is
//!   exactly one token whatever its script (unicode61 would split terms on characters its
//!   older Unicode tables do not know, and fold what `text` already folded), and `_` is a
//!   token character for room terms. Prefix indexes for 3 and 4 characters: FTS5 answers
//!   any other prefix query by merging the doclists of every matching term before returning
//!   a row, which for "the"* over a million messages took 40-60 ms; with them every kind of
//!   query stays under 10 ms p99 in the benchmark, for 16% more index (62 → 72 bytes per
//!   message).
//! - `docs`: FTS rowid ↔ message. Rowids come from a counter, given in `sent_at` order within
//!   each indexing transaction (and the indexer takes rooms' rows in time order), so
//!   "rowid descending" is "newest first".
//! - `rooms`: per room its id, the last `seq` indexed (committed with the index changes it
//!   covers, so a crash neither loses nor repeats anything) and its number of indexed
//!   messages.
//!
//! `PRAGMA user_version` records the layout *and* the text normalisation: a file from another
//! version, or one that is not a database, is rebuilt from natter.db.

use crate::Error;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Bump whenever the schema or `text`'s terms change: the index is then rebuilt.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
    CREATE TABLE rooms (
        id   INTEGER PRIMARY KEY,
        name TEXT    NOT NULL UNIQUE,
        seq  INTEGER NOT NULL DEFAULT 0,
        docs INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE docs (
        id   INTEGER PRIMARY KEY,
        room INTEGER NOT NULL,
        seq  INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX docs_message ON docs (room, seq);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE VIRTUAL TABLE fts USING fts5 (
        body, content = '', contentless_delete = 1, detail = none, prefix = '3 4',
        tokenize = \"ascii tokenchars '_'\"
    );
";

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of every connection.
fn configure(conn: &Connection) -> Result<(), Error> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Plans that do not depend on bound values: otherwise (with the bundled SQLite's STAT4)
    // rebinding a `LIMIT ?` recompiles the statement on every run, 7 times the cost of the
    // indexer's reads.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// The FTS5 term naming a room in every one of its messages' bodies.
pub(crate) fn room_term(id: i64) -> String {
    format!("_r{id}")
}

/// Opens `search.db` for the indexer (creating or rebuilding it as needed).
pub(crate) fn open_index(path: &Path) -> Result<Connection, Error> {
    match open_index_once(path) {
        Err(Error::Sqlite(e))
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
            ) =>
        {
            // The index only mirrors natter.db: start it afresh rather than refuse to start.
            tracing::warn!(error = %e, path = %path.display(), "search index unreadable, rebuilding it");
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                match std::fs::remove_file(&file) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                    _ => {}
                }
            }
            open_index_once(path)
        }
        other => other,
    }
}

fn open_index_once(path: &Path) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // The index is rebuildable and its progress commits with it: a power cut may lose the
    // last transactions, never their consistency.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -16_384)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != SCHEMA_VERSION {
        if version != 0 {
            tracing::info!(from = version, to = SCHEMA_VERSION, "search index format changed, rebuilding it");
        }
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(
            "DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS rooms;
             DROP TABLE IF EXISTS meta;",
        )?;
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
    }
    Ok(conn)
}

/// A read-only connection to `search.db` for searches.
pub(crate) fn open_index_reader(path: &Path) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    // Memory-mapped reads share the OS page cache instead of copying pages into every
    // pooled connection's own cache.
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    Ok(conn)
}

/// A read-only connection to the chat's `natter.db`, checked to have the columns we read.
pub(crate) fn open_messages(path: &Path) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.prepare("SELECT room, seq, kind, target, text, deleted_at, sent_at FROM messages LIMIT 0")
        .map_err(Error::Schema)?;
    Ok(conn)
}

/// One room as the index knows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Room {
    pub id: i64,
    /// The last `seq` of the room indexed.
    pub seq: u64,
    /// Its messages in the index.
    pub docs: i64,
}

pub(crate) fn load_rooms(conn: &Connection) -> Result<HashMap<String, Room>, Error> {
    let mut stmt = conn.prepare("SELECT name, id, seq, docs FROM rooms")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Room { id: r.get(1)?, seq: r.get::<_, i64>(2)?.max(0) as u64, docs: r.get(3)? },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<i64>, Error> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// Every room of natter.db with its last `seq`, found by skipping through the primary key
/// (two index lookups per room) rather than scanning every message. Stops early (with the
/// rooms so far) once `stop()`.
pub(crate) fn message_rooms(conn: &Connection, stop: &dyn Fn() -> bool) -> Result<Vec<(String, u64)>, Error> {
    let mut first = conn.prepare_cached("SELECT MIN(room) FROM messages")?;
    let mut next = conn.prepare_cached("SELECT MIN(room) FROM messages WHERE room > ?1")?;
    let mut last = conn.prepare_cached("SELECT MAX(seq) FROM messages WHERE room = ?1")?;
    let mut rooms = Vec::new();
    let mut room: Option<String> = first.query_row([], |r| r.get(0))?;
    while let Some(name) = room {
        if stop() {
            break;
        }
        let seq: Option<i64> = last.query_row([&name], |r| r.get(0))?;
        room = next.query_row([&name], |r| r.get(0))?;
        rooms.push((name, seq.unwrap_or(0).max(0) as u64));
    }
    Ok(rooms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_rooms_skips_through_the_primary_key() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (room, seq))
             WITHOUT ROWID;
             INSERT INTO messages VALUES ('b', 1), ('a', 1), ('a', 2), ('', 7), ('c', 3);",
        )
        .unwrap();
        let rooms = message_rooms(&conn, &|| false).unwrap();
        let expected: Vec<(String, u64)> =
            [("", 7), ("a", 2), ("b", 1), ("c", 3)].iter().map(|&(r, s)| (r.to_owned(), s)).collect();
        assert_eq!(rooms, expected);
        let plan: Vec<String> = conn
            .prepare("EXPLAIN QUERY PLAN SELECT MIN(room) FROM messages WHERE room > ?1")
            .unwrap()
            .query_map(["a"], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().all(|step| step.contains("SEARCH")), "{plan:?}");
    }

    #[test]
    fn an_unreadable_or_older_index_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.db");
        std::fs::write(&path, b"this is not a database, not at all, and long enough to tell").unwrap();
        let conn = open_index(&path).unwrap();
        conn.execute("INSERT INTO rooms (name) VALUES ('a')", []).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 100).unwrap();
        drop(conn);
        let conn = open_index(&path).unwrap();
        let rooms: i64 = conn.query_row("SELECT COUNT(*) FROM rooms", [], |r| r.get(0)).unwrap();
        assert_eq!(rooms, 0);
    }
}
