//! History, replays, read positions and search, on pooled connections. A read that must
//! agree with itself (a page and the room's last seq) runs in one `REPEATABLE READ`
//! snapshot.

use super::{pg_error, rows, PgStore};
use crate::store::reads::{page, page_rows, Unread, UNREAD_SCAN};
use crate::store::{Page, StoreError};
use protocol::{Message, Seq, ServerEvent};
use std::collections::HashSet;
use std::fmt::Write as _;
use tokio_postgres::types::ToSql;
use tokio_postgres::IsolationLevel;

/// Most words of a query that are matched (the rest are ignored).
const MAX_SEARCH_WORDS: usize = 16;

impl PgStore {
    pub async fn latest(
        &self,
        room: &str,
        before: Option<Seq>,
        until: Option<Seq>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let mut conn = self.conn().await?;
        let tx = snapshot(&mut conn).await?;
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        let most = page_rows(until, limit);
        // One extra row tells whether older messages exist.
        let stmt = tx
            .prepare_cached(&format!(
                "{} WHERE m.room = $1 AND m.seq < $2 AND m.kind = 0 ORDER BY m.seq DESC LIMIT $3",
                rows::SELECT
            ))
            .await
            .map_err(pg_error)?;
        let found = tx.query(&stmt, &[&room, &before, &(most as i64 + 1)]).await.map_err(pg_error)?;
        let found = found.iter().map(rows::message).collect::<Result<Vec<_>, _>>().map_err(pg_error)?;
        let (mut messages, has_more) = page(found, until, limit);
        rows::attach_reactions(&tx, room, &mut messages).await.map_err(pg_error)?;
        let last = rows::last_seq(&tx, room).await.map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
        Ok(Page { messages, has_more, last })
    }

    pub async fn after(&self, room: &str, after: Seq, limit: usize) -> Result<Vec<ServerEvent>, StoreError> {
        let mut conn = self.conn().await?;
        let tx = snapshot(&mut conn).await?;
        let stmt = tx
            .prepare_cached(&format!(
                "{} WHERE m.room = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3",
                rows::SELECT
            ))
            .await
            .map_err(pg_error)?;
        let after = after.min(i64::MAX as u64) as i64;
        let found = tx.query(&stmt, &[&room, &after, &(limit as i64)]).await.map_err(pg_error)?;
        let mut events = found.iter().map(rows::event).collect::<Result<Vec<_>, _>>().map_err(pg_error)?;
        rows::attach_reactions_to_events(&tx, room, &mut events).await.map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
        Ok(events)
    }

    pub async fn messages(&self, room: &str, seqs: Vec<Seq>) -> Result<Vec<Message>, StoreError> {
        let mut conn = self.conn().await?;
        let tx = snapshot(&mut conn).await?;
        let seqs: Vec<i64> = seqs.into_iter().map(|s| s.min(i64::MAX as u64) as i64).collect();
        let stmt = tx
            .prepare_cached(&format!(
                "{} WHERE m.room = $1 AND m.seq = ANY($2) AND m.kind = 0 AND m.deleted_at IS NULL
                 ORDER BY m.seq",
                rows::SELECT
            ))
            .await
            .map_err(pg_error)?;
        let found = tx.query(&stmt, &[&room, &seqs]).await.map_err(pg_error)?;
        let mut messages =
            found.iter().map(rows::message).collect::<Result<Vec<_>, _>>().map_err(pg_error)?;
        rows::attach_reactions(&tx, room, &mut messages).await.map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
        Ok(messages)
    }

    pub async fn set_read(&self, user: i64, room: &str, seq: Seq) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let stmt = conn
            .prepare_cached(
                "INSERT INTO read_positions (user_id, room, seq) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id, room) DO UPDATE SET seq = excluded.seq
                 WHERE excluded.seq > read_positions.seq",
            )
            .await
            .map_err(pg_error)?;
        let seq = seq.min(i64::MAX as u64) as i64;
        Ok(conn.execute(&stmt, &[&user, &room, &seq]).await.map_err(pg_error)? > 0)
    }

    pub async fn unread(&self, user: i64, nickname: &str) -> Result<Vec<protocol::Unread>, StoreError> {
        let me = protocol::nickname_key(nickname);
        let mut conn = self.conn().await?;
        let tx = snapshot(&mut conn).await?;
        let stmt = tx
            .prepare_cached(
                "SELECT room, seq FROM read_positions WHERE user_id = $1 ORDER BY room COLLATE \"C\"",
            )
            .await
            .map_err(pg_error)?;
        let positions = tx.query(&stmt, &[&user]).await.map_err(pg_error)?;
        let after = tx
            .prepare_cached(
                "SELECT author, mentions, mentions_room FROM messages
                 WHERE room = $1 AND seq > $2 AND kind = 0 AND deleted_at IS NULL
                 ORDER BY seq LIMIT $3",
            )
            .await
            .map_err(pg_error)?;
        let mut counts = Vec::with_capacity(positions.len());
        for position in positions {
            let room: String = position.try_get(0).map_err(pg_error)?;
            let read: i64 = position.try_get(1).map_err(pg_error)?;
            let mut unread = Unread::default();
            for row in tx.query(&after, &[&room, &read, &UNREAD_SCAN]).await.map_err(pg_error)? {
                let author: String = row.try_get(0).map_err(pg_error)?;
                let named: Option<String> = row.try_get(1).map_err(pg_error)?;
                unread.count(&me, &author, named, row.try_get(2).map_err(pg_error)?);
            }
            let last = rows::last_seq(&tx, &room).await.map_err(pg_error)?;
            counts.push(unread.of(room, read as Seq, last));
        }
        tx.commit().await.map_err(pg_error)?;
        Ok(counts)
    }

    /// Messages of `rooms` whose text holds every word of `query` (case-insensitively, as a
    /// substring: `ILIKE '%word%'`, so Chinese and other scripts without spaces match too),
    /// newest first, `limit` at most, older than the cursor `before`. Only messages as they
    /// are now (not deleted; an edited one by its new text). Words are split at white space,
    /// their leading and trailing punctuation dropped; at most [`MAX_SEARCH_WORDS`] count.
    /// The caller checks [`search::searchable`] first.
    pub async fn search(
        &self,
        query: &str,
        rooms: &HashSet<String>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<search::Page, StoreError> {
        let mut words: Vec<String> = Vec::new();
        for word in query.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())) {
            let pattern = format!("%{}%", escape_like(word));
            if !word.is_empty() && !words.contains(&pattern) && words.len() < MAX_SEARCH_WORDS {
                words.push(pattern);
            }
        }
        if words.is_empty() || rooms.is_empty() || limit == 0 {
            return Ok(search::Page::default());
        }
        // The predicates `kind = 0 AND deleted_at IS NULL` let the partial trigram index serve.
        let mut sql = "SELECT id, room, seq FROM messages
             WHERE kind = 0 AND deleted_at IS NULL AND room = ANY($1) AND id < $2"
            .to_owned();
        for at in 0..words.len() {
            let _ = write!(sql, " AND text ILIKE ${}", at + 4);
        }
        sql.push_str(" ORDER BY id DESC LIMIT $3");
        let rooms: Vec<&str> = rooms.iter().map(String::as_str).collect();
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        // One hit more than asked tells whether there is a next page.
        let most = limit.min(10_000) as i64 + 1;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&rooms, &before, &most];
        params.extend(words.iter().map(|w| w as &(dyn ToSql + Sync)));
        let conn = self.conn().await?;
        let stmt = conn.prepare_cached(&sql).await.map_err(pg_error)?;
        let found = conn.query(&stmt, &params).await.map_err(pg_error)?;
        let mut hits = Vec::with_capacity(found.len());
        for row in &found {
            let id: i64 = row.try_get(0).map_err(pg_error)?;
            let hit = search::Hit {
                room: row.try_get(1).map_err(pg_error)?,
                seq: row.try_get::<_, i64>(2).map_err(pg_error)? as u64,
            };
            hits.push((id, hit));
        }
        let next = if hits.len() > limit {
            hits.truncate(limit);
            hits.last().map(|(id, _)| *id as u64)
        } else {
            None
        };
        Ok(search::Page { hits: hits.into_iter().map(|(_, hit)| hit).collect(), next })
    }
}

/// A read-only `REPEATABLE READ` transaction: its statements see one snapshot.
async fn snapshot(
    conn: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, StoreError> {
    conn.build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_error)
}

/// `text` matched literally by `LIKE` (whose escape character is `\`).
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
