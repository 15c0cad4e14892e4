//! What only the PostgreSQL store has: several nodes on one database, migrations racing,
//! a lost connection, search in the database. Each test makes a database of its own and is
//! skipped (with a printed line) when no server answers; see [`test_database`]. The
//! behaviour both stores share is tested in `store/tests.rs`, on each.

use super::*;
use crate::store::tests::{change, new, postgres_client as client, public};
use crate::store::{Appended, ChangeKind, Changed, Store};
use protocol::{Seq, ServerEvent};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The room and seq of each event `on_commit` was called with, in order.
type Published = Arc<Mutex<Vec<(String, Seq)>>>;

async fn open_publishing(url: &str) -> (PgStore, Published) {
    let published = Published::default();
    let sink = Arc::clone(&published);
    let on_commit: OnCommit = Box::new(move |e: ServerEvent| {
        let (room, seq) = e.ordered().unwrap();
        sink.lock().unwrap().push((room.to_owned(), seq));
    });
    (PgStore::open(url, on_commit).await.unwrap(), published)
}

/// The seqs published so far.
fn seqs(published: &Published) -> Vec<Seq> {
    published.lock().unwrap().iter().map(|(_, seq)| *seq).collect()
}

async fn open(url: &str) -> PgStore {
    PgStore::open(url, Box::new(|_| {})).await.unwrap()
}

/// Seqs of `room`'s events as stored, in order.
async fn stored_seqs(store: &PgStore, room: &str) -> Vec<Seq> {
    store.after(room, 0, 100_000).await.unwrap().iter().map(|e| e.ordered().unwrap().1).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_writing_the_same_rooms_get_dense_distinct_seqs() {
    let Some(db) = test_database().await else { return };
    let (one, seen_one) = open_publishing(db.url()).await;
    let (two, seen_two) = open_publishing(db.url()).await;
    let (one, two) = (Arc::new(one), Arc::new(two));
    one.writer().create_room(public("a")).await.unwrap();
    two.writer().create_room(public("b")).await.unwrap();
    one.writer().append(new("a", "first", "ann", "react to me")).await.unwrap();
    // Both nodes at once, in both rooms (batches locking a and b together), each sending
    // messages of its own, some the other's resends (a client that reconnected to the other
    // node), and reactions to message 1.
    let mut tasks = Vec::new();
    for i in 0..400 {
        let node = if i % 2 == 0 { Arc::clone(&one) } else { Arc::clone(&two) };
        let other = if i % 2 == 0 { Arc::clone(&two) } else { Arc::clone(&one) };
        let room = if i % 3 == 0 { "b" } else { "a" };
        tasks.push(tokio::spawn(async move {
            let message = new(room, &format!("c{i}"), "ann", "x");
            let mut answers = vec![node.writer().append(message.clone()).await.unwrap()];
            if i % 10 == 0 {
                answers.push(other.writer().append(message).await.unwrap());
            }
            if i % 25 == 0 {
                let emoji = if i % 50 == 0 { "👍" } else { "🎉" };
                let what = ChangeKind::React { emoji: emoji.into(), added: true };
                let reacted =
                    node.writer().submit_change(change("a", &format!("p{i}"), 1, what)).await.unwrap().await;
                assert!(matches!(reacted, Ok(Changed::New(_))), "{reacted:?}");
            }
            answers
        }));
    }
    let mut answered: HashMap<(String, String), Vec<Seq>> = HashMap::new();
    for task in tasks {
        for answer in task.await.unwrap() {
            let m = answer.message();
            answered.entry((m.room.clone(), m.client_id.clone())).or_default().push(m.seq);
        }
    }
    for room in ["a", "b"] {
        let seqs = stored_seqs(&one, room).await;
        assert_eq!(seqs, (1..=seqs.len() as Seq).collect::<Vec<_>>(), "room {room}");
        assert_eq!(one.latest(room, None, None, 1).await.unwrap().last, seqs.len() as Seq);
    }
    // Nothing lost, each stored once; a resend on the other node got the original's seq.
    let mut stored = Vec::new();
    for room in ["a", "b"] {
        stored.extend(one.after(room, 0, 100_000).await.unwrap().into_iter().filter_map(|e| match e {
            ServerEvent::Message(m) => Some(m),
            _ => None,
        }));
    }
    assert_eq!(stored.len(), 401);
    assert_eq!(answered.len(), 400);
    for m in stored.iter().filter(|m| m.client_id != "first") {
        let seqs = &answered[&(m.room.clone(), m.client_id.clone())];
        assert!(seqs.iter().all(|s| *s == m.seq), "{}: {seqs:?} vs {}", m.client_id, m.seq);
    }
    let reactions = &one.latest("a", Some(2), None, 1).await.unwrap().messages[0].reactions;
    assert_eq!(reactions.iter().map(|r| r.people.len()).sum::<usize>(), 16);
    // Each node published its own events once, each room's in seq order; together, all.
    let total = stored_seqs(&one, "a").await.len() + stored_seqs(&one, "b").await.len();
    let mut all = HashSet::new();
    for published in [&seen_one, &seen_two] {
        let events = published.lock().unwrap().clone();
        assert!(!events.is_empty());
        for room in ["a", "b"] {
            let seqs: Vec<Seq> = events.iter().filter(|(r, _)| r == room).map(|(_, s)| *s).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{room} published out of order: {seqs:?}");
        }
        for event in events {
            assert!(all.insert(event.clone()), "published twice: {event:?}");
        }
    }
    assert_eq!(all.len(), total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_nodes_on_commit_sees_its_own_events_in_seq_order() {
    let Some(db) = test_database().await else { return };
    // One room, so the published seqs of a node must rise.
    let (one, seen_one) = open_publishing(db.url()).await;
    let (two, seen_two) = open_publishing(db.url()).await;
    let (one, two) = (Arc::new(one), Arc::new(two));
    one.writer().create_room(public("r")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..300 {
        let node = if i % 2 == 0 { Arc::clone(&one) } else { Arc::clone(&two) };
        tasks.push(tokio::spawn(async move {
            node.writer().append(new("r", &format!("c{i}"), "ann", "x")).await
        }));
    }
    let mut mine: [Vec<Seq>; 2] = Default::default();
    for (i, task) in tasks.into_iter().enumerate() {
        mine[i % 2].push(task.await.unwrap().unwrap().message().seq);
    }
    assert_eq!(stored_seqs(&one, "r").await, (1..=300).collect::<Vec<_>>());
    let (seen_one, seen_two) = (seqs(&seen_one), seqs(&seen_two));
    for (seen, mine) in [&seen_one, &seen_two].into_iter().zip(mine.iter_mut()) {
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "published out of order: {seen:?}");
        mine.sort();
        assert_eq!(seen, mine, "a node publishes exactly its own events");
    }
    let all: HashSet<Seq> = seen_one.iter().chain(&seen_two).copied().collect();
    assert_eq!(all.len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_apply_each_migration_once() {
    let Some(db) = test_database().await else { return };
    let (a, b) =
        tokio::join!(PgStore::open(db.url(), Box::new(|_| {})), PgStore::open(db.url(), Box::new(|_| {})));
    let (a, b) = (a.unwrap(), b.unwrap());
    let admin = client(db.url()).await;
    let applied = |rows: Vec<tokio_postgres::Row>| -> Vec<(i32, String)> {
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    };
    let first =
        admin.query("SELECT version, name, applied_at::TEXT FROM natter_migrations", &[]).await.unwrap();
    let known: Vec<(i32, String)> = migrate::known().into_iter().map(|(v, n)| (v, n.to_owned())).collect();
    assert_eq!(applied(first.clone()), known);
    // Opening again changes nothing.
    drop((a, b));
    let c = open(db.url()).await;
    let again =
        admin.query("SELECT version, name, applied_at::TEXT FROM natter_migrations", &[]).await.unwrap();
    let stamp = |rows: &[tokio_postgres::Row]| rows.iter().map(|r| r.get::<_, String>(2)).collect::<Vec<_>>();
    assert_eq!(stamp(&again), stamp(&first));
    let rooms: Vec<_> = c.rooms().await.unwrap().into_iter().map(|r| r.info.name).collect();
    assert_eq!(rooms, ["general"]);
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_natter_is_refused() {
    let Some(db) = test_database().await else { return };
    drop(open(db.url()).await);
    client(db.url())
        .await
        .batch_execute("INSERT INTO natter_migrations (version, name) VALUES (99, 'future')")
        .await
        .unwrap();
    match PgStore::open(db.url(), Box::new(|_| {})).await {
        Err(StoreError::Postgres(reason)) => assert!(reason.contains("newer"), "{reason}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("opened"),
    }
}

#[tokio::test]
async fn a_message_for_a_room_without_a_row_is_refused_alone() {
    let Some(db) = test_database().await else { return };
    let store = open(db.url()).await;
    // Submitted back to back: one batch.
    let nowhere = store.writer().submit(new("nowhere", "c1", "ann", "hi")).await.unwrap();
    let general = store.writer().submit(new("general", "c1", "ann", "hi")).await.unwrap();
    assert!(matches!(nowhere.await, Err(StoreError::UnknownRoom)));
    assert_eq!(general.await.unwrap().message().seq, 1);
    let what = ChangeKind::React { emoji: "👍".into(), added: true };
    let reacted = store.writer().submit_change(change("nowhere", "ann", 1, what)).await.unwrap().await;
    assert!(matches!(reacted, Err(StoreError::UnknownMessage)));
    assert_eq!(store.latest("nowhere", None, None, 10).await.unwrap(), crate::store::Page::default());
}

/// Ends the connections to `db` of the application `name` (a `LIKE` pattern): the
/// store's writer is `natter-writer`, its pool `natter`.
async fn kill(db: &TestDatabase, name: &str) -> i64 {
    client(db.admin_url())
        .await
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = $1 AND application_name LIKE $2",
            &[&db.name(), &name],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn the_writer_connects_again_when_its_connection_was_lost() {
    let Some(db) = test_database().await else { return };
    let (store, published) = open_publishing(db.url()).await;
    for i in 1..=3 {
        store.writer().append(new("general", &format!("c{i}"), "ann", "x")).await.unwrap();
    }
    assert_eq!(kill(&db, "natter-writer").await, 1);
    // A write the moment after may fail (the writer had not noticed); the next one connects.
    let mut failures = 0;
    for i in 4..=8 {
        loop {
            match store.writer().append(new("general", &format!("c{i}"), "ann", "x")).await {
                Ok(appended) => {
                    assert_eq!(appended.message().seq, i);
                    break;
                }
                Err(StoreError::Commit(_)) if failures == 0 => failures += 1,
                Err(other) => panic!("after {failures} failure: {other}"),
            }
        }
    }
    assert_eq!(stored_seqs(&store, "general").await, (1..=8).collect::<Vec<_>>());
    assert_eq!(seqs(&published), (1..=8).collect::<Vec<_>>());
}

#[tokio::test]
async fn while_postgresql_is_away_writes_fail_and_then_succeed_again() {
    let Some(db) = test_database().await else { return };
    let (store, published) = open_publishing(db.url()).await;
    store.writer().append(new("general", "c1", "ann", "x")).await.unwrap();
    let admin = client(db.admin_url()).await;
    // The server goes away: no connection to the database is possible, and the store's are
    // cut.
    let name = db.name();
    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await.unwrap();
    assert!(kill(&db, "natter%").await >= 2);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for i in 2..=3 {
        let refused = store.writer().append(new("general", &format!("c{i}"), "ann", "x")).await;
        assert!(matches!(refused, Err(StoreError::Commit(_))), "{refused:?}");
    }
    assert!(store.ping().await.is_err());
    assert!(store.latest("general", None, None, 10).await.is_err());
    // Back: the same store writes again, with the next seq; reads and pings answer.
    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await.unwrap();
    store.ping().await.unwrap();
    for i in 2..=3 {
        assert_eq!(
            store.writer().append(new("general", &format!("c{i}"), "ann", "x")).await.unwrap().message().seq,
            i
        );
    }
    assert_eq!(store.latest("general", None, None, 10).await.unwrap().last, 3);
    assert_eq!(seqs(&published), [1, 2, 3]);
}

#[tokio::test]
async fn search_matches_each_word_as_a_substring_newest_first() {
    let Some(db) = test_database().await else { return };
    let store = open(db.url()).await;
    for room in ["a", "b", "c"] {
        store.writer().create_room(public(room)).await.unwrap();
    }
    let texts = [
        ("a", "Hello World"),
        ("a", "hello there"),
        ("a", "Привет, мир"),
        ("a", "太棒了，谢谢你！"),
        ("a", "100% sure"),
        ("a", "1000 reasons"),
        ("b", "HELLO from b"),
        ("c", "hello, secret room"),
    ];
    for (i, (room, text)) in texts.iter().enumerate() {
        store.writer().append(new(room, &format!("c{i}"), "ann", text)).await.unwrap();
    }
    let edit = ChangeKind::Edit {
        text: "goodbye there".into(),
        mood: 0.0,
        lang: None,
        mentions: Vec::new(),
        mentions_room: false,
    };
    store.writer().submit_change(change("a", "ann", 2, edit)).await.unwrap().await.unwrap();
    let ab: HashSet<String> = ["a".to_owned(), "b".to_owned()].into();
    let find = |query: &'static str, rooms: HashSet<String>| {
        let store = &store;
        async move {
            let page = store.search(query, &rooms, None, 20).await.unwrap();
            page.hits.into_iter().map(|h| format!("{}:{}", h.room, h.seq)).collect::<Vec<_>>()
        }
    };
    // Case-insensitive, any script, newest first; an edited message by its new text only;
    // only the rooms asked for.
    assert_eq!(find("hello", ab.clone()).await, ["b:1", "a:1"]);
    assert_eq!(find("THERE", ab.clone()).await, ["a:2"]);
    assert_eq!(find("привет", ab.clone()).await, ["a:3"]);
    assert_eq!(find("谢谢", ab.clone()).await, ["a:4"]);
    // Every word must match; punctuation around words does not count; LIKE's wildcards are
    // plain characters.
    assert_eq!(find("world, hello!", ab.clone()).await, ["a:1"]);
    assert!(find("hello mars", ab.clone()).await.is_empty());
    assert_eq!(find("100%", ab.clone()).await, ["a:6", "a:5"], "100 is in 1000 too");
    assert!(find("1_0", ab.clone()).await.is_empty());
    assert!(find("hello", HashSet::new()).await.is_empty());
    assert!(find("!!!", ab.clone()).await.is_empty());
    // A deleted message is not found.
    store.writer().submit_change(change("a", "ann", 1, ChangeKind::Delete)).await.unwrap().await.unwrap();
    assert!(find("world", ab.clone()).await.is_empty());

    // Pages: `next` is the cursor of the following one.
    for i in 0..5 {
        store.writer().append(new("b", &format!("p{i}"), "ann", &format!("page {i}"))).await.unwrap();
    }
    let only_b: HashSet<String> = ["b".to_owned()].into();
    let mut before = None;
    let mut pages = Vec::new();
    loop {
        let page = store.search("page", &only_b, before, 2).await.unwrap();
        pages.push(page.hits.iter().map(|h| h.seq).collect::<Vec<_>>());
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, [vec![6, 5], vec![4, 3], vec![2]]);
}

#[tokio::test]
async fn the_store_works_behind_the_store_enum() {
    let Some(db) = test_database().await else { return };
    let store = Store::Postgres(open(db.url()).await);
    assert!(store.messages_path().is_none());
    store.ping().await.unwrap();
    assert_eq!(store.append(new("general", "c1", "ann", "hi")).await.unwrap().message().seq, 1);
}

#[tokio::test]
async fn limits_are_counted_by_every_node_in_a_one_minute_window() {
    let Some(db) = test_database().await else { return };
    let (one, two) = (open(db.url()).await, open(db.url()).await);
    let now = 1_800_000_000_000;
    let mut counts = Vec::new();
    for i in 0..6 {
        let node = if i % 2 == 0 { &one } else { &two };
        counts.push(node.count_in_window("password", "ann", now + i).await.unwrap());
    }
    assert_eq!(counts, (1..=6).map(|n| (n, now)).collect::<Vec<_>>());
    // Per kind and per key.
    assert_eq!(one.count_in_window("password", "bob", now).await.unwrap(), (1, now));
    assert_eq!(one.count_in_window("upload", "ann", now).await.unwrap(), (1, now));
    // A minute after the window opened, a new one starts.
    assert_eq!(two.count_in_window("password", "ann", now + 59_999).await.unwrap(), (7, now));
    assert_eq!(two.count_in_window("password", "ann", now + 60_000).await.unwrap(), (1, now + 60_000));
    // Ended windows are forgotten (bob's and ann's upload window); the running one stays.
    assert_eq!(one.forget_old_windows(now + 60_000).await.unwrap(), 2);
    assert_eq!(one.count_in_window("password", "ann", now + 60_001).await.unwrap(), (2, now + 60_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_held_by_one_node_waits_on_another_until_released_or_dropped() {
    use std::time::Duration;
    let Some(db) = test_database().await else { return };
    let (one, two) = (open(db.url()).await, Arc::new(open(db.url()).await));
    let held = one.hold_blob("h1").await.unwrap();
    // Other contents are not held.
    two.hold_blob("h2").await.unwrap().release().await;
    let waiting = {
        let two = Arc::clone(&two);
        tokio::spawn(async move { two.hold_blob("h1").await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "held by the first node");
    held.release().await;
    let second = tokio::time::timeout(Duration::from_secs(5), waiting).await.unwrap().unwrap();
    // Dropped without release (its task cancelled): the hold goes with its connection.
    drop(second);
    let again = tokio::time::timeout(Duration::from_secs(5), one.hold_blob("h1")).await;
    again.expect("released by the dropped hold's connection closing").unwrap().release().await;
}

#[tokio::test]
async fn one_batch_of_plain_messages_resends_replies_and_strangers_keeps_every_rule() {
    let Some(db) = test_database().await else { return };
    let (store, published) = open_publishing(db.url()).await;
    store.writer().create_room(public("b")).await.unwrap();
    store.writer().append(new("general", "before", "ann", "stored earlier")).await.unwrap();
    let mut reply = new("general", "r1", "bob", "an answer");
    reply.reply_to = Some(1);
    // Submitted back to back: one batch (runs of plain messages are written together).
    let mut pending = Vec::new();
    for message in [
        new("general", "c1", "ann", "one"),
        new("b", "c1", "ann", "one in b"),
        new("general", "before", "ann", "a resend of one stored earlier"),
        new("general", "c1", "ann", "a resend within the batch"),
        new("general", "c2", "ann", "two"),
        new("general", "c2", "eve", "another's client id"),
        reply,
        new("nowhere", "c3", "ann", "no such room"),
        new("general", "c3", "ann", "three"),
    ] {
        pending.push(store.writer().submit(message).await.unwrap());
    }
    let mut answers = Vec::new();
    for answer in pending {
        answers.push(match answer.await {
            Ok(Appended::New(m)) => format!("new {} {}", m.room, m.seq),
            Ok(Appended::Duplicate(m)) => format!("again {} {}", m.room, m.seq),
            Err(error) => format!("refused {error:?}"),
        });
    }
    assert_eq!(
        answers,
        [
            "new general 2",
            "new b 1",
            "again general 1",
            "again general 2",
            "new general 3",
            "refused ClientIdTaken",
            "new general 4",
            "refused UnknownRoom",
            "new general 5",
        ]
    );
    assert_eq!(stored_seqs(&store, "general").await, [1, 2, 3, 4, 5]);
    let texts: Vec<String> =
        store.latest("general", None, None, 10).await.unwrap().messages.into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["stored earlier", "one", "two", "an answer", "three"]);
    // Published once each, in order.
    assert_eq!(seqs(&published), [1, 2, 1, 3, 4, 5]);
}
