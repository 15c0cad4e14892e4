//! (i) The cluster: scenario a's fan-out (one room, [`FAN_CLIENTS`] people, [`SENDERS`] ×
//! [`RATE`] messages a second) and scenario d's durable messages (rooms of two, everyone
//! sending as fast as acks come back), first on the default single SQLite node and then on 1,
//! 2 and 3 nodes sharing PostgreSQL and Redis (docs/scaling.md), clients spread evenly over
//! the nodes. Every configuration gets fresh nodes and, on PostgreSQL, a fresh database
//! (created through `psql`, dropped after). Before the runs, [`IDLE`] idle connections weigh
//! each node (resident memory per connection) and the configuration's CPU at rest is read.
//!
//! The point on this 2-core machine is what a delivery, a stored message and a connection
//! cost, summed over the nodes, and what the bus adds; not throughput. As in every scenario
//! the nodes run on CPU 0 (all of them: their CPU is summed) and the load generator on CPU 1;
//! PostgreSQL and Redis are the machine's own services and run where the kernel puts them.
//! Over each run's window the CPU of every node (`/proc/<pid>/stat`), of PostgreSQL's processes
//! serving the run's database and of Redis (`/proc/<pid>/task/*/schedstat`, finer), and of the
//! whole machine (`/proc/stat`) are read: what none of them used is someone else's, and a run
//! it disturbed is flagged on stderr. Redis's own byte counters (`INFO stats`) give the bus's
//! traffic per message, and the nodes' `natter_bus_filled` how often an event had to be read
//! from the database because the bus brought it late.

use crate::capacity::{durable_across, Durable, UNLIMITED};
use crate::client;
use crate::scenarios::{create_room, fan_out_across, FanOut, Outcome};
use crate::server::{probe_matching, probe_pids, probe_self, rss_kib_of, Probe, Probed, Server};
use crate::Args;
use futures::StreamExt;
use hdrhistogram::Histogram;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// The secret every node of a cluster shares (signs cookies; the bench never signs in).
const SECRET: &str = "natter-bench-cluster-secret-0123456789abcdef";
/// The fan-out: people in the one room, senders among them, messages a second each, seconds.
/// Half of scenario a's rate: three nodes, PostgreSQL and Redis share this machine's 2 cores
/// with the generator.
const FAN_CLIENTS: usize = 1000;
const SENDERS: usize = 10;
const RATE: u64 = 5;
const FAN_SECONDS: u64 = 8;
/// The durable run: rooms of two, seconds. Half of d's rooms: every person and room is a
/// write of its own at set-up, and 1,000 rooms took 13 s (SQLite) to 28 s (two nodes) to set up.
const DURABLE_ROOMS: usize = 500;
const DURABLE_SECONDS: u64 = 5;
/// Idle connections (in [`IDLE_ROOMS`] rooms) whose memory each node is weighed with.
const IDLE: usize = 6000;
const IDLE_ROOMS: usize = 100;
/// A share of a core used by processes other than the probed ones above which a run's
/// figures are called disturbed (the kernel's own network work is a few percent).
const DISTURBED: f64 = 0.25;
/// How long a person who left stays present (`engine::presence`), and a margin.
const GRACE: Duration = Duration::from_millis(3500);
/// The longest wait for the nodes to be quiet after the fan-out.
const SETTLE_LIMIT: Duration = Duration::from_secs(12);
/// How long the CPU of the configuration at rest (the idle connections only) is measured.
const IDLE_CPU: Duration = Duration::from_secs(3);

/// One configuration: the label it is reported under and its nodes (0: one SQLite node).
struct Configuration {
    label: String,
    nodes: usize,
}

fn configurations() -> Vec<Configuration> {
    let mut all = vec![Configuration { label: "SQLite, 1 node".into(), nodes: 0 }];
    for nodes in 1..=3 {
        let plural = if nodes == 1 { "" } else { "s" };
        all.push(Configuration { label: format!("PostgreSQL + Redis, {nodes} node{plural}"), nodes });
    }
    all
}

/// Runs `sql` through `psql` on the administrative database `admin`.
fn psql(admin: &str, sql: &str) -> Result<(), String> {
    let output = std::process::Command::new("psql")
        .args([admin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    match output.status.success() {
        true => Ok(()),
        false => Err(format!("psql: {}", String::from_utf8_lossy(&output.stderr).trim())),
    }
}

/// A fresh database, dropped (with whatever is still connected to it) when this is.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create(admin: &str) -> Result<Database, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() % 1_000_000_000_000);
        let name = format!("natter_bench_{}_{nanos}", std::process::id());
        psql(admin, &format!("CREATE DATABASE {name}"))?;
        // The administrative URL with the new database in place of its own.
        let base = admin.split('?').next().unwrap_or(admin);
        let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
        Ok(Database { admin: admin.to_owned(), url: format!("{base}/{name}"), name })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Err(error) = psql(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
        {
            eprintln!("i: cannot drop {}: {error}", self.name);
        }
    }
}

/// Whether Redis at `url` answers PING; its port.
fn redis_port(url: &str) -> Result<u16, String> {
    let rest = url.strip_prefix("redis://").ok_or("not a redis:// URL")?;
    let hostport = rest.split('/').next().unwrap_or(rest);
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let hostport = if hostport.contains(':') { hostport.to_owned() } else { format!("{hostport}:6379") };
    let port = hostport.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).ok_or("no port")?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&hostport)
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).map_err(|e| e.to_string())?;
    stream.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut answer = [0; 7];
    let read = stream.read(&mut answer).map_err(|e| e.to_string())?;
    match answer[..read].starts_with(b"+PONG") {
        true => Ok(port),
        false => Err(format!("answered {:?}", String::from_utf8_lossy(&answer[..read]))),
    }
}

/// Redis's own count of the bytes it has read and written (`INFO stats`), or `None`.
fn redis_net_bytes(url: &str) -> Option<(u64, u64)> {
    let hostport = url.strip_prefix("redis://")?.split('/').next()?;
    let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
    let addr = std::net::ToSocketAddrs::to_socket_addrs(hostport).ok()?.next()?;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.write_all(b"INFO stats\r\n").ok()?;
    // A bulk string: "$<length>\r\n<text>\r\n".
    let mut reply = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        reply.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&reply);
        let (head, body) = text.split_once("\r\n")?;
        let length: usize = head.strip_prefix('$')?.parse().ok()?;
        if body.len() >= length {
            let field = |name: &str| {
                body.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':')?.trim().parse().ok())
            };
            return Some((field("total_net_input_bytes")?, field("total_net_output_bytes")?));
        }
    }
}

/// Probes of Redis's bytes in and out, as counters (see [`Probed::totals`]).
fn redis_bytes_probes(url: &str) -> [Probe; 2] {
    let (a, b) = (url.to_owned(), url.to_owned());
    [
        Arc::new(move || redis_net_bytes(&a).map(|(input, _)| (0, input)).into_iter().collect()),
        Arc::new(move || redis_net_bytes(&b).map(|(_, output)| (0, output)).into_iter().collect()),
    ]
}

/// Whether process `comm` / `cmdline` is one of a PostgreSQL serving database `name`: the
/// server's own (the postmaster, the writers, the checkpointer) or a backend connected to
/// `name`, not one connected to another database.
fn serves(comm: &str, cmdline: &str, name: &str) -> bool {
    if comm != "postgres" {
        return false;
    }
    // A backend's title: "postgres: 15/main: user database 127.0.0.1(5432) idle".
    let backend = cmdline.contains('(') || cmdline.contains("[local]");
    !backend || cmdline.split_whitespace().any(|word| word == name)
}

fn postgres_probe(name: String) -> Probe {
    probe_matching(move |comm, cmdline| serves(comm, cmdline, &name))
}

fn redis_probe(port: u16) -> Probe {
    let port = format!(":{port}");
    probe_matching(move |comm, cmdline| comm == "redis-server" && cmdline.contains(&port))
}

/// Nodes of one configuration; killed before the database is dropped (field order).
struct Nodes {
    servers: Vec<Server>,
    database: Option<Database>,
}

impl Nodes {
    fn start(args: &Args, configuration: &Configuration) -> Result<Nodes, String> {
        if configuration.nodes == 0 {
            return Ok(Nodes { servers: vec![Server::start(&args.natter, &UNLIMITED)?], database: None });
        }
        let database = Database::create(&args.postgres)?;
        let mut extra: Vec<&str> = UNLIMITED.to_vec();
        extra.extend(["--database-url", &database.url, "--redis-url", &args.redis, "--secret", SECRET]);
        // One after the other: the first applies the migrations.
        let servers = (0..configuration.nodes)
            .map(|_| Server::start(&args.natter, &extra))
            .collect::<Result<_, _>>()?;
        Ok(Nodes { servers, database: Some(database) })
    }

    fn addrs(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.addr.clone()).collect()
    }

    fn pids(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.pid).collect()
    }
}

/// What one configuration gave.
struct Measured {
    slots: Slots,
    bytes_per_idle_connection: Vec<f64>,
    /// What the probes used while the idle connections sat there, and how many there were.
    quiet: Probed,
    idle_connections: usize,
    fan: FanOut,
    durable: Durable,
    /// Room events the nodes read from the database because the bus brought them late or
    /// out of order (`natter_bus_filled`), summed over the nodes: durable run, fan-out.
    filled: (f64, f64),
}

/// Where each figure is among a configuration's probes.
struct Slots {
    /// The nodes are the first `nodes` probes.
    nodes: usize,
    generator: usize,
    /// Every process's CPU on the machine (`/proc/stat`), ours included.
    machine: usize,
    /// PostgreSQL's and Redis's processes, and Redis's bytes in and out, when found.
    postgres: Option<usize>,
    redis: Option<usize>,
    redis_bytes: Option<(usize, usize)>,
}

/// Busy time of the whole machine (all CPUs, in ns), from `/proc/stat`: user, nice, system,
/// irq, softirq and steal.
fn machine_busy_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).filter_map(|field| field.parse().ok()).collect();
    let busy = [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| ticks.get(i)).sum::<u64>();
    Some(busy * 10_000_000)
}

/// A configuration's probes: each node, the generator, the machine, then whichever of
/// PostgreSQL and Redis are there.
fn probes(args: &Args, nodes: &Nodes) -> Result<(Vec<Probe>, Slots), String> {
    let pids = nodes.pids();
    let mut probes: Vec<Probe> = pids.iter().map(|&pid| probe_pids(vec![pid])).collect();
    probes.push(probe_self());
    probes.push(Arc::new(|| machine_busy_ns().map(|ns| (0, ns)).into_iter().collect()));
    let mut slots = Slots {
        nodes: pids.len(),
        generator: pids.len(),
        machine: pids.len() + 1,
        postgres: None,
        redis: None,
        redis_bytes: None,
    };
    if let Some(database) = &nodes.database {
        let postgres = postgres_probe(database.name.clone());
        if !postgres().is_empty() {
            slots.postgres = Some(probes.len());
            probes.push(postgres);
        }
        let redis = redis_probe(redis_port(&args.redis)?);
        if !redis().is_empty() {
            slots.redis = Some(probes.len());
            probes.push(redis);
        }
        if redis_net_bytes(&args.redis).is_some() {
            slots.redis_bytes = Some((probes.len(), probes.len() + 1));
            probes.extend(redis_bytes_probes(&args.redis));
        }
    }
    Ok((probes, slots))
}

/// One window's figures, by slot.
struct View<'a> {
    probed: &'a Probed,
    slots: &'a Slots,
}

impl View<'_> {
    fn seconds(&self, slot: usize) -> f64 {
        self.probed.cpu_seconds.get(slot).copied().unwrap_or(0.0)
    }

    fn nodes(&self) -> f64 {
        (0..self.slots.nodes).map(|slot| self.seconds(slot)).sum()
    }

    fn postgres(&self) -> Option<f64> {
        self.slots.postgres.map(|slot| self.seconds(slot))
    }

    fn redis(&self) -> Option<f64> {
        self.slots.redis.map(|slot| self.seconds(slot))
    }

    /// The machine's CPU that none of the probed processes used: other processes and the
    /// kernel's own threads (on a shared machine, someone else's work).
    fn rest(&self) -> f64 {
        let probed = self.nodes()
            + self.seconds(self.slots.generator)
            + self.postgres().unwrap_or(0.0)
            + self.redis().unwrap_or(0.0);
        (self.seconds(self.slots.machine) - probed).max(0.0)
    }

    fn redis_bytes(&self) -> Option<(u64, u64)> {
        let (input, output) = self.slots.redis_bytes?;
        Some((*self.probed.totals.get(input)?, *self.probed.totals.get(output)?))
    }

    /// A share of one core over the window, as "12%"; "-" when not measured.
    fn share(&self, cpu: Option<f64>) -> String {
        let window = self.probed.window_seconds.max(1e-9);
        cpu.map_or("-".into(), |cpu| format!("{:.0}%", cpu / window * 100.0))
    }

    /// Nodes / PostgreSQL / Redis / generator / the rest of the machine, each a share of a core.
    fn shares(&self) -> String {
        let each = (0..self.slots.nodes).map(|slot| self.share(Some(self.seconds(slot))));
        format!(
            "{} / {} / {} / {} / {}",
            each.collect::<Vec<_>>().join(" + "),
            self.share(self.postgres()),
            self.share(self.redis()),
            self.share(Some(self.seconds(self.slots.generator))),
            self.share(Some(self.rest()))
        )
    }
}

/// Waits until the nodes are quiet again (under 5% of a core together over half a second),
/// at least [`GRACE`] and at most [`SETTLE_LIMIT`].
async fn settle(probes: &[Probe], slots: &Slots) {
    let started = std::time::Instant::now();
    tokio::time::sleep(GRACE).await;
    while started.elapsed() < SETTLE_LIMIT {
        let now = std::time::Instant::now();
        let probed = crate::server::probe_between(
            probes[..slots.nodes].to_vec(),
            now,
            now + Duration::from_millis(500),
        )
        .await;
        if probed.cpu_seconds.iter().sum::<f64>() / probed.window_seconds.max(1e-9) < 0.05 {
            return;
        }
    }
}

/// The sum over the nodes of a counter in their `/metrics`, or `None` if one does not answer.
fn metric_sum(addrs: &[String], name: &str) -> Option<f64> {
    addrs.iter().map(|addr| metric(addr, name)).sum()
}

/// One counter from `GET /metrics` of the node at `addr` (0 if it is not there yet).
fn metric(addr: &str, name: &str) -> Option<f64> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes()).ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let value = text.lines().find_map(|line| {
        let (key, value) = line.split_once(' ')?;
        (key == name).then(|| value.trim().parse::<f64>().ok()).flatten()
    });
    Some(value.unwrap_or(0.0))
}

/// Connects [`IDLE`] people spread over the nodes (room `k` on every node), each reading
/// what it is sent; returns the readers and each node's memory per connection.
async fn idle(
    addrs: &[String],
    pids: &[u32],
    count: usize,
) -> Result<(Vec<tokio::task::JoinHandle<()>>, Vec<f64>), String> {
    let rooms = IDLE_ROOMS.min(count.max(1));
    for room in 0..rooms {
        create_room(&addrs[0], &format!("idle-{room}")).await?;
    }
    let n = addrs.len();
    let connect = |range: std::ops::Range<usize>, prefix: &'static str| {
        let addrs = Arc::new(addrs.to_vec());
        futures::stream::iter(range)
            .map(move |i| {
                let addrs = addrs.clone();
                async move {
                    let room = format!("idle-{}", (i / n) % rooms);
                    client::join_retrying(&addrs[i % n], &format!("{prefix}-{i}"), &room).await
                }
            })
            .buffer_unordered(100)
            .map(|socket| {
                socket.map(|mut socket| {
                    tokio::spawn(async move { while let Some(Ok(_)) = socket.next().await {} })
                })
            })
            .collect::<Vec<_>>()
    };
    // A few on every node first, so the delta is per connection and not start-up.
    let mut readers: Vec<_> = connect(0..10 * n, "warm").await.into_iter().collect::<Result<_, _>>()?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before: Vec<u64> = pids.iter().map(|&pid| rss_kib_of(pid)).collect();
    readers.extend(connect(0..count, "idle").await.into_iter().collect::<Result<Vec<_>, _>>()?);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let per_connection = pids
        .iter()
        .zip(before)
        .enumerate()
        .map(|(node, (&pid, before))| {
            let here = (0..count).filter(|i| i % n == node).count().max(1);
            rss_kib_of(pid).saturating_sub(before) as f64 * 1024.0 / here as f64
        })
        .collect();
    Ok((readers, per_connection))
}

async fn measure(args: &Args, configuration: &Configuration, scale: usize) -> Result<Measured, String> {
    let nodes = Nodes::start(args, configuration)?;
    let (addrs, pids) = (nodes.addrs(), nodes.pids());
    let (probes, slots) = probes(args, &nodes)?;
    let started = std::time::Instant::now();
    let phase = |name: &str| {
        eprintln!("i: {}: {name} at {:.1} s", configuration.label, started.elapsed().as_secs_f64())
    };
    let (readers, bytes_per_idle_connection) = idle(&addrs, &pids, IDLE / scale).await?;
    phase("idle connections weighed");
    // What the configuration costs with nobody saying anything: heartbeats, keepalive, the
    // services' own work. It is in every figure below too.
    let now = std::time::Instant::now();
    let quiet = crate::server::probe_between(probes.clone(), now, now + IDLE_CPU).await;
    let filled = || metric_sum(&addrs, "natter_bus_filled_total").unwrap_or(0.0);
    let filled_before = filled();
    let seconds = (FAN_SECONDS / scale as u64).max(3);
    let fan = fan_out_across(&addrs, &pids, &probes, FAN_CLIENTS / scale, SENDERS, RATE, seconds).await?;
    let filled_fan = filled();
    phase("fan-out done");
    // The fan-out's people have gone: each leaves its room of a thousand after the grace
    // period, a presence event to everyone left. That is over before the durable run.
    settle(&probes, &slots).await;
    phase("settled");
    let durable =
        durable_across(&addrs, &probes, DURABLE_ROOMS / scale, (DURABLE_SECONDS / scale as u64).max(2))
            .await?;
    let filled_durable = filled();
    phase("durable run done");
    readers.iter().for_each(|reader| reader.abort());
    drop(nodes);
    phase("stopped");
    Ok(Measured {
        slots,
        bytes_per_idle_connection,
        quiet,
        idle_connections: IDLE / scale,
        fan,
        durable,
        filled: (filled_durable - filled_fan, filled_fan - filled_before),
    })
}

fn ms(histogram: &Histogram<u64>) -> String {
    let q = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    format!("{:.1} / {:.1} / {:.1} / {:.1}", q(0.5), q(0.99), q(0.999), histogram.max() as f64 / 1000.0)
}

fn figures(label: &str, m: &Measured) -> Vec<(String, String)> {
    let slots = &m.slots;
    let clustered = slots.postgres.is_some() || slots.redis.is_some();
    let shares_key = "share of one core: nodes / PostgreSQL / Redis / generator / rest of the machine";
    // The fan-out: CPU over its window, per million deliveries.
    let fan = &m.fan;
    let f = View { probed: &fan.probed, slots };
    let per_million = |cpu: Option<f64>| {
        let millions = fan.deliveries_per_second / 1e6 * fan.probed.window_seconds.max(1e-9);
        cpu.map_or("-".into(), |cpu| format!("{:.3}", cpu / millions))
    };
    // The durable run: CPU per acknowledged message.
    let durable = &m.durable;
    let d = View { probed: &durable.probed, slots };
    let per_message = |cpu: Option<f64>| {
        cpu.map_or("-".into(), |cpu| format!("{:.1}", cpu * 1e6 / durable.acked.max(1) as f64))
    };
    let ack = |q: f64| durable.ack_us.value_at_quantile(q) as f64 / 1000.0;
    let quiet = View { probed: &m.quiet, slots };
    let idle = m.bytes_per_idle_connection.iter().map(|b| format!("{b:.0}")).collect::<Vec<_>>().join(" / ");
    let mut figures = vec![
        (format!("{label}: fan-out deliveries/s"), format!("{:.0}", fan.deliveries_per_second)),
        (format!("{label}: fan-out p50 / p99 / p99.9 / max ms"), ms(&fan.latency_us)),
        (format!("{label}: fan-out lost / duplicated"), format!("{} / {}", fan.lost, fan.duplicates)),
        (
            format!("{label}: fan-out CPU s per million deliveries: all nodes / PostgreSQL / Redis"),
            format!(
                "{} / {} / {}",
                per_million(Some(f.nodes())),
                per_million(f.postgres()),
                per_million(f.redis())
            ),
        ),
        (format!("{label}: fan-out CPU, {shares_key}"), f.shares()),
        (format!("{label}: durable messages/s (acknowledged)"), format!("{:.0}", durable.per_second)),
        (format!("{label}: durable sends refused"), durable.refused.to_string()),
        (format!("{label}: durable send → ack p50 / p99 ms"), format!("{:.1} / {:.1}", ack(0.5), ack(0.99))),
        (
            format!("{label}: durable CPU µs per acknowledged message: all nodes / PostgreSQL / Redis"),
            format!(
                "{} / {} / {}",
                per_message(Some(d.nodes())),
                per_message(d.postgres()),
                per_message(d.redis())
            ),
        ),
        (format!("{label}: durable CPU, {shares_key}"), d.shares()),
    ];
    if clustered {
        figures.push((
            format!("{label}: durable, bytes into / out of Redis per acknowledged message"),
            d.redis_bytes().map_or("-".into(), |(input, output)| {
                let per = |bytes: u64| bytes as f64 / durable.acked.max(1) as f64;
                format!("{:.0} / {:.0}", per(input), per(output))
            }),
        ));
        figures.push((
            format!("{label}: room events read from the database to fill a gap, durable / fan-out"),
            format!("{:.0} / {:.0}", m.filled.0, m.filled.1),
        ));
    }
    figures.push((format!("{label}: bytes per idle connection, each node"), idle));
    figures.push((
        format!("{label}: at rest ({} idle connections), {shares_key}", m.idle_connections),
        quiet.shares(),
    ));
    figures
}

pub async fn cluster(args: &Args, scale: usize) -> Result<Outcome, String> {
    let mut figures_out = vec![(
        "set-up".into(),
        format!(
            "fan-out: {0} people in one room, {SENDERS} senders × {RATE} msg/s, {1} s; then durable: {2} \
             rooms × 2 (the two on different nodes), {3} s; {4} idle connections in {IDLE_ROOMS} rooms \
             weigh each node; clients spread evenly over the nodes; all nodes on CPU 0, the generator on \
             CPU 1, PostgreSQL and Redis unpinned",
            FAN_CLIENTS / scale,
            (FAN_SECONDS / scale as u64).max(3),
            DURABLE_ROOMS / scale,
            (DURABLE_SECONDS / scale as u64).max(2),
            IDLE / scale,
        ),
    )];
    // Whether the services are there: without them only SQLite is measured.
    let services = psql(&args.postgres, "SELECT 1").and_then(|()| redis_port(&args.redis).map(|_| ()));
    for configuration in configurations() {
        let label = &configuration.label;
        if configuration.nodes > 0 {
            if let Err(error) = &services {
                eprintln!("i: {label} skipped: {error}");
                figures_out.push((format!("{label}: skipped"), error.replace('|', "/")));
                continue;
            }
        }
        let measured = measure(args, &configuration, scale).await?;
        eprintln!(
            "i: {label}: {:.0} deliveries/s, p99 {:.1} ms, lost {}, {:.0} durable msg/s",
            measured.fan.deliveries_per_second,
            measured.fan.ms(0.99),
            measured.fan.lost,
            measured.durable.per_second
        );
        // On a shared machine someone else's work (a build) disturbs every figure: say so.
        for (run, probed) in [("fan-out", &measured.fan.probed), ("durable run", &measured.durable.probed)] {
            let rest = View { probed, slots: &measured.slots }.rest() / probed.window_seconds.max(1e-9);
            if rest > DISTURBED {
                eprintln!(
                    "i: {label}: WARNING: other processes used {:.0}% of a core during the {run}: its \
                     figures are disturbed (see \"rest of the machine\")",
                    rest * 100.0
                );
            }
        }
        figures_out.extend(figures(label, &measured));
    }
    Ok(Outcome {
        name: "i: the cluster: one SQLite node, then 1, 2 and 3 nodes on PostgreSQL + Redis".into(),
        figures: figures_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_is_its_own_processes_and_the_backends_of_one_database() {
        let ours = "natter_bench_1_2";
        for (comm, cmdline, counted) in [
            ("postgres", "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", true),
            ("postgres", "postgres: 15/main: walwriter", true),
            ("postgres", "postgres: 15/main: postgres natter_bench_1_2 127.0.0.1(41234) idle", true),
            ("postgres", "postgres: 15/main: postgres natter_bench_1_2 [local] COMMIT", true),
            ("postgres", "postgres: 15/main: postgres natter_s_9 127.0.0.1(41236) idle", false),
            ("postgres", "postgres: 15/main: postgres natter_bench_1_23 127.0.0.1(41238) idle", false),
            ("natter", "target/release/natter --database-url postgres://x/natter_bench_1_2", false),
        ] {
            assert_eq!(serves(comm, cmdline, ours), counted, "{cmdline}");
        }
    }

    #[test]
    fn a_process_cpu_time_is_read_from_its_stat() {
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(50) {
            std::hint::black_box(0);
        }
        let used = crate::server::stat_cpu_ns(std::process::id()).expect("own stat");
        assert!(used >= 10_000_000, "{used}");
    }
}
