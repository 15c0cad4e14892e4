//! (f) Big rooms: `people` in one room (time until all joined, memory per idle connection),
//! a server restart with everyone reconnecting with `since` (time until all resumed,
//! messages lost or duplicated, delivery latency after it), and the cost per delivery of the
//! one-room fan-out, each beside the bare broadcast server of [`crate::bare`] in the same run.

use crate::capacity::UNLIMITED;
use crate::client::{self, Socket};
use crate::scenarios::{create_room, fan_out, FanOut, Outcome};
use crate::server::Server;
use crate::Args;
use futures::StreamExt;
use hdrhistogram::Histogram;
use protocol::{ClientEvent, Seq, ServerEvent};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Semaphore};

const ROOM: &str = "big";
/// Messages a second the one sender posts through the restart (× `people` deliveries).
const RATE: u64 = 5;
/// How long the sender goes on after the restart.
const AFTER_RESTART: Duration = Duration::from_secs(12);
/// Latency after the restart is measured on messages sent this long after it and later.
const SETTLED: Duration = Duration::from_secs(5);

/// What the people of a run share.
struct Shared {
    addr: String,
    origin: Instant,
    /// Messages sent (µs since `origin`) before this are "before the restart"; from
    /// `settled_us` on "after" it. Set by the run.
    restart_us: AtomicU64,
    settled_us: AtomicU64,
    before: Mutex<Histogram<u64>>,
    after: Mutex<Histogram<u64>>,
    /// At most this many first joins at once (later ones are a herd, spread by jitter).
    handshakes: Semaphore,
}

/// One person's tally of the room's messages.
#[derive(Default)]
struct Tally {
    last: Seq,
    lost: u64,
    duplicated: u64,
}

impl Tally {
    fn see(&mut self, seq: Seq) {
        if seq <= self.last {
            self.duplicated += 1;
        } else {
            self.lost += seq - self.last - 1;
            self.last = seq;
        }
    }
}

/// A deterministic jitter in 0..`limit_ms` (no RNG crate for one number).
fn jitter(seed: u64, limit_ms: u64) -> Duration {
    let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Duration::from_millis((x ^ (x >> 31)) % limit_ms.max(1))
}

/// One person in the room: joins, reads everything, and after a lost connection reconnects
/// with backoff and jitter (as the browser does) and resumes with `since`. Reports each
/// (re)join on `joined` with its generation; returns the tally when `stop` is set.
async fn person(
    shared: Arc<Shared>,
    i: usize,
    joined: mpsc::UnboundedSender<(usize, usize, Instant)>,
    mut stop: watch::Receiver<bool>,
) -> Tally {
    let mut tally = Tally::default();
    let mut since: Option<Seq> = None;
    let mut generation = 0;
    let mut attempt = 0u64;
    while !*stop.borrow() {
        let socket = {
            let _slot = match generation {
                0 => Some(shared.handshakes.acquire().await),
                _ => None,
            };
            join(&shared.addr, &format!("big-{i}"), since).await
        };
        let mut socket = match socket {
            Ok(socket) => socket,
            Err(_) => {
                // 250 ms, 500 ms, … up to 4 s, each with up to as much jitter again.
                let backoff = Duration::from_millis(250 << attempt.min(4));
                tokio::time::sleep(backoff + jitter(i as u64 * 31 + attempt, backoff.as_millis() as u64))
                    .await;
                attempt += 1;
                continue;
            }
        };
        attempt = 0;
        let mut reported = false;
        loop {
            let frame = tokio::select! {
                frame = socket.next() => frame,
                _ = stop.changed() => return tally,
            };
            let Some(Ok(frame)) = frame else { break };
            match client::decode(&frame) {
                Some(ServerEvent::History { messages, .. }) => {
                    for message in &messages {
                        if since.is_some() {
                            tally.see(message.seq);
                        } else {
                            tally.last = tally.last.max(message.seq);
                        }
                    }
                    since = Some(tally.last);
                    if !reported {
                        reported = true;
                        let _ = joined.send((i, generation, Instant::now()));
                    }
                }
                Some(ServerEvent::Message(message)) => {
                    tally.see(message.seq);
                    since = Some(tally.last);
                    let sent = message.text.split(' ').nth(3).and_then(|s| s.parse::<u64>().ok());
                    if let Some(sent) = sent {
                        let now = shared.origin.elapsed().as_micros() as u64;
                        let histogram = if sent < shared.restart_us.load(Ordering::Relaxed) {
                            &shared.before
                        } else if sent >= shared.settled_us.load(Ordering::Relaxed) {
                            &shared.after
                        } else {
                            continue;
                        };
                        let _ = histogram
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .record(now.saturating_sub(sent));
                    }
                }
                _ => {}
            }
        }
        generation += 1;
        // The first retry comes after up to a second of jitter: the herd is spread.
        tokio::time::sleep(jitter(i as u64, 1000)).await;
    }
    tally
}

/// Connects, says hello and joins (resuming after `since`); the history is read by the caller.
async fn join(addr: &str, nickname: &str, since: Option<Seq>) -> Result<Socket, String> {
    let mut socket = client::connect(addr).await?;
    client::send(&mut socket, &ClientEvent::Hello { nickname: nickname.into(), password: None }).await?;
    client::send(&mut socket, &ClientEvent::Join { room: ROOM.into(), since }).await?;
    Ok(socket)
}

/// Posts `RATE` messages a second until `stop`, reconnecting (and resending what was not
/// acknowledged, under the same ids) when the server goes away. Returns the last acked `seq`.
async fn sender(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) -> Seq {
    let mut acked: Seq = 0;
    let mut unacked: Vec<ClientEvent> = Vec::new();
    let mut n = 0u64;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    'connect: while !*stop.borrow() {
        let Ok(mut socket) = join(&shared.addr, "big-sender", Some(Seq::MAX >> 1)).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        for event in &unacked {
            if client::send(&mut socket, event).await.is_err() {
                continue 'connect;
            }
        }
        loop {
            tokio::select! {
                                        _ = stop.changed() => return acked,
                                        _ = tick.tick() => {
                                            let sent = shared.origin.elapsed().as_micros();
                                            let event = ClientEvent::Send {
                                                room: ROOM.into(),
                                                client_id: format!("big-{n}"),
                                                text: format!("b 0 {n} {sent}"),
                                                reply_to: None,
                                                attachments: Vec::new(),
            };
                                            n += 1;
                                            unacked.push(event.clone());
                                            if client::send(&mut socket, &event).await.is_err() {
                                                continue 'connect;
                                            }
                                        }
                                        frame = socket.next() => match frame.as_ref().and_then(|f| f.as_ref().ok()).and_then(client::decode) {
                                            Some(ServerEvent::Ack { client_id, seq, .. }) => {
                                                acked = acked.max(seq);
                                                unacked.retain(|e| !matches!(e, ClientEvent::Send { client_id: id, .. } if *id == client_id));
                                            }
                                            Some(_) => {}
                                            None if matches!(frame, Some(Ok(_))) => {}
                                            None => continue 'connect,
                                        },
                                    }
        }
    }
    acked
}

/// What filling a room gave.
struct Filled {
    seconds: f64,
    bytes_per_connection: f64,
    people: Vec<tokio::task::JoinHandle<Tally>>,
    joined: mpsc::UnboundedReceiver<(usize, usize, Instant)>,
    stop: watch::Sender<bool>,
}

/// Puts `count` people in the room of `server` (at most 100 handshakes at a time) and
/// measures the time until all have their history, and the server's memory per connection
/// once idle.
async fn fill(server: &Server, shared: &Arc<Shared>, count: usize) -> Result<Filled, String> {
    create_room(&server.addr, ROOM).await?;
    let (stop, stopped) = watch::channel(false);
    let (report, mut joined) = mpsc::unbounded_channel();
    // A few first, so the delta is per connection and not start-up.
    let mut people: Vec<_> = (count..count + 10)
        .map(|i| tokio::spawn(person(Arc::clone(shared), i, report.clone(), stopped.clone())))
        .collect();
    for _ in 0..10 {
        joined.recv().await.ok_or("a person ended")?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_kib();
    let started = Instant::now();
    people.extend(
        (0..count).map(|i| tokio::spawn(person(Arc::clone(shared), i, report.clone(), stopped.clone()))),
    );
    let mut last = started;
    for _ in 0..count {
        let limit = tokio::time::Instant::now() + Duration::from_secs(120);
        let (_, _, at) = tokio::time::timeout_at(limit, joined.recv())
            .await
            .map_err(|_| "joins took over 2 min")?
            .ok_or("a person ended")?;
        last = last.max(at);
    }
    let seconds = (last - started).as_secs_f64();
    // Presence settles (one period), then the room is idle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = server.rss_kib();
    let bytes_per_connection = after.saturating_sub(before) as f64 * 1024.0 / count as f64;
    Ok(Filled { seconds, bytes_per_connection, people, joined, stop })
}

fn shared(addr: &str) -> Arc<Shared> {
    Arc::new(Shared {
        addr: addr.to_owned(),
        origin: Instant::now(),
        restart_us: AtomicU64::new(u64::MAX),
        settled_us: AtomicU64::new(u64::MAX),
        before: Mutex::new(Histogram::new(3).expect("histogram")),
        after: Mutex::new(Histogram::new(3).expect("histogram")),
        handshakes: Semaphore::new(100),
    })
}

fn ms(histogram: &Histogram<u64>) -> String {
    let q = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    format!("{:.1} / {:.1} / {:.1} / {:.1}", q(0.5), q(0.99), q(0.999), histogram.max() as f64 / 1000.0)
}

/// Server CPU seconds per million deliveries in a fan-out run.
fn cpu_per_million(run: &FanOut) -> Option<f64> {
    let cpu = run.cpu?;
    Some(cpu.server / (run.deliveries_per_second / 1e6))
}

pub async fn big_room(args: &Args, people: usize) -> Result<Outcome, String> {
    let mut figures: Vec<(String, String)> = Vec::new();
    let bare_binary = std::env::current_exe().map_err(|e| e.to_string())?;
    let bare_binary = bare_binary.to_str().ok_or("odd path")?.to_owned();

    // Natter: fill the room, then restart under it with one sender posting throughout.
    let server = Server::start(&args.natter, &UNLIMITED)?;
    let room = shared(&server.addr);
    let mut filled = fill(&server, &room, people).await?;
    eprintln!(
        "f: {people} joined natter in {:.2} s, {:.0} B/connection",
        filled.seconds, filled.bytes_per_connection
    );
    figures.push(("natter: time until all joined s".into(), format!("{:.2}", filled.seconds)));
    figures.push(("natter: bytes/idle connection".into(), format!("{:.0}", filled.bytes_per_connection)));
    let (stop_sender, sender_stop) = watch::channel(false);
    let posting = tokio::spawn(sender(Arc::clone(&room), sender_stop));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let restart = Instant::now();
    room.restart_us.store((restart - room.origin).as_micros() as u64, Ordering::Relaxed);
    room.settled_us.store((restart + SETTLED - room.origin).as_micros() as u64, Ordering::Relaxed);
    let server = tokio::task::spawn_blocking(move || {
        let mut server = server;
        server.restart().map(|()| server)
    })
    .await
    .map_err(|e| e.to_string())??;
    let restarted = restart.elapsed();
    let mut resumed = 0;
    let mut last = restart;
    while resumed < people {
        let limit = tokio::time::Instant::now() + Duration::from_secs(60);
        match tokio::time::timeout_at(limit, filled.joined.recv()).await {
            Ok(Some((i, generation, at))) if generation > 0 && i < people => {
                resumed += 1;
                last = last.max(at);
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    tokio::time::sleep_until((restart + AFTER_RESTART).into()).await;
    let _ = stop_sender.send(true);
    let acked = posting.await.map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = filled.stop.send(true);
    let (mut lost, mut duplicated) = (0, 0);
    // Everyone, the ten who came first included, should have every acknowledged message.
    for person in filled.people.drain(..) {
        let tally = person.await.map_err(|e| e.to_string())?;
        lost += acked.saturating_sub(tally.last) + tally.lost;
        duplicated += tally.duplicated;
    }
    drop(server);
    figures.push((
        "natter: restart (SIGTERM until listening again) s".into(),
        format!("{:.2}", restarted.as_secs_f64()),
    ));
    figures.push((
        "natter: time until all resumed with since, from the restart s".into(),
        match resumed == people {
            true => format!("{:.2}", (last - restart).as_secs_f64()),
            false => format!("only {resumed} of {people} in 60 s"),
        },
    ));
    figures.push(("natter: messages through the restart (acked)".into(), acked.to_string()));
    figures.push(("natter: lost / duplicated deliveries".into(), format!("{lost} / {duplicated}")));
    let before = ms(&room.before.lock().unwrap_or_else(|e| e.into_inner()));
    let after = ms(&room.after.lock().unwrap_or_else(|e| e.into_inner()));
    figures.push(("natter: delivery before the restart p50 / p99 / p99.9 / max ms".into(), before));
    figures.push((
        format!("natter: delivery from {} s after the restart p50 / p99 / p99.9 / max ms", SETTLED.as_secs()),
        after,
    ));

    // The bare server: the same room filled.
    let bare = Server::start(&bare_binary, &["--bare-server"])?;
    let bare_room = shared(&bare.addr);
    let filled = fill(&bare, &bare_room, people).await?;
    eprintln!(
        "f: {people} joined bare in {:.2} s, {:.0} B/connection",
        filled.seconds, filled.bytes_per_connection
    );
    figures.push(("bare: time until all joined s".into(), format!("{:.2}", filled.seconds)));
    figures.push(("bare: bytes/idle connection".into(), format!("{:.0}", filled.bytes_per_connection)));
    // The same sender into the full room: what delivering one message to everyone costs the
    // floor on this machine (the generator reads every copy on its one core).
    let (stop_sender, sender_stop) = watch::channel(false);
    let posting = tokio::spawn(sender(Arc::clone(&bare_room), sender_stop));
    tokio::time::sleep(Duration::from_secs(8)).await;
    let _ = stop_sender.send(true);
    let _ = posting.await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let bare_delivery = ms(&bare_room.before.lock().unwrap_or_else(|e| e.into_inner()));
    figures.push((
        format!("bare: delivery to {people} in one room at {RATE} msg/s p50 / p99 / p99.9 / max ms"),
        bare_delivery,
    ));
    let _ = filled.stop.send(true);
    for person in filled.people {
        let _ = person.await;
    }
    drop(bare);

    // Cost per delivery at 100,000 deliveries/s (1,000 people, 100 messages/s), each on a
    // fresh server.
    let clients = (people / 10).max(10);
    for (name, binary, extra) in [
        ("natter", args.natter.as_str(), &UNLIMITED[..]),
        ("bare", bare_binary.as_str(), &["--bare-server"][..]),
    ] {
        let server = Server::start(binary, extra)?;
        let run = fan_out(&server, clients, 10, 10, 10).await?;
        eprintln!("f: {name} fan-out {:.0}/s, p99.9 {:.1} ms", run.deliveries_per_second, run.ms(0.999));
        figures.push((
            format!("{name}: fan-out {clients} × 100 msg/s, deliveries/s"),
            format!("{:.0}", run.deliveries_per_second),
        ));
        figures.push((format!("{name}: fan-out p50 / p99 / p99.9 / max ms"), ms(&run.latency_us)));
        // Where the tail is: up to the message's `sent_at` (natter: committed to disk; bare:
        // put in the channel), and from there to the receiver (the fan-out itself).
        figures.push((
            format!("{name}: of which send → sent_at p50 / p99 / p99.9 / max ms (±1)"),
            ms(&run.stored_us),
        ));
        figures.push((
            format!("{name}: of which sent_at → received p50 / p99 / p99.9 / max ms (±1)"),
            ms(&run.delivered_us),
        ));
        figures.push((
            format!("{name}: generator's 1 ms timer late by p50 / p99 / p99.9 / max ms"),
            ms(&run.generator_late_us),
        ));
        figures.push((
            format!("{name}: CPU stolen by the hypervisor during the run"),
            run.stolen.map_or("-".into(), |s| format!("{:.1}%", s * 100.0)),
        ));
        figures.push((
            format!("{name}: fan-out lost / duplicated"),
            format!("{} / {}", run.lost, run.duplicates),
        ));
        figures.push((
            format!("{name}: server CPU s per million deliveries"),
            cpu_per_million(&run).map_or("-".into(), |s| format!("{s:.3}")),
        ));
    }
    Ok(Outcome { name: format!("f: {people} people in one room, a restart, and the bare floor"), figures })
}
