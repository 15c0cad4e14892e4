//! What the nodes on one database have in common: the cluster's identity (migration 0002),
//! where every room is, and the password attempts made on any node (migration 0003).

use super::{pg_error, PgStore};
use crate::store::StoreError;

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
    /// Counts a password attempt for `nickname_key` at `now` (ms since the epoch) in a
    /// one-minute window shared by every node: whether it is within `per_minute`.
    pub async fn password_attempt(
        &self,
        nickname_key: &str,
        now: i64,
        per_minute: u32,
    ) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "INSERT INTO password_attempts (nickname_key, window_start, count) VALUES ($1, $2, 1)
                 ON CONFLICT (nickname_key) DO UPDATE SET
                   count = CASE WHEN password_attempts.window_start > $2 - 60000
                                THEN password_attempts.count + 1 ELSE 1 END,
                   window_start = CASE WHEN password_attempts.window_start > $2 - 60000
                                       THEN password_attempts.window_start ELSE $2 END
                 RETURNING count",
                &[&nickname_key, &now],
            )
            .await
            .map_err(pg_error)?;
        Ok(row.get::<_, i32>(0) as u32 <= per_minute)
    }
}
