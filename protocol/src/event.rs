use serde::{Deserialize, Serialize};

/// Position of a message in its room: assigned by the store, 1 for the first message, no gaps.
pub type Seq = u64;

/// A stored chat message, exactly as every reader receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub room: String,
    pub seq: Seq,
    /// Chosen by the sending client; a resend with the same id is stored once.
    pub client_id: String,
    pub author: String,
    pub text: String,
    /// Server time the message was stored, milliseconds since the Unix epoch.
    pub sent_at: i64,
    /// Sentiment of the text, from -1 (negative) to 1 (positive), scored when it was posted;
    /// [`crate::Mood::of`] turns it into the emoji to show.
    #[serde(default)]
    pub mood: f32,
}

/// What a client sends over the live WebSocket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// Names the person on this connection; must come before `join` and `send`.
    Hello {
        nickname: String,
        /// Needed only for a password-protected nickname on a connection without the
        /// browser's session cookie (terminal client, bots).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
    },
    /// Starts receiving a room. `since` is the last `seq` this client already has: the server
    /// replays everything after it, then live messages. Without it the server sends the last
    /// page of history.
    Join {
        room: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<Seq>,
    },
    /// Stops receiving a room.
    Leave { room: String },
    /// Posts a message. Answered by `ack` once it is durably stored.
    Send { room: String, client_id: String, text: String },
    /// Creates a public room. Answered by `room_created` (to everyone) or `error`.
    CreateRoom { room: String },
    /// Asks for the page of messages before `before` in a joined room. Answered by `older`.
    LoadOlder { room: String, before: Seq },
    /// "I am typing in this room". `draft` is the text so far when the person shares it;
    /// without it others see only that they are typing. Never stored.
    Typing {
        room: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draft: Option<String>,
    },
    /// The person stopped typing (sent, cleared the field, or went idle).
    StopTyping { room: String },
}

/// A public room as listed to everyone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    /// Canonical (lower-case) name; also its URL: `/r/{name}`.
    pub name: String,
    /// When it was created, milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// What the server sends over the live WebSocket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// Answer to `hello`: the nickname as the server will show it.
    Welcome { nickname: String },
    /// Answer to `join`: messages the client lacks, oldest first. Live `message` events
    /// for the room follow, starting right after the last one here (or after `since`).
    History {
        room: String,
        messages: Vec<Message>,
        /// True when older messages exist before the first one sent.
        has_more: bool,
    },
    /// A message posted to a room this connection has joined.
    Message(Message),
    /// Answer to `load_older`: the page before `before`, oldest first.
    Older {
        room: String,
        messages: Vec<Message>,
        /// True when still older messages exist.
        has_more: bool,
    },
    /// The public rooms, sent once after `welcome`.
    Rooms { rooms: Vec<RoomInfo> },
    /// A public room was created (sent to every connection).
    RoomCreated { room: RoomInfo },
    /// Who is in a room now, sent after `history` on `join`. One entry per person, however
    /// many tabs they have open.
    Members { room: String, members: Vec<String> },
    /// Someone arrived in a room (their first connection to it).
    Joined { room: String, nickname: String },
    /// Someone left a room (their last connection to it closed a few seconds ago).
    Left { room: String, nickname: String },
    /// Someone is typing in a room; `draft` is their text so far if they share it.
    Typing {
        room: String,
        author: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draft: Option<String>,
    },
    /// Someone stopped typing in a room.
    StopTyping { room: String, author: String },
    /// The sender's message with this `client_id` is durably stored at `seq`.
    Ack { room: String, client_id: String, seq: Seq },
    /// Something this client sent was refused. Only this client receives it; the connection
    /// stays open.
    Error {
        code: ErrorCode,
        message: String,
        /// The message this error is about, when it is about a `send`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
}

/// Machine-readable reason of an [`ServerEvent::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not a valid client event.
    BadFrame,
    /// `join` or `send` before `hello`.
    NoNickname,
    InvalidNickname,
    InvalidRoom,
    /// `create_room` with a name that exists (names are case-insensitive).
    RoomExists,
    /// `join` or `send` to a room that does not exist.
    UnknownRoom,
    EmptyMessage,
    MessageTooLong,
    /// `send`, `typing` or `load_older` in a room this connection has not joined.
    NotJoined,
    /// The nickname belongs to someone else (or needs its password).
    NicknameTaken,
    /// Wrong password for a protected nickname.
    WrongPassword,
    /// Too many attempts; wait a minute.
    TooManyAttempts,
    /// The `client_id` is malformed or already used by someone else.
    InvalidClientId,
    /// The message store could not take the message; it was not stored. Retry later.
    StoreUnavailable,
}

impl ServerEvent {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerEvent::Error { code, message: message.into(), client_id: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_events_use_documented_json() {
        let send: ClientEvent =
            serde_json::from_str(r#"{"type":"send","room":"general","client_id":"c1","text":"hi"}"#).unwrap();
        assert_eq!(
            send,
            ClientEvent::Send { room: "general".into(), client_id: "c1".into(), text: "hi".into() }
        );
        let join: ClientEvent = serde_json::from_str(r#"{"type":"join","room":"general"}"#).unwrap();
        assert_eq!(join, ClientEvent::Join { room: "general".into(), since: None });
        assert!(serde_json::from_str::<ClientEvent>(r#"{"type":"shout"}"#).is_err());
    }

    #[test]
    fn message_event_is_flat() {
        let m = Message {
            room: "general".into(),
            seq: 7,
            client_id: "c".into(),
            author: "ann".into(),
            text: "hey".into(),
            sent_at: 1,
            mood: 0.5,
        };
        let json = serde_json::to_value(ServerEvent::Message(m.clone())).unwrap();
        assert_eq!(json["type"], "message");
        assert_eq!(json["seq"], 7);
        let back: ServerEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, ServerEvent::Message(m));
    }

    #[test]
    fn error_codes_are_snake_case() {
        let json = serde_json::to_string(&ServerEvent::error(ErrorCode::MessageTooLong, "x")).unwrap();
        assert_eq!(json, r#"{"type":"error","code":"message_too_long","message":"x"}"#);
    }
}
