//! The terminal client's transport: one live WebSocket at a time, each in a task of its own,
//! driven by the shared state machine ([`client::Core`]): it opens the connection with the
//! core's opening frames, feeds it every event, and reconnects after the core's backoff.

use client::{Changes, Core};
use futures::{SinkExt, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio_tungstenite::tungstenite::Message as Frame;

/// A connection attempt that has not finished its handshake by then has failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Milliseconds since the Unix epoch: the core's clock.
pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// From a connection's task.
enum Net {
    /// Boxed: events are large, and most of what the channel carries.
    Event(Box<ServerEvent>),
    /// A WebSocket ping from the server: the connection is alive.
    Ping,
    Closed(String),
}

/// What one wait on the link brought.
#[derive(Debug, Default)]
pub struct Update {
    pub changes: Changes,
    /// The connection was lost (or could not be made), and why.
    pub lost: Option<String>,
}

pub struct Link {
    url: String,
    pub core: Core,
    /// The open connection's outgoing frames.
    out: Option<UnboundedSender<ClientEvent>>,
    /// Which connection the events come from: a closed one's last words are ignored.
    generation: u64,
    events_tx: UnboundedSender<(u64, Net)>,
    events: UnboundedReceiver<(u64, Net)>,
    /// When to try to connect, while not connected.
    connect_at: Option<Instant>,
}

impl Link {
    pub fn new(url: String, core: Core) -> Self {
        let (events_tx, events) = unbounded_channel();
        Link { url, core, out: None, generation: 0, events_tx, events, connect_at: Some(Instant::now()) }
    }

    /// The server's `http(s)://host` (files download from it, uploads go to it).
    pub fn http_base(&self) -> String {
        crate::url::http_base(&self.url)
    }

    /// Sends frames on the open connection (the core gives none while there is none).
    pub fn send(&mut self, frames: Vec<ClientEvent>) {
        if let Some(out) = &self.out {
            for frame in frames {
                let _ = out.send(frame);
            }
        }
    }

    /// Drops the connection and connects again at once (after a password was entered).
    pub fn reconnect_now(&mut self) -> Changes {
        self.out = None;
        self.generation += 1;
        let (_, changes) = self.core.disconnected(now_ms(), 0.0);
        self.connect_at = Some(Instant::now());
        changes
    }

    /// Waits for the next thing that happens on the link and applies it to the core.
    /// Cancel-safe: nothing changes until one of the waits completes.
    pub async fn next(&mut self) -> Update {
        let due = self
            .core
            .next_due()
            .map(|at| Instant::now() + Duration::from_secs_f64((at - now_ms()).max(0.0) / 1000.0));
        tokio::select! {
            _ = sleep_until(self.connect_at), if self.connect_at.is_some() => {
                self.connect_at = None;
                self.generation += 1;
                let opening = self.core.connecting();
                let (out, input) = unbounded_channel();
                for frame in opening.send {
                    let _ = out.send(frame);
                }
                self.out = Some(out);
                tokio::spawn(connection(self.url.clone(), self.generation, input, self.events_tx.clone()));
                Update { changes: opening.changes, lost: None }
            }
            Some((generation, net)) = self.events.recv() => {
                if generation != self.generation {
                    return Update::default();
                }
                match net {
                    Net::Event(event) => Update { changes: self.core.apply(*event, now_ms()), lost: None },
                    Net::Ping => {
                        self.core.heard(now_ms());
                        Update::default()
                    }
                    Net::Closed(reason) => self.lose(reason),
                }
            }
            _ = sleep_until(due), if due.is_some() => {
                let polled = self.core.poll(now_ms());
                if polled.changes.silent {
                    // Dropping the sender ends the connection's task; its close is ignored.
                    self.generation += 1;
                    let mut lost = self.lose(crate::lang::t("tui-lost-silent"));
                    lost.changes.merge(polled.changes);
                    return lost;
                }
                self.send(polled.send);
                Update { changes: polled.changes, lost: None }
            }
        }
    }
}

impl Link {
    /// The connection is gone: wait the core's backoff, then try again.
    fn lose(&mut self, reason: String) -> Update {
        self.out = None;
        let (delay, changes) = self.core.disconnected(now_ms(), fastrand::f64());
        self.connect_at = Some(Instant::now() + Duration::from_secs_f64(delay / 1000.0));
        Update { changes, lost: Some(reason) }
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at.into()).await;
    }
}

/// One connection: sends what `input` gives, reports every event, and says when it closed.
async fn connection(
    url: String,
    generation: u64,
    mut input: UnboundedReceiver<ClientEvent>,
    events: UnboundedSender<(u64, Net)>,
) {
    let reason = run_connection(&url, generation, &mut input, &events).await;
    let _ = events.send((generation, Net::Closed(reason)));
}

async fn run_connection(
    url: &str,
    generation: u64,
    input: &mut UnboundedReceiver<ClientEvent>,
    events: &UnboundedSender<(u64, Net)>,
) -> String {
    let socket = match tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(url)).await {
        Err(_) => return crate::lang::t("tui-lost-no-answer"),
        Ok(Err(error)) => return error.to_string(),
        Ok(Ok((socket, _))) => socket,
    };
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            frame = input.recv() => {
                // The link dropped this connection.
                let Some(frame) = frame else { return "closed".to_owned() };
                let bytes = protocol::frame::encode_client(&frame);
                if let Err(error) = sink.send(Frame::Binary(bytes.into())).await {
                    return error.to_string();
                }
            }
            frame = stream.next() => match frame {
                Some(Ok(Frame::Binary(bytes))) => {
                    if let Some(event) = protocol::frame::decode_server(&bytes) {
                        if events.send((generation, Net::Event(Box::new(event)))).is_err() {
                            return "closed".to_owned();
                        }
                    }
                }
                Some(Ok(Frame::Close(Some(close)))) => {
                    let code = u16::from(close.code).to_string();
                    let reason = close.reason.to_string();
                    return crate::lang::tf(
                        "tui-lost-closed-code",
                        &[("code", (&code).into()), ("reason", (&reason).into())],
                    );
                }
                Some(Ok(Frame::Close(None))) | None => return crate::lang::t("tui-lost-closed"),
                // Pings are answered by the library; they show the server is there.
                Some(Ok(Frame::Ping(_))) => {
                    if events.send((generation, Net::Ping)).is_err() {
                        return "closed".to_owned();
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return error.to_string(),
            }
        }
    }
}
