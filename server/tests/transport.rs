//! The live WebSocket's transport (`server/src/live.rs`): its limits and close codes, the
//! connection limit, and a graceful stop that loses no acknowledged message.

mod support;

use futures::{SinkExt, StreamExt};
use protocol::{ClientEvent, ServerEvent};
use std::time::{Duration, Instant};
use support::{Client, Server};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};

/// Bob still chats: he says something and gets it back and acknowledged.
async fn still_chatting(bob: &mut Client, client_id: &str) {
    bob.say("general", client_id, "still here").await;
    let mut got = Vec::new();
    while got.len() < 2 {
        match bob.next().await {
            event @ (ServerEvent::Message(_) | ServerEvent::Ack { .. }) => got.push(event),
            ServerEvent::Typing { .. } | ServerEvent::StopTyping { .. } => {}
            other => panic!("bob got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_that_connection_with_1009_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    let mut huge = vec![0u8];
    huge.extend(std::iter::repeat_n(b' ', protocol::frame::MAX_CLIENT_FRAME_BYTES + 1));
    // The server may close before the whole frame is written; that is the point.
    let _ = ann.socket().send(Frame::Binary(huge.into())).await;
    let (_, code) = ann.close_code().await;
    assert_eq!(code, Some(1009), "message too big");
    still_chatting(&mut bob, "b1").await;
}

#[tokio::test]
async fn a_client_still_sending_a_frame_far_too_large_reads_its_1009() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;

    // 16 MiB: the server knows the frame is too large from its header, long before the
    // client has written it. A server that closed with the rest unread would reset the
    // connection: the client's write would fail, and the close frame could be lost (the
    // kernel drops what it has not yet sent when it resets).
    let mut huge = vec![0u8];
    huge.extend(std::iter::repeat_n(b' ', 16 << 20));
    let sent = ann.socket().send(Frame::Binary(huge.into())).await;
    assert!(sent.is_ok(), "the server reads the rest of the frame and drops it: {sent:?}");
    let (_, code) = ann.close_code().await;
    assert_eq!(code, Some(1009), "message too big");
}

#[tokio::test]
async fn pings_get_their_pong_and_a_message_in_fragments_arrives_whole() {
    use wsframe::{client_frame, OpCode};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    ann.socket().send(Frame::Ping(b"are you there".to_vec().into())).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ann.socket().next()).await {
            Ok(Some(Ok(Frame::Pong(payload)))) => break assert_eq!(&payload[..], b"are you there"),
            Ok(Some(Ok(Frame::Binary(_)))) => continue,
            other => panic!("no pong: {other:?}"),
        }
    }

    // One event in three frames, a ping between them, each masked as browsers do.
    let event = protocol::frame::encode_client(&ClientEvent::Send {
        room: "general".into(),
        client_id: "a1".into(),
        text: "in pieces".into(),
        reply_to: None,
        attachments: Vec::new(),
    });
    let (one, rest) = event.split_at(5);
    let (two, three) = rest.split_at(10);
    let mut bytes = client_frame(false, OpCode::Binary, one, [1, 2, 3, 4]);
    bytes.extend(client_frame(false, OpCode::Continuation, two, [5, 6, 7, 8]));
    bytes.extend(client_frame(true, OpCode::Ping, b"", [9, 9, 9, 9]));
    bytes.extend(client_frame(true, OpCode::Continuation, three, [0, 1, 0, 1]));
    ann.send_raw(&bytes).await;
    match bob.next().await {
        ServerEvent::Message(message) => assert_eq!(message.text, "in pieces"),
        other => panic!("bob got {other:?}"),
    }
}

#[tokio::test]
async fn frames_that_break_the_websocket_protocol_close_that_connection_with_1002_or_1007() {
    use wsframe::{client_frame, Head, OpCode};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut bob, _) = server.joined("bob", "general").await;

    let mut unmasked = Head::new(OpCode::Binary, 3).as_bytes().to_vec();
    unmasked.extend(b"\0{}");
    let not_utf8 = client_frame(true, OpCode::Text, &[0xC3, 0x28], [7, 7, 7, 7]);
    for (name, bytes, expected) in [("unmasked", unmasked, 1002), ("not UTF-8", not_utf8, 1007)] {
        let (mut ann, _) = server.joined("ann", "general").await;
        ann.send_raw(&bytes).await;
        let (_, code) = ann.close_code().await;
        assert_eq!(code, Some(expected), "{name}");
        still_chatting(&mut bob, &format!("b-{expected}")).await;
    }
}

#[tokio::test]
async fn a_client_refused_again_and_again_is_closed_with_1008_and_no_one_else_notices() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    for _ in 0..200 {
        if ann.socket().send(Frame::Binary(b"\0not json".to_vec().into())).await.is_err() {
            break;
        }
    }
    let (events, code) = ann.close_code().await;
    assert_eq!(code, Some(1008), "policy violation");
    match events.last() {
        Some(ServerEvent::Error { message, .. }) => {
            assert!(message.contains("closing this connection"), "{message}")
        }
        other => panic!("the last event should say why: {other:?}"),
    }
    still_chatting(&mut bob, "b1").await;
}

#[tokio::test]
async fn beyond_the_connection_limit_an_upgrade_is_refused_with_503_and_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--max-connections", "2"], "info");
    let ann = server.hello("ann").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    let url = format!("ws://{}{}", server.addr, protocol::LIVE_PATH);
    match tokio_tungstenite::connect_async(&url).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
        }
        Ok(_) => panic!("a third connection was accepted beyond --max-connections 2"),
        Err(other) => panic!("expected a 503 refusal, got {other}"),
    }
    // Pages are still served, and the two connections go on.
    let page = reqwest::get(server.url("/")).await.unwrap();
    assert_eq!(page.status(), 200);
    still_chatting(&mut bob, "b1").await;

    // A slot frees when a connection closes.
    ann.close().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match tokio_tungstenite::connect_async(&url).await {
            Ok(_) => break,
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(error) => panic!("no slot freed after a connection closed: {error}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_with_1012_keeps_every_acked_message_and_exits_within_5_s() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    // Messages in flight as the server is told to stop.
    for i in 0..20 {
        ann.say("general", &format!("m{i}"), &format!("message {i}")).await;
    }
    server.terminate();
    let asked = Instant::now();
    let (events, code) = ann.close_code().await;
    assert_eq!(code, Some(1012), "service restart: the client should reconnect; {:#?}", server.logs());
    let (_, code) = bob.close_code().await;
    assert_eq!(code, Some(1012));
    let status = server.wait_exit(Duration::from_secs(5)).expect("still running 5 s after SIGTERM");
    assert!(status.success(), "{status:?}");
    println!("stopped {:?} after SIGTERM", asked.elapsed());

    let acked: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Ack { client_id, .. } => Some(client_id.clone()),
            _ => None,
        })
        .collect();
    let again = Server::start(dir.path());
    let mut reader = again.hello("reader").await;
    reader.send(&ClientEvent::Join { room: "general".into(), since: Some(0) }).await;
    let mut stored = Vec::new();
    loop {
        match reader.next_raw().await {
            ServerEvent::History { messages, .. } => stored.extend(messages.into_iter().map(|m| m.client_id)),
            ServerEvent::Members { .. } => break,
            other => panic!("{other:?}"),
        }
    }
    for id in &acked {
        assert!(stored.contains(id), "{id} was acknowledged before the stop but is not stored");
    }
    // And stored once each, in the order sent.
    let mut sorted = stored.clone();
    sorted.sort_by_key(|id| id[1..].parse::<u32>().unwrap());
    sorted.dedup();
    assert_eq!(stored, sorted);
}

#[tokio::test]
async fn a_client_that_answers_nothing_is_dropped_within_three_keepalive_periods_and_leaves_presence() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--keepalive-secs", "1"], "info");
    let (mut ann, _) = server.joined("ann", "general").await;
    // Bob's client stops reading (a laptop lid closed): it answers no ping from here on.
    let (_bob, _) = server.joined("bob", "general").await;
    let started = Instant::now();
    // Bob's last frame was his join: two silent periods after it, the third tick at the
    // latest, he is dropped (the ticker's phase decides between two and three periods).
    let dropped = loop {
        let metrics = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
        if metrics.contains("natter_connections_dropped_total 1") {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_millis(3500),
            "bob was not dropped within three keepalive periods of 1 s: {metrics}"
        );
        // Ann keeps reading meanwhile, so she answers the server's pings.
        let _ = ann.try_next_raw(Duration::from_millis(50)).await;
    };
    assert!(
        dropped >= Duration::from_millis(900),
        "dropped after {dropped:?}, before a single period passed"
    );
    // His leaving is announced once the presence grace (3 s, for reloads) has passed.
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ann.next_raw()).await {
            Ok(event) if support::left(&event, "bob") => break,
            Ok(_) => continue,
            Err(_) => panic!("bob's leaving was not announced within the presence grace after his drop"),
        }
    }
    let left = started.elapsed() - dropped;
    assert!(
        (Duration::from_millis(2900)..Duration::from_millis(4000)).contains(&left),
        "left {left:?} after the drop; the presence grace is 3 s"
    );
    // Ann's client keeps reading, so it answers every ping: still connected after as long.
    let deadline = Instant::now() + Duration::from_secs(3);
    while let Some(wait) = deadline.checked_duration_since(Instant::now()) {
        let _ = ann.try_next_raw(wait).await;
    }
    still_chatting(&mut ann, "a1").await;
}

#[tokio::test]
async fn a_client_that_keeps_talking_but_never_reads_is_dropped_once_its_socket_stays_full() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--keepalive-secs", "1", "--max-messages-per-second", "1000"];
    let server = Server::start_with(dir.path(), &args, "info,natter=debug,engine=debug");
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) =
        server.connect_with_receive_buffer(4096).await.introduce("bob").await.join("general").await;
    // Bob sends a typing frame every 200 ms, so he is never silent, but reads nothing.
    let typing = tokio::spawn(async move {
        let draft = ClientEvent::Typing { room: "general".into(), draft: None };
        while bob.try_send(&draft).await {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    // Ann fills his socket and the server's send buffer (which grows to 4 MiB here): 400
    // messages of 4,000 four-byte characters, 6.4 MB, reading her own as she goes.
    let text = "😀".repeat(4000);
    let mut bob_left = false;
    for i in 0..400 {
        ann.say("general", &format!("a{i}"), &text).await;
        loop {
            match ann.next_raw().await {
                ServerEvent::Ack { .. } => break,
                event if support::left(&event, "bob") => bob_left = true,
                _ => {}
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(6);
    while !bob_left {
        let Some(wait) = deadline.checked_duration_since(Instant::now()) else {
            let logs = server.logs();
            panic!("bob was not dropped within 6 s: {:#?}", &logs[logs.len().saturating_sub(30)..]);
        };
        if let Some(event) = ann.try_next_raw(wait).await {
            bob_left = support::left(&event, "bob");
        }
    }
    typing.abort();
    let metrics = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("natter_connections_dropped_total 1"), "{metrics}");
}

#[tokio::test]
async fn a_plain_request_for_the_live_path_is_told_to_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let http = reqwest::Client::new();
    let plain = http.get(server.url(protocol::LIVE_PATH)).send().await.unwrap();
    assert_eq!(plain.status(), 426);
    assert_eq!(plain.headers()["sec-websocket-version"], "13");
    let old_version = http
        .get(server.url(protocol::LIVE_PATH))
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "8")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(old_version.status(), 426);
    let posted = http.post(server.url(protocol::LIVE_PATH)).send().await.unwrap();
    assert_eq!(posted.status(), 405);
    // The version is named only where it is the reason (426).
    assert!(posted.headers().get("sec-websocket-version").is_none());
}
