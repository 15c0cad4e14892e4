//! How the columns of a room event are stored, the same in every backend: the row kinds of
//! `messages`, mentions as lines, attachments as JSON, times as milliseconds.

/// Row kinds (`messages.kind`, see the SQLite migration 0007).
pub const MESSAGE: i16 = 0;
pub const EDIT: i16 = 1;
pub const DELETION: i16 = 2;
pub const REACTION_ADDED: i16 = 3;
pub const REACTION_REMOVED: i16 = 4;

/// Nicknames as stored in `mentions`: one per line.
pub fn mentions_of(stored: Option<String>) -> Vec<String> {
    stored.map(|s| s.lines().map(str::to_owned).collect()).unwrap_or_default()
}

/// `mentions` as stored (NULL for none).
pub fn stored_mentions(mentions: &[String]) -> Option<String> {
    (!mentions.is_empty()).then(|| mentions.join("\n"))
}

/// A message's files as stored in `attachments` (JSON; NULL for none).
pub fn attachments_of(stored: Option<String>) -> Vec<protocol::Attachment> {
    stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}

/// `attachments` as stored.
pub fn stored_attachments(attachments: &[protocol::Attachment]) -> Option<String> {
    (!attachments.is_empty()).then(|| serde_json::to_string(attachments).unwrap_or_default())
}

/// Now, in milliseconds since the epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Two spellings of one nickname (only a message's author may edit or delete it).
pub fn same_person(a: &str, b: &str) -> bool {
    protocol::nickname_key(a) == protocol::nickname_key(b)
}

/// The columns of one row of a backend's `rows::SELECT`, in its order, as plain values: the
/// row (`m`) and the message it answers (`q`).
pub struct EventRow {
    pub room: String,
    pub seq: i64,
    pub client_id: String,
    pub author: String,
    pub text: String,
    pub sent_at: i64,
    pub mood: f32,
    pub lang: Option<String>,
    pub kind: i16,
    pub target: Option<i64>,
    pub reply_to: Option<i64>,
    pub mentions: Option<String>,
    pub mentions_room: bool,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub quoted_author: Option<String>,
    pub quoted_text: Option<String>,
    pub quoted_deleted_at: Option<i64>,
    pub attachments: Option<String>,
}

impl EventRow {
    /// A message row as the [`protocol::Message`] it is now (reactions are added apart).
    pub fn into_message(self) -> protocol::Message {
        let reply_to = self.reply_to.map(|seq| {
            let deleted = self.quoted_deleted_at.is_some();
            protocol::Quote {
                seq: seq as protocol::Seq,
                author: self.quoted_author.unwrap_or_default(),
                text: if deleted {
                    String::new()
                } else {
                    self.quoted_text.as_deref().map(super::quote_text).unwrap_or_default()
                },
                deleted: deleted || self.quoted_text.is_none(),
            }
        });
        let mut message = protocol::Message {
            room: self.room,
            seq: self.seq as protocol::Seq,
            client_id: self.client_id,
            author: self.author,
            text: self.text,
            sent_at: self.sent_at,
            mood: self.mood,
            lang: self.lang,
            reply_to,
            mentions: mentions_of(self.mentions),
            mentions_room: self.mentions_room,
            edited_at: self.edited_at,
            deleted: false,
            reactions: Vec::new(),
            attachments: attachments_of(self.attachments),
        };
        if self.deleted_at.is_some() {
            message.delete();
        }
        message
    }

    /// Any row as the event it is: a message as it is now, a change as the change it was.
    pub fn into_event(self) -> protocol::ServerEvent {
        use protocol::{Change, Deletion, Edit, Reaction};
        let kind = self.kind;
        if kind == MESSAGE {
            return protocol::ServerEvent::Message(self.into_message());
        }
        let (room, seq) = (self.room, self.seq as protocol::Seq);
        let target = self.target.unwrap_or(0) as protocol::Seq;
        let change = match kind {
            EDIT => Change::Edited(Edit {
                room,
                seq,
                target,
                author: self.author,
                text: self.text,
                mood: self.mood,
                lang: self.lang,
                mentions: mentions_of(self.mentions),
                mentions_room: self.mentions_room,
                edited_at: self.sent_at,
            }),
            REACTION_ADDED | REACTION_REMOVED => Change::Reaction(Reaction {
                room,
                seq,
                target,
                emoji: self.text,
                author: self.author,
                added: kind == REACTION_ADDED,
            }),
            _ => Change::Deleted(Deletion { room, seq, target }),
        };
        change.into_event()
    }
}
