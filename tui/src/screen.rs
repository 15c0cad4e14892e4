//! The full-screen client: rooms on the left with unread and mention counts, the conversation
//! in the middle (messages drawn by [`crate::message`]), members on the right, the composer
//! and a status line. It draws only when something changed: an event from the server, a key,
//! a resize, or the reconnect countdown.
//!
//! A message can be selected (Alt-Up, Alt-Down; Esc lets go) for the commands that act on one
//! (`/reply`, `/react`, `/edit`, `/delete`; without a selection they pick a sensible default,
//! see [`crate::actions`]). The composer has modes: replying, editing a message, and asking
//! whether to delete one; its title says which. A mention of the reader rings the bell.
//!
//! `/upload PATH [caption]` checks the file, gets an upload token from the server on the live
//! connection (kept until shortly before it expires), and POSTs the file in a task of its own
//! ([`crate::upload`]) while the status line shows how far it got; the message with the file
//! is sent once the server has it.

use crate::actions::{self, Want};
use crate::colour::{name_colour, Depth};
use crate::composer::Composer;
use crate::lang::{self, t, tf};
use crate::link::{now_ms, Link, Update};
use crate::message::{first_line, hit_lines, message_lines, pending_lines, quiet_lines, Look};
use crate::text::{cells, fit};
use crate::upload::{self, Report};
use crate::{ask_password, config};
use client::{SearchResults, Status};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event, EventStream,
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use futures::StreamExt;
use protocol::{ClientEvent, ErrorCode, Message, Quote, RoomKind, SearchHit, Seq};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use unicode_segmentation::UnicodeSegmentation;

/// Screens drawn so far (the idle figure: none while nothing changes).
pub static DRAWS: AtomicU64 = AtomicU64::new(0);

/// Below this width the members fold away.
const MEMBERS_MIN_WIDTH: u16 = 70;
const ROOMS_WIDTH: u16 = 20;
const MEMBERS_WIDTH: u16 = 16;
/// The composer grows up to this many lines.
const COMPOSER_MAX_LINES: usize = 6;

/// `/help`: the keys of its lines in the catalogue.
const HELP: &[&str] = &[
    "tui-help-rooms",
    "tui-help-account",
    "tui-help-select",
    "tui-help-answer",
    "tui-help-own",
    "tui-help-upload",
    "tui-help-compose",
    "tui-help-move",
];

/// What the composer is doing besides writing a new message.
#[derive(Debug, Default, PartialEq)]
enum Mode {
    #[default]
    Writing,
    /// The next message sent answers `quote`.
    Replying { quote: Quote },
    /// The composer holds a message's text: Enter saves it.
    Editing { room: String, seq: Seq },
    /// "delete? y/n" for the reader's message.
    Deleting { room: String, seq: Seq, text: String },
    /// `/password`: a new password typed twice, never shown (the terminal stays in raw mode,
    /// so nothing echoes it either).
    Password { first: Option<String>, typed: String },
}

/// A file on its way: waiting for an upload token, or being sent.
#[derive(Debug)]
struct Upload {
    id: u64,
    /// Where `/upload` was typed: the message goes there.
    room: String,
    file: upload::File,
    caption: String,
    reply_to: Option<Seq>,
    /// How much of it is sent, once it is being sent.
    percent: Option<u8>,
    /// Sent again with a fresh token after the server refused one.
    retried: bool,
}

/// A line of this client's own in a room's conversation.
#[derive(Debug)]
enum Note {
    Said(String),
    /// The heading of search results.
    Search(String),
    /// A search hit, and the title of its room.
    Hit(Box<SearchHit>, String),
}

pub struct App {
    pub link: Link,
    pub current: String,
    pub composer: Composer,
    /// Lines scrolled up from the bottom of the conversation.
    pub scroll: usize,
    pub members_shown: bool,
    /// Lines of this client's own (help, refusals, search hits) per room, after a `seq`.
    notes: HashMap<String, Vec<(Seq, Note)>>,
    depth: Depth,
    /// A direct conversation asked for, opened when it arrives.
    pending_dm: Option<String>,
    /// The conversation's width at the last draw (to keep the view still as lines arrive).
    width: usize,
    /// The last draw showed the first message held.
    at_top: bool,
    /// The lowest message the last draw showed (in part).
    lowest_shown: Option<Seq>,
    /// Rows each message takes at `width`, per room by `seq`; forgotten when the width
    /// changes, and for a message when it is edited, deleted or reacted to.
    heights: HashMap<String, HashMap<Seq, usize>>,
    /// The selected message of the room on screen.
    selected: Option<Seq>,
    /// The selection moved: the next draw scrolls it into view.
    reveal: bool,
    mode: Mode,
    /// Ring the terminal bell when the reader is mentioned (`--no-bell` turns it off).
    bell: bool,
    /// A mention came: the loop rings the bell.
    pub ring: bool,
    /// Where the last `/search` was typed: its hits show there.
    search_room: Option<String>,
    /// The server's `http(s)://host`, for files.
    base: String,
    /// The last upload token and when it expires (ms since the epoch).
    upload_token: Option<(String, i64)>,
    /// Uploads waiting for a token (asked for when the first came).
    waiting: Vec<Upload>,
    /// Uploads being sent.
    uploading: Vec<Upload>,
    last_upload: u64,
    http: Option<reqwest::Client>,
    reports_tx: UnboundedSender<Report>,
    /// What the upload tasks say; the loop hands it to [`App::on_upload`].
    pub reports: UnboundedReceiver<Report>,
    pub quit: Option<i32>,
}

impl App {
    pub fn new(link: Link, room: String, depth: Depth, bell: bool) -> App {
        let (reports_tx, reports) = unbounded_channel();
        let base = link.http_base();
        let mut app = App {
            link,
            current: room.clone(),
            composer: Composer::default(),
            scroll: 0,
            members_shown: true,
            notes: HashMap::new(),
            depth,
            pending_dm: None,
            width: 80,
            at_top: false,
            lowest_shown: None,
            heights: HashMap::new(),
            selected: None,
            reveal: false,
            mode: Mode::Writing,
            bell,
            ring: false,
            search_room: None,
            base,
            upload_token: None,
            waiting: Vec::new(),
            uploading: Vec::new(),
            last_upload: 0,
            http: None,
            reports_tx,
            reports,
            quit: None,
        };
        app.link.core.follow(&room);
        app
    }

    fn note(&mut self, text: impl Into<String>) {
        let room = self.current.clone();
        self.note_in(&room, Note::Said(text.into()));
    }

    fn note_in(&mut self, room: &str, note: Note) {
        let seq = self.link.core.room(room).map_or(0, |r| r.last_seq());
        self.notes.entry(room.to_owned()).or_default().push((seq, note));
        if room == self.current {
            self.scroll = 0;
        }
    }

    /// Sends what the core gave for an action; it gives nothing while not connected.
    fn sent(&mut self, frames: Vec<ClientEvent>) {
        if frames.is_empty() {
            self.note(t("tui-not-sent"));
        }
        self.link.send(frames);
    }

    fn me(&self) -> &str {
        self.link.core.nickname()
    }

    /// Applies what the link brought; whether the screen changed.
    pub fn on_update(&mut self, update: Update) -> bool {
        let mut changes = update.changes;
        let mut dirty = !changes.is_empty() || update.lost.is_some();
        for refusal in &changes.refusals {
            match refusal.code {
                ErrorCode::NicknameTaken | ErrorCode::WrongPassword | ErrorCode::TooManyAttempts
                    if self.link.core.status() != Status::Connected =>
                {
                    self.quit = Some(2);
                }
                _ => {}
            }
            self.note(format!("⚠ {}", lang::error_text(refusal.code, &refusal.message)));
        }
        // Edits, deletions and reactions change how many rows a message takes; scrolled up,
        // a change below the view moves the offset by as much, so the view stays still.
        for (room, seq) in &changes.edited {
            let before = self.heights.get_mut(room).and_then(|heights| heights.remove(seq));
            let below =
                *room == self.current && self.scroll > 0 && self.lowest_shown.is_some_and(|s| *seq > s);
            let message = self.link.core.room(room).and_then(|r| r.message(*seq));
            if let (true, Some(before), Some(message)) = (below, before, message) {
                let after = self.lines_of(message);
                self.scroll = (self.scroll + after).saturating_sub(before);
            }
        }
        if !changes.mentioned.is_empty() {
            self.ring = self.bell;
            for message in &changes.mentioned {
                if message.room != self.current {
                    let title = title_of(&self.link, &message.room);
                    let text = fit(&first_line(&message.text), 80);
                    let args = [
                        ("name", (&message.author).into()),
                        ("room", (&title).into()),
                        ("text", (&text).into()),
                    ];
                    self.note(format!("@ {}", tf("tui-mentioned-you", &args)));
                }
            }
        }
        if let Some(results) = changes.search.take() {
            self.show_search(results);
        }
        if let Some((token, expires_at)) = changes.upload_token.take() {
            self.upload_token = Some((token.clone(), expires_at));
            // Used at once whatever the clocks say: the server decides.
            for waiting in std::mem::take(&mut self.waiting) {
                self.post(waiting, token.clone());
            }
        }
        if update.lost.is_some() {
            // The token's answer will not come on this connection.
            for waiting in std::mem::take(&mut self.waiting) {
                self.note(format!("⚠ {}", tf("tui-upload-lost", &[("name", (&waiting.file.name).into())])));
            }
        }
        if changes.protected {
            let nickname = self.link.core.nickname().to_owned();
            self.note(tf("tui-protected", &[("nickname", (&nickname).into())]));
        }
        if changes.rooms {
            if let Some(with) = self.pending_dm.clone() {
                let key = protocol::nickname_key(&with);
                let me = protocol::nickname_key(self.me());
                let found = self.link.core.rooms().iter().find(|r| {
                    r.kind == RoomKind::Direct
                        && r.members.iter().any(|m| protocol::nickname_key(m) == key)
                        && (key == me || r.members.iter().any(|m| protocol::nickname_key(m) == me))
                });
                if let Some(room) = found.map(|r| r.name.clone()) {
                    self.pending_dm = None;
                    self.switch(&room);
                }
            }
        }
        if changes.forgotten.contains(&self.current) {
            self.switch(protocol::DEFAULT_ROOM);
            dirty = true;
        }
        if self.scroll == 0 {
            self.mark_read();
        }
        dirty
    }

    /// Makes `room` the one on screen, following it if needed.
    pub fn switch(&mut self, room: &str) {
        let stop = self.link.core.stop_typing();
        self.link.send(stop);
        let followed = self.link.core.follow(room);
        self.link.send(followed.send);
        if self.current != room {
            // A selection and a reply or edit belong to the room they were made in.
            self.cancel();
        }
        self.current = room.to_owned();
        self.scroll = 0;
        self.mark_read();
    }

    /// Esc: lets go of the selection and ends a reply or an edit (the composer is emptied of
    /// the message's text) or a question.
    fn cancel(&mut self) {
        if let Mode::Editing { .. } = std::mem::take(&mut self.mode) {
            self.composer.take();
        }
        self.selected = None;
    }

    /// Alt-Up (`older`) or Alt-Down.
    fn select(&mut self, older: bool) {
        let Some(room) = self.link.core.room(&self.current) else { return };
        let next = actions::step(&room.messages, self.selected, older);
        let oldest = room.messages.first().map(|m| m.seq);
        if older && next.is_some() && next == self.selected && next == oldest {
            // At the oldest held: fetch more, and the next Alt-Up goes on.
            let asked = self.link.core.load_older(&self.current);
            self.link.send(asked.send);
        }
        self.selected = next;
        self.reveal = true;
        if next.is_none() {
            self.scroll = 0;
            self.mark_read();
        }
    }

    /// The reader has seen everything in the room on screen.
    fn mark_read(&mut self) {
        let (_, frames) = self.link.core.mark_read(&self.current, now_ms());
        self.link.send(frames);
    }

    /// A key, the mouse, a paste or a resize; whether the screen changed.
    pub fn on_event(&mut self, event: Event, page: usize) -> bool {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, page),
            Event::Paste(text) => match &mut self.mode {
                Mode::Password { typed, .. } => typed.push_str(text.trim_end_matches(['\r', '\n'])),
                _ => {
                    self.composer.insert(&text);
                    self.typed();
                }
            },
            Event::Mouse(mouse) => match mouse.kind {
                MouseEventKind::ScrollUp => self.scroll_by(3),
                MouseEventKind::ScrollDown => self.scroll_by(-3),
                _ => return false,
            },
            Event::Resize(..) => {}
            _ => return false,
        }
        true
    }

    fn scroll_by(&mut self, lines: isize) {
        self.scroll = self.scroll.saturating_add_signed(lines);
        if self.scroll == 0 {
            self.mark_read();
        }
    }

    fn on_key(&mut self, key: KeyEvent, page: usize) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if let Mode::Password { .. } = self.mode {
            self.password_key(key, ctrl);
            return;
        }
        if let Mode::Deleting { .. } = self.mode {
            let Mode::Deleting { room, seq, .. } = std::mem::take(&mut self.mode) else { return };
            match key.code {
                KeyCode::Char('y' | 'Y') if !ctrl && !alt => {
                    let frames = self.link.core.delete(&room, seq);
                    self.sent(frames);
                    self.selected = None;
                    return;
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => return,
                // Anything else says no, and does what it does.
                _ => {}
            }
        }
        match key.code {
            KeyCode::Char('c') if ctrl => self.quit = Some(0),
            KeyCode::Char('d') if ctrl && self.composer.text().is_empty() => self.quit = Some(0),
            KeyCode::Char('t') if ctrl => self.set_share(!self.link.core.share_drafts()),
            KeyCode::Char('n') if ctrl => self.cycle_room(1),
            KeyCode::Char('p') if ctrl => self.cycle_room(-1),
            KeyCode::Char('a') if ctrl => self.composer.home(),
            KeyCode::Char('e') if ctrl => self.composer.end(),
            KeyCode::Char('w') if ctrl => {
                self.composer.delete_word();
                self.typed();
            }
            KeyCode::Char('b') if alt => self.composer.word_left(),
            KeyCode::Char('f') if alt => self.composer.word_right(),
            KeyCode::Char(c) if !ctrl => {
                self.composer.insert(c.encode_utf8(&mut [0; 4]));
                self.typed();
            }
            KeyCode::Enter if alt || key.modifiers.contains(KeyModifiers::SHIFT) => {
                self.composer.insert("\n");
                self.typed();
            }
            KeyCode::Enter => self.submit(),
            KeyCode::Backspace => {
                self.composer.backspace();
                self.typed();
            }
            KeyCode::Delete => {
                self.composer.delete();
                self.typed();
            }
            KeyCode::Left if ctrl || alt => self.composer.word_left(),
            KeyCode::Right if ctrl || alt => self.composer.word_right(),
            KeyCode::Left => self.composer.left(),
            KeyCode::Right => self.composer.right(),
            KeyCode::Home => self.composer.home(),
            KeyCode::End => self.composer.end(),
            KeyCode::Up if alt => self.select(true),
            KeyCode::Down if alt => self.select(false),
            KeyCode::Esc => self.cancel(),
            KeyCode::Up => {
                self.composer.history_up();
            }
            KeyCode::Down => {
                self.composer.history_down();
            }
            KeyCode::PageUp => self.scroll_by(page.max(2) as isize - 1),
            KeyCode::PageDown => self.scroll_by(-(page.max(2) as isize - 1)),
            KeyCode::Tab => self.complete(),
            KeyCode::F(2) => self.members_shown = !self.members_shown,
            _ => {}
        }
    }

    /// The composer changed: live typing (throttled by the core).
    fn typed(&mut self) {
        let text = self.composer.text().to_owned();
        // An edit is not a new message being typed.
        let frames = if text.starts_with('/') || matches!(self.mode, Mode::Editing { .. }) {
            self.link.core.stop_typing()
        } else {
            self.link.core.draft_changed(&self.current, &text, now_ms())
        };
        self.link.send(frames);
    }

    fn set_share(&mut self, share: bool) {
        self.link.core.set_share_drafts(share);
        config::save_share_drafts(share);
        self.note(t(if share { "tui-share-on" } else { "tui-share-off" }));
    }

    fn cycle_room(&mut self, step: isize) {
        let names: Vec<String> = self.link.core.rooms().iter().map(|r| r.name.clone()).collect();
        if names.is_empty() {
            return;
        }
        let at = names.iter().position(|n| *n == self.current).unwrap_or(0) as isize;
        let next = (at + step).rem_euclid(names.len() as isize) as usize;
        self.switch(&names[next]);
    }

    fn complete(&mut self) {
        let word = self.composer.word_before_cursor().to_owned();
        if word.is_empty() {
            return;
        }
        let (prefix, bare) = if let Some(rest) = word.strip_prefix('#') {
            ("#", rest)
        } else if let Some(rest) = word.strip_prefix('@') {
            // A mention stays one.
            ("@", rest.trim_start_matches('@'))
        } else {
            ("", word.as_str())
        };
        let lower = bare.to_lowercase();
        let members = self.link.core.room(&self.current).map(|r| r.members.clone()).unwrap_or_default();
        let rooms = self.link.core.rooms().iter().map(|r| r.name.clone());
        let candidates: Vec<String> = members.into_iter().chain(rooms).collect();
        if let Some(found) =
            candidates.iter().find(|c| c.to_lowercase().starts_with(&lower) && c.len() > bare.len())
        {
            let at_start = self.composer.text().len() == word.len() && prefix.is_empty();
            let suffix = if at_start && !found.is_empty() { ": " } else { " " };
            self.composer.complete(&format!("{prefix}{found}{suffix}"));
        }
    }

    fn submit(&mut self) {
        let text = self.composer.take();
        let stop = self.link.core.stop_typing();
        self.link.send(stop);
        if let Mode::Editing { .. } = self.mode {
            self.save_edit(text);
            return;
        }
        if text.trim().is_empty() {
            return;
        }
        if let Some(command) = text.trim().strip_prefix('/') {
            self.command(command);
            return;
        }
        let reply_to = match std::mem::take(&mut self.mode) {
            Mode::Replying { quote, .. } => {
                self.selected = None;
                Some(quote.seq)
            }
            other => {
                self.mode = other;
                None
            }
        };
        self.send_text(&text, reply_to);
    }

    fn send_text(&mut self, text: &str, reply_to: Option<Seq>) {
        let id = uuid::Uuid::new_v4().to_string();
        match self.link.core.send(&self.current, &id, text, reply_to) {
            Ok(sent) => self.link.send(sent.send),
            Err(invalid) => self.note(format!("⚠ {}", lang::invalid_text(&invalid))),
        }
        self.scroll = 0;
    }

    /// The message a command acts on in the room on screen: its `seq`, author and text.
    fn target(&mut self, want: Want) -> Option<(Seq, String, String)> {
        let room = self.link.core.room(&self.current);
        let found = room.map_or(Err("tui-nothing-here"), |r| {
            actions::target(&r.messages, self.selected, self.link.core.nickname(), want)
        });
        match found {
            Ok(m) => Some((m.seq, m.author.clone(), m.text.clone())),
            Err(why) => {
                self.note(t(why));
                None
            }
        }
    }

    /// `/reply [TEXT]`: sends TEXT as a reply, or makes the next message one.
    fn reply(&mut self, text: &str) {
        let Some((seq, author, original)) = self.target(Want::Answer) else { return };
        if text.is_empty() {
            let quote = Quote { seq, author, text: first_line(&original), deleted: false };
            self.mode = Mode::Replying { quote };
        } else {
            self.selected = None;
            self.send_text(text, Some(seq));
        }
    }

    /// `/react EMOJI`: adds the reader's reaction, or takes it back.
    fn react(&mut self, word: &str) {
        let Some(emoji) = actions::emoji(word) else {
            self.note(format!("⚠ {}", tf("tui-not-an-emoji", &[("word", word.into())])));
            return;
        };
        let Some((seq, ..)) = self.target(Want::Answer) else { return };
        let frames = self.link.core.toggle_reaction(&self.current, seq, emoji);
        self.sent(frames);
    }

    /// `/edit [TEXT]`: saves TEXT as the message's, or puts its text in the composer.
    fn edit(&mut self, text: &str) {
        let Some((seq, _, original)) = self.target(Want::Own) else { return };
        if text.is_empty() {
            self.composer.take();
            self.composer.insert(&original);
            self.mode = Mode::Editing { room: self.current.clone(), seq };
        } else {
            self.mode = Mode::Editing { room: self.current.clone(), seq };
            self.save_edit(text.to_owned());
        }
    }

    /// Enter while editing: the new text goes to the server (unless it is unchanged).
    fn save_edit(&mut self, text: String) {
        let Mode::Editing { room, seq } = std::mem::take(&mut self.mode) else { return };
        let original = self.link.core.room(&room).and_then(|r| r.message(seq)).map(|m| m.text.clone());
        if text.trim().is_empty() {
            self.note(t("tui-edit-needs-text"));
            self.mode = Mode::Editing { room, seq };
            return;
        }
        self.selected = None;
        if original.as_deref().map(str::trim) == Some(text.trim()) {
            return;
        }
        match self.link.core.edit(&room, seq, &text) {
            Ok(frames) => self.sent(frames),
            Err(invalid) => {
                // Kept, to fix.
                self.note(format!("⚠ {}", lang::invalid_text(&invalid)));
                self.composer.insert(&text);
                self.mode = Mode::Editing { room, seq };
            }
        }
    }

    /// `/delete`: asks first (a terminal has no undo).
    fn ask_delete(&mut self) {
        let Some((seq, _, text)) = self.target(Want::Own) else { return };
        self.mode = Mode::Deleting { room: self.current.clone(), seq, text: first_line(&text) };
    }

    /// `/search QUERY` asks the server; `/search` alone clears the hits.
    fn search(&mut self, query: &str) {
        self.clear_search();
        if query.is_empty() {
            return;
        }
        if query.chars().count() > protocol::MAX_QUERY_CHARS {
            self.note(format!(
                "⚠ {}",
                tf("tui-search-too-long", &[("max", protocol::MAX_QUERY_CHARS.into())])
            ));
            return;
        }
        let frames = self.link.core.search(query, None, None);
        if !frames.is_empty() {
            let room = self.current.clone();
            self.note_in(&room, Note::Search(tf("tui-searching", &[("query", query.into())])));
            self.search_room = Some(room);
        }
        self.sent(frames);
    }

    fn clear_search(&mut self) {
        for notes in self.notes.values_mut() {
            notes.retain(|(_, note)| matches!(note, Note::Said(_)));
        }
    }

    /// The answer to `/search`, as notes where it was asked.
    fn show_search(&mut self, results: SearchResults) {
        self.clear_search();
        let room = self.search_room.clone().unwrap_or_else(|| self.current.clone());
        let count = results.hits.len();
        let args = [("count", count.into()), ("query", (&results.query).into())];
        let heading = match count {
            0 => tf("tui-search-none", &args),
            1 => tf("tui-search-one", &args),
            _ if results.next.is_some() => tf("tui-search-newest", &args),
            _ => tf("tui-search-found", &args),
        };
        self.note_in(&room, Note::Search(heading));
        for hit in results.hits {
            let title = title_of(&self.link, &hit.message.room);
            self.note_in(&room, Note::Hit(Box::new(hit), title));
        }
    }

    /// `/upload PATH [caption]`: refused here if the file is missing, a folder or too large, or
    /// the caption too long; else it waits for a token, then goes.
    fn upload(&mut self, raw: &str) {
        let checked = upload::parse(raw).and_then(|(path, caption)| {
            let file = upload::check(&path)?;
            protocol::caption(&caption).map_err(|invalid| lang::invalid_text(&invalid))?;
            Ok((file, caption))
        });
        let (file, caption) = match checked {
            Ok(checked) => checked,
            Err(why) => return self.note(format!("⚠ {why}")),
        };
        if self.link.core.status() != Status::Connected {
            return self.note(tf("tui-upload-offline", &[("name", (&file.name).into())]));
        }
        // After `/reply` alone, the file is the reply.
        let reply_to = match std::mem::take(&mut self.mode) {
            Mode::Replying { quote } => {
                self.selected = None;
                Some(quote.seq)
            }
            other => {
                self.mode = other;
                None
            }
        };
        self.last_upload += 1;
        let job = Upload {
            id: self.last_upload,
            room: self.current.clone(),
            file,
            caption,
            reply_to,
            percent: None,
            retried: false,
        };
        self.start_upload(job);
    }

    /// Sends `job` with the cached token, or asks for one first.
    fn start_upload(&mut self, job: Upload) {
        let fresh = |expires_at: i64| expires_at - upload::TOKEN_MARGIN_MS > now_ms() as i64;
        if let Some((token, _)) = self.upload_token.as_ref().filter(|(_, at)| fresh(*at)) {
            let token = token.clone();
            return self.post(job, token);
        }
        self.upload_token = None;
        let asked = !self.waiting.is_empty();
        let name = job.file.name.clone();
        self.waiting.push(job);
        if !asked {
            let frames = self.link.core.ask_upload_token();
            if frames.is_empty() {
                self.waiting.clear();
                return self.note(tf("tui-upload-offline", &[("name", (&name).into())]));
            }
            self.link.send(frames);
        }
    }

    /// Starts the task that sends `job`'s file.
    fn post(&mut self, mut job: Upload, token: String) {
        let client = match self.http.clone().map_or_else(upload::client, Ok) {
            Ok(client) => client,
            Err(why) => return self.note(not_uploaded(&job.file.name, &why)),
        };
        self.http = Some(client.clone());
        job.percent = Some(0);
        let task =
            upload::run(client, self.base.clone(), token, job.id, job.file.clone(), self.reports_tx.clone());
        tokio::spawn(task);
        self.uploading.push(job);
    }

    /// What an upload task said; whether the screen changed.
    pub fn on_upload(&mut self, report: Report) -> bool {
        let id = match &report {
            Report::Progress { id, .. } | Report::Done { id, .. } => *id,
        };
        let Some(at) = self.uploading.iter().position(|u| u.id == id) else { return false };
        match report {
            Report::Progress { percent, .. } => {
                let before = self.uploading[at].percent.replace(percent);
                before != Some(percent)
            }
            Report::Done { result: Ok(attachment), .. } => {
                let job = self.uploading.remove(at);
                let id = uuid::Uuid::new_v4().to_string();
                let sent =
                    self.link.core.send_files(&job.room, &id, &job.caption, job.reply_to, vec![attachment]);
                match sent {
                    // Not connected: the core sends it once it is again.
                    Ok(sent) => self.link.send(sent.send),
                    Err(invalid) => self.note(format!("⚠ {}", lang::invalid_text(&invalid))),
                }
                if job.room == self.current {
                    self.scroll = 0;
                }
                true
            }
            Report::Done { result: Err(failure), .. } => {
                let mut job = self.uploading.remove(at);
                if failure.unauthorized && !job.retried {
                    // The token is no good any more (the server restarted, say): once more with
                    // a new one.
                    self.upload_token = None;
                    job.retried = true;
                    job.percent = None;
                    self.start_upload(job);
                } else {
                    self.note(not_uploaded(&job.file.name, &failure.message));
                }
                true
            }
        }
    }

    /// "Uploading cat.png… 42%" (and how many more), for the status line.
    fn upload_status(&self) -> Option<String> {
        let mut all = self.uploading.iter().chain(&self.waiting);
        let first = all.next()?;
        let more = all.count();
        let name = fit(&first.file.name, 24);
        let mut text = match first.percent {
            Some(percent) => tf(
                "tui-uploading-percent",
                &[("name", (&name).into()), ("percent", u32::from(percent).into())],
            ),
            None => tf("tui-uploading", &[("name", (&name).into())]),
        };
        if more > 0 {
            text.push(' ');
            text.push_str(&tf("tui-uploading-more", &[("count", more.into())]));
        }
        Some(text)
    }

    fn command(&mut self, line: &str) {
        let line = line.trim();
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or("");
        let arg = words.next();
        let rest: Vec<&str> = words.collect();
        // What follows the command as typed, line breaks and all (a reply, an edit).
        let raw = line[name.len()..].trim();
        let connected = self.link.core.status() == Status::Connected;
        let needs = |key: &str| tf(key, &[("command", name.into())]);
        match (name, arg) {
            ("" | "help", _) => {
                for line in HELP {
                    self.note(t(line));
                }
            }
            ("quit" | "exit", _) => self.quit = Some(0),
            ("join", Some(room)) => match protocol::room_name(room.trim_start_matches('#')) {
                Ok(room) => self.switch(&room),
                Err(invalid) => self.note(format!("⚠ {}", lang::invalid_text(&invalid))),
            },
            ("create", Some(room)) => match protocol::room_name(room.trim_start_matches('#')) {
                Ok(room) => {
                    let private = rest.first().is_some_and(|w| *w == "private");
                    self.link.send(vec![ClientEvent::CreateRoom { room: room.clone(), private }]);
                    self.switch(&room);
                }
                Err(invalid) => self.note(format!("⚠ {}", lang::invalid_text(&invalid))),
            },
            ("dm", Some(nick)) => {
                self.pending_dm = Some(nick.trim_start_matches('@').to_owned());
                self.link
                    .send(vec![ClientEvent::OpenDirect { with: nick.trim_start_matches('@').to_owned() }]);
            }
            ("invite", Some(nick)) => self.link.send(vec![ClientEvent::Invite {
                room: self.current.clone(),
                nickname: nick.trim_start_matches('@').to_owned(),
            }]),
            ("remove", Some(nick)) => self.link.send(vec![ClientEvent::Remove {
                room: self.current.clone(),
                nickname: nick.trim_start_matches('@').to_owned(),
            }]),
            ("leave", _) => {
                if self.current == protocol::DEFAULT_ROOM {
                    self.note(tf("tui-cannot-leave", &[("room", protocol::DEFAULT_ROOM.into())]));
                    return;
                }
                let left = self.current.clone();
                let outcome = self.link.core.unfollow(&left);
                self.link.send(outcome.send);
                self.notes.remove(&left);
                let next =
                    self.link.core.joined().first().cloned().unwrap_or_else(|| protocol::DEFAULT_ROOM.into());
                self.switch(&next);
            }
            ("password", None) if connected => {
                self.mode = Mode::Password { first: None, typed: String::new() };
            }
            ("password", None) => self.note(t("tui-password-offline")),
            // Never taken from the line: it would stay in the history of sent lines.
            ("password", Some(_)) => self.note(t("tui-password-alone")),
            ("typing", Some("on")) => self.set_share(true),
            ("typing", Some("off")) => self.set_share(false),
            ("typing", _) => self.note(needs("tui-needs-on-off")),
            ("reply", _) => self.reply(raw),
            ("react", Some(word)) => self.react(word),
            ("react", None) => self.note(needs("tui-needs-emoji")),
            ("edit", _) => self.edit(raw),
            ("delete", _) => self.ask_delete(),
            ("search", _) => self.search(raw),
            ("upload", _) => self.upload(raw),
            ("join" | "create", None) => self.note(needs("tui-needs-room")),
            ("dm" | "invite" | "remove", None) => self.note(needs("tui-needs-nickname")),
            _ => self.note(tf("tui-unknown-command", &[("command", name.into())])),
        }
        if !connected && matches!(name, "create" | "dm" | "invite" | "remove") {
            self.note(t("tui-not-sent"));
        }
    }

    /// Draws the whole screen.
    pub fn draw(&mut self, frame: &mut Frame) {
        DRAWS.fetch_add(1, Ordering::Relaxed);
        let area = frame.area();
        let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        let members = self.members_shown && area.width >= MEMBERS_MIN_WIDTH;
        let rooms_width = if area.width >= 50 { ROOMS_WIDTH } else { 0 };
        let [rooms, middle, right] = Layout::horizontal([
            Constraint::Length(rooms_width),
            Constraint::Min(10),
            Constraint::Length(if members { MEMBERS_WIDTH } else { 0 }),
        ])
        .areas(main);
        self.draw_rooms(frame, rooms);
        if members {
            self.draw_members(frame, right);
        }
        let width = middle.width.saturating_sub(1).max(1) as usize;
        let (composer_lines, cursor) = match &self.mode {
            // A password shows as dots, one per character typed.
            Mode::Password { typed, .. } => {
                let dots = "•".repeat(typed.chars().count());
                composer_layout(&dots, dots.len(), width)
            }
            _ => composer_layout(self.composer.text(), self.composer.cursor(), width),
        };
        let composer_height = composer_lines.len().clamp(1, COMPOSER_MAX_LINES) as u16 + 1;
        let typists = self.typist_lines(width);
        let [conversation, typing, composer] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(typists.len() as u16),
            Constraint::Length(composer_height),
        ])
        .areas(middle);
        self.draw_conversation(frame, conversation);
        frame.render_widget(Paragraph::new(typists), typing);
        // The composer, scrolled so that the cursor line shows.
        let visible = composer_height as usize - 1;
        let first = cursor.0.saturating_sub(visible - 1);
        let lines: Vec<Line> = composer_lines.into_iter().skip(first).take(visible).map(Line::from).collect();
        let block = Block::default().borders(Borders::TOP).title(self.composer_title(width));
        let inner = block.inner(composer);
        frame.render_widget(Paragraph::new(lines).block(block), composer);
        frame.set_cursor_position((inner.x + cursor.1 as u16, inner.y + (cursor.0 - first) as u16));
        self.draw_status(frame, status);
    }

    /// A key while a new password is asked for: typed, checked twice, then sent.
    fn password_key(&mut self, key: KeyEvent, ctrl: bool) {
        let Mode::Password { first, typed } = &mut self.mode else { return };
        match key.code {
            KeyCode::Char('c') if ctrl => self.quit = Some(0),
            KeyCode::Esc => {
                self.mode = Mode::Writing;
                self.note(t("tui-password-cancelled"));
            }
            KeyCode::Char(c) if !ctrl => typed.push(c),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Enter => match first.take() {
                None if typed.is_empty() => {
                    self.mode = Mode::Writing;
                    self.note(t("tui-password-empty"));
                }
                None => *first = Some(std::mem::take(typed)),
                Some(chosen) => {
                    let again = std::mem::take(typed);
                    self.mode = Mode::Writing;
                    if chosen == again {
                        let frames = self.link.core.protect(&chosen);
                        self.sent(frames);
                    } else {
                        self.note(t("tui-password-differ"));
                    }
                }
            },
            _ => {}
        }
    }

    /// What the composer is for: the room, or the reply, edit or question under way.
    fn composer_title(&self, width: usize) -> Span<'static> {
        let strong = Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD);
        let (text, style) = match &self.mode {
            // What a selection is for, while there is one.
            Mode::Writing if self.selected.is_some() => (format!(" {} ", t("tui-title-selected")), strong),
            Mode::Writing => {
                let share =
                    t(if self.link.core.share_drafts() { "tui-title-sharing" } else { "tui-title-hidden" });
                let title = title_of(&self.link, &self.current);
                (format!(" {title} · {share} "), Style::default().add_modifier(Modifier::DIM))
            }
            Mode::Replying { quote, .. } => (
                around("tui-title-replying", &[("name", (&quote.author).into())], &quote.text, width),
                strong,
            ),
            Mode::Editing { .. } => (format!(" {} ", t("tui-title-editing")), strong),
            Mode::Password { first: None, .. } => {
                let nickname = self.link.core.nickname();
                (format!(" {} ", tf("tui-title-password", &[("nickname", nickname.into())])), strong)
            }
            Mode::Password { first: Some(_), .. } => (format!(" {} ", t("tui-title-password-again")), strong),
            Mode::Deleting { text, .. } => (
                around("tui-title-delete", &[], text, width),
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
        };
        Span::styled(fit(&text, width), style)
    }

    fn draw_rooms(&self, frame: &mut Frame, area: Rect) {
        if area.width == 0 {
            return;
        }
        let me = self.me().to_owned();
        let core = &self.link.core;
        let width = area.width.saturating_sub(1) as usize;
        let lines: Vec<Line> = core
            .rooms()
            .iter()
            .map(|room| {
                // The core counts followed rooms itself and others from the server's counts.
                let unread = core.unread(&room.name);
                let mentions = core.mentions(&room.name);
                let mut style = Style::default();
                if room.name == self.current {
                    style = style.add_modifier(Modifier::REVERSED);
                } else if unread > 0 {
                    style = style.add_modifier(Modifier::BOLD);
                }
                let count = if unread > 0 { format!(" ({unread})") } else { String::new() };
                let at = if mentions > 0 { format!(" @{mentions}") } else { String::new() };
                let room_for_title =
                    width.saturating_sub(crate::text::width(&count) + crate::text::width(&at));
                let title = fit(&room.title(&me), room_for_title);
                Line::from(vec![
                    Span::styled(format!("{title}{count}"), style),
                    Span::styled(at, style.fg(Color::Yellow).add_modifier(Modifier::BOLD)),
                ])
            })
            .collect();
        let block = Block::default().borders(Borders::RIGHT).title(t("tui-rooms"));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn draw_members(&self, frame: &mut Frame, area: Rect) {
        let room = self.link.core.room(&self.current);
        let members = room.map(|r| r.members.clone()).unwrap_or_default();
        // A big room lists only the first page of its people; the count is everyone here.
        let count = room.map_or(0, |r| r.count).max(members.len());
        let width = area.width.saturating_sub(1) as usize;
        let mut lines: Vec<Line> = members
            .iter()
            .map(|m| Line::from(Span::styled(fit(m, width), Style::default().fg(name_colour(m, self.depth)))))
            .collect();
        if count > members.len() {
            let more = tf("tui-members-more", &[("count", (count - members.len()).into())]);
            lines.push(Line::from(Span::styled(
                fit(&more, width),
                Style::default().add_modifier(Modifier::DIM),
            )));
        }
        let block =
            Block::default().borders(Borders::LEFT).title(tf("tui-members", &[("count", count.into())]));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn typist_lines(&self, width: usize) -> Vec<Line<'static>> {
        let Some(room) = self.link.core.room(&self.current) else { return Vec::new() };
        room.typists
            .iter()
            .take(3)
            .map(|typist| {
                let text = match &typist.draft {
                    Some(draft) => {
                        let draft = draft.replace('\n', " ");
                        tf(
                            "tui-typing-draft",
                            &[("name", (&typist.author).into()), ("draft", (&draft).into())],
                        )
                    }
                    None => tf("tui-typing", &[("name", (&typist.author).into())]),
                };
                Line::from(Span::styled(
                    fit(&text, width),
                    Style::default().add_modifier(Modifier::ITALIC | Modifier::DIM),
                ))
            })
            .collect()
    }

    fn draw_conversation(&mut self, frame: &mut Frame, area: Rect) {
        let width = area.width.max(1) as usize;
        let height = area.height as usize;
        if width != self.width {
            self.heights.clear();
        }
        self.width = width;
        // A selection that moved is brought into view: all of it, or its top if it is taller.
        if std::mem::take(&mut self.reveal) {
            if let Some(seq) = self.selected {
                let probe = self.conversation_view(width, height, self.scroll, Some(seq));
                if let Some((below, rows)) = probe.found {
                    if below + rows > self.scroll + height {
                        self.scroll = (below + rows).saturating_sub(height);
                    } else if below < self.scroll {
                        self.scroll = below;
                    }
                }
            }
        }
        let mut view = self.conversation_view(width, height, self.scroll, None);
        // Not past the top: scrolled beyond it, show the top screen instead.
        let most = view.total.saturating_sub(height);
        if self.scroll > most {
            self.scroll = most;
            view = self.conversation_view(width, height, self.scroll, None);
        }
        self.at_top = view.reached_top && view.total <= height + self.scroll;
        self.lowest_shown = view.lowest;
        let mut visible = view.lines;
        visible.reverse();
        // Pad so the conversation sits at the bottom.
        let mut padded = vec![Line::default(); height - visible.len().min(height)];
        padded.extend(visible);
        frame.render_widget(Paragraph::new(padded), area);
        if self.scroll > 0 {
            let unseen =
                self.link.core.room(&self.current).map_or(0, |r| r.unread(self.link.core.nickname()));
            let marker = if unseen > 0 {
                format!(" {} ", tf("tui-new-below", &[("count", unseen.into())]))
            } else {
                format!(" {} ", t("tui-more-below"))
            };
            let w = crate::text::width(&marker) as u16;
            let at = Rect {
                x: area.x + area.width.saturating_sub(w),
                y: area.y + area.height.saturating_sub(1),
                width: w.min(area.width),
                height: 1,
            };
            frame.render_widget(
                Paragraph::new(Span::styled(marker, Style::default().add_modifier(Modifier::REVERSED))),
                at,
            );
        }
    }

    /// The conversation's lines from `scroll` lines above the bottom, `height` of them, bottom
    /// first. Walking up from the bottom, only the blocks on screen are wrapped into lines; the
    /// ones below are counted from remembered heights, so a view scrolled far up costs a lookup
    /// per message, not a wrap. With `find`, the walk goes on up to that message at least.
    fn conversation_view(&mut self, width: usize, height: usize, scroll: usize, find: Option<Seq>) -> View {
        let me = self.me().to_owned();
        let depth = self.depth;
        let selected = self.selected;
        let base = self.base.clone();
        let mut view = View { lines: Vec::new(), total: 0, reached_top: true, found: None, lowest: None };
        let Some(room) = self.link.core.room(&self.current) else { return view };
        let heights = self.heights.entry(self.current.clone()).or_default();
        let notes = self.notes.get(&self.current).map(Vec::as_slice).unwrap_or(&[]);
        let want = height + scroll;
        // Takes a block's lines (top first) if any of them is on screen, else only counts them.
        let place = |view: &mut View, rows: usize, lines: &dyn Fn() -> Vec<Line<'static>>| {
            let below = view.total;
            if below < want && below + rows > scroll {
                for (i, line) in lines().into_iter().rev().enumerate() {
                    let at = below + i;
                    if at >= scroll && at < want {
                        view.lines.push(line);
                    }
                }
            }
            view.total += rows;
        };
        for pending in room.pending.iter().rev() {
            let quote = pending.reply_to.map(|seq| match room.message(seq) {
                Some(m) => {
                    Quote { seq, author: m.author.clone(), text: first_line(&m.text), deleted: m.deleted }
                }
                None => Quote { seq, author: "…".into(), text: String::new(), deleted: false },
            });
            let lines =
                || pending_lines(&me, &pending.text, &pending.attachments, quote.as_ref(), width, depth);
            place(&mut view, lines().len(), &lines);
        }
        let mut system = room
            .system
            .iter()
            .map(|s| (s.after_seq, Extra::System(i18n::presence(lang::locale(), &s.person, s.joined))))
            .chain(notes.iter().map(|(seq, note)| (*seq, Extra::Note(note))))
            .collect::<Vec<_>>();
        system.sort_by_key(|(seq, _)| *seq);
        let mut extra = system.len();
        for message in room.messages.iter().rev() {
            while extra > 0 && system[extra - 1].0 >= message.seq {
                extra -= 1;
                let lines = || system[extra].1.lines(width, depth);
                place(&mut view, lines().len(), &lines);
            }
            if view.total >= want && find.is_none_or(|_| view.found.is_some()) {
                view.reached_top = false;
                break;
            }
            let look = Look { me: &me, depth, selected: selected == Some(message.seq), base: &base };
            let lines = || message_lines(message, look, width);
            let rows = *heights.entry(message.seq).or_insert_with(|| lines().len());
            if find == Some(message.seq) {
                view.found = Some((view.total, rows));
            }
            if view.lowest.is_none() && view.total + rows > scroll {
                view.lowest = Some(message.seq);
            }
            place(&mut view, rows, &lines);
        }
        if view.reached_top {
            while extra > 0 {
                extra -= 1;
                let lines = || system[extra].1.lines(width, depth);
                place(&mut view, lines().len(), &lines);
            }
            if room.has_more {
                let lines = || {
                    vec![Line::from(Span::styled(
                        t("tui-older-load"),
                        Style::default().add_modifier(Modifier::DIM),
                    ))]
                };
                place(&mut view, 1, &lines);
            }
        }
        view
    }

    /// After a draw: reaching the top asks for older history.
    pub fn after_draw(&mut self) {
        if self.at_top && self.scroll > 0 {
            let asked = self.link.core.load_older(&self.current);
            self.link.send(asked.send);
        }
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect) {
        let core = &self.link.core;
        let (text, colour) = match core.status() {
            Status::Connected => (
                format!("● {}", tf("tui-connected-as", &[("nickname", core.nickname().into())])),
                Color::Green,
            ),
            Status::Connecting => (format!("○ {}", t("tui-connecting")), Color::Yellow),
            Status::Reconnecting => {
                let left = core.retry_at().map_or(0.0, |at| ((at - now_ms()) / 1000.0).max(0.0));
                let seconds = left.ceil() as u64;
                (format!("○ {}", tf("tui-reconnecting-in", &[("seconds", seconds.into())])), Color::Yellow)
            }
            Status::Offline => (format!("○ {}", t("tui-offline")), Color::Red),
        };
        let hint = format!("  ·  {}", t("tui-status-hint"));
        let mut spans = vec![Span::styled(text, Style::default().fg(colour))];
        if let Some(uploads) = self.upload_status() {
            spans.push(Span::styled(format!("  ·  {uploads}"), Style::default().fg(Color::Cyan)));
        }
        spans.push(Span::styled(hint, Style::default().add_modifier(Modifier::DIM)));
        let line = Line::from(spans);
        frame.render_widget(Paragraph::new(line), area);
    }

    /// Lines the conversation gains from `message` at the last width (to keep a scrolled view
    /// still).
    pub fn lines_of(&self, message: &Message) -> usize {
        let look = Look { me: self.me(), depth: self.depth, selected: false, base: &self.base };
        message_lines(message, look, self.width).len()
    }
}

/// What the conversation shows: its visible lines, bottom first, and how many lines lie from
/// the bottom to as far up as the walk went.
struct View {
    lines: Vec<Line<'static>>,
    total: usize,
    reached_top: bool,
    /// The message looked for: the rows below it, and its own.
    found: Option<(usize, usize)>,
    /// The lowest message on screen (in part).
    lowest: Option<Seq>,
}

/// A line between messages: the core's ("bob joined", in the reader's language) or this
/// client's.
enum Extra<'a> {
    System(String),
    Note(&'a Note),
}

impl Extra<'_> {
    fn lines(&self, width: usize, depth: Depth) -> Vec<Line<'static>> {
        match self {
            Extra::System(text) => quiet_lines(text, true, width),
            Extra::Note(Note::Said(text) | Note::Search(text)) => quiet_lines(text, false, width),
            Extra::Note(Note::Hit(hit, room)) => hit_lines(hit, room, width, depth),
        }
    }
}

/// "⚠ NAME was not uploaded: WHY".
fn not_uploaded(name: &str, why: &str) -> String {
    format!("⚠ {}", tf("tui-not-uploaded", &[("name", name.into()), ("reason", why.into())]))
}

/// The text `key` (with `args`) around `inner`, which is cut to what room is left at `width`
/// (a composer title such as ` delete “…”? y/n `): `inner` goes where the text has `$text`.
fn around(key: &str, args: &[(&str, lang::Arg)], inner: &str, width: usize) -> String {
    const MARK: &str = "\u{1}";
    let mut all = args.to_vec();
    all.push(("text", MARK.into()));
    let whole = tf(key, &all);
    let (head, tail) = whole.split_once(MARK).unwrap_or((whole.as_str(), ""));
    let (head, tail) = (format!(" {head}"), format!("{tail} "));
    let room = width.saturating_sub(crate::text::width(&head) + crate::text::width(&tail));
    format!("{head}{}{tail}", fit(inner, room))
}

fn title_of(link: &Link, room: &str) -> String {
    let me = link.core.nickname();
    link.core.rooms().iter().find(|r| r.name == room).map_or_else(|| format!("#{room}"), |r| r.title(me))
}

/// The composer's text hard-wrapped to `width` cells, and the cursor as (line, cell).
fn composer_layout(text: &str, cursor: usize, width: usize) -> (Vec<String>, (usize, usize)) {
    let width = width.max(2);
    let mut lines = vec![String::new()];
    let mut used = 0;
    let mut at = (0, 0);
    for (i, g) in text.grapheme_indices(true) {
        if i == cursor {
            at = (lines.len() - 1, used);
        }
        if g == "\n" || g == "\r\n" {
            lines.push(String::new());
            used = 0;
            continue;
        }
        let w = cells(g);
        // Leave the last cell for the cursor.
        if used + w >= width {
            lines.push(String::new());
            used = 0;
            if i == cursor {
                at = (lines.len() - 1, 0);
            }
        }
        lines.last_mut().expect("a line").push_str(g);
        used += w;
    }
    if cursor >= text.len() {
        if used + 1 > width {
            lines.push(String::new());
            used = 0;
        }
        at = (lines.len() - 1, used);
    }
    (lines, at)
}

/// Terminal set-up, undone on exit, on Ctrl-C (a key in raw mode) and on a panic.
pub struct Terminal(pub ratatui::DefaultTerminal);

impl Terminal {
    pub fn enter() -> std::io::Result<Terminal> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            leave();
            previous(info);
        }));
        let terminal = ratatui::try_init()?;
        crossterm::execute!(std::io::stdout(), EnableBracketedPaste, EnableMouseCapture)?;
        Ok(Terminal(terminal))
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        leave();
    }
}

fn leave() {
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste, DisableMouseCapture);
    ratatui::restore();
}

/// Runs the screen until the reader quits; the exit status.
pub async fn run(link: Link, room: String, may_ask: bool, bell: bool) -> Result<i32, String> {
    let mut app = App::new(link, room, Depth::from_env(), bell);
    if let Some(share) = config::load_share_drafts() {
        app.link.core.set_share_drafts(share);
    }
    let mut terminal = Terminal::enter().map_err(|e| e.to_string())?;
    let mut events = EventStream::new();
    let mut asked = !may_ask;
    let mut dirty = true;
    loop {
        if dirty {
            terminal.0.draw(|frame| app.draw(frame)).map_err(|e| e.to_string())?;
            app.after_draw();
            dirty = false;
        }
        if std::mem::take(&mut app.ring) {
            // BEL: the terminal beeps or flashes, or marks the window, as its user chose.
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07").and_then(|()| out.flush());
        }
        if let Some(code) = app.quit {
            drop(terminal);
            return Ok(code);
        }
        let page = terminal.0.size().map_or(10, |s| s.height as usize).saturating_sub(6);
        let counting = app.link.core.status() == Status::Reconnecting;
        tokio::select! {
            update = app.link.next() => {
                let taken = update.changes.refusals.iter().any(|r| r.code == ErrorCode::NicknameTaken);
                if taken && !asked {
                    asked = true;
                    drop(terminal);
                    let password = ask_password(app.link.core.nickname());
                    terminal = Terminal::enter().map_err(|e| e.to_string())?;
                    match password {
                        Some(password) => {
                            app.link.core.set_password(Some(password));
                            app.link.reconnect_now();
                        }
                        None => app.quit = Some(2),
                    }
                    dirty = true;
                    continue;
                }
                let before = app.link.core.room(&app.current).map_or(0, |r| r.last_seq());
                dirty |= app.on_update(update);
                // Scrolled up: lines that arrived below push the offset, so the view stays still.
                if app.scroll > 0 {
                    let added: usize = app.link.core.room(&app.current).map_or(0, |r| {
                        r.messages.iter().rev().take_while(|m| m.seq > before).map(|m| app.lines_of(m)).sum()
                    });
                    app.scroll += added;
                }
            }
            event = events.next() => match event {
                Some(Ok(event)) => {
                    dirty |= app.on_event(event, page);
                }
                Some(Err(error)) => return Err(error.to_string()),
                None => app.quit = Some(0),
            },
            Some(report) = app.reports.recv() => dirty |= app.on_upload(report),
            _ = tokio::time::sleep(std::time::Duration::from_millis(1000)), if counting => dirty = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_composer_cursor_follows_wrapped_and_wide_text() {
        assert_eq!(composer_layout("", 0, 10), (vec![String::new()], (0, 0)));
        assert_eq!(composer_layout("ab\ncd", 5, 10).1, (1, 2));
        assert_eq!(composer_layout("日本語", 3, 10).1, (0, 2));
        let (lines, at) = composer_layout("abcdefgh", 8, 5);
        assert_eq!(lines, ["abcd", "efgh"]);
        assert_eq!(at, (1, 4));
        let (lines, at) = composer_layout("abcdefghi", 9, 5);
        assert_eq!(lines, ["abcd", "efgh", "i"]);
        assert_eq!(at, (2, 1));
    }

    use protocol::{Edit, ServerEvent};
    use ratatui::backend::TestBackend;

    /// A screen for "bob" in #general holding `messages` (by ann, bob's every third), never
    /// connected.
    fn app(count: u64) -> App {
        let link = Link::new("ws://127.0.0.1:9/api/live".into(), client::Core::new("bob"));
        let mut app = App::new(link, "general".into(), Depth::C16, true);
        let messages = (1..=count)
            .map(|seq| Message {
                room: "general".into(),
                seq,
                author: if seq % 3 == 0 { "bob" } else { "ann" }.into(),
                text: format!("line {seq}"),
                ..Message::default()
            })
            .collect();
        let history = ServerEvent::History {
            room: "general".into(),
            messages,
            has_more: false,
            changes: vec![],
            last: 0,
        };
        app.link.core.apply(history, 0.0);
        app
    }

    /// Draws `app` on a 60×12 screen; its rows.
    fn draw(app: &mut App) -> Vec<String> {
        let mut terminal = ratatui::Terminal::new(TestBackend::new(60, 12)).expect("a test terminal");
        terminal.draw(|frame| app.draw(frame)).expect("drawn");
        let buffer = terminal.backend().buffer();
        buffer.content.chunks(60).map(|row| row.iter().map(|c| c.symbol()).collect()).collect()
    }

    fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
        app.on_key(KeyEvent::new(code, modifiers), 8);
    }

    fn typed(app: &mut App, text: &str) {
        app.composer.insert(text);
        key(app, KeyCode::Enter, KeyModifiers::NONE);
    }

    #[test]
    fn the_selection_moves_with_alt_arrows_and_stays_in_view() {
        let mut app = app(40);
        draw(&mut app);
        for _ in 0..20 {
            key(&mut app, KeyCode::Up, KeyModifiers::ALT);
            draw(&mut app);
        }
        assert_eq!(app.selected, Some(21));
        let rows = draw(&mut app);
        let marked: Vec<&String> = rows.iter().filter(|r| r.contains('▶')).collect();
        assert_eq!(marked.len(), 1, "{rows:#?}");
        assert!(marked[0].contains("line 21"), "{rows:#?}");
        assert!(rows.iter().any(|r| r.contains("selected: /reply")), "{rows:#?}");
        // Down past the newest lets go, back at the bottom.
        for _ in 0..20 {
            key(&mut app, KeyCode::Down, KeyModifiers::ALT);
        }
        assert_eq!(app.selected, None);
        assert!(draw(&mut app).iter().any(|r| r.contains("line 40")));
        key(&mut app, KeyCode::Up, KeyModifiers::ALT);
        key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(app.selected, None);
    }

    #[test]
    fn an_edit_forgets_the_height_of_its_message() {
        let mut app = app(3);
        draw(&mut app);
        assert_eq!(app.heights["general"][&2], 1);
        let long = "a much longer text that will not fit on one row of this narrow screen";
        let edit = Edit {
            room: "general".into(),
            seq: 4,
            target: 2,
            author: "ann".into(),
            text: long.into(),
            edited_at: 1,
            ..Edit::default()
        };
        let changes = app.link.core.apply(ServerEvent::Edited(edit), 0.0);
        app.on_update(Update { changes, lost: None });
        assert!(!app.heights["general"].contains_key(&2));
        let rows = draw(&mut app);
        assert_eq!(app.heights["general"][&2], 3, "at 40 cells");
        assert!(rows.iter().any(|r| r.contains("(edited)")), "{rows:#?}");
    }

    #[test]
    fn scrolled_up_a_change_below_leaves_the_view_still() {
        let mut app = app(40);
        draw(&mut app);
        app.scroll_by(12);
        let before = draw(&mut app);
        let long = "a much longer text that will not fit on one row of this narrow screen";
        let edit = Edit {
            room: "general".into(),
            seq: 41,
            target: 39,
            author: "ann".into(),
            text: long.into(),
            edited_at: 1,
            ..Edit::default()
        };
        let changes = app.link.core.apply(ServerEvent::Edited(edit), 0.0);
        app.on_update(Update { changes, lost: None });
        assert_eq!(draw(&mut app)[..9], before[..9], "the conversation rows");
    }

    #[test]
    fn commands_pick_their_message_and_the_composer_says_what_it_does() {
        let mut app = app(5);
        // /reply alone: the last message by someone else, until Esc.
        typed(&mut app, "/reply");
        assert!(matches!(&app.mode, Mode::Replying { quote } if quote.seq == 5 && quote.text == "line 5"));
        assert!(draw(&mut app).iter().any(|r| r.contains("replying to ann: line 5")));
        key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(app.mode, Mode::Writing);
        // /edit alone: the reader's last message, in the composer; Esc empties it.
        typed(&mut app, "/edit");
        assert_eq!(app.mode, Mode::Editing { room: "general".into(), seq: 3 });
        assert_eq!(app.composer.text(), "line 3");
        assert!(draw(&mut app).iter().any(|r| r.contains("editing your message")));
        key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(app.composer.text(), "");
        // A selection wins; someone else's message cannot be deleted.
        key(&mut app, KeyCode::Up, KeyModifiers::ALT);
        key(&mut app, KeyCode::Up, KeyModifiers::ALT);
        assert_eq!(app.selected, Some(4));
        typed(&mut app, "/delete");
        assert_eq!(app.mode, Mode::Writing);
        key(&mut app, KeyCode::Up, KeyModifiers::ALT);
        typed(&mut app, "/delete");
        assert!(matches!(&app.mode, Mode::Deleting { seq: 3, .. }));
        assert!(draw(&mut app).iter().any(|r| r.contains("delete “line 3”? y/n")));
        key(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(app.mode, Mode::Writing);
        assert_eq!(app.composer.text(), "", "the answer is not typed");
        // Unknown emoji are refused before anything is sent.
        typed(&mut app, "/react :nope:");
        assert!(draw(&mut app).iter().any(|r| r.contains(":nope: is not an emoji")));
    }
    #[test]
    fn the_screen_speaks_the_readers_language() {
        crate::lang::with_locale(crate::lang::Locale::Ru, || {
            let mut app = app(3);
            let rows = draw(&mut app);
            let status = &rows[11];
            assert!(status.contains("○ подключение…") || status.contains("○ не в сети"), "{status}");
            assert!(status.contains("/ — команды"), "{status}");
            assert!(rows[0].contains("комнаты"), "{rows:#?}");
            assert!(rows.iter().any(|r| r.contains("#general · набор виден всем")), "{rows:#?}");
            typed(&mut app, "/delete");
            assert!(draw(&mut app).iter().any(|r| r.contains("удалить «line 3»? y/n")));
            key(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
            typed(&mut app, "/react :nope:");
            typed(&mut app, "/join");
            typed(&mut app, "/create 'no good'");
            let said: Vec<&str> = app.notes["general"]
                .iter()
                .filter_map(|(_, n)| if let Note::Said(t) = n { Some(t.as_str()) } else { None })
                .collect();
            assert_eq!(said[0], "⚠ Не знаю такого эмодзи: :nope:. Попробуйте 👍, :+1:, :tada: или :heart:.");
            assert_eq!(said[1], "Укажите после /join название комнаты.");
            assert!(
                said[2].starts_with("⚠ Название комнаты — от 1 до 32"),
                "by its code, not the English reason: {said:?}"
            );
        });
        // Other tests (and this thread, after) read English.
        assert!(draw(&mut app(1))[11].contains("Ctrl-C quits"));
    }

    #[test]
    fn upload_refuses_what_it_cannot_send_before_sending_anything() {
        let mut app = app(2);
        let dir = std::env::temp_dir().join(format!("natter-tui-screen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("small.txt");
        std::fs::write(&file, b"hi").unwrap();
        typed(&mut app, "/upload");
        typed(&mut app, &format!("/upload {}", dir.join("gone.png").display()));
        typed(&mut app, &format!("/upload {}", dir.display()));
        typed(
            &mut app,
            &format!("/upload {} {}", file.display(), "x".repeat(protocol::MAX_MESSAGE_CHARS + 1)),
        );
        typed(&mut app, &format!("/upload {} a caption", file.display()));
        let said: Vec<&str> = app.notes["general"]
            .iter()
            .filter_map(|(_, n)| if let Note::Said(t) = n { Some(t.as_str()) } else { None })
            .collect();
        assert!(said[0].starts_with("⚠ /upload needs a file"), "{said:?}");
        assert!(said[1].starts_with("⚠ There is no file"), "{said:?}");
        assert!(said[2].ends_with("is a folder: /upload sends one file."), "{said:?}");
        assert!(said[3].contains("at most"), "the caption is checked too: {said:?}");
        assert_eq!(said[4], "Not connected: small.txt was not uploaded.");
        assert!(app.waiting.is_empty() && app.uploading.is_empty());
        assert!(HELP.iter().any(|l| t(l).contains("/upload PATH [caption]")));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn an_upload_waits_for_its_token_shows_progress_and_sends_the_file() {
        use crate::upload::tests::{answer, serve_once, temp_file};
        let json = r#"{"id":"u1","name":"notes.txt","size":5,"mime":"text/plain"}"#;
        let (base, server) = serve_once(answer("201 Created", "", json)).await;
        let mut app = app(2);
        app.base = base;
        let (dir, file) = temp_file("notes.txt", b"hello");
        let job = |id| Upload {
            id,
            room: "general".into(),
            file: file.clone(),
            caption: "the notes".into(),
            reply_to: Some(1),
            percent: None,
            retried: false,
        };
        app.waiting.push(job(1));
        assert!(draw(&mut app)[11].contains("Uploading notes.txt…"), "waiting for the token");
        let changes =
            client::Changes { upload_token: Some(("tok".into(), i64::MAX)), ..client::Changes::default() };
        assert!(app.on_update(Update { changes, lost: None }));
        assert!(app.waiting.is_empty());
        assert_eq!(app.uploading.len(), 1);
        loop {
            let report = app.reports.recv().await.expect("a report");
            let done = matches!(report, Report::Done { .. });
            if let Report::Progress { percent, .. } = report {
                app.on_upload(report);
                let status = &draw(&mut app)[11];
                assert!(status.contains(&format!("Uploading notes.txt… {percent}%")), "{status}");
                continue;
            }
            app.on_upload(report);
            if done {
                break;
            }
        }
        let (head, _) = server.await.unwrap();
        assert!(head.to_ascii_lowercase().contains("authorization: bearer tok"), "{head}");
        assert!(app.uploading.is_empty());
        let room = app.link.core.room("general").unwrap();
        assert_eq!(room.pending.len(), 1);
        let pending = &room.pending[0];
        assert_eq!((pending.text.as_str(), pending.reply_to), ("the notes", Some(1)));
        assert_eq!(pending.attachments[0].id, "u1");
        let rows = draw(&mut app);
        // (The test screen draws a wide character's second cell as a space.)
        assert!(rows.iter().any(|r| r.contains("sending bob: the notes 📎  notes.txt")), "{rows:#?}");
        assert!(!rows[11].contains("Uploading"), "{rows:#?}");

        // The token is kept: the next upload goes at once. A refusal shows the server's words.
        let json = r#"{"code":"storage_full","message":"The server has no room for files just now."}"#;
        let (base, server) = serve_once(answer("507 Insufficient Storage", "", json)).await;
        app.base = base;
        app.start_upload(job(2));
        assert!(app.waiting.is_empty() && app.uploading.len() == 1);
        while !app.uploading.is_empty() {
            let report = app.reports.recv().await.expect("a report");
            app.on_upload(report);
        }
        server.await.unwrap();
        let rows = draw(&mut app).concat();
        assert!(rows.contains("⚠ notes.txt was not uploaded: The "), "{rows}");
        assert!(rows.contains("server has no room for files just now."), "{rows}");
        // Lost while waiting for a token: said, not left hanging.
        app.upload_token = None;
        app.waiting.push(job(3));
        app.on_update(Update { changes: client::Changes::default(), lost: Some("gone".into()) });
        assert!(app.waiting.is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
