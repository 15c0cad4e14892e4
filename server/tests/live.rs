//! The live protocol against the real server: order, acks, dedupe, history, restarts.

mod support;

use protocol::{ClientEvent, ServerEvent};
use std::time::Duration;
use support::Server;

#[tokio::test]
async fn messages_reach_everyone_in_order_and_the_sender_gets_acks() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, history) = server.joined("ann", "general").await;
    assert!(history.is_empty());
    let (mut bob, _) = server.joined("bob", "general").await;

    for i in 1..=20 {
        ann.say("general", &format!("ann-{i}"), &format!("message {i}")).await;
    }
    let mut acks = Vec::new();
    let mut ann_seen = Vec::new();
    while acks.len() < 20 || ann_seen.len() < 20 {
        match ann.next().await {
            ServerEvent::Ack { client_id, seq, .. } => acks.push((client_id, seq)),
            ServerEvent::Message(m) => ann_seen.push(m.seq),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ann_seen, (1..=20).collect::<Vec<_>>());
    acks.sort_by_key(|(_, seq)| *seq);
    for (i, (client_id, seq)) in acks.iter().enumerate() {
        assert_eq!((client_id.as_str(), *seq), (format!("ann-{}", i + 1).as_str(), i as u64 + 1));
    }
    for want in 1..=20u64 {
        match bob.next().await {
            ServerEvent::Message(m) => {
                assert_eq!(m.seq, want);
                assert_eq!(m.author, "ann");
                assert_eq!(m.text, format!("message {want}"));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_resent_client_id_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;
    ann.say("general", "same-id", "hello").await;
    ann.say("general", "same-id", "hello").await;
    let mut acks = Vec::new();
    while acks.len() < 2 {
        if let ServerEvent::Ack { seq, .. } = ann.next().await {
            acks.push(seq);
        }
    }
    assert_eq!(acks, vec![1, 1]);
    assert!(matches!(bob.next().await, ServerEvent::Message(m) if m.seq == 1));
    assert_eq!(
        bob.try_next(Duration::from_millis(500)).await,
        None,
        "the resend must not be delivered again"
    );
    let (_, history) = server.joined("cat", "general").await;
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn history_survives_a_crash_and_joins_resume_from_since() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    for i in 1..=60 {
        ann.say("general", &format!("c{i}"), &format!("m{i}")).await;
    }
    let mut acked = 0;
    while acked < 60 {
        if let ServerEvent::Ack { .. } = ann.next().await {
            acked += 1;
        }
    }
    server.kill();

    let server = Server::start(dir.path());
    // A new joiner gets the last 50, and knows there is more.
    let mut bob = server.hello("bob").await;
    bob.send(&ClientEvent::Join { room: "general".into(), since: None }).await;
    match bob.next().await {
        ServerEvent::History { messages, has_more, .. } => {
            assert_eq!(messages.iter().map(|m| m.seq).collect::<Vec<_>>(), (11..=60).collect::<Vec<_>>());
            assert_eq!(messages.last().unwrap().text, "m60");
            assert!(has_more);
        }
        other => panic!("{other:?}"),
    }
    // A returning client gets exactly what it missed.
    let mut ann = server.hello("ann").await;
    ann.send(&ClientEvent::Join { room: "general".into(), since: Some(57) }).await;
    match ann.next().await {
        ServerEvent::History { messages, .. } => {
            assert_eq!(messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![58, 59, 60])
        }
        other => panic!("{other:?}"),
    }
    // And the sequence continues after the restart.
    ann.say("general", "after-restart", "still here").await;
    assert!(matches!(bob.next().await, ServerEvent::Message(m) if m.seq == 61));
}

#[tokio::test]
async fn rooms_are_separate() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    ann.send(&ClientEvent::CreateRoom { room: "random".into(), private: false }).await;
    assert!(matches!(ann.next().await, ServerEvent::RoomCreated { .. }));
    let (mut bob, _) = server.joined("bob", "random").await;
    ann.say("general", "g1", "in general").await;
    bob.say("random", "r1", "in random").await;
    // Bob gets his own message and its ack (in either order) and nothing from general.
    let got = bob.echo_and_ack().await;
    assert!(matches!(&got[0], ServerEvent::Message(m) if m.room == "random" && m.seq == 1));
    assert!(matches!(&got[1], ServerEvent::Ack { room, seq: 1, .. } if room == "random"));
    assert_eq!(bob.try_next(Duration::from_millis(300)).await, None);
    let _ = ann.next().await;
}

#[tokio::test]
async fn messages_carry_their_mood() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;
    ann.say("general", "happy", "What a great day, I love it! 😀").await;
    ann.say("general", "sad", "This is awful, I hate it :(").await;
    let mut moods = Vec::new();
    while moods.len() < 2 {
        if let ServerEvent::Message(m) = bob.next().await {
            moods.push(protocol::Mood::of(m.mood));
        }
    }
    assert_eq!(moods, vec![protocol::Mood::Positive, protocol::Mood::Negative]);
    let _ = ann.next().await;
}

#[tokio::test]
async fn ping_is_answered_by_pong_before_and_after_hello() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut anonymous = server.connect().await;
    anonymous.send(&ClientEvent::Ping).await;
    assert_eq!(anonymous.next().await, ServerEvent::Pong);
    let (mut ann, _) = server.joined("ann", "general").await;
    ann.send(&ClientEvent::Ping).await;
    assert_eq!(ann.next().await, ServerEvent::Pong);
    // A ping is not a message: nobody else hears of it.
    let (mut bob, _) = server.joined("bob", "general").await;
    ann.send(&ClientEvent::Ping).await;
    assert_eq!(ann.next().await, ServerEvent::Pong);
    assert_eq!(bob.try_next(Duration::from_millis(300)).await, None);
}
