//! What a write comes to, decided the same in every backend: whether a change is refused,
//! changes nothing or is to be written, what a reply quotes, which uploads go with a message,
//! and the message or change event a stored write is answered (and published) with. The
//! writers read what these need and write what they decide, each in its own SQL.

use super::columns::same_person;
use super::{Appended, ChangeKind, Changed, NewChange, NewMessage, StoreError};
use protocol::{Attachment, Change, Deletion, Edit, Message, Quote, Reaction, Seq};

/// An answer given before anything is written: a refusal, or [`Changed::Unchanged`]. `None`
/// means go on.
pub type Settled = Option<Result<Changed, StoreError>>;

/// The message a change or a reply names, as stored.
pub struct Target {
    pub author: String,
    pub text: String,
    pub deleted: bool,
}

/// A reply's quote of the message `seq` it answers, found as `original` (if at all): none
/// of a message that is not there or deleted.
pub fn quote(seq: Seq, original: Option<Target>) -> Result<Quote, StoreError> {
    match original {
        Some(original) if !original.deleted => Ok(Quote {
            seq,
            author: original.author,
            text: super::quote_text(&original.text),
            deleted: false,
        }),
        _ => Err(StoreError::UnknownMessage),
    }
}

/// A resend's answer: the message stored `earlier` with its `client_id`, if it is the same
/// author's.
pub fn resent(earlier: Message, author: &str) -> Result<Appended, StoreError> {
    if earlier.author == author {
        Ok(Appended::Duplicate(earlier))
    } else {
        Err(StoreError::ClientIdTaken)
    }
}

/// Adds the upload `file` to a message's `attachments`, `found` as it is if it is the author's
/// and not sent yet, with the caption it is sent with: refused when it is not the author's or
/// was sent, or when the message names it twice.
pub fn attach(
    attachments: &mut Vec<Attachment>,
    file: &protocol::SendFile,
    found: Option<Attachment>,
) -> Result<(), StoreError> {
    match found {
        Some(mut attachment) if !attachments.iter().any(|a| a.id == file.id) => {
            attachment.caption = file.caption.clone();
            attachments.push(attachment);
            Ok(())
        }
        _ => Err(StoreError::UnknownUpload),
    }
}

/// The message `new` as stored with `seq` at `sent_at`, answering `reply_to`, with its files.
pub fn message(
    new: NewMessage,
    seq: Seq,
    sent_at: i64,
    reply_to: Option<Quote>,
    attachments: Vec<Attachment>,
) -> Message {
    let NewMessage { room, client_id, author, text, mood, lang, mentions, mentions_room, .. } = new;
    Message {
        room,
        seq,
        client_id,
        author,
        text,
        sent_at,
        mood,
        lang,
        reply_to,
        mentions,
        mentions_room,
        attachments,
        ..Message::default()
    }
}

/// What `new` comes to before anything is read but the message it changes (`original`):
/// an edit or a reaction to a deleted message is refused, only the author edits or deletes,
/// the same text again and a second deletion change nothing.
pub fn check(original: &Target, new: &NewChange) -> Settled {
    let author_differs = || !same_person(&original.author, &new.author);
    match &new.what {
        ChangeKind::Edit { text, .. } => {
            if original.deleted {
                Some(Err(StoreError::UnknownMessage))
            } else if author_differs() {
                Some(Err(StoreError::NotAuthor))
            } else if original.text == *text {
                Some(Ok(Changed::Unchanged))
            } else {
                None
            }
        }
        ChangeKind::Delete => {
            if author_differs() {
                Some(Err(StoreError::NotAuthor))
            } else if original.deleted {
                Some(Ok(Changed::Unchanged))
            } else {
                None
            }
        }
        ChangeKind::React { .. } => original.deleted.then_some(Err(StoreError::UnknownMessage)),
    }
}

/// A reaction added (`added`) or taken back, when the person `had` it already: nothing
/// changes if that is how it is.
pub fn check_reaction(had: bool, added: bool) -> Settled {
    (had == added).then_some(Ok(Changed::Unchanged))
}

/// A reaction being added to a message with `kinds` different reactions, its emoji among
/// them (`used`) or not: refused if it would make one too many.
pub fn check_room_for_reaction(kinds: i64, used: bool) -> Settled {
    (!used && kinds as usize >= protocol::MAX_REACTIONS_PER_MESSAGE)
        .then_some(Err(StoreError::TooManyReactions))
}

/// The event `new` is, written with `seq` at `at`.
pub fn change(new: NewChange, seq: Seq, at: i64) -> Change {
    let NewChange { room, author, target, what } = new;
    match what {
        ChangeKind::Edit { text, mood, lang, mentions, mentions_room } => Change::Edited(Edit {
            room,
            seq,
            target,
            author,
            text,
            mood,
            lang,
            mentions,
            mentions_room,
            edited_at: at,
        }),
        ChangeKind::Delete => Change::Deleted(Deletion { room, seq, target }),
        ChangeKind::React { emoji, added } => {
            Change::Reaction(Reaction { room, seq, target, emoji, author, added })
        }
    }
}
