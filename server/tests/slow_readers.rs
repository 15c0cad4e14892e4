//! Slow readers: a thousand clients join a room and then never read a byte while two others
//! chat in it. The server's memory must stay flat (each connection's outgoing queue is
//! bounded), the people who do read must get every message promptly, and a silent client
//! that starts reading again must catch up from the store without a gap or a duplicate.

mod support;

use futures::StreamExt;
use protocol::ServerEvent;
use std::time::{Duration, Instant};
use support::{Client, Server};

const SILENT: usize = 1000;
/// About 2 KB per message, so silent clients fill their socket buffers and queues quickly.
const TEXT_CHARS: usize = 2000;
const WARM_UP: usize = 400;
const MEASURED: usize = 800;

async fn start(dir: &std::path::Path) -> Server {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        Server::start_with(&dir, &["--max-messages-per-second", "1000000"], "info")
    })
    .await
    .unwrap()
}

/// Sends `count` messages numbered from `first`, at most 16 unacknowledged, and checks the
/// reader gets each one in order; returns the reader's delivery latencies.
async fn chat(sender: &mut Client, reader: &mut Client, first: usize, count: usize) -> Vec<Duration> {
    let padding = "x".repeat(TEXT_CHARS);
    let mut sent_at = std::collections::VecDeque::new();
    let mut latencies = Vec::with_capacity(count);
    let (mut sent, mut acked, mut read) = (0, 0, 0);
    let deadline = Instant::now() + Duration::from_secs(120);
    while read < count {
        assert!(Instant::now() < deadline, "chat stalled: {sent} sent, {acked} acked, {read} read");
        while sent < count && sent - acked < 16 {
            let n = first + sent;
            sender.say("general", &format!("m{n}"), &format!("{n} {padding}")).await;
            sent_at.push_back(Instant::now());
            sent += 1;
        }
        tokio::select! {
            event = sender.next() => match event {
                ServerEvent::Ack { .. } => acked += 1,
                ServerEvent::Message(_) => {}
                other => panic!("sender got {other:?}"),
            },
            event = reader.next() => match event {
                ServerEvent::Message(m) => {
                    assert_eq!(m.client_id, format!("m{}", first + read), "the reader got every message in order");
                    latencies.push(sent_at.pop_front().unwrap().elapsed());
                    read += 1;
                }
                ServerEvent::Typing { .. } | ServerEvent::StopTyping { .. } => {}
                other => panic!("reader got {other:?}"),
            },
        }
    }
    // Acks still owed to the sender.
    while acked < count {
        if let ServerEvent::Ack { .. } = sender.next().await {
            acked += 1;
        }
    }
    latencies
}

fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    latencies.sort();
    latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_clients_that_never_read_do_not_grow_memory_or_slow_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let (mut ann, _) = server.joined("ann", "general").await;
    let (mut bob, _) = server.joined("bob", "general").await;

    // Before anyone is silent: the readers' latency as a baseline.
    let mut baseline = chat(&mut ann, &mut bob, 0, 200).await;

    let silent: Vec<Client> = futures::stream::iter(0..SILENT)
        .map(|i| {
            let server = &server;
            async move { server.joined(&format!("quiet-{i}"), "general").await.0 }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let idle = server.rss_kib();

    // The silent clients' buffers and queues fill up here...
    chat(&mut ann, &mut bob, 200, WARM_UP).await;
    let warmed = server.rss_kib();
    // ...and from here on nothing more may pile up for them.
    let mut loaded = chat(&mut ann, &mut bob, 200 + WARM_UP, MEASURED).await;
    let after = server.rss_kib();

    let (p50, p99) = (percentile(&mut baseline, 0.5), percentile(&mut baseline, 0.99));
    let (lp50, lp99) = (percentile(&mut loaded, 0.5), percentile(&mut loaded, 0.99));
    println!(
        "memory: {idle} KiB with {SILENT} silent clients, {warmed} KiB after {WARM_UP} messages, {after} KiB \
         after {MEASURED} more; reader latency p50/p99 {p50:?}/{p99:?} alone, {lp50:?}/{lp99:?} with them"
    );
    let growth = after.saturating_sub(warmed);
    assert!(
        growth < 8 * 1024,
        "memory grew by {growth} KiB while {SILENT} clients did not read ({MEASURED} messages of {TEXT_CHARS} \
         characters)"
    );
    // Generous: the point is that no reader waits on a silent one, not the exact figure.
    assert!(lp99 < Duration::from_secs(2), "the reader's p99 latency was {lp99:?} next to silent clients");

    // A silent client that reads again catches up from the store: every message since it
    // joined (its history ended at m199), in order, once.
    let mut late = silent.into_iter().next().unwrap();
    let mut next = 200;
    let total = 200 + WARM_UP + MEASURED;
    while next < total {
        match late.next().await {
            ServerEvent::Message(m) => {
                assert_eq!(
                    m.client_id,
                    format!("m{next}"),
                    "the late reader resumed without a gap or a duplicate"
                );
                next += 1;
            }
            ServerEvent::Typing { .. } | ServerEvent::StopTyping { .. } => {}
            other => panic!("late reader got {other:?}"),
        }
    }
    // And everyone else still talks.
    let tail = chat(&mut ann, &mut bob, total, 10).await;
    assert_eq!(tail.len(), 10);
}
