//! The store on a PostgreSQL server, which several Natter nodes can share.
//!
//! **Writes.** Messages and changes to them go through one writer task per node
//! ([`writer`]), on a connection of its own (not from the pool). Like SQLite's writer it
//! gathers whatever has queued up (at most [`MAX_BATCH`]) and commits it as one transaction,
//! answering each sender only after `COMMIT`, then calls `on_commit` for each new event in
//! `seq` order. Room creations go through it too, in their own transactions, in order with
//! the writes around them.
//!
//! **Seqs.** Other nodes write the same rooms, so no seq is ever kept between transactions:
//! `rooms.last_seq` holds each room's latest seq, and a batch starts by locking the rows of
//! the rooms it touches, in name order (`SELECT … ORDER BY name FOR NO KEY UPDATE`, so two
//! nodes' batches never wait for each other in a cycle). It gives its events the seqs after
//! those, writes `last_seq` back and commits; a node waiting for the lock then reads the new
//! `last_seq`. Seqs stay dense (1, 2, 3, … per room, messages and changes alike) however
//! many nodes write. A resend is found by `UNIQUE (room, client_id)` whichever node stored
//! the first copy: the insert does nothing and the earlier row is read back (it is
//! committed, since its writer held the room's lock until its commit). An upload attached
//! to a message is locked too (`FOR UPDATE`), so two nodes cannot both send it. An event for
//! a room that has no `rooms` row is refused ([`StoreError::UnknownRoom`]): there is no
//! sequence to give it a seq from. `on_commit` hears of this node's events only; the other
//! nodes' reach it otherwise (or are read from the store when a feed sees a gap).
//!
//! **Faults.** A batch that cannot be committed (an error in any statement, the connection
//! lost, PostgreSQL down, no answer within [`BATCH_TIMEOUT`]) is rolled back whole: each of
//! its senders gets [`StoreError::Commit`], nothing is published, no seq is used. When the
//! connection was lost the writer drops it and connects again for the next batch, so writes
//! succeed again as soon as the server is back. Reads, people, memberships and uploads use a
//! pool of connections ([`deadpool_postgres`]); a connection found closed is replaced. Open
//! fails when the server cannot be reached.
//!
//! **Schema.** `engine/migrations/postgres/*.sql`, applied by [`migrate`] at open: each in
//! its own transaction holding `pg_advisory_xact_lock(MIGRATION_LOCK)` and recorded in
//! `natter_migrations`, so nodes starting together apply each migration once, and opening an
//! up-to-date database changes nothing. Needs the `pg_trgm` extension (migration 0001
//! creates it).
//!
//! **Search.** [`PgStore::search`] matches each word of a query as a case-insensitive
//! substring (`ILIKE`, with a `pg_trgm` GIN index on the text), newest first by
//! `messages.id`; there is no separate index to keep up to date.

mod cluster;
mod migrate;
mod reads;
mod rows;
mod testing;
mod tls;
mod uploads;
mod writer;

pub use cluster::Held;
pub use testing::{test_database, TestDatabase};

use super::queue::Queue;
use super::{OnCommit, StoreError, StoredRoom, UserRecord};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;
use writer::Writer;

/// Most events committed in one transaction.
const MAX_BATCH: usize = 1024;
/// Longest a batch may take, connecting included, before it is given up as failed.
const BATCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Connecting to the server, when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Most pooled connections (reads and rare writes) per node.
const POOL_SIZE: usize = 16;
/// Longest a read waits for a pooled connection.
const POOL_WAIT: Duration = Duration::from_secs(10);

pub struct PgStore {
    writer: Queue,
    pool: Pool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or
    /// libpq's `key=value` form), applies pending migrations and starts the writer task.
    /// Must be called within a tokio runtime.
    pub async fn open(url: &str, on_commit: OnCommit) -> Result<PgStore, StoreError> {
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|error| StoreError::Postgres(format!("invalid PostgreSQL URL: {error}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("natter");
        }
        // A peer that vanished (not a closed socket) is noticed within about a minute.
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        let tls = tls::connector()?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|error| StoreError::Postgres(format!("cannot make the connection pool: {error}")))?;
        {
            let mut conn = pool.get().await.map_err(pool_error)?;
            migrate::migrate(&mut conn).await?;
            warn_of_a_bare_locale(&conn).await;
        }
        let mut writer_config = config;
        let name = writer_config.get_application_name().unwrap_or("natter").to_owned();
        writer_config.application_name(format!("{name}-writer"));
        let writer = Writer::connect(writer_config, tls, on_commit).await?;
        let (sender, requests) = Queue::new(4 * MAX_BATCH);
        tokio::spawn(writer.run(requests));
        Ok(PgStore { writer: sender, pool })
    }

    /// Whether the server answers (`SELECT 1` on a pooled connection).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.simple_query("SELECT 1").await.map_err(pg_error)?;
        Ok(())
    }

    /// The queue to the writer: messages, changes and room creations go through it (see
    /// [`Store::submit`](crate::store::Store::submit)).
    pub(super) fn writer(&self) -> &Queue {
        &self.writer
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT id, nickname, nickname_key, password_hash FROM users WHERE id = $1")
            .await
            .map_err(pg_error)?;
        let row = conn.query_opt(&stmt, &[&id]).await.map_err(pg_error)?;
        row.map(|r| rows::user(&r)).transpose().map_err(pg_error)
    }

    pub async fn user_by_key(&self, nickname_key: &str) -> Result<Option<UserRecord>, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT id, nickname, nickname_key, password_hash FROM users WHERE nickname_key = $1",
            )
            .await
            .map_err(pg_error)?;
        let row = conn.query_opt(&stmt, &[&nickname_key]).await.map_err(pg_error)?;
        row.map(|r| rows::user(&r)).transpose().map_err(pg_error)
    }

    // People, memberships and read positions change rarely and alone, so they skip the
    // writer's batches and use a pooled connection.
    pub async fn create_user(
        &self,
        nickname: &str,
        nickname_key: &str,
        password_hash: Option<String>,
    ) -> Result<UserRecord, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO users (nickname, nickname_key, password_hash, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (nickname_key) DO NOTHING RETURNING id",
            )
            .await
            .map_err(pg_error)?;
        let now = super::columns::now_millis();
        let row = conn
            .query_opt(&stmt, &[&nickname, &nickname_key, &password_hash, &now])
            .await
            .map_err(pg_error)?
            .ok_or(StoreError::NicknameTaken)?;
        Ok(UserRecord {
            id: row.try_get(0).map_err(pg_error)?,
            nickname: nickname.to_owned(),
            nickname_key: nickname_key.to_owned(),
            password_hash,
        })
    }

    pub async fn set_password_hash(&self, id: i64, password_hash: String) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("UPDATE users SET password_hash = $2 WHERE id = $1")
            .await
            .map_err(pg_error)?;
        conn.execute(&stmt, &[&id, &password_hash]).await.map_err(pg_error)?;
        Ok(())
    }

    pub async fn add_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO room_members (room, user_id, added_at) VALUES ($1, $2, $3)
                 ON CONFLICT (room, user_id) DO NOTHING",
            )
            .await
            .map_err(pg_error)?;
        let added =
            conn.execute(&stmt, &[&room, &user, &super::columns::now_millis()]).await.map_err(pg_error)?;
        Ok(added > 0)
    }

    pub async fn remove_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM room_members WHERE room = $1 AND user_id = $2")
            .await
            .map_err(pg_error)?;
        Ok(conn.execute(&stmt, &[&room, &user]).await.map_err(pg_error)? > 0)
    }

    pub async fn rooms(&self) -> Result<Vec<StoredRoom>, StoreError> {
        let conn = self.conn().await?;
        rows::rooms(&conn, None).await.map_err(pg_error)
    }

    /// A pooled connection.
    async fn conn(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Warns when the database's character classes are the C locale's: then `ILIKE` folds the
/// case of ASCII letters only, and `pg_trgm` indexes no other letters (search still finds
/// them, more slowly, with their case as typed).
async fn warn_of_a_bare_locale(conn: &deadpool_postgres::Object) {
    let found =
        conn.query_one("SELECT datctype FROM pg_database WHERE datname = current_database()", &[]).await;
    if let Ok(ctype) = found.and_then(|row| row.try_get::<_, String>(0)) {
        if ctype == "C" || ctype == "POSIX" {
            tracing::warn!(
                lc_ctype = %ctype,
                "the database's LC_CTYPE is not a UTF-8 locale: search ignores case in ASCII letters \
                 only and cannot index other scripts (create the database with LC_CTYPE 'C.UTF-8')"
            );
        }
    }
}

/// A driver error as a [`StoreError`] whose text says what went wrong without the values
/// involved (a server error's message and SQLSTATE, not its detail, which can quote rows).
pub(crate) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    StoreError::Postgres(describe(&error))
}

pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None if error.is_closed() => "the connection to PostgreSQL was lost".to_owned(),
        // The driver's text names the step ("error connecting to server"), its source why.
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

fn pool_error(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Backend(error) => pg_error(error),
        other => StoreError::Postgres(format!("PostgreSQL is unavailable: {other}")),
    }
}

#[cfg(test)]
mod tests;
