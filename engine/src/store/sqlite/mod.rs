//! The embedded default store: one SQLite file in WAL mode.
//!
//! All writes go through one writer thread that commits whatever has queued up as a single
//! transaction (group commit): one fsync covers many messages, and each sender is answered
//! only after that commit. Reads use a small pool of separate connections, which WAL lets
//! run alongside the writer.
//!
//! When a batch cannot be committed (disk full, I/O error, the database locked by someone
//! else for longer than the busy timeout) its transaction is rolled back whole: every sender
//! in it gets [`StoreError::Commit`], nothing is published, no `seq` is used up, and the
//! writer goes on with the next batch. A crash (even `kill -9`) loses only uncommitted,
//! unanswered batches; seqs are read back from the database after a restart.
//!
//! Changes to messages (edits, deletions, reactions) are rows of `messages` too, with their
//! own `seq` (migration 0007 explains the columns); the writer commits them in the same
//! batches, in the order they were submitted. `rows` reads rows back as events.

mod rows;
mod uploads;
mod writer;

use super::columns::now_millis;
use super::queue::Queue;
use super::reads::{page, page_rows, Unread, UNREAD_SCAN};
use super::{OnCommit, Page, StoreError, StoredRoom, UserRecord};
use protocol::{Message, RoomInfo, RoomKind, Seq, ServerEvent};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use writer::Writer;

/// Most messages committed in one transaction.
const MAX_BATCH: usize = 1024;
/// WAL pages after which a commit checkpoints them into the database (SQLite's default is
/// 1,000). Each of a busy room's pages is rewritten by nearly every commit; copied back less
/// often, each is copied once for several commits (d: +8% durable messages/s, three
/// alternating pairs). The WAL stays near 32 MB at most.
const WAL_CHECKPOINT_PAGES: u32 = 8000;
/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 8;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/sqlite/0001_messages.sql")),
        M::up(include_str!("../../../migrations/sqlite/0002_rooms.sql")),
        M::up_with_hook(include_str!("../../../migrations/sqlite/0003_mood.sql"), score_existing_messages),
        M::up(include_str!("../../../migrations/sqlite/0004_users.sql")),
        M::up(include_str!("../../../migrations/sqlite/0005_private_rooms.sql")),
        M::up_with_hook(
            include_str!("../../../migrations/sqlite/0006_mood_lang.sql"),
            rescore_existing_messages,
        ),
        M::up(include_str!("../../../migrations/sqlite/0007_changes.sql")),
        M::up(include_str!("../../../migrations/sqlite/0008_files.sql")),
    ])
}

/// Gives messages stored before moods existed their score.
fn score_existing_messages(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let mut read = tx.prepare("SELECT room, seq, text FROM messages")?;
    let mut write = tx.prepare("UPDATE messages SET mood = ?3 WHERE room = ?1 AND seq = ?2")?;
    let rows =
        read.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (room, seq, text) = row?;
        write.execute(params![room, seq, crate::mood::score(&text)])?;
    }
    Ok(())
}

/// Gives messages stored before languages existed their language, and rescores their mood
/// in it.
fn rescore_existing_messages(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let mut read = tx.prepare("SELECT room, seq, text FROM messages")?;
    let mut write = tx.prepare("UPDATE messages SET mood = ?3, lang = ?4 WHERE room = ?1 AND seq = ?2")?;
    let rows =
        read.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (room, seq, text) = row?;
        let mood = crate::mood::analyze(&text);
        write.execute(params![room, seq, mood.score, mood.lang.map(|l| l.code())])?;
    }
    Ok(())
}

pub struct SqliteStore {
    writer: Queue,
    readers: Arc<ReaderPool>,
}

impl SqliteStore {
    /// Opens (creating if needed) `natter.db` in `data_dir` and applies pending migrations.
    pub fn open(data_dir: &Path, on_commit: OnCommit) -> Result<Self, StoreError> {
        Self::open_file(&data_dir.join("natter.db"), on_commit)
    }

    /// Opens (creating if needed) the database file `path` and applies pending migrations.
    pub fn open_file(path: &Path, on_commit: OnCommit) -> Result<Self, StoreError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
        let path = path.to_path_buf();
        let mut conn = open_connection(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        // A deleted message's text is overwritten in its page, not only unlinked (FAST: without
        // extra I/O; the WAL keeps older page images until its next checkpoint).
        conn.pragma_update(None, "secure_delete", "FAST")?;
        migrations().to_latest(&mut conn)?;
        let (writer, requests) = Queue::new(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("natter-sqlite-writer".into())
            .spawn(move || Writer::new(conn, on_commit).run(requests))
            .map_err(|source| StoreError::DataDir { path: path.display().to_string(), source })?;
        Ok(SqliteStore { writer, readers: Arc::new(ReaderPool { path, idle: Mutex::default() }) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.readers.path
    }

    /// Whether the database can be read (`SELECT 1` on a read connection).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.readers.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?)).await
    }

    /// The queue to the writer: messages, changes and room creations go through it (see
    /// [`Store::submit`](crate::store::Store::submit)).
    pub(super) fn writer(&self) -> &Queue {
        &self.writer
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        self.readers.read(move |conn| Ok(query_user(conn, "id = ?1", id)?)).await
    }

    pub async fn user_by_key(&self, nickname_key: &str) -> Result<Option<UserRecord>, StoreError> {
        let key = nickname_key.to_owned();
        self.readers.read(move |conn| Ok(query_user(conn, "nickname_key = ?1", key)?)).await
    }

    // People are created rarely and alone, so they skip the message writer's batches; WAL
    // and the busy timeout let this connection take its turn.
    pub async fn create_user(
        &self,
        nickname: &str,
        nickname_key: &str,
        password_hash: Option<String>,
    ) -> Result<UserRecord, StoreError> {
        let (nickname, key) = (nickname.to_owned(), nickname_key.to_owned());
        self.readers
            .read(move |conn| {
                let inserted = conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO users (nickname, nickname_key, password_hash, created_at)
                         VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![nickname, key, password_hash, now_millis()])?;
                if inserted == 0 {
                    return Err(StoreError::NicknameTaken);
                }
                Ok(UserRecord { id: conn.last_insert_rowid(), nickname, nickname_key: key, password_hash })
            })
            .await
    }

    pub async fn set_password_hash(&self, id: i64, password_hash: String) -> Result<(), StoreError> {
        self.readers
            .read(move |conn| {
                conn.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
                    .execute(params![id, password_hash])?;
                Ok(())
            })
            .await
    }

    // Memberships change rarely and alone, like people.
    pub async fn add_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let added = conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO room_members (room, user_id, added_at) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![room, user, now_millis()])?;
                Ok(added > 0)
            })
            .await
    }

    pub async fn remove_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let removed = conn
                    .prepare_cached("DELETE FROM room_members WHERE room = ?1 AND user_id = ?2")?
                    .execute(params![room, user])?;
                Ok(removed > 0)
            })
            .await
    }

    pub async fn rooms(&self) -> Result<Vec<StoredRoom>, StoreError> {
        self.readers.read(|conn| Ok(read_rooms(conn, None)?)).await
    }

    pub async fn latest(
        &self,
        room: &str,
        before: Option<Seq>,
        until: Option<Seq>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                // One snapshot: the page and the room's last seq agree.
                let tx = conn.unchecked_transaction()?;
                let before = before.map_or(i64::MAX, |b| b as i64);
                let most = page_rows(until, limit);
                let found = {
                    // One extra row tells whether older messages exist.
                    let mut stmt = tx.prepare_cached(&format!(
                        "{} WHERE m.room = ?1 AND m.seq < ?2 AND m.kind = 0 ORDER BY m.seq DESC LIMIT ?3",
                        rows::SELECT
                    ))?;
                    let found = stmt.query_map(params![room, before, most as i64 + 1], rows::message)?;
                    found.collect::<Result<Vec<_>, _>>()?
                };
                let (mut messages, has_more) = page(found, until, limit);
                rows::attach_reactions(&tx, &room, &mut messages)?;
                let last = rows::last_seq(&tx, &room)?;
                tx.finish()?;
                Ok(Page { messages, has_more, last })
            })
            .await
    }

    pub async fn after(&self, room: &str, after: Seq, limit: usize) -> Result<Vec<ServerEvent>, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let mut events = {
                    let mut stmt = tx.prepare_cached(&format!(
                        "{} WHERE m.room = ?1 AND m.seq > ?2 ORDER BY m.seq ASC LIMIT ?3",
                        rows::SELECT
                    ))?;
                    let found = stmt.query_map(params![room, after as i64, limit as i64], rows::event)?;
                    found.collect::<Result<Vec<_>, _>>()?
                };
                rows::attach_reactions_to_events(&tx, &room, &mut events)?;
                tx.finish()?;
                Ok(events)
            })
            .await
    }

    pub async fn messages(&self, room: &str, seqs: Vec<Seq>) -> Result<Vec<Message>, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let mut found = Vec::with_capacity(seqs.len());
                {
                    let mut stmt = conn.prepare_cached(&format!(
                        "{} WHERE m.room = ?1 AND m.seq = ?2 AND m.kind = 0 AND m.deleted_at IS NULL",
                        rows::SELECT
                    ))?;
                    for seq in seqs {
                        found.extend(stmt.query_row(params![room, seq as i64], rows::message).optional()?);
                    }
                }
                found.sort_by_key(|m| m.seq);
                found.dedup_by_key(|m| m.seq);
                for message in &mut found {
                    rows::attach_reactions(conn, &room, std::slice::from_mut(message))?;
                }
                Ok(found)
            })
            .await
    }

    // Read positions move rarely per person and alone, like people.
    pub async fn set_read(&self, user: i64, room: &str, seq: Seq) -> Result<bool, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let moved = conn
                    .prepare_cached(
                        "INSERT INTO read_positions (user_id, room, seq) VALUES (?1, ?2, ?3)
                         ON CONFLICT (user_id, room) DO UPDATE SET seq = excluded.seq
                         WHERE excluded.seq > read_positions.seq",
                    )?
                    .execute(params![user, room, seq as i64])?;
                Ok(moved > 0)
            })
            .await
    }

    pub async fn unread(&self, user: i64, nickname: &str) -> Result<Vec<protocol::Unread>, StoreError> {
        let me = protocol::nickname_key(nickname);
        self.readers
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let positions = tx
                    .prepare_cached("SELECT room, seq FROM read_positions WHERE user_id = ?1 ORDER BY room")?
                    .query_map([user], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                let mut counts = Vec::with_capacity(positions.len());
                {
                    let mut after = tx.prepare_cached(
                        "SELECT author, mentions, mentions_room FROM messages
                         WHERE room = ?1 AND seq > ?2 AND kind = 0 AND deleted_at IS NULL
                         ORDER BY seq LIMIT ?3",
                    )?;
                    for (room, read) in positions {
                        let mut unread = Unread::default();
                        let found = after.query_map(params![room, read, UNREAD_SCAN], |r| {
                            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, bool>(2)?))
                        })?;
                        for row in found {
                            let (author, named, everyone) = row?;
                            unread.count(&me, &author, named, everyone);
                        }
                        let last = rows::last_seq(&tx, &room)?;
                        counts.push(unread.of(room, read as Seq, last));
                    }
                }
                tx.finish()?;
                Ok(counts)
            })
            .await
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // The bundled SQLite plans with STAT4, which otherwise re-prepares a statement whenever a
    // bound value might change its plan (every history read, every catch-up).
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // FULL: a commit is on disk before `append` returns, so an ack survives a power cut too.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

fn query_user(
    conn: &Connection,
    condition: &str,
    value: impl rusqlite::ToSql,
) -> rusqlite::Result<Option<UserRecord>> {
    conn.prepare_cached(&format!(
        "SELECT id, nickname, nickname_key, password_hash FROM users WHERE {condition}"
    ))?
    .query_row([value], |r| {
        Ok(UserRecord {
            id: r.get(0)?,
            nickname: r.get(1)?,
            nickname_key: r.get(2)?,
            password_hash: r.get(3)?,
        })
    })
    .optional()
}

/// Every room (or the one called `only`), sorted by name, with owner and members.
fn read_rooms(conn: &Connection, only: Option<&str>) -> rusqlite::Result<Vec<StoredRoom>> {
    let mut rooms = conn
        .prepare_cached(
            "SELECT r.name, r.created_at, r.kind, r.owner, u.nickname FROM rooms r
             LEFT JOIN users u ON u.id = r.owner
             WHERE ?1 IS NULL OR r.name = ?1 ORDER BY r.name",
        )?
        .query_map([only], |r| {
            let kind = match r.get::<_, String>(2)?.as_str() {
                "private" => RoomKind::Private,
                "direct" => RoomKind::Direct,
                _ => RoomKind::Public,
            };
            let info =
                RoomInfo { kind, owner: r.get(4)?, ..RoomInfo::public(r.get::<_, String>(0)?, r.get(1)?) };
            Ok(StoredRoom { info, owner: r.get(3)?, members: Vec::new() })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut members = conn.prepare_cached(
        "SELECT m.room, m.user_id, u.nickname FROM room_members m JOIN users u ON u.id = m.user_id
         WHERE ?1 IS NULL OR m.room = ?1 ORDER BY m.room, u.nickname_key",
    )?;
    let mut by_room: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for row in members.query_map([only], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))? {
        let (room, id, nickname) = row?;
        by_room.entry(room).or_default().push((id, nickname));
    }
    for room in &mut rooms {
        room.members = by_room.remove(&room.info.name).unwrap_or_default();
        room.info.members = room.members.iter().map(|(_, nickname)| nickname.clone()).collect();
    }
    Ok(rooms)
}

/// Connections for reads (and the rare writes outside the message batches), opened on
/// demand and kept for reuse; queries run on tokio's blocking pool.
struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    async fn read<T, F>(self: &Arc<Self>, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let conn = match idle {
                Some(conn) => conn,
                None => open_connection(&pool.path)?,
            };
            let result = query(&conn);
            let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }
}

#[cfg(test)]
mod tests;
