//! Natter's client core: the live state machine that the browser app and the terminal client
//! share. It holds what a client knows (joined rooms with their messages, outbox, members and
//! typists; the room list; the connection status), says which frames to send, and applies
//! every [`ServerEvent`]. It does no I/O and has no clock or randomness of its own: the host
//! owns the transport and the timers, passes in the time (ms since the epoch) and random
//! numbers, and redraws what each call reports as [`Changes`].
//!
//! A connection's life: [`Core::connecting`] gives the opening frames (hello, a join per room
//! with `since`, every unacknowledged message with its original `client_id`); events go to
//! [`Core::apply`]; [`Core::disconnected`] gives the backoff before the next attempt. Between
//! events the host calls [`Core::poll`] at [`Core::next_due`] (throttled typing, the idle stop,
//! resends after "slow down", expiring typists).

pub mod backoff;
pub mod palette;
mod room;
pub mod typing;

pub use room::{unread, Pending, Room, SystemLine, Typist};

use protocol::{ClientEvent, ErrorCode, Message, RoomInfo, Seq, ServerEvent};
use std::collections::{BTreeMap, HashMap};
use typing::{OwnTyping, Say, TYPING_TIMEOUT_MS};

/// A message the server refused as too fast is sent again after this long.
pub const RATE_LIMIT_RETRY_MS: f64 = 1000.0;

/// Connected and nothing heard from the server for this long: ask `ping`. Shorter than the
/// server's keepalive period (30 s by default), so a quiet room never looks dead to either side.
pub const KEEPALIVE_IDLE_MS: f64 = 25_000.0;
/// Still nothing this long after the `ping`: the connection is taken as gone
/// ([`Changes::silent`]) and the host closes it and reconnects, resuming with `since`.
pub const KEEPALIVE_GRACE_MS: f64 = 10_000.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not connected and not trying (server rendered, or the host knows it is offline).
    Offline,
    /// First attempt.
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

/// What changed in one room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoomChanges {
    pub messages: bool,
    pub has_more: bool,
    pub pending: bool,
    pub members: bool,
    pub typists: bool,
    pub system: bool,
    pub last_read: bool,
    pub loading_older: bool,
}

/// A refusal from the server, for the host to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub client_id: Option<String>,
    pub room: Option<String>,
}

/// What a call changed, so the host updates (or redraws) only that.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub status: bool,
    pub nickname: bool,
    pub rooms: bool,
    pub joined: bool,
    pub notice: bool,
    pub in_rooms: BTreeMap<String, RoomChanges>,
    /// Rooms the reader may no longer see (removed, or refused on rejoin): no longer followed.
    pub forgotten: Vec<String>,
    /// The server's refusals, in the order they came.
    pub refusals: Vec<Refusal>,
    /// Messages of the reader's the server acknowledged as stored: (room, client_id, seq).
    pub acked: Vec<(String, String, Seq)>,
    /// The server protected the nickname with the password given to [`Core::protect`].
    pub protected: bool,
    /// The server has not answered a `ping` in time: the connection died without a close.
    /// The host drops its transport and reports [`Core::disconnected`], as for a close.
    pub silent: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    fn room(&mut self, room: &str) -> &mut RoomChanges {
        self.in_rooms.entry(room.to_owned()).or_default()
    }

    /// Folds `other` (which came later) into these.
    pub fn merge(&mut self, other: Changes) {
        self.status |= other.status;
        self.nickname |= other.nickname;
        self.rooms |= other.rooms;
        self.joined |= other.joined;
        self.notice |= other.notice;
        for (room, c) in other.in_rooms {
            let mine = self.room(&room);
            mine.messages |= c.messages;
            mine.has_more |= c.has_more;
            mine.pending |= c.pending;
            mine.members |= c.members;
            mine.typists |= c.typists;
            mine.system |= c.system;
            mine.last_read |= c.last_read;
            mine.loading_older |= c.loading_older;
        }
        self.forgotten.extend(other.forgotten);
        self.refusals.extend(other.refusals);
        self.acked.extend(other.acked);
        self.protected |= other.protected;
        self.silent |= other.silent;
    }
}

/// Frames to send and what changed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub send: Vec<ClientEvent>,
    pub changes: Changes,
}

/// Everything one client knows about the chat.
#[derive(Debug)]
pub struct Core {
    nickname: String,
    password: Option<String>,
    /// A password asked for with `protect`, adopted for reconnects once the server confirms.
    protecting: Option<String>,
    status: Status,
    notice: Option<String>,
    rooms: Vec<RoomInfo>,
    /// Rooms followed, in the order joined.
    joined: Vec<String>,
    states: HashMap<String, Room>,
    share_drafts: bool,
    typing: OwnTyping,
    next_line: u64,
    /// Failed attempts since the last welcome.
    failures: u32,
    /// A transport is open (or opening): frames given out now are sent on it.
    open: bool,
    /// When the next attempt is due, while waiting to reconnect.
    retry_at: Option<f64>,
    /// Messages refused as too fast: (when to resend, client_id).
    resends: Vec<(f64, String)>,
    /// When the server was last heard from on this connection (any event, or a transport
    /// ping the host reports with [`Core::heard`]).
    heard_at: f64,
    /// When the keepalive `ping` went out, while its answer is awaited.
    pinged_at: Option<f64>,
}

impl Core {
    pub fn new(nickname: &str) -> Self {
        Core {
            nickname: nickname.to_owned(),
            password: None,
            protecting: None,
            status: Status::Offline,
            notice: None,
            rooms: Vec::new(),
            joined: Vec::new(),
            states: HashMap::new(),
            share_drafts: true,
            typing: OwnTyping::default(),
            next_line: 1,
            failures: 0,
            open: false,
            retry_at: None,
            resends: Vec::new(),
            heard_at: 0.0,
            pinged_at: None,
        }
    }

    pub fn nickname(&self) -> &str {
        &self.nickname
    }

    pub fn set_nickname(&mut self, nickname: &str) {
        self.nickname = nickname.to_owned();
    }

    /// The password `hello` carries (a protected nickname on a connection without the
    /// browser's session cookie).
    pub fn set_password(&mut self, password: Option<String>) {
        self.password = password;
    }

    /// Asks the server to protect the nickname with `password`; once it confirms
    /// (`Changes::protected`), reconnects say hello with it.
    pub fn protect(&mut self, password: &str) -> Vec<ClientEvent> {
        self.protecting = Some(password.to_owned());
        vec![ClientEvent::Protect { password: password.to_owned() }]
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// When the next connection attempt is due, while reconnecting.
    pub fn retry_at(&self) -> Option<f64> {
        self.retry_at
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn set_notice(&mut self, notice: Option<String>) -> Changes {
        let changed = self.notice != notice;
        self.notice = notice;
        Changes { notice: changed, ..Changes::default() }
    }

    pub fn rooms(&self) -> &[RoomInfo] {
        &self.rooms
    }

    /// Takes a room list known before the connection (server rendered), if none is held.
    pub fn seed_rooms(&mut self, rooms: Vec<RoomInfo>) -> Changes {
        if !self.rooms.is_empty() {
            return Changes::default();
        }
        self.rooms = rooms;
        Changes { rooms: true, ..Changes::default() }
    }

    pub fn joined(&self) -> &[String] {
        &self.joined
    }

    pub fn share_drafts(&self) -> bool {
        self.share_drafts
    }

    pub fn set_share_drafts(&mut self, share: bool) {
        self.share_drafts = share;
    }

    pub fn room(&self, room: &str) -> Option<&Room> {
        self.states.get(room)
    }

    /// The state of `room`, created empty (read up to `last_read`) on first use.
    pub fn room_entry(&mut self, room: &str, last_read: Seq) -> &mut Room {
        self.states.entry(room.to_owned()).or_insert_with(|| Room::new(room, last_read))
    }

    fn state(&mut self, room: &str) -> &mut Room {
        self.room_entry(room, 0)
    }

    /// Takes in a page of `room` received another way (server rendered), unless its history
    /// is already here.
    pub fn seed_history(&mut self, room: &str, messages: Vec<Message>, has_more: bool) -> Changes {
        let state = self.state(room);
        let mut changes = Changes::default();
        if !state.loaded {
            state.messages = messages;
            state.has_more = has_more;
            state.loaded = true;
            let c = changes.room(room);
            c.messages = true;
            c.has_more = true;
        }
        changes
    }

    /// Frames given out now are sent only while a transport is open; otherwise the opening
    /// frames of the next connection carry what matters.
    fn out(&self, events: Vec<ClientEvent>) -> Vec<ClientEvent> {
        if self.open {
            events
        } else {
            Vec::new()
        }
    }

    /// Follows `room` (joining it live if connected).
    pub fn follow(&mut self, room: &str) -> Outcome {
        if self.joined.iter().any(|r| r == room) {
            return Outcome::default();
        }
        self.joined.push(room.to_owned());
        let since = self.state(room).since();
        Outcome {
            send: self.out(vec![ClientEvent::Join { room: room.to_owned(), since }]),
            changes: Changes { joined: true, ..Changes::default() },
        }
    }

    /// Stops following `room` and forgets what it held; its unsent messages are dropped.
    pub fn unfollow(&mut self, room: &str) -> Outcome {
        if !self.joined.iter().any(|r| r == room) {
            return Outcome::default();
        }
        let mut send = Vec::new();
        if self.typing.room() == Some(room) {
            send.extend(self.typing.stop().map(say));
        }
        send.push(ClientEvent::Leave { room: room.to_owned() });
        self.joined.retain(|r| r != room);
        self.states.remove(room);
        let mut changes = Changes { joined: true, ..Changes::default() };
        changes.room(room);
        Outcome { send: self.out(send), changes }
    }

    /// Queues a message for `room` under `client_id` (fresh and random, chosen by the host):
    /// pending at once, sent now if connected, else on reconnect.
    pub fn send(&mut self, room: &str, client_id: &str, text: &str) -> Result<Outcome, protocol::Invalid> {
        let text = protocol::message_text(text)?.to_owned();
        self.state(room).pending.push(Pending { client_id: client_id.to_owned(), text: text.clone() });
        let mut changes = self.set_notice(None);
        changes.room(room).pending = true;
        self.typing.reset();
        let send = self.out(vec![ClientEvent::Send {
            room: room.to_owned(),
            client_id: client_id.to_owned(),
            text,
        }]);
        Ok(Outcome { send, changes })
    }

    /// The composer in `room` now holds `text`: tell the room (throttled), or that typing
    /// stopped.
    pub fn draft_changed(&mut self, room: &str, text: &str, now: f64) -> Vec<ClientEvent> {
        let said = self.typing.changed(room, text, self.share_drafts, now);
        self.out(said.into_iter().map(say).collect())
    }

    /// The reader stopped typing (sent, or cleared the composer).
    pub fn stop_typing(&mut self) -> Vec<ClientEvent> {
        let said = self.typing.stop();
        self.out(said.into_iter().map(say).collect())
    }

    /// Asks for the page before the oldest message held in `room`.
    /// Asks for the next page of a big room's people (after the last one listed).
    pub fn more_members(&self, room: &str) -> Vec<ClientEvent> {
        let after = self.room(room).and_then(|r| r.members.last().cloned());
        vec![ClientEvent::ListMembers { room: room.to_owned(), after, limit: None }]
    }

    pub fn load_older(&mut self, room: &str) -> Outcome {
        if !self.open {
            return Outcome::default();
        }
        let state = self.state(room);
        if state.loading_older || !state.has_more {
            return Outcome::default();
        }
        let Some(before) = state.messages.first().map(|m| m.seq) else { return Outcome::default() };
        state.loading_older = true;
        let mut changes = Changes::default();
        changes.room(room).loading_older = true;
        Outcome { send: vec![ClientEvent::LoadOlder { room: room.to_owned(), before }], changes }
    }

    /// Marks everything in `room` as read; the new mark, if it moved.
    pub fn mark_read(&mut self, room: &str) -> Option<Seq> {
        let state = self.state(room);
        let last = state.last_seq();
        (state.last_read < last).then(|| {
            state.last_read = last;
            last
        })
    }

    /// Others' messages in `room` after the reader's last read one.
    pub fn unread(&self, room: &str) -> usize {
        self.states.get(room).map_or(0, |s| s.unread(&self.nickname))
    }

    /// A transport is being opened: the frames to send first, in order.
    pub fn connecting(&mut self) -> Outcome {
        self.open = true;
        self.retry_at = None;
        self.pinged_at = None;
        let status = if self.failures == 0 { Status::Connecting } else { Status::Reconnecting };
        let changes = self.set_status(status);
        let mut send =
            vec![ClientEvent::Hello { nickname: self.nickname.clone(), password: self.password.clone() }];
        for room in &self.joined {
            let Some(state) = self.states.get(room) else {
                send.push(ClientEvent::Join { room: room.clone(), since: None });
                continue;
            };
            send.push(ClientEvent::Join { room: room.clone(), since: state.since() });
            send.extend(state.pending.iter().map(|p| ClientEvent::Send {
                room: room.clone(),
                client_id: p.client_id.clone(),
                text: p.text.clone(),
            }));
        }
        // Everything pending goes now; a rate-limited one is not sent twice.
        self.resends.clear();
        Outcome { send, changes }
    }

    /// The transport closed (or never opened). Returns how long to wait before the next
    /// attempt, in ms, jittered by `random` (in `0..1`).
    pub fn disconnected(&mut self, now: f64, random: f64) -> (f64, Changes) {
        self.open = false;
        self.typing.reset();
        self.failures = self.failures.saturating_add(1);
        let delay = backoff::delay_ms(self.failures, random);
        self.retry_at = Some(now + delay);
        let mut changes = self.set_status(Status::Reconnecting);
        // Others' typing is not cleared by anyone else while we are away.
        for state in self.states.values_mut() {
            if !state.typists.is_empty() {
                state.typists.clear();
                changes.room(&state.name).typists = true;
            }
        }
        (delay, changes)
    }

    /// The transport received something the core does not see (a WebSocket ping): the
    /// connection is alive.
    pub fn heard(&mut self, now: f64) {
        self.heard_at = now;
        self.pinged_at = None;
    }

    /// When the keepalive next has something to do, while connected.
    fn keepalive_due(&self) -> Option<f64> {
        (self.open && self.status == Status::Connected).then(|| match self.pinged_at {
            Some(at) => at + KEEPALIVE_GRACE_MS,
            None => self.heard_at + KEEPALIVE_IDLE_MS,
        })
    }

    /// The host knows it cannot connect now (the browser is offline).
    pub fn offline(&mut self) -> Changes {
        self.set_status(Status::Offline)
    }

    fn set_status(&mut self, status: Status) -> Changes {
        let changed = self.status != status;
        self.status = status;
        Changes { status: changed, ..Changes::default() }
    }

    /// When [`Core::poll`] next has something to do.
    pub fn next_due(&self) -> Option<f64> {
        let typing = self.typing.next_due().filter(|_| self.open);
        let resend = self.resends.iter().map(|(at, _)| *at).reduce(f64::min);
        let expiry = self
            .states
            .values()
            .flat_map(|s| s.typists.iter().map(|t| t.at + TYPING_TIMEOUT_MS))
            .reduce(f64::min);
        [typing, resend, expiry, self.keepalive_due()].into_iter().flatten().reduce(f64::min)
    }

    /// Does what is due at `now`.
    pub fn poll(&mut self, now: f64) -> Outcome {
        let mut out = Outcome::default();
        if self.open {
            out.send.extend(self.typing.poll(now).map(say));
        }
        if self.keepalive_due().is_some_and(|due| due <= now) {
            if self.pinged_at.is_some() {
                out.changes.silent = true;
            } else {
                self.pinged_at = Some(now);
                out.send.push(ClientEvent::Ping);
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = self.resends.drain(..).partition(|(at, _)| *at <= now);
        self.resends = later;
        for (_, id) in due {
            let found = self.states.values().find_map(|s| {
                let p = s.pending.iter().find(|p| p.client_id == id)?;
                Some(ClientEvent::Send { room: s.name.clone(), client_id: id.clone(), text: p.text.clone() })
            });
            out.send.extend(found);
        }
        out.send = self.out(out.send);
        for state in self.states.values_mut() {
            if state.typists.iter().any(|t| now - t.at >= TYPING_TIMEOUT_MS) {
                state.typists.retain(|t| now - t.at < TYPING_TIMEOUT_MS);
                out.changes.room(&state.name).typists = true;
            }
        }
        out
    }

    /// Applies one event from the server, received at `now`.
    pub fn apply(&mut self, event: ServerEvent, now: f64) -> Changes {
        self.heard(now);
        let mut changes = Changes::default();
        let me = self.nickname.clone();
        match event {
            ServerEvent::Welcome { nickname } => {
                self.failures = 0;
                changes = self.set_status(Status::Connected);
                if nickname != self.nickname {
                    self.nickname = nickname;
                    changes.nickname = true;
                }
            }
            ServerEvent::Rooms { rooms } => {
                self.rooms = rooms;
                changes.rooms = true;
            }
            ServerEvent::RoomCreated { room } => {
                match self.rooms.iter_mut().find(|r| r.name == room.name) {
                    Some(known) => *known = room,
                    None => {
                        self.rooms.push(room);
                        self.rooms.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                }
                changes.rooms = true;
            }
            ServerEvent::Removed { room } => {
                self.forget(&room, &mut changes);
                self.notice = Some(format!("You are no longer a member of {room}."));
                changes.notice = true;
            }
            ServerEvent::History { room, messages, has_more } => {
                let state = self.state(&room);
                if !state.loaded {
                    state.has_more = has_more;
                    state.loaded = true;
                    changes.room(&room).has_more = true;
                }
                self.receive(&room, messages, &mut changes);
            }
            ServerEvent::Message(message) => {
                let room = message.room.clone();
                self.receive(&room, vec![message], &mut changes);
            }
            ServerEvent::Older { room, messages, has_more } => {
                let state = self.state(&room);
                let first = state.messages.first().map_or(Seq::MAX, |m| m.seq);
                let older: Vec<Message> = messages.into_iter().filter(|m| m.seq < first).collect();
                let c = changes.room(&room);
                c.messages = !older.is_empty();
                state.messages.splice(0..0, older);
                state.has_more = has_more;
                state.loading_older = false;
                c.has_more = true;
                c.loading_older = true;
            }
            ServerEvent::Members { room, members, count } => {
                let state = self.state(&room);
                state.count = (count as usize).max(members.len());
                state.members = members;
                changes.room(&room).members = true;
            }
            // A big room's presence names nobody: only its count changes, and no lines.
            ServerEvent::Presence { room, joined, left, count } => {
                let state = self.state(&room);
                state.count = count as usize;
                let arrived: Vec<String> =
                    joined.into_iter().filter(|n| !state.members.contains(n)).collect();
                state.members.retain(|n| !left.contains(n));
                state.members.extend(arrived.iter().cloned());
                state.members.sort();
                let before = state.typists.len();
                state.typists.retain(|t| !left.contains(&t.author));
                let c = changes.room(&room);
                c.members = true;
                c.typists |= before != self.state(&room).typists.len();
                for name in arrived.iter().filter(|n| **n != me) {
                    self.system_line(&room, format!("{name} joined"), &mut changes);
                }
                for name in left.iter().filter(|n| **n != me) {
                    self.system_line(&room, format!("{name} left"), &mut changes);
                }
            }
            ServerEvent::MemberPage { room, members, count, .. } => {
                let state = self.state(&room);
                state.count = count as usize;
                let new: Vec<String> = members.into_iter().filter(|n| !state.members.contains(n)).collect();
                state.members.extend(new);
                state.members.sort();
                changes.room(&room).members = true;
            }
            ServerEvent::Typing { room, author, draft } => {
                if author == me {
                    return changes;
                }
                let typist = Typist { author, draft, at: now };
                let typists = &mut self.state(&room).typists;
                match typists.iter_mut().find(|t| t.author == typist.author) {
                    Some(existing) => *existing = typist,
                    None => typists.push(typist),
                }
                changes.room(&room).typists = true;
            }
            ServerEvent::StopTyping { room, author } => {
                self.state(&room).typists.retain(|t| t.author != author);
                changes.room(&room).typists = true;
            }
            ServerEvent::Ack { room, client_id, seq } => {
                // Stored: it will come back as a message (now, or in the replay of a rejoin).
                let state = self.state(&room);
                let before = state.pending.len();
                state.pending.retain(|p| p.client_id != client_id);
                if state.pending.len() != before {
                    changes.room(&room).pending = true;
                }
                self.resends.retain(|(_, id)| *id != client_id);
                changes.acked.push((room, client_id, seq));
            }
            ServerEvent::Pong => {}
            ServerEvent::Protected { .. } => {
                if let Some(password) = self.protecting.take() {
                    self.password = Some(password);
                }
                changes.protected = true;
            }
            ServerEvent::Error { message, client_id, room, code } => {
                // A followed room this person may no longer see (e.g. removed while away).
                if let (Some(room), ErrorCode::UnknownRoom) = (&room, code) {
                    self.forget(room, &mut changes);
                }
                match (&client_id, code) {
                    // Not stored, only early: keep it and try again in a moment.
                    (Some(id), ErrorCode::RateLimited) => {
                        self.resends.push((now + RATE_LIMIT_RETRY_MS, id.clone()));
                    }
                    (Some(id), _) => {
                        for state in self.states.values_mut() {
                            if state.pending.iter().any(|p| p.client_id == *id) {
                                state.pending.retain(|p| p.client_id != *id);
                                changes.in_rooms.entry(state.name.clone()).or_default().pending = true;
                            }
                        }
                    }
                    _ => {}
                }
                self.notice = Some(message.clone());
                changes.notice = true;
                changes.refusals.push(Refusal { code, message, client_id, room });
            }
        }
        changes
    }

    /// Adds messages a room lacks (the server sends them in order) and retires the pending
    /// copies of the reader's own.
    fn receive(&mut self, room: &str, incoming: Vec<Message>, changes: &mut Changes) {
        let me = self.nickname.clone();
        let state = self.state(room);
        let last = state.last_seq();
        let fresh: Vec<Message> = incoming.into_iter().filter(|m| m.seq > last).collect();
        if fresh.is_empty() {
            return;
        }
        let c = changes.room(room);
        let pending = state.pending.len();
        state.pending.retain(|p| !fresh.iter().any(|m| m.client_id == p.client_id && m.author == me));
        c.pending = state.pending.len() != pending;
        let typists = state.typists.len();
        state.typists.retain(|t| !fresh.iter().any(|m| m.author == t.author));
        c.typists = state.typists.len() != typists;
        c.messages = true;
        state.messages.extend(fresh);
    }

    fn system_line(&mut self, room: &str, text: String, changes: &mut Changes) {
        self.next_line += 1;
        let id = self.next_line;
        let state = self.state(room);
        let after_seq = state.last_seq();
        state.system.push(SystemLine { id, after_seq, text });
        changes.room(room).system = true;
    }

    /// Stops following a room the reader may no longer see.
    fn forget(&mut self, room: &str, changes: &mut Changes) {
        self.rooms.retain(|r| r.name != room);
        changes.rooms = true;
        if self.joined.iter().any(|r| r == room) {
            self.joined.retain(|r| r != room);
            changes.joined = true;
        }
        changes.forgotten.push(room.to_owned());
    }
}

fn say(said: Say) -> ClientEvent {
    match said {
        Say::Typing { room, draft } => ClientEvent::Typing { room, draft },
        Say::Stop { room } => ClientEvent::StopTyping { room },
    }
}

#[cfg(test)]
mod tests;
