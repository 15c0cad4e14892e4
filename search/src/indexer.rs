//! The indexer thread: reads natter.db's new rows room by room and applies them to
//! search.db.
//!
//! - It sleeps until `touched` marks a room, then gathers more for [`GATHER`] and indexes
//!   what is pending in transactions of at most about [`BATCH_ROWS`] rows, so a search never
//!   waits long behind one; with a backlog, transactions follow each other directly.
//! - Rooms with unread rows wait in a queue ordered by the `sent_at` of their first unread
//!   row. A transaction takes the earliest rooms' rows up to a cut-off time that no unread row
//!   precedes, and numbers new messages in `sent_at` order: catching up with many rooms
//!   still gives rowids (and so search results) in time order.
//! - A message row is applied by its *current* state (re-read for edits): present, not
//!   deleted and with words → indexed with its current text; otherwise removed. So applying
//!   a row twice, or rows of one message in one transaction, cannot go wrong.
//! - Each room's last processed `seq` commits with the index changes (see `db`).
//! - It runs at the lowest CPU priority: under a saturating load it falls behind instead of
//!   slowing message delivery, and catches up afterwards.
//! - On errors (natter.db locked, disk full, …) it logs, backs off, and starts over from the
//!   committed progress with a full scan of natter.db's rooms; it also rescans every
//!   [`RESCAN_EVERY`] in case a commit's `touched` was missed.

use crate::db::{self, Room};
use crate::state::Shared;
use crate::text;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most rows taken into one transaction.
const BATCH_ROWS: usize = 5000;
/// The first window of time a transaction takes rows from (ms of `sent_at`); it adapts.
const FIRST_WINDOW: i64 = 3_600_000;
const MAX_WINDOW: i64 = 100 * 365 * 86_400_000;
/// How long a woken indexer waits for more commits before indexing.
const GATHER: Duration = Duration::from_millis(75);
/// The indexer works when the message store has been quiet this long: under a steady load
/// it gives the CPU to message delivery, and indexes in the pauses…
const QUIET: Duration = Duration::from_millis(250);
/// …or once commits have waited this long, so the index never falls far behind. A search
/// that waits (`settle`) does not wait for either.
const LONGEST_WAIT: Duration = Duration::from_secs(10);
const RESCAN_EVERY: Duration = Duration::from_secs(300);
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Why a pass stopped early.
#[derive(Debug)]
enum Halt {
    Stopped,
    Failed(crate::Error),
}

impl<E: Into<crate::Error>> From<E> for Halt {
    fn from(e: E) -> Halt {
        Halt::Failed(e.into())
    }
}

/// A row of natter.db's `messages`, as the indexer needs it.
struct Row {
    seq: u64,
    kind: i64,
    target: Option<i64>,
    text: String,
    deleted: bool,
    sent_at: i64,
}

/// A change to the FTS table.
struct FtsChange {
    id: i64,
    room: i64,
    /// The terms to index (None: remove only).
    terms: Option<String>,
    /// The rowid is in the table now: remove it first.
    indexed: bool,
}

/// What the rows of a step ask of the index: per (room's index in the step, message seq),
/// the message's `sent_at` (to number new messages in time order) and its wanted state.
type Changes = BTreeMap<(usize, u64), (i64, Want)>;

/// What a message should be in the index.
enum Want {
    /// Indexed with these terms.
    Terms(String),
    Absent,
}

pub(crate) struct Indexer {
    shared: Arc<Shared>,
    search: Connection,
    messages: Connection,
    /// Rooms with unread rows, by the `sent_at` of the first of them.
    queue: BTreeSet<(i64, String)>,
    queued: HashSet<String>,
    next_rowid: i64,
    /// How far in time (ms) past the earliest unread row a transaction reads.
    window: i64,
    /// The pending set is swapped with this one, to keep both allocations.
    spare: HashSet<String>,
}

impl Indexer {
    pub fn new(
        shared: Arc<Shared>,
        search: Connection,
        messages: Connection,
    ) -> Result<Indexer, crate::Error> {
        let next_rowid = db::meta(&search, "next_rowid")?.unwrap_or(1);
        Ok(Indexer {
            shared,
            search,
            messages,
            queue: BTreeSet::new(),
            queued: HashSet::new(),
            next_rowid,
            window: FIRST_WINDOW,
            spare: HashSet::new(),
        })
    }

    pub fn run(mut self) {
        lower_priority();
        let mut rescan_at = Instant::now();
        let mut retry = FIRST_RETRY;
        loop {
            let backlog = !self.queue.is_empty();
            let wake = self
                .shared
                .wait_for_work(if backlog { Instant::now() } else { rescan_at }, |w| !w.pending.is_empty());
            if wake.stop {
                return;
            }
            let woken = !wake.pending.is_empty();
            drop(wake);
            // Freshly woken by a commit: let more commits come, to index them together.
            if woken && !backlog && !self.shared.sleep(GATHER) {
                return;
            }
            if !self.shared.wait_for_quiet(QUIET, LONGEST_WAIT) {
                return;
            }
            let rescan = Instant::now() >= rescan_at;
            let result = self.pass(rescan);
            match result {
                Ok(()) => {
                    retry = FIRST_RETRY;
                    if rescan {
                        rescan_at = Instant::now() + RESCAN_EVERY;
                    }
                }
                Err(Halt::Stopped) => return,
                Err(Halt::Failed(error)) => {
                    tracing::warn!(%error, retry_in = ?retry, "search indexing failed");
                    // Start over from what is committed: forget the queue, rescan.
                    self.queue.clear();
                    self.queued.clear();
                    rescan_at = Instant::now();
                    if !self.shared.sleep(retry) {
                        return;
                    }
                    retry = (retry * 2).min(MAX_RETRY);
                }
            }
        }
    }

    /// Queues the pending rooms (all rooms if `rescan`) and indexes one transaction's worth.
    fn pass(&mut self, rescan: bool) -> Result<(), Halt> {
        if rescan {
            self.rescan()?;
        }
        let mut pending = std::mem::take(&mut self.spare);
        std::mem::swap(&mut pending, &mut self.shared.wake().pending);
        let queued = pending.iter().try_for_each(|room| self.enqueue(room));
        pending.clear();
        self.spare = pending;
        queued?;
        self.step()
    }

    /// Queues every room of natter.db with unindexed rows.
    fn rescan(&mut self) -> Result<(), Halt> {
        let shared = Arc::clone(&self.shared);
        for (room, _) in db::message_rooms(&self.messages, &|| shared.stopping())? {
            if self.shared.stopping() {
                return Err(Halt::Stopped);
            }
            self.enqueue(&room)?;
        }
        Ok(())
    }

    /// Queues `room` if it has unindexed rows.
    fn enqueue(&mut self, room: &str) -> Result<(), Halt> {
        if self.queued.contains(room) {
            return Ok(());
        }
        let indexed = self.shared.rooms().seq(room);
        let mut first = self.first_after(room, indexed)?;
        if first.is_none() && indexed > 0 {
            let last: Option<i64> = self
                .messages
                .prepare_cached("SELECT MAX(seq) FROM messages WHERE room = ?1")?
                .query_row([room], |r| r.get(0))?;
            if last.unwrap_or(0) < indexed as i64 {
                // natter.db went back (restored from a backup?): index the room afresh.
                self.forget_room(room)?;
                first = self.first_after(room, 0)?;
            }
        }
        if let Some(sent_at) = first {
            self.queue.insert((sent_at, room.to_owned()));
            self.queued.insert(room.to_owned());
        }
        Ok(())
    }

    /// The `sent_at` of `room`'s first row after `seq`.
    fn first_after(&self, room: &str, seq: u64) -> Result<Option<i64>, Halt> {
        Ok(self
            .messages
            .prepare_cached("SELECT sent_at FROM messages WHERE room = ?1 AND seq > ?2 ORDER BY seq LIMIT 1")?
            .query_row(params![room, seq as i64], |r| r.get(0))
            .optional()?)
    }

    /// Removes a room's messages from the index and its progress.
    fn forget_room(&mut self, room: &str) -> Result<(), Halt> {
        let Some(known) = self.shared.rooms().by_name.get(room).copied() else { return Ok(()) };
        let tx = self.search.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut ids = tx.prepare_cached("SELECT id FROM docs WHERE room = ?1 ORDER BY id")?;
            let mut remove = tx.prepare_cached("DELETE FROM fts WHERE rowid = ?1")?;
            let ids: Vec<i64> = ids.query_map([known.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
            for id in ids {
                remove.execute([id])?;
            }
        }
        tx.execute("DELETE FROM docs WHERE room = ?1", [known.id])?;
        tx.execute("UPDATE rooms SET seq = 0, docs = 0 WHERE id = ?1", [known.id])?;
        tx.commit()?;
        self.shared.rooms_mut().forget(room, Room { seq: 0, docs: 0, ..known });
        tracing::info!(room, "natter.db has fewer messages than indexed: indexing the room afresh");
        Ok(())
    }

    /// Indexes one transaction's worth of queued rows: every queued room's rows sent within
    /// a window of time from the earliest unread row, at most about [`BATCH_ROWS`].
    fn step(&mut self) -> Result<(), Halt> {
        let Some(&(head, _)) = self.queue.first() else { return Ok(()) };
        let mut until = head.saturating_add(self.window);
        let mut full = false;
        let mut taken = 0;
        // Per room read: its rows up to `until`, and the time of the first row left.
        let mut rooms: Vec<(String, Vec<Row>, Option<i64>)> = Vec::new();
        {
            let read = self.messages.unchecked_transaction()?;
            // No LIMIT: the rows are stepped through lazily, up to the first one left.
            let mut select = read.prepare_cached(
                "SELECT seq, kind, target, text, deleted_at IS NOT NULL, sent_at FROM messages
                 WHERE room = ?1 AND seq > ?2 ORDER BY seq",
            )?;
            while !full && self.queue.first().is_some_and(|&(first, _)| first <= until) {
                let Some((_, room)) = self.queue.pop_first() else { break };
                self.queued.remove(&room);
                let indexed = self.shared.rooms().seq(&room);
                let mut cursor = select.query(params![room, indexed as i64])?;
                let (mut rows, mut next) = (Vec::new(), None);
                while let Some(r) = cursor.next()? {
                    let sent_at: i64 = r.get(5)?;
                    if sent_at > until || taken == BATCH_ROWS {
                        if taken == BATCH_ROWS {
                            // Full: rows after this one's time wait for the next step (in
                            // every room, so the order holds); the earliest row always goes.
                            full = true;
                            until = sent_at.max(head);
                        }
                        next = Some(sent_at);
                        break;
                    }
                    rows.push(Row {
                        seq: r.get::<_, i64>(0)?.max(0) as u64,
                        kind: r.get(1)?,
                        target: r.get(2)?,
                        text: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        deleted: r.get(4)?,
                        sent_at,
                    });
                    taken += 1;
                }
                rooms.push((room, rows, next));
            }
        }
        // The window shrinks when it held too much, and grows when it held little.
        self.window = if full {
            (self.window / 2).max(1)
        } else if taken < BATCH_ROWS / 2 {
            self.window.saturating_mul(2).min(MAX_WINDOW)
        } else {
            self.window
        };
        // Rows after a shrunk `until` go back, and rooms with rows left back into the queue.
        let mut batch: Vec<(String, Vec<Row>)> = Vec::with_capacity(rooms.len());
        for (room, mut rows, mut next) in rooms {
            let keep = rows.iter().position(|r| r.sent_at > until).unwrap_or(rows.len());
            if let Some(first_left) = rows.get(keep) {
                next = Some(first_left.sent_at);
                rows.truncate(keep);
            }
            if let Some(sent_at) = next {
                self.queue.insert((sent_at, room.clone()));
                self.queued.insert(room.clone());
            }
            if !rows.is_empty() {
                batch.push((room, rows));
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let changes = self.changes(&batch)?;
        self.apply(&batch, changes)
    }

    /// What the taken rows ask of the index: per (room index, message seq), its sent_at (for
    /// ordering new rowids) and wanted state, the last row about a message winning.
    fn changes(&self, rooms: &[(String, Vec<Row>)]) -> Result<Changes, Halt> {
        let mut current = self.messages.prepare_cached(
            "SELECT kind, text, deleted_at IS NOT NULL, sent_at FROM messages WHERE room = ?1 AND seq = ?2",
        )?;
        let mut changes = BTreeMap::new();
        let mut terms = String::new();
        let mut want = |text: &str, deleted: bool, kind: i64| {
            terms.clear();
            if kind == 0 && !deleted {
                text::index_terms(text, &mut terms);
            }
            if terms.is_empty() {
                Want::Absent
            } else {
                Want::Terms(terms.clone())
            }
        };
        for (index, (room, rows)) in rooms.iter().enumerate() {
            for row in rows {
                if self.shared.stopping() {
                    return Err(Halt::Stopped);
                }
                match (row.kind, row.target) {
                    (0, _) => {
                        changes.insert((index, row.seq), (row.sent_at, want(&row.text, row.deleted, 0)));
                    }
                    // An edit: the message row holds the text now.
                    (1, Some(target)) if target > 0 => {
                        let now: Option<(i64, String, bool, i64)> = current
                            .query_row(params![room, target], |r| {
                                Ok((
                                    r.get(0)?,
                                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                                    r.get(2)?,
                                    r.get(3)?,
                                ))
                            })
                            .optional()?;
                        let (wanted, sent_at) = match now {
                            Some((kind, text, deleted, sent_at)) => (want(&text, deleted, kind), sent_at),
                            None => (Want::Absent, row.sent_at),
                        };
                        changes.insert((index, target as u64), (sent_at, wanted));
                    }
                    (2, Some(target)) if target > 0 => {
                        changes.insert((index, target as u64), (row.sent_at, Want::Absent));
                    }
                    // Reactions, and changes without a target, leave the text alone.
                    _ => {}
                }
            }
        }
        Ok(changes)
    }

    /// Applies `changes` and the rooms' progress in one transaction.
    fn apply(&mut self, rooms: &[(String, Vec<Row>)], changes: Changes) -> Result<(), Halt> {
        let tx = self.search.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(rooms.len());
        {
            let mut find = tx.prepare_cached("SELECT id FROM rooms WHERE name = ?1")?;
            let mut add = tx.prepare_cached("INSERT INTO rooms (name) VALUES (?1)")?;
            for (room, _) in rooms {
                let id = match find.query_row([room], |r| r.get(0)).optional()? {
                    Some(id) => id,
                    None => {
                        add.execute([room])?;
                        tx.last_insert_rowid()
                    }
                };
                ids.push(id);
            }
        }
        let mut added = vec![0i64; rooms.len()];
        // FTS5 writes fastest in rowid order (a lower rowid flushes what it buffered), so the
        // FTS changes are gathered, then made in that order.
        let mut fts: Vec<FtsChange> = Vec::with_capacity(changes.len());
        let mut fresh: Vec<(i64, usize, u64, String)> = Vec::new();
        {
            let mut find = tx.prepare_cached("SELECT id FROM docs WHERE room = ?1 AND seq = ?2")?;
            let mut forget = tx.prepare_cached("DELETE FROM docs WHERE id = ?1")?;
            for ((room, seq), (sent_at, want)) in changes {
                let known: Option<i64> =
                    find.query_row(params![ids[room], seq as i64], |r| r.get(0)).optional()?;
                match (known, want) {
                    (Some(id), Want::Terms(terms)) => {
                        fts.push(FtsChange { id, room: ids[room], terms: Some(terms), indexed: true })
                    }
                    (Some(id), Want::Absent) => {
                        forget.execute([id])?;
                        fts.push(FtsChange { id, room: ids[room], terms: None, indexed: true });
                        added[room] -= 1;
                    }
                    (None, Want::Terms(terms)) => fresh.push((sent_at, room, seq, terms)),
                    (None, Want::Absent) => {}
                }
            }
        }
        // New messages get new rowids in time order.
        fresh.sort_by(|a, b| (a.0, &rooms[a.1].0, a.2).cmp(&(b.0, &rooms[b.1].0, b.2)));
        {
            let mut insert = tx.prepare_cached("INSERT INTO docs (id, room, seq) VALUES (?1, ?2, ?3)")?;
            for (_, room, seq, terms) in fresh {
                let id = self.next_rowid;
                self.next_rowid += 1;
                insert.execute(params![id, ids[room], seq as i64])?;
                fts.push(FtsChange { id, room: ids[room], terms: Some(terms), indexed: false });
                added[room] += 1;
            }
        }
        fts.sort_by_key(|change| change.id);
        {
            let mut remove = tx.prepare_cached("DELETE FROM fts WHERE rowid = ?1")?;
            let mut insert = tx.prepare_cached("INSERT INTO fts (rowid, body) VALUES (?1, ?2)")?;
            let mut body = String::new();
            for (n, change) in fts.iter().enumerate() {
                if n % 256 == 0 && self.shared.stopping() {
                    return Err(Halt::Stopped);
                }
                if change.indexed {
                    remove.execute([change.id])?;
                }
                if let Some(terms) = &change.terms {
                    body.clear();
                    body.push_str(&db::room_term(change.room));
                    body.push(' ');
                    body.push_str(terms);
                    insert.execute(params![change.id, body])?;
                }
            }
        }
        let mut progress = Vec::with_capacity(rooms.len());
        {
            let mut update = tx
                .prepare_cached("UPDATE rooms SET seq = ?2, docs = docs + ?3 WHERE id = ?1 RETURNING docs")?;
            for (index, (room, rows)) in rooms.iter().enumerate() {
                let seq = rows.last().map_or(0, |r| r.seq);
                let docs: i64 =
                    update.query_row(params![ids[index], seq as i64, added[index]], |r| r.get(0))?;
                progress.push((room, Room { id: ids[index], seq, docs }));
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('next_rowid', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [self.next_rowid],
            )?;
        }
        tx.commit()?;
        {
            let mut known = self.shared.rooms_mut();
            for (room, state) in progress {
                known.set(room, state);
            }
        }
        self.shared.committed();
        Ok(())
    }
}

/// Lowers the calling thread's CPU priority to the minimum: `SCHED_IDLE` (it runs only when
/// nothing else wants the CPU), else nice 19. For background work that must never delay
/// message delivery: the indexer, and the engine's preparing of uploaded images.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux the policy and the nice value are per thread: this lowers the caller only.
        // SAFETY: plain system calls on the calling thread; `param` lives across the call.
        let idle = unsafe {
            let param = libc::sched_param { sched_priority: 0 };
            libc::sched_setscheduler(0, libc::SCHED_IDLE, &param)
        };
        if idle == 0 {
            return;
        }
        // SAFETY: as above.
        let result = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, 19)
        };
        if result != 0 {
            let error = std::io::Error::last_os_error();
            tracing::warn!(%error, "could not lower a background thread's priority");
        }
    }
}
