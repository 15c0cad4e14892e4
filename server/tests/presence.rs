//! Presence, live typing and resume against the real server.

mod support;

use protocol::{ClientEvent, ServerEvent};
use std::time::{Duration, Instant};
use support::{Client, Server};

#[tokio::test]
async fn presence_counts_people_once_and_drafts_reach_only_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut bob, _) = server.joined("bob", "general").await;
    assert_eq!(
        bob.next_raw().await,
        ServerEvent::Members { room: "general".into(), members: vec!["bob".into()], count: 1 }
    );
    assert_eq!(bob.next_raw().await, presence(&["bob"], &[], 1));

    let (mut ann1, _) = server.joined("ann", "general").await;
    assert_eq!(bob.next_raw().await, presence(&["ann"], &[], 2));
    let (ann2, _) = server.joined("ann", "general").await;
    // A second tab is not a second arrival.
    assert_eq!(bob.try_next_raw(Duration::from_millis(600)).await, None);

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
        if support::left(&event, "ann") {
            break assert!(matches!(event, ServerEvent::Presence { count: 2, .. }), "{event:?}");
        }
    }
}

/// A `presence` event of `general`.
fn presence(joined: &[&str], left: &[&str], count: u32) -> ServerEvent {
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    ServerEvent::Presence { room: "general".into(), joined: names(joined), left: names(left), count }
}

/// Joins `general` and returns the `members` answer's list and count.
async fn members_on_join(client: &mut Client) -> (Vec<String>, u32) {
    client.send(&ClientEvent::Join { room: "general".into(), since: None }).await;
    loop {
        match client.next_raw().await {
            ServerEvent::Members { members, count, .. } => return (members, count),
            ServerEvent::History { .. } | ServerEvent::Presence { .. } => {}
            other => panic!("{other:?}"),
        }
    }
}

/// Everyone in `general`, page by page of at most `limit` (`list_members`).
async fn page_through(client: &mut Client, limit: u32) -> (Vec<String>, u32) {
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        client
            .send(&ClientEvent::ListMembers {
                room: "general".into(),
                after: after.clone(),
                limit: Some(limit),
            })
            .await;
        let (members, has_more, count) = loop {
            match client.next_raw().await {
                ServerEvent::MemberPage { members, has_more, count, .. } => break (members, has_more, count),
                ServerEvent::Presence { .. } => {}
                other => panic!("{other:?}"),
            }
        };
        assert!(members.len() <= limit.min(protocol::MEMBER_PAGE as u32) as usize);
        after = members.last().cloned();
        all.extend(members);
        if !has_more {
            return (all, count);
        }
    }
}

/// Reads `presence` events until `want` people are present; returns every name announced
/// as joined (in order, repeats kept), as left, and how many events it took.
async fn presence_until(client: &mut Client, want: u32) -> (Vec<String>, Vec<String>, usize) {
    let (mut joined, mut left, mut events) = (Vec::new(), Vec::new(), 0);
    loop {
        match client.next_raw().await {
            ServerEvent::Presence { joined: j, left: l, count, .. } => {
                events += 1;
                joined.extend(j);
                left.extend(l);
                if count == want {
                    return (joined, left, events);
                }
            }
            ServerEvent::Members { .. } => {}
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn after_coalescing_everyone_present_is_listed_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut obs, _) = server.joined("obs", "general").await;
    assert!(matches!(obs.next_raw().await, ServerEvent::Members { .. }));
    assert_eq!(obs.next_raw().await, presence(&["obs"], &[], 1));
    // 20 people arrive at once, every fourth with a second tab.
    let names: Vec<String> = (0..20).map(|i| format!("p{i:02}")).collect();
    let mut tabs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        tabs.push(server.joined(name, "general").await.0);
        if i % 4 == 0 {
            tabs.push(server.joined(name, "general").await.0);
        }
    }
    let (mut joined, left, events) = presence_until(&mut obs, 21).await;
    joined.sort();
    assert_eq!(joined, names, "each arrival announced once");
    assert!(left.is_empty());
    assert!(events < 20, "{events} presence events for 20 arrivals: not coalesced");
    assert_eq!(obs.try_next_raw(Duration::from_millis(600)).await, None, "no more presence");

    // A newcomer is told everyone once, sorted; paging gives the same.
    let mut everyone: Vec<String> = names.clone();
    everyone.extend(["new".to_string(), "obs".to_string()]);
    everyone.sort();
    let mut new = server.hello("new").await;
    assert_eq!(members_on_join(&mut new).await, (everyone.clone(), 22));
    assert_eq!(page_through(&mut new, 5).await, (everyone, 22));
}

#[tokio::test]
async fn a_person_who_left_is_gone_within_the_period_and_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut bob, _) = server.joined("bob", "general").await;
    let (ann, _) = server.joined("ann", "general").await;
    presence_until(&mut bob, 2).await;
    ann.close().await;
    let closed = Instant::now();
    let event = bob.next_raw().await;
    let gone = closed.elapsed();
    assert_eq!(event, presence(&[], &["ann"], 1));
    let most = Duration::from_secs(3) + Duration::from_millis(protocol::PRESENCE_PERIOD_MS + 400);
    assert!((Duration::from_millis(2900)..most).contains(&gone), "ann left {gone:?} after closing");
    let mut cat = server.hello("cat").await;
    assert_eq!(members_on_join(&mut cat).await, (vec!["bob".into(), "cat".into()], 2));
}

#[tokio::test]
async fn a_reconnect_within_the_grace_is_not_a_leave() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut bob, _) = server.joined("bob", "general").await;
    let (ann, _) = server.joined("ann", "general").await;
    presence_until(&mut bob, 2).await;
    ann.close().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut ann = server.hello("ann").await;
    assert_eq!(members_on_join(&mut ann).await, (vec!["ann".into(), "bob".into()], 2));
    // Past the grace and the period since she closed: nothing was announced.
    assert_eq!(bob.try_next_raw(Duration::from_millis(3500)).await, None);
}

#[tokio::test]
async fn a_big_room_sends_counts_and_pages_its_list() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut obs, _) = server.joined("obs", "general").await;
    let crowd = protocol::BIG_ROOM + 10;
    let mut people = Vec::new();
    for i in 0..crowd {
        people.push(server.joined(&format!("p{i:04}"), "general").await.0);
    }
    let everyone = crowd as u32 + 1;
    // Names while the room is small, then only the count.
    let mut last_names = 0;
    let mut counts = Vec::new();
    loop {
        match obs.next_raw().await {
            ServerEvent::Presence { joined, left, count, .. } => {
                assert!(left.is_empty());
                if count as usize <= protocol::BIG_ROOM {
                    assert!(!joined.is_empty(), "a small room names who came");
                    last_names = count;
                } else {
                    assert!(joined.is_empty(), "{} names in a room of {count}", joined.len());
                }
                counts.push(count);
                if count == everyone {
                    break;
                }
            }
            ServerEvent::Members { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
    assert!(last_names > 0);

    // A newcomer gets the first page and the count, then pages through everyone once.
    let mut new = server.hello("new").await;
    let (first, count) = members_on_join(&mut new).await;
    assert_eq!(count, everyone + 1);
    assert_eq!(first.len(), protocol::MEMBER_PAGE);
    let (all, count) = page_through(&mut new, 1000).await;
    assert_eq!(count, everyone + 1);
    let mut want: Vec<String> = (0..crowd).map(|i| format!("p{i:04}")).collect();
    want.extend(["new".to_string(), "obs".to_string()]);
    want.sort();
    assert_eq!(first[..], want[..protocol::MEMBER_PAGE]);
    assert_eq!(all, want);

    // Someone leaving changes the count only.
    people.pop().unwrap().close().await;
    loop {
        if let ServerEvent::Presence { joined, left, count, .. } = obs.next_raw().await {
            if count == everyone + 1 {
                continue; // the newcomer's arrival
            }
            break assert_eq!((joined, left, count), (vec![], vec![], everyone));
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
