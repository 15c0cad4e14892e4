//! Starts the real `natter` binary on a free port with its own data directory, and speaks the
//! live protocol to it over a real WebSocket.
#![allow(dead_code)]

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
}

impl Server {
    pub fn start(data_dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_natter"))
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start natter");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("natter exited before listening").expect("read stdout");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split_whitespace().next().expect("address").to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server { addr, data_dir: data_dir.to_owned(), child }
    }

    /// Stops the server the hard way (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A WebSocket that presents a browser's cookies.
    pub async fn connect_with_cookie(&self, cookie: &str) -> Client {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}{}", self.addr, protocol::LIVE_PATH).into_client_request().unwrap();
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
        Client { socket }
    }

    pub async fn connect(&self) -> Client {
        let (socket, _) =
            tokio_tungstenite::connect_async(format!("ws://{}{}", self.addr, protocol::LIVE_PATH))
                .await
                .expect("websocket connect");
        Client { socket }
    }

    /// A connected client that said hello as `nickname` (welcome and room list drained).
    pub async fn hello(&self, nickname: &str) -> Client {
        let mut client = self.connect().await;
        client.send(&ClientEvent::Hello { nickname: nickname.into(), password: None }).await;
        assert!(matches!(client.next().await, ServerEvent::Welcome { .. }));
        assert!(matches!(client.next().await, ServerEvent::Rooms { .. }));
        client
    }

    /// A connected client that said hello as `nickname` and joined `room` (history drained).
    pub async fn joined(&self, nickname: &str, room: &str) -> (Client, Vec<protocol::Message>) {
        let mut client = self.hello(nickname).await;
        client.send(&ClientEvent::Join { room: room.into(), since: None }).await;
        match client.next().await {
            ServerEvent::History { messages, .. } => (client, messages),
            other => panic!("expected history, got {other:?}"),
        }
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
    /// Sends a raw frame exactly as given.
    pub async fn send_frame(&mut self, frame: Frame) {
        self.socket.send(frame).await.expect("send frame");
    }

    /// Sends an event the way every client does: a binary frame, byte 0 then the JSON.
    pub async fn send(&mut self, event: &ClientEvent) {
        let mut bytes = vec![0u8];
        bytes.extend(serde_json::to_vec(event).unwrap());
        self.send_frame(Frame::Binary(bytes.into())).await;
    }

    pub async fn say(&mut self, room: &str, client_id: &str, text: &str) {
        self.send(&ClientEvent::Send { room: room.into(), client_id: client_id.into(), text: text.into() })
            .await;
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
                ServerEvent::Joined { .. } | ServerEvent::Left { .. } | ServerEvent::Members { .. }
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
                Frame::Binary(bytes) => {
                    assert_eq!(bytes.first(), Some(&0), "frame must start with the Ok tag");
                    return Some(serde_json::from_slice(&bytes[1..]).expect("server event JSON"));
                }
                Frame::Ping(_) | Frame::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
