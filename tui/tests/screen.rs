//! The full screen, end to end: the real `natter-tui` in pseudo-terminals against the real
//! server, its screen read back through a vt100 parser.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{temp_dir, Screen, Server, WAIT};

fn count(screen: &Screen, text: &str) -> usize {
    screen.contents().matches(text).count()
}

#[test]
fn two_terminals_chat_type_live_switch_rooms_resize_and_survive_a_restart() {
    let dir = temp_dir("screen");
    let server = Server::start(&dir);
    let url = server.url();
    let addr = server.addr.clone();
    let mut ann = Screen::start(&url, "ann", &dir.join("ann-config"), 100, 30);
    let mut bob = Screen::start(&url, "bob", &dir.join("bob-config"), 100, 30);
    ann.shows("connected as ann");
    bob.shows("connected as bob");
    ann.shows("bob");

    // Messages both ways.
    ann.line("hello bob");
    bob.shows("hello bob");
    bob.line("hi ann");
    ann.shows("hi ann");

    // Live typing both ways, gone once sent.
    bob.keys("still typ");
    ann.shows("bob is typing: still typ");
    bob.keys("ing");
    ann.shows("bob is typing: still typing");
    bob.keys("\r");
    ann.wait("the draft to give way to the message", |c| {
        !c.contains("is typing") && c.contains("still typing")
    });
    ann.keys("and me");
    bob.shows("ann is typing: and me");
    ann.keys("\x15"); // not bound: the composer keeps it
    ann.keys("\r");
    bob.shows("and me");

    // Typing hidden: only that someone types.
    bob.line("/typing off");
    bob.shows("typing hidden");
    bob.keys("secret");
    ann.shows("bob is typing…");
    assert!(!ann.contents().contains("secret"));
    bob.keys(&"\x7f".repeat(6));
    ann.wait("the indicator to stop", |c| !c.contains("is typing"));

    // Rooms and unread counts.
    ann.line("/create rust");
    ann.shows("#rust · sharing");
    bob.line("back in general");
    ann.shows("#general (1)");
    ann.keys("\x10"); // Ctrl-P: the room before
    ann.shows("#general · sharing");
    ann.shows("back in general");
    ann.wait("the count to clear", |c| !c.contains("#general (1)"));

    // A resize folds the members away and reflows; a CJK line wraps by cells.
    ann.resize(60, 30);
    ann.wait("members to fold", |c| !c.lines().next().unwrap_or("").contains("members"));
    let cjk = "日本語のテキストがここにあります、とても長い行で折り返されるはずです。";
    bob.line(cjk);
    ann.wait("the CJK line", |c| c.contains("日本語のテキスト"));
    let rows = ann.rows();
    let joined: String =
        rows.iter().map(|r| r.trim_end().trim_start_matches([' ', '│'])).collect::<Vec<_>>().concat();
    assert!(joined.contains(cjk), "the wrapped rows keep every character:\n{}", ann.contents());
    assert!(rows.iter().any(|r| r.trim_end().ends_with('る') || r.contains("日本語")), "{rows:?}");
    ann.resize(100, 30);
    ann.wait("members back", |c| c.lines().next().unwrap_or("").contains("members"));

    // The server killed mid-conversation and restarted: every message exactly once.
    server.kill();
    ann.shows("reconnecting in");
    bob.shows("reconnecting in");
    bob.line("sent while down");
    std::thread::sleep(Duration::from_millis(500));
    let server = Server::start_on(&dir, &addr);
    ann.shows("sent while down");
    ann.shows("connected as ann");
    bob.shows("connected as bob");
    ann.line("after the restart");
    bob.shows("after the restart");
    std::thread::sleep(Duration::from_millis(500));
    for screen in [&ann, &bob] {
        for text in
            ["hello bob", "hi ann", "and me", "back in general", "sent while down", "after the restart"]
        {
            assert_eq!(count(screen, text), 1, "{text} once:\n{}", screen.contents());
        }
    }

    // The terminal is restored on quit.
    ann.keys("\x03");
    let deadline = Instant::now() + WAIT;
    while ann.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "Ctrl-C did not quit");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!ann.parser.lock().unwrap().screen().alternate_screen(), "left the alternate screen");
    drop(server);
}

#[test]
fn slash_password_protects_the_nickname_asked_without_echo() {
    let dir = temp_dir("password");
    let server = Server::start(&dir);
    let url = server.url();
    let mut ann = Screen::start(&url, "ann", &dir.join("ann-config"), 100, 30);
    ann.shows("connected as ann");
    ann.line("/password hunter2");
    ann.shows("Type /password alone");
    ann.line("/password");
    ann.shows("New password for ann");
    ann.line("correct horse");
    ann.shows("The same again");
    assert!(!ann.contents().contains("correct horse"), "the password is not echoed");
    ann.line("correct horse");
    ann.shows("Your nickname ann is protected");
    // Without it (or with another) the nickname is refused now; with it, let in.
    let plain = |password: &str| {
        use std::process::Stdio;
        let mut child = support::plain(&url, "ann", "general")
            .env("NATTER_PASSWORD", password)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"it is me\n").unwrap();
        child.wait_with_output().unwrap()
    };
    let refused = plain("wrong horse");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Wrong password"), "{refused:?}");
    assert!(plain("correct horse").status.success());
}

/// The rows of the selected message: those with its mark in the gutter.
fn selected(contents: &str) -> String {
    contents
        .lines()
        .filter(|l| l.split('│').nth(1).is_some_and(|c| c.starts_with(['▶', '┃'])))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Alt-Up and Esc as a terminal sends them.
const ALT_UP: &str = "\x1b[1;3A";
const ESC: &str = "\x1b";

#[test]
fn replies_reactions_edits_deletions_and_mentions_reach_the_other_terminal() {
    let dir = temp_dir("features");
    let server = Server::start(&dir);
    let url = server.url();
    let mut ann = Screen::start(&url, "ann", &dir.join("ann-config"), 100, 30);
    let mut bob = Screen::start(&url, "bob", &dir.join("bob-config"), 100, 30);
    // And a script, in plain mode: it prints edits and deletions, not reactions.
    let mut cat = support::plain(&url, "cat", "general")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let printed = Arc::new(Mutex::new(Vec::<String>::new()));
    let out = BufReader::new(cat.stdout.take().unwrap());
    let sink = printed.clone();
    std::thread::spawn(move || out.lines().map_while(Result::ok).for_each(|l| sink.lock().unwrap().push(l)));
    ann.shows("connected as ann");
    bob.shows("connected as bob");
    ann.shows("cat");
    bob.shows("cat");

    ann.line("hello bob");
    bob.shows("hello bob");

    // A reply: by default to the last message by someone else.
    bob.line("/reply thanks ann");
    ann.shows("↳ ann: hello bob");
    ann.shows("thanks ann");

    // Reactions: by default to that message too, then to the one selected with Alt-Up.
    bob.line("/react :tada:");
    ann.shows("🎉 1");
    // Bob has his reply once he has the reaction that came after it.
    bob.shows("🎉 1");
    bob.keys(ALT_UP);
    bob.wait("the newest selected", |c| selected(c).contains("thanks ann"));
    bob.keys(ALT_UP);
    bob.wait("the one before selected", |c| {
        let rows = selected(c);
        rows.contains("hello bob") && !rows.contains("thanks ann")
    });
    bob.line("/react 👍");
    ann.shows("🎉 1  👍 1");
    bob.keys(ESC);
    bob.wait("the selection to go", |c| !c.contains('▶'));

    // An edit in the composer: by default the reader's last message.
    bob.line("/edit");
    bob.shows("editing your message");
    bob.keys(" and all");
    bob.keys("\r");
    ann.shows("thanks ann and all (edited)");
    // Bob's own copy changes when the server's `edited` reaches him, which may be after Ann's:
    // a /delete asked before that would quote the text as it was.
    bob.shows("thanks ann and all (edited)");
    bob.wait("the composer back to the room", |c| c.contains("#general · sharing"));
    assert!(!ann.contents().contains("is typing"), "an edit is not typing:\n{}", ann.contents());

    // A deletion, asked first.
    bob.line("/delete");
    bob.shows("delete “thanks ann and all”? y/n");
    bob.keys("y");
    ann.shows("bob message deleted");
    ann.wait("the text and its quote gone", |c| !c.contains("thanks ann") && !c.contains("↳"));
    assert!(ann.contents().contains("🎉 1  👍 1"), "the reactions stay on hello bob");

    // A mention rings the bell once; in a room not on screen it leaves a note and a count.
    assert_eq!(bob.bells(), 0);
    ann.line("@bob are you there");
    bob.rings(1);
    bob.shows("@bob are you there");
    bob.line("/create rust");
    bob.shows("#rust · sharing");
    ann.line("@bob over here");
    bob.rings(2);
    bob.shows("ann mentioned you in #general: @bob over here");
    bob.shows("#general (1) @1");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(bob.bells(), 2, "once per mention");

    let deadline = Instant::now() + WAIT;
    while printed.lock().unwrap().len() < 6 {
        assert!(Instant::now() < deadline, "plain mode printed {:?}", printed.lock().unwrap());
        std::thread::sleep(Duration::from_millis(30));
    }
    let lines = printed.lock().unwrap().clone();
    // `HH:MM ` first, whatever the time.
    let rest: Vec<&str> = lines.iter().map(|l| l.get(6..).unwrap_or_default()).collect();
    let (edit, delete) = (rest[2].split_once(": "), rest[3].split_once(' '));
    assert_eq!(rest[..2], ["ann: hello bob", "bob: thanks ann"], "{lines:?}");
    assert!(edit.is_some_and(|(who, text)| who.starts_with("bob edited #") && text == "thanks ann and all"));
    assert!(delete.is_some_and(|(seq, what)| seq.starts_with('#') && what == "deleted"), "{lines:?}");
    assert_eq!(rest[4..], ["ann: @bob are you there", "ann: @bob over here"], "{lines:?}");
    let _ = cat.kill();
    let _ = cat.wait();
    drop(server);
}
