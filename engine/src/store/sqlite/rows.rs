//! Rows of `messages` read back as what clients receive: a message row (with the message it
//! answers and its reactions) as a [`Message`] in its current state, a change row as the
//! change event it was.

use protocol::{Change, Deletion, Edit, Message, Quote, Reaction, Reactions, Seq, ServerEvent};
use rusqlite::{params, Connection, Row};

pub use crate::store::columns::{
    attachments_of, mentions_of, stored_attachments, stored_mentions, DELETION, EDIT, MESSAGE,
    REACTION_ADDED, REACTION_REMOVED,
};

/// Every column an event is read from: the row (`m`) and the message it answers (`q`).
pub const SELECT: &str = "SELECT m.room, m.seq, m.client_id, m.author, m.text, m.sent_at, m.mood, m.lang,
        m.kind, m.target, m.reply_to, m.mentions, m.mentions_room, m.edited_at, m.deleted_at,
        q.author, q.text, q.deleted_at, m.attachments
    FROM messages m LEFT JOIN messages q ON q.room = m.room AND q.seq = m.reply_to";

/// A row of [`SELECT`] that is a message.
pub fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    let reply_to = match row.get::<_, Option<i64>>(10)? {
        Some(seq) => {
            let deleted = row.get::<_, Option<i64>>(17)?.is_some();
            let text: Option<String> = row.get(16)?;
            Some(Quote {
                seq: seq as Seq,
                author: row.get::<_, Option<String>>(15)?.unwrap_or_default(),
                text: if deleted {
                    String::new()
                } else {
                    text.as_deref().map(super::super::quote_text).unwrap_or_default()
                },
                deleted: deleted || text.is_none(),
            })
        }
        None => None,
    };
    let mut message = Message {
        room: row.get(0)?,
        seq: row.get::<_, i64>(1)? as Seq,
        client_id: row.get(2)?,
        author: row.get(3)?,
        text: row.get(4)?,
        sent_at: row.get(5)?,
        mood: row.get::<_, f64>(6)? as f32,
        lang: row.get(7)?,
        reply_to,
        mentions: mentions_of(row.get(11)?),
        mentions_room: row.get(12)?,
        edited_at: row.get(13)?,
        deleted: false,
        reactions: Vec::new(),
        attachments: attachments_of(row.get(18)?),
    };
    if row.get::<_, Option<i64>>(14)?.is_some() {
        message.delete();
    }
    Ok(message)
}

/// A row of [`SELECT`] as the event it is.
pub fn event(row: &Row<'_>) -> rusqlite::Result<ServerEvent> {
    let kind: i16 = row.get(8)?;
    if kind == MESSAGE {
        return message(row).map(ServerEvent::Message);
    }
    let room: String = row.get(0)?;
    let seq = row.get::<_, i64>(1)? as Seq;
    let target = row.get::<_, Option<i64>>(9)?.unwrap_or(0) as Seq;
    let change = match kind {
        EDIT => Change::Edited(Edit {
            room,
            seq,
            target,
            author: row.get(3)?,
            text: row.get(4)?,
            mood: row.get::<_, f64>(6)? as f32,
            lang: row.get(7)?,
            mentions: mentions_of(row.get(11)?),
            mentions_room: row.get(12)?,
            edited_at: row.get(5)?,
        }),
        REACTION_ADDED | REACTION_REMOVED => Change::Reaction(Reaction {
            room,
            seq,
            target,
            emoji: row.get(4)?,
            author: row.get(3)?,
            added: kind == REACTION_ADDED,
        }),
        _ => Change::Deleted(Deletion { room, seq, target }),
    };
    Ok(change.into_event())
}

/// The room's latest `seq`, of any event (0 when it has none).
pub fn last_seq(conn: &Connection, room: &str) -> rusqlite::Result<Seq> {
    conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1")?
        .query_row([room], |r| r.get::<_, i64>(0))
        .map(|seq| seq as Seq)
}

/// Fills in the reactions of `messages` (in `seq` order, of one room): per emoji in the order
/// it was first used, the people in the order they reacted.
pub fn attach_reactions(conn: &Connection, room: &str, messages: &mut [Message]) -> rusqlite::Result<()> {
    let (Some(first), Some(last)) = (messages.first(), messages.last()) else { return Ok(()) };
    let (first, last) = (first.seq as i64, last.seq as i64);
    let mut stmt = conn.prepare_cached(
        "SELECT target, emoji, nickname FROM reactions WHERE room = ?1 AND target BETWEEN ?2 AND ?3
         ORDER BY target, seq",
    )?;
    let rows = stmt.query_map(params![room, first, last], |r| {
        Ok((r.get::<_, i64>(0)? as Seq, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?;
    for row in rows {
        let (target, emoji, nickname) = row?;
        let Ok(at) = messages.binary_search_by_key(&target, |m| m.seq) else { continue };
        let reactions = &mut messages[at].reactions;
        match reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(existing) => existing.people.push(nickname),
            None => reactions.push(Reactions { emoji, people: vec![nickname] }),
        }
    }
    Ok(())
}

/// [`attach_reactions`] for the messages among `events`.
pub fn attach_reactions_to_events(
    conn: &Connection,
    room: &str,
    events: &mut [ServerEvent],
) -> rusqlite::Result<()> {
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
    attach_reactions(conn, room, &mut messages)?;
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
