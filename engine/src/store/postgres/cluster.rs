//! What the nodes on one database have in common: the cluster's identity (migration 0002),
//! where every room is, the limits every node counts in together (migration 0003), and the
//! holds that keep one node's upload and another's sweep of the same contents apart.

use super::{pg_error, PgStore};
use crate::store::{StoreError, RATE_WINDOW_MS};

impl PgStore {
    /// The identity every node on this database shares (made once, by the migration).
    pub async fn cluster_id(&self) -> Result<String, StoreError> {
        let conn = self.conn().await?;
        let row = conn.query_one("SELECT id FROM natter_cluster", &[]).await.map_err(pg_error)?;
        Ok(row.get(0))
    }
}

impl PgStore {
    /// Each room's latest `seq` (one query, for a node checking what the bus may have lost).
    pub async fn last_seqs(&self) -> Result<Vec<(String, protocol::Seq)>, StoreError> {
        let conn = self.conn().await?;
        let rows = conn.query("SELECT name, last_seq FROM rooms", &[]).await.map_err(pg_error)?;
        Ok(rows.iter().map(|row| (row.get(0), row.get::<_, i64>(1) as protocol::Seq)).collect())
    }
}

impl PgStore {
    /// Counts one event of `kind` for `key` at `now` (ms since the epoch) in a window of
    /// [`RATE_WINDOW_MS`] every node shares: how many there are in the window now, and when it
    /// started.
    pub async fn count_in_window(&self, kind: &str, key: &str, now: i64) -> Result<(u32, i64), StoreError> {
        let conn = self.conn().await?;
        // A window that started after this is still running.
        let ended = now - RATE_WINDOW_MS;
        let row = conn
            .query_one(
                "INSERT INTO rate_windows (kind, key, window_start, count) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (kind, key) DO UPDATE SET
                   count = CASE WHEN rate_windows.window_start > $4
                                THEN rate_windows.count + 1 ELSE 1 END,
                   window_start = CASE WHEN rate_windows.window_start > $4
                                       THEN rate_windows.window_start ELSE $3 END
                 RETURNING count, window_start",
                &[&kind, &key, &now, &ended],
            )
            .await
            .map_err(pg_error)?;
        Ok((row.get::<_, i32>(0).max(0) as u32, row.get(1)))
    }

    /// Forgets windows that ended before `now` (ms since the epoch): how many.
    pub async fn forget_old_windows(&self, now: i64) -> Result<u64, StoreError> {
        let conn = self.conn().await?;
        let ended = now - RATE_WINDOW_MS;
        conn.execute("DELETE FROM rate_windows WHERE window_start <= $1", &[&ended]).await.map_err(pg_error)
    }
}

/// The advisory lock key space of blob holds (`hashtextextended(hash, BLOB_HOLD_SEED)`).
const BLOB_HOLD_SEED: i64 = 0x6e61_7474;

/// A blob held against every other node: a session advisory lock on its hash, on a
/// connection of its own. [`Held::release`] unlocks it and gives the connection back; dropped
/// without that (a task cancelled), the connection is closed instead, which unlocks it too.
pub struct Held {
    conn: Option<deadpool_postgres::Object>,
    hash: String,
}

impl PgStore {
    /// Waits until no other node holds blob `hash`, and holds it.
    pub async fn hold_blob(&self, hash: &str) -> Result<Held, StoreError> {
        let conn = self.conn().await?;
        conn.execute("SELECT pg_advisory_lock(hashtextextended($1, $2))", &[&hash, &BLOB_HOLD_SEED])
            .await
            .map_err(pg_error)?;
        Ok(Held { conn: Some(conn), hash: hash.to_owned() })
    }
}

impl Held {
    pub async fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            let unlocked = conn
                .execute(
                    "SELECT pg_advisory_unlock(hashtextextended($1, $2))",
                    &[&self.hash, &BLOB_HOLD_SEED],
                )
                .await;
            if unlocked.is_err() {
                // Not back to the pool still locked: closed.
                drop(deadpool_postgres::Object::take(conn));
            }
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(deadpool_postgres::Object::take(conn));
        }
    }
}
