//! Rows read back as what the engine and clients get: a message row (with the message it
//! answers and its reactions) as a [`Message`] in its current state, a change row as the
//! change event it was, people and rooms. Columns are stored as in SQLite
//! ([`crate::store::columns`]).

use crate::store::columns::EventRow;
use crate::store::reads::{add_reaction, messages_among, replace_messages};
use crate::store::{StoredRoom, UserRecord};
use deadpool_postgres::GenericClient;
use protocol::{Message, RoomInfo, RoomKind, Seq, ServerEvent};
use std::collections::HashMap;
use tokio_postgres::{Error, Row};

/// Every column an event is read from: the row (`m`) and the message it answers (`q`).
pub const SELECT: &str = "SELECT m.room, m.seq, m.client_id, m.author, m.text, m.sent_at, m.mood, m.lang,
        m.kind, m.target, m.reply_to, m.mentions, m.mentions_room, m.edited_at, m.deleted_at,
        q.author, q.text, q.deleted_at, m.attachments
    FROM messages m LEFT JOIN messages q ON q.room = m.room AND q.seq = m.reply_to";

/// A row of [`SELECT`], in the order of [`EventRow`].
fn columns(row: &Row) -> Result<EventRow, Error> {
    Ok(EventRow {
        room: row.try_get(0)?,
        seq: row.try_get(1)?,
        client_id: row.try_get(2)?,
        author: row.try_get(3)?,
        text: row.try_get(4)?,
        sent_at: row.try_get(5)?,
        mood: row.try_get(6)?,
        lang: row.try_get(7)?,
        kind: row.try_get(8)?,
        target: row.try_get(9)?,
        reply_to: row.try_get(10)?,
        mentions: row.try_get(11)?,
        mentions_room: row.try_get(12)?,
        edited_at: row.try_get(13)?,
        deleted_at: row.try_get(14)?,
        quoted_author: row.try_get(15)?,
        quoted_text: row.try_get(16)?,
        quoted_deleted_at: row.try_get(17)?,
        attachments: row.try_get(18)?,
    })
}

/// A row of [`SELECT`] that is a message.
pub fn message(row: &Row) -> Result<Message, Error> {
    columns(row).map(EventRow::into_message)
}

/// A row of [`SELECT`] as the event it is.
pub fn event(row: &Row) -> Result<ServerEvent, Error> {
    columns(row).map(EventRow::into_event)
}

/// A row of `SELECT id, nickname, nickname_key, password_hash FROM users`.
pub fn user(row: &Row) -> Result<UserRecord, Error> {
    Ok(UserRecord {
        id: row.try_get(0)?,
        nickname: row.try_get(1)?,
        nickname_key: row.try_get(2)?,
        password_hash: row.try_get(3)?,
    })
}

/// The room's latest `seq`, of any event (0 when it has none, or is unknown).
pub async fn last_seq(client: &impl GenericClient, room: &str) -> Result<Seq, Error> {
    let stmt = client.prepare_cached("SELECT last_seq FROM rooms WHERE name = $1").await?;
    let row = client.query_opt(&stmt, &[&room]).await?;
    Ok(match row {
        Some(row) => row.try_get::<_, i64>(0)? as Seq,
        None => 0,
    })
}

/// Fills in the reactions of `messages` (of one room, in `seq` order): per emoji in the
/// order it was first used, the people in the order they reacted.
pub async fn attach_reactions(
    client: &impl GenericClient,
    room: &str,
    messages: &mut [Message],
) -> Result<(), Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let targets: Vec<i64> = messages.iter().map(|m| m.seq as i64).collect();
    let stmt = client
        .prepare_cached(
            "SELECT target, emoji, nickname FROM reactions WHERE room = $1 AND target = ANY($2)
             ORDER BY target, seq",
        )
        .await?;
    for row in client.query(&stmt, &[&room, &targets]).await? {
        let target = row.try_get::<_, i64>(0)? as Seq;
        add_reaction(messages, target, row.try_get(1)?, row.try_get(2)?);
    }
    Ok(())
}

/// [`attach_reactions`] for the messages among `events` (in `seq` order).
pub async fn attach_reactions_to_events(
    client: &impl GenericClient,
    room: &str,
    events: &mut [ServerEvent],
) -> Result<(), Error> {
    let mut messages = messages_among(events);
    if messages.is_empty() {
        return Ok(());
    }
    attach_reactions(client, room, &mut messages).await?;
    replace_messages(events, messages);
    Ok(())
}

/// Every room (or the one called `only`), sorted by name, with owner and members. Names sort
/// by code point (`COLLATE "C"`), as in SQLite, whatever the database's collation.
pub async fn rooms(client: &impl GenericClient, only: Option<&str>) -> Result<Vec<StoredRoom>, Error> {
    let stmt = client
        .prepare_cached(
            "SELECT r.name, r.created_at, r.kind, r.owner, u.nickname FROM rooms r
             LEFT JOIN users u ON u.id = r.owner
             WHERE $1::TEXT IS NULL OR r.name = $1 ORDER BY r.name COLLATE \"C\"",
        )
        .await?;
    let mut rooms = Vec::new();
    for row in client.query(&stmt, &[&only]).await? {
        let kind = match row.try_get::<_, &str>(2)? {
            "private" => RoomKind::Private,
            "direct" => RoomKind::Direct,
            _ => RoomKind::Public,
        };
        let info = RoomInfo {
            kind,
            owner: row.try_get(4)?,
            ..RoomInfo::public(row.try_get::<_, String>(0)?, row.try_get(1)?)
        };
        rooms.push(StoredRoom { info, owner: row.try_get(3)?, members: Vec::new() });
    }
    let stmt = client
        .prepare_cached(
            "SELECT m.room, m.user_id, u.nickname FROM room_members m JOIN users u ON u.id = m.user_id
             WHERE $1::TEXT IS NULL OR m.room = $1 ORDER BY m.room, u.nickname_key COLLATE \"C\"",
        )
        .await?;
    let mut by_room: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for row in client.query(&stmt, &[&only]).await? {
        by_room.entry(row.try_get(0)?).or_default().push((row.try_get(1)?, row.try_get(2)?));
    }
    for room in &mut rooms {
        room.members = by_room.remove(&room.info.name).unwrap_or_default();
        room.info.members = room.members.iter().map(|(_, nickname)| nickname.clone()).collect();
    }
    Ok(rooms)
}
