//! Durable message history. `submit` queues a message, which is given its room's next `seq`;
//! the future it returns resolves only once the message is committed to disk. Changes to
//! messages (edits, deletions, reactions) are room events too: `submit_change` gives each
//! the next `seq` the same way. History reads page by `seq`.
//!
//! Two backends behave the same behind [`Store`]: [`SqliteStore`], one file in the data
//! directory (the default), and [`PgStore`], a PostgreSQL database that several nodes can
//! share. `tests.rs` runs one suite against both.

mod columns;
mod decide;
pub mod postgres;
mod queue;
mod reads;
mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use protocol::{Change, Message, RoomInfo, RoomKind, Seq, ServerEvent};

/// A message as posted, before the store gives it a place.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room: String,
    pub client_id: String,
    pub author: String,
    pub text: String,
    /// Sentiment score of `text` (see [`crate::mood`]).
    pub mood: f32,
    /// The language `mood` was read in, if known.
    pub lang: Option<String>,
    /// The message it answers (in the same room).
    pub reply_to: Option<Seq>,
    /// The people it mentions, as they are called.
    pub mentions: Vec<String>,
    /// It mentions everyone in the room.
    pub mentions_room: bool,
    /// Uploads sent with it, each with its own caption or none: each must be the author's
    /// (`owner`, their nickname key) and not sent before; the store attaches them in the
    /// transaction that stores it.
    pub attachments: Vec<protocol::SendFile>,
}

/// A change to a posted message, before the store gives it a place. `author` is who asks:
/// only a message's author may edit or delete it.
#[derive(Clone, Debug)]
pub struct NewChange {
    pub room: String,
    pub author: String,
    pub target: Seq,
    pub what: ChangeKind,
}

#[derive(Clone, Debug)]
pub enum ChangeKind {
    /// New text, with its mood, language and mentions.
    Edit {
        text: String,
        mood: f32,
        lang: Option<String>,
        mentions: Vec<String>,
        mentions_room: bool,
    },
    Delete,
    /// A reaction added (`added`) or taken back.
    React {
        emoji: String,
        added: bool,
    },
}

/// What `submit_change` did.
#[derive(Clone, Debug, PartialEq)]
pub enum Changed {
    /// Stored now, with its new `seq`.
    New(Change),
    /// The message already was that way (a reaction already there or already gone, the same
    /// text again, a deleted message deleted again): nothing was written.
    Unchanged,
}

/// What `append` did with a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Appended {
    /// Stored now, with its new `seq`.
    New(Message),
    /// This `client_id` was stored before (a resend); nothing was written.
    Duplicate(Message),
}

impl Appended {
    pub fn message(&self) -> &Message {
        match self {
            Appended::New(m) | Appended::Duplicate(m) => m,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// PostgreSQL refused, failed or could not be reached: what happened, without the values
    /// involved (nor the URL).
    #[error("database error: {0}")]
    Postgres(String),
    #[error("cannot open the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("a room with that name exists")]
    RoomExists,
    #[error("that nickname is taken")]
    NicknameTaken,
    /// The `client_id` is already taken in this room by another author.
    #[error("client_id already used by another author")]
    ClientIdTaken,
    /// The batch this message was in could not be committed; nothing of it was stored.
    #[error("could not store the message: {0}")]
    Commit(String),
    /// The room of a message has no row (PostgreSQL only: its seqs are kept in that row).
    #[error("no such room")]
    UnknownRoom,
    /// The message a change or reply names is not in the room (or was deleted).
    #[error("no such message")]
    UnknownMessage,
    /// Only a message's author may edit or delete it.
    #[error("not the author of that message")]
    NotAuthor,
    /// The message has [`protocol::MAX_REACTIONS_PER_MESSAGE`] different reactions already.
    #[error("too many different reactions")]
    TooManyReactions,
    /// The file store could not be opened.
    #[error("cannot open the file store: {0}")]
    Files(String),
    /// An upload named by a message is not the author's, was sent already, or is gone.
    #[error("no such upload")]
    UnknownUpload,
    #[error("the store has shut down")]
    Closed,
    /// The configuration names a store (or bus) that cannot be used as named.
    #[error("{0}")]
    Config(String),
    /// The bus between nodes could not be started.
    #[error("cannot start the bus: {0}")]
    Bus(String),
}

/// An upload as stored: the file, whose it is, and the message it was sent with (if it was).
#[derive(Clone, Debug, PartialEq)]
pub struct UploadRecord {
    pub attachment: protocol::Attachment,
    /// Its uploader's nickname key.
    pub owner: String,
    /// Its content address.
    pub hash: String,
    /// Whether a thumbnail is stored (images).
    pub thumb: bool,
    pub created_at: i64,
    /// The message it was sent with.
    pub sent: Option<(String, Seq)>,
}

/// A room to create. `name` must already be canonical.
#[derive(Clone, Debug)]
pub struct NewRoom {
    pub name: String,
    pub kind: RoomKind,
    /// The creator of a private room.
    pub owner: Option<i64>,
    /// Ids of the people who may see a private room or direct conversation.
    pub members: Vec<i64>,
}

/// A room as stored: what is listed (with owner and member nicknames) and who may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRoom {
    pub info: RoomInfo,
    pub owner: Option<i64>,
    /// Ids of the members (private rooms and direct conversations), with their nicknames.
    pub members: Vec<(i64, String)>,
}

/// A person as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub nickname: String,
    pub nickname_key: String,
    pub password_hash: Option<String>,
}

/// Called by the store, in `seq` order, for each room event (a `message`, `edited`, `deleted`
/// or `reaction` event) right after it is committed.
pub type OnCommit = Box<dyn Fn(ServerEvent) + Send + 'static>;

/// A page of history, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub messages: Vec<Message>,
    /// True when older messages exist before the first one.
    pub has_more: bool,
    /// The room's latest `seq` (of any event) when the page was read: the messages show every
    /// change up to it.
    pub last: Seq,
}

/// The length of a window of the limits every node counts in together
/// ([`Store::count_in_window`]), in ms.
pub const RATE_WINDOW_MS: i64 = 60_000;

/// A blob held by [`Store::hold_blob`].
pub enum BlobHold {
    Here,
    Shared(Box<postgres::Held>),
}

impl BlobHold {
    pub async fn release(self) {
        if let BlobHold::Shared(held) = self {
            held.release().await;
        }
    }
}

/// The history store behind the engine. One variant per backend.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// Records contents (`size` bytes, with a thumbnail or not) before they are written to
    /// the blob store: if what follows fails, the sweep finds them unnamed and deletes them.
    pub async fn add_blob(&self, hash: &str, size: u64, thumb: bool) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.add_blob(hash, size, thumb).await,
            Store::Postgres(s) => s.add_blob(hash, size, thumb).await,
        }
    }

    /// Stores an upload whose contents are in the blob store.
    pub async fn add_upload(&self, upload: UploadRecord) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.add_upload(upload).await,
            Store::Postgres(s) => s.add_upload(upload).await,
        }
    }

    /// The upload `id`, if it is kept.
    pub async fn upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.upload(id).await,
            Store::Postgres(s) => s.upload(id).await,
        }
    }

    /// Bytes `owner` has uploaded (still kept), and bytes stored in all.
    pub async fn upload_usage(&self, owner: &str) -> Result<(u64, u64), StoreError> {
        match self {
            Store::Sqlite(s) => s.upload_usage(owner).await,
            Store::Postgres(s) => s.upload_usage(owner).await,
        }
    }

    /// Forgets uploads never sent that were made before `before` (ms since the epoch).
    pub async fn expire_uploads(&self, before: i64) -> Result<usize, StoreError> {
        match self {
            Store::Sqlite(s) => s.expire_uploads(before).await,
            Store::Postgres(s) => s.expire_uploads(before).await,
        }
    }

    /// Blobs no upload names any more (their contents are to be deleted, then [`Store::forget_blob`]).
    pub async fn orphan_blobs(&self) -> Result<Vec<String>, StoreError> {
        match self {
            Store::Sqlite(s) => s.orphan_blobs().await,
            Store::Postgres(s) => s.orphan_blobs().await,
        }
    }

    /// Forgets the shared limits' windows that have ended (see [`Store::count_in_window`]).
    pub async fn forget_old_windows(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(0),
            Store::Postgres(s) => s.forget_old_windows(columns::now_millis()).await,
        }
    }

    /// Holds blob `hash` against every other node sharing this store: while held, no other
    /// node records, writes or sweeps it (on a store only this node uses, the files' own lock
    /// is enough). Release it with [`BlobHold::release`].
    pub async fn hold_blob(&self, hash: &str) -> Result<BlobHold, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(BlobHold::Here),
            Store::Postgres(s) => Ok(BlobHold::Shared(Box::new(s.hold_blob(hash).await?))),
        }
    }

    /// Whether no upload names blob `hash` (asked again under its hold, before a sweep deletes
    /// its contents).
    pub async fn blob_unnamed(&self, hash: &str) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.blob_unnamed(hash).await,
            Store::Postgres(s) => s.blob_unnamed(hash).await,
        }
    }

    /// Forgets blob `hash` if still no upload names it.
    pub async fn forget_blob(&self, hash: &str) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.forget_blob(hash).await,
            Store::Postgres(s) => s.forget_blob(hash).await,
        }
    }

    /// Counts one event of `kind` (a password attempt, an upload) for `key` where every node
    /// sharing this store sees it, in a window of [`RATE_WINDOW_MS`]: how many there are in it now and
    /// when it started (ms since the epoch). `None` for a store only this node uses, which
    /// counts in memory.
    pub async fn count_in_window(&self, kind: &str, key: &str) -> Result<Option<(u32, i64)>, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(None),
            Store::Postgres(s) => s.count_in_window(kind, key, columns::now_millis()).await.map(Some),
        }
    }

    /// Whether the store can be used now (a PostgreSQL server answers), for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.ping().await,
            Store::Postgres(s) => s.ping().await,
        }
    }

    /// The queue to the backend's writer.
    fn writer(&self) -> &queue::Queue {
        match self {
            Store::Sqlite(s) => s.writer(),
            Store::Postgres(s) => s.writer(),
        }
    }

    /// Queues a message and waits until it is committed.
    pub async fn append(&self, message: NewMessage) -> Result<Appended, StoreError> {
        self.writer().append(message).await
    }

    /// Queues a message; the returned future resolves once it is committed. Messages
    /// submitted one after another are committed in that order.
    pub async fn submit(
        &self,
        message: NewMessage,
    ) -> Result<impl std::future::Future<Output = Result<Appended, StoreError>> + use<>, StoreError> {
        self.writer().submit(message).await
    }

    /// Queues a change to a message; the returned future resolves once it is committed.
    /// Changes and messages submitted one after another are committed in that order.
    pub async fn submit_change(
        &self,
        change: NewChange,
    ) -> Result<impl std::future::Future<Output = Result<Changed, StoreError>> + use<>, StoreError> {
        self.writer().submit_change(change).await
    }

    /// The newest `limit` messages of a room (before `before`, when given; back to `until`
    /// when that is further, at most [`MAX_PAGE`] messages).
    pub async fn latest(
        &self,
        room: &str,
        before: Option<Seq>,
        until: Option<Seq>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        match self {
            Store::Sqlite(s) => s.latest(room, before, until, limit).await,
            Store::Postgres(s) => s.latest(room, before, until, limit).await,
        }
    }

    /// The messages of `room` with these seqs that are not deleted, in `seq` order.
    pub async fn messages(&self, room: &str, seqs: Vec<Seq>) -> Result<Vec<Message>, StoreError> {
        match self {
            Store::Sqlite(s) => s.messages(room, seqs).await,
            Store::Postgres(s) => s.messages(room, seqs).await,
        }
    }

    /// Moves `user`'s read position in `room` to `seq` if that is further; whether it moved.
    pub async fn set_read(&self, user: i64, room: &str, seq: Seq) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.set_read(user, room, seq).await,
            Store::Postgres(s) => s.set_read(user, room, seq).await,
        }
    }

    /// The unread messages of every room where `user` (called `nickname`) has a read position.
    pub async fn unread(&self, user: i64, nickname: &str) -> Result<Vec<protocol::Unread>, StoreError> {
        match self {
            Store::Sqlite(s) => s.unread(user, nickname).await,
            Store::Postgres(s) => s.unread(user, nickname).await,
        }
    }

    /// Creates a room with its members; `RoomExists` if the name is taken.
    pub async fn create_room(&self, room: NewRoom) -> Result<StoredRoom, StoreError> {
        self.writer().create_room(room).await
    }

    /// Makes `user` a member of `room`; false if they already were.
    pub async fn add_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.add_member(room, user).await,
            Store::Postgres(s) => s.add_member(room, user).await,
        }
    }

    /// Takes `user` out of `room`; false if they were not a member.
    pub async fn remove_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.remove_member(room, user).await,
            Store::Postgres(s) => s.remove_member(room, user).await,
        }
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.user(id).await,
            Store::Postgres(s) => s.user(id).await,
        }
    }

    pub async fn user_by_key(&self, nickname_key: &str) -> Result<Option<UserRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.user_by_key(nickname_key).await,
            Store::Postgres(s) => s.user_by_key(nickname_key).await,
        }
    }

    /// Stores a new person; `NicknameTaken` if the key is in use.
    pub async fn create_user(
        &self,
        nickname: &str,
        nickname_key: &str,
        password_hash: Option<String>,
    ) -> Result<UserRecord, StoreError> {
        match self {
            Store::Sqlite(s) => s.create_user(nickname, nickname_key, password_hash).await,
            Store::Postgres(s) => s.create_user(nickname, nickname_key, password_hash).await,
        }
    }

    pub async fn set_password_hash(&self, id: i64, password_hash: String) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.set_password_hash(id, password_hash).await,
            Store::Postgres(s) => s.set_password_hash(id, password_hash).await,
        }
    }

    /// Every room, private ones included, sorted by name.
    pub async fn rooms(&self) -> Result<Vec<StoredRoom>, StoreError> {
        match self {
            Store::Sqlite(s) => s.rooms().await,
            Store::Postgres(s) => s.rooms().await,
        }
    }

    /// Up to `limit` events of a room with `seq` greater than `after`, oldest first: messages
    /// (as they are now) and changes.
    pub async fn after(&self, room: &str, after: Seq, limit: usize) -> Result<Vec<ServerEvent>, StoreError> {
        match self {
            Store::Sqlite(s) => s.after(room, after, limit).await,
            Store::Postgres(s) => s.after(room, after, limit).await,
        }
    }

    /// The file the store keeps its messages in, for a search index that reads them (SQLite
    /// only: a database server's store searches itself).
    pub fn messages_path(&self) -> Option<&std::path::Path> {
        match self {
            Store::Sqlite(s) => Some(s.path()),
            Store::Postgres(_) => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;

/// The most messages one `latest` read returns, however far back `until` asks.
pub const MAX_PAGE: usize = 1000;

/// A reply's quote of `text`: its first line without markup, at most
/// [`protocol::QUOTE_CHARS`] characters.
pub fn quote_text(text: &str) -> String {
    let plain = markup::plain(text);
    let line = plain.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut chars = line.char_indices();
    match chars.nth(protocol::QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", line[..at].trim_end()),
        None => line.to_owned(),
    }
}
