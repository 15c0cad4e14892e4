//! The full-screen client: rooms on the left with unread counts, the conversation in the
//! middle, members on the right, the composer and a status line. It draws only when
//! something changed: an event from the server, a key, a resize, or the reconnect countdown.

use crate::colour::{name_colour, Depth};
use crate::composer::Composer;
use crate::link::{now_ms, Link, Update};
use crate::text::{cells, wrap};
use crate::{ask_password, config, format};
use client::Status;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event, EventStream,
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use futures::StreamExt;
use protocol::{ClientEvent, ErrorCode, Message, Mood, RoomKind, Seq};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use unicode_segmentation::UnicodeSegmentation;

/// Screens drawn so far (the idle figure: none while nothing changes).
pub static DRAWS: AtomicU64 = AtomicU64::new(0);

/// Below this width the members fold away.
const MEMBERS_MIN_WIDTH: u16 = 70;
const ROOMS_WIDTH: u16 = 20;
const MEMBERS_WIDTH: u16 = 16;
/// The composer grows up to this many lines.
const COMPOSER_MAX_LINES: usize = 6;

const HELP: &[&str] = &[
    "/join ROOM · /create ROOM [private] · /dm NICK · /invite NICK · /remove NICK · /leave",
    "/password (protect your nickname) · /typing on|off · /help · /quit",
    "Enter sends, Alt-Enter is a new line, Up brings back sent lines, Tab completes names",
    "PageUp/PageDown or the wheel scroll · Ctrl-N/Ctrl-P switch rooms · F2 members · Ctrl-T share typing · Ctrl-C quits",
];

pub struct App {
    pub link: Link,
    pub current: String,
    pub composer: Composer,
    /// Lines scrolled up from the bottom of the conversation.
    pub scroll: usize,
    pub members_shown: bool,
    /// Lines of this client's own (help, refusals) per room, after a `seq`.
    notes: HashMap<String, Vec<(Seq, String)>>,
    depth: Depth,
    /// A direct conversation asked for, opened when it arrives.
    pending_dm: Option<String>,
    /// The conversation's width at the last draw (to keep the view still as lines arrive).
    width: usize,
    /// The last draw showed the first message held.
    at_top: bool,
    /// Rows each message takes at `width`, per room by `seq` (a message's text never changes
    /// under its `seq`); forgotten when the width changes.
    heights: HashMap<String, HashMap<Seq, usize>>,
    pub quit: Option<i32>,
    /// `/password` was typed: the loop asks for it (without echo) off the screen.
    pub wants_password: bool,
}

impl App {
    pub fn new(link: Link, room: String, depth: Depth) -> App {
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
            heights: HashMap::new(),
            quit: None,
            wants_password: false,
        };
        app.link.core.follow(&room);
        app
    }

    fn note(&mut self, text: impl Into<String>) {
        let seq = self.link.core.room(&self.current).map_or(0, |r| r.last_seq());
        let text = text.into();
        self.notes.entry(self.current.clone()).or_default().push((seq, text));
        self.scroll = 0;
    }

    fn me(&self) -> &str {
        self.link.core.nickname()
    }

    /// Applies what the link brought; whether the screen changed.
    pub fn on_update(&mut self, update: Update) -> bool {
        let changes = update.changes;
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
            self.note(format!("⚠ {}", refusal.message));
        }
        if changes.protected {
            self.note(format!(
                "Your nickname {} is protected: from now on it needs this password.",
                self.link.core.nickname()
            ));
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
            self.link.core.mark_read(&self.current);
        }
        dirty
    }

    /// Makes `room` the one on screen, following it if needed.
    pub fn switch(&mut self, room: &str) {
        let stop = self.link.core.stop_typing();
        self.link.send(stop);
        let followed = self.link.core.follow(room);
        self.link.send(followed.send);
        self.current = room.to_owned();
        self.scroll = 0;
        self.link.core.mark_read(room);
    }

    /// A key, the mouse, a paste or a resize; whether the screen changed.
    pub fn on_event(&mut self, event: Event, page: usize) -> bool {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, page),
            Event::Paste(text) => {
                self.composer.insert(&text);
                self.typed();
            }
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
            self.link.core.mark_read(&self.current);
        }
    }

    fn on_key(&mut self, key: KeyEvent, page: usize) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
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
        let frames = if text.starts_with('/') {
            self.link.core.stop_typing()
        } else {
            self.link.core.draft_changed(&self.current, &text, now_ms())
        };
        self.link.send(frames);
    }

    fn set_share(&mut self, share: bool) {
        self.link.core.set_share_drafts(share);
        config::save_share_drafts(share);
        self.note(format!("Sharing what you type is {}.", if share { "on" } else { "off" }));
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
        let (prefix, bare) = match word.strip_prefix('#') {
            Some(rest) => ("#", rest),
            None => ("", word.trim_start_matches('@')),
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
        if text.trim().is_empty() {
            return;
        }
        if let Some(command) = text.trim().strip_prefix('/') {
            self.command(command);
            return;
        }
        let id = uuid::Uuid::new_v4().to_string();
        match self.link.core.send(&self.current, &id, &text) {
            Ok(sent) => self.link.send(sent.send),
            Err(invalid) => self.note(format!("⚠ {}", invalid.reason)),
        }
        self.scroll = 0;
    }

    fn command(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or("");
        let arg = words.next();
        let rest: Vec<&str> = words.collect();
        let connected = self.link.core.status() == Status::Connected;
        let needs = |what: &str| format!("/{name} needs {what}.");
        match (name, arg) {
            ("" | "help", _) => {
                for line in HELP {
                    self.note(*line);
                }
            }
            ("quit" | "exit", _) => self.quit = Some(0),
            ("join", Some(room)) => match protocol::room_name(room.trim_start_matches('#')) {
                Ok(room) => self.switch(&room),
                Err(invalid) => self.note(format!("⚠ {}", invalid.reason)),
            },
            ("create", Some(room)) => match protocol::room_name(room.trim_start_matches('#')) {
                Ok(room) => {
                    let private = rest.first().is_some_and(|w| *w == "private");
                    self.link.send(vec![ClientEvent::CreateRoom { room: room.clone(), private }]);
                    self.switch(&room);
                }
                Err(invalid) => self.note(format!("⚠ {}", invalid.reason)),
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
                    self.note(format!("{} cannot be left.", protocol::DEFAULT_ROOM));
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
            ("password", None) if connected => self.wants_password = true,
            ("password", None) => self.note("Not connected: try /password again once connected."),
            // Never taken from the line: it would stay in the history of sent lines.
            ("password", Some(_)) => self.note("Type /password alone: the password is asked without echo."),
            ("typing", Some("on")) => self.set_share(true),
            ("typing", Some("off")) => self.set_share(false),
            ("typing", _) => self.note(needs("on or off")),
            ("join" | "create", None) => self.note(needs("a room name")),
            ("dm" | "invite" | "remove", None) => self.note(needs("a nickname")),
            _ => self.note(format!("Unknown command /{name}: / lists them.")),
        }
        if !connected && matches!(name, "create" | "dm" | "invite" | "remove") {
            self.note("Not connected: that was not sent.");
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
        let (composer_lines, cursor) = composer_layout(self.composer.text(), self.composer.cursor(), width);
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
        let share = if self.link.core.share_drafts() { "sharing what you type" } else { "typing hidden" };
        let block = Block::default().borders(Borders::TOP).title(Span::styled(
            format!(" {} · {share} ", title_of(&self.link, &self.current)),
            Style::default().add_modifier(Modifier::DIM),
        ));
        let inner = block.inner(composer);
        frame.render_widget(Paragraph::new(lines).block(block), composer);
        frame.set_cursor_position((inner.x + cursor.1 as u16, inner.y + (cursor.0 - first) as u16));
        self.draw_status(frame, status);
    }

    fn draw_rooms(&self, frame: &mut Frame, area: Rect) {
        if area.width == 0 {
            return;
        }
        let me = self.me().to_owned();
        let joined = self.link.core.joined();
        let lines: Vec<Line> = self
            .link
            .core
            .rooms()
            .iter()
            .map(|room| {
                let unread = if joined.contains(&room.name) { self.link.core.unread(&room.name) } else { 0 };
                let mut style = Style::default();
                if room.name == self.current {
                    style = style.add_modifier(Modifier::REVERSED);
                } else if unread > 0 {
                    style = style.add_modifier(Modifier::BOLD);
                }
                let count = if unread > 0 { format!(" ({unread})") } else { String::new() };
                let width = area.width.saturating_sub(1) as usize;
                Line::from(Span::styled(fit(&format!("{}{count}", room.title(&me)), width), style))
            })
            .collect();
        let block = Block::default().borders(Borders::RIGHT).title("rooms");
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
            let more = format!("… {} more", count - members.len());
            lines.push(Line::from(Span::styled(
                fit(&more, width),
                Style::default().add_modifier(Modifier::DIM),
            )));
        }
        let block = Block::default().borders(Borders::LEFT).title(format!("members {count}"));
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn typist_lines(&self, width: usize) -> Vec<Line<'static>> {
        let Some(room) = self.link.core.room(&self.current) else { return Vec::new() };
        room.typists
            .iter()
            .take(3)
            .map(|t| {
                let text = match &t.draft {
                    Some(draft) => format!("{} is typing: {}", t.author, draft.replace('\n', " ")),
                    None => format!("{} is typing…", t.author),
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
        let mut view = self.conversation_view(width, height, self.scroll);
        // Not past the top: scrolled beyond it, show the top screen instead.
        let most = view.total.saturating_sub(height);
        if self.scroll > most {
            self.scroll = most;
            view = self.conversation_view(width, height, self.scroll);
        }
        self.at_top = view.reached_top && view.total <= height + self.scroll;
        let mut visible = view.lines;
        visible.reverse();
        // Pad so the conversation sits at the bottom.
        let mut padded = vec![Line::default(); height - visible.len().min(height)];
        padded.extend(visible);
        frame.render_widget(Paragraph::new(padded), area);
        if self.scroll > 0 {
            let unseen =
                self.link.core.room(&self.current).map_or(0, |r| r.unread(self.link.core.nickname()));
            let marker =
                if unseen > 0 { format!(" {unseen} new ↓ ") } else { " ↓ more below ".to_owned() };
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
    /// per message, not a wrap.
    fn conversation_view(&mut self, width: usize, height: usize, scroll: usize) -> View {
        let me = self.me().to_owned();
        let depth = self.depth;
        let mut view = View { lines: Vec::new(), total: 0, reached_top: true };
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
            let lines = || pending_lines(&me, &pending.text, width, depth);
            place(&mut view, lines().len(), &lines);
        }
        let mut system = room
            .system
            .iter()
            .map(|s| (s.after_seq, s.text.as_str(), true))
            .chain(notes.iter().map(|(seq, t)| (*seq, t.as_str(), false)))
            .collect::<Vec<_>>();
        system.sort_by_key(|(seq, _, _)| *seq);
        let mut extra = system.len();
        for message in room.messages.iter().rev() {
            while extra > 0 && system[extra - 1].0 >= message.seq {
                extra -= 1;
                let (_, text, quiet) = system[extra];
                let lines = || quiet_lines(text, quiet, width);
                place(&mut view, lines().len(), &lines);
            }
            if view.total >= want {
                view.reached_top = false;
                break;
            }
            let lines = || message_lines(message, message.author == me, width, depth);
            let rows = *heights.entry(message.seq).or_insert_with(|| lines().len());
            place(&mut view, rows, &lines);
        }
        if view.reached_top {
            while extra > 0 {
                extra -= 1;
                let (_, text, quiet) = system[extra];
                let lines = || quiet_lines(text, quiet, width);
                place(&mut view, lines().len(), &lines);
            }
            if room.has_more {
                let lines = || {
                    vec![Line::from(Span::styled(
                        "… older messages load as you scroll",
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
            Status::Connected => (format!("● connected as {}", core.nickname()), Color::Green),
            Status::Connecting => ("○ connecting…".to_owned(), Color::Yellow),
            Status::Reconnecting => {
                let left = core.retry_at().map_or(0.0, |at| ((at - now_ms()) / 1000.0).max(0.0));
                (format!("○ reconnecting in {}s", left.ceil() as u64), Color::Yellow)
            }
            Status::Offline => ("○ offline".to_owned(), Color::Red),
        };
        let hint = "  ·  / for commands · F2 members · Ctrl-C quits";
        let line = Line::from(vec![
            Span::styled(text, Style::default().fg(colour)),
            Span::styled(hint, Style::default().add_modifier(Modifier::DIM)),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }

    /// Lines the conversation gains from `message` at the last width (to keep a scrolled view
    /// still).
    pub fn lines_of(&self, message: &Message) -> usize {
        message_lines(message, message.author == self.me(), self.width, self.depth).len()
    }
}

/// What the conversation shows: its visible lines, bottom first, and how many lines lie from
/// the bottom to as far up as the walk went.
struct View {
    lines: Vec<Line<'static>>,
    total: usize,
    reached_top: bool,
}

fn title_of(link: &Link, room: &str) -> String {
    let me = link.core.nickname();
    link.core.rooms().iter().find(|r| r.name == room).map_or_else(|| format!("#{room}"), |r| r.title(me))
}

/// `text` cut to `width` cells.
fn fit(text: &str, width: usize) -> String {
    if crate::text::width(text) <= width {
        return text.to_owned();
    }
    // Room for the ellipsis.
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = cells(g);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push_str(g);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

fn message_lines(message: &Message, own: bool, width: usize, depth: Depth) -> Vec<Line<'static>> {
    let time = format::local_time(message.sent_at);
    let nick = Style::default().fg(name_colour(&message.author, depth)).add_modifier(Modifier::BOLD);
    let dim = Style::default().add_modifier(Modifier::DIM);
    let body = if own { Style::default().fg(Color::Reset) } else { Style::default() };
    let mark = if own { "▌" } else { " " };
    let mood = format!(" {} ", Mood::of(message.mood).emoji());
    let pieces = [
        (mark, nick),
        (time.as_str(), dim),
        (" ", dim),
        (message.author.as_str(), nick),
        (mood.as_str(), dim),
        (message.text.as_str(), body),
    ];
    to_lines(wrap(&pieces, width))
}

fn pending_lines(me: &str, text: &str, width: usize, depth: Depth) -> Vec<Line<'static>> {
    let dim = Style::default().add_modifier(Modifier::DIM);
    let nick = Style::default().fg(name_colour(me, depth)).add_modifier(Modifier::DIM);
    to_lines(wrap(&[("▌", nick), ("sending ", dim), (me, nick), (": ", dim), (text, dim)], width))
}

fn quiet_lines(text: &str, system: bool, width: usize) -> Vec<Line<'static>> {
    let style = if system {
        Style::default().add_modifier(Modifier::DIM | Modifier::ITALIC)
    } else {
        Style::default().fg(Color::Yellow)
    };
    let prefix = if system { "  — " } else { "  " };
    to_lines(wrap(&[(prefix, style), (text, style)], width))
}

fn to_lines(wrapped: Vec<Vec<(String, Style)>>) -> Vec<Line<'static>> {
    wrapped
        .into_iter()
        .map(|pieces| Line::from(pieces.into_iter().map(|(t, s)| Span::styled(t, s)).collect::<Vec<_>>()))
        .collect()
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
pub async fn run(link: Link, room: String, may_ask: bool) -> Result<i32, String> {
    let mut app = App::new(link, room, Depth::from_env());
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
                    if std::mem::take(&mut app.wants_password) {
                        drop(terminal);
                        let chosen = new_password(app.link.core.nickname());
                        terminal = Terminal::enter().map_err(|e| e.to_string())?;
                        match chosen {
                            Ok(password) => {
                                let frames = app.link.core.protect(&password);
                                app.link.send(frames);
                            }
                            Err(why) => app.note(why),
                        }
                        dirty = true;
                    }
                }
                Some(Err(error)) => return Err(error.to_string()),
                None => app.quit = Some(0),
            },
            _ = tokio::time::sleep(std::time::Duration::from_millis(1000)), if counting => dirty = true,
        }
    }
}

/// Asks twice, without echo, for the password to protect `nickname` with.
fn new_password(nickname: &str) -> Result<String, &'static str> {
    let first = rpassword::prompt_password(format!("New password for {nickname} (8+ characters): "))
        .map_err(|_| "Could not read a password.")?;
    if first.is_empty() {
        return Err("No password given: nothing changed.");
    }
    let again = rpassword::prompt_password("The same again: ").map_err(|_| "Could not read a password.")?;
    if first == again {
        Ok(first)
    } else {
        Err("The two passwords differ: nothing changed.")
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

    #[test]
    fn fitting_cuts_by_cells() {
        assert_eq!(fit("general", 20), "general");
        assert_eq!(fit("日本語の部屋", 5), "日本…");
    }
}
