//! What a client knows about one joined room.

use protocol::{Message, Seq};

/// A message the reader sent that the server has not yet acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
}

/// Someone typing in a room; `draft` is their text if they share it.
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub author: String,
    pub draft: Option<String>,
    /// When the last update came, ms since the epoch.
    pub at: f64,
}

/// A quiet line in the conversation ("bob joined"), shown after message `after_seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemLine {
    pub id: u64,
    pub after_seq: Seq,
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Room {
    pub name: String,
    /// In `seq` order, without duplicates.
    pub messages: Vec<Message>,
    /// Older messages exist before the first one held.
    pub has_more: bool,
    pub pending: Vec<Pending>,
    /// Who is here, sorted: everyone in a small room, the pages loaded so far in a big one.
    pub members: Vec<String>,
    /// How many people are here (more than `members` holds in a big room).
    pub count: usize,
    pub typists: Vec<Typist>,
    pub system: Vec<SystemLine>,
    /// The last `seq` the reader has seen here.
    pub last_read: Seq,
    pub loading_older: bool,
    /// The history has been received (server rendered or over the socket).
    pub loaded: bool,
}

impl Room {
    pub fn new(name: &str, last_read: Seq) -> Self {
        Room { name: name.to_owned(), last_read, ..Room::default() }
    }

    pub fn last_seq(&self) -> Seq {
        self.messages.last().map_or(0, |m| m.seq)
    }

    /// Where a reconnect resumes: after the last message held, or from the latest page.
    pub fn since(&self) -> Option<Seq> {
        self.loaded.then(|| self.last_seq())
    }

    /// Others' messages after the reader's last read one.
    pub fn unread(&self, me: &str) -> usize {
        unread(&self.messages, self.last_read, me)
    }
}

/// Others' messages in `messages` (in `seq` order) after `last_read`.
pub fn unread(messages: &[Message], last_read: Seq, me: &str) -> usize {
    messages.iter().rev().take_while(|m| m.seq > last_read).filter(|m| m.author != me).count()
}
