//! Who is in which room right now. Ephemeral: kept in memory, never stored.
//!
//! A person counts once however many connections they have in a room. Their leaving counts
//! only after a grace period without any connection, so a page reload or a brief network
//! drop does not spam the room with leave and join lines.
//!
//! Arrivals and departures are not announced one by one: a room gathers them and publishes
//! one `presence` event at most every [`protocol::PRESENCE_PERIOD_MS`], so a room filling up
//! costs a few frames per connection rather than one per arrival. A big room's event
//! carries only its count ([`protocol::BIG_ROOM`]); its list is paged on demand.
//!
//! With several nodes, a person is present if this node has a connection of theirs or
//! another node says it has ([`Presence::remote`], over the bus): each node tells the others
//! when a person arrives here or has gone from here (after the grace period), and a person
//! on two nodes counts once.

use crate::bus::NodeId;
use crate::hub::{Hub, HubEvent};
use protocol::ServerEvent;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Where one present person's connections are.
#[derive(Default, PartialEq, Eq, Debug)]
struct Holders {
    /// Open connections on this node (0 while in the grace period or held elsewhere only).
    here: usize,
    /// This node told the others it has the person (from their first connection here until
    /// their grace period ends).
    told: bool,
    /// Other nodes that have the person.
    nodes: Vec<NodeId>,
}

impl Holders {
    /// Nothing holds the person any more: they are gone.
    fn empty(&self) -> bool {
        self.here == 0 && !self.told && self.nodes.is_empty()
    }
}

/// What a node tells the others of the people here.
#[derive(Debug, PartialEq, Eq)]
pub enum News {
    /// `nickname` arrived in `room` here (`here`), or is gone from it here.
    One { room: String, nickname: String, here: bool },
    /// Everyone here, as `(room, nickname)`.
    All(Vec<(String, String)>),
}

/// Tells the other nodes; called under the presence lock, so what it is told is in the
/// order it happened (it must not block).
pub type OnChange = Box<dyn Fn(News) + Send + Sync>;

/// The people in one room, and what changed since its last `presence` event.
#[derive(Default)]
struct Room {
    /// nickname → where their connections are.
    people: BTreeMap<String, Holders>,
    /// Arrived since the last event (and still here).
    joined: BTreeSet<String>,
    /// Left since the last event (and not back).
    left: BTreeSet<String>,
    /// An event is due: a task will publish it.
    due: bool,
}

#[derive(Clone)]
pub struct Presence {
    rooms: Arc<Mutex<HashMap<String, Room>>>,
    /// Tells the other nodes (with a bus only).
    on_change: Arc<std::sync::OnceLock<OnChange>>,
    hub: Hub,
    grace: Duration,
    period: Duration,
}

/// One page of a room's people, sorted by nickname.
#[derive(Debug, PartialEq, Eq)]
pub struct Page {
    pub members: Vec<String>,
    /// More people sort after the last one.
    pub has_more: bool,
    /// Everyone present.
    pub count: usize,
}

impl Presence {
    pub fn new(hub: Hub, grace: Duration) -> Self {
        let period = Duration::from_millis(protocol::PRESENCE_PERIOD_MS);
        Presence { rooms: Arc::default(), on_change: Arc::default(), hub, grace, period }
    }

    /// From now on, `on_change` is told when a person arrives here or has gone from here.
    pub fn on_change(&self, on_change: OnChange) {
        let _ = self.on_change.set(on_change);
    }

    fn tell(&self, room: &str, nickname: &str, here: bool) {
        if let Some(tell) = self.on_change.get() {
            tell(News::One { room: room.to_owned(), nickname: nickname.to_owned(), here });
        }
    }

    /// Tells the other nodes everyone here at once (they forget what they knew of this node).
    pub fn share_all(&self) {
        let Some(tell) = self.on_change.get() else { return };
        let rooms = self.lock();
        tell(News::All(Self::here_in(&rooms)));
    }

    /// `node` has exactly `people` (`(room, nickname)`): what was known of it is replaced.
    pub fn snapshot(&self, node: NodeId, people: Vec<(String, String)>) {
        let has: std::collections::HashSet<(String, String)> = people.into_iter().collect();
        let due: Vec<String> = {
            let mut rooms = self.lock();
            let mut due = Self::drop_node_except(&mut rooms, node, |room, nickname| {
                has.contains(&(room.to_owned(), nickname.to_owned()))
            });
            for (room, nickname) in &has {
                let state = rooms.entry(room.clone()).or_default();
                if Self::add_node(state, nickname, node) && !due.contains(room) {
                    due.push(room.clone());
                }
            }
            due
        };
        for room in due {
            self.schedule(&room);
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection of `nickname` entered `room`. The person is announced if they were away.
    pub fn enter(&self, room: &str, nickname: &str) {
        let arrived = {
            let mut rooms = self.lock();
            let state = rooms.entry(room.to_owned()).or_default();
            let (arrived, tell) = match state.people.get_mut(nickname) {
                // Present already, or in their grace period: not a new arrival.
                Some(holders) => {
                    holders.here += 1;
                    (false, !std::mem::replace(&mut holders.told, true))
                }
                None => {
                    state
                        .people
                        .insert(nickname.to_owned(), Holders { here: 1, told: true, nodes: Vec::new() });
                    (Self::arrived(state, nickname), true)
                }
            };
            // Under the lock: the others hear of arrivals and departures in their order.
            if tell {
                self.tell(room, nickname, true);
            }
            arrived
        };
        if arrived {
            self.schedule(room);
        }
    }

    /// Notes `nickname`'s arrival in the room's next event; true if a flush must be scheduled.
    fn arrived(state: &mut Room, nickname: &str) -> bool {
        if state.left.remove(nickname) {
            // Gone and back within one period: nothing to tell.
            return false;
        }
        state.joined.insert(nickname.to_owned());
        !std::mem::replace(&mut state.due, true)
    }

    /// Notes `nickname`'s departure (they are removed already); true if a flush must be
    /// scheduled.
    fn departed(state: &mut Room, nickname: &str) -> bool {
        // Arrived and gone within one period: nothing to tell.
        if !state.joined.remove(nickname) {
            state.left.insert(nickname.to_owned());
        }
        !std::mem::replace(&mut state.due, true)
    }

    /// Another node has (`here`) or no longer has `nickname` in `room`.
    pub fn remote(&self, node: NodeId, room: &str, nickname: &str, here: bool) {
        let schedule = {
            let mut rooms = self.lock();
            if here {
                Self::add_node(rooms.entry(room.to_owned()).or_default(), nickname, node)
            } else {
                let Some(state) = rooms.get_mut(room) else { return };
                Self::drop_node(state, nickname, node)
            }
        };
        if schedule {
            self.schedule(room);
        }
    }

    /// Takes `node` from `nickname`'s holders; true if they are gone now and a flush is due.
    fn drop_node(state: &mut Room, nickname: &str, node: NodeId) -> bool {
        let Some(holders) = state.people.get_mut(nickname) else { return false };
        holders.nodes.retain(|n| *n != node);
        if !holders.empty() {
            return false;
        }
        state.people.remove(nickname);
        Self::departed(state, nickname)
    }

    /// Adds `node` to `nickname`'s holders; true if they arrived now and a flush is due.
    fn add_node(state: &mut Room, nickname: &str, node: NodeId) -> bool {
        match state.people.get_mut(nickname) {
            Some(holders) => {
                if !holders.nodes.contains(&node) {
                    holders.nodes.push(node);
                }
                false
            }
            None => {
                state.people.insert(nickname.to_owned(), Holders { here: 0, told: false, nodes: vec![node] });
                Self::arrived(state, nickname)
            }
        }
    }

    /// Takes `node` from everyone it holds but those `keep` names (`room`, `nickname`); the
    /// rooms where someone left and a flush is due.
    fn drop_node_except(
        rooms: &mut HashMap<String, Room>,
        node: NodeId,
        keep: impl Fn(&str, &str) -> bool,
    ) -> Vec<String> {
        let mut due = Vec::new();
        for (room, state) in rooms.iter_mut() {
            let held: Vec<String> = state
                .people
                .iter()
                .filter(|(name, holders)| holders.nodes.contains(&node) && !keep(room, name))
                .map(|(name, _)| name.clone())
                .collect();
            let mut schedule = false;
            for nickname in held {
                schedule |= Self::drop_node(state, &nickname, node);
            }
            if schedule {
                due.push(room.clone());
            }
        }
        due
    }

    /// Another node went silent: the people it had leave (unless held elsewhere too).
    pub fn node_gone(&self, node: NodeId) {
        let due = Self::drop_node_except(&mut self.lock(), node, |_, _| false);
        for room in due {
            self.schedule(&room);
        }
    }

    /// Who this node has where: `(room, nickname)`.
    fn here_in(rooms: &HashMap<String, Room>) -> Vec<(String, String)> {
        let mut here = Vec::new();
        for (room, state) in rooms.iter() {
            for (nickname, holders) in &state.people {
                if holders.told {
                    here.push((room.clone(), nickname.clone()));
                }
            }
        }
        here
    }

    /// A connection of `nickname` left `room`. After the grace period with no connection of
    /// theirs, the person is removed and their leaving announced.
    pub fn leave(&self, room: &str, nickname: &str) {
        let last = {
            let mut rooms = self.lock();
            match rooms.get_mut(room).and_then(|state| state.people.get_mut(nickname)) {
                Some(holders) if holders.here > 0 => {
                    holders.here -= 1;
                    holders.here == 0
                }
                _ => false,
            }
        };
        if !last {
            return;
        }
        let presence = self.clone();
        let (room, nickname) = (room.to_owned(), nickname.to_owned());
        let finish = move || presence.gone(&room, &nickname);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if !self.grace.is_zero() => {
                let grace = self.grace;
                runtime.spawn(async move {
                    tokio::time::sleep(grace).await;
                    finish();
                });
            }
            _ => finish(),
        }
    }

    /// The grace period of `nickname` in `room` ended: removes them unless they came back.
    fn gone(&self, room: &str, nickname: &str) {
        let schedule = {
            let mut rooms = self.lock();
            let Some(state) = rooms.get_mut(room) else { return };
            let Some(holders) = state.people.get_mut(nickname) else { return };
            if holders.here != 0 || !holders.told {
                return;
            }
            holders.told = false;
            self.tell(room, nickname, false);
            if holders.empty() {
                state.people.remove(nickname);
                Self::departed(state, nickname)
            } else {
                // Still held by another node: present, but no longer here.
                false
            }
        };
        if schedule {
            self.schedule(room);
        }
    }

    /// Publishes the room's gathered changes after one period (at once without a runtime).
    fn schedule(&self, room: &str) {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if !self.period.is_zero() => {
                let (presence, room) = (self.clone(), room.to_owned());
                let period = self.period;
                runtime.spawn(async move {
                    tokio::time::sleep(period).await;
                    presence.flush(&room);
                });
            }
            _ => self.flush(room),
        }
    }

    /// Publishes what changed in `room` since its last `presence` event.
    fn flush(&self, room: &str) {
        let event = {
            let mut rooms = self.lock();
            let Some(state) = rooms.get_mut(room) else { return };
            state.due = false;
            let (joined, left) = (std::mem::take(&mut state.joined), std::mem::take(&mut state.left));
            let count = state.people.len();
            if state.people.is_empty() {
                rooms.remove(room);
            }
            if joined.is_empty() && left.is_empty() {
                return;
            }
            let names = |set: BTreeSet<String>| match count <= protocol::BIG_ROOM {
                true => set.into_iter().collect(),
                false => Vec::new(),
            };
            let (joined, left) = (names(joined), names(left));
            ServerEvent::Presence { room: room.to_owned(), joined, left, count: count as u32 }
        };
        self.hub.publish(room, HubEvent::new(None, event));
    }

    /// The people in `room` whose nickname sorts after `after`, at most `limit`.
    pub fn page(&self, room: &str, after: Option<&str>, limit: usize) -> Page {
        let rooms = self.lock();
        let Some(state) = rooms.get(room) else {
            return Page { members: Vec::new(), has_more: false, count: 0 };
        };
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut names = state.people.range::<str, _>((from, Bound::Unbounded)).map(|(name, _)| name);
        let members: Vec<String> = names.by_ref().take(limit).cloned().collect();
        Page { members, has_more: names.next().is_some(), count: state.people.len() }
    }

    /// What a joining connection is told: everyone in a small room, the first page of a
    /// big one.
    pub fn on_join(&self, room: &str) -> Page {
        let count = self.lock().get(room).map_or(0, |state| state.people.len());
        let limit = if count <= protocol::BIG_ROOM { protocol::BIG_ROOM } else { protocol::MEMBER_PAGE };
        self.page(room, None, limit)
    }

    /// The person present in `room` called `nickname` (in any spelling), as they are called.
    /// A big room is searched by exact spelling only.
    pub fn named(&self, room: &str, nickname: &str) -> Option<String> {
        let rooms = self.lock();
        let state = rooms.get(room)?;
        if let Some((name, _)) = state.people.get_key_value(nickname) {
            return Some(name.clone());
        }
        if state.people.len() > protocol::BIG_ROOM {
            return None;
        }
        let key = protocol::nickname_key(nickname);
        state.people.keys().find(|name| protocol::nickname_key(name) == key).cloned()
    }

    /// The people in `room`, sorted by nickname.
    pub fn members(&self, room: &str) -> Vec<String> {
        self.page(room, None, usize::MAX).members
    }
}
