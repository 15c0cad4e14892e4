use super::*;

/// A message of `general` (one place to add a field when `Message` grows).
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

fn history(messages: Vec<Message>, has_more: bool) -> ServerEvent {
    ServerEvent::History { room: "general".into(), messages, has_more, changes: Vec::new(), last: 0 }
}

fn welcome() -> ServerEvent {
    ServerEvent::Welcome { nickname: "ann".into() }
}

/// Ann, following `general`, connected, with `messages` received on join.
fn connected(messages: Vec<Message>) -> Core {
    let mut core = Core::new("ann");
    core.follow("general");
    core.connecting();
    core.apply(welcome(), 0.0);
    core.apply(history(messages, false), 0.0);
    core
}

fn seqs(core: &Core) -> Vec<u64> {
    core.room("general").unwrap().messages.iter().map(|m| m.seq).collect()
}

fn pending_ids(core: &Core) -> Vec<String> {
    core.room("general").unwrap().pending.iter().map(|p| p.client_id.clone()).collect()
}

#[test]
fn the_first_connection_says_hello_then_joins_for_the_latest_page() {
    let mut core = Core::new("ann");
    core.set_password(Some("pw".into()));
    assert!(core.follow("general").send.is_empty(), "nothing goes out before a transport opens");
    let open = core.connecting();
    assert_eq!(core.status(), Status::Connecting);
    assert!(open.changes.status);
    assert_eq!(
        open.send,
        vec![
            ClientEvent::Hello { nickname: "ann".into(), password: Some("pw".into()) },
            ClientEvent::Join { room: "general".into(), since: None },
        ]
    );
    let changes = core.apply(welcome(), 0.0);
    assert!(changes.status);
    assert_eq!(core.status(), Status::Connected);
    // Following another room while connected joins it at once.
    assert_eq!(core.follow("rust").send, vec![ClientEvent::Join { room: "rust".into(), since: None }]);
    assert!(core.follow("rust").send.is_empty(), "followed once");
}

#[test]
fn reconnect_resumes_from_the_last_seq_with_no_gap_and_no_duplicate() {
    let mut core = connected(vec![message(1, "bob", "b1"), message(2, "bob", "b2")]);
    core.apply(ServerEvent::Message(message(3, "bob", "b3")), 0.0);
    let (delay, changes) = core.disconnected(10.0, 0.5);
    assert!(changes.status);
    assert_eq!(core.status(), Status::Reconnecting);
    assert_eq!(core.retry_at(), Some(10.0 + delay));
    let open = core.connecting();
    assert_eq!(core.status(), Status::Reconnecting, "until welcomed");
    assert_eq!(open.send[1], ClientEvent::Join { room: "general".into(), since: Some(3) });
    // The server replays from `since`; a live copy of the same message arriving too is dropped.
    core.apply(welcome(), 0.0);
    core.apply(history(vec![message(4, "cat", "c4"), message(5, "bob", "b5")], true), 0.0);
    core.apply(ServerEvent::Message(message(5, "bob", "b5")), 0.0);
    core.apply(ServerEvent::Message(message(3, "bob", "b3")), 0.0);
    core.apply(ServerEvent::Message(message(6, "bob", "b6")), 0.0);
    assert_eq!(seqs(&core), vec![1, 2, 3, 4, 5, 6]);
    assert!(!core.room("general").unwrap().has_more, "a resumed join keeps what the first said");
}

#[test]
fn unacked_messages_are_resent_with_their_client_id_after_a_drop() {
    let mut core = connected(vec![]);
    let sent = core.send("general", "c-1", "  hello ", None).unwrap();
    assert_eq!(
        sent.send,
        vec![ClientEvent::Send {
            room: "general".into(),
            client_id: "c-1".into(),
            text: "hello".into(),
            reply_to: None,
            attachments: Vec::new(),
        }]
    );
    assert!(sent.changes.in_rooms["general"].pending);
    core.disconnected(0.0, 0.0);
    // Sent while away: pending, not sent.
    assert!(core.send("general", "c-2", "again", None).unwrap().send.is_empty());
    let open = core.connecting();
    let resent: Vec<&str> = open
        .send
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Send { client_id, .. } => Some(client_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(resent, vec!["c-1", "c-2"]);
    // The first was stored before the drop: it comes back once in the replay, the second is acked.
    core.apply(welcome(), 0.0);
    core.apply(history(vec![message(1, "ann", "c-1")], false), 0.0);
    assert_eq!(pending_ids(&core), vec!["c-2"]);
    let acked = core.apply(ServerEvent::Ack { room: "general".into(), client_id: "c-2".into(), seq: 2 }, 0.0);
    assert_eq!(acked.acked, vec![("general".to_owned(), "c-2".to_owned(), 2)]);
    assert!(pending_ids(&core).is_empty());
    core.apply(ServerEvent::Message(message(2, "ann", "c-2")), 0.0);
    assert_eq!(seqs(&core), vec![1, 2]);
    // Nothing is left to resend next time.
    core.disconnected(0.0, 0.0);
    assert_eq!(core.connecting().send.len(), 2);
}

#[test]
fn own_messages_leave_the_outbox_only_when_they_are_ours() {
    let mut core = connected(vec![]);
    core.send("general", "a1", "hello", None).unwrap();
    core.send("general", "a2", "again", None).unwrap();
    let changes = core.apply(ServerEvent::Message(message(1, "ann", "a1")), 0.0);
    assert!(changes.in_rooms["general"].pending && changes.in_rooms["general"].messages);
    assert_eq!(pending_ids(&core), vec!["a2"]);
    // Someone else's message with the same id does not retire ours.
    core.apply(ServerEvent::Message(message(2, "bob", "a2")), 0.0);
    assert_eq!(pending_ids(&core), vec!["a2"]);
    assert!(core.send("general", "a3", " \n ", None).is_err());
}

#[test]
fn refused_messages_leave_the_outbox_with_a_notice() {
    let mut core = connected(vec![]);
    core.send("general", "a1", "hi", None).unwrap();
    let changes = core.apply(
        ServerEvent::Error {
            code: ErrorCode::StoreUnavailable,
            message: "not saved".into(),
            client_id: Some("a1".into()),
            room: None,
            seq: None,
        },
        0.0,
    );
    assert!(pending_ids(&core).is_empty());
    assert_eq!(core.notice(), Some("not saved"));
    assert_eq!(changes.refusals[0].code, ErrorCode::StoreUnavailable);
    // Sending again clears the notice.
    assert!(core.send("general", "a2", "hi", None).unwrap().changes.notice);
    assert_eq!(core.notice(), None);
}

#[test]
fn a_message_refused_as_too_fast_is_resent_once_after_a_second() {
    let mut core = connected(vec![]);
    core.send("general", "a1", "hi", None).unwrap();
    core.apply(
        ServerEvent::Error {
            code: ErrorCode::RateLimited,
            message: "Slow down".into(),
            client_id: Some("a1".into()),
            room: None,
            seq: None,
        },
        100.0,
    );
    assert_eq!(pending_ids(&core), vec!["a1"]);
    assert_eq!(core.next_due(), Some(1100.0));
    assert!(core.poll(1099.0).send.is_empty());
    assert_eq!(
        core.poll(1100.0).send,
        vec![ClientEvent::Send {
            room: "general".into(),
            client_id: "a1".into(),
            text: "hi".into(),
            reply_to: None,
            attachments: Vec::new(),
        }]
    );
    assert!(core.poll(5000.0).send.is_empty());
    assert_eq!(core.next_due(), Some(100.0 + KEEPALIVE_IDLE_MS), "only the keepalive is left");
}

#[test]
fn a_duplicate_or_stale_page_changes_nothing() {
    let mut core = connected(vec![message(1, "bob", "b1"), message(2, "bob", "b2")]);
    let changes = core.apply(history(vec![message(1, "bob", "b1"), message(2, "bob", "b2")], false), 0.0);
    assert!(changes.in_rooms.get("general").is_none_or(|c| !c.messages));
    assert!(core.apply(ServerEvent::Message(message(2, "bob", "b2")), 0.0).is_empty());
}

#[test]
fn older_pages_are_prepended_once() {
    let mut core = Core::new("ann");
    core.follow("general");
    core.connecting();
    core.apply(history(vec![message(51, "bob", "b51"), message(52, "bob", "b52")], true), 0.0);
    assert_eq!(
        core.load_older("general").send,
        vec![ClientEvent::LoadOlder { room: "general".into(), before: 51, until: None }]
    );
    assert!(core.load_older("general").send.is_empty(), "one request at a time");
    let older = |messages| ServerEvent::Older { room: "general".into(), messages, has_more: false };
    core.apply(older(vec![message(49, "bob", "b49"), message(50, "bob", "b50")]), 0.0);
    core.apply(older(vec![message(50, "bob", "b50")]), 0.0);
    assert_eq!(seqs(&core), vec![49, 50, 51, 52]);
    assert!(!core.room("general").unwrap().has_more);
    assert!(core.load_older("general").send.is_empty(), "nothing older");
}

#[test]
fn unread_counts_others_messages_after_the_last_read() {
    let mut core = connected(vec![message(1, "bob", "b1")]);
    assert_eq!(core.mark_read("general", 0.0).0, Some(1));
    assert_eq!(core.mark_read("general", 0.0).0, None);
    for m in [message(2, "bob", "b2"), message(3, "ann", "a3"), message(4, "cat", "c4")] {
        core.apply(ServerEvent::Message(m), 0.0);
    }
    assert_eq!(core.unread("general"), 2);
    core.mark_read("general", 0.0);
    assert_eq!(core.unread("general"), 0);
    assert_eq!(core.unread("nowhere"), 0);
}

fn presence(joined: &[&str], left: &[&str], count: u32) -> ServerEvent {
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    ServerEvent::Presence { room: "general".into(), joined: names(joined), left: names(left), count }
}

#[test]
fn a_big_room_keeps_its_count_and_pages_without_lines() {
    let mut core = connected(vec![]);
    let page = |from: usize| (from..from + 100).map(|i| format!("p{i:04}")).collect::<Vec<_>>();
    core.apply(ServerEvent::Members { room: "general".into(), members: page(0), count: 900 }, 0.0);
    let room = core.room("general").unwrap();
    assert_eq!((room.members.len(), room.count), (100, 900));
    core.apply(presence(&[], &[], 901), 0.0);
    let room = core.room("general").unwrap();
    assert_eq!(room.count, 901);
    assert!(room.system.is_empty(), "no lines in a big room");
    assert_eq!(
        core.more_members("general"),
        vec![ClientEvent::ListMembers { room: "general".into(), after: Some("p0099".into()), limit: None }]
    );
    // A page that overlaps what is listed adds only the new names, in order.
    let changes = core.apply(
        ServerEvent::MemberPage { room: "general".into(), members: page(50), has_more: true, count: 901 },
        0.0,
    );
    assert!(changes.in_rooms["general"].members);
    let listed = &core.room("general").unwrap().members;
    assert_eq!(*listed, page(0).into_iter().chain(page(100).into_iter().take(50)).collect::<Vec<_>>());
}

#[test]
fn members_typists_and_system_lines_follow_the_room() {
    let mut core = connected(vec![]);
    core.apply(ServerEvent::Members { room: "general".into(), members: vec!["ann".into()], count: 1 }, 0.0);
    core.apply(presence(&["bob"], &[], 2), 0.0);
    core.apply(presence(&["bob"], &[], 2), 0.0);
    let room = core.room("general").unwrap();
    assert_eq!(room.members, vec!["ann".to_string(), "bob".to_string()]);
    assert_eq!(room.count, 2);
    assert_eq!(room.system.len(), 1);
    assert_eq!(room.system[0].text(), "bob joined");
    let typing = |author: &str, draft: &str| ServerEvent::Typing {
        room: "general".into(),
        author: author.into(),
        draft: Some(draft.into()),
    };
    core.apply(typing("bob", "he"), 1000.0);
    core.apply(typing("bob", "hel"), 2000.0);
    assert!(core.apply(typing("ann", "own"), 2000.0).is_empty(), "our own echo is ignored");
    let typists = &core.room("general").unwrap().typists;
    assert_eq!(typists.len(), 1);
    assert_eq!(typists[0].draft.as_deref(), Some("hel"));
    // Quiet for the timeout: gone.
    assert_eq!(core.next_due(), Some(7000.0));
    assert!(core.poll(6999.0).changes.is_empty());
    assert!(core.poll(7000.0).changes.in_rooms["general"].typists);
    assert!(core.room("general").unwrap().typists.is_empty());
    // A message replaces the draft.
    core.apply(typing("bob", "bye"), 8000.0);
    core.apply(ServerEvent::Message(message(1, "bob", "b1")), 8000.0);
    assert!(core.room("general").unwrap().typists.is_empty());
    core.apply(presence(&[], &["bob"], 1), 0.0);
    let room = core.room("general").unwrap();
    assert_eq!(room.members, vec!["ann".to_string()]);
    assert_eq!(room.count, 1);
    assert_eq!(room.system[1].text(), "bob left");
    assert_eq!(room.system[1].after_seq, 1);
}

#[test]
fn own_typing_is_throttled_and_stops_when_sent_idle_or_dropped() {
    let mut core = connected(vec![]);
    let typing = |d: &str| ClientEvent::Typing { room: "general".into(), draft: Some(d.into()) };
    assert_eq!(core.draft_changed("general", "h", 0.0), vec![typing("h")]);
    assert!(core.draft_changed("general", "hi", 10.0).is_empty());
    assert_eq!(core.next_due(), Some(50.0));
    assert_eq!(core.poll(50.0).send, vec![typing("hi")]);
    assert_eq!(core.poll(5010.0).send, vec![ClientEvent::StopTyping { room: "general".into() }]);
    // Not shared: only that we type.
    core.set_share_drafts(false);
    assert_eq!(
        core.draft_changed("general", "secret", 6000.0),
        vec![ClientEvent::Typing { room: "general".into(), draft: None }]
    );
    assert_eq!(core.stop_typing(), vec![ClientEvent::StopTyping { room: "general".into() }]);
    // A drop forgets it (peers clear it themselves) and nothing is sent while away.
    core.draft_changed("general", "x", 7000.0);
    core.disconnected(7000.0, 0.0);
    assert!(core.draft_changed("general", "xy", 8000.0).is_empty());
    assert!(core.poll(20_000.0).send.is_empty());
}

#[test]
fn private_rooms_update_in_place_and_removed_rooms_are_forgotten() {
    let mut core = connected(vec![]);
    core.apply(ServerEvent::Rooms { rooms: vec![RoomInfo::public("general", 0)] }, 0.0);
    let secret = RoomInfo {
        kind: protocol::RoomKind::Private,
        owner: Some("bob".into()),
        members: vec!["ann".into(), "bob".into()],
        ..RoomInfo::public("secret", 1)
    };
    core.apply(ServerEvent::RoomCreated { room: secret.clone() }, 0.0);
    let more = RoomInfo { members: vec!["ann".into(), "bob".into(), "cat".into()], ..secret.clone() };
    core.apply(ServerEvent::RoomCreated { room: more.clone() }, 0.0);
    assert_eq!(core.rooms(), [RoomInfo::public("general", 0), more]);
    core.follow("secret");
    let changes = core.apply(ServerEvent::Removed { room: "secret".into() }, 0.0);
    assert_eq!(changes.forgotten, vec!["secret".to_owned()]);
    assert!(changes.joined && changes.rooms && changes.notice);
    assert_eq!(core.joined(), ["general".to_owned()]);
    assert_eq!(core.rooms(), [RoomInfo::public("general", 0)]);
    // A followed room refused on rejoin (removed while away) is forgotten too.
    core.apply(ServerEvent::RoomCreated { room: secret }, 0.0);
    core.follow("secret");
    core.disconnected(0.0, 0.0);
    core.connecting();
    let changes = core.apply(
        ServerEvent::Error {
            code: ErrorCode::UnknownRoom,
            message: "There is no room called \"secret\".".into(),
            client_id: None,
            room: Some("secret".into()),
            seq: None,
        },
        0.0,
    );
    assert_eq!(changes.forgotten, vec!["secret".to_owned()]);
    assert_eq!(core.joined(), ["general".to_owned()]);
}

#[test]
fn leaving_a_room_says_so_and_forgets_it() {
    let mut core = connected(vec![message(1, "bob", "b1")]);
    core.follow("rust");
    core.draft_changed("general", "hi", 0.0);
    let left = core.unfollow("general");
    assert_eq!(
        left.send,
        vec![
            ClientEvent::StopTyping { room: "general".into() },
            ClientEvent::Leave { room: "general".into() }
        ]
    );
    assert!(core.room("general").is_none());
    assert_eq!(core.joined(), ["rust".to_owned()]);
    assert!(core.unfollow("general").send.is_empty());
}

#[test]
fn backoff_grows_with_failures_and_a_welcome_resets_it() {
    let mut core = Core::new("ann");
    let delays: Vec<f64> = (0..7)
        .map(|_| {
            core.connecting();
            core.disconnected(0.0, 1.0).0
        })
        .collect();
    assert_eq!(delays, vec![500.0, 1000.0, 2000.0, 4000.0, 8000.0, 10_000.0, 10_000.0]);
    core.connecting();
    core.apply(welcome(), 0.0);
    assert_eq!(core.disconnected(0.0, 1.0).0, 500.0);
    // Others' typing is cleared on a drop: no one will tell us they stopped.
    let mut core = connected(vec![]);
    core.apply(ServerEvent::Typing { room: "general".into(), author: "bob".into(), draft: None }, 0.0);
    assert!(core.disconnected(0.0, 0.0).1.in_rooms["general"].typists);
}

#[test]
fn the_server_spelling_of_the_nickname_wins() {
    let mut core = Core::new("Ann");
    core.connecting();
    assert!(core.apply(ServerEvent::Welcome { nickname: "ann".into() }, 0.0).nickname);
    assert_eq!(core.nickname(), "ann");
}

#[test]
fn a_protected_nickname_says_its_password_on_reconnect() {
    let mut core = connected(vec![]);
    assert_eq!(
        core.protect("correct horse"),
        vec![ClientEvent::Protect { password: "correct horse".into() }]
    );
    // Refused (too short, say): the old hello stays.
    core.apply(
        ServerEvent::Error {
            code: ErrorCode::WrongPassword,
            message: "short".into(),
            client_id: None,
            room: None,
            seq: None,
        },
        0.0,
    );
    let hello = |core: &mut Core| core.connecting().send.into_iter().next();
    core.disconnected(0.0, 0.5);
    assert_eq!(hello(&mut core), Some(ClientEvent::Hello { nickname: "ann".into(), password: None }));
    core.apply(welcome(), 0.0);
    core.protect("correct horse");
    assert!(core.apply(ServerEvent::Protected { nickname: "ann".into() }, 0.0).protected);
    core.disconnected(0.0, 0.5);
    assert_eq!(
        hello(&mut core),
        Some(ClientEvent::Hello { nickname: "ann".into(), password: Some("correct horse".into()) })
    );
}

#[test]
fn a_quiet_connection_is_pinged_and_one_that_never_answers_is_given_up() {
    let mut core = connected(vec![]);
    assert_eq!(core.next_due(), Some(KEEPALIVE_IDLE_MS), "nothing heard since the history at 0");
    assert!(core.poll(KEEPALIVE_IDLE_MS - 1.0).send.is_empty());
    let asked = core.poll(KEEPALIVE_IDLE_MS);
    assert_eq!(asked.send, vec![ClientEvent::Ping]);
    assert!(!asked.changes.silent);
    assert_eq!(core.next_due(), Some(KEEPALIVE_IDLE_MS + KEEPALIVE_GRACE_MS));
    assert!(core.poll(KEEPALIVE_IDLE_MS + 1.0).send.is_empty(), "one ping, not one per poll");
    let gone = core.poll(KEEPALIVE_IDLE_MS + KEEPALIVE_GRACE_MS);
    assert!(gone.changes.silent);
    assert!(gone.send.is_empty());
    // The host closes the transport; the next connection starts afresh.
    core.disconnected(KEEPALIVE_IDLE_MS + KEEPALIVE_GRACE_MS, 0.5);
    assert_eq!(core.next_due(), None, "no keepalive while not connected");
    core.connecting();
    core.apply(welcome(), 100_000.0);
    assert_eq!(core.next_due(), Some(100_000.0 + KEEPALIVE_IDLE_MS));
}

#[test]
fn anything_heard_keeps_the_connection_alive() {
    let mut core = connected(vec![]);
    assert_eq!(core.poll(KEEPALIVE_IDLE_MS).send, vec![ClientEvent::Ping]);
    // The answer (or any other event) came: no give-up, the next ping is a period after it.
    assert!(
        core.apply(ServerEvent::Pong, KEEPALIVE_IDLE_MS + 50.0).is_empty(),
        "a pong changes nothing on screen"
    );
    assert!(!core.poll(KEEPALIVE_IDLE_MS + KEEPALIVE_GRACE_MS).changes.silent);
    assert_eq!(core.next_due(), Some(2.0 * KEEPALIVE_IDLE_MS + 50.0));
    // A busy room is never pinged: each message pushes the ping back.
    core.apply(ServerEvent::Message(message(1, "bob", "b1")), 40_000.0);
    assert_eq!(core.next_due(), Some(40_000.0 + KEEPALIVE_IDLE_MS));
    // A transport-level ping counts too (the terminal client sees the server's).
    core.heard(60_000.0);
    assert_eq!(core.next_due(), Some(60_000.0 + KEEPALIVE_IDLE_MS));
}

fn edit(seq: u64, target: u64, text: &str) -> Change {
    Change::Edited(protocol::Edit {
        room: "general".into(),
        seq,
        target,
        author: "bob".into(),
        text: text.into(),
        edited_at: 7,
        ..protocol::Edit::default()
    })
}

fn react(seq: u64, target: u64, emoji: &str, author: &str, added: bool) -> Change {
    Change::Reaction(protocol::Reaction {
        room: "general".into(),
        seq,
        target,
        emoji: emoji.into(),
        author: author.into(),
        added,
    })
}

fn deletion(seq: u64, target: u64) -> Change {
    Change::Deleted(protocol::Deletion { room: "general".into(), seq, target })
}

fn texts(core: &Core) -> Vec<String> {
    core.room("general").unwrap().messages.iter().map(|m| m.text.clone()).collect()
}

#[test]
fn changes_apply_once_in_order_and_move_the_resume_point() {
    let mut core = connected(vec![message(1, "bob", "b1"), message(2, "bob", "b2")]);
    let changes = core.apply(edit(3, 1, "m1 fixed").into_event(), 0.0);
    assert_eq!(changes.edited, vec![("general".to_owned(), 1)]);
    assert!(changes.in_rooms["general"].messages);
    core.apply(react(4, 2, "👍", "cat", true).into_event(), 0.0);
    // The same change again (a duplicate) changes nothing.
    assert!(core.apply(react(4, 2, "👍", "cat", true).into_event(), 0.0).edited.is_empty());
    core.apply(react(5, 2, "👍", "dan", true).into_event(), 0.0);
    let room = core.room("general").unwrap();
    assert_eq!(room.messages[0].text, "m1 fixed");
    assert_eq!(room.messages[0].edited_at, Some(7));
    assert_eq!(room.messages[1].reactions[0].people, ["cat", "dan"]);
    // A reconnect resumes after the last change, not the last message.
    core.disconnected(0.0, 0.5);
    let open = core.connecting();
    assert!(open.send.contains(&ClientEvent::Join { room: "general".into(), since: Some(5) }));
}

#[test]
fn a_replay_interleaves_changes_with_messages_by_seq() {
    let mut core = connected(vec![message(1, "bob", "b1")]);
    core.disconnected(0.0, 0.5);
    core.connecting();
    core.apply(welcome(), 0.0);
    // While away: 2 a message, 3 an edit of 1, 4 a reaction added to 2 and 5 taken back,
    // 6 a message. Message 2 already shows its state (no reaction).
    let replay = ServerEvent::History {
        room: "general".into(),
        messages: vec![message(2, "cat", "c2"), message(6, "cat", "c6")],
        has_more: true,
        changes: vec![edit(3, 1, "edited"), react(4, 2, "🎉", "dan", true), react(5, 2, "🎉", "dan", false)],
        last: 0,
    };
    core.apply(replay, 0.0);
    assert_eq!(seqs(&core), [1, 2, 6]);
    assert_eq!(texts(&core), ["edited", "m2", "m6"]);
    assert!(core.room("general").unwrap().messages[1].reactions.is_empty());
    assert_eq!(core.room("general").unwrap().since(), Some(6));
}

#[test]
fn a_history_page_resumes_from_its_last_seq() {
    let mut core = Core::new("ann");
    core.follow("general");
    core.connecting();
    core.apply(welcome(), 0.0);
    let page = ServerEvent::History {
        room: "general".into(),
        messages: vec![message(1, "bob", "b1")],
        has_more: false,
        changes: Vec::new(),
        last: 9,
    };
    core.apply(page, 0.0);
    assert_eq!(core.room("general").unwrap().since(), Some(9));
    // Live events go on from there; an older change is a duplicate.
    assert!(core.apply(edit(8, 1, "stale").into_event(), 0.0).edited.is_empty());
    assert_eq!(texts(&core), ["m1"]);
}

#[test]
fn a_deletion_empties_the_message_and_the_quotes_of_its_replies() {
    let mut reply = message(2, "cat", "c2");
    reply.reply_to =
        Some(protocol::Quote { seq: 1, author: "bob".into(), text: "m1".into(), deleted: false });
    let mut core = connected(vec![message(1, "bob", "b1"), reply]);
    core.apply(react(3, 1, "👍", "cat", true).into_event(), 0.0);
    let changes = core.apply(deletion(4, 1).into_event(), 0.0);
    assert_eq!(changes.edited, vec![("general".to_owned(), 1), ("general".to_owned(), 2)]);
    let room = core.room("general").unwrap();
    assert!(
        room.messages[0].deleted && room.messages[0].text.is_empty() && room.messages[0].reactions.is_empty()
    );
    let quote = room.messages[1].reply_to.as_ref().unwrap();
    assert!(quote.deleted && quote.text.is_empty());
    // Reactions and edits of a deleted message change nothing.
    core.apply(react(5, 1, "👍", "dan", true).into_event(), 0.0);
    core.apply(edit(6, 1, "back?").into_event(), 0.0);
    assert_eq!(texts(&core)[0], "");
}

#[test]
fn a_reaction_toggles_by_the_readers_own() {
    let mut core = connected(vec![message(1, "bob", "b1")]);
    let react_event = ClientEvent::React { room: "general".into(), seq: 1, emoji: "👍".into() };
    assert_eq!(core.toggle_reaction("general", 1, "👍"), vec![react_event]);
    core.apply(react(2, 1, "👍", "ann", true).into_event(), 0.0);
    assert_eq!(
        core.toggle_reaction("general", 1, "👍"),
        vec![ClientEvent::Unreact { room: "general".into(), seq: 1, emoji: "👍".into() }]
    );
}

#[test]
fn replies_carry_their_original_through_a_resend() {
    let mut core = connected(vec![message(1, "bob", "b1")]);
    let sent = core.send("general", "r1", "yes", Some(1)).unwrap();
    assert_eq!(
        sent.send,
        vec![ClientEvent::Send {
            room: "general".into(),
            client_id: "r1".into(),
            text: "yes".into(),
            reply_to: Some(1),
            attachments: Vec::new(),
        }]
    );
    core.disconnected(0.0, 0.5);
    let open = core.connecting();
    assert!(open.send.iter().any(|e| matches!(e, ClientEvent::Send { reply_to: Some(1), .. })));
}

#[test]
fn read_positions_go_to_the_server_throttled() {
    let mut core = connected(vec![message(1, "bob", "b1")]);
    let (moved, send) = core.mark_read("general", 1000.0);
    assert_eq!(moved, Some(1));
    assert_eq!(send, vec![ClientEvent::Read { room: "general".into(), seq: 1 }]);
    core.apply(ServerEvent::Message(message(2, "bob", "b2")), 0.0);
    let (moved, send) = core.mark_read("general", 1500.0);
    assert_eq!(moved, Some(2));
    assert!(send.is_empty(), "held back: one a {READ_INTERVAL_MS} ms");
    assert_eq!(core.next_due(), Some(1000.0 + READ_INTERVAL_MS));
    let polled = core.poll(1000.0 + READ_INTERVAL_MS);
    assert_eq!(polled.send, vec![ClientEvent::Read { room: "general".into(), seq: 2 }]);
    assert!(core.poll(10_000.0).send.is_empty(), "sent once");
}

#[test]
fn unread_and_mention_counts_start_from_the_servers_and_go_on_locally() {
    let mut core = Core::new("ann");
    core.follow("general");
    core.connecting();
    core.apply(welcome(), 0.0);
    let counts = |room: &str, read, last, unread, mentions| protocol::Unread {
        room: room.into(),
        read,
        last,
        unread,
        mentions,
    };
    let changes = core.apply(
        ServerEvent::Unread { rooms: vec![counts("general", 10, 100, 80, 2), counts("rust", 5, 9, 4, 1)] },
        0.0,
    );
    assert!(changes.unread);
    assert_eq!((core.unread("rust"), core.mentions("rust")), (4, 1), "a room not followed");
    let page: Vec<Message> = (51..=100).map(|s| message(s, "bob", &format!("b{s}"))).collect();
    core.apply(history(page, true), 0.0);
    assert_eq!((core.unread("general"), core.mentions("general")), (80, 2));
    let mut mention = message(101, "bob", "b101");
    mention.mentions = vec!["ann".into()];
    core.apply(ServerEvent::Message(mention), 0.0);
    let mut everyone = message(102, "cat", "c102");
    everyone.mentions_room = true;
    core.apply(ServerEvent::Message(everyone), 0.0);
    core.apply(ServerEvent::Message(message(103, "ann", "a103")), 0.0);
    assert_eq!((core.unread("general"), core.mentions("general")), (82, 4));
    core.mark_read("general", 0.0);
    assert_eq!((core.unread("general"), core.mentions("general")), (0, 0));
    // Read on another device: this one follows.
    let changes = core.apply(ServerEvent::Message(message(104, "bob", "b104")), 0.0);
    assert!(changes.in_rooms["general"].messages);
    core.apply(ServerEvent::Read { room: "general".into(), seq: 104 }, 0.0);
    assert_eq!(core.unread("general"), 0);
}

#[test]
fn reaching_an_old_message_loads_back_to_it_in_one_page() {
    let page: Vec<Message> = (51..=100).map(|s| message(s, "bob", &format!("b{s}"))).collect();
    let mut core = Core::new("ann");
    core.follow("general");
    core.connecting();
    core.apply(welcome(), 0.0);
    core.apply(history(page, true), 0.0);
    let (held, asked) = core.reach("general", 7);
    assert!(!held);
    assert_eq!(
        asked.send,
        vec![ClientEvent::LoadOlder { room: "general".into(), before: 51, until: Some(7) }]
    );
    assert!(core.reach("general", 7).1.send.is_empty(), "asked once");
    assert!(core.reach("general", 60).0);
}
