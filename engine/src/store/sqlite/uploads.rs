//! Uploads and the blobs they name (migration 0008). Uploads are written rarely and alone, so
//! they skip the message writer's batches, like people and memberships; only attaching them
//! to a message (and forgetting them when it is deleted) happens in the writer, in the
//! message's own transaction.

use super::{now_millis, SqliteStore};
use crate::store::{StoreError, UploadRecord};
use protocol::{Attachment, Seq};
use rusqlite::{params, Connection, OptionalExtension, Row};

const SELECT: &str = "SELECT id, owner, hash, name, size, mime, width, height, created_at, room, seq,
        (SELECT thumb FROM blobs b WHERE b.hash = u.hash)
    FROM uploads u";

fn record(row: &Row<'_>) -> rusqlite::Result<UploadRecord> {
    let room: Option<String> = row.get(9)?;
    let seq: Option<i64> = row.get(10)?;
    Ok(UploadRecord {
        attachment: Attachment {
            id: row.get(0)?,
            name: row.get(3)?,
            size: row.get::<_, i64>(4)? as u64,
            mime: row.get(5)?,
            width: row.get::<_, Option<i64>>(6)?.map(|w| w as u32),
            height: row.get::<_, Option<i64>>(7)?.map(|h| h as u32),
            caption: None,
        },
        owner: row.get(1)?,
        hash: row.get(2)?,
        created_at: row.get(8)?,
        sent: room.zip(seq.map(|s| s as Seq)),
        thumb: row.get::<_, Option<bool>>(11)?.unwrap_or(false),
    })
}

/// The upload `id`, if it is `owner`'s and not sent yet (for attaching it to a message).
pub fn unsent(conn: &Connection, id: &str, owner: &str) -> rusqlite::Result<Option<Attachment>> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1 AND owner = ?2 AND room IS NULL"))?
        .query_row(params![id, owner], record)
        .optional()
        .map(|found| found.map(|r| r.attachment))
}

impl SqliteStore {
    /// Records contents about to be written to the blob store (before they are, so that if
    /// what follows fails, the sweep finds them unnamed and deletes them).
    pub async fn add_blob(&self, hash: &str, size: u64, thumb: bool) -> Result<(), StoreError> {
        let hash = hash.to_owned();
        self.readers
            .read(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO blobs (hash, size, thumb, created_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (hash) DO UPDATE SET thumb = MAX(thumb, excluded.thumb)",
                )?
                .execute(params![hash, size as i64, thumb, now_millis()])?;
                Ok(())
            })
            .await
    }

    /// Stores an upload of contents recorded with [`SqliteStore::add_blob`].
    pub async fn add_upload(&self, upload: UploadRecord) -> Result<(), StoreError> {
        self.readers
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let a = &upload.attachment;
                tx.prepare_cached(
                    "INSERT INTO uploads (id, owner, hash, name, size, mime, width, height, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    a.id,
                    upload.owner,
                    upload.hash,
                    a.name,
                    a.size as i64,
                    a.mime,
                    a.width,
                    a.height,
                    upload.created_at
                ])?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    pub async fn upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        let id = id.to_owned();
        self.readers
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
                    .query_row([id], record)
                    .optional()?)
            })
            .await
    }

    /// Bytes `owner` has uploaded (still kept), and bytes stored in all.
    pub async fn upload_usage(&self, owner: &str) -> Result<(u64, u64), StoreError> {
        let owner = owner.to_owned();
        self.readers
            .read(move |conn| {
                let mine: i64 = conn
                    .prepare_cached("SELECT COALESCE(SUM(size), 0) FROM uploads WHERE owner = ?1")?
                    .query_row([owner], |r| r.get(0))?;
                let all: i64 = conn
                    .prepare_cached("SELECT COALESCE(SUM(size), 0) FROM blobs")?
                    .query_row([], |r| r.get(0))?;
                Ok((mine as u64, all as u64))
            })
            .await
    }

    /// Forgets uploads never sent that were made before `before` (ms); how many.
    pub async fn expire_uploads(&self, before: i64) -> Result<usize, StoreError> {
        self.readers
            .read(move |conn| {
                Ok(conn
                    .prepare_cached("DELETE FROM uploads WHERE room IS NULL AND created_at < ?1")?
                    .execute([before])?)
            })
            .await
    }

    /// Blobs no upload names any more.
    pub async fn orphan_blobs(&self) -> Result<Vec<String>, StoreError> {
        self.readers
            .read(|conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT hash FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = b.hash)",
                )?;
                let found = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
                Ok(found)
            })
            .await
    }

    /// Whether no upload names the blob `hash`.
    pub async fn blob_unnamed(&self, hash: &str) -> Result<bool, StoreError> {
        let hash = hash.to_owned();
        self.readers
            .read(move |conn| {
                let named: bool = conn
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM uploads WHERE hash = ?1)")?
                    .query_row([hash], |r| r.get(0))?;
                Ok(!named)
            })
            .await
    }

    /// Forgets the blob `hash` if no upload names it (its contents are deleted first).
    pub async fn forget_blob(&self, hash: &str) -> Result<bool, StoreError> {
        let hash = hash.to_owned();
        self.readers
            .read(move |conn| {
                let gone = conn
                    .prepare_cached(
                        "DELETE FROM blobs WHERE hash = ?1
                         AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = ?1)",
                    )?
                    .execute([hash])?;
                Ok(gone > 0)
            })
            .await
    }
}
