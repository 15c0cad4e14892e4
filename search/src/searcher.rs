//! Searches: a small pool of read connections, and the query itself.
//!
//! Hits come from FTS5 newest first (`ORDER BY rowid DESC`, stepped lazily: a page stops as
//! soon as it is full). Each candidate must be in a room the searcher may read, and is then
//! re-checked against natter.db: the message must still exist, not be deleted, and its
//! current text must still match the query (so a message deleted or edited a moment ago, not
//! yet re-indexed, never shows; and CJK runs are confirmed in order, which the positionless
//! index cannot do).
//!
//! Rooms are filtered one of two ways:
//! - rooms holding a small share of the messages (see `plan`): their room terms join the
//!   FTS5 expression (`(query) AND ("_r1" OR "_r2" …)`, one expression per
//!   [`ROOM_TERMS_MAX`] rooms, their cursors merged), so FTS5 skips straight to their hits
//!   however many hits are elsewhere;
//! - otherwise: the global hits are scanned and those in other rooms skipped (the searcher
//!   reads enough of the messages that its hits come soon).

use crate::db;
use crate::state::Shared;
use crate::text::Query;
use crate::{Error, Hit, Page};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

/// Most rooms named in one FTS5 expression.
const ROOM_TERMS_MAX: usize = 64;
/// Most expressions (cursors) of one search.
const MAX_GROUPS: usize = 16;
/// Below this share of all messages, a searcher's rooms (up to [`ROOM_TERMS_MAX`]) are named
/// rather than scanned for…
const SCAN_MIN_SHARE: f64 = 0.2;
/// … and more rooms (in several expressions) below this one.
const GROUPS_MAX_SHARE: f64 = 0.01;
/// Idle connection pairs kept.
const MAX_IDLE: usize = 8;

pub(crate) struct Reader {
    pub search: Connection,
    pub messages: Connection,
}

pub(crate) struct Readers {
    search_path: PathBuf,
    messages_path: PathBuf,
    idle: Mutex<Vec<Reader>>,
}

impl Readers {
    pub fn new(search_path: PathBuf, messages_path: PathBuf) -> Readers {
        Readers { search_path, messages_path, idle: Mutex::default() }
    }

    /// Runs `f` with a pooled connection pair (opened if none is idle).
    pub fn with<T>(&self, f: impl FnOnce(&Reader) -> Result<T, Error>) -> Result<T, Error> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let reader = match idle {
            Some(reader) => reader,
            None => Reader {
                search: db::open_index_reader(&self.search_path)?,
                messages: db::open_messages(&self.messages_path)?,
            },
        };
        let result = f(&reader);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(reader);
        }
        result
    }
}

/// The room a hit may come from, by room id: its name when the searcher may read it.
struct Allowed<'a> {
    rooms: &'a HashSet<String>,
    verdicts: HashMap<i64, Option<String>>,
    /// Only the rooms already in `verdicts` (the FTS expression names them).
    closed: bool,
}

impl Allowed<'_> {
    fn room(&mut self, shared: &Shared, conn: &Connection, id: i64) -> Result<Option<String>, Error> {
        if let Some(verdict) = self.verdicts.get(&id) {
            return Ok(verdict.clone());
        }
        let verdict = if self.closed {
            None
        } else {
            let known = shared.rooms().names.get(&id).cloned();
            let name = match known {
                Some(name) => Some(name),
                None => conn
                    .prepare_cached("SELECT name FROM rooms WHERE id = ?1")?
                    .query_row([id], |r| r.get::<_, String>(0))
                    .optional()?,
            };
            name.filter(|name| self.rooms.contains(name))
        };
        self.verdicts.insert(id, verdict.clone());
        Ok(verdict)
    }
}

pub(crate) fn search(
    shared: &Shared,
    reader: &Reader,
    query: &Query,
    rooms: &HashSet<String>,
    before: Option<u64>,
    limit: usize,
) -> Result<Page, Error> {
    run(shared, reader, query, rooms, before, limit, plan(shared, rooms))
}

fn run(
    shared: &Shared,
    reader: &Reader,
    query: &Query,
    rooms: &HashSet<String>,
    before: Option<u64>,
    limit: usize,
    plan: Plan,
) -> Result<Page, Error> {
    let nothing = Page { hits: Vec::new(), next: None };
    if query.is_empty() || rooms.is_empty() || limit == 0 {
        return Ok(nothing);
    }
    let before = before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
    let mut allowed = Allowed { rooms, verdicts: HashMap::new(), closed: false };
    let matches = query.fts();
    let expressions = match plan {
        Plan::Scan => vec![matches],
        Plan::RoomTerms => {
            let known: Vec<(&String, Option<i64>)> = {
                let known = shared.rooms();
                rooms.iter().map(|name| (name, known.by_name.get(name).map(|room| room.id))).collect()
            };
            let mut ids = Vec::with_capacity(rooms.len());
            for (name, id) in known {
                // A room the indexer added a moment ago may not be in memory yet.
                let id = match id {
                    Some(id) => Some(id),
                    None => reader
                        .search
                        .prepare_cached("SELECT id FROM rooms WHERE name = ?1")?
                        .query_row([name], |r| r.get::<_, i64>(0))
                        .optional()?,
                };
                if let Some(id) = id {
                    ids.push(id);
                    allowed.verdicts.insert(id, Some(name.clone()));
                }
            }
            if ids.is_empty() {
                return Ok(nothing);
            }
            allowed.closed = true;
            ids.sort_unstable();
            ids.chunks(ROOM_TERMS_MAX)
                .map(|group| {
                    let terms: Vec<String> =
                        group.iter().map(|&id| format!("\"{}\"", db::room_term(id))).collect();
                    format!("({matches}) AND ({})", terms.join(" OR "))
                })
                .collect()
        }
    };
    // One cursor per expression, each newest first; merged by rowid.
    let mut statements = Vec::with_capacity(expressions.len());
    for _ in &expressions {
        statements.push(reader.search.prepare_cached(
            "SELECT d.id, d.room, d.seq FROM fts JOIN docs d ON d.id = fts.rowid
             WHERE fts MATCH ?1 AND fts.rowid < ?2 ORDER BY fts.rowid DESC",
        )?);
    }
    let mut cursors = Vec::with_capacity(expressions.len());
    for (statement, expression) in statements.iter_mut().zip(&expressions) {
        cursors.push(statement.query(params![expression, before])?);
    }
    let mut heads = Vec::with_capacity(cursors.len());
    for cursor in &mut cursors {
        heads.push(candidate(cursor)?);
    }
    let mut current = reader.messages.prepare_cached(
        "SELECT text FROM messages WHERE room = ?1 AND seq = ?2 AND kind = 0 AND deleted_at IS NULL",
    )?;
    // One hit more than asked tells whether there is a next page.
    let mut hits: Vec<(i64, Hit)> = Vec::with_capacity(limit.min(1000) + 1);
    while hits.len() <= limit {
        let Some((at, &Some((id, room_id, seq)))) = heads
            .iter()
            .enumerate()
            .filter(|(_, head)| head.is_some())
            .max_by_key(|(_, head)| head.map(|h| h.0))
        else {
            break;
        };
        heads[at] = candidate(&mut cursors[at])?;
        let Some(room) = allowed.room(shared, &reader.search, room_id)? else { continue };
        let text: Option<String> = current.query_row(params![room, seq], |r| r.get(0)).optional()?;
        if !text.is_some_and(|text| query.matches(&text)) {
            continue;
        }
        hits.push((id, Hit { room, seq: seq.max(0) as u64 }));
    }
    let next = if hits.len() > limit {
        hits.truncate(limit);
        hits.last().map(|(id, _)| *id as u64)
    } else {
        None
    };
    Ok(Page { hits: hits.into_iter().map(|(_, hit)| hit).collect(), next })
}

/// The next candidate of a cursor: (rowid, room id, seq).
fn candidate(rows: &mut rusqlite::Rows<'_>) -> Result<Option<(i64, i64, i64)>, Error> {
    Ok(match rows.next()? {
        Some(row) => Some((row.get(0)?, row.get(1)?, row.get(2)?)),
        None => None,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plan {
    /// Scan the newest hits of all rooms, skipping other rooms'.
    Scan,
    /// Name the rooms in the FTS5 expressions.
    RoomTerms,
}

/// How to keep to `rooms`. Scanning costs about `limit / share` candidates (the share of
/// the messages the rooms hold); naming the rooms costs a step through every named room's
/// doclist at each of FTS5's AND steps, so it pays only for rooms holding few messages.
/// (Measured on the benchmark: 10 random rooms of 1,000, 1% of the messages: p99 8 ms
/// named; 100 rooms with 3% of the messages, words mostly written elsewhere: p99 14 ms
/// scanned, 22 ms named.)
fn plan(shared: &Shared, rooms: &HashSet<String>) -> Plan {
    if rooms.len() > ROOM_TERMS_MAX * MAX_GROUPS {
        return Plan::Scan;
    }
    let known = shared.rooms();
    let docs: i64 = rooms.iter().filter_map(|name| known.by_name.get(name)).map(|room| room.docs).sum();
    let share = docs as f64 / known.docs.max(1) as f64;
    let named_max = if rooms.len() <= ROOM_TERMS_MAX { SCAN_MIN_SHARE } else { GROUPS_MAX_SHARE };
    if share < named_max {
        Plan::RoomTerms
    } else {
        Plan::Scan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of keeping to the rooms give the same pages, also with several groups of
    /// room terms (which the public tests' data is too small to choose).
    #[test]
    fn both_plans_give_the_same_pages() {
        let dir = tempfile::tempdir().unwrap();
        let natter = dir.path().join("natter.db");
        let conn = Connection::open(&natter).unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL,
               sent_at INTEGER NOT NULL, kind INTEGER NOT NULL DEFAULT 0, target INTEGER,
               deleted_at INTEGER, PRIMARY KEY (room, seq)) WITHOUT ROWID;",
        )
        .unwrap();
        for i in 0..1500i64 {
            conn.execute(
                "INSERT INTO messages (room, seq, text, sent_at) VALUES (?1, ?2, ?3, ?4)",
                params![format!("r{}", i % 150), i / 150 + 1, format!("word {i}"), i],
            )
            .unwrap();
        }
        let index = crate::Index::open(dir.path(), &natter).unwrap();
        assert!(index.settle(std::time::Duration::from_secs(300)));
        let query = Query::parse("word");
        let rooms: HashSet<String> = (0..150).filter(|r| r % 3 != 0).map(|r| format!("r{r}")).collect();
        let pages = |plan: Plan| {
            let mut hits = Vec::new();
            let mut before = None;
            loop {
                let page = index
                    .readers
                    .with(|reader| run(&index.shared, reader, &query, &rooms, before, 9, plan))
                    .unwrap();
                hits.extend(page.hits);
                match page.next {
                    Some(next) => before = Some(next),
                    None => return hits,
                }
            }
        };
        let scanned = pages(Plan::Scan);
        assert_eq!(scanned.len(), 1000);
        assert!(scanned.iter().all(|hit| rooms.contains(&hit.room)));
        // Newest (highest i) first.
        let order: Vec<u64> =
            scanned.iter().map(|hit| (hit.seq - 1) * 150 + hit.room[1..].parse::<u64>().unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(pages(Plan::RoomTerms), scanned);
    }
}
