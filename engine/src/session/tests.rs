use super::*;
use crate::outbox::Wire;
use crate::users::Speaker;
use crate::Options;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// The client's end of a connection: the frames its outbox wrote, at most `capacity` of them
/// unread (a client that reads slowly).
struct Pipe {
    frames: VecDeque<Item>,
    capacity: usize,
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// The outbox let go of its wire: the connection is over.
    closed: bool,
}

struct PipeWire(Arc<Mutex<Pipe>>);

impl Wire for PipeWire {
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        items: &[Item],
        skip: usize,
    ) -> Poll<std::io::Result<usize>> {
        assert_eq!(skip, 0, "the pipe takes whole frames");
        let mut pipe = self.0.lock().unwrap();
        let mut bytes = 0;
        for item in items {
            if pipe.frames.len() >= pipe.capacity {
                break;
            }
            pipe.frames.push_back(item.clone());
            bytes += self.len(item);
        }
        if bytes == 0 {
            pipe.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let reader = pipe.reader.take();
        drop(pipe);
        if let Some(reader) = reader {
            reader.wake();
        }
        Poll::Ready(Ok(bytes))
    }

    fn len(&self, item: &Item) -> usize {
        item.payload().len() + 1
    }
}

impl Drop for PipeWire {
    fn drop(&mut self) {
        let mut pipe = self.0.lock().unwrap();
        pipe.closed = true;
        let reader = pipe.reader.take();
        drop(pipe);
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

/// The next frame the client receives; `None` once the connection is over.
async fn read(pipe: &Mutex<Pipe>) -> Option<Item> {
    std::future::poll_fn(|cx| {
        let mut state = pipe.lock().unwrap();
        if let Some(item) = state.frames.pop_front() {
            let writer = state.writer.take();
            drop(state);
            if let Some(writer) = writer {
                writer.wake();
            }
            return Poll::Ready(Some(item));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        state.reader = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

fn decode(item: Item) -> ServerEvent {
    match item {
        Item::Shared(_) | Item::Own(_) => {
            protocol::frame::decode_server(item.payload()).expect("a server event")
        }
        Item::Control(..) => panic!("the session sends no transport frames"),
    }
}

struct Client {
    input: mpsc::UnboundedSender<Result<ClientEvent, String>>,
    output: Arc<Mutex<Pipe>>,
    /// The session's task, when the test did not spawn it itself.
    task: Option<tokio::task::JoinHandle<Ending>>,
}

impl Client {
    fn connect(engine: &Engine, capacity: usize) -> Client {
        Self::connect_as(engine, capacity, None)
    }

    /// A connection whose transport signed `person` in (as a session cookie does).
    async fn signed_in(engine: &Engine, nickname: &str) -> Client {
        let user = engine.users().sign_in(nickname, None, None).await.unwrap();
        let mut client = Self::connect_as(engine, 256, Some(user.into()));
        client.hello(nickname).await;
        client
    }

    fn connect_as(engine: &Engine, capacity: usize, signed_in: Option<Speaker>) -> Client {
        let (input, events) = mpsc::unbounded_channel();
        let (out, output) = Self::pipe(engine, capacity);
        let session = Session::new(engine.clone(), signed_in, out);
        let task = tokio::spawn(session.run(tokio_stream::wrappers::UnboundedReceiverStream::new(events)));
        Client { input, output, task: Some(task) }
    }

    /// An outbox for a session, and the client's end of it.
    fn pipe(engine: &Engine, capacity: usize) -> (Arc<Outbox>, Arc<Mutex<Pipe>>) {
        let pipe = Pipe { frames: VecDeque::new(), capacity, reader: None, writer: None, closed: false };
        let pipe = Arc::new(Mutex::new(pipe));
        (engine.hub().outbox(Box::new(PipeWire(Arc::clone(&pipe)))), pipe)
    }

    fn send(&self, event: ClientEvent) {
        self.input.send(Ok(event)).unwrap();
    }

    async fn recv(&mut self) -> Option<ServerEvent> {
        read(&self.output).await.map(decode)
    }

    async fn next(&mut self) -> ServerEvent {
        timeout(Duration::from_secs(5), self.recv()).await.expect("no event in 5 s").expect("session ended")
    }

    /// The next event that is not presence or room-list noise.
    async fn next_significant(&mut self) -> ServerEvent {
        loop {
            match self.next().await {
                ServerEvent::Presence { .. } | ServerEvent::Members { .. } => {}
                other => return other,
            }
        }
    }

    async fn silent_for(&mut self, wait: Duration) -> bool {
        timeout(wait, self.recv()).await.is_err()
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
        self.send(ClientEvent::Send {
            room: room.into(),
            client_id: id.into(),
            text: text.into(),
            reply_to: None,
            attachments: Vec::new(),
        });
    }
}

async fn engine_with(grace: Duration) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_sqlite(dir.path(), Options { presence_grace: grace, ..Options::default() })
        .await
        .unwrap();
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
    let mut got = [ann.next_significant().await, ann.next_significant().await];
    got.sort_by_key(|e| matches!(e, ServerEvent::Ack { .. }));
    assert!(matches!(&got[0], ServerEvent::Message(m) if m.seq == 1));
    assert!(matches!(&got[1], ServerEvent::Ack { seq: 1, .. }));
}

#[tokio::test]
async fn join_with_since_replays_the_gap() {
    let (_dir, engine) = engine().await;
    for i in 1..=5 {
        engine
            .post(&Speaker::guest("ann"), "general", &format!("c{i}"), &format!("m{i}"), None)
            .await
            .unwrap();
    }
    let mut bob = Client::connect(&engine, 64);
    match bob.hello_join("bob", "general", Some(3)).await {
        ServerEvent::History { messages, has_more, .. } => {
            assert_eq!(messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![4, 5]);
            assert!(has_more);
        }
        other => panic!("{other:?}"),
    }
    engine.post(&Speaker::guest("ann"), "general", "c6", "m6", None).await.unwrap();
    assert!(matches!(bob.next_significant().await, ServerEvent::Message(m) if m.seq == 6));
}

#[tokio::test]
async fn a_reader_that_stalls_catches_up_in_order() {
    let (_dir, engine) = engine().await;
    // Room for only a few events: the hub ring (1024) overflows while Bob does not read.
    let mut bob = Client::connect(&engine, 4);
    bob.hello_join("bob", "general", None).await;
    for i in 1..=1500 {
        engine.post(&Speaker::guest("ann"), "general", &format!("c{i}"), "x", None).await.unwrap();
    }
    for want in 1..=1500u64 {
        match bob.next_significant().await {
            ServerEvent::Message(m) => assert_eq!(m.seq, want),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_reader_briefly_behind_catches_up_from_the_rooms_shared_frames() {
    let (_dir, engine) = engine().await;
    let mut bob = Client::connect(&engine, 4);
    bob.hello_join("bob", "general", None).await;
    // More than his outbox holds (`outbox::ROOM_LIMIT`), fewer than the room keeps.
    let count = crate::outbox::ROOM_LIMIT as u64 + 100;
    for i in 1..=count {
        engine.post(&Speaker::guest("ann"), "general", &format!("c{i}"), "x", None).await.unwrap();
    }
    let mut want = 1;
    while want <= count {
        let item = timeout(Duration::from_secs(5), read(&bob.output)).await.unwrap().unwrap();
        let shared = matches!(item, Item::Shared(_));
        match decode(item) {
            ServerEvent::Message(m) => {
                assert_eq!(m.seq, want);
                assert!(shared, "message {want} was encoded for Bob alone: read from the store");
                want += 1;
            }
            ServerEvent::Presence { .. } | ServerEvent::Members { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(engine.metrics().lag_resyncs.get(), 1);
}

#[tokio::test]
async fn older_pages_load_backwards() {
    let (_dir, engine) = engine().await;
    for i in 1..=120 {
        engine.post(&Speaker::guest("ann"), "general", &format!("c{i}"), "x", None).await.unwrap();
    }
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    bob.send(ClientEvent::LoadOlder { room: "general".into(), before: 71, until: None });
    match bob.next_significant().await {
        ServerEvent::Older { messages, has_more, .. } => {
            assert_eq!((messages.first().unwrap().seq, messages.last().unwrap().seq), (21, 70));
            assert!(has_more);
        }
        other => panic!("{other:?}"),
    }
    bob.send(ClientEvent::LoadOlder { room: "general".into(), before: 21, until: None });
    assert!(
        matches!(bob.next_significant().await, ServerEvent::Older { messages, has_more: false, .. } if messages.len() == 20)
    );
    bob.send(ClientEvent::LoadOlder { room: "elsewhere".into(), before: 21, until: None });
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
    ann.send(ClientEvent::CreateRoom { room: "Rust".into(), private: false });
    for client in [&mut ann, &mut bob] {
        assert!(matches!(client.next().await, ServerEvent::RoomCreated { room } if room.name == "rust"));
    }
    bob.send(ClientEvent::CreateRoom { room: "RUST".into(), private: false });
    // The refusals name the room they are about.
    assert!(matches!(
        bob.next().await,
        ServerEvent::Error { code: ErrorCode::RoomExists, room: Some(room), .. } if room == "RUST"
    ));
    bob.send(ClientEvent::CreateRoom { room: "no spaces".into(), private: false });
    assert!(matches!(
        bob.next().await,
        ServerEvent::Error { code: ErrorCode::InvalidRoom, room: Some(room), .. } if room == "no spaces"
    ));
    assert!(matches!(bob.join("RUST", None).await, ServerEvent::History { room, .. } if room == "rust"));
    assert!(ann.quiet_for(Duration::from_millis(100)).await);
}

#[tokio::test]
async fn drafts_reach_the_others_in_the_room_only_and_end_with_the_message() {
    let (_dir, engine) = engine().await;
    engine.create_room(&Speaker::guest("x"), "side", false).await.unwrap();
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
    let mut got = [ann.next_significant().await, ann.next_significant().await];
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

/// A `presence` event of `general`.
fn presence(joined: &[&str], left: &[&str], count: u32) -> ServerEvent {
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    ServerEvent::Presence { room: "general".into(), joined: names(joined), left: names(left), count }
}

#[tokio::test]
async fn presence_counts_people_not_tabs_and_announces_arrivals_and_departures() {
    let (_dir, engine) = engine().await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    assert_eq!(bob.next().await, presence(&["bob"], &[], 1));

    let mut ann_tab1 = Client::connect(&engine, 64);
    ann_tab1.hello("ann").await;
    ann_tab1.send(ClientEvent::Join { room: "general".into(), since: None });
    ann_tab1.next().await; // history
    assert_eq!(bob.next().await, presence(&["ann"], &[], 2));
    let mut ann_tab2 = Client::connect(&engine, 64);
    ann_tab2.hello("ann").await;
    ann_tab2.send(ClientEvent::Join { room: "general".into(), since: None });
    ann_tab2.next().await; // history
    assert_eq!(
        ann_tab2.next().await,
        ServerEvent::Members { room: "general".into(), members: vec!["ann".into(), "bob".into()], count: 2 }
    );
    // The second tab is not a second arrival; closing one tab is not a departure.
    drop(ann_tab1);
    assert!(bob.silent_for(Duration::from_millis(500)).await);
    drop(ann_tab2);
    assert_eq!(bob.next().await, presence(&[], &["ann"], 1));
    assert_eq!(engine.presence().members("general"), vec!["bob".to_string()]);
}

#[tokio::test]
async fn arrivals_within_one_period_come_in_one_event() {
    let (_dir, engine) = engine().await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    assert_eq!(bob.next().await, presence(&["bob"], &[], 1));
    let mut others = Vec::new();
    for nick in ["cat", "ann", "dan"] {
        let mut other = Client::connect(&engine, 64);
        other.hello_join(nick, "general", None).await;
        others.push(other);
    }
    // Cat joined and left again within the period: nothing to tell about her.
    drop(others.remove(0));
    assert_eq!(bob.next().await, presence(&["ann", "dan"], &[], 3));
    assert!(bob.silent_for(Duration::from_millis(500)).await);
}

#[tokio::test]
async fn a_quick_reconnect_is_neither_a_departure_nor_an_arrival() {
    let (_dir, engine) = engine_with(Duration::from_millis(300)).await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    bob.next().await; // own arrival
    let mut ann = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", None).await;
    assert_eq!(bob.next().await, presence(&["ann"], &[], 2));
    drop(ann);
    let mut ann = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", Some(0)).await;
    assert!(bob.silent_for(Duration::from_millis(800)).await);
    drop(ann);
    assert_eq!(bob.next().await, presence(&[], &["ann"], 1));
}

fn refused(event: ServerEvent) -> ErrorCode {
    match event {
        ServerEvent::Error { code, .. } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn room_of(event: ServerEvent) -> protocol::RoomInfo {
    match event {
        ServerEvent::RoomCreated { room } => room,
        other => panic!("expected room_created, got {other:?}"),
    }
}

#[tokio::test]
async fn private_rooms_reach_their_members_only_and_removal_ends_it() {
    let (_dir, engine) = engine().await;
    let quiet = Duration::from_millis(150);
    let mut ann = Client::signed_in(&engine, "ann").await;
    let mut bob = Client::signed_in(&engine, "bob").await;
    let mut cat = Client::signed_in(&engine, "cat").await;

    ann.send(ClientEvent::CreateRoom { room: "Secret".into(), private: true });
    let secret = room_of(ann.next().await);
    assert_eq!((secret.kind, secret.owner.as_deref()), (protocol::RoomKind::Private, Some("ann")));
    assert_eq!(secret.members, ["ann"]);
    assert!(bob.silent_for(quiet).await && cat.silent_for(quiet).await);

    // Not a member: the room does not exist, whatever is asked.
    cat.send(ClientEvent::Join { room: "secret".into(), since: None });
    match cat.next().await {
        ServerEvent::Error { code: ErrorCode::UnknownRoom, room, .. } => {
            assert_eq!(room.as_deref(), Some("secret"))
        }
        other => panic!("{other:?}"),
    }
    cat.say("secret", "c1", "let me in");
    assert_eq!(refused(cat.next().await), ErrorCode::NotJoined);
    assert!(engine.post(&Speaker::guest("cat"), "secret", "c2", "hi", None).await.is_err());
    assert!(!engine.rooms_for(None).iter().any(|r| r.name == "secret"));

    // Only the owner invites; the invited person hears of the room, the members of the change.
    bob.send(ClientEvent::Invite { room: "secret".into(), nickname: "cat".into() });
    assert_eq!(refused(bob.next().await), ErrorCode::UnknownRoom);
    ann.send(ClientEvent::Invite { room: "secret".into(), nickname: "nobody".into() });
    assert_eq!(refused(ann.next().await), ErrorCode::UnknownPerson);
    ann.send(ClientEvent::Invite { room: "secret".into(), nickname: "BOB".into() });
    assert_eq!(room_of(bob.next().await).members, ["ann", "bob"]);
    assert_eq!(room_of(ann.next().await).members, ["ann", "bob"]);
    bob.send(ClientEvent::Invite { room: "secret".into(), nickname: "cat".into() });
    assert_eq!(refused(bob.next().await), ErrorCode::NotAllowed);

    ann.join("secret", None).await;
    bob.join("secret", None).await;
    ann.say("secret", "s1", "the cake is in the oven");
    // Her own message and its ack come in either order; the message must be out first.
    while !matches!(ann.next_significant().await, ServerEvent::Message(_)) {}
    ann.send(ClientEvent::Typing { room: "secret".into(), draft: Some("shh".into()) });
    assert!(
        matches!(bob.next_significant().await, ServerEvent::Message(m) if m.text == "the cake is in the oven")
    );
    assert!(matches!(bob.next_significant().await, ServerEvent::Typing { draft: Some(d), .. } if d == "shh"));
    assert!(cat.silent_for(quiet).await, "a non-member got something");

    // Removed: told once, then nothing more from the room, and no way back in.
    ann.send(ClientEvent::Remove { room: "secret".into(), nickname: "bob".into() });
    loop {
        match bob.next().await {
            ServerEvent::Removed { room } => break assert_eq!(room, "secret"),
            ServerEvent::Ack { .. } | ServerEvent::Presence { .. } | ServerEvent::Members { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    ann.say("secret", "s2", "bob is gone");
    ann.send(ClientEvent::Typing { room: "secret".into(), draft: Some("more".into()) });
    assert!(bob.quiet_for(quiet).await, "a removed member still gets the room");
    bob.send(ClientEvent::Typing { room: "secret".into(), draft: None });
    assert_eq!(refused(bob.next().await), ErrorCode::NotJoined);
    bob.send(ClientEvent::Join { room: "secret".into(), since: None });
    assert_eq!(refused(bob.next().await), ErrorCode::UnknownRoom);
    assert!(cat.silent_for(quiet).await);
}

#[tokio::test]
async fn direct_conversations_are_for_their_two_people_and_need_claimed_nicknames() {
    let (_dir, engine) = engine().await;
    let quiet = Duration::from_millis(150);
    let mut ann = Client::signed_in(&engine, "ann").await;
    let mut bob = Client::signed_in(&engine, "bob").await;
    let mut cat = Client::signed_in(&engine, "cat").await;
    let mut guest = Client::connect(&engine, 64);
    guest.hello("guest").await;

    ann.send(ClientEvent::OpenDirect { with: "Bob".into() });
    let dm = room_of(ann.next().await);
    assert_eq!(room_of(bob.next().await), dm);
    assert_eq!((dm.kind, dm.members.clone()), (protocol::RoomKind::Direct, vec!["ann".into(), "bob".into()]));
    assert_eq!(dm.title("ann"), "@bob");
    // Opening it again (from either side) finds the same conversation.
    bob.send(ClientEvent::OpenDirect { with: "ann".into() });
    assert_eq!(room_of(bob.next().await).name, dm.name);
    ann.send(ClientEvent::OpenDirect { with: "ann".into() });
    assert_eq!(refused(ann.next().await), ErrorCode::NotAllowed);
    guest.send(ClientEvent::OpenDirect { with: "ann".into() });
    assert_eq!(refused(guest.next().await), ErrorCode::NotAllowed);
    ann.send(ClientEvent::OpenDirect { with: "guest".into() });
    assert_eq!(refused(ann.next().await), ErrorCode::UnknownPerson);
    guest.send(ClientEvent::CreateRoom { room: "mine".into(), private: true });
    assert_eq!(refused(guest.next().await), ErrorCode::NotAllowed);

    ann.join(&dm.name, None).await;
    bob.join(&dm.name, None).await;
    bob.say(&dm.name, "d1", "just between us");
    assert!(matches!(ann.next_significant().await, ServerEvent::Message(m) if m.text == "just between us"));
    for outsider in [&mut cat, &mut guest] {
        outsider.send(ClientEvent::Join { room: dm.name.clone(), since: Some(0) });
        assert_eq!(refused(outsider.next().await), ErrorCode::UnknownRoom);
        assert!(outsider.silent_for(quiet).await);
    }
    assert!(!engine.rooms_for(None).iter().any(|r| r.name == dm.name));
    assert_eq!(engine.rooms_for(Some(1)).iter().filter(|r| r.name == dm.name).count(), 1);
}

#[tokio::test]
async fn a_flooding_client_is_slowed_then_closed_while_others_chat_on() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::connect(&engine, 4096);
    let mut bob = Client::connect(&engine, 4096);
    ann.hello_join("ann", "general", None).await;
    bob.hello_join("bob", "general", None).await;

    // A burst over the message limit: the excess is refused by name, nothing is lost silently.
    for i in 0..80 {
        ann.say("general", &format!("f{i}"), "flood");
    }
    let (mut acked, mut slowed) = (0, Vec::new());
    while acked + slowed.len() < 80 {
        match ann.next_significant().await {
            ServerEvent::Ack { .. } => acked += 1,
            ServerEvent::Error { code: ErrorCode::RateLimited, client_id: Some(id), message, .. } => {
                assert!(message.starts_with("Slow down"), "{message}");
                slowed.push(id);
            }
            ServerEvent::Message(_) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(acked >= 50 && !slowed.is_empty(), "acked {acked}, slowed {}", slowed.len());
    assert_eq!(engine.metrics().rate_limited.get(), slowed.len() as u64);

    // Bob is unaffected.
    bob.say("general", "b1", "still here");
    loop {
        if let ServerEvent::Ack { client_id, .. } = bob.next_significant().await {
            break assert_eq!(client_id, "b1");
        }
    }

    // Garbage without end: refused, then the connection is closed.
    for _ in 0..200 {
        if ann.input.send(Err("junk".into())).is_err() {
            break;
        }
    }
    let mut last = None;
    while let Ok(Some(event)) = timeout(Duration::from_secs(5), ann.recv()).await {
        last = Some(event);
    }
    match last {
        Some(ServerEvent::Error { code: ErrorCode::RateLimited, message, .. }) => {
            assert!(message.contains("closing this connection"), "{message}")
        }
        other => panic!("expected the closing error, got {other:?}"),
    }
    assert!(ann.recv().await.is_none(), "the session should have ended");
    assert_eq!(ann.task.take().unwrap().await.unwrap(), Ending::Refused, "closed as abuse (1008)");
    bob.say("general", "b2", "and still");
    loop {
        if let ServerEvent::Ack { client_id, .. } = bob.next_significant().await {
            break assert_eq!(client_id, "b2");
        }
    }
}

#[tokio::test]
async fn a_panic_in_one_connection_ends_that_connection_only_and_cleans_up_after_it() {
    let (_dir, engine) = engine().await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    assert_eq!(bob.next().await, presence(&["bob"], &[], 1));

    // Ann's connection has a bug: its task panics when she sends "boom". Her session runs in
    // its own task, as every connection's does (`app::api::live`).
    let (input, events) = mpsc::unbounded_channel();
    let (out, output) = Client::pipe(&engine, 64);
    let events = tokio_stream::wrappers::UnboundedReceiverStream::new(events).map(|event| match event {
        Ok(ClientEvent::Send { text, .. }) if text == "boom" => panic!("a bug in this connection"),
        other => other,
    });
    let ann_task = tokio::spawn(Session::new(engine.clone(), None, out).run(events));
    let mut ann = Client { input, output, task: None };
    ann.hello_join("ann", "general", None).await;
    assert_eq!(bob.next().await, presence(&["ann"], &[], 2));
    ann.send(ClientEvent::Typing { room: "general".into(), draft: Some("about to".into()) });
    assert!(matches!(bob.next().await, ServerEvent::Typing { author, .. } if author == "ann"));

    ann.say("general", "c1", "boom");
    assert!(timeout(Duration::from_secs(5), ann_task).await.unwrap().unwrap_err().is_panic());
    // Her connection is over, and her typing and presence ended with it.
    while let Some(event) = ann.recv().await {
        assert!(matches!(event, ServerEvent::Presence { .. }), "{event:?}");
    }
    let mut gone = vec![bob.next().await, bob.next().await];
    gone.sort_by_key(|e| matches!(e, ServerEvent::Presence { .. }));
    assert_eq!(
        gone,
        [
            ServerEvent::StopTyping { room: "general".into(), author: "ann".into() },
            presence(&[], &["ann"], 1),
        ]
    );
    assert_eq!(engine.presence().members("general"), ["bob"]);

    // Everyone else goes on: Bob chats, a newcomer joins and hears him.
    let mut cat = Client::connect(&engine, 64);
    cat.hello_join("cat", "general", None).await;
    bob.say("general", "b1", "still here");
    let mut got = [bob.next_significant().await, bob.next_significant().await];
    got.sort_by_key(|e| matches!(e, ServerEvent::Ack { .. }));
    assert!(matches!(&got[0], ServerEvent::Message(m) if m.seq == 1 && m.text == "still here"));
    assert!(matches!(&got[1], ServerEvent::Ack { seq: 1, .. }));
    assert!(matches!(cat.next_significant().await, ServerEvent::Message(m) if m.seq == 1));
    assert!(bob.quiet_for(Duration::from_millis(100)).await);
}

#[tokio::test]
async fn a_room_event_is_serialised_once_and_every_receiver_sends_the_same_bytes() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::connect(&engine, 64);
    ann.hello_join("ann", "general", None).await;
    let mut bob = Client::connect(&engine, 64);
    bob.hello_join("bob", "general", None).await;
    ann.send(ClientEvent::Send {
        room: "general".into(),
        client_id: "c1".into(),
        text: "once".into(),
        reply_to: None,
        attachments: Vec::new(),
    });

    async fn the_message(client: &mut Client) -> Item {
        loop {
            let item = timeout(Duration::from_secs(5), read(&client.output)).await.unwrap().unwrap();
            if matches!(decode(item.clone()), ServerEvent::Message(_)) {
                return item;
            }
        }
    }
    let (a, b) = (the_message(&mut ann).await, the_message(&mut bob).await);
    let (Item::Shared(a_event), Item::Shared(b_event)) = (&a, &b) else {
        panic!("a room's message should go out as the hub's shared event: {a:?} {b:?}")
    };
    assert!(Arc::ptr_eq(a_event, b_event));
    assert_eq!(a.payload().as_ptr(), b.payload().as_ptr(), "encoded once, the bytes shared");
    assert!(matches!(decode(a), ServerEvent::Message(m) if m.text == "once"));
}

#[tokio::test]
async fn a_burst_of_messages_is_stored_and_delivered_in_the_order_it_was_sent() {
    let dir = tempfile::tempdir().unwrap();
    let options =
        Options { presence_grace: Duration::ZERO, messages_per_second: 1_000_000, ..Options::default() };
    let engine = Engine::open_sqlite(dir.path(), options).await.unwrap();
    let mut ann = Client::connect(&engine, 1024);
    ann.hello_join("ann", "general", None).await;
    let mut bob = Client::connect(&engine, 1024);
    bob.hello_join("bob", "general", None).await;
    // Within the burst of events a connection may send (300, hello and join included).
    for i in 0..250 {
        ann.say("general", &format!("c{i}"), &format!("m{i}"));
    }
    for i in 0..250 {
        match bob.next_significant().await {
            ServerEvent::Message(m) => assert_eq!((m.seq, m.client_id), (i + 1, format!("c{i}"))),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_member_removed_while_catching_up_gets_nothing_posted_after_the_removal() {
    let (_dir, engine) = engine().await;
    let ann_speaker: Speaker = engine.users().sign_in("ann", None, None).await.unwrap().into();
    let mut ann = Client::connect_as(&engine, 256, Some(ann_speaker.clone()));
    ann.hello("ann").await;
    let bob_speaker: Speaker = engine.users().sign_in("bob", None, None).await.unwrap().into();
    let bob_id = bob_speaker.id;
    // Bob reads slowly: room for 4 frames.
    let mut bob = Client::connect_as(&engine, 4, Some(bob_speaker));
    bob.hello("bob").await;
    ann.send(ClientEvent::CreateRoom { room: "Secret".into(), private: true });
    room_of(ann.next().await);
    ann.send(ClientEvent::Invite { room: "secret".into(), nickname: "bob".into() });
    room_of(bob.next().await);
    bob.join("secret", None).await;
    for i in 1..=400 {
        engine.post(&ann_speaker, "secret", &format!("c{i}"), "before", None).await.unwrap();
    }
    // Bob reads until his session has begun to catch up, then stops reading: the session
    // waits for room to send what it is catching up on.
    while engine.metrics().lag_resyncs.get() == 0 {
        let _ = timeout(Duration::from_secs(5), read(&bob.output)).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    engine.remove(&ann_speaker, "secret", "bob").await.unwrap();
    assert!(!engine.may_see("secret", bob_id));
    engine.post(&ann_speaker, "secret", "late", "AFTER REMOVAL", None).await.unwrap();
    let mut removed = false;
    loop {
        match timeout(Duration::from_secs(2), bob.recv()).await {
            Ok(Some(ServerEvent::Message(m))) => {
                assert_ne!(m.text, "AFTER REMOVAL", "seq {} reached Bob", m.seq)
            }
            Ok(Some(ServerEvent::Removed { .. })) => removed = true,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    assert!(removed, "Bob was told he was removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_slower_than_its_room_still_has_its_own_input_read() {
    use std::sync::atomic::AtomicBool;
    let (_dir, engine) = engine().await;
    let mut bob = Client::connect(&engine, 4);
    bob.hello_join("bob", "general", None).await;
    // The room is busier than Bob reads: posts 20 at a time, as fast as they commit.
    let stop = Arc::new(AtomicBool::new(false));
    let poster = tokio::spawn({
        let (engine, stop) = (engine.clone(), Arc::clone(&stop));
        async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let posts: Vec<_> = (0..20)
                    .map(|_| {
                        i += 1;
                        let (engine, id) = (engine.clone(), format!("c{i}"));
                        tokio::spawn(async move {
                            engine.post(&Speaker::guest("ann"), "general", &id, "x", None).await
                        })
                    })
                    .collect();
                for post in posts {
                    post.await.unwrap().unwrap();
                }
            }
        }
    });
    let reader = tokio::spawn({
        let output = Arc::clone(&bob.output);
        async move {
            while read(&output).await.is_some() {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    // Bob is behind by now; his session is catching up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    bob.say("general", "bob1", "hello while busy");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut stored = false;
    while !stored && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        stored = engine
            .after("general", 0, usize::MAX)
            .await
            .unwrap()
            .iter()
            .any(|e| matches!(e, ServerEvent::Message(m) if m.client_id == "bob1"));
    }
    stop.store(true, Ordering::Relaxed);
    poster.await.unwrap();
    reader.abort();
    assert!(engine.metrics().lag_resyncs.get() > 0, "Bob fell behind");
    assert!(stored, "Bob's post was not read while his room was busier than he reads");
}

/// Waits for the `ack` (or refusal) of a post, skipping the message itself and noise.
async fn acked(client: &mut Client) -> ServerEvent {
    loop {
        match client.next_significant().await {
            ServerEvent::Message(_) => {}
            other => return other,
        }
    }
}

#[tokio::test]
async fn edits_deletions_and_reactions_reach_everyone_in_order_and_replay_once() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::connect(&engine, 256);
    let mut bob = Client::connect(&engine, 256);
    ann.hello_join("ann", "general", None).await;
    bob.hello_join("bob", "general", None).await;
    ann.say("general", "a1", "helo");
    assert!(matches!(acked(&mut ann).await, ServerEvent::Ack { seq: 1, .. }));
    assert!(matches!(bob.next_significant().await, ServerEvent::Message(m) if m.seq == 1));

    ann.send(ClientEvent::Edit { room: "general".into(), seq: 1, text: "hello".into() });
    bob.send(ClientEvent::React { room: "general".into(), seq: 1, emoji: "👍".into() });
    for client in [&mut ann, &mut bob] {
        assert!(
            matches!(client.next_significant().await, ServerEvent::Edited(e) if e.seq == 2 && e.text == "hello")
        );
        assert!(matches!(client.next_significant().await, ServerEvent::Reaction(r) if r.seq == 3 && r.added));
    }
    // Bob may not edit Ann's message; the refusal names it, and goes to him alone.
    bob.send(ClientEvent::Edit { room: "general".into(), seq: 1, text: "mine now".into() });
    assert!(matches!(
        bob.next_significant().await,
        ServerEvent::Error { code: ErrorCode::NotAllowed, seq: Some(1), .. }
    ));
    bob.send(ClientEvent::React { room: "general".into(), seq: 1, emoji: "not an emoji".into() });
    assert!(matches!(bob.next_significant().await, ServerEvent::Error { code: ErrorCode::InvalidEmoji, .. }));
    bob.send(ClientEvent::React { room: "general".into(), seq: 42, emoji: "👍".into() });
    assert!(matches!(
        bob.next_significant().await,
        ServerEvent::Error { code: ErrorCode::UnknownMessage, .. }
    ));

    // A newcomer's join is answered from the room's memory, as the message is now.
    let mut cat = Client::connect(&engine, 256);
    match cat.hello_join("cat", "general", None).await {
        ServerEvent::History { messages, last, .. } => {
            assert_eq!(messages.len(), 1);
            assert_eq!(messages[0].text, "hello");
            assert_eq!(messages[0].reactions[0].people, ["bob"]);
            assert_eq!(last, 3);
        }
        other => panic!("{other:?}"),
    }
    // Bob goes away; meanwhile Ann deletes the message. Back with `since`, he gets the
    // deletion once, and nothing of the text.
    drop(bob);
    ann.send(ClientEvent::Delete { room: "general".into(), seq: 1 });
    assert!(matches!(ann.next_significant().await, ServerEvent::Deleted(d) if d.seq == 4 && d.target == 1));
    assert!(matches!(cat.next_significant().await, ServerEvent::Deleted(d) if d.seq == 4));
    let mut bob = Client::connect(&engine, 256);
    match bob.hello_join("bob", "general", Some(3)).await {
        ServerEvent::History { messages, changes, .. } => {
            assert!(messages.is_empty());
            assert_eq!(changes.len(), 1);
            assert!(matches!(&changes[0], protocol::Change::Deleted(d) if d.seq == 4));
        }
        other => panic!("{other:?}"),
    }
    // From the beginning: the earlier edit and reaction replay as deletions.
    let mut dan = Client::connect(&engine, 256);
    match dan.hello_join("dan", "general", Some(0)).await {
        ServerEvent::History { messages, changes, .. } => {
            assert!(messages[0].deleted && messages[0].text.is_empty());
            assert!(changes.iter().all(|c| matches!(c, protocol::Change::Deleted(_))), "{changes:?}");
            assert_eq!(changes.iter().map(|c| c.seq()).collect::<Vec<_>>(), [2, 3, 4]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_reply_quotes_its_original_and_mentions_are_found() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::connect(&engine, 256);
    let mut bob = Client::connect(&engine, 256);
    ann.hello_join("ann", "general", None).await;
    bob.hello_join("Bob Lee", "general", None).await;
    ann.say("general", "a1", "**Lunch** at noon?\nor later");
    assert!(matches!(acked(&mut ann).await, ServerEvent::Ack { .. }));
    bob.send(ClientEvent::Send {
        room: "general".into(),
        client_id: "b1".into(),
        text: "@ann yes! cc @room".into(),
        reply_to: Some(1),
        attachments: Vec::new(),
    });
    let reply = loop {
        if let ServerEvent::Message(m) = ann.next_significant().await {
            if m.seq == 2 {
                break m;
            }
        }
    };
    let quote = reply.reply_to.unwrap();
    assert_eq!((quote.seq, quote.author.as_str(), quote.text.as_str()), (1, "ann", "Lunch at noon?"));
    assert_eq!(reply.mentions, ["ann"]);
    assert!(reply.mentions_room);
    ann.send(ClientEvent::Send {
        room: "general".into(),
        client_id: "a2".into(),
        text: "thanks @Bob Lee, and @nobody".into(),
        reply_to: Some(99),
        attachments: Vec::new(),
    });
    assert!(matches!(
        acked(&mut ann).await,
        ServerEvent::Error { code: ErrorCode::UnknownMessage, seq: Some(99), client_id: Some(_), .. }
    ));
    ann.send(ClientEvent::Send {
        room: "general".into(),
        client_id: "a3".into(),
        text: "thanks @Bob Lee, and @nobody".into(),
        reply_to: None,
        attachments: Vec::new(),
    });
    let mentioned = loop {
        if let ServerEvent::Message(m) = bob.next_significant().await {
            if m.seq == 3 {
                break m;
            }
        }
    };
    assert_eq!(mentioned.mentions, ["Bob Lee"]);
}

#[tokio::test]
async fn read_positions_are_remembered_and_reach_the_persons_other_connections() {
    let (_dir, engine) = engine().await;
    let mut phone = Client::signed_in(&engine, "ann").await;
    for i in 1..=4 {
        engine.post(&Speaker::guest("bob"), "general", &format!("c{i}"), "hi @ann", None).await.unwrap();
    }
    let mut laptop = Client::connect_as(&engine, 256, laptop_speaker(&engine, "ann").await);
    laptop.hello("ann").await;
    phone.join("general", None).await;
    phone.send(ClientEvent::Read { room: "general".into(), seq: 3 });
    match laptop.next_significant().await {
        ServerEvent::Read { room, seq } => assert_eq!((room.as_str(), seq), ("general", 3)),
        other => panic!("{other:?}"),
    }
    assert!(phone.quiet_for(Duration::from_millis(200)).await, "not echoed to the connection that read");
    // A new connection hears its counts after the room list.
    let mut tablet = Client::connect_as(&engine, 256, laptop_speaker(&engine, "ann").await);
    tablet.send(ClientEvent::Hello { nickname: "ann".into(), password: None });
    assert!(matches!(tablet.next().await, ServerEvent::Welcome { .. }));
    assert!(matches!(tablet.next().await, ServerEvent::Rooms { .. }));
    match tablet.next().await {
        ServerEvent::Unread { rooms } => {
            assert_eq!(
                rooms,
                [protocol::Unread { room: "general".into(), read: 3, last: 4, unread: 1, mentions: 1 }]
            )
        }
        other => panic!("{other:?}"),
    }
}

async fn laptop_speaker(engine: &Engine, nickname: &str) -> Option<Speaker> {
    Some(engine.users().find(nickname).await.unwrap().unwrap().into())
}

#[tokio::test]
async fn search_finds_what_the_reader_may_read_and_nothing_deleted() {
    let (_dir, engine) = engine().await;
    let mut ann = Client::signed_in(&engine, "ann").await;
    ann.join("general", None).await;
    let ann_speaker = laptop_speaker(&engine, "ann").await.unwrap();
    engine.post(&ann_speaker, "general", "g1", "Моя собака гуляет", None).await.unwrap();
    engine.post(&ann_speaker, "general", "g2", "今天天气很好", None).await.unwrap();
    engine.create_room(&ann_speaker, "secret", true).await.unwrap();
    engine.post(&ann_speaker, "secret", "s1", "секретная собака", None).await.unwrap();
    let mut bob = Client::connect(&engine, 256);
    bob.hello("bob").await;
    bob.send(ClientEvent::Search { query: "собаки".into(), room: None, before: None });
    match bob.next_significant().await {
        ServerEvent::SearchResults { hits, next, .. } => {
            assert_eq!(hits.len(), 1, "{hits:?}");
            assert_eq!(hits[0].message.text, "Моя собака гуляет");
            assert_eq!(hits[0].highlights, [[7, 19]]);
            assert_eq!(next, None);
        }
        other => panic!("{other:?}"),
    }
    // Ann is in the private room: she finds both, newest first.
    ann.send(ClientEvent::Search { query: "собака".into(), room: None, before: None });
    let hits = loop {
        if let ServerEvent::SearchResults { hits, .. } = ann.next_significant().await {
            break hits;
        }
    };
    assert_eq!(hits.iter().map(|h| h.message.room.as_str()).collect::<Vec<_>>(), ["secret", "general"]);
    // Bob asking for the private room by name is told it does not exist.
    bob.send(ClientEvent::Search { query: "собака".into(), room: Some("secret".into()), before: None });
    assert!(matches!(bob.next_significant().await, ServerEvent::Error { code: ErrorCode::UnknownRoom, .. }));
    bob.send(ClientEvent::Search { query: " ?! ".into(), room: None, before: None });
    assert!(matches!(bob.next_significant().await, ServerEvent::Error { code: ErrorCode::InvalidQuery, .. }));
    // A deleted message is not found, at once.
    let deleted = engine.submit_change(&ann_speaker, "general", 2, crate::Request::Delete).await.unwrap();
    deleted.await.unwrap();
    bob.send(ClientEvent::Search { query: "天气".into(), room: None, before: None });
    assert!(
        matches!(bob.next_significant().await, ServerEvent::SearchResults { hits, .. } if hits.is_empty())
    );
}
