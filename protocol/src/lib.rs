//! Natter's wire contract, shared by the server, the browser app, the terminal client and the
//! load generator. Serde types only: no I/O, builds for native and wasm32.
//!
//! Every frame on the live WebSocket carries one [`ClientEvent`] (client to server) or one
//! [`ServerEvent`] (server to client) as JSON; `docs/protocol.md` shows each with examples.

mod event;
pub mod frame;
mod mood;
mod tag_first;
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

/// A number of bytes split the way people read it: below 1,000 the bytes themselves, else a
/// value in decimal units (as browsers and file managers show them) with one decimal below 10:
/// 2.5 KB, 512 KB, 1.2 MB, 26 MB. A value that would round to 1,000 moves to the next unit
/// (999,999 bytes are 1.0 MB). Integer arithmetic only: the browser's build carries no float
/// formatting for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeParts {
    /// The whole part of the value (the bytes, when `unit` is 0).
    pub whole: u64,
    /// The first decimal, for values below 10 of a unit above bytes.
    pub tenth: Option<u8>,
    /// 0 bytes, 1 kilobytes, 2 megabytes, 3 gigabytes, 4 terabytes, 5 petabytes.
    pub unit: usize,
}

/// The largest unit [`SizeParts::unit`] names.
pub const SIZE_UNITS: usize = 5;

/// `bytes` as [`SizeParts`].
pub fn size_parts(bytes: u64) -> SizeParts {
    if bytes < 1000 {
        return SizeParts { whole: bytes, tenth: None, unit: 0 };
    }
    let bytes = u128::from(bytes);
    let (mut unit, mut scale) = (1, 1000u128);
    // At 999.5 of a unit or more the rounded value would read 1000: use the next unit.
    while unit < SIZE_UNITS && 2 * bytes >= 1999 * scale {
        unit += 1;
        scale *= 1000;
    }
    if 20 * bytes < 199 * scale {
        let tenths = (10 * bytes + scale / 2) / scale;
        SizeParts { whole: (tenths / 10) as u64, tenth: Some((tenths % 10) as u8), unit }
    } else {
        SizeParts { whole: ((bytes + scale / 2) / scale) as u64, tenth: None, unit }
    }
}

/// A file size in English, as the server's own error sentences say it: "1 byte", "512 bytes",
/// "2.5 KB", "26 MB". The clients say it in the reader's language (`i18n::size`).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; SIZE_UNITS + 1] = ["bytes", "KB", "MB", "GB", "TB", "PB"];
    let parts = size_parts(bytes);
    match (parts.unit, parts.tenth) {
        (0, _) if parts.whole == 1 => "1 byte".to_owned(),
        (unit, Some(tenth)) => format!("{}.{tenth} {}", parts.whole, UNITS[unit]),
        (unit, None) => format!("{} {}", parts.whole, UNITS[unit]),
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
        assert_eq!(human_size(0), "0 bytes");
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(1000), "1.0 KB");
        assert_eq!(human_size(2_500), "2.5 KB");
        assert_eq!(human_size(9_949), "9.9 KB");
        assert_eq!(human_size(9_950), "10 KB");
        assert_eq!(human_size(512_000), "512 KB");
        assert_eq!(human_size(999_499), "999 KB");
        assert_eq!(human_size(999_500), "1.0 MB", "rounding up moves to the next unit");
        assert_eq!(human_size(999_999), "1.0 MB");
        assert_eq!(human_size(1_234_567), "1.2 MB");
        assert_eq!(human_size(4_500_000), "4.5 MB");
        assert_eq!(human_size(26_214_400), "26 MB");
        assert_eq!(human_size(3_000_000_000), "3.0 GB");
        assert_eq!(human_size(u64::MAX), "18447 PB");
    }

    #[test]
    fn size_parts_agree_with_floating_point_rounding() {
        // The integer arithmetic against the obvious float version, over many magnitudes.
        let mut n: u64 = 1;
        while n < u64::MAX / 3 {
            for bytes in [n, n + 1, n * 2 - 1, n / 2 * 3] {
                let parts = size_parts(bytes);
                if bytes < 1000 {
                    assert_eq!(parts, SizeParts { whole: bytes, tenth: None, unit: 0 });
                    continue;
                }
                let mut value = bytes as f64 / 1000.0;
                let mut unit = 1;
                while value >= 999.5 && unit < SIZE_UNITS {
                    value /= 1000.0;
                    unit += 1;
                }
                assert_eq!(parts.unit, unit, "{bytes}");
                let shown = match parts.tenth {
                    Some(t) => parts.whole as f64 + f64::from(t) / 10.0,
                    None => parts.whole as f64,
                };
                let step = if parts.tenth.is_some() { 0.05 } else { 0.5 };
                assert!((shown - value).abs() <= step + 1e-9, "{bytes}: {shown} against {value}");
            }
            n = n.saturating_mul(7) / 3 + 1;
        }
    }
}
