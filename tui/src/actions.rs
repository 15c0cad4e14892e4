//! What the message commands act on: the selected message, or by default the latest one that
//! fits (`/reply` and `/react`: someone else's; `/edit` and `/delete`: the reader's own); how
//! Alt-Up and Alt-Down move the selection; and the emoji a `/react` names.

use protocol::{Message, Seq};

/// What a command needs of its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Any message; by default the latest by someone else (`/reply`, `/react`).
    Answer,
    /// One of the reader's own (`/edit`, `/delete`).
    Own,
}

/// The message a command acts on in `messages` (in `seq` order), or why there is none (the
/// key of its text in the catalogue).
pub fn target<'m>(
    messages: &'m [Message],
    selected: Option<Seq>,
    me: &str,
    want: Want,
) -> Result<&'m Message, &'static str> {
    if let Some(seq) = selected {
        let at = messages.binary_search_by_key(&seq, |m| m.seq).map_err(|_| "tui-selected-gone")?;
        let message = &messages[at];
        return if message.deleted {
            Err("tui-selected-deleted")
        } else if want == Want::Own && message.author != me {
            Err("tui-not-yours")
        } else {
            Ok(message)
        };
    }
    let mut live = messages.iter().rev().filter(|m| !m.deleted);
    match want {
        Want::Answer => live.find(|m| m.author != me).ok_or("tui-no-answerable"),
        Want::Own => live.find(|m| m.author == me).ok_or("tui-no-own"),
    }
}

/// The selection after Alt-Up (`older`) or Alt-Down: from none, Alt-Up takes the newest
/// message; past the newest, Alt-Down lets go; at the oldest held, Alt-Up stays.
pub fn step(messages: &[Message], selected: Option<Seq>, older: bool) -> Option<Seq> {
    match (selected, older) {
        (None, true) => messages.last().map(|m| m.seq),
        (None, false) => None,
        (Some(seq), true) => messages.iter().rev().find(|m| m.seq < seq).map_or(Some(seq), |m| Some(m.seq)),
        (Some(seq), false) => messages.iter().find(|m| m.seq > seq).map(|m| m.seq),
    }
}

/// The emoji `word` names: an emoji itself, or a GitHub short code with or without colons
/// (`:thumbsup:`, `+1`, `:tada:`). The table is the `emojis` crate's, the one the server
/// accepts reactions from, and the result its fully qualified form, as the browser's picker
/// sends it (so the reader's reaction toggles whichever client added it).
pub fn emoji(word: &str) -> Option<&'static str> {
    let word = word.trim();
    let found = emojis::get(word).or_else(|| {
        let code = word.strip_prefix(':').and_then(|w| w.strip_suffix(':')).unwrap_or(word);
        emojis::get_by_shortcode(code)
    })?;
    Some(found.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(list: &[(Seq, &str, bool)]) -> Vec<Message> {
        list.iter()
            .map(|&(seq, author, deleted)| Message {
                seq,
                author: author.into(),
                text: if deleted { String::new() } else { format!("m{seq}") },
                deleted,
                ..Message::default()
            })
            .collect()
    }

    #[test]
    fn defaults_are_the_latest_by_someone_else_or_the_readers_own() {
        let list = messages(&[(1, "ann", false), (2, "me", false), (4, "ann", true), (5, "me", false)]);
        let seq = |r: Result<&Message, &'static str>| r.map(|m| m.seq);
        assert_eq!(seq(target(&list, None, "me", Want::Answer)), Ok(1), "not the deleted one");
        assert_eq!(seq(target(&list, None, "me", Want::Own)), Ok(5));
        assert!(target(&list, None, "ann", Want::Own).is_ok());
        assert!(target(&messages(&[(1, "me", false)]), None, "me", Want::Answer).is_err());
        assert!(target(&[], None, "me", Want::Own).is_err());
    }

    #[test]
    fn a_selection_wins_if_it_fits() {
        let list = messages(&[(1, "ann", false), (2, "me", false), (4, "ann", true)]);
        let seq = |r: Result<&Message, &'static str>| r.map(|m| m.seq);
        assert_eq!(seq(target(&list, Some(2), "me", Want::Answer)), Ok(2), "one's own can be answered");
        assert_eq!(seq(target(&list, Some(2), "me", Want::Own)), Ok(2));
        assert!(target(&list, Some(1), "me", Want::Own).is_err(), "not someone else's");
        assert!(target(&list, Some(4), "me", Want::Answer).is_err(), "not a deleted one");
        assert!(target(&list, Some(3), "me", Want::Answer).is_err(), "not a missing one");
    }

    #[test]
    fn the_selection_steps_through_the_messages() {
        let list = messages(&[(1, "ann", false), (3, "me", false), (7, "ann", false)]);
        assert_eq!(step(&list, None, true), Some(7));
        assert_eq!(step(&list, Some(7), true), Some(3));
        assert_eq!(step(&list, Some(1), true), Some(1), "the oldest held stays");
        assert_eq!(step(&list, Some(3), false), Some(7));
        assert_eq!(step(&list, Some(7), false), None, "past the newest: back to the composer");
        assert_eq!(step(&list, None, false), None);
        assert_eq!(step(&[], None, true), None);
    }

    #[test]
    fn emoji_by_itself_or_by_short_code() {
        assert_eq!(emoji("👍"), Some("👍"));
        assert_eq!(emoji(":thumbsup:"), Some("👍"));
        assert_eq!(emoji(":+1:"), Some("👍"));
        assert_eq!(emoji("tada"), Some("🎉"));
        assert_eq!(emoji(":heart:"), Some("❤️"));
        assert_eq!(emoji("❤"), Some("❤️"), "the fully qualified form");
        assert_eq!(emoji("👍🏽"), Some("👍🏽"));
        assert_eq!(emoji(":nope:"), None);
        assert_eq!(emoji("hello"), None);
    }
}
