//! Several `natter` nodes on one PostgreSQL database, talking through Redis: people on
//! different nodes share one chat with the same guarantees as on one node. Each test starts
//! real server processes on a fresh database (see `support::services`; without PostgreSQL
//! or Redis they are skipped unless `NATTER_REQUIRE_SERVICES=1`).

mod support;

use protocol::{ClientEvent, ServerEvent};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};
use support::services::{self, OwnRedis};
use support::{Client, Server};

/// Every node of a cluster signs sessions with the same secret.
const SECRET: &str = "the-cluster-secret-of-the-scale-out-tests-0123456789";

async fn node(dir: &Path, database: &str, redis: &str) -> Server {
    node_with(dir, database, redis, &[]).await
}

/// A node with more command-line arguments.
async fn node_with(dir: &Path, database: &str, redis: &str, more: &[&str]) -> Server {
    let (dir, database, redis) = (dir.to_owned(), database.to_owned(), redis.to_owned());
    let more: Vec<String> = more.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "--database-url",
            &database,
            "--redis-url",
            &redis,
            "--secret",
            SECRET,
            "--max-messages-per-second",
            "1000000",
        ];
        args.extend(more.iter().map(String::as_str));
        Server::start_with(&dir, &args, "info")
    })
    .await
    .unwrap()
}

/// `/readyz` of `server`'s node.
async fn readyz(server: &Server) -> String {
    match reqwest::get(server.url("/readyz")).await {
        Ok(answer) => answer.text().await.unwrap_or_default(),
        Err(error) => format!("no answer: {error}"),
    }
}

/// Waits until every node says it is ready with its bus up.
async fn bus_up(nodes: &[&Server]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    for node in nodes {
        loop {
            if readyz(node).await == "ready\n" {
                break;
            }
            assert!(Instant::now() < deadline, "a node's bus did not come up: {}", readyz(node).await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Every node's subscription is made; one heartbeat round so each has heard the others.
    tokio::time::sleep(Duration::from_millis(1200)).await;
}

/// A started cluster: its database (dropped with it), its nodes' data directories.
struct Cluster {
    database: engine::store::postgres::TestDatabase,
    dirs: Vec<tempfile::TempDir>,
}

impl Cluster {
    async fn new(nodes: usize) -> Option<Cluster> {
        let database = engine::store::postgres::test_database().await?;
        Some(Cluster { database, dirs: (0..nodes).map(|_| tempfile::tempdir().unwrap()).collect() })
    }

    async fn start(&self, index: usize, redis: &str) -> Server {
        node(self.dirs[index].path(), self.database.url(), redis).await
    }
}

/// A fresh database and the shared Redis (None: skip the test).
async fn services() -> Option<(Cluster, String)> {
    let redis = services::redis_url();
    if !services::redis_answers(&redis).await {
        return None;
    }
    Some((Cluster::new(3).await?, redis))
}

/// Three nodes on a fresh database and the shared Redis, their buses up (None: skip).
async fn three_nodes() -> Option<(Cluster, [Server; 3])> {
    let (cluster, redis) = services().await?;
    let nodes =
        [cluster.start(0, &redis).await, cluster.start(1, &redis).await, cluster.start(2, &redis).await];
    bus_up(&[&nodes[0], &nodes[1], &nodes[2]]).await;
    Some((cluster, nodes))
}

/// Two nodes on a fresh database and a Redis of the test's own (which it may kill and
/// restart), their buses up (None: skip).
async fn two_nodes_on_own_redis() -> Option<(OwnRedis, Cluster, Server, Server)> {
    let redis = OwnRedis::start()?;
    let cluster = Cluster::new(2).await?;
    let one = cluster.start(0, &redis.url()).await;
    let two = cluster.start(1, &redis.url()).await;
    bus_up(&[&one, &two]).await;
    Some((redis, cluster, one, two))
}

/// Reads `client`'s events until it has seen `want` messages of `room` (or `limit` passes):
/// the messages' `(seq, client_id)` in the order they came, and the acks.
async fn collect(
    client: &mut Client,
    want: usize,
    limit: Duration,
) -> (Vec<(u64, String)>, HashMap<String, u64>) {
    let deadline = Instant::now() + limit;
    let (mut seen, mut acks) = (Vec::new(), HashMap::new());
    while seen.len() < want && Instant::now() < deadline {
        match client.try_next(Duration::from_millis(200)).await {
            Some(ServerEvent::Message(message)) => seen.push((message.seq, message.client_id)),
            Some(ServerEvent::Ack { client_id, seq, .. }) => {
                acks.insert(client_id, seq);
            }
            _ => {}
        }
    }
    (seen, acks)
}

/// Seqs strictly one after another from `first`, each once.
fn assert_dense(seen: &[(u64, String)], first: u64, who: &str) {
    for (at, (seq, _)) in seen.iter().enumerate() {
        assert_eq!(
            *seq,
            first + at as u64,
            "{who}: seq {seq} at position {at} (a gap, a duplicate or a reorder)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_on_three_nodes_see_every_message_once_in_the_same_order() {
    let Some((_cluster, nodes)) = three_nodes().await else { return };

    let names = ["ann", "bob", "cat"];
    let mut clients = Vec::new();
    for (node, name) in nodes.iter().zip(names) {
        let (client, history) = node.joined(name, "general").await;
        assert!(history.is_empty());
        clients.push(client);
    }
    // Each person sees the others present, however many nodes there are.
    let (mut late, _) = members_seen_from(&nodes[0], "dan").await;
    assert_eq!(members_become(&mut late, &["ann", "bob", "cat", "dan"]).await, ["ann", "bob", "cat", "dan"]);

    // Everyone sends at once, as fast as the nodes take it.
    const EACH: usize = 60;
    for round in 0..EACH {
        for (client, name) in clients.iter_mut().zip(names) {
            client.say("general", &format!("{name}-{round}"), &format!("{name} says {round}")).await;
        }
    }
    let total = EACH * names.len();
    let mut orders = Vec::new();
    for (client, name) in clients.iter_mut().zip(names) {
        let (seen, acks) = collect(client, total, Duration::from_secs(20)).await;
        assert_eq!(seen.len(), total, "{name} saw {} of {total} messages", seen.len());
        assert_dense(&seen, 1, name);
        // Its own messages were acknowledged with the seqs everyone saw them at.
        let at: HashMap<&str, u64> = seen.iter().map(|(seq, id)| (id.as_str(), *seq)).collect();
        for (client_id, seq) in &acks {
            assert_eq!(at.get(client_id.as_str()), Some(seq), "{name}'s ack of {client_id}");
        }
        orders.push(seen);
    }
    assert_eq!(orders[0], orders[1], "ann and bob saw different orders");
    assert_eq!(orders[0], orders[2], "ann and cat saw different orders");
    let (seen, _) = collect(&mut late, total, Duration::from_secs(10)).await;
    assert_eq!(seen, orders[0], "dan, on ann's node, saw another order");
}

/// Sends as fast as acks come back (`in_flight` unacknowledged at most) until `stop`, or
/// until the connection breaks; returns what was acknowledged and what was still in flight.
async fn send_until(
    client: &mut Client,
    name: &str,
    from: usize,
    count: usize,
    in_flight: usize,
) -> (BTreeMap<String, u64>, Vec<String>) {
    let (mut acked, mut waiting) = (BTreeMap::new(), Vec::<String>::new());
    let mut next = from;
    while next < from + count || !waiting.is_empty() {
        while waiting.len() < in_flight && next < from + count {
            let client_id = format!("{name}-{next}");
            let event = ClientEvent::Send {
                room: "general".into(),
                client_id: client_id.clone(),
                text: format!("message {next}"),
                reply_to: None,
                attachments: Vec::new(),
            };
            if !client.try_send(&event).await {
                return (acked, waiting);
            }
            waiting.push(client_id);
            next += 1;
        }
        match client.recv().await {
            Some(ServerEvent::Ack { client_id, seq, .. }) => {
                waiting.retain(|w| *w != client_id);
                acked.insert(client_id, seq);
            }
            Some(_) => {}
            None => return (acked, waiting),
        }
    }
    (acked, waiting)
}

/// After the faults: everything acknowledged was seen by `reader` once, in one dense order.
fn assert_nothing_lost(seen: &[(u64, String)], acked: &BTreeMap<String, u64>) {
    assert_dense(seen, 1, "the reader");
    let mut ids = HashSet::new();
    for (_, id) in seen {
        assert!(ids.insert(id.as_str()), "{id} delivered twice");
    }
    let at: HashMap<&str, u64> = seen.iter().map(|(seq, id)| (id.as_str(), *seq)).collect();
    for (id, seq) in acked {
        assert_eq!(
            at.get(id.as_str()),
            Some(seq),
            "acknowledged {id} (seq {seq}) was not delivered at its seq"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_under_load_loses_nothing_and_its_people_resume_on_another() {
    let Some((_cluster, [reader_node, doomed, rescue])) = three_nodes().await else { return };
    let (mut reader, _) = reader_node.joined("reader", "general").await;
    let (mut writer, _) = doomed.joined("writer", "general").await;

    // The writer keeps 32 in flight; the node under it is killed mid-stream.
    let sending = tokio::spawn(async move {
        let result = send_until(&mut writer, "w", 0, 100_000, 32).await;
        (writer, result)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    doomed.kill();
    let (_broken, (mut acked, unacked)) = sending.await.unwrap();
    assert!(acked.len() > 50, "only {} acknowledged before the kill", acked.len());

    // It reconnects to another node and sends again what was not acknowledged (same ids).
    let (mut writer, _) = rescue.joined("writer", "general").await;
    for client_id in &unacked {
        writer.say("general", client_id, "again").await;
    }
    let resent = unacked.len();
    let mut answered = 0;
    while answered < resent {
        if let ServerEvent::Ack { client_id, seq, .. } = writer.next().await {
            acked.insert(client_id, seq);
            answered += 1;
        }
    }
    let (more, _) = send_until(&mut writer, "w", 200_000, 50, 16).await;
    acked.extend(more);
    let highest = *acked.values().max().unwrap();
    let (seen, _) = collect(&mut reader, highest as usize, Duration::from_secs(20)).await;
    assert_eq!(seen.len() as u64, highest, "the reader saw {} of {highest}", seen.len());
    assert_nothing_lost(&seen, &acked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_under_load_loses_nothing_and_readyz_says_so_meanwhile() {
    let Some((mut redis, _cluster, one, two)) = two_nodes_on_own_redis().await else { return };
    let (mut reader, _) = two.joined("reader", "general").await;
    let (mut writer, _) = one.joined("writer", "general").await;

    let (mut acked, _) = send_until(&mut writer, "w", 0, 200, 16).await;
    redis.kill();
    // While Redis is down the writer's messages still reach the other node (from the
    // database), and both nodes say the bus is down.
    let (more, _) = send_until(&mut writer, "w", 1000, 200, 16).await;
    acked.extend(more);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !readyz(&two).await.contains("bus is down") {
        assert!(Instant::now() < deadline, "readyz never said the bus is down: {}", readyz(&two).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (more, _) = send_until(&mut writer, "w", 2000, 100, 16).await;
    acked.extend(more);
    // Before Redis is back, the reader has them all (read from the database).
    let so_far = *acked.values().max().unwrap();
    let (mut seen, _) = collect(&mut reader, so_far as usize, Duration::from_secs(5)).await;
    assert_eq!(seen.len() as u64, so_far, "with the bus down the reader saw {} of {so_far}", seen.len());
    redis.run().expect("restart redis");
    let (more, _) = send_until(&mut writer, "w", 3000, 200, 16).await;
    acked.extend(more);
    bus_up(&[&one, &two]).await;
    let (more, _) = send_until(&mut writer, "w", 4000, 100, 16).await;
    acked.extend(more);

    let highest = *acked.values().max().unwrap();
    assert_eq!(highest as usize, acked.len(), "seqs are not dense");
    let (rest, _) = collect(&mut reader, (highest - so_far) as usize, Duration::from_secs(20)).await;
    seen.extend(rest);
    assert_eq!(seen.len() as u64, highest, "the reader saw {} of {highest}", seen.len());
    assert_nothing_lost(&seen, &acked);
}

/// Waits for a `presence` event in `room` that says `nickname` left; false if none comes in
/// `limit`.
async fn sees_leave(client: &mut Client, nickname: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match client.try_next_raw(Duration::from_millis(100)).await {
            Some(event) if support::left(&event, nickname) => return true,
            _ => {}
        }
    }
    false
}

/// Asks `client` (in `general`) who is there until `done` says so, or 10 s pass (presence
/// crosses nodes in a few hundred milliseconds, longer on a loaded machine); the last list.
async fn members_until(client: &mut Client, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        client.send(&ClientEvent::ListMembers { room: "general".into(), after: None, limit: None }).await;
        let members = loop {
            if let ServerEvent::MemberPage { members, .. } = client.next_raw().await {
                break members;
            }
        };
        if done(&members) || Instant::now() > deadline {
            return members;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// [`members_until`] the list is `want`.
async fn members_become(client: &mut Client, want: &[&str]) -> Vec<String> {
    members_until(client, |members| members == want).await
}

/// The members a new connection to `server` is told of in `general`.
async fn members_seen_from(server: &Server, nickname: &str) -> (Client, Vec<String>) {
    let mut client = server.connect().await.introduce(nickname).await;
    client.send(&ClientEvent::Join { room: "general".into(), since: None }).await;
    loop {
        if let ServerEvent::Members { members, .. } = client.next_raw().await {
            return (client, members);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_on_two_nodes_counts_once_and_a_dead_nodes_people_leave() {
    let Some((_cluster, nodes)) = three_nodes().await else { return };
    // Ann has a tab on two nodes; cat is on the second node only.
    let (ann_one, _) = nodes[0].joined("ann", "general").await;
    let (_ann_two, _) = nodes[1].joined("ann", "general").await;
    let (_cat, _) = nodes[1].joined("cat", "general").await;
    let (mut bob, _) = members_seen_from(&nodes[2], "bob").await;
    let members = members_become(&mut bob, &["ann", "bob", "cat"]).await;
    assert_eq!(members, ["ann", "bob", "cat"], "each person once, from every node");

    // The second node dies: cat (only there) leaves once it is taken for gone; ann, still
    // connected to the first node, does not.
    let [one, two, three] = nodes;
    two.kill();
    assert!(sees_leave(&mut bob, "cat", Duration::from_secs(10)).await, "cat never left");
    let (mut dan, _) = members_seen_from(&three, "dan").await;
    assert_eq!(members_become(&mut dan, &["ann", "bob", "dan"]).await, ["ann", "bob", "dan"]);
    // Ann closes her last tab: gone after the grace period, on every node.
    ann_one.close().await;
    assert!(sees_leave(&mut bob, "ann", Duration::from_secs(8)).await, "ann never left");
    let (mut eve, _) = members_seen_from(&one, "eve").await;
    assert_eq!(members_become(&mut eve, &["bob", "dan", "eve"]).await, ["bob", "dan", "eve"]);
}

/// A live connection of the browser holding `cookie`, after hello.
async fn live(server: &Server, cookie: &str, nickname: &str) -> Client {
    server.live(cookie, nickname).await.0
}

/// What a connection without a cookie is told when it says hello as `nickname` with `password`.
async fn hello_with(server: &Server, nickname: &str, password: &str) -> Option<protocol::ErrorCode> {
    let mut client = server.connect().await;
    client.send(&ClientEvent::Hello { nickname: nickname.into(), password: Some(password.into()) }).await;
    loop {
        match client.next().await {
            ServerEvent::Welcome { .. } => return None,
            ServerEvent::Error { code, .. } => return Some(code),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guesses_and_uploads_are_counted_across_nodes() {
    use protocol::ErrorCode::{TooManyAttempts, WrongPassword};
    let Some((_cluster, nodes)) = three_nodes().await else { return };
    let ann = nodes[0].sign_in("ann").await;
    let mut ann_live = live(&nodes[0], &ann, "ann").await;
    ann_live.send(&ClientEvent::Protect { password: "correct horse battery".into() }).await;
    while !matches!(ann_live.next().await, ServerEvent::Protected { .. }) {}
    // Five guesses spread over the nodes are all a cluster allows in a minute, as one node.
    let mut told = Vec::new();
    for i in 0..5 {
        told.push(hello_with(&nodes[i % 3], "ann", "a wrong guess").await);
    }
    assert_eq!(told, vec![Some(WrongPassword); 5]);
    for node in &nodes {
        assert_eq!(hello_with(node, "ANN", "a wrong guess").await, Some(TooManyAttempts));
    }
    // Even the right password waits now; another nickname is not affected.
    assert_eq!(hello_with(&nodes[1], "ann", "correct horse battery").await, Some(TooManyAttempts));
    let bob = nodes[2].sign_in("bob").await;
    let mut bob_live = live(&nodes[2], &bob, "bob").await;
    bob_live.send(&ClientEvent::Protect { password: "another good one".into() }).await;
    while !matches!(bob_live.next().await, ServerEvent::Protected { .. }) {}
    assert_eq!(hello_with(&nodes[0], "bob", "another good one").await, None);

    // A person's uploads too: 60 a minute (the default) over the three nodes, then refused
    // on every one, with when to try again.
    let http = reqwest::Client::new();
    let upload = |node: &Server, n: usize| {
        http.post(node.url(&format!("/api/files?name=note-{n}.txt")))
            .header(reqwest::header::COOKIE, &ann)
            .body(format!("note {n}\n"))
            .send()
    };
    for n in 0..60 {
        assert_eq!(upload(&nodes[n % 3], n).await.unwrap().status(), 201, "upload {n}");
    }
    for (n, node) in nodes.iter().enumerate() {
        let refused = upload(node, 60 + n).await.unwrap();
        assert_eq!(refused.status(), 429);
        assert!(refused.headers().contains_key(reqwest::header::RETRY_AFTER));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_private_rooms_hold_across_nodes() {
    let Some((_cluster, nodes)) = three_nodes().await else { return };
    // Each signs in through one node and talks through another: one secret, one database.
    let (ann, bob, cat) =
        (nodes[0].sign_in("ann").await, nodes[1].sign_in("bob").await, nodes[2].sign_in("cat").await);
    let mut cat_live = live(&nodes[0], &cat, "cat").await;
    let mut ann_live = live(&nodes[1], &ann, "ann").await;
    let mut bob_live = live(&nodes[2], &bob, "bob").await;

    ann_live.send(&ClientEvent::CreateRoom { room: "plans".into(), private: true }).await;
    assert!(matches!(ann_live.next().await, ServerEvent::RoomCreated { .. }));
    let response =
        nodes[0].call_function("/api/invite", Some(&ann), &[("room", "plans"), ("nickname", "bob")]).await;
    assert_eq!(response.status(), 200);
    // Bob, on the third node, hears of the room he was invited to and joins it.
    loop {
        match bob_live.next().await {
            ServerEvent::RoomCreated { room } if room.name == "plans" => break,
            _ => {}
        }
    }
    ann_live.send(&ClientEvent::Join { room: "plans".into(), since: None }).await;
    bob_live.send(&ClientEvent::Join { room: "plans".into(), since: None }).await;
    for client in [&mut ann_live, &mut bob_live] {
        while !matches!(client.next().await, ServerEvent::History { .. }) {}
    }
    ann_live.say("plans", "p1", "SECRET-PLAN surprise party").await;
    loop {
        if let ServerEvent::Message(message) = bob_live.next().await {
            break assert_eq!(message.text, "SECRET-PLAN surprise party");
        }
    }
    cat_live.send(&ClientEvent::Join { room: "plans".into(), since: Some(0) }).await;
    assert!(matches!(
        cat_live.next().await,
        ServerEvent::Error { code: protocol::ErrorCode::UnknownRoom, .. }
    ));
    // PostgreSQL searches: Bob finds the plan (by part of a word), Cat finds nothing.
    for (client, found) in [(&mut bob_live, 1), (&mut cat_live, 0)] {
        client.send(&ClientEvent::Search { query: "surpri".into(), room: None, before: None }).await;
        loop {
            if let ServerEvent::SearchResults { hits, .. } = client.next().await {
                assert_eq!(hits.len(), found, "{hits:?}");
                break;
            }
        }
    }

    // Removed through the first node, Bob (on the third) is told and gets nothing more.
    let response = nodes[0]
        .call_function("/api/remove_member", Some(&ann), &[("room", "plans"), ("nickname", "bob")])
        .await;
    assert_eq!(response.status(), 200);
    bob_live.until_removed("plans").await;
    ann_live.say("plans", "p2", "SECRET-AFTER bob left").await;
    let after = bob_live.drain(Duration::from_millis(700)).await;
    assert!(!format!("{after:?}").contains("SECRET-AFTER"), "{after:?}");
    let everything = format!("{:?}", cat_live.drain(Duration::from_millis(300)).await);
    assert!(!everything.contains("SECRET") && !everything.contains("plans"), "{everything}");
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection reset, new
/// ones refused) and restore: PostgreSQL going away and coming back, as a node sees it.
struct Cuttable {
    port: u16,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cuts: tokio::sync::watch::Sender<u64>,
}

impl Cuttable {
    async fn to(target: &str) -> Cuttable {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (cuts, watching) = tokio::sync::watch::channel(0u64);
        let (target, is_open) = (target.to_owned(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !is_open.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { continue };
                let mut cut = watching.clone();
                cut.mark_unchanged();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Cuttable { port, open, cuts }
    }

    fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_is_away_sends_are_refused_clearly_and_then_stored_again() {
    let Some((cluster, redis)) = services().await else { return };
    let proxy = Cuttable::to("127.0.0.1:5432").await;
    // The node reaches the test's database through the proxy.
    let through_proxy = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, cluster.database.name());
    let cut_node = node(cluster.dirs[0].path(), &through_proxy, &redis).await;
    let other = cluster.start(1, &redis).await;
    bus_up(&[&cut_node, &other]).await;
    let (mut reader, _) = other.joined("reader", "general").await;
    let (mut writer, _) = cut_node.joined("writer", "general").await;
    let (mut acked, _) = send_until(&mut writer, "w", 0, 20, 4).await;

    proxy.cut();
    // Each send is refused with a clear error (none is half-stored), and /readyz says so.
    let mut refused = 0;
    for n in 100..105 {
        writer.say("general", &format!("w-{n}"), "while away").await;
        loop {
            match writer.next().await {
                ServerEvent::Error { code: protocol::ErrorCode::StoreUnavailable, client_id, .. } => {
                    assert_eq!(client_id, Some(format!("w-{n}")));
                    refused += 1;
                    break;
                }
                ServerEvent::Ack { client_id, .. } => {
                    panic!("{client_id} acknowledged while PostgreSQL is away")
                }
                _ => {}
            }
        }
    }
    assert_eq!(refused, 5);
    let answer = reqwest::get(cut_node.url("/readyz")).await.unwrap();
    assert_eq!(answer.status(), 503);

    proxy.restore();
    // Resent with the same ids (as the client's outbox does), they are stored once.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut stored = BTreeMap::new();
    while stored.len() < 5 {
        assert!(Instant::now() < deadline, "sends never succeeded again after PostgreSQL came back");
        for n in 100..105 {
            let id = format!("w-{n}");
            if !stored.contains_key(&id) {
                writer.say("general", &id, "while away").await;
            }
        }
        let (mut answered, until) = (0, Instant::now() + Duration::from_secs(3));
        while answered < 5 - stored.len() && Instant::now() < until {
            match writer.try_next(Duration::from_millis(200)).await {
                Some(ServerEvent::Ack { client_id, seq, .. }) => {
                    stored.insert(client_id, seq);
                }
                Some(ServerEvent::Error { .. }) => answered += 1,
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    acked.extend(stored);
    let (more, _) = send_until(&mut writer, "w", 200, 20, 4).await;
    acked.extend(more);
    let highest = *acked.values().max().unwrap();
    assert_eq!(highest as usize, acked.len(), "seqs are not dense: {acked:?}");
    let (seen, _) = collect(&mut reader, highest as usize, Duration::from_secs(20)).await;
    assert_nothing_lost(&seen, &acked);
    assert_eq!(reqwest::get(cut_node.url("/readyz")).await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_through_one_node_is_served_by_another_until_its_message_is_deleted() {
    let Some((cluster, redis)) = services().await else { return };
    // The nodes share a file store (a directory here; a bucket in production).
    let shared = tempfile::tempdir().unwrap();
    let store = format!("file://{}", shared.path().display());
    let more = ["--file-store", store.as_str()];
    let one = node_with(cluster.dirs[0].path(), cluster.database.url(), &redis, &more).await;
    let two = node_with(cluster.dirs[1].path(), cluster.database.url(), &redis, &more).await;
    bus_up(&[&one, &two]).await;
    let (ann, bob) = (one.sign_in("ann").await, two.sign_in("bob").await);
    let mut ann_live = live(&one, &ann, "ann").await;
    let mut bob_live = live(&two, &bob, "bob").await;
    for client in [&mut ann_live, &mut bob_live] {
        client.send(&ClientEvent::Join { room: "general".into(), since: None }).await;
        while !matches!(client.next().await, ServerEvent::History { .. }) {}
    }
    let bytes = b"minutes of the meeting\n".repeat(100);
    let uploaded = reqwest::Client::new()
        .post(one.url("/api/files?name=minutes.txt"))
        .header(reqwest::header::COOKIE, &ann)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);
    let attachment: protocol::Attachment = uploaded.json().await.unwrap();
    ann_live
        .send(&ClientEvent::Send {
            room: "general".into(),
            client_id: "f1".into(),
            text: "the minutes".into(),
            reply_to: None,
            attachments: vec![(&attachment).into()],
        })
        .await;
    let message = loop {
        if let ServerEvent::Message(message) = bob_live.next().await {
            break message;
        }
    };
    assert_eq!(message.attachments, vec![attachment.clone()]);
    let download = |server: &Server| {
        reqwest::Client::new().get(server.url(&attachment.url())).header(reqwest::header::COOKIE, &bob).send()
    };
    let got = download(&two).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());

    ann_live.send(&ClientEvent::Delete { room: "general".into(), seq: message.seq }).await;
    loop {
        if let ServerEvent::Deleted(_) = bob_live.next().await {
            break;
        }
    }
    assert_eq!(download(&two).await.unwrap().status(), 404);
    assert_eq!(download(&one).await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_lost_while_the_bus_is_up_still_reaches_the_other_node() {
    let Some((redis, _cluster, one, two)) = two_nodes_on_own_redis().await else { return };
    let (mut reader, _) = two.joined("reader", "general").await;
    let (mut writer, _) = one.joined("writer", "general").await;
    let (acked, _) = send_until(&mut writer, "w", 0, 3, 3).await;
    // Every publishing connection is cut (the subscriptions stay): the next publish is lost.
    let killed = std::process::Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "CLIENT", "KILL", "TYPE", "normal"])
        .output()
        .expect("redis-cli");
    assert!(killed.status.success(), "{killed:?}");
    let (more, _) = send_until(&mut writer, "w", 100, 1, 1).await;
    let lost = more.keys().next().unwrap().clone();
    // Nothing follows it in the room, yet the reader gets it (the database is the truth).
    let (seen, _) = collect(&mut reader, acked.len() + 1, Duration::from_secs(8)).await;
    assert!(seen.iter().any(|(_, id)| *id == lost), "{lost} never reached the other node: {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_and_a_departure_while_redis_is_down_reach_every_node() {
    let Some((mut redis, _cluster, one, two)) = two_nodes_on_own_redis().await else { return };
    let (ann, bob) = (one.sign_in("ann").await, two.sign_in("bob").await);
    let mut ann_live = live(&one, &ann, "ann").await;
    let mut bob_live = live(&two, &bob, "bob").await;
    ann_live.send(&ClientEvent::CreateRoom { room: "plans".into(), private: true }).await;
    assert!(matches!(ann_live.next().await, ServerEvent::RoomCreated { .. }));
    let invited =
        one.call_function("/api/invite", Some(&ann), &[("room", "plans"), ("nickname", "bob")]).await;
    assert_eq!(invited.status(), 200);
    loop {
        if let ServerEvent::RoomCreated { room } = bob_live.next().await {
            if room.name == "plans" {
                break;
            }
        }
    }
    let (cat, _) = one.joined("cat", "general").await;
    let (mut dan, _) = members_seen_from(&two, "dan").await;
    let members = members_until(&mut dan, |members| members.iter().any(|m| m == "cat")).await;
    assert!(members.contains(&"cat".to_owned()), "{members:?}");

    redis.kill();
    let removed =
        one.call_function("/api/remove_member", Some(&ann), &[("room", "plans"), ("nickname", "bob")]).await;
    assert_eq!(removed.status(), 200);
    cat.close().await;
    // Past cat's grace period, then Redis is back.
    tokio::time::sleep(Duration::from_secs(4)).await;
    redis.run().expect("restart redis");
    bus_up(&[&one, &two]).await;

    // Bob, on the other node, was told, and the room is gone for him there.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "bob was never told he was removed");
        if let Some(ServerEvent::Removed { room }) = bob_live.try_next(Duration::from_millis(200)).await {
            assert_eq!(room, "plans");
            break;
        }
    }
    bob_live.send(&ClientEvent::Join { room: "plans".into(), since: Some(0) }).await;
    assert!(matches!(
        bob_live.next().await,
        ServerEvent::Error { code: protocol::ErrorCode::UnknownRoom, .. }
    ));
    // Cat, who left meanwhile, is not listed there any more.
    let (mut eve, _) = members_seen_from(&two, "eve").await;
    let members = members_until(&mut eve, |members| !members.iter().any(|m| m == "cat")).await;
    assert!(!members.contains(&"cat".to_owned()), "{members:?}");
}
