//! Rows of `messages` read back as what clients receive: a message row (with the message it
//! answers and its reactions) as a [`Message`] in its current state, a change row as the
//! change event it was.

use crate::store::columns::EventRow;
use crate::store::reads::{add_reaction, messages_among, replace_messages};
use protocol::{Message, Seq, ServerEvent};
use rusqlite::{params, Connection, Row};

pub use crate::store::columns::{
    stored_attachments, stored_mentions, DELETION, EDIT, REACTION_ADDED, REACTION_REMOVED,
};

/// Every column an event is read from: the row (`m`) and the message it answers (`q`).
pub const SELECT: &str = "SELECT m.room, m.seq, m.client_id, m.author, m.text, m.sent_at, m.mood, m.lang,
        m.kind, m.target, m.reply_to, m.mentions, m.mentions_room, m.edited_at, m.deleted_at,
        q.author, q.text, q.deleted_at, m.attachments
    FROM messages m LEFT JOIN messages q ON q.room = m.room AND q.seq = m.reply_to";

/// A row of [`SELECT`], in the order of [`EventRow`].
fn columns(row: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        room: row.get(0)?,
        seq: row.get(1)?,
        client_id: row.get(2)?,
        author: row.get(3)?,
        text: row.get(4)?,
        sent_at: row.get(5)?,
        mood: row.get::<_, f64>(6)? as f32,
        lang: row.get(7)?,
        kind: row.get(8)?,
        target: row.get(9)?,
        reply_to: row.get(10)?,
        mentions: row.get(11)?,
        mentions_room: row.get(12)?,
        edited_at: row.get(13)?,
        deleted_at: row.get(14)?,
        quoted_author: row.get(15)?,
        quoted_text: row.get(16)?,
        quoted_deleted_at: row.get(17)?,
        attachments: row.get(18)?,
    })
}

/// A row of [`SELECT`] that is a message.
pub fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    columns(row).map(EventRow::into_message)
}

/// A row of [`SELECT`] as the event it is.
pub fn event(row: &Row<'_>) -> rusqlite::Result<ServerEvent> {
    columns(row).map(EventRow::into_event)
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
        add_reaction(messages, target, emoji, nickname);
    }
    Ok(())
}

/// [`attach_reactions`] for the messages among `events`.
pub fn attach_reactions_to_events(
    conn: &Connection,
    room: &str,
    events: &mut [ServerEvent],
) -> rusqlite::Result<()> {
    let mut messages = messages_among(events);
    if messages.is_empty() {
        return Ok(());
    }
    attach_reactions(conn, room, &mut messages)?;
    replace_messages(events, messages);
    Ok(())
}
