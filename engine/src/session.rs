//! One live connection's side of the conversation, independent of the transport.
//!
//! The transport feeds decoded [`ClientEvent`]s in and drains [`ServerEvent`]s out through a
//! bounded channel. A client that stops reading fills that channel; the session then stops
//! reading the hub, its broadcast receivers lag, and once the client reads again the session
//! catches up from the store. Memory stays bounded and no message is skipped.

use crate::hub::{ConnectionId, HubEvent};
use crate::store::{Appended, StoreError};
use crate::{Engine, PostError};
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, Stream, StreamExt};
use protocol::{ClientEvent, ErrorCode, Invalid, Message, RoomInfo, Seq, ServerEvent};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamMap;

/// Messages read from the store per query when replaying or catching up.
const REPLAY_CHUNK: usize = 500;

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// The client went away; the session ends.
struct Gone;

pub struct Session {
    id: ConnectionId,
    engine: Engine,
    /// The person the transport signed in (session cookie); `hello` cannot be anyone else.
    signed_in: Option<String>,
    /// Who this connection speaks as, once `hello` succeeded.
    nickname: Option<String>,
    /// Joined rooms and the last `seq` this client has of each.
    rooms: HashMap<String, Seq>,
    /// Rooms where this connection announced typing and has not stopped yet.
    typing: HashSet<String>,
    live: StreamMap<String, BroadcastStream<Arc<HubEvent>>>,
    lobby: BroadcastStream<Arc<RoomInfo>>,
    posts: FuturesUnordered<BoxFuture<'static, ServerEvent>>,
    out: mpsc::Sender<ServerEvent>,
}

impl Session {
    /// `signed_in` is the person the transport already knows (e.g. from a cookie), if any.
    pub fn new(engine: Engine, signed_in: Option<String>, out: mpsc::Sender<ServerEvent>) -> Self {
        let lobby = BroadcastStream::new(engine.hub().subscribe_lobby());
        Session {
            id: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed),
            engine,
            signed_in,
            nickname: None,
            rooms: HashMap::new(),
            typing: HashSet::new(),
            live: StreamMap::new(),
            lobby,
            posts: FuturesUnordered::new(),
            out,
        }
    }

    /// Runs until the client closes its input or stops listening. Input items that failed to
    /// decode carry the decoder's reason and are answered with a `bad_frame` error.
    pub async fn run<S>(mut self, input: S)
    where
        S: Stream<Item = Result<ClientEvent, String>> + Send,
    {
        let mut input = std::pin::pin!(input);
        loop {
            let step = tokio::select! {
                event = input.next() => match event {
                    Some(Ok(event)) => self.handle(event).await,
                    Some(Err(reason)) => self.send(ServerEvent::error(
                        ErrorCode::BadFrame,
                        format!("Could not read that frame: {reason}"),
                    )).await,
                    None => break,
                },
                Some(answer) = self.posts.next(), if !self.posts.is_empty() => self.send(answer).await,
                Some((room, item)) = self.live.next(), if !self.live.is_empty() => self.deliver(room, item).await,
                Some(created) = self.lobby.next() => self.room_created(created).await,
            };
            if step.is_err() {
                return;
            }
        }
        // The client closed its side: still answer the posts it is waiting for.
        while let Some(answer) = self.posts.next().await {
            if self.send(answer).await.is_err() {
                return;
            }
        }
    }

    async fn send(&mut self, event: ServerEvent) -> Result<(), Gone> {
        self.out.send(event).await.map_err(|_| Gone)
    }

    async fn refuse(&mut self, invalid: Invalid) -> Result<(), Gone> {
        self.send(ServerEvent::error(invalid.code, invalid.reason)).await
    }

    /// Who `hello` may make this connection: the signed-in person (from the transport) only
    /// as themselves; otherwise whoever `users` lets speak as that nickname.
    async fn identify(
        engine: Engine,
        signed_in: Option<String>,
        nickname: &str,
        password: Option<&str>,
    ) -> Result<String, Invalid> {
        let nickname = protocol::nickname(nickname)?;
        if let Some(signed_in) = &signed_in {
            return if protocol::nickname_key(nickname) == protocol::nickname_key(signed_in) {
                Ok(signed_in.clone())
            } else {
                Err(Invalid::new(ErrorCode::NicknameTaken, format!("You are signed in as {signed_in}.")))
            };
        }
        match engine.users().authenticate(nickname, password).await {
            Ok(nickname) => Ok(nickname),
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

    /// The canonical name of a room this connection has joined.
    fn joined(&self, room: &str) -> Result<String, Invalid> {
        let canonical = protocol::room_name(room)?;
        if self.rooms.contains_key(&canonical) {
            Ok(canonical)
        } else {
            Err(Invalid::new(ErrorCode::NotJoined, format!("Join the room {room:?} first.")))
        }
    }

    async fn handle(&mut self, event: ClientEvent) -> Result<(), Gone> {
        let result = match event {
            ClientEvent::Hello { nickname, password } => self.hello(nickname, password).await,
            ClientEvent::Join { room, since } => self.join(room, since).await,
            ClientEvent::Leave { room } => {
                if let Ok(room) = self.joined(&room) {
                    self.leave(&room);
                }
                Ok(Ok(()))
            }
            ClientEvent::Send { room, client_id, text } => self.post(room, client_id, text).await,
            ClientEvent::CreateRoom { room } => self.create_room(room).await,
            ClientEvent::LoadOlder { room, before } => self.load_older(room, before).await,
            ClientEvent::Typing { room, draft } => Ok(self.typing(&room, draft)),
            ClientEvent::StopTyping { room } => {
                if let Ok(room) = self.joined(&room) {
                    self.stop_typing(&room);
                }
                Ok(Ok(()))
            }
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
        let nickname = match identified.await {
            Ok(nickname) => nickname,
            Err(invalid) => return Ok(Err(invalid)),
        };
        if !self.rooms.is_empty() && self.nickname.as_ref() != Some(&nickname) {
            return Ok(Err(Invalid::new(
                ErrorCode::InvalidNickname,
                "Leave your rooms before changing nickname on this connection.",
            )));
        }
        self.nickname = Some(nickname.clone());
        self.send(ServerEvent::Welcome { nickname }).await?;
        match self.engine.rooms().await {
            Ok(rooms) => self.send(ServerEvent::Rooms { rooms }).await?,
            Err(error) => tracing::warn!(%error, "room list read failed"),
        }
        Ok(Ok(()))
    }

    async fn join(&mut self, room: String, since: Option<Seq>) -> Result<Result<(), Invalid>, Gone> {
        let Some(nickname) = self.nickname.clone() else { return Ok(Err(Self::no_nickname())) };
        let room = match self.engine.existing_room(&room) {
            Ok(room) => room,
            Err(invalid) => return Ok(Err(invalid)),
        };
        // Subscribe before reading the store: whatever is committed after the read arrives
        // live, and what arrives live but was already read is skipped by seq.
        self.live.insert(room.clone(), BroadcastStream::new(self.engine.hub().subscribe(&room)));
        let last = match since {
            None => match self.engine.history(&room, None, protocol::HISTORY_PAGE).await {
                Ok(page) => {
                    let last = page.messages.last().map_or(0, |m| m.seq);
                    let (messages, has_more) = (page.messages, page.has_more);
                    self.send(ServerEvent::History { room: room.clone(), messages, has_more }).await?;
                    last
                }
                Err(error) => return self.store_failed(&room, error).await,
            },
            Some(since) => {
                let mut last = since;
                loop {
                    let messages = match self.engine.after(&room, last, REPLAY_CHUNK).await {
                        Ok(messages) => messages,
                        Err(error) => return self.store_failed(&room, error).await,
                    };
                    let full = messages.len() == REPLAY_CHUNK;
                    last = messages.last().map_or(last, |m| m.seq);
                    let has_more = messages.first().map_or(since > 0, |m| m.seq > 1);
                    self.send(ServerEvent::History { room: room.clone(), messages, has_more }).await?;
                    if !full {
                        break last;
                    }
                }
            }
        };
        if self.rooms.insert(room.clone(), last).is_none() {
            self.engine.presence().enter(&room, &nickname);
        }
        let members = self.engine.presence().members(&room);
        self.send(ServerEvent::Members { room, members }).await?;
        Ok(Ok(()))
    }

    fn leave(&mut self, room: &str) {
        self.stop_typing(room);
        self.live.remove(room);
        if self.rooms.remove(room).is_some() {
            if let Some(nickname) = &self.nickname {
                self.engine.presence().leave(room, nickname);
            }
        }
    }

    async fn store_failed(&mut self, room: &str, error: StoreError) -> Result<Result<(), Invalid>, Gone> {
        tracing::warn!(%error, room, "history read failed");
        if !self.rooms.contains_key(room) {
            self.live.remove(room);
        }
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
    ) -> Result<Result<(), Invalid>, Gone> {
        let refusal = |invalid: Invalid, client_id: String| ServerEvent::Error {
            code: invalid.code,
            message: invalid.reason,
            client_id: Some(client_id),
        };
        let Some(author) = self.nickname.clone() else {
            return self.send(refusal(Self::no_nickname(), client_id)).await.map(Ok);
        };
        // Refuse bad input here, before it stops the sender's typing or queues a post; the
        // engine checks again because the no-JS form path posts without a session.
        let checked = self
            .joined(&room)
            .and_then(|room| protocol::client_id(&client_id).map(|_| room))
            .and_then(|room| protocol::message_text(&text).map(|_| room));
        let room = match checked {
            Ok(room) => room,
            Err(invalid) => return self.send(refusal(invalid, client_id)).await.map(Ok),
        };
        self.stop_typing(&room);
        let engine = self.engine.clone();
        self.posts.push(Box::pin(async move {
            match engine.post(&author, &room, &client_id, &text).await {
                Ok(Appended::New(m) | Appended::Duplicate(m)) => {
                    ServerEvent::Ack { room: m.room, client_id: m.client_id, seq: m.seq }
                }
                Err(PostError::Invalid(invalid)) => refusal(invalid, client_id),
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
            }
        }));
        Ok(Ok(()))
    }

    async fn create_room(&mut self, room: String) -> Result<Result<(), Invalid>, Gone> {
        if self.nickname.is_none() {
            return Ok(Err(Self::no_nickname()));
        }
        // Everyone, this connection included, hears of the new room from the lobby.
        Ok(match self.engine.create_room(&room).await {
            Ok(_) => Ok(()),
            Err(PostError::Invalid(invalid)) => Err(invalid),
            Err(PostError::Store(error)) => {
                tracing::warn!(%error, "could not create a room");
                Err(Invalid::new(ErrorCode::StoreUnavailable, "The room could not be created; try again."))
            }
        })
    }

    async fn load_older(&mut self, room: String, before: Seq) -> Result<Result<(), Invalid>, Gone> {
        let room = match self.joined(&room) {
            Ok(room) => room,
            Err(invalid) => return Ok(Err(invalid)),
        };
        match self.engine.history(&room, Some(before), protocol::HISTORY_PAGE).await {
            Ok(page) => {
                let (messages, has_more) = (page.messages, page.has_more);
                self.send(ServerEvent::Older { room, messages, has_more }).await.map(Ok)
            }
            Err(error) => self.store_failed(&room, error).await,
        }
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
        self.engine.hub().publish(&room, HubEvent { origin: Some(self.id), event });
        Ok(())
    }

    fn stop_typing(&mut self, room: &str) {
        if !self.typing.remove(room) {
            return;
        }
        if let Some(author) = self.nickname.clone() {
            let event = ServerEvent::StopTyping { room: room.to_owned(), author };
            self.engine.hub().publish(room, HubEvent { origin: Some(self.id), event });
        }
    }

    async fn room_created(
        &mut self,
        created: Result<Arc<RoomInfo>, BroadcastStreamRecvError>,
    ) -> Result<(), Gone> {
        if self.nickname.is_none() {
            // Nothing is sent before `welcome`; the room list comes with it.
            return Ok(());
        }
        match created {
            Ok(room) => self.send(ServerEvent::RoomCreated { room: RoomInfo::clone(&room) }).await,
            // Missed some: send the whole list again.
            Err(BroadcastStreamRecvError::Lagged(_)) => match self.engine.rooms().await {
                Ok(rooms) => self.send(ServerEvent::Rooms { rooms }).await,
                Err(_) => Ok(()),
            },
        }
    }

    /// Forwards a live event; for messages, catches up from the store when the hub skipped some.
    async fn deliver(
        &mut self,
        room: String,
        item: Result<Arc<HubEvent>, BroadcastStreamRecvError>,
    ) -> Result<(), Gone> {
        let Some(&last) = self.rooms.get(&room) else { return Ok(()) };
        let event = match item {
            Ok(event) => event,
            Err(BroadcastStreamRecvError::Lagged(_)) => return self.catch_up(room, last).await,
        };
        match &event.event {
            ServerEvent::Message(message) if message.seq <= last => Ok(()),
            ServerEvent::Message(message) if message.seq == last + 1 => {
                self.rooms.insert(room, message.seq);
                self.send(ServerEvent::Message(Message::clone(message))).await
            }
            // A gap (another node published out of order): the store has it all.
            ServerEvent::Message(_) => self.catch_up(room, last).await,
            _ if event.origin == Some(self.id) => Ok(()),
            other => self.send(other.clone()).await,
        }
    }

    async fn catch_up(&mut self, room: String, mut last: Seq) -> Result<(), Gone> {
        loop {
            let messages = match self.engine.after(&room, last, REPLAY_CHUNK).await {
                Ok(messages) => messages,
                Err(error) => {
                    tracing::warn!(%error, room, "catch-up read failed");
                    break;
                }
            };
            let full = messages.len() == REPLAY_CHUNK;
            for message in messages {
                last = message.seq;
                self.send(ServerEvent::Message(message)).await?;
            }
            self.rooms.insert(room.clone(), last);
            if !full {
                break;
            }
        }
        Ok(())
    }
}

impl Drop for Session {
    /// However the connection ends (closed, failed, or its task panicked), its presence and
    /// typing end with it.
    fn drop(&mut self) {
        let rooms: Vec<String> = self.rooms.keys().cloned().collect();
        for room in rooms {
            self.leave(&room);
        }
    }
}

#[cfg(test)]
mod tests;
