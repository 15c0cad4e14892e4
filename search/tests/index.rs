//! The index end to end: a natter.db written the way the chat's store writes it, an
//! [`Index`] over it, searches.

use rusqlite::{params, Connection};
use search::{Hit, Index, Page};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Generous: the indexer runs at the lowest priority, so a loaded machine starves it.
const SETTLE: Duration = Duration::from_secs(300);

/// A natter.db written like the store does: one row per room event.
struct Chat {
    conn: Connection,
    last: HashMap<String, u64>,
    clock: i64,
    /// Milliseconds between events.
    tick: i64,
}

impl Chat {
    fn create(dir: &Path) -> Chat {
        let conn = Connection::open(dir.join("natter.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT NOT NULL,
               author TEXT NOT NULL, text TEXT NOT NULL, sent_at INTEGER NOT NULL,
               mood REAL NOT NULL DEFAULT 0,
               lang TEXT, kind INTEGER NOT NULL DEFAULT 0, target INTEGER, reply_to INTEGER, mentions TEXT,
               mentions_room INTEGER NOT NULL DEFAULT 0, edited_at INTEGER, deleted_at INTEGER,
               PRIMARY KEY (room, seq)) WITHOUT ROWID;",
        )
        .unwrap();
        Chat { conn, last: HashMap::new(), clock: 1_700_000_000_000, tick: 1000 }
    }

    /// Reopens the natter.db of `dir` (rooms' last seqs read back).
    fn reopen(dir: &Path) -> Chat {
        let conn = Connection::open(dir.join("natter.db")).unwrap();
        let last = conn
            .prepare("SELECT room, MAX(seq) FROM messages GROUP BY room")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let clock = conn.query_row("SELECT MAX(sent_at) FROM messages", [], |r| r.get(0)).unwrap();
        Chat { conn, last, clock, tick: 1000 }
    }

    fn event(&mut self, room: &str, kind: i64, target: Option<u64>, text: &str) -> u64 {
        let seq = self.last.get(room).copied().unwrap_or(0) + 1;
        self.last.insert(room.to_owned(), seq);
        self.clock += self.tick;
        self.conn
            .execute(
                "INSERT INTO messages (room, seq, client_id, author, text, sent_at, kind, target)
                 VALUES (?1, ?2, ?3, 'ann', ?4, ?5, ?6, ?7)",
                params![
                    room,
                    seq as i64,
                    format!("c{seq}"),
                    text,
                    self.clock,
                    kind,
                    target.map(|t| t as i64)
                ],
            )
            .unwrap();
        seq
    }

    fn post(&mut self, room: &str, text: &str) -> u64 {
        self.event(room, 0, None, text)
    }

    fn edit(&mut self, room: &str, target: u64, text: &str) -> u64 {
        self.conn.execute_batch("BEGIN").unwrap();
        let seq = self.event(room, 1, Some(target), text);
        self.conn
            .execute(
                "UPDATE messages SET text = ?3, edited_at = ?4 WHERE room = ?1 AND seq = ?2",
                params![room, target as i64, text, self.clock],
            )
            .unwrap();
        self.conn.execute_batch("COMMIT").unwrap();
        seq
    }

    fn delete(&mut self, room: &str, target: u64) -> u64 {
        self.conn.execute_batch("BEGIN").unwrap();
        let seq = self.event(room, 2, Some(target), "");
        self.conn
            .execute(
                "UPDATE messages SET text = '', deleted_at = ?3 WHERE room = ?1 AND seq = ?2",
                params![room, target as i64, self.clock],
            )
            .unwrap();
        self.conn.execute_batch("COMMIT").unwrap();
        seq
    }

    fn react(&mut self, room: &str, target: u64) -> u64 {
        self.event(room, 3, Some(target), "👍")
    }
}

fn open(dir: &Path) -> Index {
    Index::open(dir, &dir.join("natter.db")).unwrap()
}

fn rooms(names: &[&str]) -> HashSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn find(index: &Index, query: &str, names: &[&str]) -> Vec<(String, u64)> {
    let page = index.search(query, &rooms(names), None, 100).unwrap();
    page.hits.into_iter().map(|h| (h.room, h.seq)).collect()
}

fn seqs(index: &Index, query: &str, room: &str) -> Vec<u64> {
    find(index, query, &[room]).into_iter().map(|(_, seq)| seq).collect()
}

fn settled(dir: &Path) -> Index {
    let index = open(dir);
    assert!(index.settle(SETTLE));
    index
}

/// Indexed messages, read from search.db directly.
fn indexed(dir: &Path) -> i64 {
    let conn = Connection::open(dir.join("search.db")).unwrap();
    let docs: i64 = conn.query_row("SELECT COUNT(*) FROM docs", [], |r| r.get(0)).unwrap();
    let counted: i64 = conn.query_row("SELECT COALESCE(SUM(docs), 0) FROM rooms", [], |r| r.get(0)).unwrap();
    assert_eq!(docs, counted, "rooms.docs out of step with docs");
    docs
}

#[test]
fn inflected_forms_are_found_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    let texts = [
        "Я видел собаку в парке",         // 1
        "Две собаки лают",                // 2
        "Гуляю с собаками каждый день",   // 3
        "Вчера мы гуляли до ночи",        // 4
        "Estou trabalhando em casa hoje", // 5
        "Ontem trabalhei até tarde",      // 6
        "Não sei, talvez amanhã",         // 7
        "nao da pra ir",                  // 8
        "I was running late again",       // 9
        "She typed the whole thing",      // 10
        "今天天气很好",                   // 11
        "我在北京工作",                   // 12
        "京北不是一个城市",               // 13
        "The meeting moved to Friday",    // 14
        "😀🎉 👍",                        // 15 (nothing to index)
    ];
    for text in texts {
        chat.post("r", text);
    }
    let index = settled(dir.path());
    assert_eq!(seqs(&index, "собака", "r"), [3, 2, 1]);
    assert_eq!(seqs(&index, "собаками", "r"), [3, 2, 1]);
    assert_eq!(seqs(&index, "гулять", "r"), [4, 3]);
    assert_eq!(seqs(&index, "trabalhar", "r"), [6, 5]);
    assert_eq!(seqs(&index, "não", "r"), [8, 7]);
    assert_eq!(seqs(&index, "nao", "r"), [8, 7]);
    assert_eq!(seqs(&index, "run", "r"), [9]);
    assert_eq!(seqs(&index, "typing", "r"), [10]);
    assert_eq!(seqs(&index, "天气", "r"), [11]);
    assert_eq!(seqs(&index, "北京", "r"), [12]);
    assert_eq!(seqs(&index, "好", "r"), [11]);
    assert_eq!(seqs(&index, "京北", "r"), [13]);
    assert_eq!(seqs(&index, "mee", "r"), [14]);
    assert_eq!(seqs(&index, "MEETING friday", "r"), [14]);
    assert_eq!(indexed(dir.path()), 14);
}

#[test]
fn every_word_must_match_and_hits_come_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    chat.post("r", "red apple");
    chat.post("r", "green apple");
    chat.post("r", "red car");
    chat.post("r", "a red apple again");
    let index = settled(dir.path());
    assert_eq!(seqs(&index, "apple", "r"), [4, 2, 1]);
    assert_eq!(seqs(&index, "red apple", "r"), [4, 1]);
    assert_eq!(seqs(&index, "apple red", "r"), [4, 1]);
    assert_eq!(seqs(&index, "red blue", "r"), Vec::<u64>::new());
}

#[test]
fn catching_up_with_many_rooms_keeps_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    // Messages alternate between rooms in time; the indexer reads room by room, yet the
    // results must come newest first across rooms.
    let mut expected = Vec::new();
    for i in 0..300 {
        let room = format!("room{}", (i * 7) % 13);
        let seq = chat.post(&room, &format!("hello number {i}"));
        expected.push((room, seq));
    }
    expected.reverse();
    let index = settled(dir.path());
    let names: Vec<String> = (0..13).map(|r| format!("room{r}")).collect();
    let all: HashSet<String> = names.iter().cloned().collect();
    let page = index.search("hello", &all, None, 1000).unwrap();
    let got: Vec<(String, u64)> = page.hits.into_iter().map(|h| (h.room, h.seq)).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_searcher_only_sees_the_rooms_it_may_read_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    // 100 rooms: both filters are exercised (few rooms named in the FTS query; many rooms
    // scanned and skipped).
    for i in 0..2000 {
        chat.post(&format!("room{}", i % 100), &format!("common word {i}"));
    }
    let index = settled(dir.path());
    for allowed_count in [1usize, 3, 64, 65, 99] {
        let allowed: HashSet<String> =
            (0..allowed_count).map(|r| format!("room{}", r * 100 / allowed_count)).collect();
        let mut seen = HashSet::new();
        let mut before = None;
        let mut pages = 0;
        loop {
            let Page { hits, next } = index.search("common", &allowed, before, 7).unwrap();
            pages += 1;
            for Hit { room, seq } in hits {
                assert!(allowed.contains(&room), "{room} is not allowed");
                assert!(seen.insert((room, seq)), "a hit came twice");
            }
            match next {
                Some(next) => before = Some(next),
                None => break,
            }
            assert!(pages < 1000);
        }
        assert_eq!(seen.len(), allowed_count * 20, "{allowed_count} rooms");
    }
    // Rooms the index does not know give nothing, and no error.
    assert_eq!(find(&index, "common", &["nowhere"]), []);
    assert!(index.search("common", &HashSet::new(), None, 10).unwrap().hits.is_empty());
}

#[test]
fn pages_return_each_hit_once_and_end_with_no_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    for i in 0..50 {
        chat.post(if i % 2 == 0 { "a" } else { "b" }, &format!("page test {i}"));
        chat.post("a", "something else");
    }
    let index = settled(dir.path());
    let allowed = rooms(&["a", "b"]);
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = index.search("page test", &allowed, before, 7).unwrap();
        assert!(page.hits.len() <= 7);
        all.extend(page.hits);
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(all.len(), 50);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 50);
    // Exactly a page's worth: no cursor.
    let exact = index.search("page test", &allowed, None, 50).unwrap();
    assert_eq!((exact.hits.len(), exact.next), (50, None));
    assert_eq!(exact.hits, all);
    assert_eq!(index.search("page test", &allowed, None, 0).unwrap(), Page::default());
}

#[test]
fn edits_reindex_and_deletions_remove_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    let first = chat.post("r", "the quick brown fox");
    let second = chat.post("r", "a lazy dog");
    let third = chat.post("r", "another fox");
    let index = settled(dir.path());
    assert_eq!(seqs(&index, "fox", "r"), [third, first]);

    chat.edit("r", first, "the quick brown cat");
    chat.react("r", second);
    // Not indexed yet: the old text still matches in the index, but the re-check refuses it.
    assert_eq!(seqs(&index, "fox", "r"), [third]);
    index.touched("r");
    assert!(index.settle(SETTLE));
    assert_eq!(seqs(&index, "fox", "r"), [third]);
    assert_eq!(seqs(&index, "cat", "r"), [first]);
    assert_eq!(seqs(&index, "quick", "r"), [first]);

    chat.delete("r", third);
    // Deleted a moment ago, not yet un-indexed: never returned.
    assert_eq!(seqs(&index, "fox", "r"), Vec::<u64>::new());
    assert_eq!(seqs(&index, "another", "r"), Vec::<u64>::new());
    assert!(index.settle(SETTLE));
    assert_eq!(indexed(dir.path()), 2);

    // A message edited, then deleted, in one batch; and one edited to nothing but emoji.
    let fourth = chat.post("r", "short lived words");
    chat.edit("r", fourth, "changed words");
    chat.delete("r", fourth);
    chat.edit("r", second, "🐶🐶");
    assert!(index.settle(SETTLE));
    assert_eq!(seqs(&index, "words", "r"), Vec::<u64>::new());
    assert_eq!(seqs(&index, "lazy", "r"), Vec::<u64>::new());
    assert_eq!(indexed(dir.path()), 1);
    // An edit that gives words back to a message without any.
    chat.edit("r", second, "a lazy dog again");
    assert!(index.settle(SETTLE));
    assert_eq!(seqs(&index, "lazy", "r"), [second]);
}

#[test]
fn a_restart_catches_up_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    for i in 0..30 {
        chat.post("r", &format!("before restart {i}"));
    }
    let index = settled(dir.path());
    drop(index);
    // The chat restarts too, and writes while the index is closed.
    drop(chat);
    let mut chat = Chat::reopen(dir.path());
    for i in 0..20 {
        chat.post("r", &format!("while closed {i}"));
        chat.post("s", &format!("while closed {i}"));
    }
    chat.delete("r", 1);
    chat.edit("r", 2, "edited while closed");
    let index = settled(dir.path());
    assert_eq!(find(&index, "before", &["r"]).len(), 28);
    assert_eq!(find(&index, "closed", &["r", "s"]).len(), 41);
    assert_eq!(indexed(dir.path()), 29 + 40);
    drop(index);
    // Reopening with nothing new changes nothing.
    let index = settled(dir.path());
    assert_eq!(indexed(dir.path()), 69);
    drop(index);
}

#[test]
fn a_natter_db_that_went_back_is_indexed_afresh() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut chat = Chat::create(dir.path());
        for i in 0..10 {
            chat.post("r", &format!("old timeline {i}"));
        }
        let index = settled(dir.path());
        assert_eq!(find(&index, "old", &["r"]).len(), 10);
    }
    // natter.db restored from an earlier backup: three messages, then new ones.
    std::fs::remove_file(dir.path().join("natter.db")).unwrap();
    let mut chat = Chat::create(dir.path());
    for i in 0..3 {
        chat.post("r", &format!("restored timeline {i}"));
    }
    let index = settled(dir.path());
    assert_eq!(find(&index, "timeline", &["r"]).len(), 3);
    assert_eq!(indexed(dir.path()), 3);
}

#[test]
fn touched_is_harmless_for_unknown_rooms_and_searches_see_new_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    let index = open(dir.path());
    index.touched("no such room");
    index.touched("");
    assert!(index.settle(SETTLE));
    assert_eq!(find(&index, "anything", &["no such room"]), []);
    let seq = chat.post("live", "fresh news");
    index.touched("live");
    assert!(index.settle(SETTLE));
    assert_eq!(seqs(&index, "news", "live"), [seq]);
}

#[test]
fn queries_cannot_inject_fts5_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    chat.post("r", "and or not near");
    chat.post("r", "plain words only");
    let index = settled(dir.path());
    let allowed = rooms(&["r"]);
    for query in [
        "AND",
        "OR",
        "NOT",
        "NEAR(",
        "*",
        "^",
        "\"",
        ":",
        "-",
        "AND OR NOT NEAR( * ^ \" : -",
        "body:plain",
        "\"plain",
        "plain\"",
        "plain*",
        "NEAR(plain words)",
        "{body}: plain",
        "plain NOT words",
        "'",
        "",
        "   ",
        "...",
        "_r1",
        "r1",
        "\u{0}",
        "😀",
    ] {
        let page = index.search(query, &allowed, None, 10);
        let page = page.unwrap_or_else(|e| panic!("{query:?}: {e}"));
        let found: Vec<u64> = page.hits.iter().map(|h| h.seq).collect();
        let expected: &[u64] = match query {
            "AND" | "OR" | "NOT" | "NEAR(" | "AND OR NOT NEAR( * ^ \" : -" => &[1],
            // Operators are words like any other: every one of them must be there.
            "\"plain" | "plain\"" | "plain*" => &[2],
            _ => &[],
        };
        assert_eq!(found, expected, "{query:?}");
        assert_eq!(
            search::searchable(query),
            !matches!(query, "*" | "^" | "\"" | ":" | "-" | "'" | "" | "   " | "..." | "\u{0}" | "😀"),
            "{query:?}"
        );
    }
    // A query far over the callers' 200 characters still just searches.
    let long = "plain ".repeat(10_000);
    assert_eq!(index.search(&long, &allowed, None, 10).unwrap().hits.len(), 1);
}

#[test]
fn highlights_are_char_boundaries_on_the_right_words() {
    let text = "Привет! Моя собака 🐕 любит СОБАК, а 今天天气很好 😀 — wow, running 🏃‍♀️ runs";
    let marked = |query: &str| -> Vec<&str> {
        search::highlights(query, text)
            .into_iter()
            .map(|[start, end]| {
                assert!(text.is_char_boundary(start as usize) && text.is_char_boundary(end as usize));
                &text[start as usize..end as usize]
            })
            .collect()
    };
    assert_eq!(marked("собаки"), ["собака", "СОБАК"]);
    assert_eq!(marked("天气"), ["天气"]);
    assert_eq!(marked("好"), ["好"]);
    assert_eq!(marked("run"), ["running", "runs"]);
    assert_eq!(marked("привет wow"), ["Привет", "wow"]);
    assert_eq!(marked("🐕"), Vec::<&str>::new());
    assert_eq!(marked(""), Vec::<&str>::new());
}

#[test]
fn searches_run_while_the_indexer_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    let index = Arc::new(open(dir.path()));
    let searchers: Vec<_> = (0..3)
        .map(|_| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                let allowed = rooms(&["a", "b"]);
                for _ in 0..200 {
                    let page = index.search("message", &allowed, None, 20).unwrap();
                    assert!(page.hits.len() <= 20);
                }
            })
        })
        .collect();
    for i in 0..3000 {
        let room = if i % 3 == 0 { "a" } else { "b" };
        chat.post(room, &format!("message {i}"));
        index.touched(room);
    }
    for s in searchers {
        s.join().unwrap();
    }
    assert!(index.settle(SETTLE));
    let page = index.search("message", &rooms(&["a"]), None, 2000).unwrap();
    assert_eq!(page.hits.len(), 1000);
    assert_eq!(indexed(dir.path()), 3000);
}

#[test]
fn a_backlog_larger_than_a_transaction_is_indexed_in_several() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    chat.conn.execute_batch("BEGIN").unwrap();
    for i in 0..12_000 {
        chat.post(if i % 10 == 0 { "quiet" } else { "busy" }, &format!("backlog {i}"));
    }
    chat.conn.execute_batch("COMMIT").unwrap();
    let index = settled(dir.path());
    assert_eq!(indexed(dir.path()), 12_000);
    let page = index.search("backlog", &rooms(&["quiet"]), None, 3).unwrap();
    assert_eq!(page.hits.iter().map(|h| h.seq).collect::<Vec<_>>(), [1200, 1199, 1198]);
}

#[test]
fn messages_sent_in_the_same_millisecond_are_all_indexed() {
    // An import: more rows than one transaction takes, all with the same time, in several
    // rooms. The time window cannot shrink below them; the indexer must still move on.
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    chat.tick = 0;
    chat.conn.execute_batch("BEGIN").unwrap();
    for i in 0..11_000 {
        chat.post(&format!("r{}", i % 3), &format!("imported {i}"));
    }
    chat.conn.execute_batch("COMMIT").unwrap();
    let _index = settled(dir.path());
    assert_eq!(indexed(dir.path()), 11_000);
}

#[test]
fn dropping_the_index_stops_the_indexer_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let mut chat = Chat::create(dir.path());
    chat.conn.execute_batch("BEGIN").unwrap();
    for i in 0..20_000 {
        chat.post(&format!("r{}", i % 7), &format!("a long backlog of words to index {i}"));
    }
    chat.conn.execute_batch("COMMIT").unwrap();
    let index = open(dir.path());
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    drop(index);
    // (A whole backlog would take minutes; a loaded machine may keep the lowest-priority
    // thread waiting for the CPU a while before it sees the stop.)
    assert!(started.elapsed() < Duration::from_secs(10), "drop took {:?}", started.elapsed());
    // What was committed before the stop is kept, and the rest follows on the next open.
    let index = settled(dir.path());
    assert_eq!(index.search("backlog", &rooms(&["r0"]), None, 5000).unwrap().hits.len(), 2858);
    assert_eq!(indexed(dir.path()), 20_000);
}

#[test]
fn opening_needs_a_messages_table() {
    let dir = tempfile::tempdir().unwrap();
    Connection::open(dir.path().join("natter.db")).unwrap().execute_batch("CREATE TABLE other (x)").unwrap();
    assert!(matches!(Index::open(dir.path(), &dir.path().join("natter.db")), Err(search::Error::Schema(_))));
    assert!(Index::open(dir.path(), &dir.path().join("missing.db")).is_err());
}

#[cfg(target_os = "linux")]
#[test]
fn the_indexer_runs_at_the_lowest_priority() {
    let dir = tempfile::tempdir().unwrap();
    let _chat = Chat::create(dir.path());
    let index = settled(dir.path());
    // /proc/self/task/<tid>/stat: "tid (name) state …"; the nice value is the 19th field and
    // the scheduling policy the 41st (5: SCHED_IDLE). The thread names and lowers itself once
    // it runs: wait for it.
    let lowest = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("stat")).ok())
            .find(|stat| stat.contains("(natter-search-i"))
            .map(|stat| {
                let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
                fields[38] == "5" || fields[16] == "19"
            })
    };
    let mut low = lowest();
    for _ in 0..100 {
        if low == Some(true) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        low = lowest();
    }
    assert_eq!(low, Some(true), "SCHED_IDLE or nice 19");
    drop(index);
}
