//! The node's one writing connection: commits whatever has queued up (messages and changes to
//! them) as one transaction, giving each its room's next `seq` under the room's row lock,
//! then publishes them in order. See the module comment of [`super`].

use super::{describe, pg_error, rows, uploads, BATCH_TIMEOUT, MAX_BATCH};
use crate::store::columns::{
    now_millis, stored_attachments, stored_mentions, DELETION, EDIT, REACTION_ADDED, REACTION_REMOVED,
};
use crate::store::decide::{self, Target};
use crate::store::queue::{self, Done, Reply, Work, WriteRequest};
use crate::store::{
    Appended, ChangeKind, Changed, NewChange, NewMessage, NewRoom, OnCommit, StoreError, StoredRoom,
};
use deadpool_postgres::{ClientWrapper, GenericClient, Transaction};
use protocol::{Message, RoomKind, Seq};
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio_postgres::error::Severity;
use tokio_postgres::Error;

/// Each touched room's latest seq: read under its row lock at the start of a batch, advanced
/// as events are written, written back before `COMMIT`. Rooms without a row are absent.
type Seqs = HashMap<String, Seq>;

/// Owns the node's writing connection; see the module comment.
pub struct Writer {
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// None after the connection was lost (or a batch timed out): the next write connects.
    client: Option<ClientWrapper>,
    on_commit: OnCommit,
}

/// Why a batch or a room creation failed as a whole.
enum Failure {
    Postgres(Error),
    TimedOut,
}

impl Failure {
    fn reason(&self) -> String {
        match self {
            Failure::Postgres(error) => describe(error),
            Failure::TimedOut => "PostgreSQL did not answer in time".to_owned(),
        }
    }
}

impl Writer {
    /// Connects (the connection is the writer's own, not a pooled one).
    pub async fn connect(
        config: tokio_postgres::Config,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
        on_commit: OnCommit,
    ) -> Result<Writer, StoreError> {
        let client = connect(&config, &tls).await.map_err(pg_error)?;
        Ok(Writer { config, tls, client: Some(client), on_commit })
    }

    pub async fn run(mut self, mut requests: mpsc::Receiver<WriteRequest>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = requests.recv().await {
            let mut next = Some(first);
            // Gather writes until the queue is empty, the batch is full, or a room creation
            // comes up (rare; it gets a transaction of its own, after the writes before it).
            while let Some(request) = next.take() {
                match request.into_work() {
                    Ok(item) => batch.push(item),
                    Err((room, reply)) => {
                        self.commit_batch(&mut batch).await;
                        let _ = reply.send(self.create_room(room).await);
                    }
                }
                if batch.len() < MAX_BATCH {
                    next = requests.try_recv().ok();
                }
            }
            self.commit_batch(&mut batch).await;
        }
    }

    /// The connection, connecting again if it was lost.
    async fn client(&mut self) -> Result<&mut ClientWrapper, Error> {
        let client = match self.client.take() {
            Some(client) if !client.is_closed() => client,
            _ => {
                let client = connect(&self.config, &self.tls).await?;
                tracing::info!("the store writer connected to PostgreSQL again");
                client
            }
        };
        Ok(self.client.insert(client))
    }

    /// After a failure: forgets the connection unless it is known to be fine (the server
    /// refused a statement with an ERROR, not a FATAL that ends the session, and the
    /// connection is still open).
    fn after_failure(&mut self, failure: &Failure) {
        let healthy = match failure {
            Failure::Postgres(error) => {
                error.as_db_error().is_some_and(|db| db.parsed_severity() == Some(Severity::Error))
                    && self.client.as_ref().is_some_and(|c| !c.is_closed())
            }
            Failure::TimedOut => false,
        };
        match &self.client {
            // Statements are prepared again (in case what failed was a plan made stale by a
            // newer node's migration).
            Some(client) if healthy => client.statement_cache.clear(),
            _ => self.client = None,
        }
    }

    async fn create_room(&mut self, room: NewRoom) -> Result<StoredRoom, StoreError> {
        let result = match tokio::time::timeout(BATCH_TIMEOUT, self.try_create_room(room)).await {
            Ok(Ok(created)) => return created,
            Ok(Err(error)) => Failure::Postgres(error),
            Err(_) => Failure::TimedOut,
        };
        self.after_failure(&result);
        Err(StoreError::Postgres(result.reason()))
    }

    async fn try_create_room(&mut self, room: NewRoom) -> Result<Result<StoredRoom, StoreError>, Error> {
        let kind = match room.kind {
            RoomKind::Public => "public",
            RoomKind::Private => "private",
            RoomKind::Direct => "direct",
        };
        let client = self.client().await?;
        let tx = client.transaction().await?;
        let now = now_millis();
        let insert = tx
            .prepare_cached(
                "INSERT INTO rooms (name, created_at, kind, owner) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO NOTHING",
            )
            .await?;
        if tx.execute(&insert, &[&room.name, &now, &kind, &room.owner]).await? == 0 {
            return Ok(Err(StoreError::RoomExists));
        }
        let member = tx
            .prepare_cached(
                "INSERT INTO room_members (room, user_id, added_at) VALUES ($1, $2, $3)
                 ON CONFLICT (room, user_id) DO NOTHING",
            )
            .await?;
        for id in &room.members {
            tx.execute(&member, &[&room.name, id, &now]).await?;
        }
        let stored = rows::rooms(&tx, Some(&room.name)).await?.pop();
        tx.commit().await?;
        // The row was inserted in this transaction, so it is read back.
        Ok(stored.ok_or_else(|| StoreError::Postgres("the new room could not be read back".into())))
    }

    async fn commit_batch(&mut self, batch: &mut Vec<(Work, Reply)>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len();
        let (work, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let failure = match tokio::time::timeout(BATCH_TIMEOUT, self.write(work)).await {
            Ok(Ok(results)) => return queue::answer(&self.on_commit, replies, results),
            Ok(Err(error)) => Failure::Postgres(error),
            Err(_) => Failure::TimedOut,
        };
        let reason = failure.reason();
        tracing::error!(error = %reason, writes = count, "could not commit messages");
        // The transaction was rolled back (or its connection is gone): no seq was used up, as
        // they live in the database only. Whether a COMMIT whose answer was lost took effect
        // is unknown; a resend finds out by its client_id.
        self.after_failure(&failure);
        queue::refuse(replies, &reason);
    }

    /// Writes the batch in one transaction. The outer error fails the whole batch; an inner
    /// error refuses one item only.
    async fn write(&mut self, batch: Vec<Work>) -> Result<Vec<Done>, Error> {
        let client = self.client().await?;
        let tx = client.transaction().await?;
        let mut names: Vec<&str> = batch.iter().map(Work::room).collect();
        names.sort_unstable();
        names.dedup();
        // Locked in name order, so two nodes' batches never wait for each other in a cycle.
        // NO KEY UPDATE: as exclusive as FOR UPDATE between writers, but it lets a membership
        // being added meanwhile check its foreign key (KEY SHARE) without waiting.
        let lock = tx
            .prepare_cached(
                "SELECT name, last_seq FROM rooms WHERE name = ANY($1) ORDER BY name FOR NO KEY UPDATE",
            )
            .await?;
        let mut seqs = Seqs::new();
        for row in tx.query(&lock, &[&names]).await? {
            seqs.insert(row.try_get(0)?, row.try_get::<_, i64>(1)? as Seq);
        }
        let before = seqs.clone();
        let mut results = Vec::with_capacity(batch.len());
        let mut batch = batch.into_iter().peekable();
        while let Some(work) = batch.next() {
            match work {
                // Plain messages in a row go in one statement (one round trip for all).
                Work::Append(new) if plain(&new, &seqs) => {
                    let mut run = vec![new];
                    while let Some(Work::Append(next)) = batch.peek() {
                        let again = run.iter().any(|m| m.room == next.room && m.client_id == next.client_id);
                        if !plain(next, &seqs) || again {
                            break;
                        }
                        if let Some(Work::Append(next)) = batch.next() {
                            run.push(next);
                        }
                    }
                    for appended in append_plain(&tx, &mut seqs, run).await? {
                        results.push(Done::Append(appended));
                    }
                }
                Work::Append(new) => results.push(Done::Append(append(&tx, &mut seqs, new).await?)),
                Work::Change(new) => results.push(Done::Change(change(&tx, &mut seqs, new).await?)),
            }
        }
        let (rooms, lasts): (Vec<&str>, Vec<i64>) = seqs
            .iter()
            .filter(|(room, seq)| before.get(*room) != Some(seq))
            .map(|(room, seq)| (room.as_str(), *seq as i64))
            .unzip();
        if !rooms.is_empty() {
            let update = tx
                .prepare_cached(
                    "UPDATE rooms SET last_seq = v.last FROM unnest($1::TEXT[], $2::BIGINT[]) AS v (name, last)
                     WHERE rooms.name = v.name",
                )
                .await?;
            tx.execute(&update, &[&rooms, &lasts]).await?;
        }
        tx.commit().await?;
        Ok(results)
    }
}

async fn connect(
    config: &tokio_postgres::Config,
    tls: &tokio_postgres_rustls::MakeRustlsConnect,
) -> Result<ClientWrapper, Error> {
    let (client, connection) = config.connect(tls.clone()).await?;
    let task = tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(error = %describe(&error), "the store writer's PostgreSQL connection ended");
        }
    });
    Ok(ClientWrapper::new(client, task))
}

/// The seq the next event of `room` gets (taken with [`take_seq`] once it is written).
fn next_seq(seqs: &Seqs, room: &str) -> Option<Seq> {
    seqs.get(room).map(|last| last + 1)
}

fn take_seq(seqs: &mut Seqs, room: &str, seq: Seq) {
    if let Some(last) = seqs.get_mut(room) {
        *last = seq;
    }
}

/// The message `seq` of `room`, if there is one (not a change).
async fn target(tx: &Transaction<'_>, room: &str, seq: Seq) -> Result<Option<Target>, Error> {
    let stmt = tx
        .prepare_cached(
            "SELECT author, text, deleted_at FROM messages WHERE room = $1 AND seq = $2 AND kind = 0",
        )
        .await?;
    let Some(row) = tx.query_opt(&stmt, &[&room, &(seq as i64)]).await? else { return Ok(None) };
    Ok(Some(Target {
        author: row.try_get(0)?,
        text: row.try_get(1)?,
        deleted: row.try_get::<_, Option<i64>>(2)?.is_some(),
    }))
}

/// The message stored earlier with this `client_id` in `room` (by any node: its writer held
/// the room's lock until it committed, so it is visible now).
async fn earlier(tx: &Transaction<'_>, room: &str, client_id: &str) -> Result<Option<Message>, Error> {
    let stmt = tx.prepare_cached(&format!("{} WHERE m.room = $1 AND m.client_id = $2", rows::SELECT)).await?;
    tx.query_opt(&stmt, &[&room, &client_id]).await?.map(|row| rows::message(&row)).transpose()
}

async fn append(
    tx: &Transaction<'_>,
    seqs: &mut Seqs,
    new: NewMessage,
) -> Result<Result<Appended, StoreError>, Error> {
    let Some(seq) = next_seq(seqs, &new.room) else { return Ok(Err(StoreError::UnknownRoom)) };
    let reply_to = match new.reply_to {
        Some(seq) => {
            // A resend is answered as such even if what it answered is gone by now.
            if let Some(found) = earlier(tx, &new.room, &new.client_id).await? {
                return Ok(decide::resent(found, &new.author));
            }
            match decide::quote(seq, target(tx, &new.room, seq).await?) {
                Ok(quote) => Some(quote),
                Err(refused) => return Ok(Err(refused)),
            }
        }
        None => None,
    };
    // Files go with the message only if each is the author's and not sent before.
    let mut attachments: Vec<protocol::Attachment> = Vec::with_capacity(new.attachments.len());
    if !new.attachments.is_empty() {
        if let Some(found) = earlier(tx, &new.room, &new.client_id).await? {
            return Ok(decide::resent(found, &new.author));
        }
        let owner = protocol::nickname_key(&new.author);
        for file in &new.attachments {
            let found = uploads::unsent(tx, &file.id, &owner).await?;
            if let Err(refused) = decide::attach(&mut attachments, file, found) {
                return Ok(Err(refused));
            }
        }
    }
    let sent_at = now_millis();
    // The unique index on (room, client_id) finds resends: a conflicting insert does nothing,
    // and only then is the earlier message read (from this transaction too, for a resend
    // within one batch, or committed by another node).
    let insert = tx
        .prepare_cached(
            "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood, lang, reply_to, mentions,
                                   mentions_room, attachments)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (room, client_id) DO NOTHING",
        )
        .await?;
    let inserted = tx
        .execute(
            &insert,
            &[
                &new.room,
                &(seq as i64),
                &new.client_id,
                &new.author,
                &new.text,
                &sent_at,
                &new.mood,
                &new.lang,
                &new.reply_to.map(|s| s as i64),
                &stored_mentions(&new.mentions),
                &new.mentions_room,
                &stored_attachments(&attachments),
            ],
        )
        .await?;
    if inserted == 0 {
        return match earlier(tx, &new.room, &new.client_id).await? {
            Some(found) => Ok(decide::resent(found, &new.author)),
            // Only a row of this (room, client_id) conflicts, and rows are never deleted.
            None => Ok(Err(StoreError::Postgres("a resent message could not be read back".into()))),
        };
    }
    if !attachments.is_empty() {
        let attach = tx.prepare_cached("UPDATE uploads SET room = $2, seq = $3 WHERE id = $1").await?;
        for attachment in &attachments {
            tx.execute(&attach, &[&attachment.id, &new.room, &(seq as i64)]).await?;
        }
    }
    take_seq(seqs, &new.room, seq);
    Ok(Ok(Appended::New(decide::message(new, seq, sent_at, reply_to, attachments))))
}

/// A message with nothing to check but its `client_id`: no reply, no files, a room this batch
/// holds. A run of them is written by [`append_plain`].
fn plain(new: &NewMessage, seqs: &Seqs) -> bool {
    new.reply_to.is_none() && new.attachments.is_empty() && seqs.contains_key(&new.room)
}

/// Writes a run of [`plain`] messages (no two with the same room and `client_id`) in two round
/// trips instead of one per message: the resends among them are found with one query, and
/// the rest inserted with one statement, given their rooms' next seqs in order. The rooms are
/// locked by this transaction, so no other writer inserts into them meanwhile.
async fn append_plain(
    tx: &Transaction<'_>,
    seqs: &mut Seqs,
    run: Vec<NewMessage>,
) -> Result<Vec<Result<Appended, StoreError>>, Error> {
    let rooms: Vec<&str> = run.iter().map(|m| m.room.as_str()).collect();
    let ids: Vec<&str> = run.iter().map(|m| m.client_id.as_str()).collect();
    let resent = tx
        .prepare_cached(
            "SELECT m.room, m.client_id FROM messages m
             JOIN unnest($1::TEXT[], $2::TEXT[]) AS r (room, client_id)
               ON m.room = r.room AND m.client_id = r.client_id",
        )
        .await?;
    // Usually none: a resend comes after a reconnect.
    let earlier_ones: Vec<(String, String)> = tx
        .query(&resent, &[&rooms, &ids])
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, Error>>()?;
    let sent_at = now_millis();
    let mut placed: Vec<(NewMessage, Option<Seq>)> = Vec::with_capacity(run.len());
    for new in run {
        if earlier_ones.iter().any(|(room, id)| *room == new.room && *id == new.client_id) {
            placed.push((new, None));
        } else {
            let seq = next_seq(seqs, &new.room).unwrap_or(1);
            take_seq(seqs, &new.room, seq);
            placed.push((new, Some(seq)));
        }
    }
    let fresh: Vec<(&NewMessage, Seq)> = placed.iter().filter_map(|(m, seq)| seq.map(|s| (m, s))).collect();
    if !fresh.is_empty() {
        let insert = tx
            .prepare_cached(
                "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood, lang, mentions, mentions_room)
                 SELECT * FROM unnest($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[],
                                      $7::REAL[], $8::TEXT[], $9::TEXT[], $10::BOOLEAN[])",
            )
            .await?;
        let column = |f: fn(&NewMessage) -> &str| fresh.iter().map(|(m, _)| f(m)).collect::<Vec<&str>>();
        let seqs_of: Vec<i64> = fresh.iter().map(|(_, seq)| *seq as i64).collect();
        let times = vec![sent_at; fresh.len()];
        let moods: Vec<f32> = fresh.iter().map(|(m, _)| m.mood).collect();
        let langs: Vec<Option<&str>> = fresh.iter().map(|(m, _)| m.lang.as_deref()).collect();
        let mentions: Vec<Option<String>> = fresh.iter().map(|(m, _)| stored_mentions(&m.mentions)).collect();
        let everyone: Vec<bool> = fresh.iter().map(|(m, _)| m.mentions_room).collect();
        tx.execute(
            &insert,
            &[
                &column(|m| &m.room),
                &seqs_of,
                &column(|m| &m.client_id),
                &column(|m| &m.author),
                &column(|m| &m.text),
                &times,
                &moods,
                &langs,
                &mentions,
                &everyone,
            ],
        )
        .await?;
    }
    let mut results = Vec::with_capacity(placed.len());
    for (new, seq) in placed {
        results.push(match seq {
            Some(seq) => Ok(Appended::New(decide::message(new, seq, sent_at, None, Vec::new()))),
            None => match earlier(tx, &new.room, &new.client_id).await? {
                Some(found) => decide::resent(found, &new.author),
                None => Err(StoreError::Postgres("a resent message could not be read back".into())),
            },
        });
    }
    Ok(results)
}

/// A change event row as stored (`text` is an edit's text or a reaction's emoji).
struct ChangeRow<'a> {
    room: &'a str,
    seq: Seq,
    kind: i16,
    target: Seq,
    author: &'a str,
    text: &'a str,
    at: i64,
    mood: f32,
    lang: Option<&'a str>,
    mentions: &'a [String],
    mentions_room: bool,
}

impl<'a> ChangeRow<'a> {
    /// A change with no mood, language or mentions (all but an edit).
    fn new(room: &'a str, seq: Seq, kind: i16, target: Seq, author: &'a str, text: &'a str, at: i64) -> Self {
        ChangeRow {
            room,
            seq,
            kind,
            target,
            author,
            text,
            at,
            mood: 0.0,
            lang: None,
            mentions: &[],
            mentions_room: false,
        }
    }
}

async fn insert_change(tx: &Transaction<'_>, row: ChangeRow<'_>) -> Result<(), Error> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood, lang, kind, target, mentions,
                                   mentions_room)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &row.room,
            &(row.seq as i64),
            // Changes carry no client id of their own; this one never collides with a
            // client's (those are letters, digits, '-' and '_').
            &format!("~{}", row.seq),
            &row.author,
            &row.text,
            &row.at,
            &row.mood,
            &row.lang,
            &row.kind,
            &(row.target as i64),
            &stored_mentions(row.mentions),
            &row.mentions_room,
        ],
    )
    .await?;
    Ok(())
}

async fn change(
    tx: &Transaction<'_>,
    seqs: &mut Seqs,
    new: NewChange,
) -> Result<Result<Changed, StoreError>, Error> {
    // A room without a row has no messages to change.
    let Some(seq) = next_seq(seqs, &new.room) else { return Ok(Err(StoreError::UnknownMessage)) };
    let Some(original) = target(tx, &new.room, new.target).await? else {
        return Ok(Err(StoreError::UnknownMessage));
    };
    if let Some(answer) = decide::check(&original, &new) {
        return Ok(answer);
    }
    let (room, author, target) = (new.room.as_str(), new.author.as_str(), new.target);
    let target_key = target as i64;
    let person = protocol::nickname_key(author);
    if let ChangeKind::React { emoji, added } = &new.what {
        let had = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM reactions
                                WHERE room = $1 AND target = $2 AND emoji = $3 AND person = $4)",
            )
            .await?;
        let had: bool = tx.query_one(&had, &[&room, &target_key, &emoji, &person]).await?.try_get(0)?;
        if let Some(answer) = decide::check_reaction(had, *added) {
            return Ok(answer);
        }
        if *added {
            let count = tx
                .prepare_cached(
                    "SELECT COUNT(DISTINCT emoji), COALESCE(bool_or(emoji = $3), false) FROM reactions
                     WHERE room = $1 AND target = $2",
                )
                .await?;
            let found = tx.query_one(&count, &[&room, &target_key, &emoji]).await?;
            if let Some(answer) = decide::check_room_for_reaction(found.try_get(0)?, found.try_get(1)?) {
                return Ok(answer);
            }
        }
    }
    let now = now_millis();
    match &new.what {
        ChangeKind::Edit { text, mood, lang, mentions, mentions_room } => {
            insert_change(
                tx,
                ChangeRow {
                    mood: *mood,
                    lang: lang.as_deref(),
                    mentions,
                    mentions_room: *mentions_room,
                    ..ChangeRow::new(room, seq, EDIT, target, author, text, now)
                },
            )
            .await?;
            let stmt = tx
                .prepare_cached(
                    "UPDATE messages SET text = $3, mood = $4, lang = $5, mentions = $6, mentions_room = $7,
                                         edited_at = $8
                     WHERE room = $1 AND seq = $2",
                )
                .await?;
            let stored = stored_mentions(mentions);
            tx.execute(&stmt, &[&room, &target_key, text, mood, lang, &stored, mentions_room, &now]).await?;
        }
        ChangeKind::Delete => {
            insert_change(tx, ChangeRow::new(room, seq, DELETION, target, author, "", now)).await?;
            // The text goes, and so does every earlier version of it: its edits (and its
            // reactions) become deletions too, so no replay carries any of it.
            let clear = tx
                .prepare_cached(
                    "UPDATE messages SET text = '', mood = 0, lang = NULL, mentions = NULL, mentions_room = false,
                                         edited_at = NULL, deleted_at = $3, attachments = NULL
                     WHERE room = $1 AND seq = $2",
                )
                .await?;
            tx.execute(&clear, &[&room, &target_key, &now]).await?;
            // Its files go too (their contents once no other upload names them).
            let files = tx.prepare_cached("DELETE FROM uploads WHERE room = $1 AND seq = $2").await?;
            tx.execute(&files, &[&room, &target_key]).await?;
            let earlier = tx
                .prepare_cached(
                    "UPDATE messages SET kind = $3, text = '', mood = 0, lang = NULL, mentions = NULL,
                                         mentions_room = false
                     WHERE room = $1 AND target = $2 AND kind = ANY($4)",
                )
                .await?;
            let kinds = [DELETION, EDIT, REACTION_ADDED, REACTION_REMOVED];
            tx.execute(&earlier, &[&room, &target_key, &DELETION, &&kinds[..]]).await?;
            let reactions =
                tx.prepare_cached("DELETE FROM reactions WHERE room = $1 AND target = $2").await?;
            tx.execute(&reactions, &[&room, &target_key]).await?;
        }
        ChangeKind::React { emoji, added } => {
            let kind = if *added { REACTION_ADDED } else { REACTION_REMOVED };
            insert_change(tx, ChangeRow::new(room, seq, kind, target, author, emoji, now)).await?;
            if *added {
                let stmt = tx
                    .prepare_cached(
                        "INSERT INTO reactions (room, target, emoji, person, nickname, seq)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .await?;
                tx.execute(&stmt, &[&room, &target_key, emoji, &person, &author, &(seq as i64)]).await?;
            } else {
                let stmt = tx
                    .prepare_cached(
                        "DELETE FROM reactions WHERE room = $1 AND target = $2 AND emoji = $3 AND person = $4",
                    )
                    .await?;
                tx.execute(&stmt, &[&room, &target_key, emoji, &person]).await?;
            }
        }
    }
    take_seq(seqs, room, seq);
    Ok(Ok(Changed::New(decide::change(new, seq, now))))
}
