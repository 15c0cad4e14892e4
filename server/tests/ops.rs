//! The operator's view: health, readiness and metrics.

mod support;

use support::Server;

async fn get(server: &Server, path: &str) -> (u16, String) {
    let response = reqwest::get(server.url(path)).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn value(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("{name} missing from\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn health_readiness_and_metrics_reflect_what_happens() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    assert_eq!(get(&server, "/healthz").await, (200, "ok\n".into()));
    assert_eq!(get(&server, "/readyz").await, (200, "ready\n".into()));

    let (_, before) = get(&server, "/metrics").await;
    assert_eq!(value(&before, "natter_connections"), 0.0);
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;
    ann.say("general", "m1", "hello").await;
    // The message reaches the room at commit, a moment before the post that stored it
    // finishes counting; the sender's ack comes after that.
    let (mut message, mut ack) = (false, false);
    while !(message && ack) {
        match ann.next().await {
            protocol::ServerEvent::Message(_) => message = true,
            protocol::ServerEvent::Ack { .. } => ack = true,
            _ => {}
        }
    }
    while !matches!(bob.next().await, protocol::ServerEvent::Message(_)) {}
    let (_, during) = get(&server, "/metrics").await;
    assert_eq!(value(&during, "natter_connections"), 2.0);
    assert_eq!(value(&during, "natter_messages_in_total"), 1.0);
    assert_eq!(value(&during, "natter_deliveries_total"), 2.0);
    assert_eq!(value(&during, "natter_store_append_seconds_count"), 1.0);
    assert!(during.contains("natter_lag_resyncs_total 0") && during.contains("natter_rate_limited_total 0"));

    ann.close().await;
    bob.close().await;
    let deadline = std::time::Instant::now() + support::WAIT;
    loop {
        let (_, after) = get(&server, "/metrics").await;
        if value(&after, "natter_connections") == 0.0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "connections never went back to 0:\n{after}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn logs_are_json_on_request_with_a_span_per_connection_and_no_message_text_or_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--log-format", "json"], "debug,hyper=info,tower=info");
    let cookie = {
        let response = reqwest::Client::new()
            .post(server.url("/api/join"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body("nickname=ann&password=hunter2-but-longer")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
    };
    let mut ann = server.connect_with_cookie(&cookie).await;
    ann.send(&protocol::ClientEvent::Hello { nickname: "ann".into(), password: None }).await;
    ann.send(&protocol::ClientEvent::Join { room: "general".into(), since: None }).await;
    ann.say("general", "m1", "a very private sentence").await;
    while !matches!(ann.next().await, protocol::ServerEvent::Ack { .. }) {}
    let mut other = server.connect().await;
    other
        .send(&protocol::ClientEvent::Hello {
            nickname: "ann".into(),
            password: Some("hunter2-but-longer".into()),
        })
        .await;
    assert!(matches!(other.next().await, protocol::ServerEvent::Welcome { .. }));
    ann.close().await;
    other.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let logs = server.logs();
    for line in &logs {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(entry["level"].is_string() && entry["timestamp"].is_string(), "{line}");
        assert!(!line.contains("private sentence") && !line.contains("hunter2"), "leaked: {line}");
    }
    let closed: Vec<&String> = logs.iter().filter(|l| l.contains("connection closed")).collect();
    assert_eq!(closed.len(), 2, "{logs:#?}");
    let spans: Vec<serde_json::Value> = closed
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["span"].clone())
        .collect();
    assert!(spans.iter().all(|s| s["name"] == "connection" && s["id"].is_number()), "{spans:?}");
    assert!(spans.iter().all(|s| s["person"] == "ann"), "{spans:?}");
    assert_ne!(spans[0]["id"], spans[1]["id"]);
}
