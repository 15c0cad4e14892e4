//! The server-rendered pages and the plain-HTML forms that work without JavaScript.

mod support;

use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, REFERER, SET_COOKIE};
use reqwest::redirect::Policy;
use support::Server;

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Submits a form the way a browser without JavaScript does.
async fn post_form(
    server: &Server,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let body = form.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&");
    let mut request = http()
        .post(server.url(path))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html")
        .header(REFERER, server.url("/"))
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn page(server: &Server, cookie: Option<&str>) -> String {
    let mut request = http().get(server.url("/"));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success());
    response.text().await.unwrap()
}

/// Follows a redirect `Location` (absolute, since it comes from the Referer) as a browser would.
async fn page_at(location: &str, cookie: Option<&str>) -> String {
    assert!(location.starts_with("http://"), "{location}");
    let mut request = http().get(location);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn join_and_post_work_as_plain_forms_and_history_is_server_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());

    let html = page(&server, None).await;
    assert!(html.contains(r#"<label for="nickname">Nickname</label>"#), "{html}");
    assert!(html.contains(r#"action="/api/join""#));

    let joined = post_form(&server, "/api/join", None, &[("nickname", "Zoë")]).await;
    assert_eq!(joined.status(), 302);
    let cookie = joined.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(joined.headers()[SET_COOKIE].to_str().unwrap().contains("HttpOnly"));

    let html = page(&server, Some(&cookie)).await;
    assert!(html.contains(r#"role="log""#));
    assert!(html.contains("Zoë"));

    let posted = post_form(
        &server,
        "/api/post",
        Some(&cookie),
        &[("room", "general"), ("client_id", "form-1"), ("text", "Hello <b>from</b> a form")],
    )
    .await;
    assert_eq!(posted.status(), 302);
    // Posting the same form again (a browser resubmit) stores it once.
    post_form(
        &server,
        "/api/post",
        Some(&cookie),
        &[("room", "general"), ("client_id", "form-1"), ("text", "Hello <b>from</b> a form")],
    )
    .await;

    let html = page(&server, Some(&cookie)).await;
    assert_eq!(html.matches("Hello &lt;b&gt;from&lt;/b&gt; a form").count(), 1, "{html}");
    assert!(!html.contains("<b>from</b>"));
}

#[tokio::test]
async fn form_errors_come_back_to_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());

    let refused = post_form(&server, "/api/join", None, &[("nickname", "   ")]).await;
    assert_eq!(refused.status(), 302);
    assert!(refused.headers().get(SET_COOKIE).is_none());
    let location = refused.headers()[LOCATION].to_str().unwrap().to_owned();
    let html = page_at(&location, None).await;
    assert!(html.contains("Please choose a nickname."), "{html}");

    let joined = post_form(&server, "/api/join", None, &[("nickname", "ann")]).await;
    let cookie = joined.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let too_long = "y".repeat(4001);
    let refused = post_form(
        &server,
        "/api/post",
        Some(&cookie),
        &[("room", "general"), ("client_id", "f2"), ("text", &too_long)],
    )
    .await;
    let location = refused.headers()[LOCATION].to_str().unwrap().to_owned();
    let html = page_at(&location, Some(&cookie)).await;
    assert!(html.contains("at most 4000 characters"), "{html}");
    assert!(!html.contains(&too_long));
}
