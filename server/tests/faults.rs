//! Faults against the real server: `kill -9` under full load, again and again, and a store that
//! stops taking writes for a while.

mod support;

use protocol::{ClientEvent, ErrorCode, Message, ServerEvent};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Client, Server};

/// The rooms the senders write to, round robin.
const ROOMS: [&str; 2] = ["general", "crash"];
const SENDERS: usize = 4;
/// Sends each sender keeps in flight (sent, not yet acknowledged).
const IN_FLIGHT: usize = 32;
const CRASHES: usize = 4;

fn text_of(client_id: &str) -> String {
    format!("message {client_id}")
}

/// Starts the server off the async workers (it reads the log synchronously until it listens).
async fn start(dir: &Path) -> Server {
    let dir = dir.to_owned();
    // Senders go flat out: lift the per-connection message limit, which would slow them down.
    tokio::task::spawn_blocking(move || {
        Server::start_with(&dir, &["--max-messages-per-second", "1000000"], "info")
    })
    .await
    .unwrap()
}

/// What one sender saw before the server died under it.
struct Sent {
    nickname: String,
    room: String,
    /// Acknowledged: `(client_id, seq)`.
    acks: Vec<(String, u64)>,
    /// Sent (or about to be) but never acknowledged: maybe stored, maybe not.
    unacked: Vec<String>,
}

/// Posts as fast as the server takes it, `IN_FLIGHT` at a time, until the connection breaks.
async fn send_flat_out(
    mut client: Client,
    nickname: String,
    room: String,
    round: usize,
    acked: Arc<AtomicUsize>,
) -> Sent {
    let mut in_flight = HashSet::new();
    let mut acks = Vec::new();
    let mut n = 0;
    'connection: loop {
        while in_flight.len() < IN_FLIGHT {
            n += 1;
            let client_id = format!("{nickname}-r{round}-{n}");
            let text = text_of(&client_id);
            let event = ClientEvent::Send {
                room: room.clone(),
                client_id: client_id.clone(),
                text,
                reply_to: None,
                attachments: Vec::new(),
            };
            // In flight before the write: whatever the server may have read counts.
            in_flight.insert(client_id);
            if !client.try_send(&event).await {
                break 'connection;
            }
        }
        match client.recv().await {
            None => break,
            Some(ServerEvent::Ack { room: acked_room, client_id, seq }) => {
                assert_eq!(acked_room, room);
                assert!(in_flight.remove(&client_id), "ack for {client_id}, which is not in flight");
                acks.push((client_id, seq));
                acked.fetch_add(1, Ordering::Relaxed);
            }
            Some(ServerEvent::Message(_) | ServerEvent::Presence { .. } | ServerEvent::Members { .. }) => {}
            Some(other) => panic!("{nickname} got {other:?}"),
        }
    }
    Sent { nickname, room, acks, unacked: in_flight.into_iter().collect() }
}

/// Every message of a room, oldest first (a `join` with `since: 0` replays them all).
async fn everything_in(server: &Server, room: &str) -> Vec<Message> {
    let mut reader = server.hello("reader").await;
    reader.send(&ClientEvent::Join { room: room.into(), since: Some(0) }).await;
    let mut all = Vec::new();
    loop {
        match reader.next_raw().await {
            ServerEvent::History { messages, .. } => all.extend(messages),
            ServerEvent::Members { .. } => return all,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_messages_survive_repeated_kill_9_under_full_load() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // (room, client_id) -> seq, for every ack ever received.
    let mut acked: HashMap<(String, String), u64> = HashMap::new();
    // (nickname, room) -> client_ids sent and never acknowledged.
    let mut unacked: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for round in 0..CRASHES {
        let server = start(dir.path()).await;
        if round == 0 {
            let mut setup = server.hello("setup").await;
            setup.send(&ClientEvent::CreateRoom { room: "crash".into(), private: false }).await;
            assert!(matches!(setup.next().await, ServerEvent::RoomCreated { .. }));
        }
        let total = Arc::new(AtomicUsize::new(0));
        let mut senders = Vec::new();
        for i in 0..SENDERS {
            let room = ROOMS[i % ROOMS.len()];
            let nickname = format!("sender{i}");
            let (client, _) = server.joined(&nickname, room).await;
            let total = Arc::clone(&total);
            senders.push(tokio::spawn(send_flat_out(client, nickname, room.into(), round, total)));
        }
        // Full speed for a while, then SIGKILL somewhere in the middle of the stream.
        let target = 150 + 40 * round;
        let deadline = Instant::now() + Duration::from_secs(5);
        while total.load(Ordering::Relaxed) < target {
            assert!(Instant::now() < deadline, "only {} acks in 5 s", total.load(Ordering::Relaxed));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.kill();
        let mut in_flight_at_kill = 0;
        for sender in senders {
            let sent = sender.await.unwrap();
            for (client_id, seq) in sent.acks {
                assert_eq!(acked.insert((sent.room.clone(), client_id), seq), None, "acked twice");
            }
            in_flight_at_kill += sent.unacked.len();
            unacked.entry((sent.nickname, sent.room)).or_default().extend(sent.unacked);
        }
        assert!(in_flight_at_kill > 0, "the kill must land while messages are in flight");
        eprintln!(
            "round {round}: {} acked, {in_flight_at_kill} in flight at the kill",
            total.load(Ordering::Relaxed)
        );
    }

    // The database opened again after every crash (the server started); now resend every
    // unacknowledged message from its sender: each is stored once, whether or not it had
    // reached the disk before the crash.
    let server = start(dir.path()).await;
    let mut last_before: HashMap<&str, u64> = HashMap::new();
    for room in ROOMS {
        last_before.insert(room, everything_in(&server, room).await.last().map_or(0, |m| m.seq));
    }
    let (mut resent, mut stored_before_crash) = (0, 0);
    for ((nickname, room), client_ids) in &unacked {
        let (mut client, _) = server.joined(nickname, room).await;
        for client_id in client_ids {
            client.say(room, client_id, &text_of(client_id)).await;
        }
        let mut waiting: HashSet<&String> = client_ids.iter().collect();
        while !waiting.is_empty() {
            match client.next().await {
                ServerEvent::Ack { client_id, seq, .. } => {
                    assert!(waiting.remove(&client_id), "unexpected ack for {client_id}");
                    if seq <= last_before[room.as_str()] {
                        stored_before_crash += 1;
                    }
                    assert_eq!(acked.insert((room.clone(), client_id), seq), None);
                    resent += 1;
                }
                ServerEvent::Message(_) => {}
                other => panic!("{other:?}"),
            }
        }
    }

    // Every acknowledged message is stored once, with the seq it was acknowledged with, each
    // room's seqs are 1..n, and nothing else is stored.
    let mut stored_total = 0;
    for room in ROOMS {
        let all = everything_in(&server, room).await;
        assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=all.len() as u64).collect::<Vec<_>>());
        let stored: HashMap<(String, String), u64> =
            all.iter().map(|m| ((m.room.clone(), m.client_id.clone()), m.seq)).collect();
        assert_eq!(stored.len(), all.len(), "a client_id stored twice in {room}");
        for m in &all {
            assert_eq!(m.text, text_of(&m.client_id));
        }
        let expected: HashMap<(String, String), u64> =
            acked.iter().filter(|((r, _), _)| r == room).map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(stored, expected, "the history of {room} is not exactly what was acknowledged");
        stored_total += all.len();
    }
    server.kill();

    // And the file itself is sound after the last crash.
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let count: i64 = db.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0)).unwrap();
    assert_eq!(count as usize, stored_total);
    eprintln!(
        "{stored_total} messages after {CRASHES} crashes; {resent} resent, {stored_before_crash} of them \
         had been stored before the crash; {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_locked_store_refuses_with_store_unavailable_serves_others_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;
    ann.say("general", "before", "before the lock").await;
    let got = ann.echo_and_ack().await;
    assert!(matches!(&got, [ServerEvent::Message(_), ServerEvent::Ack { seq: 1, .. }]), "{got:?}");
    assert!(matches!(bob.next().await, ServerEvent::Message(m) if m.seq == 1));

    // Another process holds the database's write lock for longer than the server waits for it
    // (its busy timeout is 5 s), as a stuck backup job would: writes fail, reads go on.
    let locker = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    locker.busy_timeout(Duration::from_secs(5)).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let locked_at = Instant::now();
    ann.say("general", "lost", "said while the store was stuck").await;
    // Once that one is waiting for the lock, two more queue up behind it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ann.say("general", "queued-1", "first in the queue").await;
    ann.say("general", "queued-2", "second in the queue").await;

    // Meanwhile everyone else is served: a newcomer joins and reads the history, typing flows.
    let (mut cat, history) = server.joined("cat", "general").await;
    assert_eq!(history.iter().map(|m| m.seq).collect::<Vec<_>>(), [1]);
    bob.send(&ClientEvent::Typing { room: "general".into(), draft: Some("hm".into()) }).await;
    assert!(matches!(ann.next().await, ServerEvent::Typing { author, .. } if author == "bob"));
    assert!(matches!(cat.next().await, ServerEvent::Typing { author, .. } if author == "bob"));

    // The sender is told that message was not saved; nobody else hears of it.
    match ann.next().await {
        ServerEvent::Error { code: ErrorCode::StoreUnavailable, message, client_id, .. } => {
            assert_eq!(client_id.as_deref(), Some("lost"));
            assert!(message.contains("could not be saved"), "{message}");
        }
        other => panic!("expected store_unavailable, got {other:?}"),
    }
    assert!(locked_at.elapsed() >= Duration::from_secs(4), "failed before the busy timeout");
    drop(locker);

    // The store is back: what queued behind the failure is stored, the resend too, no gap.
    ann.say("general", "lost", "said while the store was stuck").await;
    let mut acks = BTreeMap::new();
    while acks.len() < 3 {
        match ann.next().await {
            ServerEvent::Ack { client_id, seq, .. } => assert_eq!(acks.insert(seq, client_id), None),
            ServerEvent::Message(_) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(acks.keys().copied().collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(acks[&4], "lost");
    for reader in [&mut bob, &mut cat] {
        for want in 2..=4 {
            assert!(matches!(reader.next().await, ServerEvent::Message(m) if m.seq == want));
        }
        assert_eq!(reader.try_next(Duration::from_millis(200)).await, None);
    }
    let all = everything_in(&server, "general").await;
    let ids: Vec<&str> = all.iter().map(|m| m.client_id.as_str()).collect();
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!((ids[0], ids[3]), ("before", "lost"));
}

#[tokio::test]
async fn a_write_failing_part_way_through_a_batch_takes_no_seq() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;
    ann.say("general", "ok", "before the disk filled up").await;
    let got = ann.echo_and_ack().await;
    assert!(matches!(&got, [ServerEvent::Message(_), ServerEvent::Ack { seq: 1, .. }]), "{got:?}");

    // The disk "fills up" at seq 6: a transaction writing it fails after the rows before it in
    // the same batch were written (the server's prepared statements see the new trigger).
    let db = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER disk_full BEFORE INSERT ON messages WHEN NEW.seq >= 6
         BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
    )
    .unwrap();
    // The test holds the write lock while the ten messages queue up, so the writer takes
    // at most the first of them into a batch before it waits; everything after that is one
    // batch, which writes seqs up to 5 and then fails at 6.
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    let ids: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
    for id in &ids {
        ann.say("general", id, &text_of(id)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    db.execute_batch("COMMIT").unwrap();
    let (mut acked, mut failed) = (Vec::new(), Vec::new());
    while acked.len() + failed.len() < ids.len() {
        match ann.next().await {
            ServerEvent::Ack { seq, .. } => acked.push(seq),
            ServerEvent::Error { code: ErrorCode::StoreUnavailable, client_id, .. } => {
                failed.push(client_id.unwrap())
            }
            ServerEvent::Message(_) => {}
            other => panic!("{other:?}"),
        }
    }
    // Only batches that stayed below seq 6 got through, and the batch that failed had
    // written rows before it failed.
    acked.sort();
    assert_eq!(acked, (2..2 + acked.len() as u64).collect::<Vec<_>>());
    assert!(acked.len() < 4, "no batch failed part-way: {acked:?}");

    // Space again: the failed ones are stored with the very next seqs, no gap, once each.
    db.execute_batch("DROP TRIGGER disk_full").unwrap();
    for id in &failed {
        ann.say("general", id, &text_of(id)).await;
    }
    let mut resent = 0;
    while resent < failed.len() {
        match ann.next().await {
            ServerEvent::Ack { .. } => resent += 1,
            ServerEvent::Message(_) => {}
            other => panic!("{other:?}"),
        }
    }
    for want in 1..=11 {
        assert!(matches!(bob.next().await, ServerEvent::Message(m) if m.seq == want));
    }
    assert_eq!(bob.try_next(Duration::from_millis(200)).await, None);
    let all = everything_in(&server, "general").await;
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=11).collect::<Vec<_>>());
    let stored: HashSet<&str> = all.iter().map(|m| m.client_id.as_str()).collect();
    assert_eq!(stored.len(), 11);
}
