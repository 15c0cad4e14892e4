//! The browser's live view of the chat: signals for the rooms this tab has joined (messages,
//! unsent messages, members, who is typing), the room list and the connection status, and
//! the one WebSocket to `/api/live` that feeds them all.
//!
//! What the tab knows and which frames to send is decided by the client core (`client`),
//! the state machine the terminal client shares; this module owns the transport (the
//! Leptos WebSocket server function, online/offline events, timers) and copies into the
//! signals exactly what each call of the core reports as changed.
//!
//! The connection is reopened after every drop (the core's backoff with jitter, at once when
//! the browser comes back online) and resumes every room from the last `seq` it has,
//! resending unacknowledged messages with their original `client_id`s.

// The receiving half (socket, timers) runs only in the browser and in tests.
#![cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]

use crate::api::RoomView;
use crate::browser;
use crate::lang::{t, tf};
use client::{Changes, Core, Refusal};
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use protocol::{ClientEvent, Message, Quote, RoomInfo, Seq, ServerEvent};
use std::collections::HashMap;

pub use client::typing::TYPING_TIMEOUT_MS;
pub use client::{Pending, Status, SystemLine, Typist};

/// The connection status as the status line says it, in the reader's language.
pub fn status_text(status: Status) -> String {
    t(match status {
        Status::Offline => "status-offline",
        Status::Connecting => "status-connecting",
        Status::Reconnecting => "status-reconnecting",
        Status::Connected => "status-connected",
    })
}

/// A notice of the core's (written in English) in the reader's language: a refusal by its
/// error code, the reader's removal from a room, else as it is.
fn notice_text(notice: String, refusals: &[Refusal], forgotten: &[String]) -> String {
    if let Some(refusal) = refusals.iter().rev().find(|r| r.message == notice) {
        return crate::api::error_text(refusal.code, &notice);
    }
    if let Some(room) =
        forgotten.iter().find(|room| notice == format!("You are no longer a member of {room}."))
    {
        return tf("status-removed", &[("room", room.into())]);
    }
    notice
}

const JOINED_KEY: &str = "natter.rooms";
const SHARE_KEY: &str = "natter.share-drafts";
const READ_KEY: &str = "natter.read";

/// Everything the tab shows of one joined room.
#[derive(Clone, Copy)]
pub struct RoomState {
    pub name: StoredValue<String>,
    /// In `seq` order, without duplicates.
    pub messages: RwSignal<Vec<Message>>,
    /// Older messages exist before the first one held.
    pub has_more: RwSignal<bool>,
    pub pending: RwSignal<Vec<Pending>>,
    /// Who is here, sorted: everyone in a small room, the pages loaded so far in a big one.
    pub members: RwSignal<Vec<String>>,
    /// How many people are here (more than `members` holds in a big room).
    pub count: RwSignal<usize>,
    pub typists: RwSignal<Vec<Typist>>,
    pub system: RwSignal<Vec<SystemLine>>,
    /// The last `seq` the reader has seen here.
    pub last_read: RwSignal<Seq>,
    pub loading_older: RwSignal<bool>,
    /// Messages arrived while the reader was scrolled up (the "N new messages" button).
    pub unseen: RwSignal<usize>,
}

impl RoomState {
    fn new(name: &str, last_read: Seq) -> Self {
        RoomState {
            name: StoredValue::new(name.to_owned()),
            messages: RwSignal::new(Vec::new()),
            has_more: RwSignal::new(false),
            pending: RwSignal::new(Vec::new()),
            members: RwSignal::new(Vec::new()),
            count: RwSignal::new(0),
            typists: RwSignal::new(Vec::new()),
            system: RwSignal::new(Vec::new()),
            last_read: RwSignal::new(last_read),
            loading_older: RwSignal::new(false),
            unseen: RwSignal::new(0),
        }
    }
}

type Outgoing = UnboundedSender<ClientEvent>;

/// A room's parts that changed, copied out of the core.
#[derive(Default)]
struct RoomCopy {
    messages: Option<Vec<Message>>,
    has_more: Option<bool>,
    pending: Option<Vec<Pending>>,
    members: Option<(Vec<String>, usize)>,
    typists: Option<Vec<Typist>>,
    system: Option<Vec<SystemLine>>,
    loading_older: Option<bool>,
    last_read: Option<Seq>,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub nickname: RwSignal<String>,
    /// The reader's nickname has a password.
    pub protected: RwSignal<bool>,
    pub status: RwSignal<Status>,
    /// The last thing the server or the composer refused, shown to the reader.
    pub notice: RwSignal<Option<String>>,
    /// The room on screen.
    pub current: RwSignal<String>,
    /// The rooms the reader may see: public ones, their private rooms and direct
    /// conversations.
    pub rooms: RwSignal<Vec<RoomInfo>>,
    /// A room the reader was just removed from (or that no longer exists for them); the page
    /// leaves it if it is on screen.
    pub evicted: RwSignal<Option<String>>,
    /// Rooms this browser has joined, in the order joined.
    pub joined: RwSignal<Vec<String>>,
    /// Share the draft text while typing (otherwise only "is typing…").
    pub share_drafts: RwSignal<bool>,
    /// A clock that ticks every second, for expiring typing indicators.
    pub tick: RwSignal<f64>,
    /// False while server rendering and hydrating (so both render the same); true once the
    /// app runs, which switches on live-only behaviour (local times, disabling while offline).
    pub running: RwSignal<bool>,
    /// The message the composer answers, in the room on screen.
    pub replying: RwSignal<Option<Quote>>,
    /// The reader's message being edited in place.
    pub editing: RwSignal<Option<Seq>>,
    /// A message to bring into view and highlight once it is held (a reply's original, a
    /// search hit): room and seq.
    pub focus: RwSignal<Option<(String, Seq)>>,
    /// Moves whenever an unread or mention count may have changed.
    pub counts: RwSignal<u64>,
    /// The largest file the server takes.
    pub max_file_bytes: RwSignal<u64>,
    /// The state machine; the signals above and in `states` mirror it.
    core: StoredValue<Core>,
    states: StoredValue<HashMap<String, RoomState>>,
    outgoing: StoredValue<Option<Outgoing>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    started: StoredValue<bool>,
    /// The owner of every room's signals: the app's, so that they outlive the route (or
    /// `Suspend`) that happened to ask for a room first.
    owner: StoredValue<Owner>,
    /// When the core's next poll is already scheduled for.
    poll_at: StoredValue<Option<f64>>,
    /// Fired when the core finds the connection silent (its keepalive `ping` went
    /// unanswered): the connection loop drops the socket and reconnects.
    hang_up: StoredValue<Option<futures::channel::oneshot::Sender<()>>>,
    /// How the live connection goes: a WebSocket, or HTTP where WebSockets are blocked.
    pub transport: RwSignal<Transport>,
    /// WebSocket attempts in a row that never carried an event.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    silent_sockets: StoredValue<u32>,
}

/// The live connection's transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    /// Server-sent events down, POSTs up (`live::http`).
    Http,
}

/// WebSocket attempts that carry nothing, in a row, after which the page uses HTTP.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const SILENT_SOCKETS: u32 = 2;

impl Live {
    pub fn new() -> Self {
        Live {
            nickname: RwSignal::new(String::new()),
            protected: RwSignal::new(false),
            status: RwSignal::new(Status::Offline),
            notice: RwSignal::new(None),
            current: RwSignal::new(protocol::DEFAULT_ROOM.to_owned()),
            rooms: RwSignal::new(Vec::new()),
            evicted: RwSignal::new(None),
            joined: RwSignal::new(Vec::new()),
            share_drafts: RwSignal::new(true),
            tick: RwSignal::new(0.0),
            running: RwSignal::new(false),
            replying: RwSignal::new(None),
            editing: RwSignal::new(None),
            focus: RwSignal::new(None),
            counts: RwSignal::new(0),
            max_file_bytes: RwSignal::new(25 << 20),
            core: StoredValue::new(Core::new("")),
            states: StoredValue::new(HashMap::new()),
            outgoing: StoredValue::new(None),
            started: StoredValue::new(false),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            poll_at: StoredValue::new(None),
            hang_up: StoredValue::new(None),
            transport: RwSignal::new(Transport::WebSocket),
            silent_sockets: StoredValue::new(0),
        }
    }

    /// The signals of `room`, created empty on first use.
    pub fn room(&self, room: &str) -> RoomState {
        if let Some(state) = self.states.with_value(|s| s.get(room).copied()) {
            return state;
        }
        let last_read = read_marks().get(room).copied().unwrap_or(0);
        self.core.update_value(|core| {
            core.room_entry(room, last_read);
        });
        let state = self.owner.with_value(|owner| owner.with(|| RoomState::new(room, last_read)));
        self.states.update_value(|s| {
            s.insert(room.to_owned(), state);
        });
        state
    }

    /// Runs `f` on the core, then shows what it changed.
    fn with_core<T>(&self, f: impl FnOnce(&mut Core) -> (T, Changes)) -> T {
        let (value, changes) = self.core.try_update_value(f).expect("the core outlives the app");
        self.show(changes);
        value
    }

    /// Takes in a server-rendered (or fetched) room page and shows that room.
    pub fn adopt(&self, view: &RoomView) {
        if self.max_file_bytes.get_untracked() != view.max_file_bytes {
            self.max_file_bytes.set(view.max_file_bytes);
        }
        if let Some(nickname) = &view.nickname {
            if self.nickname.get_untracked() != *nickname {
                self.nickname.set(nickname.clone());
            }
            self.core.update_value(|core| core.set_nickname(nickname));
            if self.protected.get_untracked() != view.protected {
                self.protected.set(view.protected);
            }
        }
        self.with_core(|core| ((), core.seed_rooms(view.rooms.clone())));
        self.room(&view.room);
        if view.nickname.is_some() {
            self.with_core(|core| {
                ((), core.seed_history(&view.room, view.messages.clone(), view.has_more, view.last))
            });
        }
        if self.current.get_untracked() != view.room {
            self.current.set(view.room.clone());
        }
        if view.nickname.is_some() {
            self.join_room(&view.room);
        }
    }

    /// Adds `room` to the rooms this browser follows, joining it live if connected.
    fn join_room(&self, room: &str) {
        self.room(room);
        let frames = self.with_core(|core| {
            let followed = core.follow(room);
            (followed.send, followed.changes)
        });
        self.emit(frames);
    }

    fn emit(&self, frames: Vec<ClientEvent>) {
        self.outgoing.with_value(|out| {
            if let Some(out) = out {
                for frame in frames {
                    let _ = out.unbounded_send(frame);
                }
            }
        });
    }

    /// Queues a message for the current room (answering the message being replied to, if
    /// any): shown as pending at once, sent now if connected, else on reconnect.
    pub fn send(&self, text: &str) -> Result<(), protocol::Invalid> {
        self.send_files(text, Vec::new())
    }

    /// [`Live::send`] with files uploaded before (then `text` is their caption, and may be
    /// empty).
    pub fn send_files(
        &self,
        text: &str,
        attachments: Vec<protocol::Attachment>,
    ) -> Result<(), protocol::Invalid> {
        let room = self.current.get_untracked();
        self.room(&room);
        let client_id = browser::random_id();
        let reply_to = self.replying.get_untracked().map(|q| q.seq);
        let frames =
            self.with_core(|core| match core.send_files(&room, &client_id, text, reply_to, attachments) {
                Ok(sent) => (Ok(sent.send), sent.changes),
                Err(invalid) => (Err(invalid), Changes::default()),
            })?;
        self.emit(frames);
        if reply_to.is_some() {
            self.replying.set(None);
        }
        Ok(())
    }

    /// Replaces the text of the reader's message `seq` in the room on screen.
    pub fn edit(&self, seq: Seq, text: &str) -> Result<(), protocol::Invalid> {
        let room = self.current.get_untracked();
        let frames = self.with_core(|core| (core.edit(&room, seq, text), Changes::default()))?;
        self.emit(frames);
        Ok(())
    }

    /// Deletes the reader's message `seq` in the room on screen.
    pub fn delete(&self, seq: Seq) {
        let room = self.current.get_untracked();
        let frames = self.with_core(|core| (core.delete(&room, seq), Changes::default()));
        self.emit(frames);
    }

    /// Adds the reader's `emoji` to message `seq`, or takes it back.
    pub fn toggle_reaction(&self, seq: Seq, emoji: &str) {
        let room = self.current.get_untracked();
        let frames = self.with_core(|core| (core.toggle_reaction(&room, seq, emoji), Changes::default()));
        self.emit(frames);
        crate::chat::picker::used(emoji);
    }

    /// Brings message `seq` of the room on screen into view (loading older history back to
    /// it if needed) and highlights it.
    pub fn reach(&self, seq: Seq) {
        let room = self.current.get_untracked();
        self.room(&room);
        let asked = self.with_core(|core| {
            let (_, asked) = core.reach(&room, seq);
            (asked.send, asked.changes)
        });
        self.emit(asked);
        self.focus.set(Some((room, seq)));
    }

    /// Others' messages in `room` after the reader's last read one (tracks `counts`).
    pub fn unread_count(&self, room: &str) -> usize {
        self.counts.track();
        self.core.with_value(|core| core.unread(room))
    }

    /// Of those, the ones that mention the reader (tracks `counts`).
    pub fn mention_count(&self, room: &str) -> usize {
        self.counts.track();
        self.core.with_value(|core| core.mentions(room))
    }

    /// Unread mentions in every room the reader may see (tracks `counts`): the browser's
    /// title.
    #[cfg(feature = "hydrate")]
    pub fn all_mentions(&self) -> usize {
        self.counts.track();
        let rooms =
            self.rooms.with_untracked(|rooms| rooms.iter().map(|r| r.name.clone()).collect::<Vec<_>>());
        self.core.with_value(|core| rooms.iter().map(|room| core.mentions(room)).sum())
    }

    /// The composer changed: tell the room (throttled), or that typing stopped.
    pub fn draft_changed(&self, text: String) {
        let room = self.current.get_untracked();
        let frames =
            self.with_core(|core| (core.draft_changed(&room, &text, browser::now_ms()), Changes::default()));
        self.emit(frames);
        self.schedule_poll();
    }

    pub fn stop_typing(&self) {
        let frames = self.with_core(|core| (core.stop_typing(), Changes::default()));
        self.emit(frames);
    }

    /// Asks for the next page of a big room's people (after the last one listed).
    pub fn more_members(&self, room: &str) {
        let frames = self.core.with_value(|core| core.more_members(room));
        self.emit(frames);
    }

    /// Asks for the page before the oldest message held.
    pub fn load_older(&self, room: &str) {
        self.room(room);
        let frames = self.with_core(|core| {
            let asked = core.load_older(room);
            (asked.send, asked.changes)
        });
        self.emit(frames);
    }

    /// Marks everything in `room` as read (the server remembers it for the reader's other
    /// devices; this browser too, for a guest).
    pub fn mark_read(&self, room: &str) {
        let state = self.room(room);
        let moved = self.core.try_update_value(|core| core.mark_read(room, browser::now_ms()));
        let Some((moved, frames)) = moved else { return };
        self.emit(frames);
        self.schedule_poll();
        if let Some(last) = moved {
            state.last_read.set(last);
            self.counts.update(|n| *n += 1);
            let mut marks = read_marks();
            marks.insert(room.to_owned(), last);
            let encoded: Vec<String> = marks.iter().map(|(r, s)| format!("{r}:{s}")).collect();
            browser::store(READ_KEY, &encoded.join(","));
        }
    }

    pub fn set_share_drafts(&self, share: bool) {
        self.share_drafts.set(share);
        self.core.update_value(|core| core.set_share_drafts(share));
        browser::store(SHARE_KEY, if share { "1" } else { "0" });
    }

    fn apply(&self, event: ServerEvent) {
        if let ServerEvent::History { room, .. } | ServerEvent::Older { room, .. } = &event {
            self.room(room);
        }
        if let ServerEvent::Message(message) = &event {
            self.room(&message.room);
        }
        self.with_core(|core| ((), core.apply(event, browser::now_ms())));
        self.schedule_poll();
    }

    /// Copies what changed in the core into the signals.
    fn show(&self, changes: Changes) {
        if changes.is_empty() {
            return;
        }
        let mut copies = Vec::new();
        let (status, nickname, rooms, joined, notice) = self.core.with_value(|core| {
            for (room, c) in &changes.in_rooms {
                let Some(r) = core.room(room) else { continue };
                copies.push((
                    room.clone(),
                    RoomCopy {
                        messages: c.messages.then(|| r.messages.clone()),
                        has_more: c.has_more.then_some(r.has_more),
                        pending: c.pending.then(|| r.pending.clone()),
                        members: c.members.then(|| (r.members.clone(), r.count.max(r.members.len()))),
                        typists: c.typists.then(|| r.typists.clone()),
                        system: c.system.then(|| r.system.clone()),
                        loading_older: c.loading_older.then_some(r.loading_older),
                        last_read: c.last_read.then_some(r.last_read),
                    },
                ));
            }
            (
                changes.status.then(|| core.status()),
                changes.nickname.then(|| core.nickname().to_owned()),
                changes.rooms.then(|| core.rooms().to_vec()),
                changes.joined.then(|| core.joined().to_vec()),
                changes.notice.then(|| core.notice().map(str::to_owned)),
            )
        });
        if let Some(status) = status {
            self.status.set(status);
        }
        if let Some(nickname) = nickname {
            self.nickname.set(nickname);
        }
        if let Some(rooms) = rooms {
            self.rooms.set(rooms);
        }
        if let Some(joined) = joined {
            browser::store(JOINED_KEY, &joined.join(","));
            self.joined.set(joined);
        }
        if let Some(notice) = notice {
            self.notice.set(notice.map(|n| notice_text(n, &changes.refusals, &changes.forgotten)));
        }
        let recount = changes.unread
            || changes.in_rooms.values().any(|c| c.messages || c.last_read)
            || !changes.mentioned.is_empty();
        for message in &changes.mentioned {
            crate::notify::mentioned(self, message);
        }
        for (room, copy) in copies {
            let state = self.room(&room);
            if let Some(messages) = copy.messages {
                state.messages.set(messages);
            }
            if let Some(has_more) = copy.has_more {
                state.has_more.set(has_more);
            }
            if let Some(pending) = copy.pending {
                state.pending.set(pending);
            }
            if let Some((members, count)) = copy.members {
                state.members.set(members);
                state.count.set(count);
            }
            if let Some(typists) = copy.typists {
                state.typists.set(typists);
            }
            if let Some(system) = copy.system {
                state.system.set(system);
            }
            if let Some(loading) = copy.loading_older {
                state.loading_older.set(loading);
            }
            if let Some(last_read) = copy.last_read {
                state.last_read.set(last_read);
            }
        }
        if recount {
            self.counts.update(|n| *n += 1);
        }
        for room in changes.forgotten {
            if self.current.get_untracked() == room {
                self.evicted.set(Some(room));
            }
        }
    }

    /// Lets the core do what it has due (throttled typing, resends after "slow down"), on a
    /// timer set for the moment it asks for.
    fn schedule_poll(&self) {
        let Some(due) = self.core.with_value(Core::next_due) else { return };
        if self.poll_at.get_value().is_some_and(|at| at <= due) {
            return;
        }
        self.poll_at.set_value(Some(due));
        let live = *self;
        let wait = (due - browser::now_ms()).max(0.0);
        browser::after(wait.ceil() as u32, move || {
            live.poll_at.set_value(None);
            live.poll();
        });
    }

    fn poll(&self) {
        let (frames, silent) = self.with_core(|core| {
            let polled = core.poll(browser::now_ms());
            ((polled.send, polled.changes.silent), polled.changes)
        });
        if silent {
            if let Some(hang_up) = self.hang_up.try_update_value(Option::take).flatten() {
                let _ = hang_up.send(());
            }
        }
        self.emit(frames);
        self.schedule_poll();
    }

    /// The opening frames of a connection: who we are, where we were in every room, and
    /// what is unsent.
    fn opening_frames(&self) -> Vec<ClientEvent> {
        self.with_core(|core| {
            let opening = core.connecting();
            (opening.send, opening.changes)
        })
    }

    /// Restores what this browser remembers: the rooms it follows and the sharing choice.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn restore(&self) {
        if let Some(joined) = browser::load(JOINED_KEY) {
            for room in joined.split(',').filter_map(|r| protocol::room_name(r).ok()) {
                self.join_room(&room);
            }
        }
        if let Some(share) = browser::load(SHARE_KEY) {
            self.set_share_drafts(share != "0");
        }
    }

    /// Opens the live connection (once) and keeps it open for the life of the page.
    #[cfg(feature = "hydrate")]
    pub fn connect(self) {
        use futures::StreamExt;
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        self.running.set(true);
        self.restore();
        self.watch_network();
        self.start_clock();
        leptos::task::spawn_local(async move {
            loop {
                if !browser::online() {
                    self.with_core(|core| ((), core.offline()));
                    wait_until_online().await;
                    continue;
                }
                let (out, input) = futures::channel::mpsc::unbounded();
                for frame in self.opening_frames() {
                    let _ = out.unbounded_send(frame);
                }
                self.outgoing.set_value(Some(out));
                let (hang_up, mut hung_up) = futures::channel::oneshot::channel();
                self.hang_up.set_value(Some(hang_up));
                type Events = std::pin::Pin<Box<dyn futures::Stream<Item = ServerEvent>>>;
                let transport = self.transport.get_untracked();
                let opened: Option<Events> = match transport {
                    Transport::WebSocket => {
                        socket::connect(input).await.ok().map(|events| Box::pin(events) as Events)
                    }
                    Transport::Http => {
                        http::connect(input).await.ok().map(|events| Box::pin(events) as Events)
                    }
                };
                let mut heard = false;
                if let Some(mut events) = opened {
                    loop {
                        // The browser going offline ends the connection at once instead of
                        // waiting for a socket that may take minutes to notice; so does a
                        // server that stopped answering the keepalive.
                        let gone = futures::future::select(Box::pin(wait_until_offline()), &mut hung_up);
                        let next = futures::future::select(events.next(), gone).await;
                        match next {
                            futures::future::Either::Left((Some(event), _)) => {
                                heard = true;
                                self.apply(event)
                            }
                            _ => break,
                        }
                    }
                }
                // A WebSocket that never carried an event, again and again while the browser
                // is online: something between here and the server blocks WebSockets.
                if transport == Transport::WebSocket && browser::online() {
                    let silent = if heard { 0 } else { self.silent_sockets.get_value() + 1 };
                    self.silent_sockets.set_value(silent);
                    if silent >= SILENT_SOCKETS {
                        self.transport.set(Transport::Http);
                    }
                }
                self.hang_up.set_value(None);
                // Dropping the sender and the stream closes the socket.
                self.outgoing.set_value(None);
                let delay =
                    self.with_core(|core| core.disconnected(browser::now_ms(), js_sys::Math::random()));
                if !browser::online() {
                    continue;
                }
                let _ = futures::future::select(
                    Box::pin(gloo_timers::future::sleep(std::time::Duration::from_millis(delay as u64))),
                    Box::pin(wait_until_offline()),
                )
                .await;
            }
        });
    }

    /// Going offline and online shows at once in the status.
    #[cfg(feature = "hydrate")]
    fn watch_network(&self) {
        let live = *self;
        let _ = leptos::prelude::window_event_listener(leptos::ev::offline, move |_| {
            live.with_core(|core| ((), core.offline()))
        });
    }

    /// A clock for the typing indicators' expiry (the core forgets quiet typists on poll).
    #[cfg(feature = "hydrate")]
    fn start_clock(&self) {
        let live = *self;
        browser::every(1_000, move || {
            live.tick.set(browser::now_ms());
            live.poll();
        });
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

/// The reader's last-read `seq` per room, as remembered by this browser.
fn read_marks() -> HashMap<String, Seq> {
    browser::load(READ_KEY)
        .map(|marks| {
            marks
                .split(',')
                .filter_map(|pair| pair.split_once(':'))
                .filter_map(|(room, seq)| Some((room.to_owned(), seq.parse().ok()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Resolves when the browser reports it is online (at once if it is).
#[cfg(feature = "hydrate")]
async fn wait_until_online() {
    window_event(true).await
}

/// Resolves when the browser reports it went offline (never, while it stays online).
#[cfg(feature = "hydrate")]
async fn wait_until_offline() {
    window_event(false).await
}

#[cfg(feature = "hydrate")]
async fn window_event(online: bool) {
    if browser::online() == online {
        return;
    }
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let tx = std::cell::RefCell::new(Some(tx));
    let event = if online { "online" } else { "offline" };
    let handle = leptos::prelude::window_event_listener_untyped(event, move |_| {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    let _ = rx.await;
    handle.remove();
}

#[cfg(feature = "hydrate")]
mod http;
#[cfg(feature = "hydrate")]
mod socket;

#[cfg(test)]
mod tests;
