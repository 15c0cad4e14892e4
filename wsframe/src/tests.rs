use super::*;

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn decode_all(decoder: &mut Decoder, bytes: &[u8]) -> Result<Vec<Incoming>, Fault> {
    let mut buf = bytes.to_vec();
    let mut out = Vec::new();
    while let Some(incoming) = decoder.decode(&mut buf)? {
        out.push(incoming);
    }
    Ok(out)
}

fn message(text: bool, payload: &[u8]) -> Incoming {
    Incoming::Message { text, payload: payload.to_vec() }
}

#[test]
fn the_rfc_example_of_a_masked_hello_decodes() {
    // RFC 6455 §5.7: a single-frame masked text message "Hello".
    let frame = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    assert_eq!(decode_all(&mut Decoder::new(100), &frame), Ok(vec![message(true, b"Hello")]));
    assert_eq!(client_frame(true, OpCode::Text, b"Hello", MASK), frame);
}

#[test]
fn a_frame_arriving_byte_by_byte_decodes_once_whole_and_leaves_what_follows() {
    let mut bytes = client_frame(true, OpCode::Binary, &[7; 300], MASK);
    bytes.extend(client_frame(true, OpCode::Text, b"next", MASK));
    let mut decoder = Decoder::new(1000);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for byte in bytes {
        buf.push(byte);
        if let Some(incoming) = decoder.decode(&mut buf).unwrap() {
            out.push(incoming);
        }
    }
    assert_eq!(out, vec![message(false, &[7; 300]), message(true, b"next")]);
    assert!(buf.is_empty());
}

#[test]
fn lengths_of_every_width_round_trip() {
    for len in [0, 1, 125, 126, 127, 65_535, 65_536, 100_000] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let frame = client_frame(true, OpCode::Binary, &payload, MASK);
        let expected_head = match len {
            0..=125 => 2,
            126..=65_535 => 4,
            _ => 10,
        };
        assert_eq!(Head::new(OpCode::Binary, len).as_bytes().len(), expected_head);
        assert_eq!(frame.len(), expected_head + 4 + len, "len {len}");
        assert_eq!(decode_all(&mut Decoder::new(200_000), &frame), Ok(vec![message(false, &payload)]));
    }
}

#[test]
fn fragments_join_and_control_frames_may_come_between_them() {
    let mut bytes = client_frame(false, OpCode::Text, b"Hel", MASK);
    bytes.extend(client_frame(true, OpCode::Ping, b"p", MASK));
    bytes.extend(client_frame(false, OpCode::Continuation, b"", MASK));
    bytes.extend(client_frame(true, OpCode::Continuation, "lo ✓".as_bytes(), MASK));
    assert_eq!(
        decode_all(&mut Decoder::new(100), &bytes),
        Ok(vec![Incoming::Ping(b"p".to_vec()), message(true, "Hello ✓".as_bytes())])
    );
}

#[test]
fn a_text_message_split_inside_a_character_is_valid_once_joined() {
    let text = "é".as_bytes();
    let mut bytes = client_frame(false, OpCode::Text, &text[..1], MASK);
    bytes.extend(client_frame(true, OpCode::Continuation, &text[1..], MASK));
    assert_eq!(decode_all(&mut Decoder::new(100), &bytes), Ok(vec![message(true, text)]));
}

#[test]
fn a_message_over_the_limit_is_refused_from_its_header_alone() {
    let frame = client_frame(true, OpCode::Binary, &[0; 101], MASK);
    // Only the header has arrived: the payload is never buffered.
    let mut buf = frame[..8].to_vec();
    assert_eq!(Decoder::new(100).decode(&mut buf), Err(Fault::TooBig));
    assert_eq!(Fault::TooBig.close_code(), 1009);
    // Fragments count together.
    let mut bytes = client_frame(false, OpCode::Binary, &[0; 60], MASK);
    bytes.extend(client_frame(true, OpCode::Continuation, &[0; 60], MASK));
    assert_eq!(decode_all(&mut Decoder::new(100), &bytes), Err(Fault::TooBig));
    // A length near u64::MAX does not overflow.
    let mut huge = vec![0x82, 0xFF];
    huge.extend((i64::MAX as u64).to_be_bytes());
    huge.extend(MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &huge), Err(Fault::TooBig));
}

#[test]
fn frames_breaking_the_protocol_are_refused_with_1002() {
    let unmasked = {
        let mut frame = Head::new(OpCode::Text, 2).as_bytes().to_vec();
        frame.extend(b"hi");
        frame
    };
    let reserved = {
        let mut frame = client_frame(true, OpCode::Text, b"hi", MASK);
        frame[0] |= 0x40;
        frame
    };
    let unknown_opcode = {
        let mut frame = client_frame(true, OpCode::Text, b"hi", MASK);
        frame[0] = 0x83;
        frame
    };
    let top_bit_length = {
        let mut frame = vec![0x82, 0xFF];
        frame.extend(u64::MAX.to_be_bytes());
        frame.extend(MASK);
        frame
    };
    let fragmented_ping = client_frame(false, OpCode::Ping, b"", MASK);
    let long_ping = client_frame(true, OpCode::Ping, &[0; 126], MASK);
    let stray_continuation = client_frame(true, OpCode::Continuation, b"x", MASK);
    let mut interleaved = client_frame(false, OpCode::Text, b"a", MASK);
    interleaved.extend(client_frame(true, OpCode::Binary, b"b", MASK));
    let one_byte_close = client_frame(true, OpCode::Close, &[3], MASK);
    let reserved_close_code = client_frame(true, OpCode::Close, &1005u16.to_be_bytes(), MASK);
    for (name, bytes) in [
        ("unmasked", unmasked),
        ("reserved bits", reserved),
        ("unknown opcode", unknown_opcode),
        ("length with the top bit", top_bit_length),
        ("fragmented ping", fragmented_ping),
        ("ping over 125 bytes", long_ping),
        ("continuation of nothing", stray_continuation),
        ("a message inside a message", interleaved),
        ("one-byte close", one_byte_close),
        ("close code 1005", reserved_close_code),
    ] {
        match decode_all(&mut Decoder::new(1000), &bytes) {
            Err(fault @ Fault::Protocol(_)) => assert_eq!(fault.close_code(), 1002),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn text_that_is_not_utf8_is_refused_with_1007() {
    let frame = client_frame(true, OpCode::Text, &[0xff, 0xfe], MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &frame), Err(Fault::InvalidUtf8));
    assert_eq!(Fault::InvalidUtf8.close_code(), 1007);
    // Binary messages carry any bytes.
    let frame = client_frame(true, OpCode::Binary, &[0xff, 0xfe], MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &frame), Ok(vec![message(false, &[0xff, 0xfe])]));
    let mut close = 1000u16.to_be_bytes().to_vec();
    close.push(0xff);
    let frame = client_frame(true, OpCode::Close, &close, MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &frame), Err(Fault::InvalidUtf8));
}

#[test]
fn close_frames_give_their_code() {
    let bare = client_frame(true, OpCode::Close, b"", MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &bare), Ok(vec![Incoming::Close(None)]));
    let going = client_frame(true, OpCode::Close, &close_payload(1001, "bye"), MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &going), Ok(vec![Incoming::Close(Some(1001))]));
    let pong = client_frame(true, OpCode::Pong, b"x", MASK);
    assert_eq!(decode_all(&mut Decoder::new(100), &pong), Ok(vec![Incoming::Pong]));
}

#[test]
fn a_close_reason_is_cut_to_fit_a_control_frame_on_a_character_boundary() {
    let payload = close_payload(1012, &"é".repeat(100));
    assert!(payload.len() <= MAX_CONTROL_PAYLOAD);
    assert_eq!(payload[..2], 1012u16.to_be_bytes());
    assert!(std::str::from_utf8(&payload[2..]).is_ok());
    assert_eq!(payload.len(), 2 + 122);
}

#[test]
fn server_heads_are_final_unmasked_and_sized_by_length() {
    assert_eq!(Head::new(OpCode::Binary, 5).as_bytes(), [0x82, 5]);
    assert_eq!(Head::new(OpCode::Close, 0).as_bytes(), [0x88, 0]);
    assert_eq!(Head::new(OpCode::Binary, 300).as_bytes(), [0x82, 126, 1, 44]);
    assert_eq!(Head::new(OpCode::Pong, 70_000).as_bytes(), [0x8A, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
}
