//! One live connection's side of the conversation, independent of the transport.
//!
//! The transport feeds decoded [`ClientEvent`]s in and drains [`ServerEvent`]s out through a
//! bounded channel. A client that stops reading fills that channel; the session then stops
//! reading the hub, its broadcast receivers lag, and once the client reads again the session
//! catches up from the store. Memory stays bounded and nothing is skipped.

use crate::store::{Appended, StoreError};
use crate::{Engine, PostError};
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, Stream, StreamExt};
use protocol::{ClientEvent, ErrorCode, Message, Seq, ServerEvent};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamMap;

/// Messages read from the store per query when replaying or catching up.
const REPLAY_CHUNK: usize = 500;

/// The client went away; the session ends.
struct Gone;

pub struct Session {
    engine: Engine,
    nickname: Option<String>,
    /// Joined rooms and the last `seq` this client has of each.
    rooms: HashMap<String, Seq>,
    live: StreamMap<String, BroadcastStream<Arc<Message>>>,
    posts: FuturesUnordered<BoxFuture<'static, ServerEvent>>,
    out: mpsc::Sender<ServerEvent>,
}

impl Session {
    /// `nickname` is the identity the transport already knows (e.g. from a cookie), if any.
    pub fn new(engine: Engine, nickname: Option<String>, out: mpsc::Sender<ServerEvent>) -> Self {
        Session {
            engine,
            nickname,
            rooms: HashMap::new(),
            live: StreamMap::new(),
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

    async fn refuse(&mut self, invalid: protocol::Invalid) -> Result<(), Gone> {
        self.send(ServerEvent::error(invalid.code, invalid.reason))
            .await
    }

    async fn handle(&mut self, event: ClientEvent) -> Result<(), Gone> {
        match event {
            ClientEvent::Hello { nickname } => match protocol::nickname(&nickname) {
                Ok(nickname) => {
                    self.nickname = Some(nickname.to_owned());
                    self.send(ServerEvent::Welcome {
                        nickname: nickname.to_owned(),
                    })
                    .await
                }
                Err(invalid) => self.refuse(invalid).await,
            },
            ClientEvent::Join { room, since } => {
                if self.nickname.is_none() {
                    return self
                        .send(ServerEvent::error(
                            ErrorCode::NoNickname,
                            "Say hello with a nickname first.",
                        ))
                        .await;
                }
                match protocol::room_name(&room) {
                    Ok(room) => self.join(room, since).await,
                    Err(invalid) => self.refuse(invalid).await,
                }
            }
            ClientEvent::Leave { room } => {
                if let Ok(room) = protocol::room_name(&room) {
                    self.rooms.remove(&room);
                    self.live.remove(&room);
                }
                Ok(())
            }
            ClientEvent::Send {
                room,
                client_id,
                text,
            } => self.post(room, client_id, text).await,
        }
    }

    async fn join(&mut self, room: String, since: Option<Seq>) -> Result<(), Gone> {
        // Subscribe before reading the store: whatever is committed after the read arrives
        // live, and what arrives live but was already read is skipped by seq.
        self.live.insert(
            room.clone(),
            BroadcastStream::new(self.engine.hub().subscribe(&room)),
        );
        let last = match since {
            None => match self
                .engine
                .history(&room, None, protocol::HISTORY_PAGE)
                .await
            {
                Ok(page) => {
                    let last = page.messages.last().map_or(0, |m| m.seq);
                    self.send(ServerEvent::History {
                        room: room.clone(),
                        messages: page.messages,
                        has_more: page.has_more,
                    })
                    .await?;
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
                    self.send(ServerEvent::History {
                        room: room.clone(),
                        messages,
                        has_more,
                    })
                    .await?;
                    if !full {
                        break last;
                    }
                }
            }
        };
        self.rooms.insert(room, last);
        Ok(())
    }

    async fn store_failed(&mut self, room: &str, error: StoreError) -> Result<(), Gone> {
        tracing::warn!(%error, room, "history read failed");
        self.live.remove(room);
        self.send(ServerEvent::error(
            ErrorCode::StoreUnavailable,
            "History is unavailable right now; try joining again.",
        ))
        .await
    }

    async fn post(&mut self, room: String, client_id: String, text: String) -> Result<(), Gone> {
        let refuse = |code, message: String| ServerEvent::Error {
            code,
            message,
            client_id: Some(client_id.clone()),
        };
        let Some(author) = self.nickname.clone() else {
            return self
                .send(refuse(
                    ErrorCode::NoNickname,
                    "Say hello with a nickname first.".into(),
                ))
                .await;
        };
        let joined = protocol::room_name(&room).is_ok_and(|r| self.rooms.contains_key(&r));
        if !joined {
            return self
                .send(refuse(
                    ErrorCode::NotJoined,
                    format!("Join the room {room:?} before sending to it."),
                ))
                .await;
        }
        // Reject bad input before queueing anything.
        if let Err(invalid) =
            protocol::client_id(&client_id).and(protocol::message_text(&text).map(|_| ()))
        {
            return self.send(refuse(invalid.code, invalid.reason)).await;
        }
        let engine = self.engine.clone();
        self.posts.push(Box::pin(async move {
            match engine.post(&author, &room, &client_id, &text).await {
                Ok(Appended::New(m) | Appended::Duplicate(m)) => ServerEvent::Ack {
                    room: m.room,
                    client_id: m.client_id,
                    seq: m.seq,
                },
                Err(PostError::Invalid(invalid)) => ServerEvent::Error {
                    code: invalid.code,
                    message: invalid.reason,
                    client_id: Some(client_id),
                },
                Err(PostError::Store(StoreError::ClientIdTaken)) => ServerEvent::Error {
                    code: ErrorCode::InvalidClientId,
                    message: "That client_id is already used by another message.".into(),
                    client_id: Some(client_id),
                },
                Err(PostError::Store(error)) => {
                    tracing::warn!(%error, "could not store a message");
                    ServerEvent::Error {
                        code: ErrorCode::StoreUnavailable,
                        message: "Your message could not be saved; it was not sent. Try again."
                            .into(),
                        client_id: Some(client_id),
                    }
                }
            }
        }));
        Ok(())
    }

    /// Forwards a live message, or catches up from the store when the hub skipped some.
    async fn deliver(
        &mut self,
        room: String,
        item: Result<Arc<Message>, BroadcastStreamRecvError>,
    ) -> Result<(), Gone> {
        let Some(&last) = self.rooms.get(&room) else {
            return Ok(());
        };
        match item {
            Ok(message) if message.seq <= last => Ok(()),
            Ok(message) if message.seq == last + 1 => {
                self.rooms.insert(room, message.seq);
                self.send(ServerEvent::Message(Message::clone(&message)))
                    .await
            }
            // A gap (another node published out of order) or a lag: the store has it all.
            _ => self.catch_up(room, last).await,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::timeout;

    struct Client {
        input: mpsc::UnboundedSender<Result<ClientEvent, String>>,
        output: mpsc::Receiver<ServerEvent>,
    }

    impl Client {
        fn connect(engine: &Engine, capacity: usize) -> Client {
            let (input, events) = mpsc::unbounded_channel();
            let (out, output) = mpsc::channel(capacity);
            let session = Session::new(engine.clone(), None, out);
            tokio::spawn(session.run(tokio_stream::wrappers::UnboundedReceiverStream::new(events)));
            Client { input, output }
        }
        fn send(&self, event: ClientEvent) {
            self.input.send(Ok(event)).unwrap();
        }
        async fn next(&mut self) -> ServerEvent {
            timeout(Duration::from_secs(5), self.output.recv())
                .await
                .expect("no event in 5 s")
                .expect("session ended")
        }
        async fn hello_join(&mut self, nick: &str, room: &str, since: Option<Seq>) -> ServerEvent {
            self.send(ClientEvent::Hello {
                nickname: nick.into(),
            });
            assert!(matches!(self.next().await, ServerEvent::Welcome { .. }));
            self.send(ClientEvent::Join {
                room: room.into(),
                since,
            });
            self.next().await
        }
        fn say(&self, room: &str, id: &str, text: &str) {
            self.send(ClientEvent::Send {
                room: room.into(),
                client_id: id.into(),
                text: text.into(),
            });
        }
    }

    fn engine() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open_sqlite(dir.path()).unwrap();
        (dir, engine)
    }

    #[tokio::test]
    async fn bad_input_is_answered_to_the_sender_only() {
        let (_dir, engine) = engine();
        let mut ann = Client::connect(&engine, 64);
        let mut bob = Client::connect(&engine, 64);
        ann.hello_join("ann", "general", None).await;
        bob.hello_join("bob", "general", None).await;
        ann.say("general", "c1", "   ");
        assert!(matches!(
            ann.next().await,
            ServerEvent::Error {
                code: ErrorCode::EmptyMessage,
                ..
            }
        ));
        ann.input.send(Err("not json".into())).unwrap();
        assert!(matches!(
            ann.next().await,
            ServerEvent::Error {
                code: ErrorCode::BadFrame,
                ..
            }
        ));
        ann.say("general", "c2", "fine");
        // Bob sees only the good message; Ann gets it and its ack.
        match bob.next().await {
            ServerEvent::Message(m) => assert_eq!((m.seq, m.text.as_str()), (1, "fine")),
            other => panic!("{other:?}"),
        }
        let mut got = vec![ann.next().await, ann.next().await];
        got.sort_by_key(|e| matches!(e, ServerEvent::Ack { .. }));
        assert!(matches!(&got[0], ServerEvent::Message(m) if m.seq == 1));
        assert!(matches!(&got[1], ServerEvent::Ack { seq: 1, .. }));
    }

    #[tokio::test]
    async fn join_with_since_replays_the_gap() {
        let (_dir, engine) = engine();
        for i in 1..=5 {
            engine
                .post("ann", "general", &format!("c{i}"), &format!("m{i}"))
                .await
                .unwrap();
        }
        let mut bob = Client::connect(&engine, 64);
        match bob.hello_join("bob", "general", Some(3)).await {
            ServerEvent::History {
                messages, has_more, ..
            } => {
                assert_eq!(
                    messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
                    vec![4, 5]
                );
                assert!(has_more);
            }
            other => panic!("{other:?}"),
        }
        engine.post("ann", "general", "c6", "m6").await.unwrap();
        assert!(matches!(bob.next().await, ServerEvent::Message(m) if m.seq == 6));
    }

    #[tokio::test]
    async fn a_reader_that_stalls_catches_up_in_order() {
        let (_dir, engine) = engine();
        // Room for only a few events: the hub ring (1024) overflows while Bob does not read.
        let mut bob = Client::connect(&engine, 4);
        bob.hello_join("bob", "general", None).await;
        for i in 1..=1500 {
            engine
                .post("ann", "general", &format!("c{i}"), "x")
                .await
                .unwrap();
        }
        for want in 1..=1500u64 {
            match bob.next().await {
                ServerEvent::Message(m) => assert_eq!(m.seq, want),
                other => panic!("{other:?}"),
            }
        }
    }
}
