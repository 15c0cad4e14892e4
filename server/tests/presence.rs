//! Presence, live typing and resume against the real server.

mod support;

use protocol::{ClientEvent, ServerEvent};
use std::time::Duration;
use support::Server;

#[tokio::test]
async fn presence_counts_people_once_and_drafts_reach_only_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut bob, _) = server.joined("bob", "general").await;
    assert_eq!(
        bob.next_raw().await,
        ServerEvent::Members { room: "general".into(), members: vec!["bob".into()] }
    );
    assert!(matches!(bob.next_raw().await, ServerEvent::Joined { nickname, .. } if nickname == "bob"));

    let (mut ann1, _) = server.joined("ann", "general").await;
    assert_eq!(bob.next_raw().await, ServerEvent::Joined { room: "general".into(), nickname: "ann".into() });
    let (ann2, _) = server.joined("ann", "general").await;
    // A second tab is not a second arrival.
    assert_eq!(bob.try_next_raw(Duration::from_millis(300)).await, None);

    ann1.send(&ClientEvent::Typing { room: "general".into(), draft: Some("hel".into()) }).await;
    assert_eq!(
        bob.next_raw().await,
        ServerEvent::Typing { room: "general".into(), author: "ann".into(), draft: Some("hel".into()) }
    );
    // Someone in another room never hears it.
    let (mut cat, _) = server.joined("cat", "general").await;
    cat.send(&ClientEvent::CreateRoom { room: "side".into(), private: false }).await;
    assert!(matches!(cat.next().await, ServerEvent::RoomCreated { .. }));
    let (mut dan, _) = server.joined("dan", "side").await;
    ann1.send(&ClientEvent::Typing { room: "general".into(), draft: Some("hello".into()) }).await;
    assert!(dan.try_next(Duration::from_millis(300)).await.is_none());
    assert!(matches!(cat.next().await, ServerEvent::Typing { .. }));

    // Closing both of Ann's connections makes her leave (after the grace period).
    ann1.close().await;
    ann2.close().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let event = bob.try_next_raw(deadline - tokio::time::Instant::now()).await.expect("ann left");
        if event == (ServerEvent::Left { room: "general".into(), nickname: "ann".into() }) {
            break;
        }
    }
}

#[tokio::test]
async fn a_reconnecting_client_resumes_every_room_without_gap_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    ann.send(&ClientEvent::CreateRoom { room: "side".into(), private: false }).await;
    assert!(matches!(ann.next().await, ServerEvent::RoomCreated { .. }));
    ann.send(&ClientEvent::Join { room: "side".into(), since: None }).await;
    assert!(matches!(ann.next().await, ServerEvent::History { .. }));
    let (mut bob, _) = server.joined("bob", "general").await;
    bob.send(&ClientEvent::Join { room: "side".into(), since: None }).await;
    assert!(matches!(bob.next().await, ServerEvent::History { .. }));
    for (room, i) in [("general", 1), ("side", 1), ("general", 2)] {
        ann.say(room, &format!("{room}-{i}"), "x").await;
    }
    let mut last = std::collections::HashMap::new();
    for _ in 0..3 {
        match bob.next().await {
            ServerEvent::Message(m) => last.insert(m.room.clone(), m.seq),
            other => panic!("{other:?}"),
        };
    }
    bob.close().await;
    // While Bob is away, more happens in both rooms.
    for (room, i) in [("general", 3), ("side", 2), ("side", 3)] {
        ann.say(room, &format!("{room}-{i}"), "x").await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut bob = server.hello("bob").await;
    for room in ["general", "side"] {
        bob.send(&ClientEvent::Join { room: room.into(), since: Some(last[room]) }).await;
    }
    let mut got = Vec::new();
    while got.len() < 3 {
        if let ServerEvent::History { messages, .. } = bob.next().await {
            got.extend(messages.into_iter().map(|m| (m.room, m.seq)));
        }
    }
    got.sort();
    assert_eq!(got, vec![("general".into(), 3), ("side".into(), 2), ("side".into(), 3)]);
    assert_eq!(bob.try_next(Duration::from_millis(300)).await, None);
}
