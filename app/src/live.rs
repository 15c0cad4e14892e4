//! The browser's live view of a room: the messages, the reader's unsent messages, the
//! connection status, and the one WebSocket to `/api/live` that feeds them. The connection is
//! reopened after every drop (exponential backoff with jitter) and resumes from the last `seq`
//! it has, resending unacknowledged messages with their original `client_id`s.

use crate::api::RoomView;
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use protocol::{ClientEvent, Message, ServerEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum Status {
    /// Not connected and not trying: server rendered, or the browser is offline.
    Offline,
    /// First attempt after the page loaded.
    Connecting,
    /// Trying again after the connection was lost.
    Reconnecting,
    Connected,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Offline => "offline",
            Status::Connecting => "connecting…",
            Status::Reconnecting => "reconnecting…",
            Status::Connected => "connected",
        }
    }
}

/// A message the reader sent that is not yet back from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub text: String,
}

type Outgoing = UnboundedSender<Result<ClientEvent, ServerFnError>>;

#[derive(Clone, Copy)]
pub struct Live {
    pub room: StoredValue<String>,
    pub nickname: StoredValue<String>,
    pub status: RwSignal<Status>,
    /// The room's messages, in `seq` order, without duplicates.
    pub messages: RwSignal<Vec<Message>>,
    pub pending: RwSignal<Vec<Pending>>,
    /// The last thing the server or the composer refused, shown to the reader.
    pub notice: RwSignal<Option<String>>,
    outgoing: StoredValue<Option<Outgoing>>,
    stopped: StoredValue<bool>,
}

impl Live {
    pub fn new(page: &RoomView) -> Self {
        Live {
            room: StoredValue::new(page.room.clone()),
            nickname: StoredValue::new(page.nickname.clone().unwrap_or_default()),
            status: RwSignal::new(Status::Offline),
            messages: RwSignal::new(page.messages.clone()),
            pending: RwSignal::new(Vec::new()),
            notice: RwSignal::new(None),
            outgoing: StoredValue::new(None),
            stopped: StoredValue::new(false),
        }
    }

    /// Queues a message: shown as pending at once, sent now if connected, else on reconnect.
    pub fn send(&self, text: &str) -> Result<(), protocol::Invalid> {
        let text = protocol::message_text(text)?.to_owned();
        let client_id = new_client_id();
        self.pending.update(|p| {
            p.push(Pending {
                client_id: client_id.clone(),
                text: text.clone(),
            })
        });
        self.notice.set(None);
        let event = ClientEvent::Send {
            room: self.room.get_value(),
            client_id,
            text,
        };
        self.outgoing.with_value(|out| {
            if let Some(out) = out {
                let _ = out.unbounded_send(Ok(event));
            }
        });
        Ok(())
    }

    // The receiving side runs only in the browser (and in tests).
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    fn last_seq(&self) -> u64 {
        self.messages
            .with_untracked(|m| m.last().map_or(0, |m| m.seq))
    }

    /// Adds messages the view lacks (the server sends them in order) and retires the
    /// pending copies of the reader's own.
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    fn receive(&self, incoming: Vec<Message>) {
        let last = self.last_seq();
        let fresh: Vec<Message> = incoming.into_iter().filter(|m| m.seq > last).collect();
        if fresh.is_empty() {
            return;
        }
        let me = self.nickname.get_value();
        self.pending.update(|pending| {
            pending.retain(|p| {
                !fresh
                    .iter()
                    .any(|m| m.client_id == p.client_id && m.author == me)
            })
        });
        self.messages.update(|messages| messages.extend(fresh));
    }

    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    fn apply(&self, event: ServerEvent) {
        match event {
            ServerEvent::Welcome { .. } => self.status.set(Status::Connected),
            ServerEvent::History { messages, .. } => self.receive(messages),
            ServerEvent::Message(message) => self.receive(vec![message]),
            ServerEvent::Ack { .. } => {}
            ServerEvent::Error {
                message, client_id, ..
            } => {
                if let Some(id) = client_id {
                    self.pending.update(|p| p.retain(|p| p.client_id != id));
                }
                self.notice.set(Some(message));
            }
        }
    }

    /// The opening frames of a connection: who we are, where we were, what is unsent.
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    fn opening_frames(&self) -> Vec<ClientEvent> {
        let room = self.room.get_value();
        let mut frames = vec![
            ClientEvent::Hello {
                nickname: self.nickname.get_value(),
            },
            ClientEvent::Join {
                room: room.clone(),
                since: Some(self.last_seq()),
            },
        ];
        self.pending.with_untracked(|pending| {
            frames.extend(pending.iter().map(|p| ClientEvent::Send {
                room: room.clone(),
                client_id: p.client_id.clone(),
                text: p.text.clone(),
            }))
        });
        frames
    }

    pub fn stop(&self) {
        self.stopped.set_value(true);
        self.outgoing.set_value(None);
    }

    /// Keeps the live connection open until [`Live::stop`].
    #[cfg(feature = "hydrate")]
    pub fn connect(self) {
        use futures::StreamExt;
        leptos::task::spawn_local(async move {
            let mut failures: u32 = 0;
            while !self.stopped.get_value() {
                self.status.set(match (failures, browser_online()) {
                    (_, false) => Status::Offline,
                    (0, true) => Status::Connecting,
                    _ => Status::Reconnecting,
                });
                let (out, input) = futures::channel::mpsc::unbounded();
                for frame in self.opening_frames() {
                    let _ = out.unbounded_send(Ok(frame));
                }
                self.outgoing.set_value(Some(out));
                if let Ok(events) = crate::api::live(input.into()).await {
                    let mut events: std::pin::Pin<Box<dyn futures::Stream<Item = _> + Send>> =
                        events.into();
                    while let Some(Ok(event)) = events.next().await {
                        if matches!(event, ServerEvent::Welcome { .. }) {
                            failures = 0;
                        }
                        self.apply(event);
                    }
                }
                self.outgoing.set_value(None);
                if self.stopped.get_value() {
                    break;
                }
                failures += 1;
                self.status.set(if browser_online() {
                    Status::Reconnecting
                } else {
                    Status::Offline
                });
                gloo_timers::future::sleep(backoff(failures)).await;
            }
        });
    }
}

/// Delay before reconnect attempt `n` (1-based): doubling from 0.5 s, capped at 10 s, with
/// jitter so that a restarted server is not hit by every client at once.
#[cfg(feature = "hydrate")]
fn backoff(n: u32) -> std::time::Duration {
    let ceiling = (500u64 << n.saturating_sub(1).min(5)).min(10_000) as f64;
    let jittered = ceiling * (0.5 + 0.5 * js_sys::Math::random());
    std::time::Duration::from_millis(jittered as u64)
}

#[cfg(feature = "hydrate")]
fn browser_online() -> bool {
    web_sys::window().map_or(true, |w| w.navigator().on_line())
}

/// A random 128-bit id as 32 hex digits.
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    #[cfg(feature = "hydrate")]
    {
        let filled = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
        if !filled {
            for b in bytes.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Outside a browser (tests, server builds): the clock and a counter make it unique.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes[..8].copy_from_slice(&nanos.to_le_bytes());
        bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64, author: &str, client_id: &str) -> Message {
        Message {
            room: "general".into(),
            seq,
            client_id: client_id.into(),
            author: author.into(),
            text: format!("m{seq}"),
            sent_at: 0,
        }
    }

    fn live(messages: Vec<Message>) -> Live {
        Live::new(&RoomView {
            room: "general".into(),
            nickname: Some("ann".into()),
            messages,
            has_more: false,
            form_client_id: "f".into(),
        })
    }

    fn seqs(live: &Live) -> Vec<u64> {
        live.messages
            .get_untracked()
            .iter()
            .map(|m| m.seq)
            .collect()
    }

    #[test]
    fn replays_and_live_messages_are_added_once_in_order() {
        // Signals live in a reactive owner (its arena is sandboxed on the server).
        Owner::new().with(|| {
            let live = live(vec![message(1, "bob", "b1"), message(2, "bob", "b2")]);
            live.apply(ServerEvent::History {
                room: "general".into(),
                messages: vec![message(2, "bob", "b2"), message(3, "bob", "b3")],
                has_more: true,
            });
            live.apply(ServerEvent::Message(message(3, "bob", "b3")));
            live.apply(ServerEvent::Message(message(4, "bob", "b4")));
            assert_eq!(seqs(&live), vec![1, 2, 3, 4]);
        })
    }

    #[test]
    fn own_messages_leave_the_outbox_when_they_come_back() {
        // Signals live in a reactive owner (its arena is sandboxed on the server).
        Owner::new().with(|| {
            let live = live(vec![]);
            live.send("hello").unwrap();
            live.send("again").unwrap();
            let pending = live.pending.get_untracked();
            assert_eq!(pending.len(), 2);
            // The connection opens with hello, join from the last seq, then the unsent messages.
            let frames = live.opening_frames();
            assert_eq!(frames[1], ClientEvent::Join { room: "general".into(), since: Some(0) });
            assert!(matches!(&frames[2], ClientEvent::Send { client_id, .. } if *client_id == pending[0].client_id));
            live.apply(ServerEvent::Message(message(1, "ann", &pending[0].client_id)));
            assert_eq!(live.pending.get_untracked(), vec![pending[1].clone()]);
            // Someone else's message with the same id does not retire ours.
            live.apply(ServerEvent::Message(message(2, "bob", &pending[1].client_id)));
            assert_eq!(live.pending.get_untracked().len(), 1);
        })
    }

    #[test]
    fn refused_messages_leave_the_outbox_with_a_notice() {
        // Signals live in a reactive owner (its arena is sandboxed on the server).
        Owner::new().with(|| {
            let live = live(vec![]);
            assert!(live.send("   ").is_err());
            live.send("hi").unwrap();
            let id = live.pending.get_untracked()[0].client_id.clone();
            live.apply(ServerEvent::Error {
                code: protocol::ErrorCode::StoreUnavailable,
                message: "not saved".into(),
                client_id: Some(id),
            });
            assert!(live.pending.get_untracked().is_empty());
            assert_eq!(live.notice.get_untracked().as_deref(), Some("not saved"));
        })
    }
}
