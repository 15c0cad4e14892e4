//! Uploads and the blobs they name. Like people and memberships, they are written on pooled
//! connections, outside the writer's batches; only attaching them to a message (and
//! forgetting them when it is deleted) happens in the writer, in the message's own
//! transaction.

use super::{pg_error, PgStore};
use crate::store::columns::now_millis;
use crate::store::{StoreError, UploadRecord};
use deadpool_postgres::GenericClient;
use protocol::{Attachment, Seq};
use tokio_postgres::{Error, Row};

const SELECT: &str = "SELECT id, owner, hash, name, size, mime, width, height, created_at, room, seq,
        (SELECT thumb FROM blobs b WHERE b.hash = u.hash)
    FROM uploads u";

/// SQLSTATE foreign_key_violation.
const FOREIGN_KEY_VIOLATION: &str = "23503";

fn record(row: &Row) -> Result<UploadRecord, Error> {
    let room: Option<String> = row.try_get(9)?;
    let seq: Option<i64> = row.try_get(10)?;
    Ok(UploadRecord {
        attachment: Attachment {
            id: row.try_get(0)?,
            name: row.try_get(3)?,
            size: row.try_get::<_, i64>(4)? as u64,
            mime: row.try_get(5)?,
            width: row.try_get::<_, Option<i32>>(6)?.map(|w| w as u32),
            height: row.try_get::<_, Option<i32>>(7)?.map(|h| h as u32),
            caption: None,
        },
        owner: row.try_get(1)?,
        hash: row.try_get(2)?,
        created_at: row.try_get(8)?,
        sent: room.zip(seq.map(|s| s as Seq)),
        thumb: row.try_get::<_, Option<bool>>(11)?.unwrap_or(false),
    })
}

/// The upload `id`, if it is `owner`'s and not sent yet, locked until the transaction ends:
/// a writer of another node attaching it at the same time waits, then finds it sent.
pub async fn unsent(client: &impl GenericClient, id: &str, owner: &str) -> Result<Option<Attachment>, Error> {
    let stmt = client
        .prepare_cached(&format!("{SELECT} WHERE id = $1 AND owner = $2 AND room IS NULL FOR UPDATE OF u"))
        .await?;
    let row = client.query_opt(&stmt, &[&id, &owner]).await?;
    row.map(|r| record(&r).map(|r| r.attachment)).transpose()
}

impl PgStore {
    /// Records contents about to be written to the blob store (before they are, so that if
    /// what follows fails, the sweep finds them unnamed and deletes them).
    pub async fn add_blob(&self, hash: &str, size: u64, thumb: bool) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO blobs (hash, size, thumb, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (hash) DO UPDATE SET thumb = blobs.thumb OR excluded.thumb",
            )
            .await
            .map_err(pg_error)?;
        conn.execute(&stmt, &[&hash, &(size as i64), &thumb, &now_millis()]).await.map_err(pg_error)?;
        Ok(())
    }

    /// Stores an upload of contents recorded with [`PgStore::add_blob`].
    pub async fn add_upload(&self, upload: UploadRecord) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO uploads (id, owner, hash, name, size, mime, width, height, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await
            .map_err(pg_error)?;
        let a = &upload.attachment;
        let (width, height) = (a.width.map(|w| w as i32), a.height.map(|h| h as i32));
        conn.execute(
            &stmt,
            &[
                &a.id,
                &upload.owner,
                &upload.hash,
                &a.name,
                &(a.size as i64),
                &a.mime,
                &width,
                &height,
                &upload.created_at,
            ],
        )
        .await
        .map_err(pg_error)?;
        Ok(())
    }

    pub async fn upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn.prepare_cached(&format!("{SELECT} WHERE id = $1")).await.map_err(pg_error)?;
        let row = conn.query_opt(&stmt, &[&id]).await.map_err(pg_error)?;
        row.map(|r| record(&r)).transpose().map_err(pg_error)
    }

    /// Bytes `owner` has uploaded (still kept), and bytes stored in all.
    pub async fn upload_usage(&self, owner: &str) -> Result<(u64, u64), StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT (SELECT COALESCE(SUM(size), 0)::BIGINT FROM uploads WHERE owner = $1),
                        (SELECT COALESCE(SUM(size), 0)::BIGINT FROM blobs)",
            )
            .await
            .map_err(pg_error)?;
        let row = conn.query_one(&stmt, &[&owner]).await.map_err(pg_error)?;
        let (mine, all): (i64, i64) = (row.try_get(0).map_err(pg_error)?, row.try_get(1).map_err(pg_error)?);
        Ok((mine as u64, all as u64))
    }

    /// Forgets uploads never sent that were made before `before` (ms); how many.
    pub async fn expire_uploads(&self, before: i64) -> Result<usize, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("DELETE FROM uploads WHERE room IS NULL AND created_at < $1")
            .await
            .map_err(pg_error)?;
        Ok(conn.execute(&stmt, &[&before]).await.map_err(pg_error)? as usize)
    }

    /// Blobs no upload names any more.
    pub async fn orphan_blobs(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "SELECT hash FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = b.hash)
                 ORDER BY hash",
            )
            .await
            .map_err(pg_error)?;
        let found = conn.query(&stmt, &[]).await.map_err(pg_error)?;
        found.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>().map_err(pg_error)
    }

    /// Whether no upload names the blob `hash`.
    pub async fn blob_unnamed(&self, hash: &str) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM uploads WHERE hash = $1)")
            .await
            .map_err(pg_error)?;
        let named: bool = conn.query_one(&stmt, &[&hash]).await.map_err(pg_error)?.get(0);
        Ok(!named)
    }

    /// Forgets the blob `hash` if no upload names it (its contents are deleted first). An
    /// upload of it stored meanwhile (by another node) keeps it.
    pub async fn forget_blob(&self, hash: &str) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "DELETE FROM blobs WHERE hash = $1 AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = $1)",
            )
            .await
            .map_err(pg_error)?;
        match conn.execute(&stmt, &[&hash]).await {
            Ok(gone) => Ok(gone > 0),
            Err(error) if error.code().is_some_and(|c| c.code() == FOREIGN_KEY_VIOLATION) => Ok(false),
            Err(error) => Err(pg_error(error)),
        }
    }
}
