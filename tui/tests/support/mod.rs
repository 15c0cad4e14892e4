//! Starts the real `natter` server on a free port with its own data directory, and the real
//! `natter-tui` against it.
#![allow(dead_code)]

mod screen;

#[allow(unused_imports)] // plain.rs has no screen
pub use screen::Screen;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(15);

/// `natter-tui --plain` as `nick` in `room`, in UTC and without a password from the caller's
/// environment.
pub fn plain(server: &str, nick: &str, room: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_natter-tui"));
    command
        .args([server, "--plain", "--nick", nick, "--room", room])
        .env("TZ", "UTC")
        .env("NATTER_LANG", "en")
        .env_remove("NATTER_PASSWORD");
    command
}

/// The server binary of this workspace, built if it is not there yet.
pub fn natter_bin() -> PathBuf {
    let tui = PathBuf::from(env!("CARGO_BIN_EXE_natter-tui"));
    let natter = tui.with_file_name("natter");
    if !natter.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "server", "--bin", "natter"])
            .args(if tui.parent().is_some_and(|d| d.ends_with("release")) { &["--release"][..] } else { &[] })
            .status()
            .expect("cargo build natter");
        assert!(status.success(), "building the natter server failed");
    }
    natter
}

pub struct Server {
    pub addr: String,
    pub data_dir: PathBuf,
    child: Child,
}

impl Server {
    /// On a free port.
    pub fn start(data_dir: &Path) -> Server {
        Self::start_on(data_dir, "127.0.0.1:0")
    }

    /// On `addr` (a restart on the same port), retrying while the port is still taken.
    pub fn start_on(data_dir: &Path, addr: &str) -> Server {
        let deadline = Instant::now() + WAIT;
        loop {
            let mut child = Command::new(natter_bin())
                .args(["--addr", addr, "--data-dir"])
                .arg(data_dir)
                .env("RUST_LOG", "info")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start natter");
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            let listening = lines.by_ref().map_while(Result::ok).find_map(|line| {
                let rest = line.split("listening on http://").nth(1)?;
                let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                Some(rest[..end].to_owned())
            });
            if let Some(addr) = listening {
                std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
                return Server { addr, data_dir: data_dir.to_owned(), child };
            }
            let _ = child.wait();
            assert!(Instant::now() < deadline, "natter did not start on {addr}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server the hard way (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("natter-tui-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Claims `nickname` with `password`, as the browser's sign-in form does (`/api/join`).
pub fn claim(addr: &str, nickname: &str, password: &str) {
    use std::io::{Read, Write};
    let body = format!("nickname={}&password={}", nickname, password.replace(' ', "+"));
    let mut socket = std::net::TcpStream::connect(addr).unwrap();
    write!(
        socket,
        "POST /api/join HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
