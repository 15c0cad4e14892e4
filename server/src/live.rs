//! The live WebSocket (`GET /api/live`, `docs/protocol.md`): the upgrade, frames in and out
//! of an engine [`Session`], and the close codes.
//!
//! The browser app declares this endpoint as a Leptos server function (`app::api::live`) for
//! its typed client; this transport answers it first, because the server-function plumbing
//! cannot set buffer sizes or limits, nor say why a connection ends.
//!
//! The framing is Natter's own (`wsframe`) so that an idle connection holds no buffers: input
//! is read into a buffer only while a frame is arriving, and every frame goes out as its
//! header plus the payload it already is (a room's frame is shared by all its receivers) in
//! one vectored write per batch, with no per-connection output buffer.
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
use bytes::Bytes;
use engine::session::{Ending, Outgoing, Session};
use engine::users::Speaker;
use engine::Engine;
use futures::{Stream, StreamExt};
use hyper_util::rt::TokioIo;
use protocol::frame::MAX_CLIENT_FRAME_BYTES;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{ready, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};
use wsframe::{Decoder, Fault, Head, Incoming, OpCode};

/// Bytes taken from the socket per read. The chunk lives on the stack for the read alone; a
/// connection holds input only while a frame is arriving.
const READ_CHUNK: usize = 4096;
/// Most frames written together (one vectored write).
const WRITE_BATCH: usize = 16;
/// Events waiting for a slow client. Beyond it the session stops reading the hub; once the
/// client reads again it catches up from the store. Shared room frames cost a pointer each.
pub const OUTGOING_QUEUE: usize = 64;
/// How long a stopping server waits for its connections to finish and say goodbye.
const DRAIN: Duration = Duration::from_secs(3);
/// How long a closing connection waits for the client to answer its close frame.
const CLOSING_HANDSHAKE: Duration = Duration::from_secs(1);

pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_RESTART: u16 = 1012;

/// What every live connection shares.
#[derive(Clone)]
pub struct Live {
    engine: Engine,
    session_key: SessionKey,
    slots: Arc<Semaphore>,
    max_connections: u32,
    stopping: watch::Receiver<bool>,
    /// Counts keepalive periods; every connection watches the one ticker.
    tick: watch::Receiver<u64>,
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
        Err((status, why)) => {
            // 426 tells the client which version this server speaks (RFC 6455 §4.4).
            let version = [(header::SEC_WEBSOCKET_VERSION, "13")];
            return (status, version, why).into_response();
        }
    };
    let Some(upgraded) = request.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (StatusCode::UPGRADE_REQUIRED, "this connection cannot be upgraded").into_response();
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

/// One connection: its session reads decoded frames; a writer sends what the session queues.
/// `_slot` is its place under the connection limit, given back when it ends.
async fn serve<R, W>(
    reader: R,
    writer: W,
    live: Live,
    signed_in: Option<Speaker>,
    _slot: OwnedSemaphorePermit,
) where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
{
    let (out, outgoing) = mpsc::channel::<Outgoing>(OUTGOING_QUEUE);
    // Why the client's input ended, when the close frame should say so.
    let input_ended = OnceLock::new();
    let pong = PongSlot::default();
    // Set by every frame the client sends; the keepalive tick reads and clears it.
    let heard = AtomicBool::new(true);
    // Told by the writer when the peer is gone, to end the session's input too.
    let gone = Notify::new();
    let mut tick = live.tick.clone();
    tick.mark_unchanged();
    let mut input =
        Input { io: reader, buf: Vec::new(), decoder: Decoder::new(MAX_CLIENT_FRAME_BYTES), closed: false };
    let mut output = Output { io: writer, stalled: false };
    let events = client_events(&mut input, &input_ended, &heard, &pong, &gone, live.stopping.clone());
    let session = Session::new(live.engine.clone(), signed_in, out).run(events);
    let writer = async {
        // Owned here, so that a writer that gives up also fails the session's sends to it.
        let mut outgoing = outgoing;
        let mut batch = Vec::new();
        let mut silent_ticks = 0;
        // The client went silent for two periods (a stalled write is noted by `output`).
        let mut dropped = false;
        let writable = loop {
            tokio::select! {
                biased;
                () = pong.ready.notified() => {
                    let payload = pong.take();
                    let pong = [(Head::new(OpCode::Pong, payload.len()), Bytes::from(payload))];
                    if !output.send_within(&pong, &mut tick).await {
                        break false;
                    }
                }
                changed = tick.changed() => {
                    silent_ticks = if heard.swap(false, Ordering::Relaxed) { 0 } else { silent_ticks + 1 };
                    if changed.is_err() || silent_ticks >= 2 {
                        tracing::debug!("client silent for two keepalive periods: dropping the connection");
                        dropped = true;
                        break false;
                    }
                    if silent_ticks == 1 {
                        let ping = [(Head::new(OpCode::Ping, 0), Bytes::new())];
                        if !output.send_within(&ping, &mut tick).await {
                            break false;
                        }
                    }
                }
                event = outgoing.recv() => {
                    let Some(event) = event else { break true };
                    // What else is already queued goes out in the same write.
                    batch.push(frame(&event));
                    while batch.len() < WRITE_BATCH {
                        match outgoing.try_recv() {
                            Ok(event) => batch.push(frame(&event)),
                            Err(_) => break,
                        }
                    }
                    let sent = output.send_within(&batch, &mut tick).await;
                    batch = Vec::new();
                    if !sent {
                        break false;
                    }
                }
            }
        };
        if !writable {
            drop(outgoing);
            gone.notify_one();
        }
        if dropped || output.stalled {
            live.engine.metrics().connections_dropped.inc();
        }
        writable
    };
    let (ending, writable) = tokio::join!(session, writer);
    if !writable {
        return;
    }
    let (code, reason) = match (ending, input_ended.get()) {
        (Ending::Refused, _) => (CLOSE_POLICY, "refused too often"),
        (_, Some(InputEnd::Fault(fault))) => (fault.close_code(), fault.close_reason()),
        (_, Some(InputEnd::Restart)) => (CLOSE_RESTART, "server restarting; reconnect"),
        _ => (CLOSE_NORMAL, ""),
    };
    let close = Bytes::from(wsframe::close_payload(code, reason));
    // The client may already be gone; nothing more to do then.
    if output.send(&[(Head::new(OpCode::Close, close.len()), close)]).await.is_err() || input.closed {
        return;
    }
    // The closing handshake: read and drop what the client still sends until its own Close,
    // so the connection ends with a FIN. Closing with unread input would reset it, and a
    // reset can swallow the close frame (and its code) before the client reads it.
    let handshake = async {
        while let Ok(Some(incoming)) = input.next().await {
            if matches!(incoming, Incoming::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSING_HANDSHAKE, handshake).await;
}

fn frame(event: &Outgoing) -> (Head, Bytes) {
    let payload = event.frame();
    (Head::new(OpCode::Binary, payload.len()), payload)
}

/// The payload of the latest ping still to be answered (RFC 6455 lets a pong answer only
/// the most recent one).
#[derive(Default)]
struct PongSlot {
    payload: Mutex<Vec<u8>>,
    ready: Notify,
}

impl PongSlot {
    fn answer(&self, ping: Vec<u8>) {
        *self.payload.lock().unwrap_or_else(|e| e.into_inner()) = ping;
        self.ready.notify_one();
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.payload.lock().unwrap_or_else(|e| e.into_inner()))
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
            let (io, buf) = (&mut self.io, &mut self.buf);
            let read = std::future::poll_fn(|cx| {
                // Uninitialised: a read that finds nothing (the session polls its input each
                // time it wakes) costs no 4 KiB memset.
                let mut chunk = [MaybeUninit::<u8>::uninit(); READ_CHUNK];
                let mut chunk = ReadBuf::uninit(&mut chunk);
                ready!(Pin::new(&mut *io).poll_read(cx, &mut chunk))?;
                buf.extend_from_slice(chunk.filled());
                Poll::Ready(Ok::<_, std::io::Error>(chunk.filled().len()))
            })
            .await;
            match read {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(_) => return Err(ReadError::Io),
            }
        }
    }
}

/// The writing side: whole frames out, header and payload of each as they are.
struct Output<W> {
    io: W,
    /// A write stayed pending for two keepalive periods.
    stalled: bool,
}

impl<W: AsyncWrite + Unpin> Output<W> {
    /// Sends `frames`; false if the connection failed or took no bytes for two keepalive
    /// ticks (a peer that is gone without closing: its socket buffer stays full).
    async fn send_within(&mut self, frames: &[(Head, Bytes)], tick: &mut watch::Receiver<u64>) -> bool {
        let stalled = async {
            let _ = tick.changed().await;
            let _ = tick.changed().await;
        };
        // The write first: one that completes at once (nearly every write) never polls the
        // stall watch, so it costs no waiter added to and removed from the shared ticker.
        tokio::select! {
            biased;
            sent = self.send(frames) => sent.is_ok(),
            () = stalled => {
                tracing::debug!("client took no bytes for two keepalive periods: dropping the connection");
                self.stalled = true;
                false
            }
        }
    }

    async fn send(&mut self, frames: &[(Head, Bytes)]) -> std::io::Result<()> {
        let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(2 * frames.len());
        for (head, payload) in frames {
            slices.push(IoSlice::new(head.as_bytes()));
            slices.push(IoSlice::new(payload));
        }
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            let written = self.io.write_vectored(rest).await?;
            if written == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            IoSlice::advance_slices(&mut rest, written);
        }
        self.io.flush().await
    }
}

/// The client's messages as events for the session; each frame sets `heard`, and pings are
/// answered through `pong`. The stream ends when the client closes, the connection fails,
/// the client breaks the protocol (the fault noted in `ended`), the writer finds the peer
/// `gone`, or the server stops (noted as a restart).
fn client_events<'a, R: AsyncRead + Unpin + Send>(
    input: &'a mut Input<R>,
    ended: &'a OnceLock<InputEnd>,
    heard: &'a AtomicBool,
    pong: &'a PongSlot,
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
                Ok(Some(Incoming::Ping(payload))) => pong.answer(payload),
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
