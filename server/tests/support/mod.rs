//! Starts the real `natter` binary on a free port with its own data directory, and speaks the
//! live protocol to it over a real WebSocket.
#![allow(dead_code)]

pub mod services;

use futures::{SinkExt, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Server {
    pub addr: String,
    pub data_dir: PathBuf,
    child: Child,
    /// Every line the server logged so far.
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(data_dir: &Path) -> Server {
        Self::start_with(data_dir, &[], "info")
    }

    /// Starts the server with extra command-line arguments and a log filter (`RUST_LOG`).
    pub fn start_with(data_dir: &Path, args: &[&str], log: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_natter"))
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(args)
            .env("RUST_LOG", log)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start natter");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("natter exited before listening").expect("read stdout");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                // Human or JSON log line: the address is what follows, up to a quote or space.
                let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
                break rest[..end].to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in lines.by_ref().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server { addr, data_dir: data_dir.to_owned(), child, logs }
    }

    /// Stops the server the hard way (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the server to stop (SIGTERM), as a deploy or `systemctl stop` would.
    pub fn terminate(&self) {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the server to exit; its exit status, or `None` if it is still
    /// running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The server's resident memory (VmRSS), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("proc status");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
        line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmRSS value")
    }

    /// The lines the server has logged so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Calls a server function the way the app does: a urlencoded form, a JSON answer, and
    /// the browser's session cookie if it has one.
    pub async fn call_function(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()))
            .collect::<Vec<_>>()
            .join("&");
        self.post_to_function(path, cookie, "application/x-www-form-urlencoded", body).await
    }

    /// Calls a server function that takes JSON (`room_page`), as the app does.
    pub async fn call_json(
        &self,
        path: &str,
        cookie: Option<&str>,
        arguments: serde_json::Value,
    ) -> reqwest::Response {
        self.post_to_function(path, cookie, "application/json", arguments.to_string()).await
    }

    async fn post_to_function(
        &self,
        path: &str,
        cookie: Option<&str>,
        content_type: &str,
        body: String,
    ) -> reqwest::Response {
        use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE};
        let mut request = reqwest::Client::new()
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .header(ACCEPT, "application/json")
            .body(body);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// The live WebSocket's address.
    fn live_url(&self) -> String {
        format!("ws://{}{}", self.addr, protocol::LIVE_PATH)
    }

    /// A WebSocket that presents a browser's cookies.
    pub async fn connect_with_cookie(&self, cookie: &str) -> Client {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = self.live_url().into_client_request().unwrap();
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
        Client { socket }
    }

    pub async fn connect(&self) -> Client {
        let (socket, _) = tokio_tungstenite::connect_async(self.live_url()).await.expect("websocket connect");
        Client { socket }
    }

    /// A WebSocket whose TCP receive buffer is about `bytes`, so the server's writes to it
    /// block as soon as the client stops reading.
    pub async fn connect_with_receive_buffer(&self, bytes: u32) -> Client {
        let tcp = tokio::net::TcpSocket::new_v4().unwrap();
        tcp.set_recv_buffer_size(bytes).unwrap();
        let tcp = tcp.connect(self.addr.parse().unwrap()).await.expect("tcp connect");
        let (socket, _) = tokio_tungstenite::client_async(self.live_url(), MaybeTlsStream::Plain(tcp))
            .await
            .expect("websocket connect");
        Client { socket }
    }

    /// Joins as `nickname` from a fresh browser (the `join` server function); its session
    /// cookie (`name=value`).
    pub async fn sign_in(&self, nickname: &str) -> String {
        let response = self.call_function("/api/join", None, &[("nickname", nickname)]).await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    }

    /// A live connection of the browser holding `cookie`, after hello as `nickname`; the
    /// client and the room list it was sent.
    pub async fn live(&self, cookie: &str, nickname: &str) -> (Client, Vec<protocol::RoomInfo>) {
        let mut client = self.connect_with_cookie(cookie).await;
        client.send(&ClientEvent::Hello { nickname: nickname.into(), password: None }).await;
        match client.next().await {
            ServerEvent::Welcome { .. } => {}
            other => panic!("{nickname}'s cookie was not taken: {other:?}"),
        }
        match client.next().await {
            ServerEvent::Rooms { rooms } => (client, rooms),
            other => panic!("expected rooms, got {other:?}"),
        }
    }

    /// A connected client that said hello as `nickname` (welcome and room list drained).
    pub async fn hello(&self, nickname: &str) -> Client {
        self.connect().await.introduce(nickname).await
    }

    /// A connected client that said hello as `nickname` and joined `room` (history drained).
    pub async fn joined(&self, nickname: &str, room: &str) -> (Client, Vec<protocol::Message>) {
        self.hello(nickname).await.join(room).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// The WebSocket itself, for tests of the transport.
    pub fn socket(&mut self) -> &mut WebSocketStream<MaybeTlsStream<TcpStream>> {
        &mut self.socket
    }

    /// Sends a raw frame exactly as given.
    pub async fn send_frame(&mut self, frame: Frame) {
        self.socket.send(frame).await.expect("send frame");
    }

    /// Says hello as `nickname`; the welcome and room list are drained.
    pub async fn introduce(mut self, nickname: &str) -> Client {
        self.send(&ClientEvent::Hello { nickname: nickname.into(), password: None }).await;
        assert!(matches!(self.next().await, ServerEvent::Welcome { .. }));
        assert!(matches!(self.next().await, ServerEvent::Rooms { .. }));
        self
    }

    /// Joins `room`; returns the client and the room's history.
    pub async fn join(mut self, room: &str) -> (Client, Vec<protocol::Message>) {
        self.send(&ClientEvent::Join { room: room.into(), since: None }).await;
        match self.next().await {
            ServerEvent::History { messages, .. } => (self, messages),
            other => panic!("expected history, got {other:?}"),
        }
    }

    /// Writes bytes straight to the TCP connection under the WebSocket, for frames no
    /// well-behaved client library would send.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        match self.socket.get_mut() {
            MaybeTlsStream::Plain(tcp) => tcp.write_all(bytes).await.expect("raw write"),
            _ => unreachable!("tests connect over plain TCP"),
        }
    }

    /// Sends an event the way every client does: a binary frame, byte 0 then the JSON.
    pub async fn send(&mut self, event: &ClientEvent) {
        self.send_frame(frame(event)).await;
    }

    pub async fn say(&mut self, room: &str, client_id: &str, text: &str) {
        self.send(&ClientEvent::Send {
            room: room.into(),
            client_id: client_id.into(),
            text: text.into(),
            reply_to: None,
            attachments: Vec::new(),
        })
        .await;
    }

    /// The next two events, which answer this client's own message: the message itself and
    /// its ack, in that order whichever arrived first (the hub and the sender's own answer
    /// race).
    pub async fn echo_and_ack(&mut self) -> [ServerEvent; 2] {
        let mut got = [self.next().await, self.next().await];
        got.sort_by_key(|e| matches!(e, ServerEvent::Ack { .. }));
        got
    }

    /// The next server event, presence aside (see [`Client::next_raw`]).
    pub async fn next(&mut self) -> ServerEvent {
        self.try_next(WAIT).await.expect("no server event in time")
    }

    /// The next server event that is not about presence, or `None` if none arrives in `wait`.
    pub async fn try_next(&mut self, wait: Duration) -> Option<ServerEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let event = self.try_next_raw(deadline - tokio::time::Instant::now()).await?;
            if !matches!(
                event,
                ServerEvent::Presence { .. } | ServerEvent::Members { .. } | ServerEvent::MemberPage { .. }
            ) {
                return Some(event);
            }
        }
    }

    /// The next server event of any kind.
    pub async fn next_raw(&mut self) -> ServerEvent {
        self.try_next_raw(WAIT).await.expect("no server event in time")
    }

    pub async fn try_next_raw(&mut self, wait: Duration) -> Option<ServerEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next()).await.ok()?;
            match frame.expect("socket closed").expect("socket error") {
                Frame::Binary(bytes) => return Some(decode(&bytes)),
                Frame::Ping(_) | Frame::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Like [`Client::send`], but false when the connection is gone instead of panicking
    /// (for tests that crash the server under a client).
    pub async fn try_send(&mut self, event: &ClientEvent) -> bool {
        self.socket.send(frame(event)).await.is_ok()
    }

    /// The next server event of any kind, or `None` once the connection is closed or broken.
    pub async fn recv(&mut self) -> Option<ServerEvent> {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next()).await.expect("no server event in time")? {
                Ok(Frame::Binary(bytes)) => return Some(decode(&bytes)),
                Ok(Frame::Ping(_) | Frame::Pong(_)) => continue,
                Ok(Frame::Close(_)) | Err(_) => return None,
                Ok(other) => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Reads until the server closes the connection: the close code it gave (`None` if the
    /// connection just broke). Events before the close are returned too.
    pub async fn close_code(&mut self) -> (Vec<ServerEvent>, Option<u16>) {
        let mut events = Vec::new();
        loop {
            match tokio::time::timeout(WAIT, self.socket.next()).await.expect("no close in time") {
                Some(Ok(Frame::Binary(bytes))) => events.push(decode(&bytes)),
                Some(Ok(Frame::Close(frame))) => return (events, frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (events, None),
            }
        }
    }

    /// Waits for the notice that this person was taken out of `room` (typing and room
    /// announcements may come first; anything else fails the test).
    pub async fn until_removed(&mut self, room: &str) {
        loop {
            match self.next().await {
                ServerEvent::Removed { room: from } => break assert_eq!(from, room),
                ServerEvent::Typing { .. } | ServerEvent::RoomCreated { .. } => {}
                other => panic!("{other:?}"),
            }
        }
    }

    /// Everything that arrives until nothing has for `wait`, presence included.
    pub async fn drain(&mut self, wait: Duration) -> Vec<ServerEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.try_next_raw(wait).await {
            events.push(event);
        }
        events
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// A client event as the frame every client sends (`protocol::frame`).
fn frame(event: &ClientEvent) -> Frame {
    Frame::Binary(protocol::frame::encode_client(event).into())
}

/// A server frame as its event; anything else (another tag byte, bad JSON) fails the test.
fn decode(bytes: &[u8]) -> ServerEvent {
    protocol::frame::decode_server(bytes).expect("a server event frame: byte 0, then its JSON")
}

/// Whether `event` tells that `nickname` left its room.
#[allow(dead_code)]
pub fn left(event: &ServerEvent, nickname: &str) -> bool {
    matches!(event, ServerEvent::Presence { left, .. } if left.iter().any(|n| n == nickname))
}

/// A server-rendered page as its reader sees it: without the renderer's hydration marks
/// (`<!>` and `<!--…-->` comments, which tell hydration where a view's children end).
pub fn without_marks(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<!") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        if let Some(tail) = after.strip_prefix('>') {
            rest = tail;
        } else if let Some(comment) = after.strip_prefix("--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
        } else {
            // `<!DOCTYPE html>` and the like stay.
            out.push_str("<!");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
