//! Fan-out of live events to the connections that joined a room, and of room-list changes
//! (a room created, a member invited or removed) to every connection, each of which keeps
//! only what concerns its person.
//!
//! A room's event is serialised once, and every receiver is sent the same bytes.
//!
//! Each connection in a room is a [`Subscriber`] with a [`Feed`]. A feed is *direct* once its
//! session has caught up on a public room: the publisher itself then puts each event into
//! the connection's [`Outbox`] (messages strictly in `seq` order), and a flusher writes it to
//! the socket. No receiver's task wakes for a room's message. Otherwise the publisher holds
//! the event for the session, which checks it first: private rooms (every event is checked
//! against the membership), a join still reading history, and a connection that fell behind.
//!
//! A room's ordered events (messages, and changes to them: edits, deletions, reactions) each
//! have a `seq`; a feed passes them on strictly in that order. The room keeps its latest ones,
//! each message in its current state, so a join or a short catch-up is answered from memory.
//!
//! A receiver that reads nothing fills its outbox; its feed then goes back to its session,
//! which catches its messages up from the store once the client reads again, so a slow
//! reader never grows memory. Ephemeral events (typing, presence) missed that way are gone.

use crate::outbox::{Flusher, Outbox, Wire};
use prometheus_client::metrics::counter::Counter;
use protocol::{Change, Deletion, Message, RoomInfo, Seq, ServerEvent};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::{broadcast, Notify};

/// Events held for a session that has not taken them yet; beyond it the feed has lagged and
/// the session catches its messages up from the store.
const HELD_LIMIT: usize = 128;
/// Room creations kept for connections that are briefly behind.
const LOBBY_BUFFER: usize = 64;

/// A change to the room list, for the connections it concerns.
#[derive(Clone, Debug)]
pub enum LobbyEvent {
    /// A room appeared or changed. `audience` holds the ids of the people who may see it;
    /// `None` means everyone (a public room).
    Room { room: RoomInfo, audience: Option<Vec<i64>> },
    /// The person with id `user` may no longer see `room`.
    Revoked { room: String, user: i64 },
}

/// Identifies one live connection, so it is not sent its own typing back.
pub type ConnectionId = u64;

/// No connection of this node: events from another node come from it.
pub const NO_CONNECTION: ConnectionId = ConnectionId::MAX;

/// An event for everyone in a room.
#[derive(Debug)]
pub struct HubEvent {
    /// The connection it came from, for events that should not echo back to it.
    pub origin: Option<ConnectionId>,
    pub event: ServerEvent,
    /// `event` as a frame, encoded once for all receivers.
    frame: OnceLock<Box<[u8]>>,
}

impl HubEvent {
    pub fn new(origin: Option<ConnectionId>, event: ServerEvent) -> Self {
        HubEvent { origin, event, frame: OnceLock::new() }
    }

    /// The message it carries, if it is one.
    pub fn message(&self) -> Option<&Message> {
        match &self.event {
            ServerEvent::Message(message) => Some(message),
            _ => None,
        }
    }

    /// Its place in its room's order, if it has one (a message or a change).
    pub fn seq(&self) -> Option<Seq> {
        self.event.ordered().map(|(_, seq)| seq)
    }

    /// The event as a frame (`protocol::frame`), encoded by whichever receiver asks first.
    pub fn frame(&self) -> &[u8] {
        self.frame.get_or_init(|| protocol::frame::encode_server(&self.event).into_boxed_slice())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Ordered events a room keeps for connections that fell behind: catching up from them shares
/// the frames already encoded, so falling behind costs no more than keeping up.
const RECENT: usize = 512;

/// The connections in one room, and its latest events.
#[derive(Default)]
struct Members {
    subscribers: Vec<Arc<Subscriber>>,
    /// Up to [`RECENT`] ordered events, in `seq` order, published since the first of these
    /// connections came; each message as it is now (a change replaces it with its new state).
    recent: VecDeque<Arc<HubEvent>>,
}

impl Members {
    /// Keeps a newly published ordered event, and brings the kept copy of the message it
    /// changes up to date (a deletion also turns the message's earlier changes into deletions,
    /// as the store does, so nothing kept still carries its text).
    fn keep(&mut self, event: &Arc<HubEvent>) {
        // What is kept is one unbroken run of seqs, or a join answered from it would miss
        // what is not there: after a gap (events from another node the bus lost) it starts
        // again from this one.
        match (self.recent.back().and_then(|kept| kept.seq()), event.seq()) {
            (Some(last), Some(seq)) if seq <= last => return,
            (Some(last), Some(seq)) if seq != last + 1 => self.recent.clear(),
            _ => {}
        }
        // Messages, the common case, are kept as they are.
        let is_change = matches!(
            event.event,
            ServerEvent::Edited(_) | ServerEvent::Deleted(_) | ServerEvent::Reaction(_)
        );
        if let Some(change) = is_change.then(|| event.event.clone().into_change()).flatten() {
            let target = change.target();
            let at = self.recent.binary_search_by_key(&target, |e| e.seq().unwrap_or(0));
            if let Ok(at) = at {
                if let Some(message) = self.recent[at].message() {
                    let mut updated = message.clone();
                    if change.apply_to(&mut updated) {
                        self.recent[at] = Arc::new(HubEvent::new(None, ServerEvent::Message(updated)));
                    }
                }
            }
            if let Change::Deleted(_) = change {
                let room = change.room().to_owned();
                for kept in self.recent.iter_mut() {
                    let earlier = kept.event.clone().into_change().filter(|c| c.target() == target);
                    if let Some(earlier) = earlier.filter(|c| !matches!(c, Change::Deleted(_))) {
                        let deletion = Deletion { room: room.clone(), seq: earlier.seq(), target };
                        *kept = Arc::new(HubEvent::new(None, ServerEvent::Deleted(deletion)));
                    }
                }
            }
        }
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(Arc::clone(event));
    }
}

type Room = Mutex<Members>;

/// One person's connections and their outboxes.
type Connections = Vec<(ConnectionId, Arc<Outbox>)>;

#[derive(Clone)]
pub struct Hub {
    rooms: Arc<Mutex<HashMap<String, Arc<Room>>>>,
    /// Each claimed person's connections (by user id), for what concerns them alone.
    people: Arc<Mutex<HashMap<i64, Connections>>>,
    lobby: broadcast::Sender<Arc<LobbyEvent>>,
    /// One per core the process may run on; each outbox belongs to one.
    flushers: Arc<[Arc<Flusher>]>,
    next_flusher: Arc<AtomicUsize>,
    /// Messages put straight into outboxes (`Metrics::deliveries`).
    deliveries: Counter,
}

impl Hub {
    /// Starts the flushers: must run in a tokio runtime. Direct deliveries count in
    /// `deliveries`.
    pub fn new(deliveries: Counter) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hub {
            rooms: Arc::default(),
            people: Arc::default(),
            lobby: broadcast::channel(LOBBY_BUFFER).0,
            flushers: (0..cores).map(|_| Flusher::start()).collect(),
            next_flusher: Arc::default(),
            deliveries,
        }
    }

    /// The outbox of a new connection that writes to `wire`.
    pub fn outbox(&self, wire: Box<dyn Wire>) -> Arc<Outbox> {
        let shard = self.next_flusher.fetch_add(1, Ordering::Relaxed) % self.flushers.len();
        Outbox::new(wire, Arc::clone(&self.flushers[shard]))
    }

    /// Adds a connection to `room`. Its feed starts held for its session (at `seq` 0): the
    /// session reads the history, sets where the client is, then lets the feed go direct.
    pub fn subscribe(
        &self,
        room: &str,
        connection: ConnectionId,
        outbox: &Arc<Outbox>,
        signal: &Arc<Notify>,
    ) -> Arc<Subscriber> {
        let subscriber = Arc::new(Subscriber {
            connection,
            outbox: Arc::clone(outbox),
            signal: Arc::clone(signal),
            feed: Mutex::new(Feed {
                last: 0,
                direct: false,
                held: VecDeque::new(),
                lagged: false,
                unfinished: false,
            }),
        });
        // Under the rooms' lock, so the room cannot be dropped as empty meanwhile.
        let mut rooms = lock(&self.rooms);
        lock(rooms.entry(room.to_owned()).or_default()).subscribers.push(Arc::clone(&subscriber));
        subscriber
    }

    /// Takes a connection out of `room`.
    pub fn unsubscribe(&self, room: &str, subscriber: &Arc<Subscriber>) {
        let mut rooms = lock(&self.rooms);
        if let Some(members) = rooms.get(room) {
            let mut members_now = lock(members);
            members_now.subscribers.retain(|s| !Arc::ptr_eq(s, subscriber));
            if members_now.subscribers.is_empty() {
                drop(members_now);
                rooms.remove(room);
            }
        }
    }

    /// Sends an event to everyone in `room`. Rooms nobody is in are skipped.
    pub fn publish(&self, room: &str, event: HubEvent) {
        let Some(members) = lock(&self.rooms).get(room).cloned() else { return };
        let event = Arc::new(event);
        let mut members = lock(&members);
        if event.seq().is_some() {
            members.keep(&event);
        }
        let delivered = members.subscribers.iter().filter(|member| member.offer(&event)).count();
        drop(members);
        if delivered > 0 {
            self.deliveries.inc_by(delivered as u64);
        }
    }

    /// The first `limit` events of `room` after `last`, if the room still keeps them
    /// (`None`: read the store). Only for a connection in the room: the room keeps what was
    /// published since its first connection came.
    pub fn recent_after(&self, room: &str, last: Seq, limit: usize) -> Option<Vec<Arc<HubEvent>>> {
        let members = lock(&self.rooms).get(room).cloned()?;
        let members = lock(&members);
        let seq = |event: &HubEvent| event.seq().unwrap_or(0);
        match members.recent.front() {
            Some(first) if seq(first) > last + 1 => None,
            _ => Some(members.recent.iter().filter(|event| seq(event) > last).take(limit).cloned().collect()),
        }
    }

    /// The first `limit` events of `room` after `last` (messages as they are now), if the
    /// room keeps every one of them (`None`: read the store). Unlike [`Hub::recent_after`],
    /// for a connection that only now joins: the room must hold the event right after `last`,
    /// or an older one.
    pub fn kept_after(&self, room: &str, last: Seq, limit: usize) -> Option<Vec<ServerEvent>> {
        let members = lock(&self.rooms).get(room).cloned()?;
        let members = lock(&members);
        let first = members.recent.front()?.seq()?;
        if first > last.saturating_add(1) {
            return None;
        }
        let after = members.recent.iter().filter(|event| event.seq().is_some_and(|seq| seq > last));
        Some(after.take(limit).map(|event| event.event.clone()).collect())
    }

    /// The latest `limit` messages of `room` (as they are now), whether older ones exist, and
    /// the room's latest `seq`, if the room keeps that many (`None`: read the store). Only
    /// for a connection in the room, as [`Hub::recent_after`]: a hot room's joins are
    /// answered from memory.
    pub fn latest(&self, room: &str, limit: usize) -> Option<(Vec<Message>, bool, Seq)> {
        let members = lock(&self.rooms).get(room).cloned()?;
        let members = lock(&members);
        let last = members.recent.back()?.seq()?;
        let mut messages: Vec<Message> =
            members.recent.iter().rev().filter_map(|event| event.message().cloned()).take(limit).collect();
        if messages.len() < limit {
            return None;
        }
        messages.reverse();
        // A room's first event is always a message (a change needs one to change).
        let has_more = messages.first().is_some_and(|m| m.seq > 1);
        Some((messages, has_more, last))
    }

    /// The rooms with connections here.
    pub fn rooms(&self) -> Vec<String> {
        lock(&self.rooms).keys().cloned().collect()
    }

    /// Sends a committed room event (a message or a change to one) to everyone in its room.
    pub fn publish_ordered(&self, event: ServerEvent) {
        let Some((room, _)) = event.ordered() else { return };
        let room = room.to_owned();
        self.publish(&room, HubEvent::new(None, event));
    }

    /// Connection `connection` (writing to `outbox`) speaks for the person `user`.
    pub fn join_person(&self, user: i64, connection: ConnectionId, outbox: &Arc<Outbox>) {
        lock(&self.people).entry(user).or_default().push((connection, Arc::clone(outbox)));
    }

    pub fn leave_person(&self, user: i64, connection: ConnectionId) {
        let mut people = lock(&self.people);
        if let Some(connections) = people.get_mut(&user) {
            connections.retain(|(id, _)| *id != connection);
            if connections.is_empty() {
                people.remove(&user);
            }
        }
    }

    /// Sends `event` to the person's connections other than `except` (missed by one that
    /// reads nothing, like typing).
    pub fn to_person(&self, user: i64, except: ConnectionId, event: ServerEvent) {
        let outboxes: Vec<Arc<Outbox>> = lock(&self.people)
            .get(&user)
            .map(|c| c.iter().filter(|(id, _)| *id != except).map(|(_, o)| Arc::clone(o)).collect())
            .unwrap_or_default();
        if outboxes.is_empty() {
            return;
        }
        let event = Arc::new(HubEvent::new(None, event));
        for outbox in outboxes {
            outbox.offer(&event);
        }
    }

    pub fn subscribe_lobby(&self) -> broadcast::Receiver<Arc<LobbyEvent>> {
        self.lobby.subscribe()
    }

    pub fn publish_lobby(&self, event: LobbyEvent) {
        let _ = self.lobby.send(Arc::new(event));
    }
}

/// Where a connection is in one room's events.
pub struct Feed {
    /// The last ordered event (`seq`) the client has of the room.
    pub last: Seq,
    /// The publisher writes to the outbox itself; otherwise it holds events for the session.
    direct: bool,
    held: VecDeque<Arc<HubEvent>>,
    /// Events were missed (held beyond [`HELD_LIMIT`], or the outbox was full).
    lagged: bool,
    /// The session has more to catch up on (it does so a burst per wake-up).
    unfinished: bool,
}

/// One connection in one room.
pub struct Subscriber {
    connection: ConnectionId,
    outbox: Arc<Outbox>,
    /// Wakes the connection's session when events are held for it.
    signal: Arc<Notify>,
    feed: Mutex<Feed>,
}

impl Subscriber {
    /// Takes a room's event: straight to the outbox when the feed is direct, else held for
    /// the session. True when it delivered an ordered event.
    fn offer(&self, event: &Arc<HubEvent>) -> bool {
        let mut feed = lock(&self.feed);
        if feed.direct {
            match event.seq() {
                Some(seq) if seq <= feed.last => return false,
                Some(seq) if seq == feed.last + 1 => {
                    if self.outbox.offer(event) {
                        feed.last = seq;
                        return true;
                    }
                    // The client reads nothing: the session catches up from the store.
                    feed.direct = false;
                    feed.lagged = true;
                }
                // A gap: the session catches up from the store.
                Some(_) => {
                    feed.direct = false;
                    feed.held.push_back(Arc::clone(event));
                }
                // Not echoed to the connection it came from.
                None if event.origin == Some(self.connection) => return false,
                // Typing and presence: missed by a client that reads nothing.
                None => {
                    self.outbox.offer(event);
                    return false;
                }
            }
        } else if feed.lagged {
            // Already behind: the session catches up from the store, so nothing more is
            // held (a slow reader's memory stays bounded).
        } else if feed.held.len() < HELD_LIMIT {
            feed.held.push_back(Arc::clone(event));
        } else {
            feed.lagged = true;
        }
        drop(feed);
        self.signal.notify_one();
        false
    }

    /// The feed, for its session.
    pub fn feed(&self) -> MutexGuard<'_, Feed> {
        lock(&self.feed)
    }
}

impl Feed {
    /// Holds every event for the session from now on (until [`Feed::go_direct`]).
    pub fn hold(&mut self) {
        self.direct = false;
    }

    /// The events held for the session, whether some were missed, and whether the session
    /// had more to catch up on.
    pub fn take(&mut self) -> (VecDeque<Arc<HubEvent>>, bool, bool) {
        let held = std::mem::take(&mut self.held);
        (held, std::mem::take(&mut self.lagged), std::mem::take(&mut self.unfinished))
    }

    /// Notes that the session has more to catch up on.
    pub fn unfinished(&mut self) {
        self.unfinished = true;
    }

    /// Whether the session had more to catch up on (and no longer notes it).
    pub fn take_unfinished(&mut self) -> bool {
        std::mem::take(&mut self.unfinished)
    }

    /// Lets the publisher write to the outbox itself, if nothing is held for the session.
    pub fn go_direct(&mut self) -> bool {
        self.direct = self.held.is_empty() && !self.lagged && !self.unfinished;
        self.direct
    }
}
