//! (g) The terminal client: the real `natter-tui` in a pseudo-terminal, its output read back
//! through a vt100 parser, with a room of 10,000 stored messages all loaded into it by
//! scrolling up. Measures its memory, the time from a keystroke written to the terminal to
//! the screen showing it (at the bottom and scrolled to the very top), and what it does while
//! nothing happens (bytes drawn and CPU over an idle window).

use crate::client;
use crate::scenarios::Outcome;
use crate::server::{cpu_ns, Server};
use crate::Args;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use protocol::{ClientEvent, ServerEvent};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Keystrokes timed in each position.
const KEYSTROKES: usize = 300;
const IDLE: Duration = Duration::from_secs(10);
const PAGE_UP: &str = "\x1b[5~";
const BACKSPACE: &str = "\x7f";

pub async fn tui(args: &Args, messages: usize) -> Result<Outcome, String> {
    let binary = std::fs::canonicalize(&args.tui)
        .map_err(|e| format!("{}: {e} (cargo build --release -p tui)", args.tui))?
        .to_string_lossy()
        .into_owned();
    let server = Server::start(&args.natter, &["--max-messages-per-second", "100000"])?;
    seed(&server.addr, messages).await?;
    let addr = server.addr.clone();
    let figures = tokio::task::spawn_blocking(move || measure(&binary, &addr, messages))
        .await
        .map_err(|e| e.to_string())??;
    Ok(Outcome { name: format!("g: the terminal client with {messages} messages"), figures })
}

/// Everyday lines of varied length and script, some wrapping over several rows; each starts
/// with its number (`n00001`) so the screen shows where it is.
fn text(i: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "deploy",
        "is",
        "green",
        "again",
        "🎉",
        "can",
        "someone",
        "look",
        "at",
        "the",
        "flaky",
        "test",
        "日本語のテキスト",
        "привет",
        "всем",
        "olá",
        "pessoal",
        "你好",
        "明天见",
        "lunch?",
        "ok",
        "👍🏽",
        "thanks",
        "for",
        "the",
        "review",
        "merged",
    ];
    let words = [3, 7, 12, 25, 60][i % 5];
    let mut out = format!("n{i:05}");
    for w in 0..words {
        out.push(' ');
        out.push_str(WORDS[(i * 7 + w * 3) % WORDS.len()]);
    }
    out
}

/// Stores `messages` in `general`, in batches, each acknowledged before the next.
async fn seed(addr: &str, messages: usize) -> Result<(), String> {
    let mut socket = client::join(addr, "seeder", "general").await?;
    let mut sent = 0;
    while sent < messages {
        let batch = (messages - sent).min(200);
        for i in sent + 1..=sent + batch {
            let event = ClientEvent::Send {
                room: "general".into(),
                client_id: format!("s{i}"),
                text: text(i),
                reply_to: None,
                attachments: Vec::new(),
            };
            socket.feed(client::frame(&event)).await.map_err(|e| e.to_string())?;
        }
        socket.flush().await.map_err(|e| e.to_string())?;
        let mut acked = 0;
        while acked < batch {
            let frame = tokio::time::timeout(Duration::from_secs(30), socket.next())
                .await
                .map_err(|_| "seeding: no ack in 30 s".to_owned())?
                .ok_or("seeding: the server closed")?
                .map_err(|e| e.to_string())?;
            match client::decode(&frame) {
                Some(ServerEvent::Ack { .. }) => acked += 1,
                Some(ServerEvent::Error { message, .. }) => return Err(format!("seeding: {message}")),
                _ => {}
            }
        }
        sent += batch;
    }
    Ok(())
}

/// The client in its terminal, and when each piece of its output arrived.
struct Terminal {
    parser: Arc<Mutex<vt100::Parser>>,
    /// One tick per chunk of output, after the parser took it in.
    drawn: Receiver<Instant>,
    bytes: Arc<AtomicU64>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    _config: tempdir::Dir,
}

mod tempdir {
    /// A directory removed when dropped (the client's config: a fresh one each run).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Terminal {
    fn start(binary: &str, addr: &str) -> Result<Terminal, String> {
        let pair = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .map_err(|e| e.to_string())?;
        let config = std::env::temp_dir().join(format!("natter-bench-tui-{}", std::process::id()));
        std::fs::create_dir_all(&config).map_err(|e| e.to_string())?;
        let mut command = CommandBuilder::new(binary);
        command.args([&format!("http://{addr}"), "--nick", "reader"]);
        command.env("TERM", "xterm-256color");
        command.env_remove("COLORTERM");
        command.env("XDG_CONFIG_HOME", &config);
        command.env_remove("NATTER_PASSWORD");
        let child = pair.slave.spawn_command(command).map_err(|e| e.to_string())?;
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let bytes = Arc::new(AtomicU64::new(0));
        let (tick, drawn) = channel();
        let mut reader = pair.master.try_clone_reader().map_err(|e| e.to_string())?;
        let (feed, count) = (parser.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().expect("parser").process(&buf[..n]);
                count.fetch_add(n as u64, Ordering::Relaxed);
                if tick.send(Instant::now()).is_err() {
                    break;
                }
            }
        });
        let writer = pair.master.take_writer().map_err(|e| e.to_string())?;
        Ok(Terminal {
            parser,
            drawn,
            bytes,
            writer,
            child,
            _master: pair.master,
            _config: tempdir::Dir(config),
        })
    }

    fn pid(&self) -> Result<u32, String> {
        self.child.process_id().ok_or_else(|| "natter-tui has no pid".to_owned())
    }

    fn contents(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    fn cursor(&self) -> (u16, u16) {
        self.parser.lock().expect("parser").screen().cursor_position()
    }

    fn keys(&mut self, keys: &str) -> Result<(), String> {
        self.writer.write_all(keys.as_bytes()).and_then(|()| self.writer.flush()).map_err(|e| e.to_string())
    }

    fn wait(&self, what: &str, limit: Duration, test: impl Fn(&Terminal) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        while !test(self) {
            if Instant::now() > deadline {
                return Err(format!("natter-tui: no {what} in {limit:?}; the screen:\n{}", self.contents()));
            }
            let _ = self.drawn.recv_timeout(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Writes `keys` and waits for the output after which `test` holds; the time from the
    /// write to the arrival of that output.
    fn timed(&mut self, keys: &str, test: impl Fn(&Terminal) -> bool) -> Result<Duration, String> {
        while self.drawn.try_recv().is_ok() {}
        let start = Instant::now();
        self.keys(keys)?;
        let deadline = start + Duration::from_secs(5);
        loop {
            let failed = |t: &Terminal| {
                format!("no redraw in 5 s (cursor at {:?}); the screen:\n{}", t.cursor(), t.contents())
            };
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Err(failed(self));
            };
            let Ok(at) = self.drawn.recv_timeout(left) else { return Err(failed(self)) };
            if test(self) {
                return Ok(at - start);
            }
        }
    }

    /// Types a letter and deletes it again, `KEYSTROKES` times over, timing each.
    fn keystrokes(&mut self) -> Result<Histogram<u64>, String> {
        let mut us = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
        let (row, col) = self.cursor();
        eprintln!("cursor at {row},{col}");
        for i in 0..KEYSTROKES / 2 {
            let letter = char::from(b'a' + (i % 26) as u8).to_string();
            let typed = self.timed(&letter, |t| t.cursor() == (row, col + 1))?;
            let deleted = self.timed(BACKSPACE, |t| t.cursor() == (row, col))?;
            for took in [typed, deleted] {
                let _ = us.record(took.as_micros() as u64);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(us)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn ms(us: &Histogram<u64>) -> String {
    let q = |q: f64| us.value_at_quantile(q) as f64 / 1000.0;
    format!("{:.2} / {:.2} / {:.2}", q(0.5), q(0.99), us.max() as f64 / 1000.0)
}

fn measure(binary: &str, addr: &str, messages: usize) -> Result<Vec<(String, String)>, String> {
    let mut term = Terminal::start(binary, addr)?;
    let pid = term.pid()?;
    let last = format!("n{messages:05}");
    term.wait("connection and the latest page", Duration::from_secs(20), |t| {
        let c = t.contents();
        c.contains("● connected") && c.contains(&last)
    })?;
    let rss_latest = rss_kib(pid);
    let bottom = term.keystrokes()?;

    // Scroll to the very top: every page of history loads on the way.
    let started = Instant::now();
    let first = "n00001 ";
    while !term.contents().contains(first) || term.contents().contains("older messages load") {
        if started.elapsed() > Duration::from_secs(300) {
            return Err(format!(
                "natter-tui: the top not reached in 300 s; the screen:\n{}",
                term.contents()
            ));
        }
        term.keys(PAGE_UP)?;
        let _ = term.drawn.recv_timeout(Duration::from_millis(50));
    }
    let loading = started.elapsed();
    // Settle: let the last page and its redraw land.
    std::thread::sleep(Duration::from_millis(300));
    let rss_all = rss_kib(pid);
    let top = term.keystrokes()?;
    if !term.contents().contains(first) {
        return Err(format!(
            "natter-tui: typing moved the view from the top; the screen:\n{}",
            term.contents()
        ));
    }

    // Idle: nothing changes, so nothing should be drawn. (Its own typing stop went out
    // during the keystrokes' pauses; give it time to settle first.)
    std::thread::sleep(Duration::from_secs(6));
    let (bytes, cpu) = (term.bytes.load(Ordering::Relaxed), cpu_ns(pid).unwrap_or(0));
    std::thread::sleep(IDLE);
    let idle_bytes = term.bytes.load(Ordering::Relaxed) - bytes;
    let idle_cpu_ms = cpu_ns(pid).unwrap_or(0).saturating_sub(cpu) as f64 / 1e6;

    let mb = |kib: u64| format!("{:.1}", kib as f64 / 1024.0);
    Ok(vec![
        ("terminal".into(), format!("{COLS}×{ROWS}, truecolor, a vt100 parser reading the pty")),
        ("RSS MB, latest page (50 messages)".into(), mb(rss_latest)),
        (format!("RSS MB, all {messages} messages loaded"), mb(rss_all)),
        (
            format!("scrolling up through all {messages} (PageUp, loading every page) s"),
            format!("{:.1}", loading.as_secs_f64()),
        ),
        ("keystroke → redrawn, at the bottom, p50 / p99 / max ms".into(), ms(&bottom)),
        (format!("keystroke → redrawn, scrolled to the top of {messages}, p50 / p99 / max ms"), ms(&top)),
        ("keystrokes timed in each position".into(), (bottom.len()).to_string()),
        (format!("idle {} s: bytes drawn", IDLE.as_secs()), idle_bytes.to_string()),
        (format!("idle {} s: CPU ms", IDLE.as_secs()), format!("{idle_cpu_ms:.1}")),
    ])
}
