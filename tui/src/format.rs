//! How messages read in text.

use chrono::{DateTime, Local};
use protocol::{Attachment, Message};

/// `HH:MM` in the local time zone of a time in ms since the epoch.
pub fn local_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "--:--".to_owned(), |t| t.with_timezone(&Local).format("%H:%M").to_string())
}

/// A message as one line of plain mode: `HH:MM nickname: text`, its line breaks written `\n`
/// (and backslashes `\\`) so that one message is always one line; then each of its files as
/// ` 📎 name (size, type) URL`, and ` — caption` after a file with one of its own (`base`: the
/// server's `http(s)://host`).
pub fn plain_line(message: &Message, base: &str) -> String {
    let mut line = format!("{} {}: {}", local_time(message.sent_at), message.author, one_line(&message.text));
    for attachment in &message.attachments {
        if !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(&attachment_line(attachment, base));
    }
    line
}

/// A message's text on one line: its line breaks written `\n`, backslashes `\\`.
pub fn one_line(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "")
}

/// A number of bytes as the reader's language writes it: `512 bytes`, `2.5 KB`, `1.2 MB`,
/// `2,5 МБ` ([`i18n::size`], the sizes the browser shows).
pub fn size(bytes: u64) -> String {
    i18n::size(crate::lang::locale(), bytes)
}

/// A file's name, and its size and type (`1.2 MB, image/png`), as the terminal may show them.
pub fn attachment_parts(attachment: &Attachment) -> (String, String) {
    (clean(&attachment.name), format!("{}, {}", size(attachment.size), clean(&attachment.mime)))
}

/// `📎 name (1.2 MB, image/png)`.
pub fn attachment_label(attachment: &Attachment) -> String {
    let (name, details) = attachment_parts(attachment);
    format!("📎 {name} ({details})")
}

/// Where a file downloads from: the server's `http(s)://host` and the file's path.
pub fn attachment_url(attachment: &Attachment, base: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), attachment.url())
}

/// `📎 name (1.2 MB, image/png) https://host/files/ID/name`: a file as one line.
pub fn attachment_line(attachment: &Attachment, base: &str) -> String {
    let mut line = format!("{} {}", attachment_label(attachment), attachment_url(attachment, base));
    if let Some(caption) = attachment_caption(attachment) {
        line.push_str(" — ");
        line.push_str(&caption);
    }
    line
}

/// A file's own caption on one line, if it has one.
pub fn attachment_caption(attachment: &Attachment) -> Option<String> {
    attachment.caption.as_deref().filter(|c| !c.trim().is_empty()).map(|c| clean(c.trim()))
}

/// Text from the server as the terminal may show it: control characters (escape sequences, line
/// breaks) become spaces.
fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Attachment {
        Attachment {
            id: "u1".into(),
            name: "cat photo.png".into(),
            size: 1_234_567,
            mime: "image/png".into(),
            width: Some(800),
            height: Some(600),
            caption: None,
        }
    }

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
        let line = plain_line(&message, "http://h");
        assert!(line.ends_with(" ann: two\\nlines \\\\o/"), "{line}");
        assert_eq!(line.len(), "00:00 ann: two\\nlines \\\\o/".len());
        assert!(!line.contains('\n'));
    }

    #[test]
    fn sizes_are_said_in_the_readers_language() {
        // The rounding and units are protocol::size_parts' (tested there).
        assert_eq!(size(25 * 1024 * 1024), protocol::human_size(25 * 1024 * 1024));
        assert_eq!(size(1), "1 byte");
        let russian = crate::lang::with_locale(crate::lang::Locale::Ru, || (size(2_500), size(3)));
        assert_eq!(russian, ("2,5 КБ".to_owned(), "3 байта".to_owned()));
    }

    #[test]
    fn a_file_is_one_line_with_its_full_address() {
        let line = attachment_line(&cat(), "https://chat.example");
        assert_eq!(
            line,
            "📎 cat photo.png (1.2 MB, image/png) https://chat.example/files/u1/cat%20photo.png"
        );
        assert_eq!(attachment_url(&cat(), "http://h:3000/"), "http://h:3000/files/u1/cat%20photo.png");
        let sneaky = Attachment { name: "a\u{1b}[2Jb\nc".into(), ..cat() };
        assert!(attachment_label(&sneaky).starts_with("📎 a [2Jb c ("), "{}", attachment_label(&sneaky));
    }

    #[test]
    fn plain_mode_puts_files_after_the_text() {
        let mut message = Message {
            author: "ann".into(),
            text: "look".into(),
            attachments: vec![cat()],
            ..Message::default()
        };
        let at = local_time(0);
        let url = "http://h/files/u1/cat%20photo.png";
        assert_eq!(
            plain_line(&message, "http://h"),
            format!("{at} ann: look 📎 cat photo.png (1.2 MB, image/png) {url}")
        );
        message.text.clear();
        message.attachments.push(Attachment {
            id: "u2".into(),
            name: "b.txt".into(),
            size: 3,
            mime: "text/plain".into(),
            ..Attachment::default()
        });
        assert_eq!(
            plain_line(&message, "http://h"),
            format!(
                "{at} ann: 📎 cat photo.png (1.2 MB, image/png) {url} 📎 b.txt (3 bytes, text/plain) http://h/files/u2/b.txt"
            )
        );
    }

    #[test]
    fn a_files_own_caption_follows_it_on_its_line() {
        let captioned = Attachment { caption: Some(" the view\nfrom the top ".into()), ..cat() };
        assert_eq!(
            attachment_line(&captioned, "http://h"),
            "📎 cat photo.png (1.2 MB, image/png) http://h/files/u1/cat%20photo.png — the view from the top"
        );
        let blank = Attachment { caption: Some("  ".into()), ..cat() };
        assert_eq!(attachment_line(&blank, "http://h"), attachment_line(&cat(), "http://h"));
    }
}
