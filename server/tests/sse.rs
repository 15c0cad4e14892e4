//! The live connection over HTTP (`GET /api/events`, `POST /api/events/{connection}`), as a
//! client whose network blocks WebSockets uses it: the same events, limits and errors as a
//! WebSocket, exactly once, and `Last-Event-ID` resumes what was missed.

mod support;

use protocol::{ClientEvent, ServerEvent};
use support::{Server, WAIT};

/// A client of the HTTP fallback: an event stream and the URL its events are posted to.
struct SseClient {
    response: reqwest::Response,
    buffer: String,
    post_url: String,
    http: reqwest::Client,
    origin: String,
    /// The `id:` of the last event that had one.
    last_id: Option<String>,
}

impl SseClient {
    async fn open(server: &Server, last_event_id: Option<&str>) -> SseClient {
        let http = reqwest::Client::new();
        let mut request = http.get(server.url("/api/events"));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.expect("GET /api/events");
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        let mut client = SseClient {
            response,
            buffer: String::new(),
            post_url: String::new(),
            http,
            origin: server.url(""),
            last_id: None,
        };
        let (event, data) = client.next_raw().await.expect("the connection event");
        assert_eq!(event.as_deref(), Some("connection"));
        let id: serde_json::Value = serde_json::from_str(&data).unwrap();
        client.post_url = server.url(&format!("/api/events/{}", id["connection"].as_str().unwrap()));
        client
    }

    /// The next event's name (if not a plain message) and data, skipping comments.
    async fn next_raw(&mut self) -> Option<(Option<String>, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (None, None);
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event: ") {
                        event = Some(value.to_owned());
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data = Some(value.to_owned());
                    } else if let Some(value) = line.strip_prefix("id: ") {
                        self.last_id = Some(value.to_owned());
                    }
                }
                match data {
                    Some(data) => return Some((event, data)),
                    None => continue,
                }
            }
            let chunk = tokio::time::timeout(WAIT, self.response.chunk()).await.expect("an event in time");
            match chunk.expect("the stream") {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).expect("UTF-8")),
                None => return None,
            }
        }
    }

    async fn next(&mut self) -> ServerEvent {
        loop {
            let (event, data) = self.next_raw().await.expect("the stream ended");
            if event.is_none() {
                return serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {data}"));
            }
        }
    }

    /// Reads until an event `want` picks, returning it; others are dropped.
    async fn until<T>(&mut self, mut want: impl FnMut(ServerEvent) -> Option<T>) -> T {
        loop {
            if let Some(found) = want(self.next().await) {
                return found;
            }
        }
    }

    /// The code of the next `error` event.
    async fn next_error(&mut self) -> protocol::ErrorCode {
        self.until(|e| match e {
            ServerEvent::Error { code, .. } => Some(code),
            _ => None,
        })
        .await
    }

    /// The next `message` event.
    async fn next_message(&mut self) -> protocol::Message {
        self.until(|e| match e {
            ServerEvent::Message(m) => Some(m),
            _ => None,
        })
        .await
    }

    async fn post(&self, body: String) -> reqwest::StatusCode {
        let response = self
            .http
            .post(&self.post_url)
            .header("origin", &self.origin)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        response.status()
    }

    async fn send(&self, events: &[ClientEvent]) {
        assert_eq!(self.post(serde_json::to_string(events).unwrap()).await, 204);
    }
}

fn say(room: &str, id: &str, text: &str) -> ClientEvent {
    ClientEvent::Send {
        room: room.into(),
        client_id: id.into(),
        text: text.into(),
        reply_to: None,
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn a_client_over_http_talks_with_one_over_a_websocket_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut ann = SseClient::open(&server, None).await;
    ann.send(&[
        ClientEvent::Hello { nickname: "ann".into(), password: None },
        ClientEvent::Join { room: "general".into(), since: None },
    ])
    .await;
    ann.until(|e| matches!(e, ServerEvent::History { .. }).then_some(())).await;
    let (mut bob, _) = server.joined("bob", "general").await;

    ann.send(&[say("general", "a1", "over http")]).await;
    let seq = ann
        .until(|e| match e {
            ServerEvent::Ack { client_id, seq, .. } if client_id == "a1" => Some(seq),
            _ => None,
        })
        .await;
    let seen = loop {
        if let ServerEvent::Message(m) = bob.next().await {
            break m;
        }
    };
    assert_eq!((seen.seq, seen.text.as_str(), seen.author.as_str()), (seq, "over http", "ann"));

    bob.say("general", "b1", "over a websocket").await;
    let got = ann.next_message().await;
    assert_eq!((got.seq, got.text.as_str()), (seq + 1, "over a websocket"));
    // The resend of a message is stored once and acknowledged with its first seq.
    ann.send(&[say("general", "a1", "over http")]).await;
    let again = ann
        .until(|e| match e {
            ServerEvent::Ack { client_id, seq, .. } if client_id == "a1" => Some(seq),
            ServerEvent::Message(m) if m.client_id == "a1" => panic!("delivered twice: {m:?}"),
            _ => None,
        })
        .await;
    assert_eq!(again, seq);
}

#[tokio::test]
async fn the_same_errors_and_limits_as_a_websocket() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut ann = SseClient::open(&server, None).await;
    // Not JSON, an unknown event, a send before hello: each answered on the stream.
    assert_eq!(ann.post("{nope".into()).await, 204);
    let code = ann.next_error().await;
    assert_eq!(code, protocol::ErrorCode::BadFrame);
    ann.send(&[say("general", "x", "too early")]).await;
    let code = ann.next_error().await;
    assert_eq!(code, protocol::ErrorCode::NoNickname);
    ann.send(&[ClientEvent::Hello { nickname: "ann".into(), password: None }]).await;
    ann.send(&[ClientEvent::Join { room: "general".into(), since: None }]).await;
    ann.send(&[say("general", "long", &"x".repeat(protocol::MAX_MESSAGE_CHARS + 1))]).await;
    let code = ann.next_error().await;
    assert_eq!(code, protocol::ErrorCode::MessageTooLong);
    // Too large a request, and a connection that does not exist.
    let huge = format!("\"{}\"", "x".repeat(protocol::frame::MAX_CLIENT_FRAME_BYTES));
    assert_eq!(ann.post(huge).await, 413);
    let http = reqwest::Client::new();
    let unknown = http
        .post(server.url("/api/events/00000000000000000000000000000000"))
        .header("origin", server.url(""))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn last_event_id_resumes_what_was_missed_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut ann = SseClient::open(&server, None).await;
    ann.send(&[
        ClientEvent::Hello { nickname: "ann".into(), password: None },
        ClientEvent::Join { room: "general".into(), since: None },
        say("general", "a1", "first"),
    ])
    .await;
    ann.until(|e| matches!(e, ServerEvent::Ack { .. }).then_some(())).await;
    // The id of the last room event ann had.
    ann.until(|e| matches!(e, ServerEvent::Presence { .. }).then_some(())).await;
    let last_id = ann.last_id.clone().expect("room events carry an id");
    assert!(last_id.starts_with("ann;") && last_id.contains("general:1"), "{last_id}");
    drop(ann);

    let (mut bob, _) = server.joined("bob", "general").await;
    bob.say("general", "b1", "while ann was away").await;
    bob.say("general", "b2", "and again").await;

    let mut ann = SseClient::open(&server, Some(&last_id)).await;
    let (messages, _) = ann
        .until(|e| match e {
            ServerEvent::History { room, messages, .. } if room == "general" => Some((messages, ())),
            _ => None,
        })
        .await;
    let texts: Vec<_> = messages.iter().map(|m| (m.seq, m.text.as_str())).collect();
    assert_eq!(texts, [(2, "while ann was away"), (3, "and again")]);
    // Live again: nothing more of the old, the new once.
    bob.say("general", "b3", "welcome back").await;
    let next = ann.next_message().await;
    assert_eq!((next.seq, next.text.as_str()), (4, "welcome back"));
}
