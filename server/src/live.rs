//! The live WebSocket (`GET /api/live`, `docs/protocol.md`): the upgrade, frames in and out
//! of an engine [`Session`], and the close codes.
//!
//! The frames are those of a Leptos WebSocket server function (`protocol::frame`), but the
//! endpoint is this transport, not a server function: that plumbing cannot set buffer sizes
//! or limits, nor say why a connection ends. The browser's app opens it with its own
//! `WebSocket` (`app/src/live/socket.rs`), like every other client.
//!
//! The framing is Natter's own (`wsframe`) so that an idle connection holds no buffers: input
//! is read into a buffer only while a frame is arriving, and every frame goes out as its
//! header plus the payload it already is (a room's frame is shared by all its receivers),
//! with no per-connection output buffer. The socket's writing half is the connection's
//! [`Wire`]: the engine's flushers write its outbox (`engine::outbox`) in vectored writes, so
//! a room's message reaches this socket without waking this connection's task.
//!
//! | close code | when |
//! |---|---|
//! | 1000 | the client closed, or the session ended normally |
//! | 1002 | the client's frames break RFC 6455 (unmasked, reserved bits, bad fragments, …) |
//! | 1007 | a text frame or close reason that is not UTF-8 |
//! | 1008 | policy violation: the client was refused too often (`engine::session::limits`) |
//! | 1009 | a message over `protocol::frame::MAX_CLIENT_FRAME_BYTES` |
//! | 1012 | the server is restarting (SIGTERM): reconnect |
//!
//! Keepalive: a global tick every `--keepalive-secs`. A connection the client was silent on
//! since the last tick gets a ping; one silent for two ticks, or whose socket takes no bytes
//! for two, is dropped without a close frame (its peer is gone).
//!
//! Beyond `--max-connections` the upgrade itself is refused: 503 with `Retry-After`.

use app::identity::SessionKey;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use engine::outbox::{Item, Outbox, Wire, WRITE_BATCH};
use engine::session::{Ending, Session};
use engine::users::Speaker;
use engine::Engine;
use futures::{Stream, StreamExt};
use hyper_util::rt::TokioIo;
use protocol::frame::MAX_CLIENT_FRAME_BYTES;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use wsframe::{Decoder, Fault, Head, Incoming, OpCode};

/// Bytes taken from the socket per read. The chunk lives on the stack for the read alone; a
/// connection holds input only while a frame is arriving.
const READ_CHUNK: usize = 4096;
/// The outbox's control frames ([`Item::Control`]), as this transport numbers them.
const PING: u8 = 1;
const PONG: u8 = 2;
const CLOSE: u8 = 3;
/// How long a stopping server waits for its connections to finish and say goodbye.
const DRAIN: Duration = Duration::from_secs(3);
/// How long a closing connection waits for the client to answer its close frame.
const CLOSING_HANDSHAKE: Duration = Duration::from_secs(1);
/// A client that broke the protocol has sent all it will once its input pauses this long.
const QUIET: Duration = Duration::from_millis(250);

pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_RESTART: u16 = 1012;

/// What every live connection shares.
#[derive(Clone)]
pub struct Live {
    pub(crate) engine: Engine,
    pub(crate) session_key: SessionKey,
    slots: Arc<Semaphore>,
    max_connections: u32,
    pub(crate) stopping: watch::Receiver<bool>,
    /// Counts keepalive periods; every connection watches the one ticker.
    pub(crate) tick: watch::Receiver<u64>,
}

impl Live {
    /// `stopping` turns true when the server begins to shut down. Must run in a tokio runtime:
    /// it starts the keepalive ticker.
    pub fn new(
        engine: Engine,
        session_key: SessionKey,
        max_connections: u32,
        keepalive: Duration,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        let slots = Arc::new(Semaphore::new(max_connections as usize));
        let (ticker, tick) = watch::channel(0u64);
        tokio::spawn(async move {
            let mut every = tokio::time::interval_at(tokio::time::Instant::now() + keepalive, keepalive);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                ticker.send_modify(|n| *n += 1);
            }
        });
        Live { engine, session_key, slots, max_connections, stopping, tick }
    }

    /// A place under the connection limit for one more live connection (WebSocket or
    /// server-sent events), or the 503 that refuses it.
    pub(crate) fn slot(&self) -> Result<OwnedSemaphorePermit, Box<Response>> {
        match self.slots.clone().try_acquire_owned() {
            Ok(slot) if !*self.stopping.borrow() => Ok(slot),
            _ => {
                self.engine.metrics().connections_refused.inc();
                tracing::warn!(
                    max = self.max_connections,
                    "refused a live connection: at the connection limit"
                );
                let retry = [(header::RETRY_AFTER, "5")];
                let why = "Natter cannot take more live connections right now; try again in a few seconds.";
                Err(Box::new((StatusCode::SERVICE_UNAVAILABLE, retry, why).into_response()))
            }
        }
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
pub async fn upgrade(State(live): State<Live>, mut request: Request, next: Next) -> Response {
    if request.uri().path() != protocol::LIVE_PATH {
        return next.run(request).await;
    }
    let accept = match handshake(request.method(), request.headers()) {
        Ok(accept) => accept,
        Err((status, why)) if status == StatusCode::UPGRADE_REQUIRED => {
            // 426 tells the client which version this server speaks (RFC 6455 §4.4).
            let version = [(header::SEC_WEBSOCKET_VERSION, "13")];
            return (status, version, why).into_response();
        }
        Err((status, why)) => return (status, why).into_response(),
    };
    let Some(upgraded) = request.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (StatusCode::UPGRADE_REQUIRED, "this connection cannot be upgraded").into_response();
    };
    let slot = match live.slot() {
        Ok(slot) => slot,
        Err(refused) => return *refused,
    };
    let signed_in = app::identity::user_from_headers(request.headers(), &live.session_key, &live.engine)
        .await
        .map(Speaker::from);
    tokio::spawn(async move {
        match upgraded.await {
            Ok(upgraded) => {
                let (reader, writer) = tokio::io::split(TokioIo::new(upgraded));
                serve(reader, writer, live, signed_in, slot).await
            }
            Err(error) => tracing::debug!(%error, "live upgrade failed"),
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Checks a WebSocket opening handshake (RFC 6455 §4.2.1) and returns its accept key, or the
/// status and reason to refuse it with.
fn handshake(method: &Method, headers: &HeaderMap) -> Result<String, (StatusCode, &'static str)> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.split(',').any(|item| item.trim().eq_ignore_ascii_case(token)))
    };
    if method != Method::GET {
        return Err((StatusCode::METHOD_NOT_ALLOWED, "the live connection is a WebSocket: GET it"));
    }
    if !has_token(header::CONNECTION, "upgrade") || !has_token(header::UPGRADE, "websocket") {
        return Err((StatusCode::UPGRADE_REQUIRED, "the live connection is a WebSocket: upgrade to it"));
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).is_none_or(|version| version != "13") {
        return Err((StatusCode::UPGRADE_REQUIRED, "WebSocket version 13 only"));
    }
    match headers.get(header::SEC_WEBSOCKET_KEY) {
        Some(key) => Ok(tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes())),
        None => Err((StatusCode::BAD_REQUEST, "a WebSocket handshake needs Sec-WebSocket-Key")),
    }
}

/// One connection: its session reads decoded frames and answers into the connection's
/// outbox, which the engine's flushers write to `writer`; this task also keeps the
/// connection alive and closes it. `_slot` is its place under the connection limit, given
/// back when it ends.
async fn serve<R, W>(
    reader: R,
    writer: W,
    live: Live,
    signed_in: Option<Speaker>,
    _slot: OwnedSemaphorePermit,
) where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let outbox = live.engine.hub().outbox(Box::new(Socket { io: writer }));
    // However this ends (a panic included), the writing half goes: the socket closes, and
    // the waker it keeps (the outbox itself) with it.
    let _closing = CloseOnDrop(Arc::clone(&outbox));
    // Why the client's input ended, when the close frame should say so.
    let input_ended = OnceLock::new();
    // Set by every frame the client sends; the keepalive tick reads and clears it.
    let heard = AtomicBool::new(true);
    // Told when the connection is dropped, to end the session's input too.
    let gone = Notify::new();
    let mut tick = live.tick.clone();
    tick.mark_unchanged();
    let mut input =
        Input { io: reader, buf: Vec::new(), decoder: Decoder::new(MAX_CLIENT_FRAME_BYTES), closed: false };
    let ending = {
        let events = client_events(&mut input, &input_ended, &heard, &outbox, &gone, live.stopping.clone());
        let session = Session::new(live.engine.clone(), signed_in, Arc::clone(&outbox)).run(events);
        let mut session = std::pin::pin!(session);
        let watched = tokio::select! {
            ending = &mut session => Ok(ending),
            dropped = keepalive(&outbox, &heard, &mut tick) => Err(dropped),
        };
        match watched {
            Ok(ending) => ending,
            Err(dropped) => {
                if dropped {
                    live.engine.metrics().connections_dropped.inc();
                }
                // The peer is gone: no close frame. The session's input ends, its sends fail.
                outbox.close();
                gone.notify_one();
                session.await;
                return;
            }
        }
    };
    let (code, reason) = match (ending, input_ended.get()) {
        (Ending::Refused, _) => (CLOSE_POLICY, "refused too often"),
        (_, Some(InputEnd::Fault(fault))) => (fault.close_code(), fault.close_reason()),
        (_, Some(InputEnd::Restart)) => (CLOSE_RESTART, "server restarting; reconnect"),
        _ => (CLOSE_NORMAL, ""),
    };
    outbox.last(CLOSE, wsframe::close_payload(code, reason));
    // The client may already be gone; nothing more to do then.
    let sent = tokio::time::timeout(CLOSING_HANDSHAKE, outbox.drained()).await.is_ok();
    if !sent || !outbox.is_open() || input.closed {
        return;
    }
    // The closing handshake: read and drop what the client still sends until its own Close,
    // so the connection ends with a FIN. Closing with unread input would reset it, and a
    // reset can swallow the close frame (and its code) before the client reads it.
    // After a fault (the decoder keeps failing on the same bytes) the rest is dropped unread.
    let handshake = async {
        loop {
            match input.next().await {
                Ok(Some(Incoming::Close(_)) | None) | Err(ReadError::Io) => break,
                Ok(Some(_)) => {}
                Err(ReadError::Fault(_)) => break input.discard().await,
            }
        }
    };
    let _ = tokio::time::timeout(CLOSING_HANDSHAKE, handshake).await;
}

/// Watches the connection until it must be dropped: true when the peer is gone without
/// closing (silent for two keepalive periods, or its socket took no bytes for two), false
/// when a write failed. Pings a client silent for one period.
async fn keepalive(outbox: &Arc<Outbox>, heard: &AtomicBool, tick: &mut watch::Receiver<u64>) -> bool {
    let (mut silent_ticks, mut stuck_ticks) = (0, 0);
    loop {
        tokio::select! {
            biased;
            () = outbox.failed() => return false,
            changed = tick.changed() => {
                silent_ticks = if heard.swap(false, Ordering::Relaxed) { 0 } else { silent_ticks + 1 };
                stuck_ticks = if outbox.stuck() { stuck_ticks + 1 } else { 0 };
                if changed.is_err() || silent_ticks >= 2 {
                    tracing::debug!("client silent for two keepalive periods: dropping the connection");
                    return true;
                }
                if stuck_ticks >= 2 {
                    tracing::debug!("client took no bytes for two keepalive periods: dropping the connection");
                    return true;
                }
                if silent_ticks == 1 {
                    outbox.control(PING, []);
                }
            }
        }
    }
}

/// Closes the outbox when the connection's task ends.
pub(crate) struct CloseOnDrop(pub(crate) Arc<Outbox>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// The socket's writing half, as the engine's flushers write it: each frame its header and
/// the payload it already is, up to [`WRITE_BATCH`] frames in one vectored write.
struct Socket<W> {
    io: W,
}

/// The WebSocket header of an outbox item.
fn head_of(item: &Item) -> Head {
    let opcode = match item {
        Item::Shared(_) | Item::Own(_) => OpCode::Binary,
        Item::Control(PING, _) => OpCode::Ping,
        Item::Control(PONG, _) => OpCode::Pong,
        Item::Control(..) => OpCode::Close,
    };
    Head::new(opcode, item.payload().len())
}

impl<W: AsyncWrite + Unpin + Send + 'static> Wire for Socket<W> {
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        items: &[Item],
        mut skip: usize,
    ) -> Poll<std::io::Result<usize>> {
        let items = &items[..items.len().min(WRITE_BATCH)];
        let mut heads = [Head::new(OpCode::Binary, 0); WRITE_BATCH];
        for (head, item) in heads.iter_mut().zip(items) {
            *head = head_of(item);
        }
        let mut slices = [IoSlice::new(&[]); 2 * WRITE_BATCH];
        let mut used = 0;
        for (head, item) in heads.iter().zip(items) {
            for part in [head.as_bytes(), item.payload()] {
                // What the last write took of the first frame is not sent again.
                if skip >= part.len() {
                    skip -= part.len();
                    continue;
                }
                slices[used] = IoSlice::new(&part[skip..]);
                skip = 0;
                used += 1;
            }
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, &slices[..used])
    }

    fn len(&self, item: &Item) -> usize {
        head_of(item).as_bytes().len() + item.payload().len()
    }
}

/// The reading side: bytes in, whole client messages out.
struct Input<R> {
    io: R,
    /// Bytes of frames still arriving; empty (and unallocated) between frames.
    buf: Vec<u8>,
    decoder: Decoder,
    /// The client sent its Close.
    closed: bool,
}

/// Why the client's input ended, for the close frame.
enum InputEnd {
    /// The client broke the protocol.
    Fault(Fault),
    /// The server is stopping.
    Restart,
}

/// Why reading ended: the connection failed, or the client broke the protocol.
enum ReadError {
    Io,
    Fault(Fault),
}

impl<R: AsyncRead + Unpin> Input<R> {
    /// The next message or control frame; `None` once the client has closed the connection.
    async fn next(&mut self) -> Result<Option<Incoming>, ReadError> {
        loop {
            let decoded = self.decoder.decode(&mut self.buf).map_err(ReadError::Fault)?;
            if self.buf.is_empty() && self.buf.capacity() > 0 {
                self.buf = Vec::new();
            }
            if let Some(incoming) = decoded {
                self.closed |= matches!(incoming, Incoming::Close(_));
                return Ok(Some(incoming));
            }
            match self.read_more().await {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(_) => return Err(ReadError::Io),
            }
        }
    }

    /// Reads what the socket has onto `buf`: how many bytes, 0 at the end of the input.
    async fn read_more(&mut self) -> std::io::Result<usize> {
        let (io, buf) = (&mut self.io, &mut self.buf);
        std::future::poll_fn(|cx| {
            // Uninitialised: a read that finds nothing (the session polls its input each
            // time it wakes) costs no 4 KiB memset.
            let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
            let mut chunk = ReadBuf::uninit(&mut chunk);
            ready!(Pin::new(&mut *io).poll_read(cx, &mut chunk))?;
            buf.extend_from_slice(chunk.filled());
            Poll::Ready(Ok(chunk.filled().len()))
        })
        .await
    }

    /// After a fault the input cannot be parsed on: reads and drops whatever the client still
    /// sends (the rest of a frame too large, say) until it pauses for [`QUIET`] or ends.
    /// Closing a socket with unread input resets the connection, and the reset can reach
    /// the client before it has read the close frame, or fail the write it is still making.
    async fn discard(&mut self) {
        loop {
            self.buf.clear();
            match tokio::time::timeout(QUIET, self.read_more()).await {
                Ok(Ok(read)) if read > 0 => {}
                _ => break,
            }
        }
        self.buf = Vec::new();
    }
}

/// The client's messages as events for the session; each frame sets `heard`, and pings are
/// answered through the outbox. The stream ends when the client closes, the connection fails,
/// the client breaks the protocol (the fault noted in `ended`), the connection is dropped
/// (`gone`), or the server stops (noted as a restart).
fn client_events<'a, R: AsyncRead + Unpin + Send>(
    input: &'a mut Input<R>,
    ended: &'a OnceLock<InputEnd>,
    heard: &'a AtomicBool,
    outbox: &'a Arc<Outbox>,
    gone: &'a Notify,
    mut stopping: watch::Receiver<bool>,
) -> impl Stream<Item = Result<protocol::ClientEvent, String>> + Send + 'a {
    let stopped = async move {
        tokio::select! {
            _ = stopping.wait_for(|stop| *stop) => {
                let _ = ended.set(InputEnd::Restart);
            }
            () = gone.notified() => {}
        }
    };
    let events = futures::stream::unfold(input, move |input| async move {
        loop {
            let next = input.next().await;
            if let Ok(Some(_)) = next {
                heard.store(true, Ordering::Relaxed);
            }
            match next {
                Ok(Some(Incoming::Message { payload, .. })) => {
                    let event = protocol::frame::decode_client(&payload).map_err(|invalid| invalid.reason);
                    return Some((event, input));
                }
                Ok(Some(Incoming::Ping(payload))) => outbox.control(PONG, payload),
                Ok(Some(Incoming::Pong)) => {}
                Ok(Some(Incoming::Close(_)) | None) | Err(ReadError::Io) => return None,
                Err(ReadError::Fault(fault)) => {
                    tracing::debug!(?fault, "client broke the WebSocket protocol");
                    let _ = ended.set(InputEnd::Fault(fault));
                    return None;
                }
            }
        }
    });
    Box::pin(events.take_until(Box::pin(stopped)))
}
