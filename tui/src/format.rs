//! How messages read in text.

use chrono::{DateTime, Local};
use protocol::Message;

/// `HH:MM` in the local time zone of a time in ms since the epoch.
pub fn local_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "--:--".to_owned(), |t| t.with_timezone(&Local).format("%H:%M").to_string())
}

/// A message as one line of plain mode: `HH:MM nickname: text`, its line breaks written `\n`
/// (and backslashes `\\`) so that one message is always one line.
pub fn plain_line(message: &Message) -> String {
    format!("{} {}: {}", local_time(message.sent_at), message.author, one_line(&message.text))
}

/// A message's text on one line: its line breaks written `\n`, backslashes `\\`.
pub fn one_line(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_is_one_line() {
        let message = Message {
            room: "general".into(),
            seq: 1,
            client_id: "c".into(),
            author: "ann".into(),
            text: "two\nlines \\o/".into(),
            sent_at: 0,
            mood: 0.0,
            lang: None,
            ..Message::default()
        };
        let line = plain_line(&message);
        assert!(line.ends_with(" ann: two\\nlines \\\\o/"), "{line}");
        assert_eq!(line.len(), "00:00 ann: two\\nlines \\\\o/".len());
        assert!(!line.contains('\n'));
    }
}
