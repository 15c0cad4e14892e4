use serde::{Deserialize, Serialize};

/// Position of a message in its room: assigned by the store, 1 for the first message, no gaps.
pub type Seq = u64;

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &Seq) -> bool {
    *n == 0
}

/// A stored chat message, exactly as every reader receives it: as posted in a `message`
/// event, and in its current state (edited, deleted, reacted to) in `history`, `older`,
/// replays and search results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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
    /// The language the mood was read in (BCP 47: "en", "ru", "pt", "zh"); absent when it
    /// is unknown (then only emoji and emoticons were scored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The message this one answers, as the reply shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quote>,
    /// The people this message mentions (`@nick`), as they are called now; the reader's
    /// own nickname among them means "you were mentioned".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// The message says `@room`: everyone in the room is mentioned.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mentions_room: bool,
    /// When its author last edited it, milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// Its author deleted it: `text` is empty and it shows as "message deleted".
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Reactions, one entry per emoji in the order first used, each with the people who
    /// reacted in the order they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reactions>,
    /// Files and images sent with it (its `text` is their caption, and may be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message. Its contents are at [`Attachment::url`] (an image's thumbnail
/// at [`Attachment::thumb_url`]), for those who may read the message's room.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The upload's id (unguessable; the server still checks who asks).
    pub id: String,
    /// Its file name, made safe.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Its media type, decided from its content.
    pub mime: String,
    /// An image's size in pixels (absent for other files): shown inline, with its shape
    /// reserved before it loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Its own caption, if its sender gave it one (the message's `text` is for all its files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A file named in a `send`: the id of an upload, with a caption of its own or none. On the
/// wire it is the id alone (`"5b0f…"`) or `{"id": "5b0f…", "caption": "the view"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendFile {
    pub id: String,
    pub caption: Option<String>,
}

impl From<&str> for SendFile {
    fn from(id: &str) -> Self {
        SendFile { id: id.to_owned(), caption: None }
    }
}

impl From<String> for SendFile {
    fn from(id: String) -> Self {
        SendFile { id, caption: None }
    }
}

impl From<&Attachment> for SendFile {
    fn from(attachment: &Attachment) -> Self {
        SendFile { id: attachment.id.clone(), caption: attachment.caption.clone() }
    }
}

impl Serialize for SendFile {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.caption {
            None => serializer.serialize_str(&self.id),
            Some(caption) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("id", &self.id)?;
                map.serialize_entry("caption", caption)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for SendFile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Id(String),
            File {
                id: String,
                #[serde(default)]
                caption: Option<String>,
            },
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Id(id) => SendFile { id, caption: None },
            Wire::File { id, caption } => SendFile { id, caption },
        })
    }
}

impl Attachment {
    pub fn is_image(&self) -> bool {
        self.width.is_some() && self.height.is_some()
    }

    /// Where its contents are, on the server it came from.
    pub fn url(&self) -> String {
        format!("/files/{}/{}", self.id, crate::url_path_segment(&self.name))
    }

    /// Where an image's thumbnail is.
    pub fn thumb_url(&self) -> String {
        format!("/files/{}/thumb", self.id)
    }
}

/// The message a reply answers, as the reply shows it (taken when the reply is read, so a
/// deleted original shows as deleted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub seq: Seq,
    pub author: String,
    /// The original's first line, shortened to [`crate::QUOTE_CHARS`]; empty if deleted.
    pub text: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
}

/// Everyone who reacted to a message with one emoji.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reactions {
    pub emoji: String,
    /// Nicknames, in the order they reacted.
    pub people: Vec<String>,
}

/// A message's author changed its text. Its own place in the room's order (`seq`); the
/// message keeps its `seq` (`target`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub room: String,
    pub seq: Seq,
    /// The edited message.
    pub target: Seq,
    pub author: String,
    pub text: String,
    /// The new text's mood and language, scored again.
    #[serde(default)]
    pub mood: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub mentions_room: bool,
    pub edited_at: i64,
}

/// A message was deleted by its author: its text (and every earlier version of it) is gone;
/// it shows as "message deleted".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    pub room: String,
    pub seq: Seq,
    pub target: Seq,
}

/// Someone added (`added`) or took back a reaction to a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub room: String,
    pub seq: Seq,
    pub target: Seq,
    pub emoji: String,
    pub author: String,
    pub added: bool,
}

/// A change to a posted message, with its own place in the room's order: a reconnect with
/// `since` replays changes exactly once, like messages. Read with `type` first
/// (`crate::tag_first`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Edited(Edit),
    Deleted(Deletion),
    Reaction(Reaction),
}

impl Change {
    pub fn room(&self) -> &str {
        match self {
            Change::Edited(e) => &e.room,
            Change::Deleted(d) => &d.room,
            Change::Reaction(r) => &r.room,
        }
    }

    pub fn seq(&self) -> Seq {
        match self {
            Change::Edited(e) => e.seq,
            Change::Deleted(d) => d.seq,
            Change::Reaction(r) => r.seq,
        }
    }

    /// The message it changes.
    pub fn target(&self) -> Seq {
        match self {
            Change::Edited(e) => e.target,
            Change::Deleted(d) => d.target,
            Change::Reaction(r) => r.target,
        }
    }

    /// The live event that carries it.
    pub fn into_event(self) -> ServerEvent {
        match self {
            Change::Edited(e) => ServerEvent::Edited(e),
            Change::Deleted(d) => ServerEvent::Deleted(d),
            Change::Reaction(r) => ServerEvent::Reaction(r),
        }
    }

    /// Applies it to `message` (its target); true if anything changed. Applying a change
    /// twice, or a change the message already shows, changes nothing.
    pub fn apply_to(&self, message: &mut Message) -> bool {
        let before = message.clone();
        match self {
            Change::Edited(e) if !message.deleted => {
                message.text = e.text.clone();
                message.mood = e.mood;
                message.lang = e.lang.clone();
                message.mentions = e.mentions.clone();
                message.mentions_room = e.mentions_room;
                message.edited_at = Some(e.edited_at);
            }
            Change::Edited(_) => {}
            Change::Deleted(_) => message.delete(),
            Change::Reaction(_) if message.deleted => {}
            Change::Reaction(r) => {
                let at = message.reactions.iter().position(|x| x.emoji == r.emoji);
                match (at, r.added) {
                    (Some(i), true) => {
                        if !message.reactions[i].people.contains(&r.author) {
                            message.reactions[i].people.push(r.author.clone());
                        }
                    }
                    (None, true) => message
                        .reactions
                        .push(Reactions { emoji: r.emoji.clone(), people: vec![r.author.clone()] }),
                    (Some(i), false) => {
                        message.reactions[i].people.retain(|p| *p != r.author);
                        if message.reactions[i].people.is_empty() {
                            message.reactions.remove(i);
                        }
                    }
                    (None, false) => {}
                }
            }
        }
        *message != before
    }
}

impl Message {
    /// What is left of a deleted message: its place, author and time.
    pub fn delete(&mut self) {
        self.deleted = true;
        self.text.clear();
        self.mood = 0.0;
        self.lang = None;
        self.mentions.clear();
        self.mentions_room = false;
        self.reactions.clear();
        self.attachments.clear();
        self.edited_at = None;
    }

    /// Whether it mentions the person called `nickname` (or the whole room).
    pub fn mentions_person(&self, nickname: &str) -> bool {
        if self.deleted {
            return false;
        }
        let key = crate::nickname_key(nickname);
        self.mentions_room || self.mentions.iter().any(|m| crate::nickname_key(m) == key)
    }
}

/// One message found by `search`, with the parts of its text that matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub message: Message,
    /// Byte ranges `[start, end)` of `message.text` (UTF-8) that matched the query.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub highlights: Vec<[u32; 2]>,
}

/// A room's unread messages for the person on this connection, from their read position.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    pub room: String,
    /// The last `seq` this person has read (0: nothing yet).
    pub read: Seq,
    /// The room's latest `seq` when counted.
    pub last: Seq,
    /// Others' messages after `read` (at most [`crate::UNREAD_CAP`]).
    pub unread: u32,
    /// Of those, the ones that mention this person or the whole room.
    pub mentions: u32,
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
    /// Posts a message, answering message `reply_to` if given, with the files uploaded
    /// before as `attachments` (their ids, each with a caption of its own or none; then `text`
    /// is the caption of them all and may be empty).
    /// Answered by `ack` once it is durably stored.
    Send {
        room: String,
        client_id: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<SendFile>,
    },
    /// Asks for a token to upload files with (`POST /api/files` with `Authorization: Bearer`),
    /// for a client without the browser's session cookie. Answered by `upload_token`.
    UploadToken,
    /// Replaces the text of one of this person's messages. Everyone in the room gets
    /// `edited`.
    Edit { room: String, seq: Seq, text: String },
    /// Deletes one of this person's messages. Everyone in the room gets `deleted`.
    Delete { room: String, seq: Seq },
    /// Reacts to a message with an emoji. Everyone in the room gets `reaction`.
    React { room: String, seq: Seq, emoji: String },
    /// Takes a reaction back.
    Unreact { room: String, seq: Seq, emoji: String },
    /// This person has read `room` up to `seq`: remembered by the server (for their other
    /// connections and devices) if it is further than before.
    Read { room: String, seq: Seq },
    /// Searches the messages of every room this person may read (or of `room` only), newest
    /// first. Answered by `search_results`; `before` is the `next` of an earlier answer.
    Search {
        query: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
    },
    /// Creates a room: public (everyone sees it), or private (only the people its creator
    /// invites). Answered by `room_created` (to everyone who may see it) or `error`.
    CreateRoom {
        room: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        private: bool,
    },
    /// Opens (creating once) the direct conversation between this person and `with`. Both
    /// must have claimed their nicknames. Answered by `room_created` with the conversation.
    OpenDirect { with: String },
    /// Adds a person to a private room (its creator only). They get `room_created`; the other
    /// members get the room again with the new member list.
    Invite { room: String, nickname: String },
    /// Takes a person out of a private room: its creator removes anyone, a member removes
    /// themselves. They get `removed` and nothing more from the room.
    Remove { room: String, nickname: String },
    /// Asks for the page of messages before `before` in a joined room, and further back to
    /// `until` if that is older (at most 1,000 messages in one answer). Answered by `older`.
    LoadOlder {
        room: String,
        before: Seq,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Seq>,
    },
    /// "I am typing in this room". `draft` is the text so far when the person shares it;
    /// without it others see only that they are typing. Never stored.
    Typing {
        room: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        draft: Option<String>,
    },
    /// The person stopped typing (sent, cleared the field, or went idle).
    StopTyping { room: String },
    /// Protects the connection's nickname with a password (8 or more characters), so it can
    /// be used only with it from then on; a protected nickname gets a new password. Answered by
    /// `protected`.
    Protect { password: String },
    /// Asks for the people in a joined room whose nickname sorts after `after` (from the
    /// start without it), at most `limit` ([`crate::MEMBER_PAGE`] without it, never more).
    /// Answered by `member_page`.
    ListMembers {
        room: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// "Are you still there?": answered by `pong`. A client that has heard nothing for a while
    /// asks, to tell a quiet room from a connection that died without a close (a laptop that
    /// slept, a NAT that forgot the flow); browsers cannot send WebSocket pings themselves.
    Ping,
}

/// Who can see a room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// Everyone.
    #[default]
    Public,
    /// Only its members, whom its creator invites.
    Private,
    /// A conversation between two people; its name is `dm-{id}-{id}`.
    Direct,
}

/// A room as listed to the people who may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    /// Canonical (lower-case) name; also its URL: `/r/{name}`.
    pub name: String,
    /// When it was created, milliseconds since the Unix epoch.
    pub created_at: i64,
    #[serde(default)]
    pub kind: RoomKind,
    /// The creator of a private room (who may invite and remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The members of a private room or direct conversation, sorted; empty for public rooms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

impl RoomInfo {
    /// A public room.
    pub fn public(name: impl Into<String>, created_at: i64) -> Self {
        RoomInfo { name: name.into(), created_at, kind: RoomKind::Public, owner: None, members: Vec::new() }
    }

    /// How the room is shown to `me`: `#name`, `🔒 name`, or the other person's nickname.
    pub fn title(&self, me: &str) -> String {
        match self.kind {
            RoomKind::Public => format!("#{}", self.name),
            RoomKind::Private => format!("🔒 {}", self.name),
            RoomKind::Direct => {
                let me = crate::nickname_key(me);
                let other = self.members.iter().find(|m| crate::nickname_key(m) != me);
                format!("@{}", other.or(self.members.first()).map_or("", String::as_str))
            }
        }
    }
}

/// What the server sends over the live WebSocket. Written with `type` first, and read only
/// that way (`crate::tag_first`: no buffered copy of the object, a smaller browser build);
/// an object with `type` elsewhere, such as one that went through a key-sorting map, is
/// refused.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
        /// In a replay (`join` with `since`): the changes after `since` to messages, in
        /// `seq` order (the messages above already show them; apply them to older ones).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<Change>,
        /// The room's latest `seq` this answer covers (the messages show every change up to
        /// it): live events follow from the next one, and a reconnect resumes with it as
        /// `since`. Absent (0) when it is the last message's or change's `seq` in this frame.
        #[serde(default, skip_serializing_if = "is_zero")]
        last: Seq,
    },
    /// A message posted to a room this connection has joined.
    Message(Message),
    /// A message was edited (see [`Change`]).
    Edited(Edit),
    /// A message was deleted.
    Deleted(Deletion),
    /// A reaction was added or taken back.
    Reaction(Reaction),
    /// The unread messages of each room this person may see, from their read positions;
    /// after `rooms` (for people with a claimed nickname).
    Unread { rooms: Vec<Unread> },
    /// This person's read position in a room moved (on another of their connections).
    Read { room: String, seq: Seq },
    /// Answer to `search`: hits newest first; `next` asks for the ones after them.
    SearchResults {
        query: String,
        hits: Vec<SearchHit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// Answer to `load_older`: the page before `before`, oldest first.
    Older {
        room: String,
        messages: Vec<Message>,
        /// True when still older messages exist.
        has_more: bool,
    },
    /// The rooms this person may see (public ones, and private ones they are a member of),
    /// sent after `welcome`.
    Rooms { rooms: Vec<RoomInfo> },
    /// A room appeared for this person (created, or they were invited), or its members
    /// changed: add it to the list, or replace the entry with the same name.
    RoomCreated { room: RoomInfo },
    /// This person was removed from a private room: it is gone from their list and nothing
    /// more of it is sent.
    Removed { room: String },
    /// Who is in a room now, sent after `history` on `join`, sorted. One entry per person,
    /// however many tabs they have open. `count` people are present: in a big room (more
    /// than [`crate::BIG_ROOM`]) `members` is only the first page; `list_members` pages on.
    Members {
        room: String,
        members: Vec<String>,
        #[serde(default)]
        count: u32,
    },
    /// What changed in a room's presence since the last `presence` (at most one every
    /// [`crate::PRESENCE_PERIOD_MS`] per room). `count` people are present now. While the
    /// room is small (`count` at most [`crate::BIG_ROOM`]) `joined` and `left` name who
    /// arrived (their first connection) and who left (their last connection closed a few
    /// seconds ago); in a big room they are empty and only the count changes.
    Presence {
        room: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        joined: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        left: Vec<String>,
        count: u32,
    },
    /// Answer to `protect`: `nickname` now needs its password on a new connection.
    Protected { nickname: String },
    /// Answer to `ping`.
    Pong,
    /// Answer to `upload_token`: valid until `expires_at` (ms since the epoch) on any node.
    UploadToken { token: String, expires_at: i64 },
    /// Answer to `list_members`: the next people present, sorted; `has_more` when more sort
    /// after the last one.
    MemberPage { room: String, members: Vec<String>, has_more: bool, count: u32 },
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
        /// The room this error is about, when it is about a `join`, `create_room`, `invite`
        /// or `remove` (as the client wrote it), or a change to a message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        /// The message this error is about, when it is about `edit`, `delete`, `react`,
        /// `unreact` or the `reply_to` of a `send`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<Seq>,
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
    /// `join` or `send` to a room that does not exist (or is private and this person is not
    /// a member: the server does not tell the two apart).
    UnknownRoom,
    /// No one has claimed that nickname (direct messages and invitations need one).
    UnknownPerson,
    /// Only the creator of a private room may do that; or the action needs a claimed
    /// nickname.
    NotAllowed,
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
    /// Over a rate limit ("slow down"); a message refused so was not stored: resend it later
    /// with the same `client_id`. A connection refused too often is closed (code 1008).
    RateLimited,
    /// `edit`, `delete`, `react` or a reply names a message that does not exist in that room
    /// (or was deleted).
    UnknownMessage,
    /// A reaction that is not one emoji.
    InvalidEmoji,
    /// The message has as many different reactions as it may have.
    TooManyReactions,
    /// A `search` query with nothing to search for, or too long.
    InvalidQuery,
    /// `send` names an upload that is not this person's, is attached to another message
    /// already, or is gone.
    UnknownUpload,
}

impl ServerEvent {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerEvent::Error { code, message: message.into(), client_id: None, room: None, seq: None }
    }

    /// The room and place of an event that has one in its room's order (a message or a
    /// change to one).
    pub fn ordered(&self) -> Option<(&str, Seq)> {
        match self {
            ServerEvent::Message(m) => Some((&m.room, m.seq)),
            ServerEvent::Edited(e) => Some((&e.room, e.seq)),
            ServerEvent::Deleted(d) => Some((&d.room, d.seq)),
            ServerEvent::Reaction(r) => Some((&r.room, r.seq)),
            _ => None,
        }
    }

    /// The change it carries, if it is one.
    pub fn into_change(self) -> Option<Change> {
        match self {
            ServerEvent::Edited(e) => Some(Change::Edited(e)),
            ServerEvent::Deleted(d) => Some(Change::Deleted(d)),
            ServerEvent::Reaction(r) => Some(Change::Reaction(r)),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for ServerEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::tag_first::deserialize(deserializer)
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::tag_first::deserialize(deserializer)
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
            ClientEvent::Send {
                room: "general".into(),
                client_id: "c1".into(),
                text: "hi".into(),
                reply_to: None,
                attachments: Vec::new(),
            }
        );
        let join: ClientEvent = serde_json::from_str(r#"{"type":"join","room":"general"}"#).unwrap();
        assert_eq!(join, ClientEvent::Join { room: "general".into(), since: None });
        assert!(serde_json::from_str::<ClientEvent>(r#"{"type":"shout"}"#).is_err());
    }

    #[test]
    fn a_sent_file_is_its_id_or_its_id_with_a_caption() {
        let send: ClientEvent = serde_json::from_str(
            r#"{"type":"send","room":"r","client_id":"c","text":"","attachments":["a1",{"id":"a2","caption":"the view"},{"id":"a3"}]}"#,
        )
        .unwrap();
        let ClientEvent::Send { attachments, .. } = &send else { panic!("{send:?}") };
        assert_eq!(
            attachments,
            &vec![
                SendFile::from("a1"),
                SendFile { id: "a2".into(), caption: Some("the view".into()) },
                SendFile::from("a3"),
            ]
        );
        // Written back the shortest way: the id alone when there is no caption.
        let json = serde_json::to_string(&send).unwrap();
        assert!(json.contains(r#""attachments":["a1",{"id":"a2","caption":"the view"},"a3"]"#), "{json}");
        for bad in [r#"[1]"#, r#"[{"caption":"x"}]"#, r#"[{"id":2}]"#, r#"[null]"#] {
            let frame =
                format!(r#"{{"type":"send","room":"r","client_id":"c","text":"","attachments":{bad}}}"#);
            assert!(serde_json::from_str::<ClientEvent>(&frame).is_err(), "{bad}");
        }
    }

    #[test]
    fn ping_and_pong_are_bare_types() {
        assert_eq!(serde_json::to_string(&ClientEvent::Ping).unwrap(), r#"{"type":"ping"}"#);
        assert_eq!(serde_json::from_str::<ClientEvent>(r#"{"type":"ping"}"#).unwrap(), ClientEvent::Ping);
        // A client library that adds fields of its own still gets its answer.
        assert_eq!(
            serde_json::from_str::<ClientEvent>(r#"{"type":"ping","id":3}"#).unwrap(),
            ClientEvent::Ping
        );
        assert_eq!(serde_json::to_string(&ServerEvent::Pong).unwrap(), r#"{"type":"pong"}"#);
        assert_eq!(serde_json::from_str::<ServerEvent>(r#"{"type":"pong"}"#).unwrap(), ServerEvent::Pong);
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
            lang: Some("en".into()),
            ..Message::default()
        };
        let json = serde_json::to_value(ServerEvent::Message(m.clone())).unwrap();
        assert_eq!(json["type"], "message");
        assert_eq!(json["seq"], 7);
        let text = serde_json::to_string(&ServerEvent::Message(m.clone())).unwrap();
        assert!(text.starts_with(r#"{"type":"message","#), "{text}");
        let back: ServerEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ServerEvent::Message(m));
        // `Value` sorts its keys: `type` is no longer first, which the reader refuses.
        let refused = serde_json::from_value::<ServerEvent>(json).unwrap_err().to_string();
        assert!(refused.contains(r#""type" must be its first key"#), "{refused}");
    }

    #[test]
    fn error_codes_are_snake_case() {
        let json = serde_json::to_string(&ServerEvent::error(ErrorCode::MessageTooLong, "x")).unwrap();
        assert_eq!(json, r#"{"type":"error","code":"message_too_long","message":"x"}"#);
    }
}
