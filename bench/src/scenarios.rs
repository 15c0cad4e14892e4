//! The scenarios. Each returns a [`Outcome`] of named figures.

use crate::client::{self, Socket};
use crate::server::Server;
use crate::Args;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use protocol::{ClientEvent, ServerEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Frame;

/// One scenario's figures, in display order.
pub struct Outcome {
    pub name: String,
    pub figures: Vec<(String, String)>,
}

pub async fn run(args: &Args) -> Result<Vec<Outcome>, String> {
    let scale = args.scale_down.max(1) as usize;
    let mut outcomes = Vec::new();
    for scenario in &args.scenarios {
        let outcome = match scenario.as_str() {
            "a" => {
                let server = Server::start(&args.natter, &[])?;
                fan_out(&server, 1000 / scale, 10, 10, (20 / scale as u64).max(2)).await?.outcome()
            }
            "b" => crate::capacity::rate_steps(args, 1000 / scale, (5 / scale as u64).max(2)).await?,
            "c" => idle_memory(&Server::start(&args.natter, &[])?, 10_000 / scale).await?,
            "d" => crate::capacity::durable(args, 1000 / scale, (10 / scale as u64).max(3)).await?,
            "e" => crate::page::page(args, (10 / scale as u64).max(2)).await?,
            "f" => crate::bigroom::big_room(args, 10_000 / scale).await?,
            "g" => crate::tui::tui(args, 10_000 / scale).await?,
            // a's room, a fifth of its rate: on this 2-core machine a's own rate keeps the
            // server's core and the generator's 80% busy, leaving nothing to compare.
            "h" => {
                crate::uploads::files(args, scale, (1000 / scale, 10, 2, (20 / scale as u64).max(2))).await?
            }
            "i" => crate::cluster::cluster(args, scale).await?,
            other => return Err(format!("unknown scenario {other:?}")),
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Connects `count` clients to `room`, at most 100 handshakes at a time; client `i` to
/// `addrs[i % addrs.len()]` (the nodes of a cluster evenly; there a join is retried while the
/// room is not yet known to its node).
pub async fn connect_all(addrs: &[String], room: &str, count: usize) -> Result<Vec<Socket>, String> {
    let addrs = Arc::new(addrs.to_vec());
    let room = Arc::new(room.to_owned());
    let sockets = futures::stream::iter(0..count)
        .map(|i| {
            let (addrs, room) = (addrs.clone(), room.clone());
            async move {
                let (addr, nickname) = (&addrs[i % addrs.len()], format!("bench-{i}"));
                match addrs.len() {
                    1 => client::join(addr, &nickname, &room).await,
                    _ => client::join_retrying(addr, &nickname, &room).await,
                }
            }
        })
        .buffer_unordered(100)
        .collect::<Vec<_>>()
        .await;
    sockets.into_iter().collect()
}

pub async fn create_room(addr: &str, room: &str) -> Result<(), String> {
    let mut socket = client::connect(addr).await?;
    client::send(&mut socket, &ClientEvent::Hello { nickname: "bench-admin".into(), password: None }).await?;
    client::send(&mut socket, &ClientEvent::CreateRoom { room: room.into(), private: false }).await?;
    let created = |e: &ServerEvent| matches!(e, ServerEvent::RoomCreated { .. });
    client::wait_for(&mut socket, Duration::from_secs(10), created).await
}

/// What one receiver saw.
struct Seen {
    latency_us: Histogram<u64>,
    /// Send to the server's commit (the message's `sent_at`, 1 ms resolution).
    stored_us: Histogram<u64>,
    /// The server's commit to this receiver (the rest of `latency_us`).
    delivered_us: Histogram<u64>,
    deliveries: u64,
    duplicates: u64,
    lost: u64,
}

/// The figures of one fan-out run.
pub struct FanOut {
    pub clients: usize,
    pub senders: usize,
    pub rate: u64,
    pub seconds: u64,
    pub deliveries_per_second: f64,
    pub latency_us: Histogram<u64>,
    /// The part of the latency up to the server's commit (`sent_at`, 1 ms resolution); the
    /// rest is the fan-out, from the commit to the receiver.
    pub stored_us: Histogram<u64>,
    /// From the commit to the receiver, the fan-out's own part.
    pub delivered_us: Histogram<u64>,
    /// How late the generator's own 1 ms timer woke while the senders sent: a receipt waits
    /// as long to be timed ([`crate::host`]).
    pub generator_late_us: Histogram<u64>,
    /// The share of CPU time the hypervisor stole over the same window.
    pub stolen: Option<f64>,
    pub lost: u64,
    pub duplicates: u64,
    pub receivers_with_loss: u64,
    /// Share of one core the server and the generator used while the senders sent (0.97 is
    /// 97%): a generator near 1.0 measures itself as much as the server.
    pub cpu: Option<Cpu>,
    /// What the run's probes (a cluster's nodes, PostgreSQL, Redis) used over the same window.
    pub probed: crate::server::Probed,
}

#[derive(Clone, Copy)]
pub struct Cpu {
    pub server: f64,
    pub generator: f64,
}

impl Cpu {
    pub fn describe(&self) -> String {
        format!("server {:.0}%, generator {:.0}%", self.server * 100.0, self.generator * 100.0)
    }
}

/// What the server (`pids`: the nodes of a cluster, summed) and this process use of a core
/// between `from` and `to`.
pub async fn cpu_between(pids: Vec<u32>, from: Instant, to: Instant) -> Option<Cpu> {
    let servers = |pids: &[u32]| pids.iter().map(|&pid| crate::server::cpu_ns(pid)).sum::<Option<u64>>();
    tokio::time::sleep_until(from.into()).await;
    let own = std::process::id();
    let (server, generator) = (servers(&pids)?, crate::server::cpu_ns(own)?);
    tokio::time::sleep_until(to.into()).await;
    let wall = (Instant::now() - from).as_nanos() as f64;
    let (server_after, generator_after) = (servers(&pids)?, crate::server::cpu_ns(own)?);
    Some(Cpu {
        server: server_after.saturating_sub(server) as f64 / wall,
        generator: generator_after.saturating_sub(generator) as f64 / wall,
    })
}

impl FanOut {
    pub fn ms(&self, quantile: f64) -> f64 {
        self.latency_us.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub fn figures(&self) -> Vec<(String, String)> {
        vec![
            ("deliveries/s".into(), format!("{:.0}", self.deliveries_per_second)),
            ("p50 ms".into(), format!("{:.1}", self.ms(0.5))),
            ("p99 ms".into(), format!("{:.1}", self.ms(0.99))),
            ("p99.9 ms".into(), format!("{:.1}", self.ms(0.999))),
            ("max ms".into(), format!("{:.1}", self.latency_us.max() as f64 / 1000.0)),
            (
                "of which send → stored, p50 / p99 ms (±1)".into(),
                format!(
                    "{:.0} / {:.0}",
                    self.stored_us.value_at_quantile(0.5) as f64 / 1000.0,
                    self.stored_us.value_at_quantile(0.99) as f64 / 1000.0
                ),
            ),
            ("lost".into(), self.lost.to_string()),
            ("duplicated".into(), self.duplicates.to_string()),
            ("receivers with loss".into(), self.receivers_with_loss.to_string()),
            ("CPU while sending, share of one core".into(), self.cpu.map_or("-".into(), |c| c.describe())),
        ]
    }

    fn outcome(self) -> Outcome {
        Outcome {
            name: format!(
                "a: {} clients, {} senders × {} msg/s, {} s",
                self.clients, self.senders, self.rate, self.seconds
            ),
            figures: self.figures(),
        }
    }
}

/// The sender, number and send time (µs since the run's origin) of a bench message, and the
/// server's commit time (`sent_at`, ms since the epoch), read straight from the frame's
/// bytes: at a million deliveries a second the generator cannot afford to parse every event
/// in full.
fn bench_stamp(frame: &Frame) -> Option<(usize, usize, u64, u64)> {
    let bytes: &[u8] = match frame {
        Frame::Binary(bytes) => bytes,
        Frame::Text(text) => text.as_bytes(),
        _ => return None,
    };
    // Where `mark` ends, searching from `from` on.
    let after = |from: usize, mark: &[u8]| {
        Some(from + bytes[from..].windows(mark.len()).position(|w| w == mark)? + mark.len())
    };
    let text = after(0, br#""text":"b "#)?;
    let end = bytes[text..].iter().position(|&b| b == b'"')?;
    let mut parts = std::str::from_utf8(&bytes[text..text + end]).ok()?.split(' ');
    let (sender, n, sent) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    // A message's fields are encoded in declaration order: `sent_at` follows `text`.
    let digits = &bytes[after(text + end, br#""sent_at":"#)?..];
    let end = digits.iter().position(|b| !b.is_ascii_digit())?;
    Some((sender, n, sent, std::str::from_utf8(&digits[..end]).ok()?.parse().ok()?))
}

/// (a) `clients` in one room; `senders` of them send `rate` messages a second each for
/// `seconds`. Every message carries its sender, number and send time; every receiver
/// records the delivery latency and checks it got each message exactly once.
pub async fn fan_out(
    server: &Server,
    clients: usize,
    senders: usize,
    rate: u64,
    seconds: u64,
) -> Result<FanOut, String> {
    fan_out_across(std::slice::from_ref(&server.addr), &[server.pid], &[], clients, senders, rate, seconds)
        .await
}

/// [`fan_out`] over the nodes of a cluster (`addrs`, their processes `pids`): client `i`, and
/// so sender `i`, on node `i % nodes`. `probes` are measured over the same window as the
/// server's CPU ([`FanOut::probed`]).
pub async fn fan_out_across(
    addrs: &[String],
    pids: &[u32],
    probes: &[crate::server::Probe],
    clients: usize,
    senders: usize,
    rate: u64,
    seconds: u64,
) -> Result<FanOut, String> {
    create_room(&addrs[0], "bench").await?;
    let sockets = connect_all(addrs, "bench", clients).await?;
    let per_sender = rate * seconds;
    let origin = Instant::now();
    // The same instant on the wall clock (µs since the epoch), to place the server's `sent_at`.
    let origin_wall_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_micros() as u64;
    let start = origin + Duration::from_millis(500);
    let drain = start + Duration::from_secs(seconds + 10);
    // Measured over the sending window, a second in from each end.
    let window =
        (start + Duration::from_secs(1), start + Duration::from_secs(seconds.saturating_sub(1).max(2)));
    let cpu = tokio::spawn(cpu_between(pids.to_vec(), window.0, window.1));
    let probed = tokio::spawn(crate::server::probe_between(probes.to_vec(), window.0, window.1));
    let late = tokio::spawn(crate::host::lateness_between(start, start + Duration::from_secs(seconds)));
    let stolen = tokio::spawn(crate::host::steal_between(window.0, window.1));
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (i, socket) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = socket.split();
        if i < senders {
            // The senders' ticks are spread evenly over one period, so messages arrive at a
            // steady rate rather than all senders' at once (that burst is measured too: see
            // docs/performance.md).
            let period = Duration::from_micros(1_000_000 / rate);
            let phase = period * i as u32 / senders as u32;
            writers.push(tokio::spawn(async move {
                tokio::time::sleep_until((start + phase).into()).await;
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                for n in 0..per_sender {
                    tick.tick().await;
                    let sent = origin.elapsed().as_micros();
                    let event = ClientEvent::Send {
                        room: "bench".into(),
                        client_id: format!("s{i}-{n}"),
                        text: format!("b {i} {n} {sent}"),
                        reply_to: None,
                        attachments: Vec::new(),
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
                stored_us: Histogram::new(3).expect("histogram"),
                delivered_us: Histogram::new(3).expect("histogram"),
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
                let Some((sender, n, sent, stored_ms)) = bench_stamp(&frame) else { continue };
                let now = origin.elapsed().as_micros() as u64;
                let _ = result.latency_us.record(now.saturating_sub(sent));
                let stored = (stored_ms * 1000).saturating_sub(origin_wall_us);
                let _ = result.stored_us.record(stored.saturating_sub(sent));
                let _ = result.delivered_us.record(now.saturating_sub(stored.max(sent)));
                result.deliveries += 1;
                match seen.get_mut(sender).and_then(|s| s.get_mut(n)) {
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
    let mut stored = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    let mut delivered = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    let (mut deliveries, mut lost, mut duplicates, mut receivers_with_loss) = (0u64, 0u64, 0u64, 0u64);
    for reader in readers {
        let seen = reader.await.map_err(|e| e.to_string())?;
        latency.add(&seen.latency_us).map_err(|e| e.to_string())?;
        stored.add(&seen.stored_us).map_err(|e| e.to_string())?;
        delivered.add(&seen.delivered_us).map_err(|e| e.to_string())?;
        deliveries += seen.deliveries;
        lost += seen.lost;
        duplicates += seen.duplicates;
        receivers_with_loss += u64::from(seen.lost > 0);
    }
    drop(writers);
    let cpu = cpu.await.ok().flatten();
    let probed = probed.await.map_err(|e| e.to_string())?;
    let generator_late_us = late.await.map_err(|e| e.to_string())?;
    let stolen = stolen.await.map_err(|e| e.to_string())?;
    Ok(FanOut {
        generator_late_us,
        stolen,
        probed,
        clients,
        senders,
        rate,
        seconds,
        deliveries_per_second: deliveries as f64 / seconds as f64,
        latency_us: latency,
        stored_us: stored,
        delivered_us: delivered,
        lost,
        duplicates,
        receivers_with_loss,
        cpu,
    })
}

/// Rooms the idle connections of (c) spread over.
const IDLE_ROOMS: usize = 100;

/// (c) `count` idle connections, each of which said hello, joined one of [`IDLE_ROOMS`] rooms
/// and reads what it is sent (presence), as an open browser tab does: the server's resident
/// memory grows by how much per connection?
async fn idle_memory(server: &Server, count: usize) -> Result<Outcome, String> {
    let rooms = IDLE_ROOMS.min(count.max(1));
    for room in 0..rooms {
        create_room(&server.addr, &format!("idle-{room}")).await?;
    }
    let connect = |count: usize, prefix: &'static str| {
        let addr = Arc::new(server.addr.clone());
        futures::stream::iter(0..count)
            .map(move |i| {
                let addr = addr.clone();
                async move { client::join(&addr, &format!("{prefix}-{i}"), &format!("idle-{}", i % rooms)).await }
            })
            .buffer_unordered(100)
            .map(|socket| socket.map(|mut socket| tokio::spawn(async move { while let Some(Ok(_)) = socket.next().await {} })))
            .collect::<Vec<_>>()
    };
    // A few connections first, so the delta is per connection and not start-up.
    let warm: Vec<_> = connect(10, "warm").await.into_iter().collect::<Result<_, _>>()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_kib();
    let readers: Vec<_> = connect(count, "idle").await.into_iter().collect::<Result<_, _>>()?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = server.rss_kib();
    let per_connection = (after.saturating_sub(before)) as f64 * 1024.0 / count as f64;
    readers.iter().chain(&warm).for_each(|reader| reader.abort());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bench_stamp_is_read_from_the_frame_the_server_sends() {
        let message = protocol::Message {
            room: "bench".into(),
            seq: 7,
            client_id: "s3-41".into(),
            author: "bench-3".into(),
            text: "b 3 41 1234567".into(),
            sent_at: 1_764_000_000_123,
            mood: 0.0,
            lang: None,
            ..protocol::Message::default()
        };
        let frame = protocol::frame::encode_server(&ServerEvent::Message(message));
        assert_eq!(bench_stamp(&Frame::Binary(frame.into())), Some((3, 41, 1_234_567, 1_764_000_000_123)));
        let other = protocol::frame::encode_server(&ServerEvent::Ack {
            room: "bench".into(),
            client_id: "x".into(),
            seq: 1,
        });
        assert_eq!(bench_stamp(&Frame::Binary(other.into())), None);
    }
}
