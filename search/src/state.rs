//! State shared by the [`crate::Index`] handle, its searches and the indexer thread.

use crate::db::Room;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// What wakes the indexer.
#[derive(Default)]
pub(crate) struct Wake {
    /// Rooms with commits the indexer has not read yet.
    pub pending: HashSet<String>,
    pub stop: bool,
    /// The last commit the indexer heard of: it waits for the store to be quiet.
    pub last_touch: Option<Instant>,
    /// Since when commits have been waiting to be indexed.
    pub waiting_since: Option<Instant>,
    /// Searches waiting in `settle`: the indexer goes at once, busy store or not.
    pub settling: u32,
}

/// The rooms the index knows, as last committed to search.db.
#[derive(Default)]
pub(crate) struct Rooms {
    pub by_name: HashMap<String, Room>,
    pub names: HashMap<i64, String>,
    /// Messages in the index, all rooms together.
    pub docs: i64,
    /// How many times each room was indexed afresh (natter.db went back), for `settle`.
    pub resets: HashMap<String, u32>,
}

impl Rooms {
    pub fn new(by_name: HashMap<String, Room>) -> Rooms {
        let names = by_name.iter().map(|(name, room)| (room.id, name.clone())).collect();
        let docs = by_name.values().map(|room| room.docs).sum();
        Rooms { by_name, names, docs, resets: HashMap::new() }
    }

    /// The last `seq` of `room` indexed (0: none).
    pub fn seq(&self, room: &str) -> u64 {
        self.by_name.get(room).map_or(0, |r| r.seq)
    }

    /// How many times `room` was indexed afresh.
    pub fn resets(&self, room: &str) -> u32 {
        self.resets.get(room).copied().unwrap_or(0)
    }

    /// `room` is being indexed afresh, from `room` (emptied).
    pub fn forget(&mut self, name: &str, room: Room) {
        self.set(name, room);
        *self.resets.entry(name.to_owned()).or_default() += 1;
    }

    pub fn set(&mut self, name: &str, room: Room) {
        match self.by_name.get_mut(name) {
            Some(known) => {
                self.docs += room.docs - known.docs;
                *known = room;
            }
            None => {
                self.docs += room.docs;
                self.names.insert(room.id, name.to_owned());
                self.by_name.insert(name.to_owned(), room);
            }
        }
    }
}

pub(crate) struct Shared {
    wake: Mutex<Wake>,
    woken: Condvar,
    /// Set with `Wake::stop`, for checks inside a batch without taking the lock.
    stopping: AtomicBool,
    rooms: RwLock<Rooms>,
    /// Counts the indexer's commits; `settle` waits on `progressed` for it to move.
    commits: Mutex<u64>,
    progressed: Condvar,
}

impl Shared {
    pub fn new(rooms: Rooms) -> Shared {
        Shared {
            wake: Mutex::default(),
            woken: Condvar::new(),
            stopping: AtomicBool::new(false),
            rooms: RwLock::new(rooms),
            commits: Mutex::new(0),
            progressed: Condvar::new(),
        }
    }

    // A panic elsewhere while holding a lock leaves plain data behind: carry on with it.
    pub fn wake(&self) -> MutexGuard<'_, Wake> {
        self.wake.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn rooms(&self) -> RwLockReadGuard<'_, Rooms> {
        self.rooms.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn rooms_mut(&self) -> RwLockWriteGuard<'_, Rooms> {
        self.rooms.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks `room` for the indexer. Allocates only when the room is not marked already.
    pub fn touch(&self, room: &str) {
        let now = Instant::now();
        let mut wake = self.wake();
        wake.last_touch = Some(now);
        wake.waiting_since.get_or_insert(now);
        if !wake.pending.contains(room) {
            wake.pending.insert(room.to_owned());
            drop(wake);
            self.woken.notify_one();
        }
    }

    /// A search waits for the index (until [`Shared::settled`]): the indexer must not wait
    /// for quiet.
    pub fn settling(&self) {
        self.wake().settling += 1;
        self.woken.notify_all();
    }

    pub fn settled(&self) {
        let mut wake = self.wake();
        wake.settling = wake.settling.saturating_sub(1);
    }

    /// Waits while the store is busy: until no commit came for `quiet`, or commits have
    /// waited `longest`, or a search waits, or stopping. Returns false if stopping.
    pub fn wait_for_quiet(&self, quiet: Duration, longest: Duration) -> bool {
        let mut wake = self.wake();
        loop {
            if wake.stop {
                return false;
            }
            let now = Instant::now();
            let quiet_at = wake.last_touch.map_or(now, |t| t + quiet);
            let overdue_at = wake.waiting_since.map_or(now, |t| t + longest);
            let until = quiet_at.min(overdue_at);
            if wake.settling > 0 || now >= until {
                wake.waiting_since = None;
                return true;
            }
            wake = self.woken.wait_timeout(wake, until - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.wake().stop = true;
        self.woken.notify_all();
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Waits until there is something for the indexer (`ready` says so), it must stop, or
    /// `until` comes. Returns the lock, held.
    pub fn wait_for_work(&self, until: Instant, ready: impl Fn(&Wake) -> bool) -> MutexGuard<'_, Wake> {
        let mut wake = self.wake();
        loop {
            let now = Instant::now();
            if wake.stop || ready(&wake) || now >= until {
                return wake;
            }
            wake = self.woken.wait_timeout(wake, until - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Sleeps for `time` unless told to stop; false if stopping.
    pub fn sleep(&self, time: Duration) -> bool {
        let until = Instant::now() + time;
        !self.wait_for_work(until, |_| false).stop
    }

    /// Tells waiters in `settle` that the index moved.
    pub fn committed(&self) {
        *self.commits.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.progressed.notify_all();
    }

    /// Waits until `done()` or `until`; true if done.
    pub fn wait_until(&self, until: Instant, done: impl Fn() -> bool) -> bool {
        let mut commits = self.commits.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            // Checked under `commits`: a commit after this check notifies only once we wait.
            if done() {
                return true;
            }
            let now = Instant::now();
            if now >= until {
                return false;
            }
            commits = self.progressed.wait_timeout(commits, until - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}
