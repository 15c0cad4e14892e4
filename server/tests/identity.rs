//! Who is who: signed session cookies, unique nicknames, passwords, and what a connection may
//! claim to be.

mod support;

use protocol::{ClientEvent, ErrorCode, ServerEvent};
use reqwest::header::{COOKIE, SET_COOKIE};
use support::Server;

/// The room page as a browser presenting `cookie` gets it (without hydration marks).
async fn page(server: &Server, cookie: &str) -> String {
    let response = reqwest::Client::new().get(server.url("/")).header(COOKIE, cookie).send().await.unwrap();
    support::without_marks(&response.text().await.unwrap())
}

/// Calls a server function the way the app does (JSON answer); returns (status, cookie, body).
async fn call(
    server: &Server,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let response = server.call_function(path, cookie, form).await;
    let status = response.status().as_u16();
    let cookie =
        response.headers().get(SET_COOKIE).map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, cookie, response.text().await.unwrap())
}

async fn join(
    server: &Server,
    nickname: &str,
    password: &str,
    cookie: Option<&str>,
) -> Result<String, String> {
    let (status, set_cookie, body) =
        call(server, "/api/join", cookie, &[("nickname", nickname), ("password", password)]).await;
    match status {
        200 => Ok(set_cookie.expect("a session cookie")),
        _ => Err(body),
    }
}

#[tokio::test]
async fn nicknames_belong_to_one_browser_unless_protected_by_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = join(&server, "Ann", "", None).await.unwrap();
    assert!(ann.starts_with("natter_session="));
    // The same browser keeps it; others cannot take it in any spelling.
    assert!(join(&server, "ann", "", Some(&ann)).await.is_ok());
    for other in ["Ann", "ANN", "Ａｎｎ"] {
        let refused = join(&server, other, "", None).await.unwrap_err();
        assert!(refused.contains("is taken"), "{refused}");
    }
    // Protected, it can be used from another browser with the password only.
    let (status, _, body) = call(&server, "/api/protect", Some(&ann), &[("password", "short")]).await;
    assert_ne!(status, 200, "{body}");
    let (status, _, _) =
        call(&server, "/api/protect", Some(&ann), &[("password", "correct horse battery")]).await;
    assert_eq!(status, 200);
    assert!(join(&server, "ann", "wrong password", None).await.unwrap_err().contains("Wrong password"));
    let elsewhere = join(&server, "ANN", "correct horse battery", None).await.unwrap();
    // Both browsers are now Ann, as her messages show.
    let (mut a, _) = server.joined("guest", "general").await;
    let (status, _, _) = call(
        &server,
        "/api/post",
        Some(&elsewhere),
        &[("room", "general"), ("client_id", "x1"), ("text", "hi")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(matches!(a.next().await, ServerEvent::Message(m) if m.author == "Ann"));
    // Repeated wrong passwords are refused for a while.
    let mut last = String::new();
    for _ in 0..6 {
        last = join(&server, "ann", "guessing guessing", None).await.unwrap_err();
    }
    assert!(last.contains("Too many"), "{last}");
}

#[tokio::test]
async fn a_forged_or_foreign_cookie_signs_nobody_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = join(&server, "ann", "", None).await.unwrap();
    let forged = "natter_session=1";
    let html = page(&server, forged).await;
    assert!(
        html.contains(r#"<label for="nickname">Nickname</label>"#),
        "a forged cookie must show the prompt"
    );
    let (status, _, _) =
        call(&server, "/api/post", Some(forged), &[("room", "general"), ("client_id", "f"), ("text", "hi")])
            .await;
    assert_ne!(status, 200);
    // A cookie signed by another server's key is no better.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Server::start(other_dir.path());
    let foreign = join(&other, "ann", "", None).await.unwrap();
    let html = page(&server, &foreign).await;
    assert!(html.contains(r#"<label for="nickname">Nickname</label>"#));
    let html = page(&server, &ann).await;
    assert!(html.contains("You are"));
}

#[tokio::test]
async fn a_connection_can_only_speak_as_who_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let ann = join(&server, "ann", "correct horse battery", None).await.unwrap();

    // Ann's browser cannot say hello as someone else.
    let mut browser = server.connect_with_cookie(&ann).await;
    browser.send(&ClientEvent::Hello { nickname: "bob".into(), password: None }).await;
    assert!(matches!(browser.next().await, ServerEvent::Error { code: ErrorCode::NicknameTaken, .. }));
    browser.send(&ClientEvent::Hello { nickname: "ANN".into(), password: None }).await;
    assert_eq!(browser.next().await, ServerEvent::Welcome { nickname: "ann".into() });

    // Without the cookie, "ann" needs her password; unclaimed names are guests.
    let mut bot = server.connect().await;
    bot.send(&ClientEvent::Hello { nickname: "ann".into(), password: None }).await;
    assert!(matches!(bot.next().await, ServerEvent::Error { code: ErrorCode::NicknameTaken, .. }));
    bot.send(&ClientEvent::Hello { nickname: "ann".into(), password: Some("nope nope nope".into()) }).await;
    assert!(matches!(bot.next().await, ServerEvent::Error { code: ErrorCode::WrongPassword, .. }));
    bot.send(&ClientEvent::Hello { nickname: "ann".into(), password: Some("correct horse battery".into()) })
        .await;
    assert_eq!(bot.next().await, ServerEvent::Welcome { nickname: "ann".into() });
    let mut guest = server.connect().await;
    guest.send(&ClientEvent::Hello { nickname: "robot".into(), password: None }).await;
    assert_eq!(guest.next().await, ServerEvent::Welcome { nickname: "robot".into() });
}
