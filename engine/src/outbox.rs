//! A connection's outgoing frames, and the flushers that write them to its socket.
//!
//! Every live connection has an [`Outbox`]: the frames not yet written and the writing half
//! of its socket (a [`Wire`]). Whoever has something for the connection pushes a frame: its
//! session (answers, history), a room's publisher (the room's shared, once-encoded frame),
//! its transport (keepalive pings, pongs, the close frame). The first frame queued marks the
//! outbox dirty with one of the hub's [`Flusher`]s, which writes what is queued without
//! waiting, in one vectored write.
//!
//! So a room's message reaches every receiver's socket without waking any receiver's task,
//! and under load the frames that pile up while a flusher makes its pass go out together,
//! one write per receiver: the cost per delivery falls as the rate rises.
//!
//! A socket that takes nothing more parks its outbox until it is writable again (the outbox
//! is the waker the socket keeps). A client that reads nothing fills its outbox: its session
//! then waits to send its own answers ([`OWN_LIMIT`]), and a room's messages beyond
//! [`ROOM_LIMIT`] are refused, so the session catches the client up from the store once it
//! reads again. Memory per connection stays bounded either way.

use crate::hub::HubEvent;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll, Wake, Waker};

/// Most frames given to one write call.
pub const WRITE_BATCH: usize = 32;
/// Frames queued beyond which a session waits before queueing its own answers.
pub const OWN_LIMIT: usize = 64;
/// Frames queued beyond which a room's events are refused (messages are caught up from the
/// store later; typing and presence are simply missed). A full queue costs 3 KiB.
pub const ROOM_LIMIT: usize = 128;
/// The longest a loaded flusher waits between passes.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(10);
/// Outboxes flushed before a flusher lets other tasks run.
const FLUSH_TURN: usize = 64;
/// A queue emptied with more room than this gives the memory back (an idle connection keeps
/// no buffer).
const KEEP_CAPACITY: usize = 8;

/// One frame to send (24 bytes queued, whatever its size).
#[derive(Clone, Debug)]
pub enum Item {
    /// A room's event, shared with its other receivers and encoded once for all of them.
    Shared(Arc<HubEvent>),
    /// A server event for this connection alone, as its frame payload (`protocol::frame`).
    Own(Box<[u8]>),
    /// One of the transport's own frames (a WebSocket ping, pong or close), in the
    /// transport's own numbering.
    Control(u8, Box<[u8]>),
}

impl Item {
    /// What the frame carries.
    pub fn payload(&self) -> &[u8] {
        match self {
            Item::Shared(event) => event.frame(),
            Item::Own(payload) | Item::Control(_, payload) => payload,
        }
    }
}

/// The writing half of a connection, as its transport frames it.
pub trait Wire: Send + 'static {
    /// Writes as much of `items` as the connection takes now, the first item from byte
    /// `skip` of its frame on; returns the bytes written. `Pending` when it took nothing:
    /// `cx` is woken once it may take more.
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        items: &[Item],
        skip: usize,
    ) -> Poll<std::io::Result<usize>>;

    /// The bytes `item` takes on the wire, framing included (never 0).
    fn len(&self, item: &Item) -> usize;

    // `poll_write` runs under the outbox's lock, and the outbox is the waker it is given: a
    // wire must not wake `cx` before it returns (a socket's readiness never does).
}

/// The connection is closed: nothing more can be sent.
#[derive(Debug)]
pub struct Closed;

struct State {
    queue: VecDeque<Item>,
    /// Bytes of the first queued frame already written.
    skip: usize,
    /// `None` once the connection is closed or failed.
    wire: Option<Box<dyn Wire>>,
    /// In a flusher's list, or being flushed.
    dirty: bool,
    /// The socket took nothing; its wake-up (this outbox as waker) schedules it again.
    blocked: bool,
    /// Bytes went out since the keepalive last looked ([`Outbox::stuck`]).
    progressed: bool,
    /// The connection's task, waiting for room in the queue or for it to drain.
    waiter: Option<Waker>,
    /// The connection's task, watching for the connection to fail.
    watcher: Option<Waker>,
}

/// A connection's queue of frames not yet written, and the socket they go to.
pub struct Outbox {
    state: Mutex<State>,
    flusher: Arc<Flusher>,
}

impl Outbox {
    pub(crate) fn new(wire: Box<dyn Wire>, flusher: Arc<Flusher>) -> Arc<Outbox> {
        let state = State {
            queue: VecDeque::new(),
            skip: 0,
            wire: Some(wire),
            dirty: false,
            blocked: false,
            progressed: false,
            waiter: None,
            watcher: None,
        };
        Arc::new(Outbox { state: Mutex::new(state), flusher })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `item` once fewer than [`OWN_LIMIT`] frames wait; the connection's own answers
    /// go out this way, so a client that does not read holds its session back.
    pub async fn send(self: &Arc<Self>, item: Item) -> Result<(), Closed> {
        let mut item = Some(item);
        poll_fn(|cx| {
            let mut state = self.lock();
            ready!(Self::poll_room(&mut state, cx))?;
            if let Some(item) = item.take() {
                state.queue.push_back(item);
            }
            self.schedule(&mut state);
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Completes once fewer than [`OWN_LIMIT`] frames wait (the client is reading again).
    pub async fn room(&self) -> Result<(), Closed> {
        poll_fn(|cx| Self::poll_room(&mut self.lock(), cx)).await
    }

    /// Ready once fewer than [`OWN_LIMIT`] frames wait; the connection's task is woken then.
    fn poll_room(state: &mut State, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        if state.wire.is_none() {
            return Poll::Ready(Err(Closed));
        }
        if state.queue.len() >= OWN_LIMIT {
            state.waiter = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    /// Queues a room's event unless [`ROOM_LIMIT`] frames already wait (false then). A
    /// closed connection takes it and drops it: its session is ending.
    pub fn offer(self: &Arc<Self>, event: &Arc<HubEvent>) -> bool {
        let mut state = self.lock();
        if state.wire.is_none() {
            return true;
        }
        if state.queue.len() >= ROOM_LIMIT {
            return false;
        }
        state.queue.push_back(Item::Shared(Arc::clone(event)));
        self.schedule(&mut state);
        true
    }

    /// Queues one of the transport's own frames; dropped if [`ROOM_LIMIT`] frames already
    /// wait (a client that floods pings and reads nothing gets no pongs).
    pub fn control(self: &Arc<Self>, kind: u8, payload: impl Into<Box<[u8]>>) {
        self.push_control(kind, payload.into(), ROOM_LIMIT);
    }

    /// Queues the connection's last frame (its close), past [`ROOM_LIMIT`]: nothing else is
    /// queued after it, and a client that reads slowly still learns why it was closed.
    pub fn last(self: &Arc<Self>, kind: u8, payload: impl Into<Box<[u8]>>) {
        self.push_control(kind, payload.into(), usize::MAX);
    }

    /// Queues a transport frame unless the connection is closed or `bound` frames wait.
    fn push_control(self: &Arc<Self>, kind: u8, payload: Box<[u8]>, bound: usize) {
        let mut state = self.lock();
        if state.wire.is_some() && state.queue.len() < bound {
            state.queue.push_back(Item::Control(kind, payload));
            self.schedule(&mut state);
        }
    }

    /// Hands the outbox to its flusher, unless it is there already or waits for its socket.
    fn schedule(self: &Arc<Self>, state: &mut State) {
        if !state.dirty && !state.blocked {
            state.dirty = true;
            self.flusher.add(Arc::clone(self));
        }
    }

    /// Writes what is queued until the queue is empty or the socket takes no more; returns
    /// the frames written whole.
    fn flush(self: &Arc<Self>) -> usize {
        let mut state = self.lock();
        state.dirty = false;
        let mut failed = false;
        let mut frames = 0;
        while !state.queue.is_empty() {
            let state = &mut *state;
            let Some(wire) = state.wire.as_mut() else { break };
            let front = state.queue.as_slices().0;
            let front = &front[..front.len().min(WRITE_BATCH)];
            let waker = Waker::from(Arc::clone(self));
            match wire.poll_write(&mut Context::from_waker(&waker), front, state.skip) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => {
                    failed = true;
                    break;
                }
                Poll::Ready(Ok(mut written)) => {
                    state.progressed = true;
                    while written > 0 {
                        let Some(first) = state.queue.front() else { break };
                        let rest = wire.len(first) - state.skip;
                        if written >= rest {
                            written -= rest;
                            state.skip = 0;
                            state.queue.pop_front();
                            frames += 1;
                        } else {
                            state.skip += written;
                            written = 0;
                        }
                    }
                }
                Poll::Pending => {
                    state.blocked = true;
                    break;
                }
            }
        }
        if failed {
            let wire = Self::shut(&mut state);
            drop(state);
            drop(wire);
            return frames;
        }
        if state.queue.is_empty() && state.queue.capacity() > KEEP_CAPACITY {
            state.queue = VecDeque::new();
        }
        if state.queue.len() < OWN_LIMIT {
            if let Some(waiter) = state.waiter.take() {
                waiter.wake();
            }
        }
        frames
    }

    /// Ends the connection's output: drops the queue and the wire (the socket closes once its
    /// reading half is gone too) and wakes whoever waits. Returns the wire, to be dropped
    /// outside the lock.
    fn shut(state: &mut State) -> Option<Box<dyn Wire>> {
        state.queue = VecDeque::new();
        state.skip = 0;
        if let Some(waiter) = state.waiter.take() {
            waiter.wake();
        }
        if let Some(watcher) = state.watcher.take() {
            watcher.wake();
        }
        state.wire.take()
    }

    /// Closes the connection's output. Whatever is still queued is dropped.
    pub fn close(&self) {
        let wire = Self::shut(&mut self.lock());
        drop(wire);
    }

    /// Is the connection still open for output?
    pub fn is_open(&self) -> bool {
        self.lock().wire.is_some()
    }

    /// Completes once everything queued was written, or the connection failed.
    pub async fn drained(&self) {
        poll_fn(|cx| {
            let mut state = self.lock();
            if state.queue.is_empty() || state.wire.is_none() {
                return Poll::Ready(());
            }
            state.waiter = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Completes once the connection has failed (or was closed).
    pub async fn failed(&self) {
        poll_fn(|cx| {
            let mut state = self.lock();
            if state.wire.is_none() {
                return Poll::Ready(());
            }
            state.watcher = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Frames wait and no byte went out since the last call: the peer takes nothing.
    pub fn stuck(&self) -> bool {
        let mut state = self.lock();
        let stuck = !state.queue.is_empty() && !state.progressed;
        state.progressed = false;
        stuck
    }
}

impl Wake for Outbox {
    /// The socket can take more: back to the flusher.
    fn wake(self: Arc<Self>) {
        let mut state = self.lock();
        state.blocked = false;
        if !state.queue.is_empty() {
            self.schedule(&mut state);
        }
    }
}

/// Writes the outboxes that have frames queued, one after another, without waiting on any.
pub(crate) struct Flusher {
    dirty: Mutex<Vec<Arc<Outbox>>>,
    ready: tokio::sync::Notify,
}

impl Flusher {
    /// A flusher and its task. Must run in a tokio runtime.
    pub(crate) fn start() -> Arc<Flusher> {
        let flusher = Arc::new(Flusher { dirty: Mutex::default(), ready: tokio::sync::Notify::new() });
        tokio::spawn(Arc::clone(&flusher).run());
        flusher
    }

    fn add(&self, outbox: Arc<Outbox>) {
        let mut dirty = self.dirty.lock().unwrap_or_else(|e| e.into_inner());
        let first = dirty.is_empty();
        dirty.push(outbox);
        drop(dirty);
        if first {
            self.ready.notify_one();
        }
    }

    async fn run(self: Arc<Self>) {
        let mut batch = Vec::new();
        loop {
            std::mem::swap(&mut batch, &mut *self.dirty.lock().unwrap_or_else(|e| e.into_inner()));
            if batch.is_empty() {
                self.ready.notified().await;
                continue;
            }
            // Outboxes marked while this pass runs wait for the next one, by which time more
            // frames may have joined theirs: one write carries them all.
            let (started, outboxes) = (tokio::time::Instant::now(), batch.len());
            let mut frames = 0;
            for (flushed, outbox) in batch.drain(..).enumerate() {
                frames += outbox.flush();
                if flushed % FLUSH_TURN == FLUSH_TURN - 1 {
                    tokio::task::yield_now().await;
                }
            }
            // Under load (two frames or more per write on average) the next pass waits as
            // long as this one took, at most COALESCE: each write then carries more frames,
            // which costs the server fewer writes and every client fewer reads. A light
            // load (a message now and then) is written as soon as it comes.
            if outboxes > 0 && frames >= 2 * outboxes {
                tokio::time::sleep(started.elapsed().min(COALESCE)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A wire that takes at most `per_write` bytes per call and nothing while `full`.
    #[derive(Clone, Default)]
    struct Recorder {
        written: Arc<Mutex<Vec<u8>>>,
        full: Arc<std::sync::atomic::AtomicBool>,
        waker: Arc<Mutex<Option<Waker>>>,
        calls: Arc<AtomicUsize>,
        per_write: usize,
        fail: bool,
    }

    impl Wire for Recorder {
        fn poll_write(
            &mut self,
            cx: &mut Context<'_>,
            items: &[Item],
            skip: usize,
        ) -> Poll<std::io::Result<usize>> {
            self.calls.fetch_add(1, Ordering::Relaxed);
            if self.fail {
                return Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into()));
            }
            if self.full.load(Ordering::Relaxed) {
                *self.waker.lock().unwrap() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            let mut bytes = Vec::new();
            for item in items {
                bytes.push(b'[');
                bytes.extend_from_slice(item.payload());
                bytes.push(b']');
            }
            let take = (bytes.len() - skip).min(self.per_write);
            self.written.lock().unwrap().extend_from_slice(&bytes[skip..skip + take]);
            Poll::Ready(Ok(take))
        }

        fn len(&self, item: &Item) -> usize {
            item.payload().len() + 2
        }
    }

    /// A room's event whose frame is `text` (a typing draft, encoded).
    fn shared(text: &str) -> Arc<HubEvent> {
        let event = protocol::ServerEvent::StopTyping { room: "r".into(), author: text.into() };
        Arc::new(HubEvent::new(None, event))
    }

    fn framed(text: &str) -> Vec<u8> {
        let mut framed = vec![b'['];
        framed.extend_from_slice(shared(text).frame());
        framed.push(b']');
        framed
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn frames_go_out_whole_and_in_order_across_short_writes() {
        let wire = Recorder { per_write: 3, ..Recorder::default() };
        let outbox = Outbox::new(Box::new(wire.clone()), Flusher::start());
        outbox.send(Item::Own(Box::new(*b"hello"))).await.unwrap();
        assert!(outbox.offer(&shared("room")));
        outbox.control(9, *b"p");
        outbox.drained().await;
        let want = [&b"[hello]"[..], &framed("room"), b"[p]"].concat();
        assert_eq!(*wire.written.lock().unwrap(), want);
    }

    #[tokio::test]
    async fn frames_queued_together_go_out_in_one_write() {
        let wire = Recorder { per_write: usize::MAX, ..Recorder::default() };
        let outbox = Outbox::new(Box::new(wire.clone()), Flusher::start());
        for i in 0..10u8 {
            assert!(outbox.offer(&shared(&i.to_string())));
        }
        outbox.drained().await;
        let want: Vec<u8> = (0..10u8).flat_map(|i| framed(&i.to_string())).collect();
        assert_eq!(*wire.written.lock().unwrap(), want);
        assert_eq!(wire.calls.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_socket_that_takes_nothing_bounds_the_queue_then_resumes_where_it_stopped() {
        let wire = Recorder { per_write: usize::MAX, ..Recorder::default() };
        wire.full.store(true, Ordering::Relaxed);
        let outbox = Outbox::new(Box::new(wire.clone()), Flusher::start());
        let mut offered = 0;
        let x = shared("x");
        while outbox.offer(&x) {
            offered += 1;
        }
        assert_eq!(offered, ROOM_LIMIT);
        settle().await;
        assert!(outbox.stuck(), "frames wait and nothing went out");
        // An answer waits for room; it is not lost.
        let answer = tokio::spawn({
            let outbox = Arc::clone(&outbox);
            async move { outbox.send(Item::Own(Box::new(*b"answer"))).await }
        });
        settle().await;
        assert!(!answer.is_finished());
        // The socket drains: the parked outbox is woken and everything goes out.
        wire.full.store(false, Ordering::Relaxed);
        wire.waker.lock().unwrap().take().expect("the socket keeps the outbox's waker").wake();
        answer.await.unwrap().unwrap();
        outbox.drained().await;
        let written = wire.written.lock().unwrap();
        assert_eq!(written.len(), ROOM_LIMIT * framed("x").len() + 8);
        assert!(written.ends_with(b"[answer]"));
        assert!(!outbox.stuck());
    }

    #[tokio::test]
    async fn the_last_frame_is_queued_even_behind_a_full_queue() {
        let wire = Recorder { per_write: usize::MAX, ..Recorder::default() };
        wire.full.store(true, Ordering::Relaxed);
        let outbox = Outbox::new(Box::new(wire.clone()), Flusher::start());
        let x = shared("x");
        while outbox.offer(&x) {}
        settle().await;
        outbox.control(9, *b"dropped");
        outbox.last(3, *b"CLOSE");
        wire.full.store(false, Ordering::Relaxed);
        wire.waker.lock().unwrap().take().expect("the socket keeps the outbox's waker").wake();
        outbox.drained().await;
        let written = wire.written.lock().unwrap();
        assert!(written.ends_with(b"[CLOSE]"), "the close frame was lost");
        assert_eq!(written.len(), ROOM_LIMIT * framed("x").len() + b"[CLOSE]".len());
    }

    #[tokio::test]
    async fn a_failed_write_closes_the_outbox_and_wakes_its_watchers() {
        let wire = Recorder { fail: true, ..Recorder::default() };
        let outbox = Outbox::new(Box::new(wire), Flusher::start());
        outbox.send(Item::Own(Box::new(*b"lost"))).await.unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), outbox.failed()).await.unwrap();
        assert!(!outbox.is_open());
        assert!(outbox.send(Item::Own(Box::new(*b"more"))).await.is_err());
    }
}
