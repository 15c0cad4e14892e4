//! `/upload`, end to end: the real `natter-tui` in a pseudo-terminal sends a file to the real
//! server, shows it as `📎 name (size, type) URL`, and that address gives the file back.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;
use support::{temp_dir, Screen, Server, WAIT};

/// A plain-mode reader staying in the room; what it prints, line by line, without its
/// `HH:MM ` (as the server stored it: each message whole on one line).
struct Reader {
    child: Child,
    lines: Receiver<String>,
}

impl Reader {
    fn start(server: &str, nick: &str) -> Reader {
        let mut child = support::plain(server, nick, "general")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line.get(6..).unwrap_or_default().to_owned());
            }
        });
        Reader { child, lines }
    }

    fn next(&self, what: &str) -> String {
        self.lines.recv_timeout(WAIT).unwrap_or_else(|_| panic!("plain mode printed no line ({what})"))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address on the screen that has `/files/` in it (on the `📎` row, or on a row of its own
/// when the whole did not fit).
fn file_url(contents: &str) -> Option<String> {
    contents
        .split(|c: char| c.is_whitespace() || c == '│')
        .find(|word| word.starts_with("http://") && word.contains("/files/"))
        .map(str::to_owned)
}

/// `GET url` over a plain TCP connection: (status line, headers in lower case, body).
fn get(url: &str) -> (String, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// address");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let mut socket = std::net::TcpStream::connect(host).unwrap();
    socket.set_read_timeout(Some(WAIT)).unwrap();
    write!(socket, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).unwrap();
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("the end of the head");
    let head = String::from_utf8(answer[..end].to_vec()).unwrap();
    let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    (status.to_owned(), headers.to_ascii_lowercase(), answer[end + 4..].to_vec())
}

#[test]
fn slash_upload_sends_a_file_that_downloads_from_the_address_shown_and_refuses_a_missing_one() {
    let dir = temp_dir("slash-upload");
    let server = Server::start(&dir);
    let url = server.url();
    // Wide enough that the address stays on the 📎 row, whole.
    let mut ann = Screen::start(&url, "ann", &dir.join("ann-config"), 180, 30);
    let cat = Reader::start(&url, "cat");
    ann.shows("connected as ann");
    ann.shows("cat");

    let files = dir.join("files here");
    std::fs::create_dir_all(&files).unwrap();
    let path = files.join("my notes.txt");
    let contents = b"hello from the terminal\n";
    std::fs::write(&path, contents).unwrap();

    ann.line(&format!("/upload \"{}\" the notes", path.display()));
    ann.wait("the message with its file and address", |c| {
        c.contains("the notes")
            && c.lines().any(|l| l.contains("📎 my notes.txt (24 bytes, text/plain") && l.contains("/files/"))
    });
    let shown = file_url(&ann.contents()).unwrap_or_else(|| panic!("no address:\n{}", ann.contents()));
    assert!(shown.starts_with(&format!("{url}/files/")), "{shown}");
    assert!(shown.ends_with("/my%20notes.txt"), "{shown}");
    ann.wait("the upload's progress to leave the status line", |c| !c.contains("Uploading"));

    // Another reader got the same message, with the same address.
    let line = cat.next("the file");
    assert!(line.starts_with("ann: the notes 📎 my notes.txt (24 bytes, text/plain"), "{line}");
    assert!(line.ends_with(&format!(") {shown}")), "{line} (the screen: {shown})");

    // The address gives the file back, byte for byte.
    let (status, headers, body) = get(&shown);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}\n{headers}");
    assert!(headers.lines().any(|h| h.starts_with("content-type: text/plain")), "{headers}");
    assert_eq!(body, contents, "{headers}");

    // A missing file: refused on the screen, nothing sent.
    ann.line("/upload /nonexistent/file");
    ann.shows("⚠ There is no file /nonexistent/file.");
    assert!(!ann.contents().contains("Uploading"), "nothing on its way:\n{}", ann.contents());
    ann.line("after the refusal");
    ann.wait("the next message", |c| c.lines().any(|l| l.contains("ann") && l.contains("after the refusal")));
    assert_eq!(cat.next("the message after the refusal"), "ann: after the refusal", "no file was sent");
    std::thread::sleep(Duration::from_millis(300));
    assert!(cat.lines.try_recv().is_err(), "nothing more was sent");
    assert_eq!(ann.contents().matches('📎').count(), 1, "one file on the screen:\n{}", ann.contents());

    drop(ann);
    drop(cat);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
