//! Arbitrary bytes as what a client writes to its live connection, arriving in arbitrary
//! pieces: the WebSocket decoder never panics, never yields more than its limit, a text
//! message is UTF-8, a control payload fits a control frame, and how the bytes were cut up
//! changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe::{Decoder, Fault, Incoming, MAX_CONTROL_PAYLOAD};

const LIMIT: usize = 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else { return };
    let whole = decode(stream, stream.len().max(1));
    let pieces = decode(stream, usize::from(cut % 16) + 1);
    assert_eq!(whole, pieces, "the same bytes cut differently decode differently");
});

/// Everything the decoder yields from `stream` fed `piece` bytes at a time, and the fault
/// that ended it, if one did.
fn decode(stream: &[u8], piece: usize) -> (Vec<Incoming>, Option<Fault>) {
    let mut decoder = Decoder::new(LIMIT);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for chunk in stream.chunks(piece) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(incoming)) => {
                    match &incoming {
                        Incoming::Message { text, payload } => {
                            assert!(payload.len() <= LIMIT);
                            assert!(!text || std::str::from_utf8(payload).is_ok());
                        }
                        Incoming::Ping(payload) => assert!(payload.len() <= MAX_CONTROL_PAYLOAD),
                        Incoming::Pong | Incoming::Close(_) => {}
                    }
                    out.push(incoming);
                }
                Ok(None) => break,
                Err(fault) => return (out, Some(fault)),
            }
        }
    }
    (out, None)
}
