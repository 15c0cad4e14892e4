//! What reads make of the rows they find, the same in every backend: a page of history cut
//! from the rows `latest` read, reactions grouped onto their messages, unread counts. The
//! queries stay with each backend.

use super::MAX_PAGE;
use protocol::{Message, Reactions, Seq, ServerEvent};

/// How many messages a `latest` read may return: `limit`, or up to [`MAX_PAGE`] when it
/// reaches back to `until`. The backend reads one row more, which tells whether older
/// messages exist.
pub fn page_rows(until: Option<Seq>, limit: usize) -> usize {
    if until.is_some() {
        MAX_PAGE.max(limit)
    } else {
        limit
    }
}

/// The page in `found` (newest first, at most [`page_rows`] + 1 of them): the newest `limit`,
/// and further back to `until` if that was asked for; oldest first, and whether older
/// messages exist before it.
pub fn page(mut found: Vec<Message>, until: Option<Seq>, limit: usize) -> (Vec<Message>, bool) {
    let most = page_rows(until, limit);
    let floor = until.map_or(i64::MAX, |u| u as i64);
    let keep = found
        .iter()
        .enumerate()
        .take_while(|(i, m)| *i < most && (*i < limit || m.seq as i64 >= floor))
        .count();
    let has_more = found.len() > keep;
    found.truncate(keep);
    found.reverse();
    (found, has_more)
}

/// Adds `nickname`'s reaction `emoji` to the message `target` among `messages` (in `seq`
/// order; none if it is not among them). Fed in order, per emoji in the order it was first
/// used, the people in the order they reacted.
pub fn add_reaction(messages: &mut [Message], target: Seq, emoji: String, nickname: String) {
    let Ok(at) = messages.binary_search_by_key(&target, |m| m.seq) else { return };
    let reactions = &mut messages[at].reactions;
    match reactions.iter_mut().find(|r| r.emoji == emoji) {
        Some(existing) => existing.people.push(nickname),
        None => reactions.push(Reactions { emoji, people: vec![nickname] }),
    }
}

/// The messages among `events`, in order (to have their reactions added, then
/// [`replace_messages`]).
pub fn messages_among(events: &[ServerEvent]) -> Vec<Message> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// Puts `messages` (from [`messages_among`]) back in place of the messages among `events`.
pub fn replace_messages(events: &mut [ServerEvent], messages: Vec<Message>) {
    let mut replaced = messages.into_iter();
    for event in events {
        if let ServerEvent::Message(m) = event {
            if let Some(with) = replaced.next() {
                *m = with;
            }
        }
    }
}

/// Unread counts look at most this many messages after a read position.
pub const UNREAD_SCAN: i64 = protocol::UNREAD_CAP as i64 + 1;

/// One room's unread messages as they are counted, from the messages after a read position
/// (at most [`UNREAD_SCAN`], not deleted, in `seq` order).
#[derive(Default)]
pub struct Unread {
    unread: u32,
    mentions: u32,
}

impl Unread {
    /// Counts a message by `author` (with its `mentions` as stored, and whether it mentions
    /// everyone) for the reader whose nickname key is `me`: their own do not count.
    pub fn count(&mut self, me: &str, author: &str, mentions: Option<String>, everyone: bool) {
        if protocol::nickname_key(author) == me {
            return;
        }
        self.unread += 1;
        let named = super::columns::mentions_of(mentions);
        if everyone || named.iter().any(|n| protocol::nickname_key(n) == me) {
            self.mentions += 1;
        }
    }

    /// The counts of `room`, read up to `read`, whose latest seq is `last`.
    pub fn of(self, room: String, read: Seq, last: Seq) -> protocol::Unread {
        protocol::Unread {
            room,
            read,
            last,
            unread: self.unread.min(protocol::UNREAD_CAP),
            mentions: self.mentions.min(protocol::UNREAD_CAP),
        }
    }
}
