//! Frames on the live WebSocket: one tag byte, then one JSON event (`docs/protocol.md`).
//!
//! The tag is the framing of Leptos' `Websocket<JsonEncoding, JsonEncoding>` protocol, which
//! the browser app speaks: `0` before an event, `1` before a transport-level error. The
//! server reads every client frame through [`decode_client`]; it is the entry point the fuzz
//! target (`fuzz/fuzz_targets/client_frame.rs`) hammers with arbitrary bytes.

use crate::{ClientEvent, ErrorCode, Invalid, ServerEvent};

/// The tag byte before an event.
pub const TAG_EVENT: u8 = 0;
/// The tag byte before a transport-level error (a client's encoder failed).
pub const TAG_ERROR: u8 = 1;

/// The largest client frame the server reads, in bytes. The longest valid event (a message
/// of `MAX_MESSAGE_CHARS` characters of up to a few bytes each, JSON-escaped) fits well
/// within it; the transport refuses anything larger before it is even buffered whole.
pub const MAX_CLIENT_FRAME_BYTES: usize = 256 * 1024;

fn bad(reason: impl Into<String>) -> Invalid {
    Invalid::new(ErrorCode::BadFrame, reason)
}

/// Parses one client frame. Never panics, whatever the bytes: a frame that is too large,
/// empty, wrongly tagged, not JSON or not a known event is an [`ErrorCode::BadFrame`] with a
/// reason a person can read. (Field rules such as room names are checked where each event
/// is handled.)
pub fn decode_client(frame: &[u8]) -> Result<ClientEvent, Invalid> {
    if frame.len() > MAX_CLIENT_FRAME_BYTES {
        return Err(bad(format!("A frame can have at most {MAX_CLIENT_FRAME_BYTES} bytes.")));
    }
    match frame.split_first() {
        None => Err(bad("An empty frame is not an event.")),
        Some((&TAG_EVENT, json)) => {
            serde_json::from_slice(json).map_err(|error| bad(format!("Not a valid event: {error}.")))
        }
        Some((&TAG_ERROR, _)) => Err(bad("The client sent an error instead of an event.")),
        Some((tag, _)) => {
            Err(bad(format!("Unknown tag byte {tag}: a frame is the byte 0, then a JSON event.")))
        }
    }
}

fn tagged<T: serde::Serialize>(event: &T) -> Vec<u8> {
    let mut frame = Vec::with_capacity(128);
    frame.push(TAG_EVENT);
    // Serialising these types cannot fail: no maps with non-string keys, no custom
    // serialisers that error, and writing to a Vec does not fail.
    let _ = serde_json::to_writer(&mut frame, event);
    frame
}

/// Encodes one server event as a frame.
pub fn encode_server(event: &ServerEvent) -> Vec<u8> {
    tagged(event)
}

/// Encodes one client event as a frame (the clients' side of [`decode_client`]).
pub fn encode_client(event: &ClientEvent) -> Vec<u8> {
    tagged(event)
}

/// Parses one server frame (the clients' side of [`encode_server`]); `None` for anything else.
pub fn decode_server(frame: &[u8]) -> Option<ServerEvent> {
    match frame.split_first() {
        Some((&TAG_EVENT, json)) => serde_json::from_slice(json).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_a_clear_error() {
        let event = ClientEvent::Send {
            room: "general".into(),
            client_id: "c1".into(),
            text: "hé 👋".into(),
            reply_to: None,
            attachments: Vec::new(),
        };
        let frame = encode_client(&event);
        assert_eq!(frame[0], TAG_EVENT);
        assert_eq!(decode_client(&frame), Ok(event));
        let welcome = ServerEvent::Welcome { nickname: "ann".into() };
        assert_eq!(decode_server(&encode_server(&welcome)), Some(welcome));

        for (garbage, says) in [
            (&b""[..], "empty"),
            (b"\0\xff\xfe", "Not a valid event"),
            (b"\0", "Not a valid event"),
            (b"\0{", "Not a valid event"),
            (b"\0[]", "Not a valid event"),
            (b"\0{\"type\":\"shout\"}", "Not a valid event"),
            (b"\0null", "Not a valid event"),
            (b"{\"type\":\"leave\",\"room\":\"a\"}", "Unknown tag byte 123"),
            (b"\x01{\"Request\":\"x\"}", "an error instead"),
        ] {
            let error = decode_client(garbage).unwrap_err();
            assert_eq!(error.code, ErrorCode::BadFrame, "{garbage:?}");
            assert!(error.reason.contains(says), "{garbage:?}: {}", error.reason);
        }
        let deep = format!("\0{}", "[".repeat(100_000));
        assert_eq!(decode_client(deep.as_bytes()).unwrap_err().code, ErrorCode::BadFrame);
        let huge = vec![b' '; MAX_CLIENT_FRAME_BYTES + 1];
        assert!(decode_client(&huge).unwrap_err().reason.contains("at most"));
    }
}
