//! The one writing connection: commits whatever has queued up (messages and changes to them)
//! as one transaction, giving each its room's next `seq`, then publishes them in order.

use super::rows::{self, DELETION, EDIT, REACTION_ADDED, REACTION_REMOVED};
use super::{now_millis, read_rooms, MAX_BATCH};
use crate::store::decide::{self, Target};
use crate::store::queue::{self, Done, Reply, Work, WriteRequest};
use crate::store::{
    Appended, ChangeKind, Changed, NewChange, NewMessage, NewRoom, OnCommit, StoreError, StoredRoom,
};
use protocol::{Message, RoomKind, Seq};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Owns the only writing connection; see the module comment.
pub struct Writer {
    conn: Connection,
    /// Last `seq` per room, loaded on first use and advanced as a batch is written; forgotten
    /// whole when a batch fails to commit.
    next_seq: HashMap<String, Seq>,
    on_commit: OnCommit,
}

impl Writer {
    pub fn new(conn: Connection, on_commit: OnCommit) -> Self {
        Writer { conn, next_seq: HashMap::new(), on_commit }
    }

    pub fn run(mut self, mut requests: mpsc::Receiver<WriteRequest>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = requests.blocking_recv() {
            let mut next = Some(first);
            // Gather writes until the queue is empty, the batch is full, or a room creation
            // comes up (rare; it gets a transaction of its own, after the writes before it).
            while let Some(request) = next.take() {
                match request.into_work() {
                    Ok(item) => batch.push(item),
                    Err((room, reply)) => {
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

    fn commit_batch(&mut self, batch: &mut Vec<(Work, Reply)>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len();
        let (work, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        match self.write(work) {
            Ok(results) => queue::answer(&self.on_commit, replies, results),
            Err(error) => {
                tracing::error!(%error, writes = count, "could not commit messages");
                // Seqs handed out in the rolled back transaction were never used, and whether
                // anything reached the disk is unknown (an fsync can fail after the write):
                // read every room's last seq afresh rather than trust the cache.
                self.next_seq.clear();
                queue::refuse(replies, &error.to_string());
            }
        }
    }

    /// Writes the batch in one transaction. The outer error fails the whole batch (the
    /// caller then forgets `next_seq`); an inner error refuses one item only.
    fn write(&mut self, batch: Vec<Work>) -> Result<Vec<Done>, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        // Seqs taken in this transaction, applied to the cache only once it commits.
        let mut taken: HashMap<String, Seq> = HashMap::new();
        for work in batch {
            results.push(match work {
                Work::Append(new) => Done::Append(append(&tx, &self.next_seq, &mut taken, new)?),
                Work::Change(new) => Done::Change(change(&tx, &self.next_seq, &mut taken, new)?),
            });
        }
        tx.commit()?;
        self.next_seq.extend(taken);
        Ok(results)
    }
}

/// The `seq` the next event of `room` gets in this transaction (taken with [`take_seq`] once
/// it is written).
fn next_seq(
    tx: &Transaction<'_>,
    cached: &HashMap<String, Seq>,
    taken: &HashMap<String, Seq>,
    room: &str,
) -> rusqlite::Result<Seq> {
    let last = match taken.get(room).or_else(|| cached.get(room)) {
        Some(seq) => *seq,
        None => rows::last_seq(tx, room)?,
    };
    Ok(last + 1)
}

fn take_seq(taken: &mut HashMap<String, Seq>, room: &str, seq: Seq) {
    match taken.get_mut(room) {
        Some(last) => *last = seq,
        None => {
            taken.insert(room.to_owned(), seq);
        }
    }
}

/// The message `seq` of `room`, if there is one (not a change).
fn target(tx: &Transaction<'_>, room: &str, seq: Seq) -> rusqlite::Result<Option<Target>> {
    tx.prepare_cached(
        "SELECT author, text, deleted_at FROM messages WHERE room = ?1 AND seq = ?2 AND kind = 0",
    )?
    .query_row(params![room, seq as i64], |r| {
        Ok(Target { author: r.get(0)?, text: r.get(1)?, deleted: r.get::<_, Option<i64>>(2)?.is_some() })
    })
    .optional()
}

fn append(
    tx: &Transaction<'_>,
    cached: &HashMap<String, Seq>,
    taken: &mut HashMap<String, Seq>,
    new: NewMessage,
) -> Result<Result<Appended, StoreError>, StoreError> {
    let earlier = |tx: &Transaction<'_>| -> rusqlite::Result<Option<Message>> {
        tx.prepare_cached(&format!("{} WHERE m.room = ?1 AND m.client_id = ?2", rows::SELECT))?
            .query_row(params![new.room, new.client_id], rows::message)
            .optional()
    };
    let resent = |earlier: Message| decide::resent(earlier, &new.author);
    let reply_to = match new.reply_to {
        Some(seq) => {
            // A resend is answered as such even if what it answered is gone by now.
            if let Some(found) = earlier(tx)? {
                return Ok(resent(found));
            }
            match decide::quote(seq, target(tx, &new.room, seq)?) {
                Ok(quote) => Some(quote),
                Err(refused) => return Ok(Err(refused)),
            }
        }
        None => None,
    };
    // Files go with the message only if each is the author's and not sent before.
    let mut attachments = Vec::with_capacity(new.attachments.len());
    if !new.attachments.is_empty() {
        if let Some(found) = earlier(tx)? {
            return Ok(resent(found));
        }
        let owner = protocol::nickname_key(&new.author);
        for file in &new.attachments {
            let found = super::uploads::unsent(tx, &file.id, &owner)?;
            if let Err(refused) = decide::attach(&mut attachments, file, found) {
                return Ok(Err(refused));
            }
        }
    }
    let seq = next_seq(tx, cached, taken, &new.room)?;
    let sent_at = now_millis();
    // The unique index on (room, client_id) finds resends: a conflicting insert does nothing,
    // and only then is the earlier message read (from this transaction too, for a resend
    // within one batch).
    let inserted = tx
        .prepare_cached(
            "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood, lang, reply_to, mentions,
                                   mentions_room, attachments)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (room, client_id) DO NOTHING",
        )?
        .execute(params![
            new.room,
            seq as i64,
            new.client_id,
            new.author,
            new.text,
            sent_at,
            new.mood as f64,
            new.lang,
            new.reply_to.map(|s| s as i64),
            rows::stored_mentions(&new.mentions),
            new.mentions_room,
            rows::stored_attachments(&attachments),
        ])?;
    if inserted == 0 {
        let found = earlier(tx)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        return Ok(resent(found));
    }
    for attachment in &attachments {
        tx.prepare_cached("UPDATE uploads SET room = ?2, seq = ?3 WHERE id = ?1")?.execute(params![
            attachment.id,
            new.room,
            seq as i64
        ])?;
    }
    take_seq(taken, &new.room, seq);
    Ok(Ok(Appended::New(decide::message(new, seq, sent_at, reply_to, attachments))))
}

/// Stores a change event row (`text` is an edit's text or a reaction's emoji).
#[allow(clippy::too_many_arguments)]
fn insert_change(
    tx: &Transaction<'_>,
    room: &str,
    seq: Seq,
    kind: i16,
    target: Seq,
    author: &str,
    text: &str,
    at: i64,
    mood: f32,
    lang: Option<&str>,
    mentions: &[String],
    mentions_room: bool,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood, lang, kind, target, mentions,
                               mentions_room)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        room,
        seq as i64,
        // Changes carry no client id of their own; this one never collides with a client's
        // (those are letters, digits, '-' and '_').
        format!("~{seq}"),
        author,
        text,
        at,
        mood as f64,
        lang,
        kind,
        target as i64,
        rows::stored_mentions(mentions),
        mentions_room,
    ])?;
    Ok(())
}

fn change(
    tx: &Transaction<'_>,
    cached: &HashMap<String, Seq>,
    taken: &mut HashMap<String, Seq>,
    new: NewChange,
) -> Result<Result<Changed, StoreError>, StoreError> {
    let Some(original) = target(tx, &new.room, new.target)? else {
        return Ok(Err(StoreError::UnknownMessage));
    };
    if let Some(answer) = decide::check(&original, &new) {
        return Ok(answer);
    }
    let (room, author, target) = (new.room.as_str(), new.author.as_str(), new.target);
    let person = protocol::nickname_key(author);
    if let ChangeKind::React { emoji, added } = &new.what {
        let had = tx
            .prepare_cached(
                "SELECT 1 FROM reactions WHERE room = ?1 AND target = ?2 AND emoji = ?3 AND person = ?4",
            )?
            .exists(params![room, target as i64, emoji, person])?;
        if let Some(answer) = decide::check_reaction(had, *added) {
            return Ok(answer);
        }
        if *added {
            let (kinds, used): (i64, bool) = tx
                .prepare_cached(
                    "SELECT COUNT(DISTINCT emoji), COALESCE(MAX(emoji = ?3), 0) FROM reactions
                     WHERE room = ?1 AND target = ?2",
                )?
                .query_row(params![room, target as i64, emoji], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if let Some(answer) = decide::check_room_for_reaction(kinds, used) {
                return Ok(answer);
            }
        }
    }
    let seq = next_seq(tx, cached, taken, room)?;
    take_seq(taken, room, seq);
    let now = now_millis();
    match &new.what {
        ChangeKind::Edit { text, mood, lang, mentions, mentions_room } => {
            insert_change(
                tx,
                room,
                seq,
                EDIT,
                target,
                author,
                text,
                now,
                *mood,
                lang.as_deref(),
                mentions,
                *mentions_room,
            )?;
            tx.prepare_cached(
                "UPDATE messages SET text = ?3, mood = ?4, lang = ?5, mentions = ?6, mentions_room = ?7,
                                     edited_at = ?8
                 WHERE room = ?1 AND seq = ?2",
            )?
            .execute(params![
                room,
                target as i64,
                text,
                *mood as f64,
                lang,
                rows::stored_mentions(mentions),
                mentions_room,
                now
            ])?;
        }
        ChangeKind::Delete => {
            insert_change(tx, room, seq, DELETION, target, author, "", now, 0.0, None, &[], false)?;
            // The text goes, and so does every earlier version of it: its edits (and its
            // reactions) become deletions too, so no replay carries any of it.
            tx.prepare_cached(
                "UPDATE messages SET text = '', mood = 0, lang = NULL, mentions = NULL, mentions_room = 0,
                                     edited_at = NULL, deleted_at = ?3, attachments = NULL
                 WHERE room = ?1 AND seq = ?2",
            )?
            .execute(params![room, target as i64, now])?;
            // Its files go too (their contents once no other upload names them).
            tx.prepare_cached("DELETE FROM uploads WHERE room = ?1 AND seq = ?2")?
                .execute(params![room, target as i64])?;
            tx.prepare_cached(
                "UPDATE messages SET kind = ?3, text = '', mood = 0, lang = NULL, mentions = NULL, mentions_room = 0
                 WHERE room = ?1 AND target = ?2 AND kind IN (?4, ?5, ?6)",
            )?
            .execute(params![room, target as i64, DELETION, EDIT, REACTION_ADDED, REACTION_REMOVED])?;
            tx.prepare_cached("DELETE FROM reactions WHERE room = ?1 AND target = ?2")?
                .execute(params![room, target as i64])?;
        }
        ChangeKind::React { emoji, added } => {
            let kind = if *added { REACTION_ADDED } else { REACTION_REMOVED };
            insert_change(tx, room, seq, kind, target, author, emoji, now, 0.0, None, &[], false)?;
            if *added {
                tx.prepare_cached(
                    "INSERT INTO reactions (room, target, emoji, person, nickname, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![room, target as i64, emoji, person, author, seq as i64])?;
            } else {
                tx.prepare_cached(
                    "DELETE FROM reactions WHERE room = ?1 AND target = ?2 AND emoji = ?3 AND person = ?4",
                )?
                .execute(params![room, target as i64, emoji, person])?;
            }
        }
    }
    Ok(Ok(Changed::New(decide::change(new, seq, now))))
}
