use super::*;

fn message(seq: u64, author: &str, client_id: &str) -> Message {
    Message {
        room: "general".into(),
        seq,
        client_id: client_id.into(),
        author: author.into(),
        text: format!("m{seq}"),
        sent_at: 0,
        mood: 0.0,
        lang: None,
        ..Message::default()
    }
}

/// A tab showing `general` with `messages` server rendered, as "ann".
fn live(messages: Vec<Message>) -> Live {
    let live = Live::new();
    live.adopt(&RoomView {
        room: "general".into(),
        nickname: Some("ann".into()),
        protected: false,
        messages,
        has_more: false,
        last: 0,
        rooms: vec![RoomInfo::public("general", 0)],
        form_client_id: "f".into(),
        max_file_bytes: 25 << 20,
    });
    live
}

fn seqs(live: &Live) -> Vec<u64> {
    live.room("general").messages.get_untracked().iter().map(|m| m.seq).collect()
}

/// Signals live in a reactive owner (its arena is sandboxed on the server).
fn owned(test: impl FnOnce()) {
    Owner::new().with(test)
}

#[test]
fn replays_and_live_messages_are_added_once_in_order() {
    owned(|| {
        let live = live(vec![message(1, "bob", "b1"), message(2, "bob", "b2")]);
        live.apply(ServerEvent::History {
            room: "general".into(),
            messages: vec![message(2, "bob", "b2"), message(3, "bob", "b3")],
            has_more: true,
            changes: Vec::new(),
            last: 0,
        });
        live.apply(ServerEvent::Message(message(3, "bob", "b3")));
        live.apply(ServerEvent::Message(message(4, "bob", "b4")));
        assert_eq!(seqs(&live), vec![1, 2, 3, 4]);
    })
}

#[test]
fn own_messages_leave_the_outbox_when_they_come_back() {
    owned(|| {
        let live = live(vec![]);
        live.send("hello").unwrap();
        live.send("again").unwrap();
        let state = live.room("general");
        let pending = state.pending.get_untracked();
        assert_eq!(pending.len(), 2);
        // The connection opens with hello, join from the last seq, then the unsent messages.
        let frames = live.opening_frames();
        assert_eq!(frames[1], ClientEvent::Join { room: "general".into(), since: Some(0) });
        assert!(
            matches!(&frames[2], ClientEvent::Send { client_id, .. } if *client_id == pending[0].client_id)
        );
        live.apply(ServerEvent::Message(message(1, "ann", &pending[0].client_id)));
        assert_eq!(state.pending.get_untracked(), vec![pending[1].clone()]);
        // Someone else's message with the same id does not retire ours.
        live.apply(ServerEvent::Message(message(2, "bob", &pending[1].client_id)));
        assert_eq!(state.pending.get_untracked().len(), 1);
    })
}

#[test]
fn refused_messages_leave_the_outbox_with_a_notice() {
    owned(|| {
        let live = live(vec![]);
        assert!(live.send("   ").is_err());
        live.send("hi").unwrap();
        let state = live.room("general");
        let id = state.pending.get_untracked()[0].client_id.clone();
        live.apply(ServerEvent::Error {
            code: protocol::ErrorCode::StoreUnavailable,
            message: "not saved".into(),
            client_id: Some(id),
            room: None,
            seq: None,
        });
        assert!(state.pending.get_untracked().is_empty());
        assert_eq!(live.notice.get_untracked().as_deref(), Some("not saved"));
    })
}

#[test]
fn unread_counts_others_messages_after_the_last_read() {
    owned(|| {
        let live = live(vec![message(1, "bob", "b1")]);
        live.mark_read("general");
        live.apply(ServerEvent::Message(message(2, "bob", "b2")));
        live.apply(ServerEvent::Message(message(3, "ann", "a3")));
        live.apply(ServerEvent::Message(message(4, "cat", "c4")));
        assert_eq!(live.unread_count("general"), 2);
        live.mark_read("general");
        assert_eq!(live.unread_count("general"), 0);
    })
}

#[test]
fn older_pages_are_prepended_once() {
    owned(|| {
        let live = live(vec![message(51, "bob", "b51"), message(52, "bob", "b52")]);
        live.apply(ServerEvent::Older {
            room: "general".into(),
            messages: vec![message(49, "bob", "b49"), message(50, "bob", "b50")],
            has_more: false,
        });
        live.apply(ServerEvent::Older {
            room: "general".into(),
            messages: vec![message(50, "bob", "b50")],
            has_more: false,
        });
        assert_eq!(seqs(&live), vec![49, 50, 51, 52]);
        assert!(!live.room("general").has_more.get_untracked());
    })
}

#[test]
fn typists_and_members_follow_the_room() {
    owned(|| {
        let live = live(vec![]);
        let state = live.room("general");
        live.apply(ServerEvent::Members { room: "general".into(), members: vec!["ann".into()], count: 1 });
        live.apply(presence(&["bob"], &[], 2));
        assert_eq!(state.members.get_untracked(), vec!["ann".to_string(), "bob".to_string()]);
        assert_eq!(state.count.get_untracked(), 2);
        assert_eq!(state.system.get_untracked()[0].text(), "bob joined");
        live.apply(ServerEvent::Typing {
            room: "general".into(),
            author: "bob".into(),
            draft: Some("he".into()),
        });
        live.apply(ServerEvent::Typing {
            room: "general".into(),
            author: "bob".into(),
            draft: Some("hel".into()),
        });
        live.apply(ServerEvent::Typing {
            room: "general".into(),
            author: "ann".into(),
            draft: Some("own".into()),
        });
        let typists = state.typists.get_untracked();
        assert_eq!(typists.len(), 1);
        assert_eq!(typists[0].draft.as_deref(), Some("hel"));
        // Bob's message replaces his draft.
        live.apply(ServerEvent::Message(message(1, "bob", "b1")));
        assert!(state.typists.get_untracked().is_empty());
        live.apply(presence(&[], &["bob"], 1));
        assert_eq!(state.members.get_untracked(), vec!["ann".to_string()]);
        assert_eq!(state.system.get_untracked()[1].text(), "bob left");
        assert_eq!(state.count.get_untracked(), 1);
    })
}

fn presence(joined: &[&str], left: &[&str], count: u32) -> ServerEvent {
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    ServerEvent::Presence { room: "general".into(), joined: names(joined), left: names(left), count }
}

#[test]
fn a_big_room_shows_its_count_and_pages_without_lines() {
    owned(|| {
        let live = live(vec![]);
        let state = live.room("general");
        let page = |from: usize| (from..from + 100).map(|i| format!("p{i:04}")).collect::<Vec<_>>();
        live.apply(ServerEvent::Members { room: "general".into(), members: page(0), count: 900 });
        assert_eq!((state.members.get_untracked().len(), state.count.get_untracked()), (100, 900));
        live.apply(presence(&[], &[], 901));
        assert_eq!(state.count.get_untracked(), 901);
        assert!(state.system.get_untracked().is_empty(), "no lines in a big room");
        // A page that overlaps what is listed adds only the new names, in order.
        let members = page(50);
        live.apply(ServerEvent::MemberPage { room: "general".into(), members, has_more: true, count: 901 });
        let listed = state.members.get_untracked();
        assert_eq!(listed, page(0).into_iter().chain(page(100).into_iter().take(50)).collect::<Vec<_>>());
    })
}

#[test]
fn rooms_outlive_the_view_that_first_asked_for_them() {
    owned(|| {
        let live = live(vec![]);
        // A route's view asks for a room, then is torn down by a navigation.
        let route = Owner::new();
        route.with(|| live.room("rust").members.set(vec!["bob".into()]));
        drop(route);
        assert_eq!(live.room("rust").members.get_untracked(), vec!["bob".to_string()]);
    })
}

#[test]
fn private_rooms_update_in_place_and_are_forgotten_when_the_reader_is_removed() {
    owned(|| {
        let live = live(vec![]);
        let secret = RoomInfo {
            kind: protocol::RoomKind::Private,
            owner: Some("bob".into()),
            members: vec!["ann".into(), "bob".into()],
            ..RoomInfo::public("secret", 1)
        };
        live.apply(ServerEvent::RoomCreated { room: secret.clone() });
        let more = RoomInfo { members: vec!["ann".into(), "bob".into(), "cat".into()], ..secret.clone() };
        live.apply(ServerEvent::RoomCreated { room: more.clone() });
        assert_eq!(live.rooms.get_untracked(), vec![RoomInfo::public("general", 0), more]);

        // On screen and followed, then removed: forgotten, and the page is told to leave it.
        live.adopt(&RoomView {
            room: "secret".into(),
            nickname: Some("ann".into()),
            protected: false,
            messages: vec![],
            has_more: false,
            last: 0,
            rooms: vec![],
            form_client_id: "f".into(),
            max_file_bytes: 25 << 20,
        });
        assert!(live.joined.get_untracked().contains(&"secret".to_owned()));
        live.apply(ServerEvent::Removed { room: "secret".into() });
        assert!(!live.joined.get_untracked().contains(&"secret".to_owned()));
        assert_eq!(live.rooms.get_untracked(), vec![RoomInfo::public("general", 0)]);
        assert_eq!(live.evicted.get_untracked().as_deref(), Some("secret"));

        // A followed room refused on reconnect (removed while away) is forgotten too.
        live.apply(ServerEvent::RoomCreated { room: secret });
        live.join_room("secret");
        live.apply(ServerEvent::Error {
            code: protocol::ErrorCode::UnknownRoom,
            message: "There is no room called \"secret\".".into(),
            client_id: None,
            room: Some("secret".into()),
            seq: None,
        });
        assert!(!live.joined.get_untracked().contains(&"secret".to_owned()));
    })
}

#[test]
fn a_message_refused_as_too_fast_stays_pending() {
    owned(|| {
        let live = live(vec![]);
        live.send("hi").unwrap();
        let state = live.room("general");
        let id = state.pending.get_untracked()[0].client_id.clone();
        live.apply(ServerEvent::Error {
            code: protocol::ErrorCode::RateLimited,
            message: "Slow down: at most 10 messages a second.".into(),
            client_id: Some(id.clone()),
            room: None,
            seq: None,
        });
        assert_eq!(state.pending.get_untracked()[0].client_id, id);
        assert!(live.notice.get_untracked().unwrap().starts_with("Slow down"));
    })
}
