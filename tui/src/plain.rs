//! Plain mode, for scripts and bots: every line of standard input is sent to one room (each
//! acknowledged before the next goes), every message of the room is printed as
//! `HH:MM nickname: text`, errors go to standard error. Exits 0 once standard input has ended
//! and everything was acknowledged; 1 if the server refused a message, 2 if it refused the
//! nickname or the room.

use crate::link::Link;
use crate::{ask_password, format};
use protocol::{ErrorCode, Seq};
use std::collections::VecDeque;
use std::io::Write;
use tokio::io::AsyncBufReadExt;

pub async fn run(mut link: Link, room: String, may_ask: bool) -> i32 {
    link.core.follow(&room);
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut stdin_open = true;
    let mut printed: Seq = 0;
    let mut refused = false;
    let mut asked = !may_ask;
    let stdout = std::io::stdout();
    loop {
        tokio::select! {
            update = link.next() => {
                if let Some(reason) = update.lost {
                    eprintln!("natter-tui: connection lost ({reason}); reconnecting");
                }
                for refusal in &update.changes.refusals {
                    eprintln!("natter-tui: {}", refusal.message);
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
                    for message in state.messages.iter().filter(|m| m.seq > printed) {
                        let _ = writeln!(out, "{}", format::plain_line(message));
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
                    eprintln!("natter-tui: reading standard input: {error}");
                    stdin_open = false;
                }
            },
        }
        // One message in flight at a time: the next goes once the last is acknowledged.
        while link.core.room(&room).is_some_and(|s| s.pending.is_empty()) {
            let Some(text) = queue.pop_front() else { break };
            let id = uuid::Uuid::new_v4().to_string();
            match link.core.send(&room, &id, &text) {
                Ok(sent) => link.send(sent.send),
                Err(invalid) => {
                    eprintln!("natter-tui: {}", invalid.reason);
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
