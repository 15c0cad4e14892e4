//! What the nodes on one database have in common: the cluster's identity (migration 0002),
//! and where every room is.

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
