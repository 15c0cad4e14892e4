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

use super::{Appended, NewMessage, NewRoom, OnCommit, Page, StoreError, StoredRoom, UserRecord};
use protocol::{Message, RoomInfo, RoomKind, Seq};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

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
        M::up(include_str!("../../migrations/sqlite/0001_messages.sql")),
        M::up(include_str!("../../migrations/sqlite/0002_rooms.sql")),
        M::up_with_hook(include_str!("../../migrations/sqlite/0003_mood.sql"), score_existing_messages),
        M::up(include_str!("../../migrations/sqlite/0004_users.sql")),
        M::up(include_str!("../../migrations/sqlite/0005_private_rooms.sql")),
        M::up_with_hook(
            include_str!("../../migrations/sqlite/0006_mood_lang.sql"),
            rescore_existing_messages,
        ),
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

enum WriteRequest {
    Append { message: NewMessage, reply: oneshot::Sender<Result<Appended, StoreError>> },
    CreateRoom { room: NewRoom, reply: oneshot::Sender<Result<StoredRoom, StoreError>> },
}

pub struct SqliteStore {
    writer: mpsc::Sender<WriteRequest>,
    readers: Arc<ReaderPool>,
}

impl SqliteStore {
    /// Opens (creating if needed) `natter.db` in `data_dir` and applies pending migrations.
    pub fn open(data_dir: &Path, on_commit: OnCommit) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::DataDir { path: data_dir.display().to_string(), source })?;
        let path = data_dir.join("natter.db");
        let mut conn = open_connection(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        migrations().to_latest(&mut conn)?;
        let (writer, requests) = mpsc::channel(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("natter-sqlite-writer".into())
            .spawn(move || Writer { conn, next_seq: HashMap::new(), on_commit }.run(requests))
            .map_err(|source| StoreError::DataDir { path: path.display().to_string(), source })?;
        Ok(SqliteStore { writer, readers: Arc::new(ReaderPool { path, idle: Mutex::default() }) })
    }

    pub async fn append(&self, message: NewMessage) -> Result<Appended, StoreError> {
        self.submit(message).await?.await
    }

    /// Queues a message for the writer and returns what resolves once it is committed.
    /// Messages submitted one after another are committed in that order.
    pub async fn submit(
        &self,
        message: NewMessage,
    ) -> Result<impl std::future::Future<Output = Result<Appended, StoreError>> + use<>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer.send(WriteRequest::Append { message, reply }).await.map_err(|_| StoreError::Closed)?;
        Ok(async move { answer.await.map_err(|_| StoreError::Closed)? })
    }

    pub async fn create_room(&self, room: NewRoom) -> Result<StoredRoom, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer.send(WriteRequest::CreateRoom { room, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
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

    pub async fn latest(&self, room: &str, before: Option<Seq>, limit: usize) -> Result<Page, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let before = before.map_or(i64::MAX, |b| b as i64);
                // One extra row tells whether older messages exist.
                let mut stmt = conn.prepare_cached(
                    "SELECT room, seq, client_id, author, text, sent_at, mood, lang FROM messages
                     WHERE room = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
                )?;
                let mut messages = stmt
                    .query_map(params![room, before, limit as i64 + 1], row_to_message)?
                    .collect::<Result<Vec<_>, _>>()?;
                let has_more = messages.len() > limit;
                messages.truncate(limit);
                messages.reverse();
                Ok(Page { messages, has_more })
            })
            .await
    }

    pub async fn after(&self, room: &str, after: Seq, limit: usize) -> Result<Vec<Message>, StoreError> {
        let room = room.to_owned();
        self.readers
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT room, seq, client_id, author, text, sent_at, mood, lang FROM messages
                     WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![room, after as i64, limit as i64], row_to_message)?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
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

fn row_to_message(row: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        room: row.get(0)?,
        seq: row.get::<_, i64>(1)? as Seq,
        client_id: row.get(2)?,
        author: row.get(3)?,
        text: row.get(4)?,
        sent_at: row.get(5)?,
        mood: row.get::<_, f64>(6)? as f32,
        lang: row.get(7)?,
    })
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

struct AppendRequest {
    message: NewMessage,
    reply: oneshot::Sender<Result<Appended, StoreError>>,
}

/// Owns the only writing connection; see the module comment.
struct Writer {
    conn: Connection,
    /// Last `seq` per room, loaded on first use and advanced as a batch is written; forgotten
    /// whole when a batch fails to commit.
    next_seq: HashMap<String, Seq>,
    on_commit: OnCommit,
}

impl Writer {
    fn run(mut self, mut requests: mpsc::Receiver<WriteRequest>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = requests.blocking_recv() {
            let mut next = Some(first);
            // Gather appends until the queue is empty, the batch is full, or a room creation
            // comes up (rare; it gets a transaction of its own, after the appends before it).
            while let Some(request) = next.take() {
                match request {
                    WriteRequest::Append { message, reply } => batch.push(AppendRequest { message, reply }),
                    WriteRequest::CreateRoom { room, reply } => {
                        self.commit_batch(&mut batch);
                        let _ = reply.send(self.create_room(room));
                    }
                }
                if batch.len() < MAX_BATCH {
                    next = requests.try_recv().ok();
                }
            }
            self.commit_batch(&mut batch);
        }
    }

    fn create_room(&mut self, room: NewRoom) -> Result<StoredRoom, StoreError> {
        let kind = match room.kind {
            RoomKind::Public => "public",
            RoomKind::Private => "private",
            RoomKind::Direct => "direct",
        };
        let tx = self.conn.transaction()?;
        let now = now_millis();
        let inserted = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO rooms (name, created_at, kind, owner) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![room.name, now, kind, room.owner])?;
        if inserted == 0 {
            return Err(StoreError::RoomExists);
        }
        for member in &room.members {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO room_members (room, user_id, added_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![room.name, member, now])?;
        }
        let stored = read_rooms(&tx, Some(&room.name))?.pop().ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        tx.commit()?;
        Ok(stored)
    }

    fn commit_batch(&mut self, batch: &mut Vec<AppendRequest>) {
        if batch.is_empty() {
            return;
        }
        let (messages, replies): (Vec<_>, Vec<_>) = batch.drain(..).map(|r| (r.message, r.reply)).unzip();
        let count = messages.len();
        match self.write(messages) {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    if let Ok(Appended::New(message)) = &result {
                        (self.on_commit)(message);
                    }
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                tracing::error!(%error, messages = count, "could not commit messages");
                // Seqs handed out in the rolled back transaction were never used, and whether
                // anything reached the disk is unknown (an fsync can fail after the write):
                // read every room's last seq afresh rather than trust the cache.
                self.next_seq.clear();
                let reason = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Commit(reason.clone())));
                }
            }
        }
    }

    /// Writes the batch in one transaction. The outer error fails the whole batch (the
    /// caller then forgets `next_seq`); an inner error refuses one message only.
    fn write(&mut self, batch: Vec<NewMessage>) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        {
            // The unique index on (room, client_id) finds resends: a conflicting insert does
            // nothing, and only then is the earlier message read (from this transaction too,
            // for a resend within one batch).
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood, lang)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (room, client_id) DO NOTHING",
            )?;
            let mut find = tx.prepare_cached(
                "SELECT room, seq, client_id, author, text, sent_at, mood, lang FROM messages
                 WHERE room = ?1 AND client_id = ?2",
            )?;
            let mut last = tx.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1")?;
            for new in batch {
                let seq = match self.next_seq.get(&new.room) {
                    Some(seq) => seq + 1,
                    None => last.query_row(params![new.room], |r| r.get::<_, i64>(0))? as Seq + 1,
                };
                let sent_at = now_millis();
                let inserted = insert.execute(params![
                    new.room,
                    seq as i64,
                    new.client_id,
                    new.author,
                    new.text,
                    sent_at,
                    new.mood as f64,
                    new.lang
                ])?;
                if inserted == 0 {
                    let earlier = find.query_row(params![new.room, new.client_id], row_to_message)?;
                    results.push(if earlier.author == new.author {
                        Ok(Appended::Duplicate(earlier))
                    } else {
                        Err(StoreError::ClientIdTaken)
                    });
                    continue;
                }
                match self.next_seq.get_mut(&new.room) {
                    Some(last) => *last = seq,
                    None => {
                        self.next_seq.insert(new.room.clone(), seq);
                    }
                }
                let NewMessage { room, client_id, author, text, mood, lang } = new;
                results.push(Ok(Appended::New(Message {
                    room,
                    seq,
                    client_id,
                    author,
                    text,
                    sent_at,
                    mood,
                    lang,
                })));
            }
        }
        tx.commit()?;
        Ok(results)
    }
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
mod tests {
    use super::*;

    fn new(room: &str, client_id: &str, author: &str, text: &str) -> NewMessage {
        NewMessage {
            room: room.into(),
            client_id: client_id.into(),
            author: author.into(),
            text: text.into(),
            mood: 0.0,
            lang: None,
        }
    }

    fn open(dir: &Path) -> SqliteStore {
        SqliteStore::open(dir, Box::new(|_| {})).unwrap()
    }

    #[tokio::test]
    async fn seqs_are_per_room_and_dense() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        for i in 1..=3u64 {
            let a = store.append(new("a", &format!("a{i}"), "ann", "hi")).await.unwrap();
            assert_eq!(a, Appended::New(a.message().clone()));
            assert_eq!(a.message().seq, i);
        }
        let b = store.append(new("b", "b1", "bob", "yo")).await.unwrap();
        assert_eq!(b.message().seq, 1);
    }

    #[tokio::test]
    async fn a_resend_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let first = store.append(new("a", "same", "ann", "hi")).await.unwrap();
        let again = store.append(new("a", "same", "ann", "hi")).await.unwrap();
        assert_eq!(again, Appended::Duplicate(first.message().clone()));
        assert!(matches!(store.append(new("a", "same", "eve", "x")).await, Err(StoreError::ClientIdTaken)));
        assert_eq!(store.after("a", 0, 10).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn resends_within_one_batch_are_stored_once_and_seqs_stay_dense() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        // Submitted back to back, these are committed together in one transaction.
        let mut pending = Vec::new();
        for (client_id, author) in [("x", "ann"), ("y", "ann"), ("x", "ann"), ("x", "eve"), ("z", "bob")] {
            pending.push(store.submit(new("a", client_id, author, "hi")).await.unwrap());
        }
        let mut results = Vec::new();
        for answer in pending {
            results.push(answer.await);
        }
        let seqs: Vec<_> = results.iter().map(|r| r.as_ref().ok().map(|a| a.message().seq)).collect();
        assert_eq!(seqs, [Some(1), Some(2), Some(1), None, Some(3)]);
        assert!(matches!(results[2], Ok(Appended::Duplicate(_))));
        assert!(matches!(results[3], Err(StoreError::ClientIdTaken)));
        let stored: Vec<_> =
            store.after("a", 0, 10).await.unwrap().into_iter().map(|m| m.client_id).collect();
        assert_eq!(stored, ["x", "y", "z"]);
    }

    #[tokio::test]
    async fn checkpoints_keep_the_wal_bounded_under_steady_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let text = "x".repeat(2000);
        // About 120 MB of messages in many commits: the automatic checkpoints (every
        // `WAL_CHECKPOINT_PAGES`) must keep the WAL near that size, not let it grow with the
        // history.
        for round in 0..600 {
            let mut pending = Vec::new();
            for i in 0..100 {
                let message = new(&format!("r{}", i % 10), &format!("{round}-{i}"), "ann", &text);
                pending.push(store.submit(message).await.unwrap());
            }
            for answer in pending {
                answer.await.unwrap();
            }
        }
        let wal = std::fs::metadata(dir.path().join("natter.db-wal")).unwrap().len();
        let limit = WAL_CHECKPOINT_PAGES as u64 * 4096 + (8 << 20);
        assert!(wal < limit, "WAL is {wal} bytes, over {limit}");
    }

    #[tokio::test]
    async fn concurrent_appends_get_distinct_dense_seqs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(open(dir.path()));
        let mut tasks = Vec::new();
        for i in 0..200 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                // Every tenth is a resend of the one before.
                let id = if i % 10 == 9 { i - 1 } else { i };
                store.append(new("r", &format!("c{id}"), "ann", "x")).await.unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let all = store.after("r", 0, 1000).await.unwrap();
        assert_eq!(all.len(), 180);
        assert!(all.iter().enumerate().all(|(i, m)| m.seq == i as u64 + 1));
    }

    #[tokio::test]
    async fn history_pages_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            for i in 0..120 {
                store.append(new("a", &format!("c{i}"), "ann", &format!("m{i}"))).await.unwrap();
            }
        }
        let store = open(dir.path());
        let page = store.latest("a", None, 50).await.unwrap();
        assert_eq!(page.messages.len(), 50);
        assert!(page.has_more);
        assert_eq!(page.messages.first().unwrap().seq, 71);
        assert_eq!(page.messages.last().unwrap().text, "m119");
        let older = store.latest("a", Some(71), 50).await.unwrap();
        assert_eq!(older.messages.last().unwrap().seq, 70);
        let oldest = store.latest("a", Some(21), 50).await.unwrap();
        assert_eq!(oldest.messages.len(), 20);
        assert!(!oldest.has_more);
        // Appending continues the sequence after a reopen.
        let next = store.append(new("a", "new", "ann", "x")).await.unwrap();
        assert_eq!(next.message().seq, 121);
    }

    #[tokio::test]
    async fn moods_are_stored_and_old_messages_get_scored_by_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            store.append(NewMessage { mood: 0.8, ..new("a", "c1", "ann", "hi") }).await.unwrap();
        }
        assert_eq!(open(dir.path()).latest("a", None, 5).await.unwrap().messages[0].mood, 0.8);

        // A database from before moods: roll the schema back to version 2 and reopen.
        let old = tempfile::tempdir().unwrap();
        {
            let mut conn = open_connection(&old.path().join("natter.db")).unwrap();
            migrations().to_version(&mut conn, 2).unwrap();
            conn.execute(
                "INSERT INTO messages (room, seq, client_id, author, text, sent_at) VALUES
                 ('general', 1, 'c1', 'ann', 'I love this, it is wonderful!', 0),
                 ('general', 2, 'c2', 'ann', 'This is awful and I hate it.', 0)",
                [],
            )
            .unwrap();
        }
        let moods: Vec<f32> = open(old.path())
            .latest("general", None, 5)
            .await
            .unwrap()
            .messages
            .iter()
            .map(|m| m.mood)
            .collect();
        assert!(moods[0] > 0.5 && moods[1] < -0.5, "{moods:?}");
    }

    #[tokio::test]
    async fn languages_are_stored_and_old_messages_get_theirs_from_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            store
                .append(NewMessage { lang: Some("pt".into()), ..new("a", "c1", "ann", "oi") })
                .await
                .unwrap();
            store.append(new("a", "c2", "ann", "👍")).await.unwrap();
        }
        let page = open(dir.path()).latest("a", None, 5).await.unwrap();
        assert_eq!(page.messages.iter().map(|m| m.lang.as_deref()).collect::<Vec<_>>(), [Some("pt"), None]);

        // A database from before languages: roll the schema back to version 5 and reopen.
        let old = tempfile::tempdir().unwrap();
        {
            let mut conn = open_connection(&old.path().join("natter.db")).unwrap();
            migrations().to_version(&mut conn, 5).unwrap();
            conn.execute(
                "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood) VALUES
                 ('general', 1, 'c1', 'ann', 'Ужасно устала, всё бесит', 0, 0),
                 ('general', 2, 'c2', 'ann', '太棒了，谢谢你！', 0, 0),
                 ('general', 3, 'c3', 'ann', '🎉', 0, 0)",
                [],
            )
            .unwrap();
        }
        let messages = open(old.path()).latest("general", None, 5).await.unwrap().messages;
        let got: Vec<_> = messages.iter().map(|m| (m.lang.as_deref(), m.mood.signum())).collect();
        assert_eq!(got, [(Some("ru"), -1.0), (Some("zh"), 1.0), (None, 1.0)]);
    }

    #[tokio::test]
    async fn rooms_are_created_once_and_general_exists() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        assert_eq!(
            store.rooms().await.unwrap().iter().map(|r| r.info.name.as_str()).collect::<Vec<_>>(),
            ["general"]
        );
        store.create_room(public("rust")).await.unwrap();
        assert!(matches!(store.create_room(public("rust")).await, Err(StoreError::RoomExists)));
        assert!(matches!(store.create_room(public("general")).await, Err(StoreError::RoomExists)));
        drop(store);
        let store = open(dir.path());
        let names: Vec<_> = store.rooms().await.unwrap().into_iter().map(|r| r.info.name).collect();
        assert_eq!(names, ["general", "rust"]);
    }

    fn public(name: &str) -> NewRoom {
        NewRoom { name: name.into(), kind: RoomKind::Public, owner: None, members: Vec::new() }
    }

    #[tokio::test]
    async fn private_rooms_keep_their_owner_and_members_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let ann = store.create_user("Ann", "ann", None).await.unwrap().id;
        let bob = store.create_user("Bob", "bob", None).await.unwrap().id;
        let carol = store.create_user("Carol", "carol", None).await.unwrap().id;
        let room =
            NewRoom { name: "secret".into(), kind: RoomKind::Private, owner: Some(ann), members: vec![ann] };
        let created = store.create_room(room).await.unwrap();
        assert_eq!(created.info.owner.as_deref(), Some("Ann"));
        assert_eq!(created.members, [(ann, "Ann".to_owned())]);
        assert!(store.add_member("secret", bob).await.unwrap());
        assert!(!store.add_member("secret", bob).await.unwrap());
        assert!(store.add_member("secret", carol).await.unwrap());
        assert!(store.remove_member("secret", carol).await.unwrap());
        assert!(!store.remove_member("secret", carol).await.unwrap());
        drop(store);
        let store = open(dir.path());
        let secret = store.rooms().await.unwrap().into_iter().find(|r| r.info.name == "secret").unwrap();
        assert_eq!(secret.info.kind, RoomKind::Private);
        assert_eq!(secret.owner, Some(ann));
        assert_eq!(secret.members, [(ann, "Ann".to_owned()), (bob, "Bob".to_owned())]);
        assert_eq!(secret.info.members, ["Ann", "Bob"]);
    }

    #[tokio::test]
    async fn a_failed_batch_stores_nothing_takes_no_seq_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let committed = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&committed);
        let store = Arc::new(
            SqliteStore::open(dir.path(), Box::new(move |m| sink.lock().unwrap().push(m.seq))).unwrap(),
        );
        for i in 1..=3 {
            store.append(new("a", &format!("ok{i}"), "ann", "x")).await.unwrap();
        }
        // The disk "fills up" at seq 6: a transaction writing it fails as a whole, the rows
        // before it in the same batch included (as SQLITE_FULL part-way through would).
        let other = open_connection(&dir.path().join("natter.db")).unwrap();
        other
            .execute_batch(
                "CREATE TRIGGER disk_full BEFORE INSERT ON messages WHEN NEW.seq >= 6
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        let append_all = |ids: Vec<String>| {
            let tasks: Vec<_> = ids
                .into_iter()
                .map(|id| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move { (id.clone(), store.append(new("a", &id, "ann", "x")).await) })
                })
                .collect();
            futures::future::join_all(tasks)
        };
        let mut stored = Vec::new();
        let mut failed = Vec::new();
        for result in append_all((0..20).map(|i| format!("f{i}")).collect()).await {
            match result.unwrap() {
                (_, Ok(Appended::New(m))) => stored.push(m.seq),
                (id, Err(StoreError::Commit(reason))) => {
                    assert!(reason.contains("disk full"), "{reason}");
                    failed.push(id);
                }
                (id, other) => panic!("{id}: {other:?}"),
            }
        }
        stored.sort();
        // At most seqs 4 and 5 made it; nothing of a failed batch is stored or published.
        assert_eq!(stored, (4..4 + stored.len() as u64).collect::<Vec<_>>());
        assert!(stored.len() <= 2 && failed.len() >= 18, "{stored:?}");
        let last = 3 + stored.len() as u64;
        assert_eq!(store.after("a", 0, 100).await.unwrap().len() as u64, last);
        assert_eq!(*committed.lock().unwrap(), (1..=last).collect::<Vec<_>>());

        // Space again: the same writer stores the retries with the very next seqs.
        other.execute_batch("DROP TRIGGER disk_full").unwrap();
        for result in append_all(failed.clone()).await {
            assert!(matches!(result.unwrap(), (_, Ok(Appended::New(_)))));
        }
        let all = store.after("a", 0, 100).await.unwrap();
        assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=23).collect::<Vec<_>>());
        assert_eq!(*committed.lock().unwrap(), (1..=23).collect::<Vec<_>>());
        let ids: std::collections::HashSet<_> = all.iter().map(|m| m.client_id.as_str()).collect();
        assert_eq!(ids.len(), 23);
    }

    #[tokio::test]
    async fn on_commit_sees_messages_in_seq_order() {
        let dir = tempfile::tempdir().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let store = Arc::new(
            SqliteStore::open(dir.path(), Box::new(move |m| sink.lock().unwrap().push(m.seq))).unwrap(),
        );
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { store.append(new("a", &format!("c{i}"), "ann", "x")).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(*seen.lock().unwrap(), (1..=50).collect::<Vec<_>>());
    }
}
