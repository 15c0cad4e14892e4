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
//! - presence: which people this node has in which room ([`Body::Present`]); every node
//!   counts a person once however many nodes hold their connections, and forgets a node's
//!   people once it has been silent for [`NODE_SILENCE`];
//! - a heartbeat every [`BEAT`], which also tells a node its own subscription still works.
//!
//! When Redis is down a node goes on serving its own clients and reads the other nodes'
//! room events from the database every [`POLL`]; when Redis is back it catches up and asks
//! the others for their presence again ([`Body::Sync`]).

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
    /// `user` may no longer see `room`.
    Revoked { room: String, user: i64 },
    /// The sender has (or no longer has) `nickname` in `room`.
    Present { room: String, nickname: String, here: bool },
    /// The sender is alive.
    Beat,
    /// The sender (re)joined the bus: everyone tells it who they have where.
    Sync,
}

/// This node's side of the bus; see the module comment.
pub struct Bus {
    node: NodeId,
    outgoing: mpsc::Sender<Vec<u8>>,
    up: AtomicBool,
    metrics: Metrics,
}

impl Bus {
    /// A bus whose envelopes wait in the returned queue until [`start`] publishes them.
    pub fn new(metrics: &Metrics) -> (Arc<Bus>, mpsc::Receiver<Vec<u8>>) {
        let (outgoing, queue) = mpsc::channel(OUTGOING);
        metrics.bus_configured.set(1);
        let node = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or_default());
        let bus = Bus { node, outgoing, up: AtomicBool::new(false), metrics: metrics.clone() };
        (Arc::new(bus), queue)
    }

    pub fn node(&self) -> NodeId {
        self.node
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
            beating.send(Body::Beat);
        }
    });
    let weak = engine.downgrade();
    tokio::spawn(async move {
        let mut seen: HashMap<NodeId, Instant> = HashMap::new();
        let mut check = tokio::time::interval(POLL);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
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
                    seen.insert(envelope.node, Instant::now());
                    engine.on_bus(envelope).await;
                }
                change = up.recv() => {
                    let Some(now_up) = change else { return };
                    let Some(engine) = weak.upgrade() else { return };
                    bus.set_up(now_up);
                    if now_up {
                        tracing::info!(node = bus.node, "connected to the bus");
                        bus.send(Body::Sync);
                        for (room, nickname) in engine.presence().here() {
                            bus.send(Body::Present { room, nickname, here: true });
                        }
                        engine.catch_up_rooms().await;
                    } else {
                        tracing::warn!(node = bus.node, "the bus is down: reading other nodes' events from the database");
                    }
                }
                _ = check.tick() => {
                    let Some(engine) = weak.upgrade() else { return };
                    let now = Instant::now();
                    let gone: Vec<NodeId> =
                        seen.iter().filter(|(_, at)| now - **at > NODE_SILENCE).map(|(node, _)| *node).collect();
                    for node in gone {
                        seen.remove(&node);
                        tracing::info!(node, "a node went silent: its people leave");
                        engine.presence().node_gone(node);
                    }
                    if !bus.is_up() {
                        engine.catch_up_rooms().await;
                    }
                }
            }
        }
    });
    Ok(())
}

impl Engine {
    /// Acts on what another node published.
    async fn on_bus(&self, envelope: Envelope) {
        let Envelope { node, body } = envelope;
        match body {
            Body::Event { event } => self.deliver_ordered(event),
            Body::Typing { room, event } => self.hub().publish(&room, HubEvent::new(None, event)),
            Body::Person { user, event } => self.hub().to_person(user, crate::hub::NO_CONNECTION, event),
            Body::Room { room } => self.reload_room(&room, None).await,
            Body::Revoked { room, user } => self.reload_room(&room, Some(user)).await,
            Body::Present { room, nickname, here } => self.presence().remote(node, &room, &nickname, here),
            Body::Beat => {}
            Body::Sync => {
                if let Some(bus) = self.bus() {
                    for (room, nickname) in self.presence().here() {
                        bus.send(Body::Present { room, nickname, here: true });
                    }
                }
            }
        }
    }
}
