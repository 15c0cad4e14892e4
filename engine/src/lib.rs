//! Natter's chat engine: everything a chat server does, with no web framework in sight.
//!
//! - [`store`]: durable history and rooms; assigns each room's `seq`, dedupes resends,
//!   group-commits.
//! - [`hub`]: live fan-out of committed messages and ephemeral events to a room's connections.
//! - [`presence`]: who is in which room now (never stored).
//! - [`users`]: who people are: claimed nicknames, passwords, attempt limits.
//! - [`session`]: one connection's conversation: validates what the client sends, posts,
//!   replays history, relays typing, forwards live events without gaps or duplicates.

pub mod hub;
pub mod mood;
pub mod presence;
pub mod session;
pub mod store;
pub mod users;

use hub::Hub;
use presence::Presence;
use protocol::{ErrorCode, Invalid, RoomInfo, Seq};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use store::{Appended, NewMessage, Page, SqliteStore, Store, StoreError};
use users::Users;

/// Tunables of the engine; `Default` is what the server runs with.
#[derive(Clone, Debug)]
pub struct Options {
    /// How long a person with no connection left in a room still counts as present.
    pub presence_grace: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options { presence_grace: Duration::from_secs(3) }
    }
}

/// The chat engine shared by every connection and server function; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    users: Users,
    hub: Hub,
    presence: Presence,
    /// Names of the existing rooms (they are never deleted).
    rooms: RwLock<HashSet<String>>,
}

/// Why a message was not posted (or a room not created).
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// The embedded default: history in SQLite under `data_dir`, fan-out in this process.
    pub async fn open_sqlite(data_dir: &Path, options: Options) -> Result<Engine, StoreError> {
        let hub = Hub::default();
        let publisher = hub.clone();
        let store = Store::Sqlite(SqliteStore::open(
            data_dir,
            Box::new(move |m| publisher.publish_message(m.clone())),
        )?);
        let rooms = store.rooms().await?.into_iter().map(|r| r.name).collect();
        let presence = Presence::new(hub.clone(), options.presence_grace);
        let store = Arc::new(store);
        let users = Users::new(Arc::clone(&store));
        Ok(Engine { inner: Arc::new(Inner { store, users, hub, presence, rooms: RwLock::new(rooms) }) })
    }

    fn unknown_room(room: &str) -> Invalid {
        Invalid::new(ErrorCode::UnknownRoom, format!("There is no room called {room:?}."))
    }

    /// The canonical name of an existing room.
    pub fn existing_room(&self, room: &str) -> Result<String, Invalid> {
        let room = protocol::room_name(room)?;
        let known = self.inner.rooms.read().unwrap_or_else(|e| e.into_inner()).contains(&room);
        if known {
            Ok(room)
        } else {
            Err(Self::unknown_room(&room))
        }
    }

    /// Validates, scores the mood of, and durably stores a message (the store then publishes
    /// it to the room). A
    /// resend of a stored `client_id` returns the stored message and publishes nothing.
    pub async fn post(
        &self,
        author: &str,
        room: &str,
        client_id: &str,
        text: &str,
    ) -> Result<Appended, PostError> {
        let room = self.existing_room(room)?;
        let client_id = protocol::client_id(client_id)?;
        let text = protocol::message_text(text)?;
        let author = protocol::nickname(author)?;
        let message = NewMessage {
            room,
            client_id: client_id.to_owned(),
            author: author.to_owned(),
            text: text.to_owned(),
            mood: mood::score(text),
        };
        Ok(self.inner.store.append(message).await?)
    }

    /// Creates a public room and announces it to every connection.
    pub async fn create_room(&self, room: &str) -> Result<RoomInfo, PostError> {
        let name = protocol::room_name(room)?;
        let created = self.inner.store.create_room(&name).await.map_err(|error| match error {
            StoreError::RoomExists => PostError::Invalid(Invalid::new(
                ErrorCode::RoomExists,
                format!("A room called {name:?} already exists."),
            )),
            other => PostError::Store(other),
        })?;
        self.inner.rooms.write().unwrap_or_else(|e| e.into_inner()).insert(created.name.clone());
        self.inner.hub.publish_room_created(created.clone());
        Ok(created)
    }

    pub async fn rooms(&self) -> Result<Vec<RoomInfo>, StoreError> {
        self.inner.store.rooms().await
    }

    /// The newest `limit` messages of a room before `before` (or the newest overall).
    pub async fn history(&self, room: &str, before: Option<Seq>, limit: usize) -> Result<Page, StoreError> {
        self.inner.store.latest(room, before, limit).await
    }

    /// Messages after `seq`, oldest first: what a reconnecting client missed.
    pub async fn after(
        &self,
        room: &str,
        seq: Seq,
        limit: usize,
    ) -> Result<Vec<protocol::Message>, StoreError> {
        self.inner.store.after(room, seq, limit).await
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub fn users(&self) -> &Users {
        &self.inner.users
    }

    pub fn presence(&self) -> &Presence {
        &self.inner.presence
    }
}
