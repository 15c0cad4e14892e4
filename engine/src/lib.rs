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
//! - [`mentions`]: finding `@nick` in a message.
//! - [`files`]: files sent with messages: limits, uploads, who may download what.
//! - [`bus`]: what nodes tell each other when several share one database (Redis pub/sub).
//! - [`session`]: one connection's conversation: validates what the client sends, posts,
//!   replays history, relays typing, forwards live events without gaps or duplicates.

pub mod bus;
pub mod files;
pub mod hub;
pub mod mentions;
pub mod metrics;
pub mod mood;
pub mod outbox;
pub mod presence;
pub mod session;
pub mod store;
pub mod users;

use hub::{Hub, LobbyEvent};
use presence::Presence;
use protocol::{ErrorCode, Invalid, RoomInfo, RoomKind, Seq, ServerEvent};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use store::{
    Appended, ChangeKind, Changed, NewChange, NewMessage, NewRoom, Page, SqliteStore, Store, StoreError,
    StoredRoom,
};
use users::{Speaker, Users};

/// Tunables of the engine; `Default` is what the server runs with.
#[derive(Clone, Debug)]
pub struct Options {
    /// How long a person with no connection left in a room still counts as present.
    pub presence_grace: Duration,
    /// Messages a connection may send a second (bursts of six times that); more are refused
    /// with "slow down".
    pub messages_per_second: u32,
    /// Limits on files, and where they are stored.
    pub files: files::FileOptions,
    /// The key that signs upload tokens (the same on every node); empty: a random one.
    pub token_key: Vec<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            presence_grace: Duration::from_secs(3),
            messages_per_second: session::MESSAGES_PER_SECOND,
            files: files::FileOptions::default(),
            token_key: Vec::new(),
        }
    }
}

/// The chat engine shared by every connection and server function; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    /// The full-text index (absent if it could not be opened: search is then unavailable,
    /// the chat is not).
    index: Arc<OnceLock<search::Index>>,
    users: Users,
    hub: Hub,
    presence: Presence,
    metrics: metrics::Metrics,
    messages_per_second: u32,
    files: Arc<files::Files>,
    /// Every room by name, with who may see it (rooms are never deleted).
    rooms: RwLock<HashMap<String, StoredRoom>>,
    /// The bus to the other nodes, when there are any.
    bus: Option<Arc<bus::Bus>>,
    /// Puts room events from this node's store and from the bus in order (with a bus only).
    order: Option<Arc<bus::order::Order>>,
}

/// Where a node keeps its data and how it reaches the others; `Default` is the embedded
/// single node.
#[derive(Clone, Debug, Default)]
pub struct Backends {
    /// `postgres://…` (or `postgresql://…`) for PostgreSQL, `sqlite://PATH` for an SQLite
    /// database file; None: `natter.db` in the data directory.
    pub database_url: Option<String>,
    /// `redis://…`: publish room events, typing and presence to the other nodes through
    /// Redis, and deliver theirs.
    pub redis_url: Option<String>,
}

/// An [`Engine`] that does not keep it alive.
#[derive(Clone)]
pub struct WeakEngine(std::sync::Weak<Inner>);

impl WeakEngine {
    pub fn upgrade(&self) -> Option<Engine> {
        self.0.upgrade().map(|inner| Engine { inner })
    }
}

/// May the person with id `who` (`None`: a guest) see `room`?
fn may_see(room: &StoredRoom, who: Option<i64>) -> bool {
    room.info.kind == RoomKind::Public || who.is_some_and(|id| room.members.iter().any(|(m, _)| *m == id))
}

fn refuse(code: ErrorCode, reason: impl Into<String>) -> PostError {
    PostError::Invalid(Invalid::new(code, reason))
}

/// The search index of `data_dir`, rebuilt from scratch if its file cannot be opened (it
/// holds nothing the message store does not).
fn open_index(data_dir: &Path, messages: &Path) -> Option<search::Index> {
    match search::Index::open(data_dir, messages) {
        Ok(index) => return Some(index),
        Err(error) => tracing::warn!(%error, "the search index cannot be opened; rebuilding it"),
    }
    for file in ["search.db", "search.db-wal", "search.db-shm"] {
        let _ = std::fs::remove_file(data_dir.join(file));
    }
    match search::Index::open(data_dir, messages) {
        Ok(index) => Some(index),
        Err(error) => {
            tracing::error!(%error, "search is unavailable");
            None
        }
    }
}

/// The store a `--database-url` names.
async fn open_store(url: &str, on_commit: store::OnCommit) -> Result<Store, StoreError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(Store::Sqlite(SqliteStore::open_file(Path::new(path), on_commit)?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Store::Postgres(store::PgStore::open(url, on_commit).await?));
    }
    Err(StoreError::Config(format!(
        "the database URL must start with postgres://, postgresql:// or sqlite://, not {:?}",
        url.split("://").next().unwrap_or(url)
    )))
}

/// `emoji` if it is one emoji (with its skin tone, if any), in the form reactions are stored in.
fn reaction_emoji(emoji: &str) -> Result<String, Invalid> {
    // Stored in Unicode's fully qualified form, so "❤" and "❤️" are one reaction.
    match emojis::get(emoji.trim()).filter(|_| emoji.len() <= 64) {
        Some(found) => Ok(found.as_str().to_owned()),
        None => Err(Invalid::new(ErrorCode::InvalidEmoji, "A reaction is one emoji.")),
    }
}

/// A change to a message someone asks for.
#[derive(Clone, Debug)]
pub enum Request {
    Edit(String),
    Delete,
    React(String),
    Unreact(String),
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
    /// Files: uploads, downloads, tokens.
    pub fn files(&self) -> &files::Files {
        &self.inner.files
    }

    /// Keeps a file `who` uploaded (see [`files::Files::upload`]).
    pub async fn upload(
        &self,
        who: &Speaker,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<protocol::Attachment, files::UploadError> {
        self.inner.files.upload(who, name, bytes).await
    }

    /// The upload `id` if `who` may download it: its uploader until it is sent, then whoever
    /// may see the room it was sent in.
    pub async fn find_file(
        &self,
        who: Option<&Speaker>,
        id: &str,
    ) -> Result<store::UploadRecord, files::DownloadError> {
        let viewer = who.and_then(|w| w.id);
        self.inner.files.find(who, id, |room| self.may_see(room, viewer)).await
    }

    /// The embedded default: history in SQLite under `data_dir`, fan-out in this process.
    pub async fn open_sqlite(data_dir: &Path, options: Options) -> Result<Engine, StoreError> {
        Self::open(data_dir, &Backends::default(), options).await
    }

    /// An engine on `backends`; `data_dir` holds what stays local (the search index and the
    /// file store of an SQLite node, the session key).
    pub async fn open(data_dir: &Path, backends: &Backends, options: Options) -> Result<Engine, StoreError> {
        let metrics = metrics::Metrics::default();
        let hub = Hub::new(metrics.deliveries.clone());
        let index: Arc<OnceLock<search::Index>> = Arc::default();
        let deliver = {
            let (hub, indexed) = (hub.clone(), Arc::clone(&index));
            Box::new(move |event: ServerEvent| {
                if let (Some(index), Some((room, _))) = (indexed.get(), event.ordered()) {
                    index.touched(room);
                }
                hub.publish_ordered(event);
            })
        };
        // With a bus, this node's commits and the other nodes' meet in one order; without
        // one, the store's writer publishes straight to the hub.
        let (bus, order, queue, on_commit): (_, _, _, store::OnCommit) = match &backends.redis_url {
            Some(_) => {
                let (bus, queue) = bus::Bus::new(&metrics);
                let order = bus::order::Order::new(deliver, metrics.bus_filled.clone());
                let on_commit = {
                    let (bus, order) = (Arc::clone(&bus), Arc::clone(&order));
                    Box::new(move |event: ServerEvent| {
                        order.offer(event.clone());
                        bus.send(bus::Body::Event { event });
                    })
                };
                (Some(bus), Some(order), Some(queue), on_commit)
            }
            None => (None, None, None, deliver),
        };
        let store = match backends.database_url.as_deref() {
            None => Store::Sqlite(SqliteStore::open(data_dir, on_commit)?),
            Some(url) => open_store(url, on_commit).await?,
        };
        if let Some(opened) = store.messages_path().and_then(|path| open_index(data_dir, path)) {
            let _ = index.set(opened);
        }
        let rooms = store.rooms().await?.into_iter().map(|r| (r.info.name.clone(), r)).collect();
        let presence = Presence::new(hub.clone(), options.presence_grace);
        let store = Arc::new(store);
        if let Some(order) = &order {
            order.read_from(&store);
        }
        let users = Users::new(Arc::clone(&store));
        let messages_per_second = options.messages_per_second;
        let blobs = match &options.files.blobs {
            Some(address) => ::files::Blobs::from_address(address),
            None => ::files::Blobs::local(&data_dir.join("files")),
        }
        .map_err(|error| StoreError::Files(error.to_string()))?;
        let mut token_key = options.token_key;
        if token_key.is_empty() {
            token_key = (0..4).flat_map(|_| uuid::Uuid::new_v4().into_bytes()).collect();
        }
        let files = files::Files::new(Arc::clone(&store), blobs, options.files, token_key);
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                index,
                users,
                hub,
                presence,
                metrics,
                messages_per_second,
                files,
                rooms: RwLock::new(rooms),
                bus,
                order,
            }),
        };
        if let (Some(url), Some(queue), Some(bus)) = (&backends.redis_url, queue, engine.bus()) {
            let bus = Arc::clone(bus);
            engine.presence().on_change(Box::new(move |news| bus.send(bus::Body::from(news))));
            let channel = match &*engine.inner.store {
                Store::Postgres(store) => format!("natter:{}", store.cluster_id().await?),
                Store::Sqlite(store) => {
                    let path = store.path().canonicalize().unwrap_or_else(|_| store.path().to_owned());
                    format!("natter:sqlite:{}", path.display())
                }
            };
            bus::start(url, &channel, &engine, queue).map_err(StoreError::Bus)?;
        }
        Ok(engine)
    }

    /// The bus to the other nodes, if this node has one.
    pub fn bus(&self) -> Option<&Arc<bus::Bus>> {
        self.inner.bus.as_ref()
    }

    pub fn downgrade(&self) -> WeakEngine {
        WeakEngine(Arc::downgrade(&self.inner))
    }

    /// Live typing (or its end) in `room`, for everyone there on every node.
    pub fn publish_typing(&self, room: &str, event: hub::HubEvent) {
        if let Some(bus) = self.bus() {
            bus.send(bus::Body::Typing { room: room.to_owned(), event: event.event.clone() });
        }
        self.inner.hub.publish(room, event);
    }

    /// `event` for the person `user`'s connections other than `except`, on every node.
    pub fn to_person(&self, user: i64, except: hub::ConnectionId, event: ServerEvent) {
        if let Some(bus) = self.bus() {
            bus.send(bus::Body::Person { user, event: event.clone() });
        }
        self.inner.hub.to_person(user, except, event);
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
    /// it to the room). A resend of a stored `client_id` returns the stored message and
    /// publishes nothing.
    pub async fn post(
        &self,
        author: &Speaker,
        room: &str,
        client_id: &str,
        text: &str,
        reply_to: Option<Seq>,
    ) -> Result<Appended, PostError> {
        self.submit_post(author, room, client_id, text, reply_to, Vec::new()).await?.await
    }

    /// [`Engine::post`] with files the author uploaded before (their ids, each with its own
    /// caption or none); `text` is then the caption of them all and may be empty.
    pub async fn post_files(
        &self,
        author: &Speaker,
        room: &str,
        client_id: &str,
        text: &str,
        reply_to: Option<Seq>,
        attachments: Vec<protocol::SendFile>,
    ) -> Result<Appended, PostError> {
        self.submit_post(author, room, client_id, text, reply_to, attachments).await?.await
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
        reply_to: Option<Seq>,
        mut attachments: Vec<protocol::SendFile>,
    ) -> Result<impl std::future::Future<Output = Result<Appended, PostError>> + use<>, PostError> {
        let room = self.existing_room(room, author.id)?;
        let client_id = protocol::client_id(client_id)?;
        let text = if attachments.is_empty() {
            protocol::message_text(text)?
        } else if attachments.len() > protocol::MAX_ATTACHMENTS {
            return Err(refuse(
                ErrorCode::UnknownUpload,
                format!("A message carries at most {} files.", protocol::MAX_ATTACHMENTS),
            ));
        } else {
            for file in &mut attachments {
                file.caption = protocol::file_caption(file.caption.as_deref())?.map(str::to_owned);
            }
            protocol::caption(text)?
        };
        let author = protocol::nickname(&author.nickname)?;
        let mood = mood::analyze(text);
        let (mentions, mentions_room) = self.mentions(&room, text).await;
        let message = NewMessage {
            room,
            client_id: client_id.to_owned(),
            author: author.to_owned(),
            text: text.to_owned(),
            mood: mood.score,
            lang: mood.lang.map(|l| l.code().to_owned()),
            reply_to,
            mentions,
            mentions_room,
            attachments,
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

    /// The people `text` mentions (`@nick`, as they are called) among those present in `room`
    /// and those who claimed a nickname, and whether it mentions the whole room (`@room`).
    async fn mentions(&self, room: &str, text: &str) -> (Vec<String>, bool) {
        if !text.contains('@') {
            return (Vec::new(), false);
        }
        let (ats, everyone) = mentions::scan(text);
        let mut found: Vec<String> = Vec::new();
        for at in ats {
            for candidate in &at.candidates {
                let person = match self.inner.presence.named(room, candidate) {
                    Some(present) => Some(present),
                    None => match self.inner.users.find(candidate).await {
                        Ok(user) => user.map(|u| u.nickname),
                        // A mention is a nicety: without the store, the message still goes.
                        Err(_) => None,
                    },
                };
                if let Some(person) = person {
                    if !found.contains(&person) {
                        found.push(person);
                    }
                    break;
                }
            }
            if found.len() == mentions::MAX_MENTIONS {
                break;
            }
        }
        (found, everyone)
    }

    /// Validates and queues a change to message `target` of `room` asked for by `author`;
    /// the future resolves once it is stored (and published) or found to change nothing.
    pub async fn submit_change(
        &self,
        author: &Speaker,
        room: &str,
        target: Seq,
        request: Request,
    ) -> Result<impl std::future::Future<Output = Result<Changed, PostError>> + use<>, PostError> {
        let room = self.existing_room(room, author.id)?;
        let nickname = protocol::nickname(&author.nickname)?.to_owned();
        let what = match request {
            Request::Edit(text) => {
                let text = protocol::message_text(&text)?;
                let mood = mood::analyze(text);
                let (mentions, mentions_room) = self.mentions(&room, text).await;
                ChangeKind::Edit {
                    text: text.to_owned(),
                    mood: mood.score,
                    lang: mood.lang.map(|l| l.code().to_owned()),
                    mentions,
                    mentions_room,
                }
            }
            Request::Delete => ChangeKind::Delete,
            Request::React(emoji) => ChangeKind::React { emoji: reaction_emoji(&emoji)?, added: true },
            Request::Unreact(emoji) => ChangeKind::React { emoji: reaction_emoji(&emoji)?, added: false },
        };
        let deleting = matches!(what, ChangeKind::Delete);
        let change = NewChange { room, author: nickname, target, what };
        let stored = self.inner.store.submit_change(change).await?;
        let files = Arc::clone(&self.inner.files);
        Ok(async move {
            let changed = stored.await?;
            if deleting && changed != Changed::Unchanged {
                // Its files' contents go once nothing else names them.
                files.swept_soon();
            }
            Ok(changed)
        })
    }

    /// Remembers that `user` read `room` up to `seq` (if further than before).
    pub async fn set_read(&self, user: i64, room: &str, seq: Seq) -> Result<bool, StoreError> {
        self.inner.store.set_read(user, room, seq).await
    }

    /// Unread counts of the rooms `user` (called `nickname`) has read and may still see.
    pub async fn unread(&self, user: i64, nickname: &str) -> Result<Vec<protocol::Unread>, StoreError> {
        let counts = self.inner.store.unread(user, nickname).await?;
        Ok(counts.into_iter().filter(|c| self.may_see(&c.room, Some(user))).collect())
    }

    /// Searches the messages of the rooms the person with id `who` may read (or of `room`
    /// only), newest first: a page of hits with their matching parts, and the cursor of the
    /// next page (`before`).
    pub async fn search(
        &self,
        who: Option<i64>,
        query: &str,
        room: Option<&str>,
        before: Option<&str>,
    ) -> Result<(Vec<protocol::SearchHit>, Option<String>), PostError> {
        let query = query.trim();
        let invalid = |reason: &str| refuse(ErrorCode::InvalidQuery, reason);
        if protocol::char_count(query) > protocol::MAX_QUERY_CHARS {
            return Err(invalid(&format!("Search for at most {} characters.", protocol::MAX_QUERY_CHARS)));
        }
        if !search::searchable(query) {
            return Err(invalid("Type a word to search for."));
        }
        let before = match before {
            Some(cursor) => {
                Some(cursor.parse::<u64>().map_err(|_| invalid("That page of results is unknown."))?)
            }
            None => None,
        };
        let rooms: HashSet<String> = match room {
            Some(room) => HashSet::from([self.existing_room(room, who)?]),
            None => self.rooms_for(who).into_iter().map(|r| r.name).collect(),
        };
        // A database server searches itself.
        if let Store::Postgres(store) = &*self.inner.store {
            let page = store.search(query, &rooms, before, protocol::SEARCH_PAGE).await?;
            return self.search_hits(query, page).await;
        }
        let Some(_) = self.inner.index.get() else {
            return Err(PostError::Store(StoreError::Commit("search is unavailable".into())));
        };
        let inner = Arc::clone(&self.inner);
        let owned = query.to_owned();
        let page = tokio::task::spawn_blocking(move || {
            let index = inner.index.get()?;
            // A message sent a moment ago is found: wait briefly for the indexer.
            index.settle(std::time::Duration::from_millis(300));
            Some(index.search(&owned, &rooms, before, protocol::SEARCH_PAGE))
        })
        .await
        .ok()
        .flatten();
        let page = match page {
            Some(Ok(page)) => page,
            Some(Err(error)) => {
                tracing::warn!(%error, "search failed");
                return Err(PostError::Store(StoreError::Commit(error.to_string())));
            }
            None => return Err(PostError::Store(StoreError::Closed)),
        };
        self.search_hits(query, page).await
    }

    /// A page of hits as their messages are now, in the index's order.
    async fn search_hits(
        &self,
        query: &str,
        page: search::Page,
    ) -> Result<(Vec<protocol::SearchHit>, Option<String>), PostError> {
        // Each hit as its message is now, in the index's order.
        let mut by_room: HashMap<String, Vec<Seq>> = HashMap::new();
        for hit in &page.hits {
            by_room.entry(hit.room.clone()).or_default().push(hit.seq);
        }
        let mut found: HashMap<(String, Seq), protocol::Message> = HashMap::new();
        for (room, seqs) in by_room {
            for message in self.inner.store.messages(&room, seqs).await? {
                found.insert((message.room.clone(), message.seq), message);
            }
        }
        let hits = page
            .hits
            .into_iter()
            .filter_map(|hit| found.remove(&(hit.room, hit.seq)))
            .map(|message| {
                let highlights = search::highlights(query, &message.text);
                protocol::SearchHit { message, highlights }
            })
            .collect();
        Ok((hits, page.next.map(|n| n.to_string())))
    }

    /// The messages of `room` with these seqs (deleted ones left out). Callers check access.
    pub async fn messages(&self, room: &str, seqs: Vec<Seq>) -> Result<Vec<protocol::Message>, StoreError> {
        self.inner.store.messages(room, seqs).await
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

    /// Keeps a created or changed room and tells everyone who may see it, on every node.
    fn announce(&self, room: StoredRoom) -> RoomInfo {
        if let Some(bus) = self.bus() {
            bus.send(bus::Body::Room { room: room.info.name.clone() });
        }
        self.announce_here(room)
    }

    /// [`Engine::announce`] on this node only.
    fn announce_here(&self, room: StoredRoom) -> RoomInfo {
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
        // The other nodes read the room again and find who is no longer in it.
        let info = self.announce(updated);
        self.inner.hub.publish_lobby(LobbyEvent::Revoked { room: name, user: person.id });
        Ok(info)
    }

    /// A room as stored now.
    async fn refreshed(&self, name: &str) -> Result<StoredRoom, PostError> {
        let rooms = self.inner.store.rooms().await?;
        rooms.into_iter().find(|r| r.info.name == name).ok_or_else(|| Self::unknown_room(name).into())
    }

    /// The newest `limit` messages of a room before `before` (or the newest overall), and
    /// further back to `until` if given. Callers check that the reader may see the room first
    /// ([`Engine::existing_room`]).
    pub async fn history(
        &self,
        room: &str,
        before: Option<Seq>,
        until: Option<Seq>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        self.inner.store.latest(room, before, until, limit).await
    }

    /// Events after `seq`, oldest first (messages as they are now, and changes): what a
    /// reconnecting client missed. Callers check access as for [`Engine::history`].
    pub async fn after(&self, room: &str, seq: Seq, limit: usize) -> Result<Vec<ServerEvent>, StoreError> {
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
        self.inner.store.ping().await
    }
}
