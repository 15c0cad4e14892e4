//! Capacity scenarios: (b) the highest fan-out rate within the latency budget, and (d) the
//! highest durable (acknowledged) message rate over many small rooms.

use crate::client;
use crate::scenarios::{fan_out, FanOut, Outcome};
use crate::server::Server;
use crate::Args;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use protocol::{ClientEvent, ServerEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lifts the per-connection message limit: these scenarios measure the server, not the
/// abuse guard (which a real person never meets).
pub const UNLIMITED: [&str; 2] = ["--max-messages-per-second", "1000000"];

/// How long set-up waits for each answer of the server.
const ANSWER: Duration = Duration::from_secs(30);

/// The latency budget of scenario (b).
const P99_BUDGET_MS: f64 = 100.0;

/// Total messages a second (all senders together) tried step by step.
const STEPS: [u64; 10] = [100, 200, 300, 500, 700, 1000, 1300, 1600, 2000, 2500];
const SENDERS: usize = 10;

/// One step of (b): its message rate and what it gave.
pub struct Step {
    pub messages_per_second: u64,
    pub run: FanOut,
}

impl Step {
    pub fn within_budget(&self) -> bool {
        self.run.ms(0.99) < P99_BUDGET_MS && self.run.lost == 0 && self.run.duplicates == 0
    }
}

/// (b) `clients` in one room; the send rate rises step by step (each on a fresh server,
/// `seconds` long) until p99 latency reaches 100 ms or a message is lost. Every message is
/// durably stored before it is delivered, as always.
pub async fn rate_steps(args: &Args, clients: usize, seconds: u64) -> Result<Outcome, String> {
    let mut steps = Vec::new();
    for total in STEPS {
        let server = Server::start(&args.natter, &UNLIMITED)?;
        let run = fan_out(&server, clients, SENDERS, total / SENDERS as u64, seconds).await?;
        eprintln!(
            "b: {total} msg/s → {:.0} deliveries/s, p99 {:.1} ms, lost {}",
            run.deliveries_per_second,
            run.ms(0.99),
            run.lost
        );
        let step = Step { messages_per_second: total, run };
        let over = !step.within_budget();
        steps.push(step);
        if over {
            break;
        }
    }
    let best = steps.iter().filter(|s| s.within_budget()).max_by_key(|s| s.messages_per_second);
    let mut figures = vec![
        (
            "best deliveries/s (p99 < 100 ms, no loss)".into(),
            best.map_or("none".into(), |s| format!("{:.0}", s.run.deliveries_per_second)),
        ),
        ("best p99 ms".into(), best.map_or("-".into(), |s| format!("{:.1}", s.run.ms(0.99)))),
    ];
    for step in &steps {
        figures.push((
            format!("{} msg/s", step.messages_per_second),
            format!(
                "{:.0} deliveries/s, p50 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, lost {}, duplicated {}; CPU {}",
                step.run.deliveries_per_second,
                step.run.ms(0.5),
                step.run.ms(0.99),
                step.run.ms(0.999),
                step.run.lost,
                step.run.duplicates,
                step.run.cpu.map_or("-".into(), |c| c.describe())
            ),
        ));
    }
    let plot: Vec<(f64, f64, f64)> =
        steps.iter().map(|s| (s.run.deliveries_per_second, s.run.ms(0.5), s.run.ms(0.99))).collect();
    crate::plot::latency_svg(&args.plot, &plot, P99_BUDGET_MS)
        .map_err(|e| format!("cannot write {}: {e}", args.plot))?;
    Ok(Outcome {
        name: format!("b: {clients} clients in one room, {SENDERS} senders, rate raised each {seconds} s"),
        figures,
    })
}

/// (d) `rooms` rooms of two people each, everyone sending as fast as acknowledgements come
/// back (a few messages in flight each) for `seconds`: acknowledged messages a second. An
/// ack means the message is committed to SQLite.
pub async fn durable(args: &Args, rooms: usize, seconds: u64) -> Result<Outcome, String> {
    let server = Server::start(&args.natter, &UNLIMITED)?;
    let run = durable_across(std::slice::from_ref(&server.addr), &[], rooms, seconds).await?;
    let ms = |quantile: f64| run.ack_us.value_at_quantile(quantile) as f64 / 1000.0;
    Ok(Outcome {
        name: format!("d: {rooms} rooms × 2 clients, everyone sending, {seconds} s"),
        figures: vec![
            ("connections".into(), run.connections.to_string()),
            ("acknowledged (durable) messages".into(), run.acked.to_string()),
            ("durable messages/s".into(), format!("{:.0}", run.per_second)),
            ("send → ack p50 / p99 ms".into(), format!("{:.1} / {:.1}", ms(0.5), ms(0.99))),
            ("refused sends".into(), run.refused.to_string()),
        ],
    })
}

/// What a durable run gave.
pub struct Durable {
    pub connections: usize,
    pub acked: u64,
    /// Sends answered with an error instead of an ack.
    pub refused: u64,
    pub per_second: f64,
    pub ack_us: Histogram<u64>,
    /// What `probes` used over the sending window.
    pub probed: crate::server::Probed,
}

/// (d) over the nodes of a cluster (`addrs`): the two people of room `r` on nodes `2r` and
/// `2r + 1` (modulo the nodes), so that on two nodes or more every message crosses the bus.
pub async fn durable_across(
    addrs: &[String],
    probes: &[crate::server::Probe],
    rooms: usize,
    seconds: u64,
) -> Result<Durable, String> {
    const IN_FLIGHT: usize = 8;
    let addrs = Arc::new(addrs.to_vec());
    // The first person of each pair creates its room. Pairs are ready in any order: each
    // comes back with its room's name (numbering them in the order they are ready would have
    // most people send to a room they never joined, refused).
    let sockets: Vec<Result<(String, Vec<client::Socket>), String>> = futures::stream::iter(0..rooms)
        .map(|r| {
            let addrs = addrs.clone();
            async move {
                let room = format!("d{r}");
                let addr = &addrs[2 * r % addrs.len()];
                let mut first = client::connect(addr).await?;
                client::send(&mut first, &ClientEvent::Hello { nickname: format!("d{r}-a"), password: None })
                    .await?;
                client::send(&mut first, &ClientEvent::CreateRoom { room: room.clone(), private: false })
                    .await?;
                client::wait_for(&mut first, ANSWER, |e| matches!(e, ServerEvent::RoomCreated { .. }))
                    .await?;
                client::send(&mut first, &ClientEvent::Join { room: room.clone(), since: None }).await?;
                client::wait_for(&mut first, ANSWER, |e| matches!(e, ServerEvent::History { .. })).await?;
                let second =
                    client::join_retrying(&addrs[(2 * r + 1) % addrs.len()], &format!("d{r}-b"), &room)
                        .await?;
                Ok((room, vec![first, second]))
            }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let sockets: Vec<(String, client::Socket)> = sockets
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flat_map(|(room, pair)| pair.into_iter().map(move |socket| (room.clone(), socket)))
        .collect();
    let connections = sockets.len();
    let start = Instant::now() + Duration::from_millis(500);
    let end = start + Duration::from_secs(seconds);
    let probed = tokio::spawn(crate::server::probe_between(probes.to_vec(), start, end));
    let workers: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, (room, mut socket))| {
            tokio::spawn(async move {
                tokio::time::sleep_until(start.into()).await;
                let (mut sent, mut acked, mut refused) = (0u64, 0u64, 0u64);
                // When each message in flight was sent: acks come back in sending order.
                let mut sent_at = std::collections::VecDeque::with_capacity(IN_FLIGHT);
                let mut ack_us = Histogram::<u64>::new(3).expect("histogram");
                loop {
                    let now = Instant::now();
                    if now >= end {
                        break;
                    }
                    while now < end && sent.saturating_sub(acked + refused) < IN_FLIGHT as u64 {
                        let event = ClientEvent::Send {
                            room: room.clone(),
                            client_id: format!("c{i}-{sent}"),
                            text: format!("durable {i} {sent}"),
                            reply_to: None,
                            attachments: Vec::new(),
                        };
                        if socket.feed(client::frame(&event)).await.is_err() {
                            return (acked, refused, ack_us);
                        }
                        sent_at.push_back(Instant::now());
                        sent += 1;
                    }
                    if socket.flush().await.is_err() {
                        return (acked, refused, ack_us);
                    }
                    match tokio::time::timeout_at(end.into(), socket.next()).await {
                        Ok(Some(Ok(frame))) => {
                            match client::decode(&frame) {
                                Some(ServerEvent::Ack { .. }) => {
                                    acked += 1;
                                    if let Some(at) = sent_at.pop_front() {
                                        let _ = ack_us.record(at.elapsed().as_micros() as u64);
                                    }
                                }
                                // A refused message is no longer in flight.
                                Some(ServerEvent::Error { client_id: Some(_), .. }) => {
                                    refused += 1;
                                    sent_at.pop_front();
                                }
                                _ => {}
                            }
                        }
                        Ok(_) => return (acked, refused, ack_us),
                        Err(_) => break,
                    }
                }
                (acked, refused, ack_us)
            })
        })
        .collect();
    let (mut acked, mut refused) = (0, 0);
    let mut ack_us = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    for worker in workers {
        let (count, refusals, latency) = worker.await.map_err(|e| e.to_string())?;
        acked += count;
        refused += refusals;
        ack_us.add(&latency).map_err(|e| e.to_string())?;
    }
    let probed = probed.await.map_err(|e| e.to_string())?;
    Ok(Durable { connections, acked, refused, per_second: acked as f64 / seconds as f64, ack_us, probed })
}
