//! Natter's chat engine: everything a chat server does, with no web framework in sight.
//!
//! - [`store`]: durable history and rooms; assigns each room's `seq`, dedupes resends,
//!   group-commits.
//! - [`Engine`] itself keeps every room and who may see it: public rooms are for everyone,
//!   private rooms and direct conversations only for their members. Every way in (joining,
//!   posting, history, typing, presence, the room list, the server-rendered page) asks it, and
//!   a non-member is told the room does not exist.
//! - [`hub`]: live fan-out of committed messages and ephemeral events to a room's connections.
//! - [`outbox`]: each connection's frames not yet written, and the flushers that write them.
//! - [`presence`]: who is in which room now (never stored).
//! - [`users`]: who people are: claimed nicknames, passwords, attempt limits.
//! - [`session`]: one connection's conversation: validates what the client sends, posts,
//!   replays history, relays typing, forwards live events without gaps or duplicates.

pub mod hub;
pub mod metrics;
pub mod mood;
pub mod outbox;
pub mod presence;
pub mod session;
pub mod store;
pub mod users;

use hub::{Hub, LobbyEvent};
use presence::Presence;
use protocol::{ErrorCode, Invalid, RoomInfo, RoomKind, Seq};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use store::{Appended, NewMessage, NewRoom, Page, SqliteStore, Store, StoreError, StoredRoom};
use users::{Speaker, Users};

/// Tunables of the engine; `Default` is what the server runs with.
#[derive(Clone, Debug)]
pub struct Options {
    /// How long a person with no connection left in a room still counts as present.
    pub presence_grace: Duration,
    /// Messages a connection may send a second (bursts of six times that); more are refused
    /// with "slow down".
    pub messages_per_second: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options { presence_grace: Duration::from_secs(3), messages_per_second: session::MESSAGES_PER_SECOND }
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
    metrics: metrics::Metrics,
    messages_per_second: u32,
    /// Every room by name, with who may see it (rooms are never deleted).
    rooms: RwLock<HashMap<String, StoredRoom>>,
}

/// May the person with id `who` (`None`: a guest) see `room`?
fn may_see(room: &StoredRoom, who: Option<i64>) -> bool {
    room.info.kind == RoomKind::Public || who.is_some_and(|id| room.members.iter().any(|(m, _)| *m == id))
}

fn refuse(code: ErrorCode, reason: impl Into<String>) -> PostError {
    PostError::Invalid(Invalid::new(code, reason))
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
        let metrics = metrics::Metrics::default();
        let hub = Hub::new(metrics.deliveries.clone());
        let publisher = hub.clone();
        let store = Store::Sqlite(SqliteStore::open(
            data_dir,
            Box::new(move |m| publisher.publish_message(m.clone())),
        )?);
        let rooms = store.rooms().await?.into_iter().map(|r| (r.info.name.clone(), r)).collect();
        let presence = Presence::new(hub.clone(), options.presence_grace);
        let store = Arc::new(store);
        let users = Users::new(Arc::clone(&store));
        let messages_per_second = options.messages_per_second;
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                users,
                hub,
                presence,
                metrics,
                messages_per_second,
                rooms: RwLock::new(rooms),
            }),
        })
    }

    fn unknown_room(room: &str) -> Invalid {
        Invalid::new(ErrorCode::UnknownRoom, format!("There is no room called {room:?}."))
    }

    fn read_rooms(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, StoredRoom>> {
        self.inner.rooms.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_rooms(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, StoredRoom>> {
        self.inner.rooms.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The canonical name of a room the person with id `who` may see (`None`: a guest). A
    /// private room they are not a member of is "unknown", exactly like a missing one.
    pub fn existing_room(&self, room: &str, who: Option<i64>) -> Result<String, Invalid> {
        let room = protocol::room_name(room)?;
        match self.read_rooms().get(&room) {
            Some(stored) if may_see(stored, who) => Ok(room),
            _ => Err(Self::unknown_room(&room)),
        }
    }

    /// Whether `who` may see `room` now (false for rooms that do not exist).
    pub fn may_see(&self, room: &str, who: Option<i64>) -> bool {
        self.read_rooms().get(room).is_some_and(|stored| may_see(stored, who))
    }

    /// Whether `room` is private or direct: only its members may see it.
    pub fn is_restricted(&self, room: &str) -> bool {
        self.read_rooms().get(room).is_some_and(|stored| stored.info.kind != RoomKind::Public)
    }

    /// The rooms `who` may see, sorted by name.
    pub fn rooms_for(&self, who: Option<i64>) -> Vec<RoomInfo> {
        let mut rooms: Vec<RoomInfo> =
            self.read_rooms().values().filter(|r| may_see(r, who)).map(|r| r.info.clone()).collect();
        rooms.sort_by(|a, b| a.name.cmp(&b.name));
        rooms
    }

    /// Validates, scores the mood of, and durably stores a message (the store then publishes
    /// it to the room). A
    /// resend of a stored `client_id` returns the stored message and publishes nothing.
    pub async fn post(
        &self,
        author: &Speaker,
        room: &str,
        client_id: &str,
        text: &str,
    ) -> Result<Appended, PostError> {
        self.submit_post(author, room, client_id, text).await?.await
    }

    /// [`Engine::post`] in two steps: this validates and queues the message (in the order of
    /// the calls: a connection's messages are committed in the order it sent them); the
    /// future it returns resolves once the message is stored.
    pub async fn submit_post(
        &self,
        author: &Speaker,
        room: &str,
        client_id: &str,
        text: &str,
    ) -> Result<impl std::future::Future<Output = Result<Appended, PostError>> + use<>, PostError> {
        let room = self.existing_room(room, author.id)?;
        let client_id = protocol::client_id(client_id)?;
        let text = protocol::message_text(text)?;
        let author = protocol::nickname(&author.nickname)?;
        let mood = mood::analyze(text);
        let message = NewMessage {
            room,
            client_id: client_id.to_owned(),
            author: author.to_owned(),
            text: text.to_owned(),
            mood: mood.score,
            lang: mood.lang.map(|l| l.code().to_owned()),
        };
        let started = std::time::Instant::now();
        let stored = self.inner.store.submit(message).await?;
        let engine = self.clone();
        Ok(async move {
            let appended = stored.await?;
            engine.inner.metrics.store_seconds.observe(started.elapsed().as_secs_f64());
            if let Appended::New(_) = appended {
                engine.inner.metrics.messages_in.inc();
            }
            Ok(appended)
        })
    }

    /// Creates a room and announces it to everyone who may see it: everyone for a public
    /// room; for a private one (which needs a claimed nickname), its creator, its first member.
    pub async fn create_room(
        &self,
        creator: &Speaker,
        room: &str,
        private: bool,
    ) -> Result<RoomInfo, PostError> {
        let name = protocol::new_room_name(room)?;
        let new = if private {
            let Some(owner) = creator.id else {
                return Err(refuse(
                    ErrorCode::NotAllowed,
                    "Private rooms need a claimed nickname: join from the web page, or use a password.",
                ));
            };
            NewRoom { name, kind: RoomKind::Private, owner: Some(owner), members: vec![owner] }
        } else {
            NewRoom { name, kind: RoomKind::Public, owner: None, members: Vec::new() }
        };
        let name = new.name.clone();
        let created = self.inner.store.create_room(new).await.map_err(|error| match error {
            StoreError::RoomExists => {
                refuse(ErrorCode::RoomExists, format!("A room called {name:?} already exists."))
            }
            other => PostError::Store(other),
        })?;
        Ok(self.announce(created))
    }

    /// Keeps a created or changed room and tells everyone who may see it.
    fn announce(&self, room: StoredRoom) -> RoomInfo {
        let info = room.info.clone();
        let audience =
            (info.kind != RoomKind::Public).then(|| room.members.iter().map(|(id, _)| *id).collect());
        self.write_rooms().insert(info.name.clone(), room);
        self.inner.hub.publish_lobby(LobbyEvent::Room { room: info.clone(), audience });
        info
    }

    /// The claimed person called `nickname`, or a refusal saying no one is.
    async fn person(&self, nickname: &str) -> Result<users::User, PostError> {
        let nickname = protocol::nickname(nickname)?;
        self.inner.users.find(nickname).await?.ok_or_else(|| {
            refuse(
                ErrorCode::UnknownPerson,
                format!("No one has claimed the nickname {nickname:?}; only people who joined with it can be added."),
            )
        })
    }

    /// The direct conversation between `me` and `with`, created (and announced to both) the
    /// first time. Returns it and whether it was created now.
    pub async fn open_direct(&self, me: &Speaker, with: &str) -> Result<(RoomInfo, bool), PostError> {
        let Some(my_id) = me.id else {
            return Err(refuse(
                ErrorCode::NotAllowed,
                "Direct messages need a claimed nickname: join from the web page, or use a password.",
            ));
        };
        let other = self.person(with).await?;
        if other.id == my_id {
            return Err(refuse(ErrorCode::NotAllowed, "That is you; pick someone else to message."));
        }
        let name = protocol::direct_room(my_id, other.id);
        if let Some(existing) = self.read_rooms().get(&name) {
            return Ok((existing.info.clone(), false));
        }
        let new = NewRoom {
            name: name.clone(),
            kind: RoomKind::Direct,
            owner: None,
            members: vec![my_id, other.id],
        };
        match self.inner.store.create_room(new).await {
            Ok(created) => Ok((self.announce(created), true)),
            // Both opened it at once: the other one's is in memory by now.
            Err(StoreError::RoomExists) => match self.read_rooms().get(&name) {
                Some(existing) => Ok((existing.info.clone(), false)),
                None => Err(PostError::Store(StoreError::RoomExists)),
            },
            Err(error) => Err(error.into()),
        }
    }

    /// A private room `by` owns (or, with `or_member`, is a member of).
    fn owned_room(&self, by: &Speaker, room: &str, or_member: bool) -> Result<StoredRoom, PostError> {
        let name = self.existing_room(room, by.id)?;
        let stored = self.read_rooms().get(&name).cloned().ok_or_else(|| Self::unknown_room(&name))?;
        if stored.info.kind != RoomKind::Private {
            return Err(refuse(
                ErrorCode::NotAllowed,
                "Only private rooms have members to invite or remove.",
            ));
        }
        if stored.owner != by.id && !or_member {
            return Err(refuse(ErrorCode::NotAllowed, "Only the person who created this room can do that."));
        }
        Ok(stored)
    }

    /// Adds `nickname` to a private room `by` owns; they and the members hear of it.
    pub async fn invite(&self, by: &Speaker, room: &str, nickname: &str) -> Result<RoomInfo, PostError> {
        let stored = self.owned_room(by, room, false)?;
        let person = self.person(nickname).await?;
        let name = stored.info.name;
        self.inner.store.add_member(&name, person.id).await?;
        let updated = self.refreshed(&name).await?;
        Ok(self.announce(updated))
    }

    /// Takes `nickname` out of a private room: its owner removes anyone else, a member removes
    /// themselves. From now on they get nothing from it.
    pub async fn remove(&self, by: &Speaker, room: &str, nickname: &str) -> Result<RoomInfo, PostError> {
        let person = self.person(nickname).await?;
        let myself = by.id == Some(person.id);
        let stored = self.owned_room(by, room, myself)?;
        if stored.owner == Some(person.id) {
            return Err(refuse(ErrorCode::NotAllowed, "The creator of a private room stays in it."));
        }
        let name = stored.info.name;
        if !stored.members.iter().any(|(id, _)| *id == person.id) {
            return Err(refuse(
                ErrorCode::UnknownPerson,
                format!("{} is not a member of this room.", person.nickname),
            ));
        }
        self.inner.store.remove_member(&name, person.id).await?;
        let updated = self.refreshed(&name).await?;
        // Access ends in memory first, then the removed person's connections drop the room.
        let info = self.announce(updated);
        self.inner.hub.publish_lobby(LobbyEvent::Revoked { room: name, user: person.id });
        Ok(info)
    }

    /// A room as stored now.
    async fn refreshed(&self, name: &str) -> Result<StoredRoom, PostError> {
        let rooms = self.inner.store.rooms().await?;
        rooms.into_iter().find(|r| r.info.name == name).ok_or_else(|| Self::unknown_room(name).into())
    }

    /// The newest `limit` messages of a room before `before` (or the newest overall). Callers
    /// check that the reader may see the room first ([`Engine::existing_room`]).
    pub async fn history(&self, room: &str, before: Option<Seq>, limit: usize) -> Result<Page, StoreError> {
        self.inner.store.latest(room, before, limit).await
    }

    /// Messages after `seq`, oldest first: what a reconnecting client missed. Callers check
    /// access as for [`Engine::history`].
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

    pub fn messages_per_second(&self) -> u32 {
        self.inner.messages_per_second
    }

    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// Whether the store answers (for `/readyz`).
    pub async fn ready(&self) -> Result<(), StoreError> {
        self.inner.store.user(0).await.map(drop)
    }
}
