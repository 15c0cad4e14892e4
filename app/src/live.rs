//! The browser's live view of the chat: the rooms this tab has joined (messages, unsent
//! messages, members, who is typing), the room list, the connection status, and the one
//! WebSocket to `/api/live` that feeds them all.
//!
//! The connection is reopened after every drop (exponential backoff with jitter, at once when
//! the browser comes back online) and resumes every room from the last `seq` it has,
//! resending unacknowledged messages with their original `client_id`s.

// The receiving half (socket, timers) runs only in the browser and in tests.
#![cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]

use crate::api::RoomView;
use crate::browser;
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use protocol::{ClientEvent, Message, RoomInfo, Seq, ServerEvent};
use std::collections::HashMap;

/// Typing indicators disappear this long after the typist's last keystroke.
pub const TYPING_TIMEOUT_MS: f64 = 5000.0;
/// Shared drafts are sent at most this often.
const DRAFT_INTERVAL_MS: f64 = 50.0;
/// A message the server refused as too fast is sent again after this long.
const RATE_LIMIT_RETRY_MS: u32 = 1000;
/// "Is typing" (without the text) is refreshed at most this often.
const TYPING_INTERVAL_MS: f64 = 1000.0;

const JOINED_KEY: &str = "natter.rooms";
const SHARE_KEY: &str = "natter.share-drafts";
const READ_KEY: &str = "natter.read";

// Connecting and reconnecting happen in the browser only.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Someone typing in a room; `draft` is their text if they share it.
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub author: String,
    pub draft: Option<String>,
    /// When the last update came, ms since the epoch.
    pub at: f64,
}

/// A quiet line in the conversation ("bob joined"), shown after message `after_seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemLine {
    pub id: u64,
    pub after_seq: Seq,
    pub text: String,
}

/// Everything the tab knows about one joined room.
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
    /// The history has been received (server rendered or over the socket).
    loaded: StoredValue<bool>,
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
            loaded: StoredValue::new(false),
        }
    }

    pub fn last_seq(&self) -> Seq {
        self.messages.with_untracked(|m| m.last().map_or(0, |m| m.seq))
    }

    /// Where a reconnect resumes: after the last message held, or from the latest page.
    fn since(&self) -> Option<Seq> {
        self.loaded.get_value().then(|| self.last_seq())
    }
}

type Outgoing = UnboundedSender<Result<ClientEvent, ServerFnError>>;

/// The state of this tab's own typing indicator.
#[derive(Default)]
struct OwnTyping {
    text: String,
    last_sent: f64,
    flush_scheduled: bool,
    last_key: f64,
    active: bool,
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
    states: StoredValue<HashMap<String, RoomState>>,
    outgoing: StoredValue<Option<Outgoing>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    started: StoredValue<bool>,
    /// The owner of every room's signals: the app's, so that they outlive the route (or
    /// `Suspend`) that happened to ask for a room first.
    owner: StoredValue<Owner>,
    typing: StoredValue<OwnTyping>,
    next_line: StoredValue<u64>,
}

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
            states: StoredValue::new(HashMap::new()),
            outgoing: StoredValue::new(None),
            started: StoredValue::new(false),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
            typing: StoredValue::new(OwnTyping::default()),
            next_line: StoredValue::new(1),
        }
    }

    /// The state of `room`, created empty on first use.
    pub fn room(&self, room: &str) -> RoomState {
        if let Some(state) = self.states.with_value(|s| s.get(room).copied()) {
            return state;
        }
        let last_read = read_marks().get(room).copied().unwrap_or(0);
        let state = self.owner.with_value(|owner| owner.with(|| RoomState::new(room, last_read)));
        self.states.update_value(|s| {
            s.insert(room.to_owned(), state);
        });
        state
    }

    /// Takes in a server-rendered (or fetched) room page and shows that room.
    pub fn adopt(&self, view: &RoomView) {
        if let Some(nickname) = &view.nickname {
            if self.nickname.get_untracked() != *nickname {
                self.nickname.set(nickname.clone());
            }
            if self.protected.get_untracked() != view.protected {
                self.protected.set(view.protected);
            }
        }
        if self.rooms.with_untracked(Vec::is_empty) {
            self.rooms.set(view.rooms.clone());
        }
        let state = self.room(&view.room);
        if !state.loaded.get_value() && view.nickname.is_some() {
            state.messages.set(view.messages.clone());
            state.has_more.set(view.has_more);
            state.loaded.set_value(true);
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
        if self.joined.with_untracked(|j| j.iter().any(|r| r == room)) {
            return;
        }
        self.joined.update(|j| j.push(room.to_owned()));
        browser::store(JOINED_KEY, &self.joined.with_untracked(|j| j.join(",")));
        let since = self.room(room).since();
        self.emit(ClientEvent::Join { room: room.to_owned(), since });
    }

    fn emit(&self, event: ClientEvent) {
        self.outgoing.with_value(|out| {
            if let Some(out) = out {
                let _ = out.unbounded_send(Ok(event));
            }
        });
    }

    /// Queues a message for the current room: shown as pending at once, sent now if
    /// connected, else on reconnect.
    pub fn send(&self, text: &str) -> Result<(), protocol::Invalid> {
        let text = protocol::message_text(text)?.to_owned();
        let room = self.current.get_untracked();
        let client_id = browser::random_id();
        let state = self.room(&room);
        state.pending.update(|p| p.push(Pending { client_id: client_id.clone(), text: text.clone() }));
        self.notice.set(None);
        self.typing.update_value(|t| *t = OwnTyping::default());
        self.emit(ClientEvent::Send { room, client_id, text });
        Ok(())
    }

    /// The composer changed: tell the room (throttled), or that typing stopped.
    pub fn draft_changed(&self, text: String) {
        let now = browser::now_ms();
        if text.trim().is_empty() {
            self.stop_typing();
            return;
        }
        let interval = if self.share_drafts.get_untracked() { DRAFT_INTERVAL_MS } else { TYPING_INTERVAL_MS };
        let mut wait = None;
        self.typing.update_value(|t| {
            t.text = text;
            t.last_key = now;
            let elapsed = now - t.last_sent;
            if !t.flush_scheduled {
                t.flush_scheduled = true;
                wait = Some(if elapsed >= interval { 0.0 } else { interval - elapsed });
            }
        });
        if let Some(wait) = wait {
            if wait == 0.0 {
                self.flush_typing();
            } else {
                let live = *self;
                browser::after(wait as u32, move || live.flush_typing());
            }
        }
        // Idle for the timeout: stop.
        let live = *self;
        browser::after(TYPING_TIMEOUT_MS as u32, move || {
            let idle = live
                .typing
                .with_value(|t| t.active && browser::now_ms() - t.last_key >= TYPING_TIMEOUT_MS - 1.0);
            if idle {
                live.stop_typing();
            }
        });
    }

    fn flush_typing(&self) {
        let share = self.share_drafts.get_untracked();
        let text = self.typing.try_update_value(|t| {
            t.flush_scheduled = false;
            if t.text.trim().is_empty() {
                return None;
            }
            t.last_sent = browser::now_ms();
            t.active = true;
            Some(t.text.clone())
        });
        if let Some(Some(text)) = text {
            let draft = share.then_some(text);
            self.emit(ClientEvent::Typing { room: self.current.get_untracked(), draft });
        }
    }

    pub fn stop_typing(&self) {
        let was_active = self.typing.try_update_value(|t| {
            let was = t.active;
            *t = OwnTyping::default();
            was
        });
        if was_active == Some(true) {
            self.emit(ClientEvent::StopTyping { room: self.current.get_untracked() });
        }
    }

    /// Asks for the page before the oldest message held.
    /// Asks for the next page of a big room's people (after the last one listed).
    pub fn more_members(&self, room: &str) {
        let after = self.room(room).members.with_untracked(|m| m.last().cloned());
        self.emit(ClientEvent::ListMembers { room: room.to_owned(), after, limit: None });
    }

    pub fn load_older(&self, room: &str) {
        let state = self.room(room);
        if state.loading_older.get_untracked() || !state.has_more.get_untracked() {
            return;
        }
        let Some(before) = state.messages.with_untracked(|m| m.first().map(|m| m.seq)) else { return };
        state.loading_older.set(true);
        self.emit(ClientEvent::LoadOlder { room: room.to_owned(), before });
    }

    /// Marks everything in `room` as read.
    pub fn mark_read(&self, room: &str) {
        let state = self.room(room);
        let last = state.last_seq();
        if state.last_read.get_untracked() < last {
            state.last_read.set(last);
            let mut marks = read_marks();
            marks.insert(room.to_owned(), last);
            let encoded: Vec<String> = marks.iter().map(|(r, s)| format!("{r}:{s}")).collect();
            browser::store(READ_KEY, &encoded.join(","));
        }
    }

    /// Others' messages in `room` after the reader's last read one.
    pub fn unread(&self, room: &str) -> usize {
        let state = self.room(room);
        let last_read = state.last_read.get();
        let me = self.nickname.get();
        state.messages.with(|messages| {
            messages.iter().rev().take_while(|m| m.seq > last_read).filter(|m| m.author != me).count()
        })
    }

    pub fn set_share_drafts(&self, share: bool) {
        self.share_drafts.set(share);
        browser::store(SHARE_KEY, if share { "1" } else { "0" });
    }

    /// Adds messages a room lacks (the server sends them in order) and retires the pending
    /// copies of the reader's own.
    fn receive(&self, room: &str, incoming: Vec<Message>) {
        let state = self.room(room);
        let last = state.last_seq();
        let fresh: Vec<Message> = incoming.into_iter().filter(|m| m.seq > last).collect();
        if fresh.is_empty() {
            return;
        }
        let me = self.nickname.get_untracked();
        state.pending.update(|pending| {
            pending.retain(|p| !fresh.iter().any(|m| m.client_id == p.client_id && m.author == me))
        });
        state.typists.update(|typists| typists.retain(|t| !fresh.iter().any(|m| m.author == t.author)));
        state.messages.update(|messages| messages.extend(fresh));
    }

    fn system_line(&self, room: &str, text: String) {
        let state = self.room(room);
        let id = self.next_line.try_update_value(|n| {
            *n += 1;
            *n
        });
        let after_seq = state.last_seq();
        state.system.update(|lines| lines.push(SystemLine { id: id.unwrap_or(0), after_seq, text }));
    }

    fn apply(&self, event: ServerEvent) {
        let me = self.nickname.get_untracked();
        match event {
            ServerEvent::Welcome { .. } => self.status.set(Status::Connected),
            ServerEvent::Rooms { rooms } => self.rooms.set(rooms),
            ServerEvent::RoomCreated { room } => {
                self.rooms.update(|rooms| match rooms.iter_mut().find(|r| r.name == room.name) {
                    Some(known) => *known = room,
                    None => {
                        rooms.push(room);
                        rooms.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                })
            }
            ServerEvent::Removed { room } => {
                self.forget(&room);
                self.notice.set(Some(format!("You are no longer a member of {room}.")));
            }
            ServerEvent::History { room, messages, has_more } => {
                let state = self.room(&room);
                if !state.loaded.get_value() {
                    state.has_more.set(has_more);
                    state.loaded.set_value(true);
                }
                self.receive(&room, messages);
            }
            ServerEvent::Message(message) => {
                let room = message.room.clone();
                self.receive(&room, vec![message]);
            }
            ServerEvent::Older { room, messages, has_more } => {
                let state = self.room(&room);
                let first = state.messages.with_untracked(|m| m.first().map_or(Seq::MAX, |m| m.seq));
                let older: Vec<Message> = messages.into_iter().filter(|m| m.seq < first).collect();
                state.messages.update(|m| {
                    m.splice(0..0, older);
                });
                state.has_more.set(has_more);
                state.loading_older.set(false);
            }
            ServerEvent::Members { room, members, count } => {
                let state = self.room(&room);
                state.count.set((count as usize).max(members.len()));
                state.members.set(members);
            }
            // A big room's presence names nobody: only its count changes, and no lines.
            ServerEvent::Presence { room, joined, left, count } => {
                let state = self.room(&room);
                state.count.set(count as usize);
                let arrived: Vec<String> =
                    state.members.with_untracked(|m| joined.into_iter().filter(|n| !m.contains(n)).collect());
                state.members.update(|m| {
                    m.retain(|n| !left.contains(n));
                    m.extend(arrived.iter().cloned());
                    m.sort();
                });
                state.typists.update(|t| t.retain(|t| !left.contains(&t.author)));
                for name in arrived.iter().filter(|n| **n != me) {
                    self.system_line(&room, format!("{name} joined"));
                }
                for name in left.iter().filter(|n| **n != me) {
                    self.system_line(&room, format!("{name} left"));
                }
            }
            ServerEvent::MemberPage { room, members, count, .. } => {
                let state = self.room(&room);
                state.count.set(count as usize);
                state.members.update(|m| {
                    let new: Vec<String> = members.into_iter().filter(|n| !m.contains(n)).collect();
                    m.extend(new);
                    m.sort();
                });
            }
            ServerEvent::Typing { room, author, draft } => {
                if author == me {
                    return;
                }
                let typist = Typist { author, draft, at: browser::now_ms() };
                self.room(&room).typists.update(|typists| {
                    match typists.iter_mut().find(|t| t.author == typist.author) {
                        Some(existing) => *existing = typist,
                        None => typists.push(typist),
                    }
                });
            }
            ServerEvent::StopTyping { room, author } => {
                self.room(&room).typists.update(|t| t.retain(|t| t.author != author));
            }
            ServerEvent::Ack { .. } => {}
            ServerEvent::Error { message, client_id, room, code } => {
                // A followed room this person may no longer see (e.g. removed while away).
                if let (Some(room), protocol::ErrorCode::UnknownRoom) = (room, code) {
                    self.forget(&room);
                }
                if let (Some(id), protocol::ErrorCode::RateLimited) = (&client_id, code) {
                    // Not stored, only early: keep it and try again in a moment.
                    let (live, id) = (*self, id.clone());
                    browser::after(RATE_LIMIT_RETRY_MS, move || live.resend(&id));
                } else if let Some(id) = client_id {
                    self.states.with_value(|states| {
                        for state in states.values() {
                            state.pending.update(|p| p.retain(|p| p.client_id != id));
                        }
                    });
                }
                self.notice.set(Some(message));
            }
        }
    }

    /// Sends a pending message again (after the server asked to slow down).
    fn resend(&self, client_id: &str) {
        let found = self.states.with_value(|states| {
            states.values().find_map(|state| {
                let text = state.pending.with_untracked(|p| {
                    p.iter().find(|p| p.client_id == client_id).map(|p| p.text.clone())
                })?;
                Some((state.name.get_value(), text))
            })
        });
        if let Some((room, text)) = found {
            self.emit(ClientEvent::Send { room, client_id: client_id.to_owned(), text });
        }
    }

    /// Stops following a room the reader may no longer see.
    fn forget(&self, room: &str) {
        self.rooms.update(|rooms| rooms.retain(|r| r.name != room));
        if self.joined.with_untracked(|j| j.iter().any(|r| r == room)) {
            self.joined.update(|j| j.retain(|r| r != room));
            browser::store(JOINED_KEY, &self.joined.with_untracked(|j| j.join(",")));
        }
        if self.current.get_untracked() == room {
            self.evicted.set(Some(room.to_owned()));
        }
    }

    /// The opening frames of a connection: who we are, where we were in every room, and
    /// what is unsent.
    fn opening_frames(&self) -> Vec<ClientEvent> {
        let mut frames = vec![ClientEvent::Hello { nickname: self.nickname.get_untracked(), password: None }];
        for room in self.joined.get_untracked() {
            let state = self.room(&room);
            frames.push(ClientEvent::Join { room: room.clone(), since: state.since() });
            state.pending.with_untracked(|pending| {
                frames.extend(pending.iter().map(|p| ClientEvent::Send {
                    room: room.clone(),
                    client_id: p.client_id.clone(),
                    text: p.text.clone(),
                }))
            });
        }
        frames
    }

    /// Restores what this browser remembers: the rooms it follows and the sharing choice.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn restore(&self) {
        if let Some(joined) = browser::load(JOINED_KEY) {
            let mut rooms = self.joined.get_untracked();
            for room in joined.split(',').filter_map(|r| protocol::room_name(r).ok()) {
                if !rooms.contains(&room) {
                    rooms.push(room);
                }
            }
            self.joined.set(rooms);
        }
        if let Some(share) = browser::load(SHARE_KEY) {
            self.share_drafts.set(share != "0");
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
            let mut failures: u32 = 0;
            loop {
                if !browser::online() {
                    self.status.set(Status::Offline);
                    wait_until_online().await;
                    continue;
                }
                self.status.set(if failures == 0 { Status::Connecting } else { Status::Reconnecting });
                let (out, input) = futures::channel::mpsc::unbounded();
                for frame in self.opening_frames() {
                    let _ = out.unbounded_send(Ok(frame));
                }
                self.outgoing.set_value(Some(out));
                if let Ok(events) = crate::api::live(input.into()).await {
                    let mut events: std::pin::Pin<Box<dyn futures::Stream<Item = _> + Send>> = events.into();
                    loop {
                        // The browser going offline ends the connection at once instead of
                        // waiting for a socket that may take minutes to notice.
                        let next =
                            futures::future::select(events.next(), Box::pin(wait_until_offline())).await;
                        match next {
                            futures::future::Either::Left((Some(Ok(event)), _)) => {
                                if matches!(event, ServerEvent::Welcome { .. }) {
                                    failures = 0;
                                }
                                self.apply(event);
                            }
                            _ => break,
                        }
                    }
                }
                // Dropping the sender and the stream closes the socket.
                self.outgoing.set_value(None);
                // Peers clear our typing when the connection drops.
                self.typing.update_value(|t| *t = OwnTyping::default());
                failures += 1;
                if !browser::online() {
                    continue;
                }
                self.status.set(Status::Reconnecting);
                let _ = futures::future::select(
                    Box::pin(gloo_timers::future::sleep(backoff(failures))),
                    Box::pin(wait_until_offline()),
                )
                .await;
            }
        });
    }

    /// Going offline and online shows at once in the status.
    #[cfg(feature = "hydrate")]
    fn watch_network(&self) {
        let status = self.status;
        let _ =
            leptos::prelude::window_event_listener(leptos::ev::offline, move |_| status.set(Status::Offline));
    }

    #[cfg(feature = "hydrate")]
    fn start_clock(&self) {
        let tick = self.tick;
        let states = self.states;
        let _ = leptos::prelude::set_interval_with_handle(
            move || {
                let now = browser::now_ms();
                tick.set(now);
                // Forget typists who went quiet.
                states.with_value(|states| {
                    for state in states.values() {
                        let stale = state
                            .typists
                            .with_untracked(|t| t.iter().any(|t| now - t.at > TYPING_TIMEOUT_MS));
                        if stale {
                            state.typists.update(|t| t.retain(|t| now - t.at <= TYPING_TIMEOUT_MS));
                        }
                    }
                });
            },
            std::time::Duration::from_secs(1),
        );
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

/// Delay before reconnect attempt `n` (1-based): doubling from 0.5 s, capped at 10 s, with
/// jitter so that a restarted server is not hit by every client at once.
#[cfg(feature = "hydrate")]
fn backoff(n: u32) -> std::time::Duration {
    let ceiling = (500u64 << n.saturating_sub(1).min(5)).min(10_000) as f64;
    let jittered = ceiling * (0.5 + 0.5 * js_sys::Math::random());
    std::time::Duration::from_millis(jittered as u64)
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

#[cfg(test)]
mod tests;
