//! Texts every client builds the same way from what the server sends: a refusal by its
//! error code, and a presence line.

use crate::{format, text, Locale};
use protocol::ErrorCode;

/// `server_message` (the server's own sentence, more specific than any catalogue's) when the
/// reader reads English and there is one, else `translated`.
pub fn english_or(locale: Locale, server_message: &str, translated: impl FnOnce() -> String) -> String {
    if locale == Locale::En && !server_message.trim().is_empty() {
        server_message.to_owned()
    } else {
        translated()
    }
}

/// The text for a refusal with `code` (a live `error` event, or a rule of
/// [`protocol::Invalid`]): in English the server's sentence, otherwise the catalogue's
/// `error-<code>` text, with the limit it names where the client knows it.
pub fn error_text(locale: Locale, code: ErrorCode, server_message: &str) -> String {
    use ErrorCode as C;
    let (key, max) = match code {
        C::BadFrame => ("error-bad-frame", None),
        C::NoNickname => ("error-no-nickname", None),
        C::InvalidNickname => ("error-invalid-nickname", Some(protocol::MAX_NICKNAME_CHARS)),
        C::InvalidRoom => ("error-invalid-room", Some(protocol::MAX_ROOM_CHARS)),
        C::RoomExists => ("error-room-exists", None),
        C::UnknownRoom => ("error-unknown-room", None),
        C::UnknownPerson => ("error-unknown-person", None),
        C::NotAllowed => ("error-not-allowed", None),
        C::EmptyMessage => ("error-empty-message", None),
        C::MessageTooLong => ("error-message-too-long", Some(protocol::MAX_MESSAGE_CHARS)),
        C::NotJoined => ("error-not-joined", None),
        C::NicknameTaken => ("error-nickname-taken", None),
        C::WrongPassword => ("error-wrong-password", None),
        C::TooManyAttempts => ("error-too-many-attempts", None),
        C::InvalidClientId => ("error-invalid-client-id", None),
        C::StoreUnavailable => ("error-store-unavailable", None),
        C::RateLimited => ("error-rate-limited", None),
        C::UnknownMessage => ("error-unknown-message", None),
        C::InvalidEmoji => ("error-invalid-emoji", None),
        C::TooManyReactions => ("error-too-many-reactions", Some(protocol::MAX_REACTIONS_PER_MESSAGE)),
        C::InvalidQuery => ("error-invalid-query", Some(protocol::MAX_QUERY_CHARS)),
        C::UnknownUpload => ("error-unknown-upload", Some(protocol::MAX_ATTACHMENTS)),
    };
    english_or(locale, server_message, || match max {
        Some(max) => format(locale, key, &[("max", max.into())]),
        None => text(locale, key),
    })
}

/// [`error_text`] for a rule the input broke.
pub fn invalid_text(locale: Locale, invalid: &protocol::Invalid) -> String {
    error_text(locale, invalid.code, &invalid.reason)
}

/// A quiet line of the conversation: `person` came into the room (`joined`) or left it.
pub fn presence(locale: Locale, person: &str, joined: bool) -> String {
    let key = if joined { "status-person-joined" } else { "status-person-left" };
    format(locale, key, &[("name", person.into())])
}
