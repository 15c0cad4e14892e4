//! The bus between nodes: what one Natter node tells the others so that people connected to
//! different nodes share one chat.
//!
//! Every node publishes on one Redis pub/sub channel, named after the cluster (the identity
//! its database keeps, so two clusters may share a Redis), and reads everything the others
//! publish there:
//! - each room event its store committed (`seq` comes from the shared database, so it is the
//!   same on every node); every node puts them back in order through [`order::Order`], which
//!   reads from the database whatever the bus lost or delayed;
//! - live typing, a person's own notices (read positions), rooms created or changed and access
//!   revoked: never stored, or stored already and only announced;
//! - presence: which people this node has in which room ([`Body::Present`] as it changes, and
//!   all of them at once in a [`Body::Snapshot`], which replaces what the others knew of this
//!   node); every node counts a person once however many nodes hold their connections, and
//!   forgets a node's people once it has been silent for [`NODE_SILENCE`];
//! - a heartbeat every [`BEAT`], which also tells a node its own subscription still works,
//!   and carries how many envelopes the sender could not publish.
//!
//! The database stays the truth; the bus only brings it sooner. So every node also checks
//! the database for room events it has not seen ([`POLL`] while Redis is down, every
//! [`CHECK`] while it is up, and at once when another node says it lost envelopes), and reads
//! every room again when its subscription comes back (a room change missed meanwhile). A node
//! heard from for the first time, or again after it was taken for gone, is asked for its
//! snapshot ([`Body::Ask`]).

pub mod order;
mod redis;

use crate::hub::HubEvent;
use crate::metrics::Metrics;
use crate::Engine;
use protocol::ServerEvent;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A node's identity on the bus: random at start, so a restarted node is a new one.
pub type NodeId = u64;

/// How often each node says it is alive.
pub const BEAT: Duration = Duration::from_secs(1);
/// A node not heard for this long is gone: its people leave.
pub const NODE_SILENCE: Duration = Duration::from_secs(5);
/// How often a node without the bus reads other nodes' room events from the database.
pub const POLL: Duration = Duration::from_secs(1);
/// How often a node with the bus checks the database for room events the bus lost.
pub const CHECK: Duration = Duration::from_secs(3);
/// Envelopes waiting to be published; beyond it they are dropped (and counted), and the
/// other nodes read what they miss from the database.
const OUTGOING: usize = 65_536;

/// What one node publishes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub node: NodeId,
    #[serde(flatten)]
    pub body: Body,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Body {
    /// A room event committed by the sender's store.
    Event { event: ServerEvent },
    /// Live typing in a room.
    Typing { room: String, event: ServerEvent },
    /// An event for one person's connections (a read position moved).
    Person { user: i64, event: ServerEvent },
    /// A room was created or its members changed: read it from the store again.
    Room { room: String },
    /// The sender has (or no longer has) `nickname` in `room`.
    Present { room: String, nickname: String, here: bool },
    /// Everyone the sender has, as `(room, nickname)`: replaces what was known of it.
    Snapshot { people: Vec<(String, String)> },
    /// The sender is alive; it could not publish `lost` envelopes since it started.
    Beat { lost: u64 },
    /// The sender (re)joined the bus: everyone sends it their snapshot.
    Sync,
    /// `asked` is asked for its snapshot (not `node`: the envelope's own field is called that).
    Ask { asked: NodeId },
}

impl From<crate::presence::News> for Body {
    fn from(news: crate::presence::News) -> Body {
        match news {
            crate::presence::News::One { room, nickname, here } => Body::Present { room, nickname, here },
            crate::presence::News::All(people) => Body::Snapshot { people },
        }
    }
}

/// This node's side of the bus; see the module comment.
pub struct Bus {
    node: NodeId,
    outgoing: mpsc::Sender<Vec<u8>>,
    up: AtomicBool,
    metrics: Metrics,
    /// A catch-up from the database is running.
    catching_up: AtomicBool,
    /// The rooms are being read again.
    reloading: AtomicBool,
}

impl Bus {
    /// A bus whose envelopes wait in the returned queue until [`start`] publishes them.
    pub fn new(metrics: &Metrics) -> (Arc<Bus>, mpsc::Receiver<Vec<u8>>) {
        let (outgoing, queue) = mpsc::channel(OUTGOING);
        metrics.bus_configured.set(1);
        let node = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or_default());
        let bus = Bus {
            node,
            outgoing,
            up: AtomicBool::new(false),
            metrics: metrics.clone(),
            catching_up: AtomicBool::new(false),
            reloading: AtomicBool::new(false),
        };
        (Arc::new(bus), queue)
    }

    /// Whether the node is connected to the bus now.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::Relaxed);
        self.metrics.bus_up.set(i64::from(up));
    }

    /// Publishes `body` to the other nodes (dropped, and counted, if it cannot be queued).
    pub fn send(&self, body: Body) {
        let envelope = Envelope { node: self.node, body };
        let Ok(bytes) = serde_json::to_vec(&envelope) else { return };
        if self.outgoing.try_send(bytes).is_err() {
            self.metrics.bus_lost.inc();
        }
    }
}

/// Starts the node's bus tasks: publishing what is queued, reading what the other nodes
/// publish, the heartbeat, and reading room events from the database while Redis is down.
pub fn start(
    url: &str,
    channel: &str,
    engine: &Engine,
    queue: mpsc::Receiver<Vec<u8>>,
) -> Result<(), String> {
    let Some(bus) = engine.bus().cloned() else { return Err("no bus".into()) };
    let client = ::redis::Client::open(url).map_err(|error| format!("the Redis address {url:?}: {error}"))?;
    let (incoming, mut received) = mpsc::unbounded_channel::<Vec<u8>>();
    let (changes, mut up) = mpsc::unbounded_channel::<bool>();
    tokio::spawn(redis::publish(client.clone(), channel.to_owned(), queue, bus.metrics.clone()));
    tokio::spawn(redis::subscribe(client, channel.to_owned(), incoming, changes));
    // The heartbeat.
    let beating = Arc::clone(&bus);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(BEAT);
        loop {
            tick.tick().await;
            if Arc::strong_count(&beating) == 1 {
                return;
            }
            beating.send(Body::Beat { lost: beating.metrics.bus_lost.get() });
        }
    });
    let weak = engine.downgrade();
    tokio::spawn(async move {
        // When each node was last heard, and how many envelopes it said it lost.
        let mut seen: HashMap<NodeId, (Instant, u64)> = HashMap::new();
        let mut check = tokio::time::interval(POLL);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks: u32 = 0;
        loop {
            tokio::select! {
                // What arrived first goes first: a backlog never makes a node look silent.
                biased;
                message = received.recv() => {
                    let Some(bytes) = message else { return };
                    let Some(engine) = weak.upgrade() else { return };
                    let Ok(envelope) = serde_json::from_slice::<Envelope>(&bytes) else {
                        tracing::warn!("an unreadable envelope on the bus");
                        continue;
                    };
                    if envelope.node == bus.node {
                        continue;
                    }
                    bus.metrics.bus_received.inc();
                    let lost_now = match envelope.body {
                        Body::Beat { lost } => Some(lost),
                        _ => None,
                    };
                    let now = Instant::now();
                    match seen.get_mut(&envelope.node) {
                        // New, or back after it was taken for gone: what does it have?
                        None => {
                            seen.insert(envelope.node, (now, lost_now.unwrap_or(0)));
                            bus.send(Body::Ask { asked: envelope.node });
                        }
                        Some((at, lost_before)) => {
                            *at = now;
                            if let Some(lost) = lost_now {
                                // It could not publish something: read what it stored.
                                if lost > *lost_before {
                                    engine.catch_up_rooms_soon();
                                }
                                *lost_before = lost;
                            }
                        }
                    }
                    engine.on_bus(envelope);
                }
                change = up.recv() => {
                    let Some(now_up) = change else { return };
                    let Some(engine) = weak.upgrade() else { return };
                    bus.set_up(now_up);
                    if now_up {
                        tracing::info!(node = bus.node, "connected to the bus");
                        bus.send(Body::Sync);
                        engine.presence().share_all();
                        engine.reload_rooms_soon();
                        engine.catch_up_rooms_soon();
                    } else {
                        tracing::warn!(node = bus.node, "the bus is down: reading other nodes' events from the database");
                    }
                }
                _ = check.tick() => {
                    let Some(engine) = weak.upgrade() else { return };
                    let now = Instant::now();
                    let gone: Vec<NodeId> =
                        seen.iter().filter(|(_, (at, _))| now - *at > NODE_SILENCE).map(|(node, _)| *node).collect();
                    for node in gone {
                        seen.remove(&node);
                        tracing::info!(node, "a node went silent: its people leave");
                        engine.presence().node_gone(node);
                    }
                    ticks = ticks.wrapping_add(1);
                    let every = (CHECK.as_millis() / POLL.as_millis()).max(1) as u32;
                    if !bus.is_up() {
                        engine.reload_rooms_soon();
                        engine.catch_up_rooms_soon();
                    } else if ticks.is_multiple_of(every) {
                        engine.catch_up_rooms_soon();
                    }
                }
            }
        }
    });
    Ok(())
}

impl Engine {
    /// Acts on what another node published. Nothing here waits for the database: what
    /// reads it runs in a task of its own, so the bus is never held up.
    fn on_bus(&self, envelope: Envelope) {
        let Envelope { node, body } = envelope;
        match body {
            Body::Event { event } => self.deliver_ordered(event),
            Body::Typing { room, event } => self.hub().publish(&room, HubEvent::new(None, event)),
            Body::Person { user, event } => self.hub().to_person(user, crate::hub::NO_CONNECTION, event),
            Body::Room { room } => {
                let engine = self.clone();
                tokio::spawn(async move {
                    if let Err(error) = engine.reload_rooms(Some(&room)).await {
                        tracing::warn!(%error, room, "a room changed on another node cannot be read; reading all of them again soon");
                        engine.reload_rooms_soon();
                    }
                });
            }
            Body::Present { room, nickname, here } => self.presence().remote(node, &room, &nickname, here),
            Body::Snapshot { people } => self.presence().snapshot(node, people),
            Body::Beat { .. } => {}
            Body::Sync => self.presence().share_all(),
            Body::Ask { asked } => {
                if self.bus().is_some_and(|bus| bus.node == asked) {
                    self.presence().share_all();
                }
            }
        }
    }

    /// A committed room event from another node, to be put in order and delivered.
    fn deliver_ordered(&self, event: ServerEvent) {
        match &self.inner.order {
            Some(order) => order.offer(event),
            None => self.inner.hub.publish_ordered(event),
        }
    }

    /// Runs `work` in a task of its own, unless the one `busy` marks is still running.
    fn one_at_a_time<F>(&self, busy: fn(&Bus) -> &AtomicBool, work: impl FnOnce(Engine) -> F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let Some(bus) = self.bus() else { return };
        if busy(bus).swap(true, Ordering::AcqRel) {
            return;
        }
        let (bus, work) = (Arc::clone(bus), work(self.clone()));
        tokio::spawn(async move {
            work.await;
            busy(&bus).store(false, Ordering::Release);
        });
    }

    /// [`Engine::catch_up_rooms`] in a task of its own, unless one is running.
    fn catch_up_rooms_soon(&self) {
        self.one_at_a_time(|bus| &bus.catching_up, |engine| async move { engine.catch_up_rooms().await });
    }

    /// Delivers what the store holds after what was delivered, in every room with
    /// connections here (the bus may have lost some).
    async fn catch_up_rooms(&self) {
        let Some(order) = &self.inner.order else { return };
        let mut rooms = self.inner.hub.rooms();
        // On PostgreSQL one query tells which rooms have anything new, so a node with many
        // rooms reads only those.
        if let crate::store::Store::Postgres(store) = &*self.inner.store {
            let Ok(lasts) = store.last_seqs().await else { return };
            let lasts: HashMap<String, protocol::Seq> = lasts.into_iter().collect();
            rooms.retain(|room| lasts.get(room).is_some_and(|last| order.last(room) < Some(*last)));
        }
        for room in rooms {
            order.catch_up(&room).await;
        }
    }

    /// [`Engine::reload_rooms`] of every room in a task of its own, unless one is running.
    fn reload_rooms_soon(&self) {
        self.one_at_a_time(
            |bus| &bus.reloading,
            |engine| async move {
                if let Err(error) = engine.reload_rooms(None).await {
                    tracing::warn!(%error, "the rooms cannot be read again");
                }
            },
        );
    }

    /// Reads the rooms (or only `only`) from the store again and tells the connections here
    /// what changed: a room new or changed, and each person no longer in a private room
    /// (who then gets nothing more from it).
    async fn reload_rooms(&self, only: Option<&str>) -> Result<(), crate::store::StoreError> {
        for room in self.inner.store.rooms().await? {
            if only.is_some_and(|name| name != room.info.name) {
                continue;
            }
            let before = self.read_rooms().get(&room.info.name).cloned();
            if before.as_ref() == Some(&room) {
                continue;
            }
            let removed: Vec<i64> = before
                .map(|before| before.members.into_iter().map(|(id, _)| id))
                .into_iter()
                .flatten()
                .filter(|id| !room.members.iter().any(|(member, _)| member == id))
                .collect();
            let name = room.info.name.clone();
            self.announce_here(room);
            for user in removed {
                self.inner.hub.publish_lobby(crate::hub::LobbyEvent::Revoked { room: name.clone(), user });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_envelope_reads_back_as_written() {
        let bodies = vec![
            Body::Ask { asked: 7 },
            Body::Beat { lost: 3 },
            Body::Sync,
            Body::Room { room: "general".into() },
            Body::Present { room: "general".into(), nickname: "ann".into(), here: true },
            Body::Snapshot { people: vec![("general".into(), "ann".into())] },
        ];
        for body in bodies {
            let written = format!("{body:?}");
            let bytes = serde_json::to_vec(&Envelope { node: 42, body }).unwrap();
            let read: Envelope = serde_json::from_slice(&bytes).expect("an envelope reads back");
            assert_eq!((read.node, format!("{:?}", read.body)), (42, written));
        }
    }
}
