use super::*;
use crate::store::ChangeKind;

fn new(room: &str, client_id: &str, author: &str, text: &str) -> NewMessage {
    NewMessage {
        room: room.into(),
        client_id: client_id.into(),
        author: author.into(),
        text: text.into(),
        mood: 0.0,
        lang: None,
        reply_to: None,
        mentions: Vec::new(),
        mentions_room: false,
        attachments: Vec::new(),
    }
}

/// The messages among `events`.
fn messages(events: Vec<ServerEvent>) -> Vec<Message> {
    events
        .into_iter()
        .filter_map(|e| match e {
            ServerEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir, Box::new(|_| {})).unwrap()
}

#[tokio::test]
async fn seqs_are_per_room_and_dense() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 1..=3u64 {
        let a = store.append(new("a", &format!("a{i}"), "ann", "hi")).await.unwrap();
        assert_eq!(a, Appended::New(a.message().clone()));
        assert_eq!(a.message().seq, i);
    }
    let b = store.append(new("b", "b1", "bob", "yo")).await.unwrap();
    assert_eq!(b.message().seq, 1);
}

#[tokio::test]
async fn a_resend_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = store.append(new("a", "same", "ann", "hi")).await.unwrap();
    let again = store.append(new("a", "same", "ann", "hi")).await.unwrap();
    assert_eq!(again, Appended::Duplicate(first.message().clone()));
    assert!(matches!(store.append(new("a", "same", "eve", "x")).await, Err(StoreError::ClientIdTaken)));
    assert_eq!(store.after("a", 0, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn resends_within_one_batch_are_stored_once_and_seqs_stay_dense() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Submitted back to back, these are committed together in one transaction.
    let mut pending = Vec::new();
    for (client_id, author) in [("x", "ann"), ("y", "ann"), ("x", "ann"), ("x", "eve"), ("z", "bob")] {
        pending.push(store.submit(new("a", client_id, author, "hi")).await.unwrap());
    }
    let mut results = Vec::new();
    for answer in pending {
        results.push(answer.await);
    }
    let seqs: Vec<_> = results.iter().map(|r| r.as_ref().ok().map(|a| a.message().seq)).collect();
    assert_eq!(seqs, [Some(1), Some(2), Some(1), None, Some(3)]);
    assert!(matches!(results[2], Ok(Appended::Duplicate(_))));
    assert!(matches!(results[3], Err(StoreError::ClientIdTaken)));
    let stored: Vec<_> =
        messages(store.after("a", 0, 10).await.unwrap()).into_iter().map(|m| m.client_id).collect();
    assert_eq!(stored, ["x", "y", "z"]);
}

#[tokio::test]
async fn checkpoints_keep_the_wal_bounded_under_steady_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let text = "x".repeat(2000);
    // About 120 MB of messages in many commits: the automatic checkpoints (every
    // `WAL_CHECKPOINT_PAGES`) must keep the WAL near that size, not let it grow with the
    // history.
    for round in 0..600 {
        let mut pending = Vec::new();
        for i in 0..100 {
            let message = new(&format!("r{}", i % 10), &format!("{round}-{i}"), "ann", &text);
            pending.push(store.submit(message).await.unwrap());
        }
        for answer in pending {
            answer.await.unwrap();
        }
    }
    let wal = std::fs::metadata(dir.path().join("natter.db-wal")).unwrap().len();
    let limit = WAL_CHECKPOINT_PAGES as u64 * 4096 + (8 << 20);
    assert!(wal < limit, "WAL is {wal} bytes, over {limit}");
}

#[tokio::test]
async fn concurrent_appends_get_distinct_dense_seqs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            // Every tenth is a resend of the one before.
            let id = if i % 10 == 9 { i - 1 } else { i };
            store.append(new("r", &format!("c{id}"), "ann", "x")).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = messages(store.after("r", 0, 1000).await.unwrap());
    assert_eq!(all.len(), 180);
    assert!(all.iter().enumerate().all(|(i, m)| m.seq == i as u64 + 1));
}

#[tokio::test]
async fn history_pages_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        for i in 0..120 {
            store.append(new("a", &format!("c{i}"), "ann", &format!("m{i}"))).await.unwrap();
        }
    }
    let store = open(dir.path());
    let page = store.latest("a", None, None, 50).await.unwrap();
    assert_eq!(page.messages.len(), 50);
    assert!(page.has_more);
    assert_eq!(page.messages.first().unwrap().seq, 71);
    assert_eq!(page.messages.last().unwrap().text, "m119");
    let older = store.latest("a", Some(71), None, 50).await.unwrap();
    assert_eq!(older.messages.last().unwrap().seq, 70);
    let oldest = store.latest("a", Some(21), None, 50).await.unwrap();
    assert_eq!(oldest.messages.len(), 20);
    assert!(!oldest.has_more);
    // Appending continues the sequence after a reopen.
    let next = store.append(new("a", "new", "ann", "x")).await.unwrap();
    assert_eq!(next.message().seq, 121);
}

#[tokio::test]
async fn moods_are_stored_and_old_messages_get_scored_by_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store.append(NewMessage { mood: 0.8, ..new("a", "c1", "ann", "hi") }).await.unwrap();
    }
    assert_eq!(open(dir.path()).latest("a", None, None, 5).await.unwrap().messages[0].mood, 0.8);

    // A database from before moods: roll the schema back to version 2 and reopen.
    let old = tempfile::tempdir().unwrap();
    {
        let mut conn = open_connection(&old.path().join("natter.db")).unwrap();
        migrations().to_version(&mut conn, 2).unwrap();
        conn.execute(
            "INSERT INTO messages (room, seq, client_id, author, text, sent_at) VALUES
             ('general', 1, 'c1', 'ann', 'I love this, it is wonderful!', 0),
             ('general', 2, 'c2', 'ann', 'This is awful and I hate it.', 0)",
            [],
        )
        .unwrap();
    }
    let moods: Vec<f32> = open(old.path())
        .latest("general", None, None, 5)
        .await
        .unwrap()
        .messages
        .iter()
        .map(|m| m.mood)
        .collect();
    assert!(moods[0] > 0.5 && moods[1] < -0.5, "{moods:?}");
}

#[tokio::test]
async fn languages_are_stored_and_old_messages_get_theirs_from_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store.append(NewMessage { lang: Some("pt".into()), ..new("a", "c1", "ann", "oi") }).await.unwrap();
        store.append(new("a", "c2", "ann", "👍")).await.unwrap();
    }
    let page = open(dir.path()).latest("a", None, None, 5).await.unwrap();
    assert_eq!(page.messages.iter().map(|m| m.lang.as_deref()).collect::<Vec<_>>(), [Some("pt"), None]);

    // A database from before languages: roll the schema back to version 5 and reopen.
    let old = tempfile::tempdir().unwrap();
    {
        let mut conn = open_connection(&old.path().join("natter.db")).unwrap();
        migrations().to_version(&mut conn, 5).unwrap();
        conn.execute(
            "INSERT INTO messages (room, seq, client_id, author, text, sent_at, mood) VALUES
             ('general', 1, 'c1', 'ann', 'Ужасно устала, всё бесит', 0, 0),
             ('general', 2, 'c2', 'ann', '太棒了，谢谢你！', 0, 0),
             ('general', 3, 'c3', 'ann', '🎉', 0, 0)",
            [],
        )
        .unwrap();
    }
    let messages = open(old.path()).latest("general", None, None, 5).await.unwrap().messages;
    let got: Vec<_> = messages.iter().map(|m| (m.lang.as_deref(), m.mood.signum())).collect();
    assert_eq!(got, [(Some("ru"), -1.0), (Some("zh"), 1.0), (None, 1.0)]);
}

#[tokio::test]
async fn rooms_are_created_once_and_general_exists() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(
        store.rooms().await.unwrap().iter().map(|r| r.info.name.as_str()).collect::<Vec<_>>(),
        ["general"]
    );
    store.create_room(public("rust")).await.unwrap();
    assert!(matches!(store.create_room(public("rust")).await, Err(StoreError::RoomExists)));
    assert!(matches!(store.create_room(public("general")).await, Err(StoreError::RoomExists)));
    drop(store);
    let store = open(dir.path());
    let names: Vec<_> = store.rooms().await.unwrap().into_iter().map(|r| r.info.name).collect();
    assert_eq!(names, ["general", "rust"]);
}

fn public(name: &str) -> NewRoom {
    NewRoom { name: name.into(), kind: RoomKind::Public, owner: None, members: Vec::new() }
}

#[tokio::test]
async fn private_rooms_keep_their_owner_and_members_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let ann = store.create_user("Ann", "ann", None).await.unwrap().id;
    let bob = store.create_user("Bob", "bob", None).await.unwrap().id;
    let carol = store.create_user("Carol", "carol", None).await.unwrap().id;
    let room =
        NewRoom { name: "secret".into(), kind: RoomKind::Private, owner: Some(ann), members: vec![ann] };
    let created = store.create_room(room).await.unwrap();
    assert_eq!(created.info.owner.as_deref(), Some("Ann"));
    assert_eq!(created.members, [(ann, "Ann".to_owned())]);
    assert!(store.add_member("secret", bob).await.unwrap());
    assert!(!store.add_member("secret", bob).await.unwrap());
    assert!(store.add_member("secret", carol).await.unwrap());
    assert!(store.remove_member("secret", carol).await.unwrap());
    assert!(!store.remove_member("secret", carol).await.unwrap());
    drop(store);
    let store = open(dir.path());
    let secret = store.rooms().await.unwrap().into_iter().find(|r| r.info.name == "secret").unwrap();
    assert_eq!(secret.info.kind, RoomKind::Private);
    assert_eq!(secret.owner, Some(ann));
    assert_eq!(secret.members, [(ann, "Ann".to_owned()), (bob, "Bob".to_owned())]);
    assert_eq!(secret.info.members, ["Ann", "Bob"]);
}

#[tokio::test]
async fn a_failed_batch_stores_nothing_takes_no_seq_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let committed = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&committed);
    let store = Arc::new(
        SqliteStore::open(
            dir.path(),
            Box::new(move |e: ServerEvent| sink.lock().unwrap().push(e.ordered().unwrap().1)),
        )
        .unwrap(),
    );
    for i in 1..=3 {
        store.append(new("a", &format!("ok{i}"), "ann", "x")).await.unwrap();
    }
    // The disk "fills up" at seq 6: a transaction writing it fails as a whole, the rows
    // before it in the same batch included (as SQLITE_FULL part-way through would).
    let other = open_connection(&dir.path().join("natter.db")).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER disk_full BEFORE INSERT ON messages WHEN NEW.seq >= 6
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let append_all = |ids: Vec<String>| {
        let tasks: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { (id.clone(), store.append(new("a", &id, "ann", "x")).await) })
            })
            .collect();
        futures::future::join_all(tasks)
    };
    let mut stored = Vec::new();
    let mut failed = Vec::new();
    for result in append_all((0..20).map(|i| format!("f{i}")).collect()).await {
        match result.unwrap() {
            (_, Ok(Appended::New(m))) => stored.push(m.seq),
            (id, Err(StoreError::Commit(reason))) => {
                assert!(reason.contains("disk full"), "{reason}");
                failed.push(id);
            }
            (id, other) => panic!("{id}: {other:?}"),
        }
    }
    stored.sort();
    // At most seqs 4 and 5 made it; nothing of a failed batch is stored or published.
    assert_eq!(stored, (4..4 + stored.len() as u64).collect::<Vec<_>>());
    assert!(stored.len() <= 2 && failed.len() >= 18, "{stored:?}");
    let last = 3 + stored.len() as u64;
    assert_eq!(store.after("a", 0, 100).await.unwrap().len() as u64, last);
    assert_eq!(*committed.lock().unwrap(), (1..=last).collect::<Vec<_>>());

    // Space again: the same writer stores the retries with the very next seqs.
    other.execute_batch("DROP TRIGGER disk_full").unwrap();
    for result in append_all(failed.clone()).await {
        assert!(matches!(result.unwrap(), (_, Ok(Appended::New(_)))));
    }
    let all = messages(store.after("a", 0, 100).await.unwrap());
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=23).collect::<Vec<_>>());
    assert_eq!(*committed.lock().unwrap(), (1..=23).collect::<Vec<_>>());
    let ids: std::collections::HashSet<_> = all.iter().map(|m| m.client_id.as_str()).collect();
    assert_eq!(ids.len(), 23);
}

#[tokio::test]
async fn on_commit_sees_messages_in_seq_order() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let store = Arc::new(
        SqliteStore::open(
            dir.path(),
            Box::new(move |e: ServerEvent| sink.lock().unwrap().push(e.ordered().unwrap().1)),
        )
        .unwrap(),
    );
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.append(new("a", &format!("c{i}"), "ann", "x")).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(*seen.lock().unwrap(), (1..=50).collect::<Vec<_>>());
}

fn change(room: &str, author: &str, target: u64, what: ChangeKind) -> NewChange {
    NewChange { room: room.into(), author: author.into(), target, what }
}

fn edit_to(text: &str) -> ChangeKind {
    ChangeKind::Edit {
        text: text.into(),
        mood: 0.5,
        lang: Some("en".into()),
        mentions: Vec::new(),
        mentions_room: false,
    }
}

fn react(emoji: &str, added: bool) -> ChangeKind {
    ChangeKind::React { emoji: emoji.into(), added }
}

async fn changed(store: &SqliteStore, new: NewChange) -> Result<Changed, StoreError> {
    store.submit_change(new).await.unwrap().await
}

/// The seq a change was given.
fn seq_of(result: Result<Changed, StoreError>) -> u64 {
    match result {
        Ok(Changed::New(change)) => change.seq(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn changes_take_the_rooms_next_seqs_and_show_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let published = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&published);
    let store = SqliteStore::open(
        dir.path(),
        Box::new(move |e: ServerEvent| sink.lock().unwrap().push(e.ordered().unwrap().1)),
    )
    .unwrap();
    store.append(new("a", "c1", "ann", "helo")).await.unwrap();
    store.append(new("a", "c2", "bob", "hi")).await.unwrap();
    assert_eq!(seq_of(changed(&store, change("a", "ann", 1, edit_to("hello"))).await), 3);
    assert_eq!(seq_of(changed(&store, change("a", "bob", 1, react("👍", true))).await), 4);
    assert_eq!(seq_of(changed(&store, change("a", "cat", 1, react("👍", true))).await), 5);
    assert_eq!(seq_of(changed(&store, change("a", "CAT", 1, react("🎉", true))).await), 6);
    // Already there, already gone, the same text: nothing stored, no seq used.
    assert_eq!(changed(&store, change("a", "Bob", 1, react("👍", true))).await.unwrap(), Changed::Unchanged);
    assert_eq!(changed(&store, change("a", "bob", 1, react("🎉", false))).await.unwrap(), Changed::Unchanged);
    assert_eq!(changed(&store, change("a", "ann", 1, edit_to("hello"))).await.unwrap(), Changed::Unchanged);
    assert_eq!(seq_of(changed(&store, change("a", "bob", 1, react("👍", false))).await), 7);
    let next = store.append(new("a", "c3", "cat", "yo")).await.unwrap();
    assert_eq!(next.message().seq, 8);
    assert_eq!(*published.lock().unwrap(), (1..=8).collect::<Vec<_>>());

    let page = store.latest("a", None, None, 50).await.unwrap();
    assert_eq!(page.last, 8);
    let first = &page.messages[0];
    assert_eq!((first.text.as_str(), first.mood, first.lang.as_deref()), ("hello", 0.5, Some("en")));
    assert!(first.edited_at.is_some());
    let reactions: Vec<(&str, Vec<&str>)> = first
        .reactions
        .iter()
        .map(|r| (r.emoji.as_str(), r.people.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(reactions, [("👍", vec!["cat"]), ("🎉", vec!["CAT"])]);
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 8],
        "changes are not messages"
    );

    // A replay carries messages as they are now and every change, in order.
    let events = store.after("a", 1, 100).await.unwrap();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            ServerEvent::Message(m) => format!("message {}", m.seq),
            ServerEvent::Edited(e) => format!("edited {} of {}", e.seq, e.target),
            ServerEvent::Reaction(r) => {
                format!("{} {} {} of {}", r.author, if r.added { "+" } else { "-" }, r.emoji, r.target)
            }
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "message 2",
            "edited 3 of 1",
            "bob + 👍 of 1",
            "cat + 👍 of 1",
            "CAT + 🎉 of 1",
            "bob - 👍 of 1",
            "message 8",
        ]
    );
}

#[tokio::test]
async fn only_the_author_edits_or_deletes_and_only_existing_messages_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.append(new("a", "c1", "Ann", "mine")).await.unwrap();
    assert!(matches!(
        changed(&store, change("a", "bob", 1, edit_to("hijacked"))).await,
        Err(StoreError::NotAuthor)
    ));
    assert!(matches!(
        changed(&store, change("a", "bob", 1, ChangeKind::Delete)).await,
        Err(StoreError::NotAuthor)
    ));
    // The author in another spelling of the same nickname.
    assert!(matches!(
        changed(&store, change("a", "ann", 1, edit_to("mine, edited"))).await,
        Ok(Changed::New(_))
    ));
    for what in [edit_to("x"), ChangeKind::Delete, react("👍", true)] {
        assert!(matches!(
            changed(&store, change("a", "ann", 9, what)).await,
            Err(StoreError::UnknownMessage)
        ));
    }
    // A change is not a message: it cannot be changed itself.
    assert!(matches!(
        changed(&store, change("a", "ann", 2, react("👍", true))).await,
        Err(StoreError::UnknownMessage)
    ));
    assert!(matches!(
        changed(&store, change("b", "ann", 1, react("👍", true))).await,
        Err(StoreError::UnknownMessage)
    ));
}

#[tokio::test]
async fn a_deletion_leaves_no_version_of_the_text_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.append(new("a", "c1", "ann", "my secret plan")).await.unwrap();
    changed(&store, change("a", "ann", 1, edit_to("my secret plan, v2"))).await.unwrap();
    changed(&store, change("a", "bob", 1, react("😮", true))).await.unwrap();
    let mut reply = new("a", "c2", "bob", "what plan?");
    reply.reply_to = Some(1);
    let reply = store.append(reply).await.unwrap();
    assert_eq!(reply.message().reply_to.as_ref().unwrap().text, "my secret plan, v2");
    let deleted = seq_of(changed(&store, change("a", "ann", 1, ChangeKind::Delete)).await);
    assert_eq!(deleted, 5);
    // Deleting again changes nothing; nothing more can be done to it.
    assert_eq!(changed(&store, change("a", "ann", 1, ChangeKind::Delete)).await.unwrap(), Changed::Unchanged);
    assert!(matches!(
        changed(&store, change("a", "ann", 1, edit_to("back"))).await,
        Err(StoreError::UnknownMessage)
    ));
    assert!(matches!(
        changed(&store, change("a", "bob", 1, react("👍", true))).await,
        Err(StoreError::UnknownMessage)
    ));

    let page = store.latest("a", None, None, 50).await.unwrap();
    let gone = &page.messages[0];
    assert!(gone.deleted && gone.text.is_empty() && gone.reactions.is_empty() && gone.edited_at.is_none());
    let quote = page.messages[1].reply_to.as_ref().unwrap();
    assert!(quote.deleted && quote.text.is_empty());
    // The replay: the earlier edit and reaction are deletions now.
    let events = store.after("a", 1, 100).await.unwrap();
    assert!(matches!(&events[0], ServerEvent::Deleted(d) if d.seq == 2 && d.target == 1));
    assert!(matches!(&events[1], ServerEvent::Deleted(d) if d.seq == 3 && d.target == 1));
    assert!(matches!(&events[3], ServerEvent::Deleted(d) if d.seq == 5 && d.target == 1));
    // And the database holds no copy of the text (secure_delete zeroes what was freed).
    drop(store);
    let conn = open_connection(&dir.path().join("natter.db")).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let found: i64 =
        conn.query_row("SELECT COUNT(*) FROM messages WHERE text LIKE '%secret%'", [], |r| r.get(0)).unwrap();
    assert_eq!(found, 0);
    let bytes = std::fs::read(dir.path().join("natter.db")).unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"secret"), "the text is still in the database file");
}

#[tokio::test]
async fn a_reply_needs_its_original_and_a_resend_of_one_is_still_a_resend() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.append(new("a", "c1", "ann", "first line\nsecond line")).await.unwrap();
    let mut reply = new("a", "r1", "bob", "answer");
    reply.reply_to = Some(1);
    let stored = store.append(reply.clone()).await.unwrap();
    let quote = stored.message().reply_to.clone().unwrap();
    assert_eq!((quote.seq, quote.author.as_str(), quote.text.as_str()), (1, "ann", "first line"));
    let mut orphan = new("a", "r2", "bob", "answer");
    orphan.reply_to = Some(7);
    assert!(matches!(store.append(orphan).await, Err(StoreError::UnknownMessage)));
    changed(&store, change("a", "ann", 1, ChangeKind::Delete)).await.unwrap();
    assert!(matches!(store.append(reply).await, Ok(Appended::Duplicate(_))));
    assert_eq!(messages(store.after("a", 0, 100).await.unwrap()).len(), 2);
}

#[tokio::test]
async fn a_message_has_at_most_so_many_different_reactions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.append(new("a", "c1", "ann", "react to me")).await.unwrap();
    let emoji: Vec<String> = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙",
        "😚", "🙂", "🤗", "🤩",
    ]
    .iter()
    .map(|e| e.to_string())
    .collect();
    for e in &emoji[..protocol::MAX_REACTIONS_PER_MESSAGE] {
        changed(&store, change("a", "bob", 1, react(e, true))).await.unwrap();
    }
    let over = &emoji[protocol::MAX_REACTIONS_PER_MESSAGE];
    assert!(matches!(
        changed(&store, change("a", "bob", 1, react(over, true))).await,
        Err(StoreError::TooManyReactions)
    ));
    // One already used may still be added by someone else.
    assert!(matches!(
        changed(&store, change("a", "cat", 1, react(&emoji[0], true))).await,
        Ok(Changed::New(_))
    ));
}

#[tokio::test]
async fn read_positions_only_move_forward_and_count_unread_and_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let ann = store.create_user("Ann", "ann", None).await.unwrap().id;
    for i in 1..=5 {
        store.append(new("general", &format!("c{i}"), "bob", "x")).await.unwrap();
    }
    assert!(store.set_read(ann, "general", 3).await.unwrap());
    assert!(!store.set_read(ann, "general", 2).await.unwrap());
    assert!(!store.set_read(ann, "general", 3).await.unwrap());
    let mut mention = new("general", "m1", "bob", "@Ann look");
    mention.mentions = vec!["Ann".into()];
    store.append(mention).await.unwrap();
    let mut everyone = new("general", "m2", "cat", "@room lunch");
    everyone.mentions_room = true;
    store.append(everyone).await.unwrap();
    store.append(new("general", "own", "Ann", "me")).await.unwrap();
    changed(&store, change("general", "bob", 5, ChangeKind::Delete)).await.unwrap();
    let counts = store.unread(ann, "Ann").await.unwrap();
    assert_eq!(
        counts,
        [protocol::Unread { room: "general".into(), read: 3, last: 9, unread: 3, mentions: 2 }],
        "4 and the two mentions; 5 was deleted, 8 is her own"
    );
}

#[tokio::test]
async fn older_pages_reach_back_to_a_message_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 1..=300 {
        store.append(new("a", &format!("c{i}"), "ann", "x")).await.unwrap();
    }
    let page = store.latest("a", Some(251), Some(40), 50).await.unwrap();
    assert_eq!(page.messages.first().unwrap().seq, 40);
    assert_eq!(page.messages.last().unwrap().seq, 250);
    assert!(page.has_more);
    // Never more than a page when `until` is nearer.
    let page = store.latest("a", Some(251), Some(240), 50).await.unwrap();
    assert_eq!(page.messages.first().unwrap().seq, 201);
    // And at most MAX_PAGE however far back.
    let page = store.latest("a", None, Some(1), 10).await.unwrap();
    assert_eq!(page.messages.len(), 300.min(crate::store::MAX_PAGE));
}
