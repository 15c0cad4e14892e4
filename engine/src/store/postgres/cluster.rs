//! The cluster's identity (migration 0002): what the nodes on one database have in common.

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
