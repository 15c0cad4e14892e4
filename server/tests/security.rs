//! What protects browsers from other sites: the same-origin rule for the live WebSocket and
//! server-function POSTs, and the security headers (a CSP whose nonce the page's scripts carry).

mod support;

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, ORIGIN};
use support::Server;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn upgrade(server: &Server, origin: Option<&str>) -> Result<(), u16> {
    let mut request = format!("ws://{}{}", server.addr, protocol::LIVE_PATH).into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => Ok(()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("{other}"),
    }
}

async fn join_from(server: &Server, origin: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(server.url("/api/join"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("nickname=ann");
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn other_sites_cannot_open_the_live_connection_or_post_as_the_visitor() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let own = server.url("");
    assert_eq!(upgrade(&server, Some("http://evil.example")).await, Err(403));
    assert_eq!(upgrade(&server, Some("null")).await, Err(403));
    assert_eq!(upgrade(&server, Some(&own)).await, Ok(()));
    // Non-browser clients send no Origin (and carry no visitor's cookie).
    assert_eq!(upgrade(&server, None).await, Ok(()));

    assert_eq!(join_from(&server, Some("http://evil.example")).await, 403);
    assert_eq!(join_from(&server, Some(&own)).await, 200);
}

#[tokio::test]
async fn pages_carry_a_strict_csp_whose_nonce_their_scripts_use() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let response = reqwest::get(server.url("/")).await.unwrap();
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    for directive in
        ["default-src 'self'", "'wasm-unsafe-eval'", "object-src 'none'", "frame-ancestors 'none'"]
    {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    assert!(nonce.len() >= 16);
    // Every script of the page carries it.
    let tags: Vec<&str> = html.split("<script").skip(1).map(|rest| rest.split('>').next().unwrap()).collect();
    assert!(!tags.is_empty());
    for tag in tags {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "<script{tag}>");
    }
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    // Another page load, another nonce.
    let again = reqwest::get(server.url("/")).await.unwrap();
    assert_ne!(again.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap(), csp);
    // Not-a-page responses get the default policy.
    let missing = reqwest::get(server.url("/pkg/nothing.js")).await.unwrap();
    assert!(missing.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
}
