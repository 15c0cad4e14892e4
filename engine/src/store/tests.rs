//! One suite for every backend: each test here runs on SQLite (`store::tests::sqlite::NAME`)
//! and on PostgreSQL (`store::tests::postgres::NAME`, in a fresh database of its own; skipped
//! with a printed line when no server answers, see [`crate::store::postgres::test_database`]). What only
//! one backend has is tested beside it (`sqlite/tests.rs`, `postgres/tests.rs`), with the
//! helpers here that are marked `pub(super)`.

use super::*;
use std::sync::{Arc, Mutex};

/// Each test of the suite, once per backend.
macro_rules! on_every_backend {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $test() { super::$test(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $test() { super::$test(super::Backend::Postgres).await } )*
        }
    };
}

on_every_backend!(
    seqs_are_per_room_and_dense,
    a_resend_is_stored_once,
    resends_within_one_batch_are_stored_once_and_seqs_stay_dense,
    concurrent_appends_get_distinct_dense_seqs,
    history_pages_and_survives_reopen,
    moods_and_languages_are_stored,
    rooms_are_created_once_and_general_exists,
    private_rooms_keep_their_owner_and_members_across_restarts,
    people_are_stored_once_per_nickname,
    a_failed_batch_stores_nothing_takes_no_seq_and_the_writer_goes_on,
    on_commit_sees_messages_in_seq_order,
    changes_take_the_rooms_next_seqs_and_show_in_the_message,
    only_the_author_edits_or_deletes_and_only_existing_messages_change,
    a_deletion_leaves_no_version_of_the_text_in_the_rows,
    a_reply_needs_its_original_and_a_resend_of_one_is_still_a_resend,
    a_message_has_at_most_so_many_different_reactions,
    read_positions_only_move_forward_and_count_unread_and_mentions,
    older_pages_reach_back_to_a_message_asked_for,
    messages_are_read_by_seq_as_they_are_now,
    uploads_go_with_one_message_and_leave_with_it,
    the_store_answers_a_ping,
);

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's store lives: a directory, or a database of its own.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(crate::store::postgres::TestDatabase),
}

impl Backend {
    /// A new, empty place; None when the backend cannot be reached (the test is skipped).
    async fn place(self) -> Option<Place> {
        match self {
            Backend::Sqlite => Some(Place::Sqlite(tempfile::tempdir().unwrap())),
            Backend::Postgres => crate::store::postgres::test_database().await.map(Place::Postgres),
        }
    }
}

/// The seqs `on_commit` was called with, in order.
type Published = Arc<Mutex<Vec<Seq>>>;

impl Place {
    async fn open_with(&self, on_commit: OnCommit) -> Store {
        match self {
            Place::Sqlite(dir) => Store::Sqlite(SqliteStore::open(dir.path(), on_commit).unwrap()),
            Place::Postgres(db) => Store::Postgres(PgStore::open(db.url(), on_commit).await.unwrap()),
        }
    }

    async fn open(&self) -> Store {
        self.open_with(Box::new(|_| {})).await
    }

    /// A store, and the seqs it publishes.
    async fn open_publishing(&self) -> (Store, Published) {
        let published = Published::default();
        let sink = Arc::clone(&published);
        let store = self
            .open_with(Box::new(move |e: ServerEvent| sink.lock().unwrap().push(e.ordered().unwrap().1)))
            .await;
        (store, published)
    }

    /// Runs `sql` on the database behind the store's back (one statement for PostgreSQL, or
    /// several separated by `;` outside of function bodies).
    async fn execute(&self, sql: &str) {
        match self {
            Place::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Place::Postgres(db) => postgres_client(db.url()).await.batch_execute(sql).await.unwrap(),
        }
    }

    /// The number `sql` (a `SELECT COUNT(*)`) counts.
    async fn count(&self, sql: &str) -> i64 {
        match self {
            Place::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("natter.db")).unwrap();
                conn.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            Place::Postgres(db) => postgres_client(db.url()).await.query_one(sql, &[]).await.unwrap().get(0),
        }
    }

    /// From now on every insert of a room event with a seq from `seq` on fails ("disk full"):
    /// a transaction writing one fails as a whole, the rows before it in the same batch
    /// included (as SQLITE_FULL part-way through, or PostgreSQL out of space, would).
    async fn fail_inserts_from(&self, seq: Seq) {
        match self {
            Place::Sqlite(_) => {
                self.execute(&format!(
                    "CREATE TRIGGER disk_full BEFORE INSERT ON messages WHEN NEW.seq >= {seq}
                     BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
                ))
                .await
            }
            Place::Postgres(_) => {
                self.execute(&format!(
                    "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN IF NEW.seq >= {seq} THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$;
                     CREATE TRIGGER disk_full BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION disk_full();"
                ))
                .await
            }
        }
    }

    /// Undoes [`Place::fail_inserts_from`].
    async fn heal(&self) {
        match self {
            Place::Sqlite(_) => self.execute("DROP TRIGGER disk_full").await,
            Place::Postgres(_) => self.execute("DROP TRIGGER disk_full ON messages").await,
        }
    }
}

/// A connection to the PostgreSQL database at `url`, for statements behind the store's back.
pub(super) async fn postgres_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A plain message: no mood, language, reply, mentions or files.
pub(crate) fn new(room: &str, client_id: &str, author: &str, text: &str) -> NewMessage {
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

pub(super) fn public(name: &str) -> NewRoom {
    NewRoom { name: name.into(), kind: RoomKind::Public, owner: None, members: Vec::new() }
}

/// Creates public rooms (PostgreSQL keeps each room's seqs in its row; SQLite would take
/// messages for rooms it does not list, but the engine never sends it any).
async fn rooms(store: &Store, names: &[&str]) {
    for name in names {
        store.create_room(public(name)).await.unwrap();
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

pub(super) fn change(room: &str, author: &str, target: u64, what: ChangeKind) -> NewChange {
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

async fn changed(store: &Store, new: NewChange) -> Result<Changed, StoreError> {
    store.submit_change(new).await.unwrap().await
}

/// The seq a change was given.
fn seq_of(result: Result<Changed, StoreError>) -> u64 {
    match result {
        Ok(Changed::New(change)) => change.seq(),
        other => panic!("{other:?}"),
    }
}

async fn seqs_are_per_room_and_dense(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a", "b"]).await;
    for i in 1..=3u64 {
        let a = store.append(new("a", &format!("a{i}"), "ann", "hi")).await.unwrap();
        assert_eq!(a, Appended::New(a.message().clone()));
        assert_eq!(a.message().seq, i);
    }
    let b = store.append(new("b", "b1", "bob", "yo")).await.unwrap();
    assert_eq!(b.message().seq, 1);
}

async fn a_resend_is_stored_once(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
    let first = store.append(new("a", "same", "ann", "hi")).await.unwrap();
    let again = store.append(new("a", "same", "ann", "hi")).await.unwrap();
    assert_eq!(again, Appended::Duplicate(first.message().clone()));
    assert!(matches!(store.append(new("a", "same", "eve", "x")).await, Err(StoreError::ClientIdTaken)));
    assert_eq!(store.after("a", 0, 10).await.unwrap().len(), 1);
}

async fn resends_within_one_batch_are_stored_once_and_seqs_stay_dense(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
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

async fn concurrent_appends_get_distinct_dense_seqs(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = Arc::new(place.open().await);
    rooms(&store, &["r"]).await;
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

async fn history_pages_and_survives_reopen(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    {
        let store = place.open().await;
        rooms(&store, &["a"]).await;
        for i in 0..120 {
            store.append(new("a", &format!("c{i}"), "ann", &format!("m{i}"))).await.unwrap();
        }
    }
    let store = place.open().await;
    let page = store.latest("a", None, None, 50).await.unwrap();
    assert_eq!(page.messages.len(), 50);
    assert!(page.has_more);
    assert_eq!(page.last, 120);
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
    // An unknown room has an empty history.
    assert_eq!(store.latest("nowhere", None, None, 50).await.unwrap(), Page::default());
}

async fn moods_and_languages_are_stored(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    {
        let store = place.open().await;
        rooms(&store, &["a"]).await;
        let pt = NewMessage { mood: 0.8, lang: Some("pt".into()), ..new("a", "c1", "ann", "oi, que bom") };
        store.append(pt).await.unwrap();
        store.append(new("a", "c2", "ann", "👍")).await.unwrap();
    }
    let page = place.open().await.latest("a", None, None, 5).await.unwrap();
    let got: Vec<_> = page.messages.iter().map(|m| (m.mood, m.lang.as_deref())).collect();
    assert_eq!(got, [(0.8, Some("pt")), (0.0, None)]);
}

async fn rooms_are_created_once_and_general_exists(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    assert_eq!(
        store.rooms().await.unwrap().iter().map(|r| r.info.name.as_str()).collect::<Vec<_>>(),
        ["general"]
    );
    store.create_room(public("rust")).await.unwrap();
    assert!(matches!(store.create_room(public("rust")).await, Err(StoreError::RoomExists)));
    assert!(matches!(store.create_room(public("general")).await, Err(StoreError::RoomExists)));
    // Names sort by code point, whatever the database's collation.
    store.create_room(public("Zed")).await.unwrap();
    store.create_room(public("_x")).await.unwrap();
    drop(store);
    let store = place.open().await;
    let names: Vec<_> = store.rooms().await.unwrap().into_iter().map(|r| r.info.name).collect();
    assert_eq!(names, ["Zed", "_x", "general", "rust"]);
}

async fn private_rooms_keep_their_owner_and_members_across_restarts(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
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
    let store = place.open().await;
    let secret = store.rooms().await.unwrap().into_iter().find(|r| r.info.name == "secret").unwrap();
    assert_eq!(secret.info.kind, RoomKind::Private);
    assert_eq!(secret.owner, Some(ann));
    assert_eq!(secret.members, [(ann, "Ann".to_owned()), (bob, "Bob".to_owned())]);
    assert_eq!(secret.info.members, ["Ann", "Bob"]);
}

async fn people_are_stored_once_per_nickname(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    let ann = store.create_user("Ann", "ann", None).await.unwrap();
    assert_eq!(
        (ann.nickname.as_str(), ann.nickname_key.as_str(), ann.password_hash.as_deref()),
        ("Ann", "ann", None)
    );
    assert!(matches!(store.create_user("ANN", "ann", None).await, Err(StoreError::NicknameTaken)));
    let bob = store.create_user("Bob", "bob", Some("$argon2id$x".into())).await.unwrap();
    assert_ne!(ann.id, bob.id);
    store.set_password_hash(ann.id, "$argon2id$y".into()).await.unwrap();
    drop(store);
    let store = place.open().await;
    let found = store.user(ann.id).await.unwrap().unwrap();
    assert_eq!(found, UserRecord { password_hash: Some("$argon2id$y".into()), ..ann });
    assert_eq!(store.user_by_key("bob").await.unwrap(), Some(bob));
    assert_eq!(store.user_by_key("carol").await.unwrap(), None);
    assert_eq!(store.user(-1).await.unwrap(), None);
}

async fn a_failed_batch_stores_nothing_takes_no_seq_and_the_writer_goes_on(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let (store, committed) = place.open_publishing().await;
    let store = Arc::new(store);
    rooms(&store, &["a"]).await;
    for i in 1..=3 {
        store.append(new("a", &format!("ok{i}"), "ann", "x")).await.unwrap();
    }
    // The disk "fills up" at seq 6.
    place.fail_inserts_from(6).await;
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
    assert_eq!(store.latest("a", None, None, 1).await.unwrap().last, last);
    assert_eq!(*committed.lock().unwrap(), (1..=last).collect::<Vec<_>>());

    // Space again: the same writer stores the retries with the very next seqs.
    place.heal().await;
    for result in append_all(failed.clone()).await {
        assert!(matches!(result.unwrap(), (_, Ok(Appended::New(_)))));
    }
    let all = messages(store.after("a", 0, 100).await.unwrap());
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=23).collect::<Vec<_>>());
    assert_eq!(*committed.lock().unwrap(), (1..=23).collect::<Vec<_>>());
    let ids: std::collections::HashSet<_> = all.iter().map(|m| m.client_id.as_str()).collect();
    assert_eq!(ids.len(), 23);
}

async fn on_commit_sees_messages_in_seq_order(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let (store, seen) = place.open_publishing().await;
    let store = Arc::new(store);
    rooms(&store, &["a"]).await;
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

async fn changes_take_the_rooms_next_seqs_and_show_in_the_message(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let (store, published) = place.open_publishing().await;
    rooms(&store, &["a"]).await;
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
    // A replay from the start shows the first message as it is now, with its reactions.
    let replay = messages(store.after("a", 0, 1).await.unwrap());
    assert_eq!(replay[0], page.messages[0]);
}

async fn only_the_author_edits_or_deletes_and_only_existing_messages_change(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
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

async fn a_deletion_leaves_no_version_of_the_text_in_the_rows(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
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
    // No row holds any version of the text, nor the reaction.
    drop(store);
    assert_eq!(
        place.count("SELECT COUNT(*) FROM messages WHERE text LIKE '%secret%' OR text = '😮'").await,
        0
    );
    assert_eq!(place.count("SELECT COUNT(*) FROM reactions").await, 0);
}

async fn a_reply_needs_its_original_and_a_resend_of_one_is_still_a_resend(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
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

async fn a_message_has_at_most_so_many_different_reactions(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
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

async fn read_positions_only_move_forward_and_count_unread_and_mentions(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
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

async fn older_pages_reach_back_to_a_message_asked_for(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
    let mut pending = Vec::new();
    for i in 1..=300 {
        pending.push(store.submit(new("a", &format!("c{i}"), "ann", "x")).await.unwrap());
    }
    for answer in pending {
        answer.await.unwrap();
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
    assert_eq!(page.messages.len(), 300.min(MAX_PAGE));
}

async fn messages_are_read_by_seq_as_they_are_now(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
    for i in 1..=4 {
        store.append(new("a", &format!("c{i}"), "ann", &format!("m{i}"))).await.unwrap();
    }
    changed(&store, change("a", "ann", 3, edit_to("m3, edited"))).await.unwrap();
    changed(&store, change("a", "bob", 4, react("👍", true))).await.unwrap();
    changed(&store, change("a", "ann", 2, ChangeKind::Delete)).await.unwrap();
    // Unordered, repeated, deleted (2), a change (5) and missing (99) seqs.
    let found = store.messages("a", vec![4, 1, 2, 4, 3, 5, 99]).await.unwrap();
    let got: Vec<_> = found.iter().map(|m| (m.seq, m.text.as_str(), m.reactions.len())).collect();
    assert_eq!(got, [(1, "m1", 0), (3, "m3, edited", 0), (4, "m4", 1)]);
    assert!(store.messages("b", vec![1]).await.unwrap().is_empty());
}

async fn uploads_go_with_one_message_and_leave_with_it(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    let store = place.open().await;
    rooms(&store, &["a"]).await;
    let upload = |id: &str, owner: &str, hash: &str, size: u64, created_at: i64| UploadRecord {
        attachment: protocol::Attachment {
            id: id.into(),
            name: format!("{id}.png"),
            size,
            mime: "image/png".into(),
            width: Some(640),
            height: Some(480),
            caption: None,
        },
        owner: owner.into(),
        hash: hash.into(),
        thumb: true,
        created_at,
        sent: None,
    };
    store.add_blob("h1", 100, false).await.unwrap();
    store.add_blob("h1", 100, true).await.unwrap();
    store.add_blob("h2", 50, false).await.unwrap();
    store.add_upload(upload("u1", "ann", "h1", 100, 10)).await.unwrap();
    store.add_upload(upload("u2", "ann", "h1", 100, 10)).await.unwrap();
    store.add_upload(upload("u3", "bob", "h2", 50, 10)).await.unwrap();
    store.add_upload(upload("old", "bob", "h2", 50, 1)).await.unwrap();
    assert_eq!(store.upload("u1").await.unwrap(), Some(upload("u1", "ann", "h1", 100, 10)));
    assert_eq!(store.upload("nope").await.unwrap(), None);
    assert_eq!(store.upload_usage("ann").await.unwrap(), (200, 150));

    // Another's upload, or one named twice: nothing is stored.
    let mut theirs = new("a", "c1", "Ann", "look");
    theirs.attachments = vec!["u1".into(), "u3".into()];
    assert!(matches!(store.append(theirs).await, Err(StoreError::UnknownUpload)));
    let mut twice = new("a", "c1", "Ann", "look");
    twice.attachments = vec!["u1".into(), "u1".into()];
    assert!(matches!(store.append(twice).await, Err(StoreError::UnknownUpload)));
    let mut mine = new("a", "c1", "Ann", "look");
    mine.attachments =
        vec!["u1".into(), protocol::SendFile { id: "u2".into(), caption: Some("the second".into()) }];
    let sent = store.append(mine.clone()).await.unwrap();
    assert_eq!(sent.message().seq, 1);
    let ids: Vec<_> =
        sent.message().attachments.iter().map(|a| (a.id.as_str(), a.caption.as_deref())).collect();
    assert_eq!(ids, [("u1", None), ("u2", Some("the second"))]);
    assert_eq!(store.upload("u1").await.unwrap().unwrap().sent, Some(("a".into(), 1)));
    // A resend is answered as one; sent uploads cannot go with another message.
    assert!(matches!(store.append(mine).await, Ok(Appended::Duplicate(m)) if m.attachments.len() == 2));
    let mut again = new("a", "c2", "ann", "again");
    again.attachments = vec!["u2".into()];
    assert!(matches!(store.append(again).await, Err(StoreError::UnknownUpload)));
    // Each file's caption is stored with it.
    let stored = store.latest("a", None, None, 10).await.unwrap().messages[0].attachments.clone();
    assert_eq!(stored, sent.message().attachments);

    // Unsent ones expire; a deleted message's go with it; then their blobs are orphans.
    assert_eq!(store.expire_uploads(5).await.unwrap(), 1);
    assert_eq!(store.upload("old").await.unwrap(), None);
    assert!(store.orphan_blobs().await.unwrap().is_empty());
    changed(&store, change("a", "ann", 1, ChangeKind::Delete)).await.unwrap();
    assert_eq!(store.upload("u1").await.unwrap(), None);
    assert_eq!(store.orphan_blobs().await.unwrap(), ["h1"]);
    assert!(!store.forget_blob("h2").await.unwrap(), "u3 still names it");
    assert!(store.forget_blob("h1").await.unwrap());
    assert!(!store.forget_blob("h1").await.unwrap());
    assert_eq!(store.upload_usage("ann").await.unwrap(), (0, 50));
    assert!(store.latest("a", None, None, 10).await.unwrap().messages[0].attachments.is_empty());
}

async fn the_store_answers_a_ping(backend: Backend) {
    let Some(place) = backend.place().await else { return };
    place.open().await.ping().await.unwrap();
}
