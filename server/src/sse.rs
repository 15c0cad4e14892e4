//! The live connection over plain HTTP, for networks that block WebSockets
//! (`docs/protocol.md`, *The HTTP fallback*): server-sent events down, POSTs up.
//!
//! - `GET /api/events` opens a connection: a `text/event-stream` whose first event is
//!   `connection` (its id), then every server event as a `message` event whose data is the
//!   event's JSON, the same as a WebSocket frame carries. Room events carry an `id:` that
//!   names where the client is in each room it joined; a client that reconnects with
//!   `Last-Event-ID` (as `EventSource` does by itself) is said hello again and joined again
//!   with `since`, so it gets every event it missed, once.
//! - `POST /api/events/{connection}` sends client events to it: one JSON event, or a JSON
//!   array of them, answered 204 once they are queued for the session. Errors come down the
//!   stream, as over a WebSocket.
//!
//! Behind it is the same engine [`Session`] as a WebSocket's, with the same limits. The
//! stream is the connection's [`Wire`]: the engine's flushers write its outbox as SSE lines
//! into a pipe the response body reads, so a room's message reaches it without waking its
//! task. A comment line every keepalive period tells a gone client from a quiet one.

use crate::live::{CloseOnDrop, Live};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use engine::outbox::{Item, Outbox, Wire, WRITE_BATCH};
use engine::session::Session;
use engine::users::Speaker;
use futures::StreamExt;
use protocol::{ClientEvent, Seq, ServerEvent};
use std::collections::{BTreeMap, HashMap};
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use tokio::sync::{mpsc, watch};

/// Where the events path is (the POST path is this, `/`, and the connection's id).
pub const EVENTS_PATH: &str = "/api/events";
/// Client events queued for a session before a POST waits.
const QUEUE: usize = 64;
/// Rooms a `Last-Event-ID` may rejoin at most.
const MAX_RESUMED_ROOMS: usize = 256;
/// Bytes of stream the pipe holds before the flushers see the client as slow.
const PIPE_BYTES: usize = 64 * 1024;
/// The outbox's control items, as this transport numbers them.
const CONNECTION: u8 = 1;
const PING: u8 = 2;
const CLOSE: u8 = 3;

/// A session's input: client events, or why one could not be read.
type SessionInput = mpsc::Sender<Result<ClientEvent, String>>;

/// The open connections, by id: where their POSTs go.
#[derive(Clone)]
pub struct Sse {
    live: Live,
    open: Arc<Mutex<HashMap<String, SessionInput>>>,
}

impl Sse {
    pub fn new(live: Live) -> Self {
        Sse { live, open: Arc::new(Mutex::new(HashMap::new())) }
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionInput>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn routes<S: Clone + Send + Sync + 'static>(sse: Sse) -> Router<S> {
    Router::new()
        .route(EVENTS_PATH, get(events))
        .route(&format!("{EVENTS_PATH}/{{connection}}"), post(client_events))
        .with_state(sse)
}

/// `GET /api/events`: opens a connection and streams its events.
async fn events(State(sse): State<Sse>, headers: HeaderMap) -> Response {
    let slot = match sse.live.slot() {
        Ok(slot) => slot,
        Err(refused) => return *refused,
    };
    let live = &sse.live;
    let signed_in =
        app::identity::user_from_headers(&headers, &live.session_key, &live.engine).await.map(Speaker::from);
    // Resumed: hello again, and every room joined again after what the client had.
    let resumed = headers
        .get("last-event-id")
        .and_then(|id| id.to_str().ok())
        .map(Cursor::parse)
        .map(|cursor| cursor.opening_events())
        .unwrap_or_default();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (to_session, from_client) = mpsc::channel(QUEUE);
    sse.open().insert(id.clone(), to_session);
    let (reader, writer) = tokio::io::simplex(PIPE_BYTES);
    let outbox = live.engine.hub().outbox(Box::new(Stream::new(writer)));
    outbox.control(CONNECTION, id.clone().into_bytes());
    // Resolves when the response body is dropped: the client went away.
    let (body_alive, body_dropped) = tokio::sync::oneshot::channel::<()>();
    let (engine, mut stopping, mut tick) = (live.engine.clone(), live.stopping.clone(), live.tick.clone());
    tick.mark_unchanged();
    let open = Arc::clone(&sse.open);
    tokio::spawn(async move {
        let _slot = slot;
        let _closing = CloseOnDrop(Arc::clone(&outbox));
        let stop = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        let input = futures::stream::iter(resumed.into_iter().map(Ok))
            .chain(futures::stream::unfold(from_client, |mut from_client| async move {
                from_client.recv().await.map(|event| (event, from_client))
            }))
            .take_until(Box::pin(stop));
        let session = Session::new(engine, signed_in, Arc::clone(&outbox)).run(input);
        let ended = tokio::select! {
            _ = session => true,
            () = keepalive(&outbox, &mut tick) => false,
            _ = body_dropped => false,
        };
        open.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
        if ended {
            // Over: the stream says so (a client told to reconnect does), then ends.
            outbox.last(CLOSE, br#"{"reason":"closed"}"#.to_vec());
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), outbox.drained()).await;
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache, no-store")
        // Proxies that buffer responses (nginx) pass this one on as it comes.
        .header("x-accel-buffering", "no")
        .body(Body::from_stream(tokio_util::io::ReaderStream::new(reader).map(move |chunk| {
            let _ = &body_alive;
            chunk
        })))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Keeps the stream alive (a comment line every keepalive period) until the client is gone:
/// the write failed, or the stream took no bytes for two periods.
async fn keepalive(outbox: &Arc<Outbox>, tick: &mut watch::Receiver<u64>) {
    let mut stuck_ticks = 0;
    loop {
        tokio::select! {
            biased;
            () = outbox.failed() => return,
            changed = tick.changed() => {
                stuck_ticks = if outbox.stuck() { stuck_ticks + 1 } else { 0 };
                if changed.is_err() || stuck_ticks >= 2 {
                    return;
                }
                outbox.control(PING, []);
            }
        }
    }
}

/// `POST /api/events/{connection}`: one client event (a JSON object) or several (a JSON array).
async fn client_events(State(sse): State<Sse>, Path(connection): Path<String>, body: Bytes) -> Response {
    let Some(session) = sse.open().get(&connection).cloned() else {
        let why = "No such live connection (it ended): open /api/events again.";
        return (StatusCode::NOT_FOUND, why).into_response();
    };
    if body.len() > protocol::frame::MAX_CLIENT_FRAME_BYTES {
        let why = format!("A request can have at most {} bytes.", protocol::frame::MAX_CLIENT_FRAME_BYTES);
        return (StatusCode::PAYLOAD_TOO_LARGE, why).into_response();
    }
    for event in decode(&body) {
        if session.send(event).await.is_err() {
            return (StatusCode::NOT_FOUND, "The live connection ended: open /api/events again.")
                .into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The events of a POST body, each decoded as a WebSocket frame's JSON is (a broken one is
/// the decoder's reason, which the session answers with a `bad_frame` error).
fn decode(body: &[u8]) -> Vec<Result<ClientEvent, String>> {
    let as_frame = |json: &[u8]| {
        let mut frame = Vec::with_capacity(json.len() + 1);
        frame.push(protocol::frame::TAG_EVENT);
        frame.extend_from_slice(json);
        protocol::frame::decode_client(&frame).map_err(|invalid| invalid.reason)
    };
    let trimmed = body.trim_ascii_start();
    if !trimmed.starts_with(b"[") {
        return vec![as_frame(body)];
    }
    match serde_json::from_slice::<Vec<serde_json::Value>>(body) {
        Ok(events) => {
            events.iter().map(|event| as_frame(&serde_json::to_vec(event).unwrap_or_default())).collect()
        }
        Err(error) => vec![Err(format!("Not a valid array of events: {error}."))],
    }
}

/// Where a client is in each room it joined, and who it said it is: the `id:` of the room
/// events it was sent, and so its `Last-Event-ID` when it reconnects.
/// Written `nickname;room:seq,room:seq` (the nickname percent-encoded; room names are
/// letters, digits, `-` and `_`).
#[derive(Default, Debug, PartialEq)]
struct Cursor {
    nickname: Option<String>,
    rooms: BTreeMap<String, Seq>,
}

impl Cursor {
    fn parse(id: &str) -> Cursor {
        let (nickname, rooms) = id.split_once(';').unwrap_or(("", id));
        let nickname = percent_decode(nickname).filter(|n| !n.is_empty());
        let rooms = rooms
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .filter_map(|(room, seq)| Some((protocol::room_name(room).ok()?, seq.parse().ok()?)))
            .take(MAX_RESUMED_ROOMS)
            .collect();
        Cursor { nickname, rooms }
    }

    fn id(&self) -> String {
        let mut id = self.nickname.as_deref().map(percent_encode).unwrap_or_default();
        id.push(';');
        for (i, (room, seq)) in self.rooms.iter().enumerate() {
            if i > 0 {
                id.push(',');
            }
            id.push_str(room);
            id.push(':');
            id.push_str(&seq.to_string());
        }
        id
    }

    /// The events a resumed connection starts with.
    fn opening_events(self) -> Vec<ClientEvent> {
        let Some(nickname) = self.nickname else { return Vec::new() };
        let mut events = vec![ClientEvent::Hello { nickname, password: None }];
        events.extend(
            self.rooms.into_iter().map(|(room, since)| ClientEvent::Join { room, since: Some(since) }),
        );
        events
    }

    /// Notes what `item` tells of the client's place; true if it moved.
    fn see(&mut self, item: &Item) -> bool {
        match item {
            Item::Shared(event) => match event.event.ordered() {
                Some((room, seq)) => self.advance(room, seq),
                None => false,
            },
            // A connection's own events are rare next to its rooms': only a welcome or a
            // history is read back.
            Item::Own(payload) => {
                let json = payload.get(1..).unwrap_or_default();
                if !(json.starts_with(br#"{"type":"welcome""#) || json.starts_with(br#"{"type":"history""#)) {
                    return false;
                }
                match protocol::frame::decode_server(payload) {
                    Some(ServerEvent::Welcome { nickname }) => {
                        self.nickname = Some(nickname);
                        true
                    }
                    Some(ServerEvent::History { room, last, messages, changes, .. }) => {
                        // `last` is absent when it is the frame's latest message or change.
                        let latest = messages.iter().map(|m| m.seq).chain(changes.iter().map(|c| c.seq()));
                        self.advance(&room, latest.fold(last, Seq::max))
                    }
                    _ => false,
                }
            }
            Item::Control(..) => false,
        }
    }

    fn advance(&mut self, room: &str, seq: Seq) -> bool {
        match self.rooms.get_mut(room) {
            Some(at) if *at >= seq => false,
            Some(at) => {
                *at = seq;
                true
            }
            None => {
                self.rooms.insert(room.to_owned(), seq);
                true
            }
        }
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.bytes();
    while let Some(byte) = rest.next() {
        if byte == b'%' {
            let hex = [rest.next()?, rest.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(byte);
        }
    }
    String::from_utf8(bytes).ok()
}

/// The stream's writing half, as the engine's flushers write it: each item as its SSE lines.
///
/// A room event's `id:` is the cursor after it, so an item's lines depend on the items
/// before it. The cursor moves only for what was written; an item cut off by a short write
/// keeps its lines for the rest of it (`partial`); and the outbox asks each written item's
/// length right after the write, in order (`lengths`).
struct Stream<W> {
    io: W,
    cursor: Cursor,
    partial: Option<String>,
    lengths: std::sync::Mutex<std::collections::VecDeque<usize>>,
}

impl<W> Stream<W> {
    fn new(io: W) -> Self {
        Stream { io, cursor: Cursor::default(), partial: None, lengths: Default::default() }
    }
}

/// The line(s) before an item's JSON (each item ends with an empty line). Data is one line:
/// the server's JSON has no raw line breaks (serde escapes them in strings).
fn head(item: &Item, cursor: &mut Cursor) -> String {
    match item {
        Item::Control(CONNECTION, _) => "event: connection\ndata: ".to_owned(),
        Item::Control(PING, _) => ": keepalive".to_owned(),
        Item::Control(..) => "event: close\ndata: ".to_owned(),
        _ if cursor.see(item) => format!("id: {}\ndata: ", cursor.id()),
        _ => "data: ".to_owned(),
    }
}

const END: &[u8] = b"\n\n";

/// What of an item's payload goes on the stream: the JSON after the frame's tag byte, the
/// connection's id as a JSON object, or nothing for a keepalive.
fn body(item: &Item) -> std::borrow::Cow<'_, [u8]> {
    match item {
        Item::Control(CONNECTION, id) => {
            format!(r#"{{"connection":"{}"}}"#, String::from_utf8_lossy(id)).into_bytes().into()
        }
        Item::Control(PING, _) => (&[][..]).into(),
        Item::Control(_, payload) => (&payload[..]).into(),
        _ => item.payload().get(1..).unwrap_or_default().into(),
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> Wire for Stream<W> {
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        items: &[Item],
        skip: usize,
    ) -> Poll<std::io::Result<usize>> {
        let items = &items[..items.len().min(WRITE_BATCH)];
        let resuming = skip > 0 && self.partial.is_some();
        let mut scratch = Cursor { nickname: self.cursor.nickname.clone(), rooms: self.cursor.rooms.clone() };
        let heads: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, item)| match (i, resuming) {
                (0, true) => self.partial.clone().unwrap_or_default(),
                _ => head(item, &mut scratch),
            })
            .collect();
        let bodies: Vec<_> = items.iter().map(body).collect();
        let mut slices = Vec::with_capacity(3 * items.len());
        let mut left = skip;
        for (head, body) in heads.iter().zip(&bodies) {
            for part in [head.as_bytes(), &body[..], END] {
                if left >= part.len() {
                    left -= part.len();
                    continue;
                }
                slices.push(IoSlice::new(&part[left..]));
                left = 0;
            }
        }
        let written = match Pin::new(&mut self.io).poll_write_vectored(cx, &slices) {
            Poll::Ready(Ok(written)) => written,
            other => return other,
        };
        // What was written: each item begun moves the cursor (the one resumed did when it
        // began), and its length is what the outbox will ask.
        let mut consumed = skip + written;
        let mut lengths = self.lengths.lock().unwrap_or_else(|e| e.into_inner());
        lengths.clear();
        self.partial = None;
        for (i, item) in items.iter().enumerate() {
            if consumed == 0 {
                break;
            }
            let total = heads[i].len() + bodies[i].len() + END.len();
            lengths.push_back(total);
            if !(i == 0 && resuming) {
                self.cursor.see(item);
            }
            if consumed >= total {
                consumed -= total;
            } else {
                self.partial = Some(heads[i].clone());
                break;
            }
        }
        Poll::Ready(Ok(written))
    }

    fn len(&self, item: &Item) -> usize {
        let known = self.lengths.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        known.unwrap_or_else(|| {
            let mut cursor =
                Cursor { nickname: self.cursor.nickname.clone(), rooms: self.cursor.rooms.clone() };
            head(item, &mut cursor).len() + body(item).len() + END.len()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_id() {
        let mut cursor = Cursor { nickname: Some("Ann Ли; 😀".into()), rooms: BTreeMap::new() };
        cursor.advance("general", 12);
        cursor.advance("dm-1-2", 3);
        assert!(!cursor.advance("general", 5));
        let id = cursor.id();
        assert!(!id.contains('\n') && id.is_ascii(), "{id}");
        assert_eq!(Cursor::parse(&id), cursor);
        let opening = Cursor::parse(&id).opening_events();
        assert_eq!(opening.len(), 3);
        assert!(matches!(&opening[0], ClientEvent::Hello { nickname, .. } if nickname == "Ann Ли; 😀"));
    }

    #[test]
    fn a_broken_cursor_resumes_nothing() {
        assert_eq!(Cursor::parse("%ZZ;general:x,Bad Room:3").opening_events(), Vec::new());
        assert!(Cursor::parse(";general:4").opening_events().is_empty(), "no nickname: no hello");
    }

    #[test]
    fn a_body_is_one_event_or_an_array() {
        let one = decode(br#"{"type":"typing","room":"general"}"#);
        assert_eq!(one.len(), 1);
        let two = decode(br#" [{"type":"typing","room":"general"}, {"type":"nope"}]"#);
        assert_eq!(two.len(), 2);
        assert!(two[0].is_ok() && two[1].is_err());
        assert!(decode(b"[oops").iter().all(Result::is_err));
        assert!(decode(b"").iter().all(Result::is_err));
    }
}
