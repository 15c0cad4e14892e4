//! One live connection's side of the conversation, independent of the transport.
//!
//! The transport feeds decoded [`ClientEvent`]s in; the session's answers go into the
//! connection's [`Outbox`], which the transport made for its socket. A room's events mostly
//! do not pass through the session at all: once it has caught up on a public room, the hub
//! puts the room's shared, once-encoded frames into the outbox itself (`hub`). The session
//! takes what the hub holds for it: private rooms' events (checked against the membership
//! each time), and a room it is joining or has fallen behind on.
//!
//! A client that stops reading fills its outbox; the session then waits to send, the hub
//! refuses the room's messages, and once the client reads again the session catches up from
//! the store. Memory stays bounded and no message is skipped.

use crate::hub::{ConnectionId, HubEvent, LobbyEvent, Subscriber};
use crate::outbox::{Item, Outbox};
use crate::store::{Appended, StoreError};
use crate::users::Speaker;
use crate::{Engine, PostError, Request};
use futures::stream::{Stream, StreamExt};
use protocol::{ClientEvent, ErrorCode, Invalid, RoomInfo, Seq, ServerEvent};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::sync::Notify;

/// Messages read from the store per query when replaying or catching up.
const REPLAY_CHUNK: usize = 500;
/// Messages a session catches a client up on per wake-up: a client slower than its room
/// still has its own input read between bursts.
const CATCH_UP_BURST: usize = 64;
/// How soon a catch-up whose store read failed is tried again.
const CATCH_UP_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// The session ends: the client went away, or was refused too often (see [`Ending`]).
struct Gone;

/// What woke a session up.
enum Wake {
    Input(Result<ClientEvent, String>),
    Answer(Option<ServerEvent>),
    /// The hub holds events for this session.
    Held,
    /// A room change from the lobby, or `None`: some were missed.
    Lobby(Option<Arc<LobbyEvent>>),
    /// The lobby is gone (the server is stopping): not listened to any more.
    LobbyClosed,
}

/// Why a session ended, for the transport's close code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client closed its side or stopped listening.
    Closed,
    /// The client was refused too often (abuse); its last event says so.
    Refused,
}

pub struct Session {
    id: ConnectionId,
    engine: Engine,
    /// The person the transport signed in (session cookie); `hello` cannot be anyone else.
    signed_in: Option<Speaker>,
    /// Who this connection speaks as, once `hello` succeeded.
    nickname: Option<String>,
    /// The id of that person, when their nickname is claimed (guests have none).
    user: Option<i64>,
    /// Joined rooms, each with its feed (which knows the last `seq` this client has).
    rooms: HashMap<String, Arc<Subscriber>>,
    /// A room being joined: subscribed, its history not sent yet. Unsubscribed by `Drop` if
    /// the session ends (or panics) meanwhile.
    joining: Option<(String, Arc<Subscriber>)>,
    /// The joined rooms only members may see: every event from them is checked against the
    /// membership first, so a removed member gets nothing more.
    restricted: HashSet<String>,
    /// Rooms where this connection announced typing and has not stopped yet.
    typing: HashSet<String>,
    /// Room changes for everyone (a receiver polled directly: a stream wrapper would box a
    /// future for every connection).
    lobby: broadcast::Receiver<Arc<LobbyEvent>>,
    lobby_open: bool,
    /// Work the session awaits alongside everything else (stores, reads): each may have an
    /// answer for the client.
    posts: posts::Posts,
    out: Arc<Outbox>,
    /// The hub's signal that it holds events for this session.
    held: Arc<Notify>,
    limits: limits::Limits,
    ending: Ending,
}

impl Session {
    /// `signed_in` is the person the transport already knows (e.g. from a cookie), if any;
    /// `out` is the connection's outbox (`Hub::outbox`).
    pub fn new(engine: Engine, signed_in: Option<Speaker>, out: Arc<Outbox>) -> Self {
        let lobby = engine.hub().subscribe_lobby();
        engine.metrics().connections.inc();
        let limits = limits::Limits::new(engine.messages_per_second());
        Session {
            id: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed),
            engine,
            signed_in,
            nickname: None,
            user: None,
            rooms: HashMap::new(),
            joining: None,
            restricted: HashSet::new(),
            typing: HashSet::new(),
            lobby,
            lobby_open: true,
            posts: posts::Posts::default(),
            out,
            held: Arc::new(Notify::new()),
            limits,
            ending: Ending::Closed,
        }
    }

    /// Runs until the client closes its input or stops listening. Input items that failed to
    /// decode carry the decoder's reason and are answered with a `bad_frame` error.
    // Not an `async fn`: each async layer keeps room for the arguments it moved on, and an
    // idle connection's task should hold its `Session` once, not once per layer.
    pub fn run<S>(self, input: S) -> impl std::future::Future<Output = Ending> + Send
    where
        S: Stream<Item = Result<ClientEvent, String>> + Send,
    {
        // Everything logged while serving this connection carries its id (and, once known,
        // who it is); message text and passwords are never logged.
        let span = tracing::info_span!("connection", id = self.id, person = tracing::field::Empty);
        tracing::Instrument::instrument(self.serve(input), span)
    }

    async fn serve<S>(mut self, input: S) -> Ending
    where
        S: Stream<Item = Result<ClientEvent, String>> + Send,
    {
        tracing::debug!("connection opened");
        let mut input = std::pin::pin!(input);
        let mut gone = false;
        while !gone {
            // What woke the session is decided here; handling it runs in a boxed future, so
            // only a session that is busy holds a handler's state (`join` alone nests several
            // store reads) and an idle connection's task stays small.
            let wake = tokio::select! {
                event = input.next() => match event {
                    Some(event) => Wake::Input(event),
                    None => break,
                },
                Some(answer) = self.posts.next(), if !self.posts.is_empty() => Wake::Answer(answer),
                () = self.held.notified() => Wake::Held,
                change = self.lobby.recv(), if self.lobby_open => match change {
                    Ok(change) => Wake::Lobby(Some(change)),
                    Err(broadcast::error::RecvError::Lagged(_)) => Wake::Lobby(None),
                    Err(broadcast::error::RecvError::Closed) => Wake::LobbyClosed,
                },
            };
            gone = Box::pin(self.on(wake)).await.is_err();
        }
        // The client closed its side: still answer the posts it is waiting for.
        while !gone {
            let Some(answer) = self.posts.next().await else { break };
            if let Some(answer) = answer {
                gone = Box::pin(self.send(answer)).await.is_err();
            }
        }
        tracing::debug!(ending = ?self.ending, "connection closed");
        self.ending
    }

    async fn on(&mut self, wake: Wake) -> Result<(), Gone> {
        match wake {
            Wake::Input(Ok(event)) => self.handle(event).await,
            Wake::Input(Err(reason)) => match self.limits.admit(None) {
                Ok(()) => {
                    let reason = format!("Could not read that frame: {reason}");
                    self.send(ServerEvent::error(ErrorCode::BadFrame, reason)).await
                }
                Err(invalid) => self.refuse(invalid).await,
            },
            Wake::Answer(Some(answer)) => self.send(answer).await,
            Wake::Answer(None) => Ok(()),
            Wake::Held => self.take_held().await,
            Wake::Lobby(change) => self.lobby(change).await,
            Wake::LobbyClosed => {
                self.lobby_open = false;
                Ok(())
            }
        }
    }

    /// Sends an event. A refusal counts against the client; after too many the session ends
    /// (`Err(Gone)`), its last word an error saying why.
    async fn send(&mut self, event: ServerEvent) -> Result<(), Gone> {
        let refused =
            matches!(&event, ServerEvent::Error { code, .. } if *code != ErrorCode::StoreUnavailable);
        self.out.send(Self::own(&event)).await.map_err(|_| Gone)?;
        if refused && self.limits.strike() {
            tracing::info!("closing a connection refused too often");
            let last = ServerEvent::error(
                ErrorCode::RateLimited,
                "Too many refused requests: closing this connection. Reconnect and slow down.",
            );
            let _ = self.out.send(Self::own(&last)).await;
            self.ending = Ending::Refused;
            return Err(Gone);
        }
        Ok(())
    }

    /// An event for this connection alone, as its frame.
    fn own(event: &ServerEvent) -> Item {
        Item::Own(protocol::frame::encode_server(event).into_boxed_slice())
    }

    async fn refuse(&mut self, invalid: Invalid) -> Result<(), Gone> {
        self.send(ServerEvent::error(invalid.code, invalid.reason)).await
    }

    /// Refuses a request about `room` (creating it, inviting to it, removing from it) with an
    /// error that names the room, so a client can tell which of its requests failed.
    async fn refuse_about(&mut self, done: Result<(), Invalid>, room: String) -> Result<(), Gone> {
        match done {
            Ok(()) => Ok(()),
            Err(invalid) => {
                let event = ServerEvent::Error {
                    code: invalid.code,
                    message: invalid.reason,
                    client_id: None,
                    room: Some(room),
                    seq: None,
                };
                self.send(event).await
            }
        }
    }

    /// Who `hello` may make this connection: the signed-in person (from the transport) only
    /// as themselves; otherwise whoever `users` lets speak as that nickname.
    async fn identify(
        engine: Engine,
        signed_in: Option<Speaker>,
        nickname: &str,
        password: Option<&str>,
    ) -> Result<Speaker, Invalid> {
        let nickname = protocol::nickname(nickname)?;
        if let Some(signed_in) = signed_in {
            return if protocol::nickname_key(nickname) == protocol::nickname_key(&signed_in.nickname) {
                Ok(signed_in)
            } else {
                Err(Invalid::new(
                    ErrorCode::NicknameTaken,
                    format!("You are signed in as {}.", signed_in.nickname),
                ))
            };
        }
        match engine.users().authenticate(nickname, password).await {
            Ok(speaker) => Ok(speaker),
            Err(PostError::Invalid(invalid)) => Err(invalid),
            Err(PostError::Store(error)) => {
                tracing::warn!(%error, "could not check a nickname");
                Err(Invalid::new(ErrorCode::StoreUnavailable, "Could not check that nickname; try again."))
            }
        }
    }

    fn no_nickname() -> Invalid {
        Invalid::new(ErrorCode::NoNickname, "Say hello with a nickname first.")
    }

    /// Who this connection speaks as, once `hello` succeeded.
    fn speaker(&self) -> Result<Speaker, Invalid> {
        let nickname = self.nickname.clone().ok_or_else(Self::no_nickname)?;
        Ok(Speaker { nickname, id: self.user })
    }

    /// The canonical name of a room this connection has joined.
    fn joined(&self, room: &str) -> Result<String, Invalid> {
        let canonical = protocol::room_name(room)?;
        let member = !self.restricted.contains(&canonical) || self.engine.may_see(&canonical, self.user);
        if member && self.rooms.contains_key(&canonical) {
            Ok(canonical)
        } else {
            Err(Invalid::new(ErrorCode::NotJoined, format!("Join the room {room:?} first.")))
        }
    }

    async fn handle(&mut self, event: ClientEvent) -> Result<(), Gone> {
        if let Err(invalid) = self.limits.admit(Some(&event)) {
            self.engine.metrics().rate_limited.inc();
            // A refused message names itself, so the client keeps it to resend.
            let client_id = match event {
                ClientEvent::Send { client_id, .. } => Some(client_id),
                _ => None,
            };
            let refusal = ServerEvent::Error {
                code: invalid.code,
                message: invalid.reason,
                client_id,
                room: None,
                seq: None,
            };
            return self.send(refusal).await;
        }
        let result = match event {
            ClientEvent::Hello { nickname, password } => self.hello(nickname, password).await,
            ClientEvent::Join { room, since } => self.join(room, since).await,
            ClientEvent::Leave { room } => {
                if let Ok(room) = self.joined(&room) {
                    self.leave(&room);
                }
                Ok(Ok(()))
            }
            ClientEvent::Send { room, client_id, text, reply_to, attachments } => {
                self.post(room, client_id, text, reply_to, attachments).await
            }
            ClientEvent::UploadToken => match self.speaker() {
                Ok(me) => {
                    let (token, expires_at) = self.engine.files().token(&me);
                    self.send(ServerEvent::UploadToken { token, expires_at }).await.map(Ok)
                }
                Err(invalid) => Ok(Err(invalid)),
            },
            ClientEvent::Edit { room, seq, text } => self.change(room, seq, Request::Edit(text)).await,
            ClientEvent::Delete { room, seq } => self.change(room, seq, Request::Delete).await,
            ClientEvent::React { room, seq, emoji } => self.change(room, seq, Request::React(emoji)).await,
            ClientEvent::Unreact { room, seq, emoji } => {
                self.change(room, seq, Request::Unreact(emoji)).await
            }
            ClientEvent::Read { room, seq } => Ok(self.read(room, seq)),
            ClientEvent::Search { query, room, before } => self.search(query, room, before).await,
            ClientEvent::CreateRoom { room, private } => {
                let done = self.create_room(room.clone(), private).await;
                return self.refuse_about(done, room).await;
            }
            ClientEvent::OpenDirect { with } => self.open_direct(with).await,
            ClientEvent::Invite { room, nickname } => {
                let done = self.members(room.clone(), nickname, true).await;
                return self.refuse_about(done, room).await;
            }
            ClientEvent::Remove { room, nickname } => {
                let done = self.members(room.clone(), nickname, false).await;
                return self.refuse_about(done, room).await;
            }
            ClientEvent::LoadOlder { room, before, until } => self.load_older(room, before, until).await,
            ClientEvent::Typing { room, draft } => Ok(self.typing(&room, draft)),
            ClientEvent::StopTyping { room } => {
                if let Ok(room) = self.joined(&room) {
                    self.stop_typing(&room);
                }
                Ok(Ok(()))
            }
            ClientEvent::ListMembers { room, after, limit } => self.list_members(room, after, limit).await,
            ClientEvent::Protect { password } => self.protect(password).await,
            ClientEvent::Ping => self.send(ServerEvent::Pong).await.map(Ok),
        };
        match result? {
            Ok(()) => Ok(()),
            Err(invalid) => self.refuse(invalid).await,
        }
    }

    /// Handlers return `Err(Gone)` when the client went away and `Ok(Err(_))` for input to
    /// refuse with an error event.
    async fn hello(
        &mut self,
        nickname: String,
        password: Option<String>,
    ) -> Result<Result<(), Invalid>, Gone> {
        let identified =
            Self::identify(self.engine.clone(), self.signed_in.clone(), &nickname, password.as_deref());
        let speaker = match identified.await {
            Ok(speaker) => speaker,
            Err(invalid) => return Ok(Err(invalid)),
        };
        if !self.rooms.is_empty() && self.nickname.as_ref() != Some(&speaker.nickname) {
            return Ok(Err(Invalid::new(
                ErrorCode::InvalidNickname,
                "Leave your rooms before changing nickname on this connection.",
            )));
        }
        tracing::Span::current().record("person", speaker.nickname.as_str());
        self.nickname = Some(speaker.nickname.clone());
        if self.user != speaker.id {
            self.set_person(speaker.id);
        }
        self.send(ServerEvent::Welcome { nickname: speaker.nickname.clone() }).await?;
        let rooms = self.engine.rooms_for(self.user);
        self.send(ServerEvent::Rooms { rooms }).await?;
        self.send_unread(&speaker.nickname).await.map(Ok)
    }

    /// This connection now speaks for the person with id `user` (`None`: a guest): their
    /// other connections hear of its read positions, and it of theirs.
    fn set_person(&mut self, user: Option<i64>) {
        if let Some(old) = self.user {
            self.engine.hub().leave_person(old, self.id);
        }
        if let Some(new) = user {
            self.engine.hub().join_person(new, self.id, &self.out);
        }
        self.user = user;
    }

    /// The unread counts of the rooms a claimed person has read (nothing for a guest).
    async fn send_unread(&mut self, nickname: &str) -> Result<(), Gone> {
        let Some(user) = self.user else { return Ok(()) };
        match self.engine.unread(user, nickname).await {
            Ok(rooms) if rooms.is_empty() => Ok(()),
            Ok(rooms) => self.send(ServerEvent::Unread { rooms }).await,
            Err(error) => {
                // Counts are a nicety: the chat works without them.
                tracing::warn!(%error, "could not count unread messages");
                Ok(())
            }
        }
    }

    /// Protects the nickname: a guest's is claimed with the password, a claimed one's password
    /// is set (or changed; this connection already proved it may speak as it).
    async fn protect(&mut self, password: String) -> Result<Result<(), Invalid>, Gone> {
        let speaker = match self.speaker() {
            Ok(speaker) => speaker,
            Err(invalid) => return Ok(Err(invalid)),
        };
        let users = self.engine.users();
        let done = match speaker.id {
            Some(id) => users.set_password(id, &password).await.map(|()| id),
            None => users.sign_in(&speaker.nickname, Some(&password), None).await.map(|user| user.id),
        };
        match done {
            Ok(id) => {
                if self.user != Some(id) {
                    self.set_person(Some(id));
                }
                self.send(ServerEvent::Protected { nickname: speaker.nickname }).await.map(Ok)
            }
            Err(PostError::Invalid(invalid)) => Ok(Err(invalid)),
            Err(PostError::Store(error)) => {
                tracing::warn!(%error, "could not protect a nickname");
                Ok(Err(Invalid::new(ErrorCode::StoreUnavailable, "Could not save the password; try again.")))
            }
        }
    }

    async fn join(&mut self, room: String, since: Option<Seq>) -> Result<Result<(), Invalid>, Gone> {
        let Some(nickname) = self.nickname.clone() else { return Ok(Err(Self::no_nickname())) };
        let room = match self.engine.existing_room(&room, self.user) {
            Ok(room) => room,
            Err(invalid) => {
                // Named, so the client can forget a room it may no longer see.
                let event = ServerEvent::Error {
                    code: invalid.code,
                    message: invalid.reason,
                    client_id: None,
                    room: Some(room),
                    seq: None,
                };
                return self.send(event).await.map(Ok);
            }
        };
        if self.engine.is_restricted(&room) {
            self.restricted.insert(room.clone());
        }
        // Subscribe before reading the store: the hub holds whatever is committed meanwhile
        // for this session, which skips by seq what it already read.
        let known = self.rooms.get(&room).cloned();
        let subscriber = match &known {
            Some(subscriber) => {
                subscriber.feed().hold();
                Arc::clone(subscriber)
            }
            None => {
                let subscriber = self.engine.hub().subscribe(&room, self.id, &self.out, &self.held);
                self.joining = Some((room.clone(), Arc::clone(&subscriber)));
                subscriber
            }
        };
        let read = self.send_history(&room, since).await;
        self.joining = None;
        // Whatever happens, the session takes what the hub held meanwhile (a room it had
        // already joined goes on as before if the read failed).
        self.held.notify_one();
        let last = match read {
            Ok(Ok(last)) => last,
            failed => {
                if known.is_none() {
                    self.engine.hub().unsubscribe(&room, &subscriber);
                }
                return match failed {
                    Err(Gone) => Err(Gone),
                    Ok(Err(error)) => self.store_failed(&room, error),
                    Ok(Ok(_)) => Ok(Ok(())),
                };
            }
        };
        subscriber.feed().last = last;
        if known.is_none() {
            self.rooms.insert(room.clone(), subscriber);
            self.engine.presence().enter(&room, &nickname);
        }
        let page = self.engine.presence().on_join(&room);
        self.send(ServerEvent::Members { room, members: page.members, count: page.count as u32 }).await?;
        Ok(Ok(()))
    }

    /// Sends a joining client the history it asked for (the latest page, or everything after
    /// `since`); returns the last `seq` sent.
    async fn send_history(
        &mut self,
        room: &str,
        since: Option<Seq>,
    ) -> Result<Result<Seq, StoreError>, Gone> {
        let room = room.to_owned();
        let hub = self.engine.hub().clone();
        // A hot room answers from the events it keeps, not the store: what is committed
        // meanwhile is held for this session either way.
        Ok(Ok(match since {
            None => {
                let (messages, has_more, last) = match hub.latest(&room, protocol::HISTORY_PAGE) {
                    Some(latest) => latest,
                    None => match self.engine.history(&room, None, None, protocol::HISTORY_PAGE).await {
                        Ok(page) => (page.messages, page.has_more, page.last),
                        Err(error) => return Ok(Err(error)),
                    },
                };
                let history = ServerEvent::History {
                    room: room.clone(),
                    messages,
                    has_more,
                    changes: Vec::new(),
                    last,
                };
                self.send(history).await?;
                last
            }
            Some(since) => {
                let mut last = since;
                loop {
                    let events = match hub.kept_after(&room, last, REPLAY_CHUNK) {
                        Some(kept) => kept,
                        None => match self.engine.after(&room, last, REPLAY_CHUNK).await {
                            Ok(events) => events,
                            Err(error) => return Ok(Err(error)),
                        },
                    };
                    let full = events.len() == REPLAY_CHUNK;
                    last = events.last().and_then(|e| e.ordered()).map_or(last, |(_, seq)| seq);
                    let (messages, changes) = split(events);
                    let has_more = messages.first().map_or(since > 0, |m| m.seq > 1);
                    let history =
                        ServerEvent::History { room: room.clone(), messages, has_more, changes, last: 0 };
                    self.send(history).await?;
                    if !full {
                        break last;
                    }
                }
            }
        }))
    }

    fn leave(&mut self, room: &str) {
        self.stop_typing(room);
        self.restricted.remove(room);
        if let Some(subscriber) = self.rooms.remove(room) {
            self.engine.hub().unsubscribe(room, &subscriber);
            if let Some(nickname) = &self.nickname {
                self.engine.presence().leave(room, nickname);
            }
        }
    }

    fn store_failed(&mut self, room: &str, error: StoreError) -> Result<Result<(), Invalid>, Gone> {
        tracing::warn!(%error, room, "history read failed");
        Ok(Err(Invalid::new(
            ErrorCode::StoreUnavailable,
            "History is unavailable right now; try again in a moment.",
        )))
    }

    async fn post(
        &mut self,
        room: String,
        client_id: String,
        text: String,
        reply_to: Option<Seq>,
        attachments: Vec<protocol::SendFile>,
    ) -> Result<Result<(), Invalid>, Gone> {
        let refusal = move |invalid: Invalid, client_id: String| ServerEvent::Error {
            code: invalid.code,
            message: invalid.reason,
            client_id: Some(client_id),
            room: None,
            seq: reply_to,
        };
        let author = match self.speaker() {
            Ok(author) => author,
            Err(invalid) => return self.send(refusal(invalid, client_id)).await.map(Ok),
        };
        // Refuse bad input here, before it stops the sender's typing or queues a post; the
        // engine checks again because the no-JS form path posts without a session.
        let checked = self
            .joined(&room)
            .and_then(|room| protocol::client_id(&client_id).map(|_| room))
            .and_then(|room| {
                if attachments.is_empty() { protocol::message_text(&text) } else { protocol::caption(&text) }
                    .map(|_| room)
            });
        let room = match checked {
            Ok(room) => room,
            Err(invalid) => return self.send(refusal(invalid, client_id)).await.map(Ok),
        };
        self.stop_typing(&room);
        // Queued for the store here, in the order the client sent them, so a person's
        // messages are committed (and seen by everyone) in that order; the commits are
        // awaited alongside everything else the session does.
        let submitted =
            self.engine.submit_post(&author, &room, &client_id, &text, reply_to, attachments).await;
        self.posts.push(Box::pin(async move {
            let stored = match submitted {
                Ok(stored) => stored.await,
                Err(error) => Err(error),
            };
            Some(match stored {
                Ok(Appended::New(m) | Appended::Duplicate(m)) => {
                    ServerEvent::Ack { room: m.room, client_id: m.client_id, seq: m.seq }
                }
                Err(PostError::Invalid(invalid)) => refusal(invalid, client_id),
                Err(PostError::Store(StoreError::UnknownMessage)) => refusal(unknown_message(), client_id),
                Err(PostError::Store(StoreError::UnknownUpload)) => refusal(unknown_upload(), client_id),
                Err(PostError::Store(StoreError::ClientIdTaken)) => refusal(
                    Invalid::new(
                        ErrorCode::InvalidClientId,
                        "That client_id is already used by another message.",
                    ),
                    client_id,
                ),
                Err(PostError::Store(error)) => {
                    tracing::warn!(%error, "could not store a message");
                    refusal(
                        Invalid::new(
                            ErrorCode::StoreUnavailable,
                            "Your message could not be saved; it was not sent. Try again.",
                        ),
                        client_id,
                    )
                }
            })
        }));
        Ok(Ok(()))
    }

    /// Edits, deletes or reacts to message `target`; everyone in the room (this connection
    /// too) gets the change once it is stored, and only a refusal is answered here.
    async fn change(
        &mut self,
        room: String,
        target: Seq,
        request: Request,
    ) -> Result<Result<(), Invalid>, Gone> {
        let about = {
            let room = room.clone();
            move |invalid: Invalid| ServerEvent::Error {
                code: invalid.code,
                message: invalid.reason,
                client_id: None,
                room: Some(room.clone()),
                seq: Some(target),
            }
        };
        let checked = self.speaker().and_then(|author| self.joined(&room).map(|room| (author, room)));
        let (author, room) = match checked {
            Ok(checked) => checked,
            Err(invalid) => return self.send(about(invalid)).await.map(Ok),
        };
        let submitted = self.engine.submit_change(&author, &room, target, request).await;
        self.posts.push(Box::pin(async move {
            let stored = match submitted {
                Ok(stored) => stored.await,
                Err(error) => Err(error),
            };
            let invalid = match stored {
                Ok(_) => return None,
                Err(PostError::Invalid(invalid)) => invalid,
                Err(PostError::Store(StoreError::UnknownMessage)) => unknown_message(),
                Err(PostError::Store(StoreError::NotAuthor)) => {
                    Invalid::new(ErrorCode::NotAllowed, "Only its author can edit or delete a message.")
                }
                Err(PostError::Store(StoreError::TooManyReactions)) => Invalid::new(
                    ErrorCode::TooManyReactions,
                    format!(
                        "A message can have at most {} different reactions.",
                        protocol::MAX_REACTIONS_PER_MESSAGE
                    ),
                ),
                Err(PostError::Store(error)) => {
                    tracing::warn!(%error, "could not store a change");
                    Invalid::new(ErrorCode::StoreUnavailable, "That could not be saved right now; try again.")
                }
            };
            Some(about(invalid))
        }));
        Ok(Ok(()))
    }

    /// Remembers how far a claimed person has read a room (a guest's is only in its client),
    /// and tells their other connections.
    fn read(&mut self, room: String, seq: Seq) -> Result<(), Invalid> {
        let room = self.engine.existing_room(&room, self.user)?;
        let Some(user) = self.user else { return Ok(()) };
        let (engine, from) = (self.engine.clone(), self.id);
        self.posts.push(Box::pin(async move {
            match engine.set_read(user, &room, seq).await {
                Ok(true) => engine.to_person(user, from, ServerEvent::Read { room, seq }),
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "could not store a read position"),
            }
            None
        }));
        Ok(())
    }

    async fn search(
        &mut self,
        query: String,
        room: Option<String>,
        before: Option<String>,
    ) -> Result<Result<(), Invalid>, Gone> {
        if self.nickname.is_none() {
            return Ok(Err(Self::no_nickname()));
        }
        let (engine, user) = (self.engine.clone(), self.user);
        self.posts.push(Box::pin(async move {
            let found = engine.search(user, &query, room.as_deref(), before.as_deref()).await;
            Some(match found {
                Ok((hits, next)) => ServerEvent::SearchResults { query, hits, next },
                Err(error) => {
                    let invalid = Self::refused(error, "search");
                    ServerEvent::Error {
                        code: invalid.code,
                        message: invalid.reason,
                        client_id: None,
                        room,
                        seq: None,
                    }
                }
            })
        }));
        Ok(Ok(()))
    }

    fn refused(error: PostError, what: &str) -> Invalid {
        match error {
            PostError::Invalid(invalid) => invalid,
            PostError::Store(error) => {
                tracing::warn!(%error, "could not {what}");
                Invalid::new(ErrorCode::StoreUnavailable, format!("Could not {what} right now; try again."))
            }
        }
    }

    async fn create_room(&mut self, room: String, private: bool) -> Result<(), Invalid> {
        let speaker = self.speaker()?;
        // Everyone who may see it, this connection included, hears of it from the lobby.
        self.engine
            .create_room(&speaker, &room, private)
            .await
            .map(drop)
            .map_err(|e| Self::refused(e, "create the room"))
    }

    async fn open_direct(&mut self, with: String) -> Result<Result<(), Invalid>, Gone> {
        let speaker = match self.speaker() {
            Ok(speaker) => speaker,
            Err(invalid) => return Ok(Err(invalid)),
        };
        match self.engine.open_direct(&speaker, &with).await {
            // A new one reaches both people (this connection too) through the lobby.
            Ok((_, true)) => Ok(Ok(())),
            Ok((room, false)) => self.send(ServerEvent::RoomCreated { room }).await.map(Ok),
            Err(error) => Ok(Err(Self::refused(error, "open the conversation"))),
        }
    }

    /// Invites `nickname` to a private room, or removes them from it.
    async fn members(&mut self, room: String, nickname: String, invite: bool) -> Result<(), Invalid> {
        let speaker = self.speaker()?;
        let done = if invite {
            self.engine.invite(&speaker, &room, &nickname).await
        } else {
            self.engine.remove(&speaker, &room, &nickname).await
        };
        done.map(drop).map_err(|e| Self::refused(e, "change the members"))
    }

    async fn load_older(
        &mut self,
        room: String,
        before: Seq,
        until: Option<Seq>,
    ) -> Result<Result<(), Invalid>, Gone> {
        let room = match self.joined(&room) {
            Ok(room) => room,
            Err(invalid) => return Ok(Err(invalid)),
        };
        match self.engine.history(&room, Some(before), until, protocol::HISTORY_PAGE).await {
            Ok(page) => {
                let (messages, has_more) = (page.messages, page.has_more);
                self.send(ServerEvent::Older { room, messages, has_more }).await.map(Ok)
            }
            Err(error) => self.store_failed(&room, error),
        }
    }

    async fn list_members(
        &mut self,
        room: String,
        after: Option<String>,
        limit: Option<u32>,
    ) -> Result<Result<(), Invalid>, Gone> {
        let room = match self.joined(&room) {
            Ok(room) => room,
            Err(invalid) => return Ok(Err(invalid)),
        };
        let limit = limit.map_or(protocol::MEMBER_PAGE, |l| (l as usize).min(protocol::MEMBER_PAGE));
        let page = self.engine.presence().page(&room, after.as_deref(), limit);
        let (members, has_more, count) = (page.members, page.has_more, page.count as u32);
        self.send(ServerEvent::MemberPage { room, members, has_more, count }).await.map(Ok)
    }

    fn typing(&mut self, room: &str, draft: Option<String>) -> Result<(), Invalid> {
        let room = self.joined(room)?;
        let Some(author) = self.nickname.clone() else { return Err(Self::no_nickname()) };
        if let Some(draft) = &draft {
            if draft.trim().is_empty() {
                self.stop_typing(&room);
                return Ok(());
            }
            // A draft follows the rules of the message it will become.
            protocol::message_text(draft)?;
        }
        self.typing.insert(room.clone());
        let event = ServerEvent::Typing { room: room.clone(), author, draft };
        self.engine.publish_typing(&room, HubEvent::new(Some(self.id), event));
        Ok(())
    }

    fn stop_typing(&mut self, room: &str) {
        if !self.typing.remove(room) {
            return;
        }
        if let Some(author) = self.nickname.clone() {
            let event = ServerEvent::StopTyping { room: room.to_owned(), author };
            self.engine.publish_typing(room, HubEvent::new(Some(self.id), event));
        }
    }

    /// Passes on the room-list changes that concern this person.
    async fn lobby(&mut self, change: Option<Arc<LobbyEvent>>) -> Result<(), Gone> {
        if self.nickname.is_none() {
            // Nothing is sent before `welcome`; the room list comes with it.
            return Ok(());
        }
        match change.as_deref() {
            Some(LobbyEvent::Room { room, audience }) => {
                let concerns_me = match audience {
                    None => true,
                    Some(ids) => self.user.is_some_and(|me| ids.contains(&me)),
                };
                if concerns_me {
                    self.send(ServerEvent::RoomCreated { room: RoomInfo::clone(room) }).await?;
                }
                Ok(())
            }
            Some(LobbyEvent::Revoked { room, user }) if self.user == Some(*user) => {
                self.revoke(room.clone()).await
            }
            Some(LobbyEvent::Revoked { .. }) => Ok(()),
            // Missed some: send the whole list again and drop what may no longer be seen.
            None => {
                let gone: Vec<String> =
                    self.restricted.iter().filter(|r| !self.engine.may_see(r, self.user)).cloned().collect();
                for room in gone {
                    self.revoke(room).await?;
                }
                let rooms = self.engine.rooms_for(self.user);
                self.send(ServerEvent::Rooms { rooms }).await
            }
        }
    }

    /// This person may no longer see `room`: leave it and tell the client.
    async fn revoke(&mut self, room: String) -> Result<(), Gone> {
        if self.rooms.contains_key(&room) {
            self.leave(&room);
        }
        self.send(ServerEvent::Removed { room }).await
    }

    /// Passes on what the hub holds for this session, room by room, then lets the feed of
    /// each public room go direct (the hub sends its events itself from then on).
    async fn take_held(&mut self) -> Result<(), Gone> {
        let rooms: Vec<(String, Arc<Subscriber>)> =
            self.rooms.iter().map(|(room, subscriber)| (room.clone(), Arc::clone(subscriber))).collect();
        for (room, subscriber) in rooms {
            let (held, lagged, unfinished) = {
                let mut feed = subscriber.feed();
                let (held, lagged, unfinished) = feed.take();
                if held.is_empty() && !lagged && !unfinished {
                    if !self.restricted.contains(&room) {
                        feed.go_direct();
                    }
                    continue;
                }
                (held, lagged, unfinished)
            };
            for event in held {
                self.deliver(&room, event).await?;
            }
            if lagged {
                self.engine.metrics().lag_resyncs.inc();
            }
            // A gap found among the held events counts too.
            let gap = subscriber.feed().take_unfinished();
            if (lagged || unfinished || gap) && self.rooms.contains_key(&room) {
                self.catch_up(&room).await?;
            }
            // What came meanwhile on the next wake-up, so that a room busier than its
            // reader still leaves the client's own input a turn.
            self.held.notify_one();
        }
        Ok(())
    }

    /// Forwards a room's event; a message after a gap marks the feed for a catch-up instead.
    async fn deliver(&mut self, room: &str, event: Arc<HubEvent>) -> Result<(), Gone> {
        let Some(subscriber) = self.rooms.get(room).cloned() else { return Ok(()) };
        if self.restricted.contains(room) && !self.engine.may_see(room, self.user) {
            return self.revoke(room.to_owned()).await;
        }
        let last = subscriber.feed().last;
        match event.seq() {
            Some(seq) if seq <= last => Ok(()),
            Some(seq) if seq == last + 1 => {
                subscriber.feed().last = seq;
                self.engine.metrics().deliveries.inc();
                self.forward(event).await
            }
            // A gap (the outbox was full, or another node published out of order): caught up
            // once the held events are passed on (each later event is a gap too).
            Some(_) => {
                subscriber.feed().unfinished();
                Ok(())
            }
            None if event.origin == Some(self.id) => Ok(()),
            None => self.forward(event).await,
        }
    }

    /// Sends a room's event as the frame every receiver shares.
    async fn forward(&mut self, event: Arc<HubEvent>) -> Result<(), Gone> {
        self.out.send(Item::Shared(event)).await.map_err(|_| Gone)
    }

    /// Sends the messages committed to `room` after the last one the client has.
    async fn catch_up(&mut self, room: &str) -> Result<(), Gone> {
        let Some(subscriber) = self.rooms.get(room).cloned() else { return Ok(()) };
        let still_member =
            |session: &Self| !session.restricted.contains(room) || session.engine.may_see(room, session.user);
        if !still_member(self) {
            return self.revoke(room.to_owned()).await;
        }
        // Not before the client reads again: what is read from the store waits in memory
        // until it is sent.
        self.out.room().await.map_err(|_| Gone)?;
        let mut last = subscriber.feed().last;
        // Membership is checked again on what was read below: a member removed while the
        // session waited above gets nothing posted after the removal.
        // Most catch-ups are short: the hub still has the room's latest messages, encoded
        // once for every receiver.
        if let Some(mut recent) = self.engine.hub().recent_after(room, last, CATCH_UP_BURST + 1) {
            if !still_member(self) {
                return self.revoke(room.to_owned()).await;
            }
            let more = recent.len() > CATCH_UP_BURST;
            recent.truncate(CATCH_UP_BURST);
            self.engine.metrics().deliveries.inc_by(recent.len() as u64);
            for event in recent {
                if let Some(seq) = event.seq() {
                    last = seq;
                }
                self.forward(event).await?;
                subscriber.feed().last = last;
            }
            if more {
                self.resume_later(&subscriber);
            }
            return Ok(());
        }
        let events = match self.engine.after(room, last, CATCH_UP_BURST).await {
            Ok(events) => events,
            Err(error) => {
                // Tried again in a moment; the feed stays with the session meanwhile, so the
                // client is not sent anything out of order.
                tracing::warn!(%error, room, "catch-up read failed");
                subscriber.feed().unfinished();
                let held = Arc::clone(&self.held);
                tokio::spawn(async move {
                    tokio::time::sleep(CATCH_UP_RETRY).await;
                    held.notify_one();
                });
                return Ok(());
            }
        };
        if !still_member(self) {
            return self.revoke(room.to_owned()).await;
        }
        let full = events.len() == CATCH_UP_BURST;
        self.engine.metrics().deliveries.inc_by(events.len() as u64);
        for event in events {
            if let Some((_, seq)) = event.ordered() {
                last = seq;
            }
            self.send(event).await?;
        }
        subscriber.feed().last = last;
        if full {
            self.resume_later(&subscriber);
        }
        Ok(())
    }

    /// The rest of a catch-up on the next wake-up, after the client's own input had a turn.
    fn resume_later(&self, subscriber: &Subscriber) {
        subscriber.feed().unfinished();
        self.held.notify_one();
    }
}

/// Messages and changes apart, each in `seq` order.
fn split(events: Vec<ServerEvent>) -> (Vec<protocol::Message>, Vec<protocol::Change>) {
    let mut messages = Vec::new();
    let mut changes = Vec::new();
    for event in events {
        match event {
            ServerEvent::Message(message) => messages.push(message),
            other => changes.extend(other.into_change()),
        }
    }
    (messages, changes)
}

fn unknown_message() -> Invalid {
    Invalid::new(ErrorCode::UnknownMessage, "That message does not exist (or was deleted).")
}

fn unknown_upload() -> Invalid {
    Invalid::new(ErrorCode::UnknownUpload, "That file is not yours to send, was sent already, or is gone.")
}

impl Drop for Session {
    /// However the connection ends (closed, failed, or its task panicked), its presence and
    /// typing end with it.
    fn drop(&mut self) {
        if let Some(user) = self.user {
            self.engine.hub().leave_person(user, self.id);
        }
        if let Some((room, subscriber)) = self.joining.take() {
            self.engine.hub().unsubscribe(&room, &subscriber);
        }
        let rooms: Vec<String> = self.rooms.keys().cloned().collect();
        for room in rooms {
            self.leave(&room);
        }
        self.engine.metrics().connections.dec();
    }
}

mod limits;
mod posts;
pub use limits::MESSAGES_PER_SECOND;
#[cfg(test)]
mod tests;
