use super::*;
use crate::Options;
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

    /// The next event that is not presence or room-list noise.
    async fn next_significant(&mut self) -> ServerEvent {
        loop {
            match self.next().await {
                ServerEvent::Joined { .. } | ServerEvent::Left { .. } | ServerEvent::Members { .. } => {}
                other => return other,
            }
        }
    }

    async fn silent_for(&mut self, wait: Duration) -> bool {
        timeout(wait, self.output.recv()).await.is_err()
    }

    /// Nothing but presence noise arrives within `wait`.
    async fn quiet_for(&mut self, wait: Duration) -> bool {
        timeout(wait, self.next_significant()).await.is_err()
    }

    async fn hello(&mut self, nick: &str) {
        self.send(ClientEvent::Hello { nickname: nick.into(), password: None });
        assert!(matches!(self.next().await, ServerEvent::Welcome { .. }));
        assert!(matches!(self.next().await, ServerEvent::Rooms { .. }));
    }

    /// Says hello, joins, and returns the history (the members list is consumed).
    async fn hello_join(&mut self, nick: &str, room: &str, since: Option<Seq>) -> ServerEvent {
        self.hello(nick).await;
        self.join(room, since).await
    }

    async fn join(&mut self, room: &str, since: Option<Seq>) -> ServerEvent {
        self.send(ClientEvent::Join { room: room.into(), since });
        let history = self.next().await;
        assert!(matches!(self.next().await, ServerEvent::Members { .. }));
        history
    }

    fn say(&self, room: &str, id: &str, text: &str) {
        self.send(ClientEvent::Send { room: room.into(), client_id: id.into(), text: text.into() });
    }
}

async fn engine_with(grace: Duration) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_sqlite(dir.path(), Options { presence_grace: grace }).await.unwrap();
    (dir, engine)
}

async fn engine() -> (tempfile::TempDir, Engine) {
    engine_with(Duration::ZERO).await
}

#[tokio::test]
async fn bad_input_is_answered_to_the_sender_only() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::connect(&engine, 64);
    let mut bob = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", None).await;
    bob.hello_join("bob", "general", None).await;
    ann.say("general", "c1", "   ");
    assert!(matches!(ann.next_significant().await, ServerEvent::Error { code: ErrorCode::EmptyMessage, .. }));
    ann.input.send(Err("not json".into())).unwrap();
    assert!(matches!(ann.next_significant().await, ServerEvent::Error { code: ErrorCode::BadFrame, .. }));
    ann.say("general", "c2", "fine");
    // Bob sees only the good message; Ann gets it and its ack.
    match bob.next_significant().await {
        ServerEvent::Message(m) => assert_eq!((m.seq, m.text.as_str()), (1, "fine")),
        other => panic!("{other:?}"),
    }
    let mut got = vec![ann.next_significant().await, ann.next_significant().await];
    got.sort_by_key(|e| matches!(e, ServerEvent::Ack { .. }));
    assert!(matches!(&got[0], ServerEvent::Message(m) if m.seq == 1));
    assert!(matches!(&got[1], ServerEvent::Ack { seq: 1, .. }));
}

#[tokio::test]
async fn join_with_since_replays_the_gap() {
    let (_dir, engine) = engine().await;
    for i in 1..=5 {
        engine.post("ann", "general", &format!("c{i}"), &format!("m{i}")).await.unwrap();
    }
    let mut bob = Client::connect(&engine, 64);
    match bob.hello_join("bob", "general", Some(3)).await {
        ServerEvent::History { messages, has_more, .. } => {
            assert_eq!(messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![4, 5]);
            assert!(has_more);
        }
        other => panic!("{other:?}"),
    }
    engine.post("ann", "general", "c6", "m6").await.unwrap();
    assert!(matches!(bob.next_significant().await, ServerEvent::Message(m) if m.seq == 6));
}

#[tokio::test]
async fn a_reader_that_stalls_catches_up_in_order() {
    let (_dir, engine) = engine().await;
    // Room for only a few events: the hub ring (1024) overflows while Bob does not read.
    let mut bob = Client::connect(&engine, 4);
    bob.hello_join("bob", "general", None).await;
    for i in 1..=1500 {
        engine.post("ann", "general", &format!("c{i}"), "x").await.unwrap();
    }
    for want in 1..=1500u64 {
        match bob.next_significant().await {
            ServerEvent::Message(m) => assert_eq!(m.seq, want),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn older_pages_load_backwards() {
    let (_dir, engine) = engine().await;
    for i in 1..=120 {
        engine.post("ann", "general", &format!("c{i}"), "x").await.unwrap();
    }
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    bob.send(ClientEvent::LoadOlder { room: "general".into(), before: 71 });
    match bob.next_significant().await {
        ServerEvent::Older { messages, has_more, .. } => {
            assert_eq!((messages.first().unwrap().seq, messages.last().unwrap().seq), (21, 70));
            assert!(has_more);
        }
        other => panic!("{other:?}"),
    }
    bob.send(ClientEvent::LoadOlder { room: "general".into(), before: 21 });
    assert!(
        matches!(bob.next_significant().await, ServerEvent::Older { messages, has_more: false, .. } if messages.len() == 20)
    );
    bob.send(ClientEvent::LoadOlder { room: "elsewhere".into(), before: 21 });
    assert!(matches!(bob.next_significant().await, ServerEvent::Error { code: ErrorCode::NotJoined, .. }));
}

#[tokio::test]
async fn rooms_are_created_once_announced_to_all_and_must_exist() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::connect(&engine, 64);
    let mut bob = Client::connect(&engine, 64);
    ann.hello("ann").await;
    bob.hello("bob").await;
    ann.send(ClientEvent::Join { room: "rust".into(), since: None });
    assert!(matches!(ann.next().await, ServerEvent::Error { code: ErrorCode::UnknownRoom, .. }));
    ann.send(ClientEvent::CreateRoom { room: "Rust".into() });
    for client in [&mut ann, &mut bob] {
        assert!(matches!(client.next().await, ServerEvent::RoomCreated { room } if room.name == "rust"));
    }
    bob.send(ClientEvent::CreateRoom { room: "RUST".into() });
    assert!(matches!(bob.next().await, ServerEvent::Error { code: ErrorCode::RoomExists, .. }));
    bob.send(ClientEvent::CreateRoom { room: "no spaces".into() });
    assert!(matches!(bob.next().await, ServerEvent::Error { code: ErrorCode::InvalidRoom, .. }));
    assert!(matches!(bob.join("RUST", None).await, ServerEvent::History { room, .. } if room == "rust"));
    assert!(ann.quiet_for(Duration::from_millis(100)).await);
}

#[tokio::test]
async fn drafts_reach_the_others_in_the_room_only_and_end_with_the_message() {
    let (_dir, engine) = engine().await;
    engine.create_room("side").await.unwrap();
    let mut ann = Client::connect(&engine, 64);
    let mut bob = Client::connect(&engine, 64);
    let mut cat = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", None).await;
    bob.hello_join("bob", "general", None).await;
    cat.hello_join("cat", "side", None).await;

    ann.send(ClientEvent::Typing { room: "general".into(), draft: Some("hel".into()) });
    assert_eq!(
        bob.next_significant().await,
        ServerEvent::Typing { room: "general".into(), author: "ann".into(), draft: Some("hel".into()) }
    );
    ann.send(ClientEvent::Typing { room: "general".into(), draft: None });
    assert_eq!(
        bob.next_significant().await,
        ServerEvent::Typing { room: "general".into(), author: "ann".into(), draft: None }
    );
    ann.say("general", "c1", "hello");
    assert_eq!(
        bob.next_significant().await,
        ServerEvent::StopTyping { room: "general".into(), author: "ann".into() }
    );
    assert!(matches!(bob.next_significant().await, ServerEvent::Message(_)));
    // Ann never gets her own typing back; Cat, elsewhere, never sees any of it.
    let mut got = vec![ann.next_significant().await, ann.next_significant().await];
    got.sort_by_key(|e| matches!(e, ServerEvent::Ack { .. }));
    assert!(matches!(&got[0], ServerEvent::Message(_)) && matches!(&got[1], ServerEvent::Ack { .. }));
    assert!(cat.quiet_for(Duration::from_millis(100)).await);

    // A draft over the limit is refused; typing ends when the connection does.
    ann.send(ClientEvent::Typing { room: "general".into(), draft: Some("x".repeat(4001)) });
    assert!(matches!(
        ann.next_significant().await,
        ServerEvent::Error { code: ErrorCode::MessageTooLong, .. }
    ));
    ann.send(ClientEvent::Typing { room: "general".into(), draft: Some("bye".into()) });
    assert!(matches!(bob.next_significant().await, ServerEvent::Typing { .. }));
    drop(ann);
    assert_eq!(
        bob.next_significant().await,
        ServerEvent::StopTyping { room: "general".into(), author: "ann".into() }
    );
}

#[tokio::test]
async fn presence_counts_people_not_tabs_and_announces_arrivals_and_departures() {
    let (_dir, engine) = engine().await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    assert!(matches!(bob.next().await, ServerEvent::Joined { nickname, .. } if nickname == "bob"));

    let mut ann_tab1 = Client::connect(&engine, 64);
    ann_tab1.hello("ann").await;
    ann_tab1.send(ClientEvent::Join { room: "general".into(), since: None });
    ann_tab1.next().await; // history
    assert_eq!(bob.next().await, ServerEvent::Joined { room: "general".into(), nickname: "ann".into() });
    let mut ann_tab2 = Client::connect(&engine, 64);
    ann_tab2.hello("ann").await;
    ann_tab2.send(ClientEvent::Join { room: "general".into(), since: None });
    ann_tab2.next().await; // history
    assert_eq!(
        ann_tab2.next().await,
        ServerEvent::Members { room: "general".into(), members: vec!["ann".into(), "bob".into()] }
    );
    // The second tab is not a second arrival; closing one tab is not a departure.
    drop(ann_tab1);
    assert!(bob.silent_for(Duration::from_millis(200)).await);
    drop(ann_tab2);
    assert_eq!(bob.next().await, ServerEvent::Left { room: "general".into(), nickname: "ann".into() });
    assert_eq!(engine.presence().members("general"), vec!["bob".to_string()]);
}

#[tokio::test]
async fn a_quick_reconnect_is_neither_a_departure_nor_an_arrival() {
    let (_dir, engine) = engine_with(Duration::from_millis(300)).await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    bob.next().await; // own joined
    let mut ann = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", None).await;
    assert!(matches!(bob.next().await, ServerEvent::Joined { .. }));
    drop(ann);
    let mut ann = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", Some(0)).await;
    assert!(bob.silent_for(Duration::from_millis(600)).await);
    drop(ann);
    assert!(matches!(bob.next().await, ServerEvent::Left { .. }));
}
