//! Plain mode through pipes, against the real server.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use support::{plain, temp_dir, Server, WAIT};

/// Runs plain mode with `input` as its standard input; (exit code, stdout, stderr).
fn run(server: &str, nick: &str, room: &str, input: &str) -> (i32, String, String) {
    let mut child = plain(server, nick, room)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start natter-tui");
    // A client refused at once (an unknown room, a bad nickname) exits without reading its
    // input: the write then fails with a broken pipe, which is not the test's business.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "natter-tui did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A reader that stays in the room (its standard input left open); its lines arrive on a channel.
struct Reader {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Reader {
    fn start(server: &str, nick: &str, room: &str) -> Reader {
        let mut child = plain(server, nick, room)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Reader { child, stdin, lines, seen: Vec::new() }
    }

    /// Waits until `count` lines have been printed in all.
    fn wait_for(&mut self, count: usize) -> &[String] {
        let deadline = Instant::now() + WAIT;
        while self.seen.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("{} of {count} lines: {:?}", self.seen.len(), self.seen),
            }
        }
        // Anything more (a duplicate) would show within a moment.
        std::thread::sleep(Duration::from_millis(300));
        self.seen.extend(self.lines.try_iter());
        &self.seen
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin.as_mut().unwrap(), "{line}").unwrap();
    }

    /// Ends its standard input; its exit code.
    fn finish(mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "reader did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `HH:MM author: text`, whatever the time.
fn text_of(line: &str) -> &str {
    assert_eq!(line.as_bytes().get(2), Some(&b':'), "{line}");
    &line[6..]
}

#[test]
fn lines_are_sent_in_order_and_printed_by_every_client() {
    let server = Server::start(&temp_dir("pipes"));
    let mut bob = Reader::start(&server.url(), "bob", "general");
    let (code, out, err) = run(&server.url(), "ann", "general", "hello\n\nsecond line\nthird ✓ 日本\n");
    assert_eq!(code, 0, "stderr: {err}");
    let texts: Vec<&str> = out.lines().map(text_of).collect();
    assert_eq!(texts, ["ann: hello", "ann: second line", "ann: third ✓ 日本"]);
    let seen: Vec<String> = bob.wait_for(3).iter().map(|l| text_of(l).to_owned()).collect();
    assert_eq!(seen, texts);
    // And back: bob writes, a new reader gets the whole page of history.
    bob.send("hi ann");
    assert_eq!(text_of(&bob.wait_for(4)[3]), "bob: hi ann");
    assert_eq!(bob.finish(), 0);
    let (code, out, _) = run(&server.url(), "cat", "general", "");
    assert_eq!(code, 0);
    assert!(out.is_empty(), "nothing to send: it exits without waiting for the room");
    let (code, out, _) = run(&server.url(), "cat", "general", "me too\n");
    assert_eq!(code, 0);
    let texts: Vec<&str> = out.lines().map(text_of).collect();
    assert_eq!(texts, ["ann: hello", "ann: second line", "ann: third ✓ 日本", "bob: hi ann", "cat: me too"]);
}

#[test]
fn refusals_go_to_stderr_with_a_failing_exit_status() {
    let server = Server::start(&temp_dir("refusals"));
    let (code, out, err) = run(&server.url(), "ann", "nowhere", "hi\n");
    assert_eq!(code, 2, "unknown room: {out} / {err}");
    assert!(err.contains("nowhere"), "{err}");
    let long = "x".repeat(protocol::MAX_MESSAGE_CHARS + 1);
    let (code, out, err) = run(&server.url(), "ann", "general", &format!("ok\n{long}\nafter\n"));
    assert_eq!(code, 1, "{err}");
    assert!(!err.is_empty());
    let texts: Vec<&str> = out.lines().map(text_of).collect();
    assert_eq!(texts, ["ann: ok", "ann: after"]);
    let (code, _, err) = run(&server.url(), "ann", "general", "");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&server.url(), &"n".repeat(protocol::MAX_NICKNAME_CHARS + 1), "general", "hi\n");
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_protected_nickname_takes_its_password_from_the_environment() {
    let server = Server::start(&temp_dir("password"));
    support::claim(&server.addr, "Ann", "correct horse battery");
    let with = |password: &str| {
        let mut child = plain(&server.url(), "ann", "general")
            .env("NATTER_PASSWORD", password)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"it is me\n").unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, out, err) = with("correct horse battery");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.ends_with("Ann: it is me\n"), "{out}");
    let (code, out, err) = with("wrong horse");
    assert_eq!(code, Some(2), "{out}");
    assert!(!err.is_empty());
}

#[test]
fn a_server_killed_and_restarted_loses_and_repeats_nothing() {
    let dir = temp_dir("restart");
    let server = Server::start(&dir);
    let url = server.url();
    let addr = server.addr.clone();
    let mut bob = Reader::start(&url, "bob", "general");
    let mut ann = Reader::start(&url, "ann", "general");
    ann.send("before 1");
    ann.send("before 2");
    bob.wait_for(2);
    server.kill();
    // Written while the server is down: sent once it is back.
    ann.send("during 1");
    ann.send("during 2");
    std::thread::sleep(Duration::from_millis(700));
    let server = Server::start_on(&dir, &addr);
    ann.send("after 1");
    let texts = |lines: &[String]| lines.iter().map(|l| text_of(l).to_owned()).collect::<Vec<_>>();
    let expected = ["ann: before 1", "ann: before 2", "ann: during 1", "ann: during 2", "ann: after 1"];
    assert_eq!(texts(bob.wait_for(5)), expected);
    assert_eq!(texts(ann.wait_for(5)), expected);
    assert_eq!(ann.finish(), 0);
    assert_eq!(bob.finish(), 0);
    drop(server);
}
