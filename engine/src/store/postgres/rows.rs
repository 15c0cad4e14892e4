//! Rows read back as what the engine and clients get: a message row (with the message it
//! answers and its reactions) as a [`Message`] in its current state, a change row as the
//! change event it was, people and rooms. Columns are stored as in SQLite
//! ([`crate::store::columns`]).

use crate::store::columns::{attachments_of, mentions_of, MESSAGE, REACTION_ADDED, REACTION_REMOVED};
use crate::store::{StoredRoom, UserRecord};
use deadpool_postgres::GenericClient;
use protocol::{
    Change, Deletion, Edit, Message, Quote, Reaction, Reactions, RoomInfo, RoomKind, Seq, ServerEvent,
};
use std::collections::HashMap;
use tokio_postgres::{Error, Row};

/// Every column an event is read from: the row (`m`) and the message it answers (`q`).
pub const SELECT: &str = "SELECT m.room, m.seq, m.client_id, m.author, m.text, m.sent_at, m.mood, m.lang,
        m.kind, m.target, m.reply_to, m.mentions, m.mentions_room, m.edited_at, m.deleted_at,
        q.author, q.text, q.deleted_at, m.attachments
    FROM messages m LEFT JOIN messages q ON q.room = m.room AND q.seq = m.reply_to";

/// A row of [`SELECT`] that is a message.
pub fn message(row: &Row) -> Result<Message, Error> {
    let reply_to = match row.try_get::<_, Option<i64>>(10)? {
        Some(seq) => {
            let deleted = row.try_get::<_, Option<i64>>(17)?.is_some();
            let text: Option<String> = row.try_get(16)?;
            Some(Quote {
                seq: seq as Seq,
                author: row.try_get::<_, Option<String>>(15)?.unwrap_or_default(),
                text: if deleted {
                    String::new()
                } else {
                    text.as_deref().map(crate::store::quote_text).unwrap_or_default()
                },
                deleted: deleted || text.is_none(),
            })
        }
        None => None,
    };
    let mut message = Message {
        room: row.try_get(0)?,
        seq: row.try_get::<_, i64>(1)? as Seq,
        client_id: row.try_get(2)?,
        author: row.try_get(3)?,
        text: row.try_get(4)?,
        sent_at: row.try_get(5)?,
        mood: row.try_get(6)?,
        lang: row.try_get(7)?,
        reply_to,
        mentions: mentions_of(row.try_get(11)?),
        mentions_room: row.try_get(12)?,
        edited_at: row.try_get(13)?,
        deleted: false,
        reactions: Vec::new(),
        attachments: attachments_of(row.try_get(18)?),
    };
    if row.try_get::<_, Option<i64>>(14)?.is_some() {
        message.delete();
    }
    Ok(message)
}

/// A row of [`SELECT`] as the event it is.
pub fn event(row: &Row) -> Result<ServerEvent, Error> {
    let kind: i16 = row.try_get(8)?;
    if kind == MESSAGE {
        return message(row).map(ServerEvent::Message);
    }
    let room: String = row.try_get(0)?;
    let seq = row.try_get::<_, i64>(1)? as Seq;
    let target = row.try_get::<_, Option<i64>>(9)?.unwrap_or(0) as Seq;
    let change = match kind {
        crate::store::columns::EDIT => Change::Edited(Edit {
            room,
            seq,
            target,
            author: row.try_get(3)?,
            text: row.try_get(4)?,
            mood: row.try_get(6)?,
            lang: row.try_get(7)?,
            mentions: mentions_of(row.try_get(11)?),
            mentions_room: row.try_get(12)?,
            edited_at: row.try_get(5)?,
        }),
        REACTION_ADDED | REACTION_REMOVED => Change::Reaction(Reaction {
            room,
            seq,
            target,
            emoji: row.try_get(4)?,
            author: row.try_get(3)?,
            added: kind == REACTION_ADDED,
        }),
        _ => Change::Deleted(Deletion { room, seq, target }),
    };
    Ok(change.into_event())
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
        let (emoji, nickname): (String, String) = (row.try_get(1)?, row.try_get(2)?);
        let Ok(at) = messages.binary_search_by_key(&target, |m| m.seq) else { continue };
        let reactions = &mut messages[at].reactions;
        match reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(existing) => existing.people.push(nickname),
            None => reactions.push(Reactions { emoji, people: vec![nickname] }),
        }
    }
    Ok(())
}

/// [`attach_reactions`] for the messages among `events` (in `seq` order).
pub async fn attach_reactions_to_events(
    client: &impl GenericClient,
    room: &str,
    events: &mut [ServerEvent],
) -> Result<(), Error> {
    let mut messages: Vec<Message> = events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    if messages.is_empty() {
        return Ok(());
    }
    attach_reactions(client, room, &mut messages).await?;
    let mut reacted = messages.into_iter();
    for event in events {
        if let ServerEvent::Message(m) = event {
            if let Some(with) = reacted.next() {
                *m = with;
            }
        }
    }
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
