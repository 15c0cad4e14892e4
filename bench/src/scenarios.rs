//! The scenarios. Each returns a [`Outcome`] of named figures.

use crate::client::{self, Socket};
use crate::server::Server;
use crate::Args;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use protocol::{ClientEvent, ServerEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One scenario's figures, in display order.
pub struct Outcome {
    pub name: String,
    pub figures: Vec<(String, String)>,
}

pub async fn run(args: &Args) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    for scenario in &args.scenarios {
        let server = Server::start(&args.natter)?;
        let outcome = match scenario.as_str() {
            "a" => {
                fan_out(&server, 1000 / args.scale_down as usize, 10, 10, 20 / args.scale_down.min(20) as u64)
                    .await?
            }
            "c" => idle_memory(&server, 10_000 / args.scale_down as usize).await?,
            other => return Err(format!("unknown scenario {other:?}")),
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Connects `count` clients to `room`, at most 100 handshakes at a time.
async fn connect_all(addr: &str, room: &str, count: usize) -> Result<Vec<Socket>, String> {
    let addr = Arc::new(addr.to_owned());
    let room = Arc::new(room.to_owned());
    let sockets = futures::stream::iter(0..count)
        .map(|i| {
            let (addr, room) = (addr.clone(), room.clone());
            async move { client::join(&addr, &format!("bench-{i}"), &room).await }
        })
        .buffer_unordered(100)
        .collect::<Vec<_>>()
        .await;
    sockets.into_iter().collect()
}

async fn create_room(addr: &str, room: &str) -> Result<(), String> {
    let mut socket = client::connect(addr).await?;
    client::send(&mut socket, &ClientEvent::Hello { nickname: "bench-admin".into(), password: None }).await?;
    client::send(&mut socket, &ClientEvent::CreateRoom { room: room.into() }).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(frame))) => match client::decode(&frame) {
                Some(ServerEvent::RoomCreated { .. }) => return Ok(()),
                Some(ServerEvent::Error { message, .. }) => return Err(message),
                _ => {}
            },
            _ => break,
        }
    }
    Err("room not created".into())
}

/// What one receiver saw.
struct Seen {
    latency_us: Histogram<u64>,
    deliveries: u64,
    duplicates: u64,
    lost: u64,
}

/// (a) `clients` in one room; `senders` of them send `rate` messages a second each for
/// `seconds`. Every message carries its sender, number and send time; every receiver
/// records the delivery latency and checks it got each message exactly once.
async fn fan_out(
    server: &Server,
    clients: usize,
    senders: usize,
    rate: u64,
    seconds: u64,
) -> Result<Outcome, String> {
    create_room(&server.addr, "bench").await?;
    let sockets = connect_all(&server.addr, "bench", clients).await?;
    let per_sender = rate * seconds;
    let origin = Instant::now();
    let start = origin + Duration::from_millis(500);
    let drain = start + Duration::from_secs(seconds + 10);
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = socket.split();
        if i < senders {
            writers.push(tokio::spawn(async move {
                tokio::time::sleep_until(start.into()).await;
                let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
                for n in 0..per_sender {
                    tick.tick().await;
                    let sent = origin.elapsed().as_micros();
                    let event = ClientEvent::Send {
                        room: "bench".into(),
                        client_id: format!("s{i}-{n}"),
                        text: format!("b {i} {n} {sent}"),
                    };
                    if sink.send(client::frame(&event)).await.is_err() {
                        break;
                    }
                }
                sink
            }));
        }
        let expected = senders as u64 * per_sender;
        readers.push(tokio::spawn(async move {
            let mut seen = vec![vec![false; per_sender as usize]; senders];
            let mut result = Seen {
                latency_us: Histogram::new(3).expect("histogram"),
                deliveries: 0,
                duplicates: 0,
                lost: 0,
            };
            let mut unique = 0u64;
            while unique < expected {
                let frame = match tokio::time::timeout_at(drain.into(), stream.next()).await {
                    Ok(Some(Ok(frame))) => frame,
                    _ => break,
                };
                let Some(ServerEvent::Message(message)) = client::decode(&frame) else { continue };
                let mut parts =
                    message.text.split(' ').skip(1).map(|p| p.parse::<u128>().unwrap_or(u128::MAX));
                let (Some(sender), Some(n), Some(sent)) = (parts.next(), parts.next(), parts.next()) else {
                    continue;
                };
                let now = origin.elapsed().as_micros();
                let _ = result.latency_us.record(now.saturating_sub(sent) as u64);
                result.deliveries += 1;
                match seen.get_mut(sender as usize).and_then(|s| s.get_mut(n as usize)) {
                    Some(flag) if *flag => result.duplicates += 1,
                    Some(flag) => {
                        *flag = true;
                        unique += 1;
                    }
                    None => {}
                }
            }
            result.lost = expected - unique;
            result
        }));
    }
    let mut latency = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    let (mut deliveries, mut lost, mut duplicates, mut receivers_with_loss) = (0u64, 0u64, 0u64, 0u64);
    for reader in readers {
        let seen = reader.await.map_err(|e| e.to_string())?;
        latency.add(&seen.latency_us).map_err(|e| e.to_string())?;
        deliveries += seen.deliveries;
        lost += seen.lost;
        duplicates += seen.duplicates;
        receivers_with_loss += u64::from(seen.lost > 0);
    }
    drop(writers);
    let ms = |q: f64| format!("{:.1}", latency.value_at_quantile(q) as f64 / 1000.0);
    Ok(Outcome {
        name: format!("a: {clients} clients, {senders} senders × {rate} msg/s, {seconds} s"),
        figures: vec![
            ("deliveries/s".into(), format!("{:.0}", deliveries as f64 / seconds as f64)),
            ("p50 ms".into(), ms(0.5)),
            ("p99 ms".into(), ms(0.99)),
            ("p99.9 ms".into(), ms(0.999)),
            ("max ms".into(), format!("{:.1}", latency.max() as f64 / 1000.0)),
            ("lost".into(), lost.to_string()),
            ("duplicated".into(), duplicates.to_string()),
            ("receivers with loss".into(), receivers_with_loss.to_string()),
        ],
    })
}

/// (c) `count` idle connections (each said hello and joined a room): the server's resident
/// memory grows by how much per connection?
async fn idle_memory(server: &Server, count: usize) -> Result<Outcome, String> {
    // One connection first, so the delta is per connection and not start-up.
    let _warm = connect_all(&server.addr, "general", 10).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_kib();
    let sockets = connect_all(&server.addr, "general", count).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = server.rss_kib();
    let per_connection = (after.saturating_sub(before)) as f64 * 1024.0 / count as f64;
    drop(sockets);
    Ok(Outcome {
        name: format!("c: {count} idle connections"),
        figures: vec![
            ("connections".into(), count.to_string()),
            ("RSS before KiB".into(), before.to_string()),
            ("RSS after KiB".into(), after.to_string()),
            ("bytes/connection".into(), format!("{per_connection:.0}")),
            ("KiB/connection".into(), format!("{:.1}", per_connection / 1024.0)),
        ],
    })
}
