//! Plain mode, for scripts and bots: every line of standard input is sent to one room (each
//! acknowledged before the next goes), every message of the room is printed as
//! `HH:MM nickname: text` (and ` 📎 name (size, type) URL` for each file it carries), an edit
//! as `HH:MM nickname edited #SEQ: new text` and a deletion as `HH:MM #SEQ deleted`
//! (reactions are left out); errors go to standard error. Exits 0 once
//! standard input has ended and everything was acknowledged; 1 if the server refused a
//! message, 2 if it refused the nickname or the room. What goes to standard output stays in
//! English whatever the language (scripts read it); what goes to standard error speaks the
//! reader's language.

use crate::lang::{self, tf};
use crate::link::{now_ms, Link};
use crate::{ask_password, format};
use protocol::{ErrorCode, Message, Seq};
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use tokio::io::AsyncBufReadExt;

pub async fn run(mut link: Link, room: String, may_ask: bool) -> i32 {
    link.core.follow(&room);
    let base = link.http_base();
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut stdin_open = true;
    let mut printed: Seq = 0;
    // What was printed of messages changed since they arrived, so a change is printed once
    // (reactions, or a quoted message deleted, change neither).
    let mut shown: HashMap<Seq, Shown> = HashMap::new();
    let mut refused = false;
    let mut asked = !may_ask;
    let stdout = std::io::stdout();
    loop {
        tokio::select! {
            update = link.next() => {
                if let Some(reason) = update.lost {
                    eprintln!("natter-tui: {}", tf("tui-plain-lost", &[("reason", (&reason).into())]));
                }
                for refusal in &update.changes.refusals {
                    eprintln!("natter-tui: {}", lang::error_text(refusal.code, &refusal.message));
                    match refusal.code {
                        ErrorCode::NicknameTaken if !asked => {
                            asked = true;
                            match ask_password(link.core.nickname()) {
                                Some(password) => {
                                    link.core.set_password(Some(password));
                                    link.reconnect_now();
                                }
                                None => return 2,
                            }
                        }
                        ErrorCode::NicknameTaken
                        | ErrorCode::WrongPassword
                        | ErrorCode::TooManyAttempts
                        | ErrorCode::InvalidNickname
                        | ErrorCode::InvalidRoom => return 2,
                        ErrorCode::UnknownRoom if refusal.room.as_deref() == Some(room.as_str()) => return 2,
                        ErrorCode::RateLimited => {}
                        _ if refusal.client_id.is_some() => refused = true,
                        _ => {}
                    }
                }
                if let Some(state) = link.core.room(&room) {
                    let mut out = stdout.lock();
                    // Changes first: they are to messages printed before.
                    for (_, seq) in update.changes.edited.iter().filter(|(r, seq)| *r == room && *seq <= printed) {
                        let Some(message) = state.message(*seq) else { continue };
                        if let Some(line) = change_line(message, shown.get(seq), now_ms() as i64) {
                            let _ = writeln!(out, "{line}");
                            shown.insert(*seq, Shown::of(message));
                        }
                    }
                    for message in state.messages.iter().filter(|m| m.seq > printed) {
                        if message.deleted {
                            let _ = writeln!(out, "{} #{} deleted", format::local_time(message.sent_at), message.seq);
                        } else {
                            let _ = writeln!(out, "{}", format::plain_line(message, &base));
                        }
                        if message.deleted || message.edited_at.is_some() {
                            shown.insert(message.seq, Shown::of(message));
                        }
                    }
                    let _ = out.flush();
                    printed = state.last_seq().max(printed);
                }
            }
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(line)) => {
                    if !line.trim().is_empty() {
                        queue.push_back(line);
                    }
                }
                Ok(None) => stdin_open = false,
                Err(error) => {
                    let error = error.to_string();
                    eprintln!("natter-tui: {}", tf("tui-plain-stdin", &[("error", (&error).into())]));
                    stdin_open = false;
                }
            },
        }
        // One message in flight at a time: the next goes once the last is acknowledged.
        while link.core.room(&room).is_some_and(|s| s.pending.is_empty()) {
            let Some(text) = queue.pop_front() else { break };
            let id = uuid::Uuid::new_v4().to_string();
            match link.core.send(&room, &id, &text, None) {
                Ok(sent) => link.send(sent.send),
                Err(invalid) => {
                    eprintln!("natter-tui: {}", lang::invalid_text(&invalid));
                    refused = true;
                }
            }
        }
        let idle = link.core.room(&room).is_some_and(|s| s.pending.is_empty());
        if !stdin_open && queue.is_empty() && idle {
            return if refused { 1 } else { 0 };
        }
    }
}

/// What plain mode last printed of a message: its edit, or that it is deleted.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shown {
    edited_at: Option<i64>,
    deleted: bool,
}

impl Shown {
    fn of(message: &Message) -> Shown {
        Shown { edited_at: message.edited_at, deleted: message.deleted }
    }
}

/// The line for a change to `message` since `before` was printed of it, if it is one plain mode
/// prints (an edit or a deletion; `now` is the time of a deletion).
fn change_line(message: &Message, before: Option<&Shown>, now: i64) -> Option<String> {
    let before = before.copied().unwrap_or(Shown { edited_at: None, deleted: false });
    if message.deleted {
        return (!before.deleted).then(|| format!("{} #{} deleted", format::local_time(now), message.seq));
    }
    let edited_at = message.edited_at.filter(|at| Some(*at) != before.edited_at)?;
    let (at, text) = (format::local_time(edited_at), format::one_line(&message.text));
    Some(format!("{at} {} edited #{}: {text}", message.author, message.seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_and_deletions_are_printed_once() {
        let mut message =
            Message { seq: 4, author: "ann".into(), text: "new\ntext".into(), ..Message::default() };
        assert_eq!(change_line(&message, None, 0), None, "a reaction: nothing");
        message.edited_at = Some(0);
        let at = format::local_time(0);
        assert_eq!(change_line(&message, None, 0), Some(format!("{at} ann edited #4: new\\ntext")));
        assert_eq!(change_line(&message, Some(&Shown::of(&message)), 0), None);
        message.delete();
        assert_eq!(change_line(&message, None, 0), Some(format!("{at} #4 deleted")));
        assert_eq!(change_line(&message, Some(&Shown::of(&message)), 0), None);
    }
}
