//! Puts every room's committed events in `seq` order before they reach the hub, whichever
//! node committed them and whatever the bus did with them on the way.
//!
//! Several nodes commit to one room; each publishes what it committed, and the bus may bring
//! them here out of order (two nodes' publishes race), twice (our own come back), or not at
//! all (Redis restarted, a publish was dropped). A room's events are delivered strictly as
//! `seq == last + 1`: an event from further ahead waits for the ones before it a moment
//! ([`WAIT`]); if they do not come, they are read from the store, which has them (an event is
//! published only after it is committed), and delivered first. Duplicates are dropped.
//!
//! Delivery for a room happens under that room's lock, so two threads offering the same
//! room's events (the store's writer and the bus's reader) cannot reorder them.

use crate::store::Store;
use protocol::{Seq, ServerEvent};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

/// How long an event waits for the ones before it to arrive over the bus before they are
/// read from the store.
pub const WAIT: Duration = Duration::from_millis(40);
/// Most events read from the store at once to fill a gap.
const FILL_CHUNK: usize = 512;
/// Events waiting in a room for an earlier one; beyond it the gap is filled at once.
const PENDING_LIMIT: usize = 4096;

/// Where one room is: the last `seq` delivered and what waits for the ones before it.
#[derive(Default)]
struct RoomOrder {
    /// None until the room's first event is seen here.
    last: Option<Seq>,
    pending: BTreeMap<Seq, ServerEvent>,
    /// A task will fill the gap (or is filling it).
    filling: bool,
}

type Deliver = Box<dyn Fn(ServerEvent) + Send + Sync>;

pub struct Order {
    rooms: Mutex<HashMap<String, Arc<Mutex<RoomOrder>>>>,
    deliver: Deliver,
    store: OnceLock<Weak<Store>>,
    runtime: tokio::runtime::Handle,
    filled: prometheus_client::metrics::counter::Counter,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Order {
    /// `deliver` gets each room's events in order; must be created in a tokio runtime.
    /// Events read from the store count in `filled`.
    pub fn new(deliver: Deliver, filled: prometheus_client::metrics::counter::Counter) -> Arc<Order> {
        Arc::new(Order {
            rooms: Mutex::default(),
            deliver,
            store: OnceLock::new(),
            runtime: tokio::runtime::Handle::current(),
            filled,
        })
    }

    /// The store gaps are read from (set once it is open).
    pub fn read_from(&self, store: &Arc<Store>) {
        let _ = self.store.set(Arc::downgrade(store));
    }

    fn room(&self, room: &str) -> Arc<Mutex<RoomOrder>> {
        Arc::clone(lock(&self.rooms).entry(room.to_owned()).or_default())
    }

    /// Takes a committed room event from this node's store or from the bus.
    pub fn offer(self: &Arc<Self>, event: ServerEvent) {
        let Some((room, seq)) = event.ordered().map(|(room, seq)| (room.to_owned(), seq)) else { return };
        let state = self.room(&room);
        let mut state = lock(&state);
        let last = *state.last.get_or_insert(seq.saturating_sub(1));
        if seq <= last || state.pending.contains_key(&seq) {
            return;
        }
        if seq == last + 1 {
            (self.deliver)(event);
            state.last = Some(seq);
            self.drain(&mut state);
            return;
        }
        state.pending.insert(seq, event);
        if state.pending.len() > PENDING_LIMIT {
            // Far behind: skip to what is here; every connection's feed sees the jump and
            // catches up from the store by itself.
            self.skip(&mut state);
        }
        if !state.pending.is_empty() && !std::mem::replace(&mut state.filling, true) {
            drop(state);
            let order = Arc::clone(self);
            self.runtime.spawn(async move {
                tokio::time::sleep(WAIT).await;
                order.fill(&room).await;
            });
        }
    }

    /// Delivers what waited and now follows on. What waited at or before the last delivered
    /// `seq` (it came from the store meanwhile) is dropped.
    fn drain(&self, state: &mut RoomOrder) {
        if let Some(last) = state.last {
            state.pending = state.pending.split_off(&(last + 1));
        }
        while let Some(entry) = state.pending.first_entry() {
            let next = state.last.is_none_or(|last| *entry.key() == last + 1);
            if !next {
                break;
            }
            let (seq, event) = entry.remove_entry();
            (self.deliver)(event);
            state.last = Some(seq);
        }
    }

    /// Delivers the waiting events as they are, gap or not (never one delivered before).
    fn skip(&self, state: &mut RoomOrder) {
        for (seq, event) in std::mem::take(&mut state.pending) {
            if state.last.is_some_and(|last| seq <= last) {
                continue;
            }
            (self.deliver)(event);
            state.last = Some(seq);
        }
    }

    /// Delivers events read from the store that follow on from the last delivered one;
    /// whether any did.
    fn deliver_read(&self, state: &mut RoomOrder, events: Vec<ServerEvent>) -> bool {
        let mut delivered = false;
        for event in events {
            let Some((_, seq)) = event.ordered() else { continue };
            let last = *state.last.get_or_insert(seq.saturating_sub(1));
            if seq == last + 1 {
                self.filled.inc();
                (self.deliver)(event);
                state.last = Some(seq);
                delivered = true;
            }
        }
        self.drain(state);
        delivered
    }

    fn store(&self) -> Option<Arc<Store>> {
        self.store.get().and_then(Weak::upgrade)
    }

    /// Reads a room's missing events from the store and delivers them before what waits.
    async fn fill(self: &Arc<Self>, room: &str) {
        let state = self.room(room);
        let mut attempts = 0;
        loop {
            let (from, to) = {
                let mut state = lock(&state);
                self.drain(&mut state);
                let (Some(last), Some((&first, _))) = (state.last, state.pending.first_key_value()) else {
                    state.filling = false;
                    return;
                };
                (last, first)
            };
            let read = match self.store() {
                Some(store) => {
                    store.after(room, from, FILL_CHUNK.min(to.saturating_sub(from) as usize)).await.ok()
                }
                None => None,
            };
            let done = {
                let mut state = lock(&state);
                let delivered = match read {
                    Some(events) => self.deliver_read(&mut state, events),
                    None => false,
                };
                if !delivered {
                    attempts += 1;
                    if attempts >= 3 {
                        // The store cannot say (it is down): deliver what is here; the
                        // connections' feeds read the gap themselves once it is back.
                        self.skip(&mut state);
                    }
                }
                self.drain(&mut state);
                if state.pending.is_empty() {
                    state.filling = false;
                }
                !state.filling
            };
            if done {
                return;
            }
            if attempts > 0 {
                tokio::time::sleep(WAIT * 5).await;
            }
        }
    }

    /// The last `seq` delivered in `room`, if it was seen here.
    pub fn last(&self, room: &str) -> Option<Seq> {
        let state = lock(&self.rooms).get(room).cloned()?;
        let last = lock(&state).last;
        last
    }

    /// Delivers whatever the store holds after what was delivered in `room`: for when the
    /// bus may have lost events (it was down, or has just come back). A room not seen here
    /// yet gets its latest event only, which shows every connection behind it the gap.
    pub async fn catch_up(self: &Arc<Self>, room: &str) {
        let Some(store) = self.store() else { return };
        let state = self.room(room);
        let known = lock(&state).last;
        let from = match known {
            Some(last) => last,
            None => match store.latest(room, None, None, 0).await {
                Ok(page) if page.last > 0 => page.last - 1,
                _ => return,
            },
        };
        let mut from = from;
        loop {
            let Ok(events) = store.after(room, from, FILL_CHUNK).await else { return };
            let full = events.len() == FILL_CHUNK;
            let mut state = lock(&state);
            self.deliver_read(&mut state, events);
            match state.last {
                Some(last) if full && last > from => from = last,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::Message;

    fn message(room: &str, seq: Seq) -> ServerEvent {
        ServerEvent::Message(Message { room: room.into(), seq, ..Message::default() })
    }

    /// What was delivered: `(room, seq)` in order.
    type Seen = Arc<Mutex<Vec<(String, Seq)>>>;

    fn collecting() -> (Arc<Order>, Seen) {
        let seen: Seen = Arc::default();
        let into = Arc::clone(&seen);
        let order = Order::new(
            Box::new(move |event| {
                let (room, seq) = event.ordered().unwrap();
                lock(&into).push((room.to_owned(), seq));
            }),
            Default::default(),
        );
        (order, seen)
    }

    fn seqs(seen: &Seen, room: &str) -> Vec<Seq> {
        lock(seen).iter().filter(|(r, _)| r == room).map(|(_, s)| *s).collect()
    }

    #[tokio::test]
    async fn out_of_order_and_duplicate_events_come_out_once_in_order() {
        let (order, seen) = collecting();
        for seq in [1, 3, 2, 2, 5, 4, 1, 6] {
            order.offer(message("a", seq));
        }
        order.offer(message("b", 10));
        order.offer(message("b", 11));
        assert_eq!(seqs(&seen, "a"), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(seqs(&seen, "b"), vec![10, 11]);
    }

    #[tokio::test]
    async fn a_gap_nobody_fills_is_skipped_without_a_store() {
        let (order, seen) = collecting();
        order.offer(message("a", 1));
        order.offer(message("a", 3));
        assert_eq!(seqs(&seen, "a"), vec![1]);
        // No store to read seq 2 from: after a few attempts what waits is delivered and the
        // connections' feeds see the gap themselves.
        tokio::time::sleep(WAIT * 20).await;
        assert_eq!(seqs(&seen, "a"), vec![1, 3]);
        order.offer(message("a", 2));
        order.offer(message("a", 4));
        assert_eq!(seqs(&seen, "a"), vec![1, 3, 4]);
    }

    /// A store holding messages 1..=`count` of `general`, for the order to read gaps from.
    async fn store_with(count: u64) -> (tempfile::TempDir, Arc<Store>) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(dir.path(), Box::new(|_| {})).unwrap();
        let store = Arc::new(Store::Sqlite(store));
        for n in 1..=count {
            let new = crate::store::tests::new("general", &format!("m{n}"), "ann", &format!("message {n}"));
            store.append(new).await.unwrap();
        }
        (dir, store)
    }

    #[tokio::test]
    async fn a_gap_is_read_from_the_store_once_and_what_waited_is_not_delivered_again() {
        let (_dir, store) = store_with(7).await;
        let (order, seen) = collecting();
        order.read_from(&store);
        // 2 and 3 are lost on the way; 4 and 5 wait for them, then they come from the store.
        for seq in [1, 4, 5] {
            order.offer(message("general", seq));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while seqs(&seen, "general").len() < 5 && std::time::Instant::now() < deadline {
            tokio::time::sleep(WAIT).await;
        }
        assert_eq!(seqs(&seen, "general"), vec![1, 2, 3, 4, 5]);
        // What follows on is delivered at once, and nothing is delivered twice later.
        order.offer(message("general", 6));
        order.offer(message("general", 5));
        tokio::time::sleep(WAIT * 40).await;
        assert_eq!(seqs(&seen, "general"), vec![1, 2, 3, 4, 5, 6]);
        // A lost publish with nothing after it: a catch-up finds it in the store.
        order.catch_up("general").await;
        assert_eq!(seqs(&seen, "general"), vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[tokio::test]
    async fn a_room_not_seen_yet_is_caught_up_from_its_latest_event() {
        let (_dir, store) = store_with(3).await;
        let (order, seen) = collecting();
        order.read_from(&store);
        order.catch_up("general").await;
        assert_eq!(seqs(&seen, "general"), vec![3]);
        order.offer(message("general", 4));
        assert_eq!(seqs(&seen, "general"), vec![3, 4]);
    }
}
