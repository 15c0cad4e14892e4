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
