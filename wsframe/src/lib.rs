//! WebSocket framing (RFC 6455) for the server side of a connection, without I/O.
//!
//! The live transport (`server/src/live.rs`) reads bytes into a buffer and asks a
//! [`Decoder`] for whole client messages, and writes each server frame as a [`Head`] plus a
//! payload it already holds (a room's shared frame), so nothing is copied into a
//! per-connection output buffer. No extension is negotiated, so the reserved bits must be
//! clear; client frames must be masked.
//!
//! Faults map to the close codes of RFC 6455 §7.4.1 ([`Fault::close_code`]).

/// Longest payload of a control frame (ping, pong, close).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// Frame opcodes (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpCode {
    Continuation = 0,
    Text = 1,
    Binary = 2,
    Close = 8,
    Ping = 9,
    Pong = 10,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0 => OpCode::Continuation,
            1 => OpCode::Text,
            2 => OpCode::Binary,
            8 => OpCode::Close,
            9 => OpCode::Ping,
            10 => OpCode::Pong,
            _ => return None,
        })
    }

    fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// What a client sent, whole.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A data message, its fragments joined. A text message's payload is valid UTF-8.
    Message {
        text: bool,
        payload: Vec<u8>,
    },
    /// A ping, to be answered with a pong carrying the same payload.
    Ping(Vec<u8>),
    Pong,
    /// The client is closing, with its status code if it gave one.
    Close(Option<u16>),
}

/// Why a client's input cannot be read on; the connection ends with [`Fault::close_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The frames break RFC 6455 (close code 1002).
    Protocol(&'static str),
    /// A text message or close reason that is not UTF-8 (1007).
    InvalidUtf8,
    /// A message longer than the decoder's limit (1009).
    TooBig,
}

impl Fault {
    pub fn close_code(self) -> u16 {
        match self {
            Fault::Protocol(_) => 1002,
            Fault::InvalidUtf8 => 1007,
            Fault::TooBig => 1009,
        }
    }

    /// The reason sent with the close frame.
    pub fn close_reason(self) -> &'static str {
        match self {
            Fault::Protocol(_) => "protocol error",
            Fault::InvalidUtf8 => "text that is not UTF-8",
            Fault::TooBig => "frame too large",
        }
    }
}

/// A parsed client frame header.
struct Header {
    fin: bool,
    opcode: OpCode,
    len: u64,
    mask: [u8; 4],
    /// Bytes the header takes.
    size: usize,
}

/// Parses the header at the front of `buf`: `None` while it is incomplete.
fn header(buf: &[u8]) -> Result<Option<Header>, Fault> {
    let [first, second, ..] = *buf else { return Ok(None) };
    if first & 0x70 != 0 {
        return Err(Fault::Protocol("reserved bits set without an extension"));
    }
    let opcode = OpCode::from_bits(first & 0x0F).ok_or(Fault::Protocol("unknown opcode"))?;
    if second & 0x80 == 0 {
        return Err(Fault::Protocol("client frames must be masked"));
    }
    let (len, at) = match second & 0x7F {
        126 => match buf.get(2..4) {
            Some(bytes) => (u64::from(u16::from_be_bytes([bytes[0], bytes[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(bytes) => {
                let len = u64::from_be_bytes(bytes.try_into().expect("eight bytes"));
                if len >> 63 != 0 {
                    return Err(Fault::Protocol("payload length with its top bit set"));
                }
                (len, 10)
            }
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    let Some(mask) = buf.get(at..at + 4) else { return Ok(None) };
    Ok(Some(Header {
        fin: first & 0x80 != 0,
        opcode,
        len,
        mask: mask.try_into().expect("four bytes"),
        size: at + 4,
    }))
}

fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
}

/// Turns the bytes a client sends into whole messages, joining fragments and checking the
/// rules of RFC 6455 as they arrive: a message over the limit is refused from its header,
/// before its payload is buffered.
#[derive(Debug)]
pub struct Decoder {
    max_message: usize,
    /// A fragmented data message so far: whether it is text, and its payload.
    partial: Option<(bool, Vec<u8>)>,
}

impl Decoder {
    /// A decoder of messages of at most `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Decoder { max_message, partial: None }
    }

    /// Takes the frames at the front of `buf` (removing them) until one completes a message
    /// or a control frame; `None` when `buf` holds no complete frame yet. After a fault
    /// the connection must end: the decoder's state is then undefined.
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Incoming>, Fault> {
        loop {
            let Some(head) = header(buf)? else { return Ok(None) };
            if head.opcode.is_control() {
                if !head.fin {
                    return Err(Fault::Protocol("fragmented control frame"));
                }
                if head.len > MAX_CONTROL_PAYLOAD as u64 {
                    return Err(Fault::Protocol("control frame payload over 125 bytes"));
                }
            } else {
                let so_far = self.partial.as_ref().map_or(0, |(_, data)| data.len() as u64);
                if so_far.saturating_add(head.len) > self.max_message as u64 {
                    return Err(Fault::TooBig);
                }
                match (head.opcode, &self.partial) {
                    (OpCode::Continuation, None) => return Err(Fault::Protocol("continuation of nothing")),
                    (OpCode::Text | OpCode::Binary, Some(_)) => {
                        return Err(Fault::Protocol("a new message inside a fragmented one"))
                    }
                    _ => {}
                }
            }
            // The length is within the limits checked above, so it fits in memory.
            let end = head.size + head.len as usize;
            if buf.len() < end {
                return Ok(None);
            }
            let mut payload: Vec<u8> = buf.drain(..end).skip(head.size).collect();
            unmask(&mut payload, head.mask);
            let incoming = match head.opcode {
                OpCode::Ping => Incoming::Ping(payload),
                OpCode::Pong => Incoming::Pong,
                OpCode::Close => close(&payload)?,
                OpCode::Text | OpCode::Binary | OpCode::Continuation => {
                    let (text, mut data) = match self.partial.take() {
                        Some(partial) => partial,
                        None => (head.opcode == OpCode::Text, Vec::new()),
                    };
                    if data.is_empty() {
                        data = payload;
                    } else {
                        data.extend_from_slice(&payload);
                    }
                    if !head.fin {
                        self.partial = Some((text, data));
                        continue;
                    }
                    if text && std::str::from_utf8(&data).is_err() {
                        return Err(Fault::InvalidUtf8);
                    }
                    Incoming::Message { text, payload: data }
                }
            };
            return Ok(Some(incoming));
        }
    }
}

/// A close frame's payload: nothing, or a status code and a UTF-8 reason.
fn close(payload: &[u8]) -> Result<Incoming, Fault> {
    match payload {
        [] => Ok(Incoming::Close(None)),
        [_] => Err(Fault::Protocol("close payload of one byte")),
        [high, low, reason @ ..] => {
            let code = u16::from_be_bytes([*high, *low]);
            // Codes a peer may send (RFC 6455 §7.4; 1004–1006 and 1015 are reserved).
            if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
                return Err(Fault::Protocol("close code a peer may not send"));
            }
            std::str::from_utf8(reason).map_err(|_| Fault::InvalidUtf8)?;
            Ok(Incoming::Close(Some(code)))
        }
    }
}

/// The header of a whole, unmasked server frame: 2 to 10 bytes, written before its payload.
#[derive(Clone, Copy, Debug)]
pub struct Head {
    bytes: [u8; 10],
    len: u8,
}

impl Head {
    pub fn new(opcode: OpCode, payload_len: usize) -> Self {
        let mut bytes = [0u8; 10];
        bytes[0] = 0x80 | opcode as u8;
        let len = if payload_len < 126 {
            bytes[1] = payload_len as u8;
            2
        } else if let Ok(short) = u16::try_from(payload_len) {
            bytes[1] = 126;
            bytes[2..4].copy_from_slice(&short.to_be_bytes());
            4
        } else {
            bytes[1] = 127;
            bytes[2..10].copy_from_slice(&(payload_len as u64).to_be_bytes());
            10
        };
        Head { bytes, len }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// A close frame's payload: `code`, then `reason` cut to fit a control frame.
pub fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    payload
}

/// A masked client frame, as a browser would send it: for tests, the fuzzer and the
/// benchmark's assertions.
pub fn client_frame(fin: bool, opcode: OpCode, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let head = Head::new(opcode, payload.len());
    let mut frame = head.as_bytes().to_vec();
    if !fin {
        frame[0] &= 0x7F;
    }
    frame[1] |= 0x80;
    frame.extend_from_slice(&mask);
    let start = frame.len();
    frame.extend_from_slice(payload);
    unmask(&mut frame[start..], mask);
    frame
}

#[cfg(test)]
mod tests;
