//! What only the SQLite store has: its WAL, its migrations' hooks, `secure_delete`. The
//! behaviour both stores share is tested in `store/tests.rs`, on each.

use super::*;
use crate::store::tests::new;
use crate::store::NewMessage;

fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir, Box::new(|_| {})).unwrap()
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
            pending.push(store.writer().submit(message).await.unwrap());
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
async fn moods_are_stored_and_old_messages_get_scored_by_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store.writer().append(NewMessage { mood: 0.8, ..new("a", "c1", "ann", "hi") }).await.unwrap();
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
        store
            .writer()
            .append(NewMessage { lang: Some("pt".into()), ..new("a", "c1", "ann", "oi") })
            .await
            .unwrap();
        store.writer().append(new("a", "c2", "ann", "👍")).await.unwrap();
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
async fn a_deleted_text_is_overwritten_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.writer().append(new("a", "c1", "ann", "my secret plan")).await.unwrap();
    let edit = crate::store::ChangeKind::Edit {
        text: "my secret plan, v2".into(),
        mood: 0.0,
        lang: None,
        mentions: Vec::new(),
        mentions_room: false,
    };
    let change = |what| crate::store::NewChange { room: "a".into(), author: "ann".into(), target: 1, what };
    store.writer().submit_change(change(edit)).await.unwrap().await.unwrap();
    store.writer().submit_change(change(crate::store::ChangeKind::Delete)).await.unwrap().await.unwrap();
    // secure_delete zeroes what was freed, once the WAL is checkpointed into the file.
    drop(store);
    let conn = open_connection(&dir.path().join("natter.db")).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let bytes = std::fs::read(dir.path().join("natter.db")).unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"secret"), "the text is still in the database file");
}

#[tokio::test]
async fn messages_may_go_to_a_room_it_does_not_list() {
    // Unlike PostgreSQL's, which keeps each room's seqs in its row (the engine only ever
    // posts to rooms it has).
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.writer().append(new("unlisted", "c1", "ann", "hi")).await.unwrap().message().seq, 1);
    assert_eq!(store.rooms().await.unwrap().len(), 1);
}
