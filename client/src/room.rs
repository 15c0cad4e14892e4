//! What a client knows about one joined room.

use protocol::{Change, Message, Seq, Unread};

/// A message the reader sent that the server has not yet acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
    /// The message it answers.
    pub reply_to: Option<Seq>,
    /// Files uploaded for it.
    pub attachments: Vec<protocol::Attachment>,
}

/// Someone typing in a room; `draft` is their text if they share it.
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub author: String,
    pub draft: Option<String>,
    /// When the last update came, ms since the epoch.
    pub at: f64,
}

/// A quiet line in the conversation, shown after message `after_seq`: `person` came into the
/// room (`joined`) or left it. Each client words it in its reader's language
/// (`i18n::presence`); [`SystemLine::text`] is the English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemLine {
    pub id: u64,
    pub after_seq: Seq,
    pub person: String,
    pub joined: bool,
}

impl SystemLine {
    /// "bob joined", "bob left".
    pub fn text(&self) -> String {
        format!("{} {}", self.person, if self.joined { "joined" } else { "left" })
    }
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
    /// The last `seq` (of a message or a change) this client has applied: where a
    /// reconnect resumes.
    pub last_event: Seq,
    /// The server's count from the reader's read position when the connection opened.
    pub server_unread: Option<Unread>,
}

impl Room {
    pub fn new(name: &str, last_read: Seq) -> Self {
        Room { name: name.to_owned(), last_read, ..Room::default() }
    }

    /// The last `seq` this client has of the room (a message's or a change's).
    pub fn last_seq(&self) -> Seq {
        self.messages.last().map_or(0, |m| m.seq).max(self.last_event)
    }

    /// Where a reconnect resumes: after the last event held, or from the latest page.
    pub fn since(&self) -> Option<Seq> {
        self.loaded.then(|| self.last_seq())
    }

    /// Others' messages after the reader's last read one.
    pub fn unread(&self, me: &str) -> usize {
        let (server, from) = self.server_part(|u| u.unread);
        server + unread(&self.messages, from, me)
    }

    /// Of those, the ones that mention the reader (or the whole room).
    pub fn mentions(&self, me: &str) -> usize {
        let (server, from) = self.server_part(|u| u.mentions);
        server + mentions(&self.messages, from, me)
    }

    /// The server's count that still stands (the reader has not read past it since), and
    /// from which `seq` on the messages held are counted here instead.
    fn server_part(&self, count: impl Fn(&Unread) -> u32) -> (usize, Seq) {
        match &self.server_unread {
            Some(u) if self.last_read <= u.read => (count(u) as usize, self.last_read.max(u.last)),
            _ => (0, self.last_read),
        }
    }

    /// The message with this `seq`, if held.
    pub fn message(&self, seq: Seq) -> Option<&Message> {
        self.messages.binary_search_by_key(&seq, |m| m.seq).ok().map(|at| &self.messages[at])
    }

    /// Applies a change (to the message it names, if held; replies quoting a deleted message
    /// show it deleted). Whether anything held changed.
    pub fn apply(&mut self, change: &Change) -> bool {
        let mut changed = false;
        if let Ok(at) = self.messages.binary_search_by_key(&change.target(), |m| m.seq) {
            changed = change.apply_to(&mut self.messages[at]);
        }
        if let Change::Deleted(deletion) = change {
            for message in &mut self.messages {
                if let Some(quote) =
                    message.reply_to.as_mut().filter(|q| q.seq == deletion.target && !q.deleted)
                {
                    quote.deleted = true;
                    quote.text.clear();
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Others' messages in `messages` (in `seq` order) after `last_read`.
pub fn unread(messages: &[Message], last_read: Seq, me: &str) -> usize {
    messages.iter().rev().take_while(|m| m.seq > last_read).filter(|m| !m.deleted && m.author != me).count()
}

/// Others' messages in `messages` after `last_read` that mention `me` or the whole room.
pub fn mentions(messages: &[Message], last_read: Seq, me: &str) -> usize {
    messages
        .iter()
        .rev()
        .take_while(|m| m.seq > last_read)
        .filter(|m| m.author != me && mentions_me(m, me))
        .count()
}

/// Whether `message` mentions the person called `me` (in any spelling) or the whole room.
pub fn mentions_me(message: &Message, me: &str) -> bool {
    (message.mentions_room || !message.mentions.is_empty()) && message.mentions_person(me)
}
