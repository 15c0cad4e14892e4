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

pub use room::{mentions, mentions_me, unread, Pending, Room, SystemLine, Typist};

use protocol::{Change, ClientEvent, ErrorCode, Message, RoomInfo, SearchHit, Seq, ServerEvent, Unread};
use std::collections::{BTreeMap, HashMap};
use typing::{OwnTyping, Say, TYPING_TIMEOUT_MS};

/// A message the server refused as too fast is sent again after this long.
pub const RATE_LIMIT_RETRY_MS: f64 = 1000.0;

/// A room's read position is sent to the server at most this often (the reader's own view
/// moves at once).
pub const READ_INTERVAL_MS: f64 = 2000.0;

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
    /// The status as one lowercase word, for markup and scripts (the page's `data-state`);
    /// what a reader sees is in the catalogues (`status-*`).
    pub fn key(self) -> &'static str {
        match self {
            Status::Offline => "offline",
            Status::Connecting => "connecting",
            Status::Reconnecting => "reconnecting",
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
    /// Messages whose text, reactions or quote changed (edited, deleted, reacted to), by room.
    pub edited: Vec<(String, Seq)>,
    /// The server's unread counts arrived (for rooms followed or not).
    pub unread: bool,
    /// The answer to the last `search`.
    pub search: Option<SearchResults>,
    /// Live messages by others that mention the reader (or the whole room): for a
    /// notification.
    pub mentioned: Vec<Message>,
    /// The answer to [`Core::ask_upload_token`]: the token and when it expires.
    pub upload_token: Option<(String, i64)>,
}

/// An answer to [`Core::search`].
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResults {
    pub query: String,
    pub hits: Vec<SearchHit>,
    /// Asks for the next hits ([`Core::search`] with it as `before`).
    pub next: Option<String>,
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
        self.edited.extend(other.edited);
        self.mentioned.extend(other.mentioned);
        if other.upload_token.is_some() {
            self.upload_token = other.upload_token;
        }
        self.unread |= other.unread;
        if other.search.is_some() {
            self.search = other.search;
        }
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
    /// The server's unread counts for rooms not followed (followed rooms keep theirs).
    server_unread: HashMap<String, Unread>,
    /// Read positions to tell the server: room → (last sent, when the next may go).
    reads: HashMap<String, (Seq, f64)>,
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
            server_unread: HashMap::new(),
            reads: HashMap::new(),
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
        let counted = &mut self.server_unread;
        self.states.entry(room.to_owned()).or_insert_with(|| {
            let mut state = Room::new(room, last_read);
            if let Some(unread) = counted.remove(room) {
                state.last_read = state.last_read.max(unread.read);
                state.server_unread = Some(unread);
            }
            state
        })
    }

    fn state(&mut self, room: &str) -> &mut Room {
        self.room_entry(room, 0)
    }

    /// Takes in a page of `room` received another way (server rendered), unless its history
    /// is already here. `last` is the room's latest `seq` the page shows.
    pub fn seed_history(&mut self, room: &str, messages: Vec<Message>, has_more: bool, last: Seq) -> Changes {
        let state = self.state(room);
        let mut changes = Changes::default();
        if !state.loaded {
            state.messages = messages;
            state.has_more = has_more;
            state.loaded = true;
            state.last_event = last;
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

    /// Queues a message for `room` under `client_id` (fresh and random, chosen by the host),
    /// answering message `reply_to` if given: pending at once, sent now if connected, else on
    /// reconnect.
    pub fn send(
        &mut self,
        room: &str,
        client_id: &str,
        text: &str,
        reply_to: Option<Seq>,
    ) -> Result<Outcome, protocol::Invalid> {
        self.send_files(room, client_id, text, reply_to, Vec::new())
    }

    /// [`Core::send`] with files uploaded before (`text` is then their caption and may be
    /// empty).
    pub fn send_files(
        &mut self,
        room: &str,
        client_id: &str,
        text: &str,
        reply_to: Option<Seq>,
        attachments: Vec<protocol::Attachment>,
    ) -> Result<Outcome, protocol::Invalid> {
        let text =
            if attachments.is_empty() { protocol::message_text(text)? } else { protocol::caption(text)? };
        let text = text.to_owned();
        let pending = Pending {
            client_id: client_id.to_owned(),
            text: text.clone(),
            reply_to,
            attachments: attachments.clone(),
        };
        self.state(room).pending.push(pending);
        let mut changes = self.set_notice(None);
        changes.room(room).pending = true;
        self.typing.reset();
        let send = self.out(vec![ClientEvent::Send {
            room: room.to_owned(),
            client_id: client_id.to_owned(),
            text,
            reply_to,
            attachments: attachments.iter().map(protocol::SendFile::from).collect(),
        }]);
        Ok(Outcome { send, changes })
    }

    /// Asks for a token to upload files with (clients without the browser's cookie); it comes
    /// as [`Changes::upload_token`].
    pub fn ask_upload_token(&self) -> Vec<ClientEvent> {
        self.out(vec![ClientEvent::UploadToken])
    }

    /// Replaces the text of the reader's message `seq` (shown once the server has it).
    pub fn edit(&mut self, room: &str, seq: Seq, text: &str) -> Result<Vec<ClientEvent>, protocol::Invalid> {
        let text = protocol::message_text(text)?.to_owned();
        Ok(self.out(vec![ClientEvent::Edit { room: room.to_owned(), seq, text }]))
    }

    /// Deletes the reader's message `seq`.
    pub fn delete(&mut self, room: &str, seq: Seq) -> Vec<ClientEvent> {
        self.out(vec![ClientEvent::Delete { room: room.to_owned(), seq }])
    }

    /// Reacts to message `seq` with `emoji`, or takes the reader's reaction back if it is
    /// there.
    pub fn toggle_reaction(&mut self, room: &str, seq: Seq, emoji: &str) -> Vec<ClientEvent> {
        let me = self.nickname.clone();
        let reacted = self
            .room(room)
            .and_then(|r| r.message(seq))
            .is_some_and(|m| m.reactions.iter().any(|r| r.emoji == emoji && r.people.contains(&me)));
        let (room, emoji) = (room.to_owned(), emoji.to_owned());
        let event = if reacted {
            ClientEvent::Unreact { room, seq, emoji }
        } else {
            ClientEvent::React { room, seq, emoji }
        };
        self.out(vec![event])
    }

    /// Searches the rooms the reader may read (or `room` only); the answer comes as
    /// [`Changes::search`].
    pub fn search(&self, query: &str, room: Option<&str>, before: Option<String>) -> Vec<ClientEvent> {
        self.out(vec![ClientEvent::Search { query: query.to_owned(), room: room.map(str::to_owned), before }])
    }

    /// Makes sure message `seq` of `room` is held, loading older history back to it if
    /// needed (a reply's original, a search hit). True if it is held already.
    pub fn reach(&mut self, room: &str, seq: Seq) -> (bool, Outcome) {
        let open = self.open;
        let state = self.state(room);
        let first = state.messages.first().map_or(Seq::MAX, |m| m.seq);
        if seq >= first || !state.has_more || !open {
            return (state.message(seq).is_some(), Outcome::default());
        }
        if state.loading_older {
            return (false, Outcome::default());
        }
        state.loading_older = true;
        let mut changes = Changes::default();
        changes.room(room).loading_older = true;
        let send = vec![ClientEvent::LoadOlder { room: room.to_owned(), before: first, until: Some(seq) }];
        (false, Outcome { send, changes })
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

    /// Asks for the next page of a big room's people (after the last one listed).
    pub fn more_members(&self, room: &str) -> Vec<ClientEvent> {
        let after = self.room(room).and_then(|r| r.members.last().cloned());
        vec![ClientEvent::ListMembers { room: room.to_owned(), after, limit: None }]
    }

    /// Asks for the page before the oldest message held in `room`.
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
        Outcome { send: vec![ClientEvent::LoadOlder { room: room.to_owned(), before, until: None }], changes }
    }

    /// Marks everything in `room` as read at `now`; the new mark, if it moved, and what to
    /// send: the server hears of it at once, or within [`READ_INTERVAL_MS`] when it heard a
    /// moment ago ([`Core::poll`] sends it then).
    pub fn mark_read(&mut self, room: &str, now: f64) -> (Option<Seq>, Vec<ClientEvent>) {
        let state = self.state(room);
        let last = state.last_seq();
        if state.last_read >= last {
            return (None, Vec::new());
        }
        state.last_read = last;
        let (sent, at) = self.reads.get(room).copied().unwrap_or((0, now));
        self.reads.insert(room.to_owned(), (sent, at));
        (Some(last), self.due_reads(now))
    }

    /// Read positions due to be sent at `now`.
    fn due_reads(&mut self, now: f64) -> Vec<ClientEvent> {
        let mut send = Vec::new();
        if !self.open {
            return send;
        }
        for (room, (sent, at)) in self.reads.iter_mut() {
            let Some(read) = self.states.get(room).map(|s| s.last_read) else { continue };
            if read > *sent && *at <= now {
                *sent = read;
                *at = now + READ_INTERVAL_MS;
                send.push(ClientEvent::Read { room: room.clone(), seq: read });
            }
        }
        send
    }

    /// When a read position is next due to be sent.
    fn reads_due(&self) -> Option<f64> {
        self.reads
            .iter()
            .filter(|(room, (sent, _))| self.states.get(*room).is_some_and(|s| s.last_read > *sent))
            .map(|(_, (_, at))| *at)
            .reduce(f64::min)
    }

    /// Others' messages in `room` after the reader's last read one.
    pub fn unread(&self, room: &str) -> usize {
        match self.states.get(room) {
            Some(state) => state.unread(&self.nickname),
            None => self.server_unread.get(room).map_or(0, |u| u.unread as usize),
        }
    }

    /// Of those, the ones that mention the reader (or the whole room).
    pub fn mentions(&self, room: &str) -> usize {
        match self.states.get(room) {
            Some(state) => state.mentions(&self.nickname),
            None => self.server_unread.get(room).map_or(0, |u| u.mentions as usize),
        }
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
                reply_to: p.reply_to,
                attachments: p.attachments.iter().map(protocol::SendFile::from).collect(),
            }));
        }
        // Read positions the server may not have heard of go again.
        for (_, at) in self.reads.values_mut() {
            *at = 0.0;
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
        (self.open && self.status == Status::Connected).then_some(match self.pinged_at {
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
        let reads = self.reads_due().filter(|_| self.open);
        let expiry = self
            .states
            .values()
            .flat_map(|s| s.typists.iter().map(|t| t.at + TYPING_TIMEOUT_MS))
            .reduce(f64::min);
        [typing, resend, reads, expiry, self.keepalive_due()].into_iter().flatten().reduce(f64::min)
    }

    /// Does what is due at `now`.
    pub fn poll(&mut self, now: f64) -> Outcome {
        let mut out = Outcome::default();
        if self.open {
            out.send.extend(self.typing.poll(now).map(say));
            out.send.extend(self.due_reads(now));
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
                Some(ClientEvent::Send {
                    room: s.name.clone(),
                    client_id: id.clone(),
                    text: p.text.clone(),
                    reply_to: p.reply_to,
                    attachments: p.attachments.iter().map(protocol::SendFile::from).collect(),
                })
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
            ServerEvent::History { room, messages, has_more, changes: replayed, last } => {
                let state = self.state(&room);
                if !state.loaded {
                    state.has_more = has_more;
                    state.loaded = true;
                    changes.room(&room).has_more = true;
                }
                // In `seq` order, each once: a message shows every change to it so far, and
                // applying one of those changes again changes nothing in the end.
                let mut replayed: std::collections::VecDeque<Change> = replayed.into();
                for message in messages {
                    while replayed.front().is_some_and(|c| c.seq() < message.seq) {
                        let change = replayed.pop_front().expect("checked above");
                        self.change(change, &mut changes);
                    }
                    self.receive(&room, vec![message], &mut changes);
                }
                for change in replayed {
                    self.change(change, &mut changes);
                }
                let state = self.state(&room);
                state.last_event = state.last_event.max(last);
            }
            ServerEvent::Message(message) => {
                let room = message.room.clone();
                let last = self.state(&room).last_seq();
                if message.seq > last && message.author != me && mentions_me(&message, &me) {
                    changes.mentioned.push(message.clone());
                }
                self.receive(&room, vec![message], &mut changes);
            }
            ServerEvent::Edited(edit) => self.change(Change::Edited(edit), &mut changes),
            ServerEvent::Deleted(deletion) => self.change(Change::Deleted(deletion), &mut changes),
            ServerEvent::Reaction(reaction) => self.change(Change::Reaction(reaction), &mut changes),
            ServerEvent::Unread { rooms } => {
                for unread in rooms {
                    match self.states.get_mut(&unread.room) {
                        Some(state) => {
                            if state.last_read < unread.read {
                                state.last_read = unread.read;
                                changes.room(&unread.room).last_read = true;
                            }
                            state.server_unread = Some(unread);
                        }
                        None => {
                            self.server_unread.insert(unread.room.clone(), unread);
                        }
                    }
                }
                changes.unread = true;
            }
            ServerEvent::Read { room, seq } => {
                // Read on another of the reader's connections.
                let state = self.state(&room);
                if state.last_read < seq {
                    state.last_read = seq;
                    changes.room(&room).last_read = true;
                }
                let sent = self.reads.entry(room).or_insert((0, 0.0));
                sent.0 = sent.0.max(seq);
            }
            ServerEvent::SearchResults { query, hits, next } => {
                changes.search = Some(SearchResults { query, hits, next });
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
                    self.system_line(&room, name, true, &mut changes);
                }
                for name in left.iter().filter(|n| **n != me) {
                    self.system_line(&room, name, false, &mut changes);
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
            ServerEvent::UploadToken { token, expires_at } => {
                changes.upload_token = Some((token, expires_at))
            }
            ServerEvent::Protected { .. } => {
                if let Some(password) = self.protecting.take() {
                    self.password = Some(password);
                }
                changes.protected = true;
            }
            ServerEvent::Error { message, client_id, room, code, .. } => {
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

    /// Applies a change with its own place in the room's order, once (by `seq`).
    fn change(&mut self, change: Change, changes: &mut Changes) {
        let room = change.room().to_owned();
        let state = self.state(&room);
        let seq = change.seq();
        if seq <= state.last_seq() {
            return;
        }
        state.last_event = seq;
        let target = change.target();
        if state.apply(&change) {
            changes.room(&room).messages = true;
            changes.edited.push((room.clone(), target));
            if let Change::Deleted(_) = change {
                // Replies that quote it show it deleted.
                let quoting: Vec<Seq> = state
                    .messages
                    .iter()
                    .filter(|m| m.reply_to.as_ref().is_some_and(|q| q.seq == target))
                    .map(|m| m.seq)
                    .collect();
                changes.edited.extend(quoting.into_iter().map(|seq| (room.clone(), seq)));
            }
        }
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
        state.last_event = state.last_event.max(fresh.last().map_or(0, |m| m.seq));
        let c = changes.room(room);
        let pending = state.pending.len();
        state.pending.retain(|p| !fresh.iter().any(|m| m.client_id == p.client_id && m.author == me));
        c.pending |= state.pending.len() != pending;
        let typists = state.typists.len();
        state.typists.retain(|t| !fresh.iter().any(|m| m.author == t.author));
        c.typists |= state.typists.len() != typists;
        c.messages = true;
        state.messages.extend(fresh);
    }

    fn system_line(&mut self, room: &str, person: &str, joined: bool, changes: &mut Changes) {
        self.next_line += 1;
        let id = self.next_line;
        let state = self.state(room);
        let after_seq = state.last_seq();
        state.system.push(SystemLine { id, after_seq, person: person.to_owned(), joined });
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
