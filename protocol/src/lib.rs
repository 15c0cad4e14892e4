//! Natter's wire contract, shared by the server, the browser app, the terminal client and the
//! load generator. Serde types only: no I/O, builds for native and wasm32.
//!
//! Every frame on the live WebSocket carries one [`ClientEvent`] (client to server) or one
//! [`ServerEvent`] (server to client) as JSON; `docs/protocol.md` shows each with examples.

mod event;
pub mod frame;
mod mood;
mod validate;

pub use event::*;
pub use mood::Mood;
pub use validate::*;

/// The stable path of the live WebSocket (a Leptos server function with a fixed endpoint).
pub const LIVE_PATH: &str = "/api/live";

/// The room everyone lands in.
pub const DEFAULT_ROOM: &str = "general";

/// How many messages a join replays when the client has seen nothing of the room yet.
pub const HISTORY_PAGE: usize = 50;

/// A reply's quote of the message it answers keeps at most this many characters of its first
/// line.
pub const QUOTE_CHARS: usize = 100;

/// A message may carry this many different reactions (emoji); more are refused with
/// `too_many_reactions`.
pub const MAX_REACTIONS_PER_MESSAGE: usize = 20;

/// Unread counts stop at this many (clients show "999+").
pub const UNREAD_CAP: u32 = 999;

/// A message carries at most this many files.
pub const MAX_ATTACHMENTS: usize = 10;

/// A file size as people read it: decimal units, "512 B", "1.2 MB", "26 MB". Every client
/// and the server's errors say sizes the same way.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value < 10.0 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.0} {}", UNITS[unit]),
    }
}

/// `text` as one segment of a URL path (RFC 3986 unreserved characters kept, the rest
/// percent-encoded as UTF-8).
pub fn url_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A search query is at most this many characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Search answers at most this many hits at a time.
pub const SEARCH_PAGE: usize = 20;

/// Above this many people present a room is big: presence carries its count only, and the
/// member list is paged on demand (`list_members`) instead of sent whole.
pub const BIG_ROOM: usize = 500;

/// The people a `members` frame of a big room or a `member_page` holds at most.
pub const MEMBER_PAGE: usize = 100;

/// A room's arrivals and departures are gathered and sent as one `presence` event at most
/// this often.
pub const PRESENCE_PERIOD_MS: u64 = 250;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1000), "1.0 kB");
        assert_eq!(human_size(1_234_567), "1.2 MB");
        assert_eq!(human_size(4_500_000), "4.5 MB");
        assert_eq!(human_size(26_214_400), "26 MB");
    }
}
