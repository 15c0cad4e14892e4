//! The live WebSocket's transport (`server/src/live.rs`): its limits and close codes, the
//! connection limit, and a graceful stop that loses no acknowledged message.

mod support;

use futures::SinkExt;
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
