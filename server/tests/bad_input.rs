//! Bad input gets a clear error to its sender alone; the connection, everyone else and the
//! store carry on untouched.

mod support;

use protocol::{ClientEvent, ErrorCode, ServerEvent};
use std::time::Duration;
use support::{Client, Server};
use tokio_tungstenite::tungstenite::Message as Frame;

async fn expect_error(client: &mut Client, code: ErrorCode) -> String {
    match client.next().await {
        ServerEvent::Error { code: got, message, .. } => {
            assert_eq!(got, code, "{message}");
            assert!(!message.is_empty());
            message
        }
        other => panic!("expected {code:?} error, got {other:?}"),
    }
}

/// After the bad input, the sender's connection still works and Bob saw none of it.
async fn still_fine(server: &Server, ann: &mut Client, bob: &mut Client, id: &str) {
    ann.say("general", id, "still fine").await;
    loop {
        match ann.next().await {
            ServerEvent::Ack { client_id, .. } if client_id == id => break,
            ServerEvent::Message(_) => {}
            other => panic!("{other:?}"),
        }
    }
    match bob.next().await {
        ServerEvent::Message(m) => {
            assert_eq!((m.client_id.as_str(), m.text.as_str()), (id, "still fine"))
        }
        other => panic!("Bob must only see good messages, got {other:?}"),
    }
    let _ = server;
}

#[tokio::test]
async fn bad_messages_are_refused_to_the_sender_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    ann.say("general", "e1", "").await;
    expect_error(&mut ann, ErrorCode::EmptyMessage).await;
    ann.say("general", "e2", " \n\t  ").await;
    expect_error(&mut ann, ErrorCode::EmptyMessage).await;
    ann.say("general", "e3", &"x".repeat(4001)).await;
    let reason = expect_error(&mut ann, ErrorCode::MessageTooLong).await;
    assert!(reason.contains("4000"), "{reason}");
    // 4000 emoji are within the limit: it counts characters, not bytes.
    ann.say("general", "e4", &"🎉".repeat(4000)).await;
    assert!(matches!(ann.next().await, ServerEvent::Message(_) | ServerEvent::Ack { .. }));
    let _ = ann.next().await;
    assert!(matches!(bob.next().await, ServerEvent::Message(m) if m.seq == 1));
    still_fine(&server, &mut ann, &mut bob, "ok-1").await;

    // Nothing bad was stored: the history holds only the two good messages.
    let (_, history) = server.joined("cat", "general").await;
    assert_eq!(history.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2]);
}

#[tokio::test]
async fn bad_nicknames_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut eve = server.connect().await;
    for bad in ["", "   ", &"n".repeat(33), "bad\u{0}name", "tab\tname", "new\nline"] {
        eve.send(&ClientEvent::Hello { nickname: bad.into(), password: None }).await;
        expect_error(&mut eve, ErrorCode::InvalidNickname).await;
    }
    // Without a valid nickname nothing can be joined or sent.
    eve.send(&ClientEvent::Join { room: "general".into(), since: None }).await;
    expect_error(&mut eve, ErrorCode::NoNickname).await;
    eve.say("general", "x", "hi").await;
    expect_error(&mut eve, ErrorCode::NoNickname).await;
    // The same connection can still fix it.
    eve.send(&ClientEvent::Hello { nickname: "eve".into(), password: None }).await;
    assert_eq!(eve.next().await, ServerEvent::Welcome { nickname: "eve".into() });
    assert!(matches!(eve.next().await, ServerEvent::Rooms { rooms } if rooms[0].name == "general"));
    // Rooms that do not exist cannot be joined.
    eve.send(&ClientEvent::Join { room: "nowhere".into(), since: None }).await;
    expect_error(&mut eve, ErrorCode::UnknownRoom).await;
}

#[tokio::test]
async fn frames_that_do_not_parse_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    let garbage: Vec<Frame> = vec![
        Frame::Text("hello there".into()),
        Frame::Binary(vec![0u8, b'{', b'x'].into()),
        Frame::Binary(b"\x00{\"type\":\"shout\",\"text\":\"hi\"}".to_vec().into()),
        Frame::Binary(b"\x00{\"type\":\"send\",\"room\":\"general\"}".to_vec().into()),
        Frame::Binary(b"\x00[1,2,3]".to_vec().into()),
        Frame::Binary(vec![7u8, 1, 2, 3].into()),
        Frame::Binary(Vec::new().into()),
    ];
    for frame in garbage {
        ann.send_frame(frame).await;
        expect_error(&mut ann, ErrorCode::BadFrame).await;
    }
    ann.say("general", "bad id with spaces", "hi").await;
    expect_error(&mut ann, ErrorCode::InvalidClientId).await;
    ann.say("nowhere", "c1", "hi").await;
    expect_error(&mut ann, ErrorCode::NotJoined).await;
    ann.send(&ClientEvent::Join { room: "no spaces allowed".into(), since: None }).await;
    expect_error(&mut ann, ErrorCode::InvalidRoom).await;

    still_fine(&server, &mut ann, &mut bob, "ok-2").await;
    assert_eq!(bob.try_next(Duration::from_millis(300)).await, None);
}
