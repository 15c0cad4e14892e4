//! Private rooms and direct messages: a third person never receives anything of them, by any
//! route — the live WebSocket (join, history, typing, presence, the room list), the
//! server-rendered page, or a server function called directly.

mod support;

use protocol::{ClientEvent, ErrorCode, RoomInfo, RoomKind, ServerEvent};
use reqwest::header::COOKIE;
use std::time::Duration;
use support::{Client, Server};

/// Calls a server function as the app does (JSON answer): (status, body).
async fn call(server: &Server, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> (u16, String) {
    let response = server.call_function(path, cookie, form).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The `room_page` server function's status and answer for the browser holding `cookie`.
async fn room_page(server: &Server, cookie: Option<&str>, room: &str) -> (u16, String) {
    let response = server.call_json("/api/room_page", cookie, serde_json::json!({ "room": room })).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A live connection of the browser holding `cookie`, after hello; returns the room list.
async fn live(server: &Server, cookie: &str, nickname: &str) -> (Client, Vec<RoomInfo>) {
    server.live(cookie, nickname).await
}

/// The room page's status and HTML for the browser holding `cookie`.
async fn page(server: &Server, path: &str, cookie: &str) -> (u16, String) {
    let response = reqwest::Client::new().get(server.url(path)).header(COOKIE, cookie).send().await.unwrap();
    (response.status().as_u16(), support::without_marks(&response.text().await.unwrap()))
}

async fn until_history(client: &mut Client) {
    loop {
        match client.next().await {
            ServerEvent::History { .. } => return,
            ServerEvent::RoomCreated { .. } => {}
            other => panic!("expected history, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_third_person_never_receives_a_private_room_or_direct_message_by_any_route() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let (ann, bob, cat) =
        (server.sign_in("ann").await, server.sign_in("bob").await, server.sign_in("cat").await);
    // Cat listens from the start; everything she receives is checked at the end.
    let (mut cat_live, _) = live(&server, &cat, "cat").await;
    let (mut ann_live, _) = live(&server, &ann, "ann").await;
    let (mut bob_live, _) = live(&server, &bob, "bob").await;

    // Ann makes a private room over the socket and invites Bob with the server function.
    ann_live.send(&ClientEvent::CreateRoom { room: "plans".into(), private: true }).await;
    assert!(
        matches!(ann_live.next().await, ServerEvent::RoomCreated { room } if room.kind == RoomKind::Private)
    );
    let (status, body) =
        call(&server, "/api/invite", Some(&ann), &[("room", "plans"), ("nickname", "Bob")]).await;
    assert_eq!(status, 200, "{body}");
    // A direct conversation, opened with the server function.
    let (status, body) = call(&server, "/api/open_direct", Some(&ann), &[("with", "bob")]).await;
    assert_eq!(status, 200, "{body}");
    let dm: RoomInfo = serde_json::from_str(&body).unwrap();
    assert_eq!(dm.kind, RoomKind::Direct);

    for room in ["plans", &dm.name] {
        ann_live.send(&ClientEvent::Join { room: room.into(), since: None }).await;
        until_history(&mut ann_live).await;
        bob_live.send(&ClientEvent::Join { room: room.into(), since: None }).await;
        until_history(&mut bob_live).await;
    }
    ann_live.say("plans", "p1", "SECRET-PLAN surprise party").await;
    ann_live.say(&dm.name, "d1", "SECRET-DM are you coming").await;
    ann_live.send(&ClientEvent::Typing { room: "plans".into(), draft: Some("SECRET-DRAFT".into()) }).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let ServerEvent::Message(m) = bob_live.next().await {
            seen.push(m.text);
        }
    }
    // Order is kept within a room, not across two rooms.
    seen.sort();
    assert_eq!(seen, ["SECRET-DM are you coming", "SECRET-PLAN surprise party"]);

    // Cat asks by every route; each says the rooms do not exist.
    for room in ["plans", &dm.name] {
        cat_live.send(&ClientEvent::Join { room: room.into(), since: Some(0) }).await;
        assert!(matches!(cat_live.next().await, ServerEvent::Error { code: ErrorCode::UnknownRoom, .. }));
        cat_live.send(&ClientEvent::LoadOlder { room: room.into(), before: 100, until: None }).await;
        assert!(matches!(cat_live.next().await, ServerEvent::Error { code: ErrorCode::NotJoined, .. }));
        cat_live.send(&ClientEvent::Typing { room: room.into(), draft: Some("hi".into()) }).await;
        assert!(matches!(cat_live.next().await, ServerEvent::Error { code: ErrorCode::NotJoined, .. }));

        let (status, html) = page(&server, &format!("/r/{room}"), &cat).await;
        assert_eq!(status, 404);
        assert!(!html.contains("SECRET"), "{html}");
        // Bob, a member, gets the room and its messages; Cat, who is not, gets `NotFound`.
        let (status, body) = room_page(&server, Some(&bob), room).await;
        assert!(status == 200 && body.contains("SECRET"), "{status} {body}");
        let (status, body) = room_page(&server, Some(&cat), room).await;
        assert!(status >= 400 && body.contains("NotFound") && !body.contains("SECRET"), "{status} {body}");
        let (status, body) =
            call(&server, "/api/post", Some(&cat), &[("room", room), ("client_id", "x1"), ("text", "hi")])
                .await;
        assert_ne!(status, 200, "{body}");
        let (status, _) =
            call(&server, "/api/invite", Some(&cat), &[("room", room), ("nickname", "cat")]).await;
        assert_ne!(status, 200);
        // Without any cookie, too.
        let (status, body) = room_page(&server, None, room).await;
        assert!(status >= 400 && body.contains("NotFound") && !body.contains("SECRET"), "{status} {body}");
    }
    // Cat's page and room list show neither.
    let (status, html) = page(&server, "/", &cat).await;
    assert_eq!(status, 200);
    assert!(!html.contains("plans") && !html.contains(&dm.name) && !html.contains("SECRET"), "{html}");
    let (_, rooms) = live(&server, &cat, "cat").await;
    assert_eq!(rooms.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["general"]);
    // A connection without a cookie cannot pass for a member.
    let mut guest = server.connect().await;
    guest.send(&ClientEvent::Hello { nickname: "bob".into(), password: None }).await;
    assert!(matches!(guest.next().await, ServerEvent::Error { code: ErrorCode::NicknameTaken, .. }));

    // Bob sees both, on the page too.
    let (status, html) = page(&server, "/r/plans", &bob).await;
    assert_eq!(status, 200);
    assert!(html.contains("SECRET-PLAN surprise party"));

    // Removed, Bob is told once and gets nothing more from the room, by any route.
    let (status, body) =
        call(&server, "/api/remove_member", Some(&ann), &[("room", "plans"), ("nickname", "bob")]).await;
    assert_eq!(status, 200, "{body}");
    bob_live.until_removed("plans").await;
    ann_live.say("plans", "p2", "SECRET-AFTER bob left").await;
    let after = bob_live.drain(Duration::from_millis(500)).await;
    assert!(!format!("{after:?}").contains("SECRET-AFTER"), "{after:?}");
    assert_eq!(page(&server, "/r/plans", &bob).await.0, 404);

    let received = cat_live.drain(Duration::from_millis(300)).await;
    let everything = format!("{received:?}");
    assert!(!everything.contains("SECRET") && !everything.contains("plans"), "{everything}");
    assert!(!everything.contains(&dm.name), "{everything}");
}
