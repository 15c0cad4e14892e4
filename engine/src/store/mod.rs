//! Durable message history. `submit` queues a message, which is given its room's next `seq`;
//! the future it returns resolves only once the message is committed to disk. History reads
//! page by `seq`.

mod sqlite;

pub use sqlite::SqliteStore;

use protocol::{Message, RoomInfo, RoomKind, Seq};

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
    #[error("the store has shut down")]
    Closed,
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

/// Called by the store, in `seq` order, for each message right after it is committed.
pub type OnCommit = Box<dyn Fn(&Message) + Send + 'static>;

/// A page of history, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub messages: Vec<Message>,
    /// True when older messages exist before the first one.
    pub has_more: bool,
}

/// The history store behind the engine. One variant per backend.
pub enum Store {
    Sqlite(SqliteStore),
}

impl Store {
    /// Queues a message; the returned future resolves once it is committed. Messages
    /// submitted one after another are committed in that order.
    pub async fn submit(
        &self,
        message: NewMessage,
    ) -> Result<impl std::future::Future<Output = Result<Appended, StoreError>> + use<>, StoreError> {
        match self {
            Store::Sqlite(s) => s.submit(message).await,
        }
    }

    /// The newest `limit` messages of a room (before `before`, when given).
    pub async fn latest(&self, room: &str, before: Option<Seq>, limit: usize) -> Result<Page, StoreError> {
        match self {
            Store::Sqlite(s) => s.latest(room, before, limit).await,
        }
    }

    /// Creates a room with its members; `RoomExists` if the name is taken.
    pub async fn create_room(&self, room: NewRoom) -> Result<StoredRoom, StoreError> {
        match self {
            Store::Sqlite(s) => s.create_room(room).await,
        }
    }

    /// Makes `user` a member of `room`; false if they already were.
    pub async fn add_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.add_member(room, user).await,
        }
    }

    /// Takes `user` out of `room`; false if they were not a member.
    pub async fn remove_member(&self, room: &str, user: i64) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.remove_member(room, user).await,
        }
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.user(id).await,
        }
    }

    pub async fn user_by_key(&self, nickname_key: &str) -> Result<Option<UserRecord>, StoreError> {
        match self {
            Store::Sqlite(s) => s.user_by_key(nickname_key).await,
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
        }
    }

    pub async fn set_password_hash(&self, id: i64, password_hash: String) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.set_password_hash(id, password_hash).await,
        }
    }

    /// Every room, private ones included, sorted by name.
    pub async fn rooms(&self) -> Result<Vec<StoredRoom>, StoreError> {
        match self {
            Store::Sqlite(s) => s.rooms().await,
        }
    }

    /// Up to `limit` messages of a room with `seq` greater than `after`, oldest first.
    pub async fn after(&self, room: &str, after: Seq, limit: usize) -> Result<Vec<Message>, StoreError> {
        match self {
            Store::Sqlite(s) => s.after(room, after, limit).await,
        }
    }
}
