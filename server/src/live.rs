//! The live WebSocket (`GET /api/live`, `docs/protocol.md`): the upgrade, with buffers sized
//! on purpose, frames in and out of an engine [`Session`], and the close codes.
//!
//! The browser app declares this endpoint as a Leptos server function (`app::api::live`) for
//! its typed client; this transport answers it first, because the server-function plumbing
//! cannot set buffer sizes or limits, nor say why a connection ends.
//!
//! | close code | when |
//! |---|---|
//! | 1000 | the client closed, or the session ended normally |
//! | 1008 | policy violation: the client was refused too often (`engine::session::limits`) |
//! | 1009 | a frame over `protocol::frame::MAX_CLIENT_FRAME_BYTES` |
//! | 1012 | the server is restarting (SIGTERM): reconnect |
//!
//! Beyond `--max-connections` the upgrade itself is refused: 503 with `Retry-After`.

use app::identity::SessionKey;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use engine::session::{Ending, Outgoing, Session};
use engine::users::Speaker;
use engine::Engine;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, Stream, StreamExt};
use protocol::frame::MAX_CLIENT_FRAME_BYTES;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

/// Bytes read from a socket at a time. Client frames are small (a message is at most 4,000
/// characters); tungstenite's default of 128 KiB per connection would be most of an idle
/// connection's memory.
const READ_BUFFER: usize = 1024;
/// Frames queued together are written together (one syscall) up to this many bytes; the
/// writer flushes as soon as the queue is empty, so nothing waits for the buffer to fill.
const WRITE_BUFFER: usize = 16 * 1024;
/// Unwritten bytes of one connection beyond which writing fails. Each send waits for its
/// frame to be written, so this holds at most about one frame; the session's queue is the
/// bound that matters.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;
/// Events waiting for a slow client. Beyond it the session stops reading the hub; once the
/// client reads again it catches up from the store. Shared room frames cost a pointer each.
pub const OUTGOING_QUEUE: usize = 64;
/// How long a stopping server waits for its connections to finish and say goodbye.
const DRAIN: Duration = Duration::from_secs(3);
/// How long a closing connection waits for the client to answer its close frame.
const CLOSING_HANDSHAKE: Duration = Duration::from_secs(1);

pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TOO_BIG: u16 = 1009;
pub const CLOSE_RESTART: u16 = 1012;

/// What every live connection shares.
#[derive(Clone)]
pub struct Live {
    engine: Engine,
    session_key: SessionKey,
    slots: Arc<Semaphore>,
    max_connections: u32,
    stopping: watch::Receiver<bool>,
}

impl Live {
    /// `stopping` turns true when the server begins to shut down.
    pub fn new(
        engine: Engine,
        session_key: SessionKey,
        max_connections: u32,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        let slots = Arc::new(Semaphore::new(max_connections as usize));
        Live { engine, session_key, slots, max_connections, stopping }
    }

    /// Waits (at most [`DRAIN`]) until every live connection has closed.
    pub async fn drained(&self) {
        let all = self.slots.acquire_many(self.max_connections);
        if tokio::time::timeout(DRAIN, all).await.is_err() {
            let open = self.max_connections as usize - self.slots.available_permits();
            tracing::warn!(open, "live connections still open at shutdown");
        }
    }
}

/// Middleware: answers the live WebSocket's upgrade; passes every other request on.
pub async fn upgrade(State(live): State<Live>, request: Request, next: Next) -> Response {
    if request.uri().path() != protocol::LIVE_PATH {
        return next.run(request).await;
    }
    let (mut parts, _body) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let slot = match live.slots.clone().try_acquire_owned() {
        Ok(slot) if !*live.stopping.borrow() => slot,
        _ => {
            live.engine.metrics().connections_refused.inc();
            tracing::warn!(max = live.max_connections, "refused a live connection: at the connection limit");
            let retry = [(header::RETRY_AFTER, "5")];
            let why = "Natter cannot take more live connections right now; try again in a few seconds.";
            return (StatusCode::SERVICE_UNAVAILABLE, retry, why).into_response();
        }
    };
    let signed_in = app::identity::user_from_headers(&parts.headers, &live.session_key, &live.engine)
        .await
        .map(Speaker::from);
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .max_message_size(MAX_CLIENT_FRAME_BYTES)
        .on_upgrade(move |socket| {
            let (sink, stream) = socket.split();
            serve(sink, stream, live, signed_in, slot)
        })
}

/// One connection: its session reads decoded frames; a writer sends what the session queues.
/// `_slot` is its place under the connection limit, given back when it ends.
// The socket comes split: an idle connection's task is this future, and a future keeps room
// for every argument, so an unsplit socket would be held twice.
async fn serve(
    mut sink: SplitSink<WebSocket, Message>,
    mut stream: SplitStream<WebSocket>,
    live: Live,
    signed_in: Option<Speaker>,
    _slot: OwnedSemaphorePermit,
) {
    let (out, mut outgoing) = mpsc::channel::<Outgoing>(OUTGOING_QUEUE);
    // Set by the reader when the client's input ended for a reason that has a close code.
    let input_ended = Arc::new(AtomicU16::new(0));
    let input = frames_in(&mut stream, input_ended.clone(), live.stopping.clone());
    let session = Session::new(live.engine.clone(), signed_in, out).run(input);
    let writer = async {
        while let Some(event) = outgoing.recv().await {
            if sink.feed(Message::Binary(event.frame())).await.is_err() {
                return false;
            }
            // What else is already queued goes out in the same write.
            while let Ok(event) = outgoing.try_recv() {
                if sink.feed(Message::Binary(event.frame())).await.is_err() {
                    return false;
                }
            }
            if sink.flush().await.is_err() {
                return false;
            }
        }
        true
    };
    let (ending, writable) = tokio::join!(session, writer);
    if !writable {
        return;
    }
    let (code, reason) = match (ending, input_ended.load(Ordering::Relaxed)) {
        (Ending::Refused, _) => (CLOSE_POLICY, "refused too often"),
        (_, CLOSE_TOO_BIG) => (CLOSE_TOO_BIG, "frame too large"),
        (_, CLOSE_RESTART) => (CLOSE_RESTART, "server restarting; reconnect"),
        _ => (CLOSE_NORMAL, ""),
    };
    let close = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
    // The client may already be gone; nothing more to do then.
    if sink.send(close).await.is_err() {
        return;
    }
    // The closing handshake: read and drop what the client still sends until its own Close,
    // so the connection ends with a FIN. Closing with unread input would reset it, and a
    // reset can swallow the close frame (and its code) before the client reads it.
    let handshake = async {
        while let Some(Ok(frame)) = stream.next().await {
            if matches!(frame, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSING_HANDSHAKE, handshake).await;
}

/// The client's frames as events for the session (control frames are tungstenite's own). The
/// stream ends when the client closes, the connection fails, a frame is too large (noted in
/// `ended` as 1009) or the server stops (noted as 1012).
fn frames_in(
    stream: &mut SplitStream<WebSocket>,
    ended: Arc<AtomicU16>,
    mut stopping: watch::Receiver<bool>,
) -> impl Stream<Item = Result<protocol::ClientEvent, String>> + Send + '_ {
    let stopped = {
        let ended = ended.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
            ended.store(CLOSE_RESTART, Ordering::Relaxed);
        }
    };
    let frames = Box::pin(stream.take_until(Box::pin(stopped)));
    futures::stream::unfold((frames, ended), |(mut frames, ended)| async move {
        loop {
            let event = match frames.next().await? {
                Ok(Message::Binary(bytes)) => decode(&bytes),
                Ok(Message::Text(text)) => decode(text.as_bytes()),
                Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                Ok(Message::Close(_)) => return None,
                Err(error) => {
                    if too_big(error) {
                        ended.store(CLOSE_TOO_BIG, Ordering::Relaxed);
                    }
                    return None;
                }
            };
            return Some((event, (frames, ended)));
        }
    })
}

fn decode(frame: &[u8]) -> Result<protocol::ClientEvent, String> {
    protocol::frame::decode_client(frame).map_err(|invalid| invalid.reason)
}

fn too_big(error: axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    matches!(error.into_inner().downcast_ref::<Error>(), Some(Error::Capacity(_)))
}
