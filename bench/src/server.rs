//! The server under test: a fresh `natter` with its own data directory, pinned to CPU 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub addr: String,
    pub pid: u32,
    child: Child,
    /// The command line without its address, for a restart.
    command: String,
    _data: TempDir,
}

/// A data directory removed when the benchmark ends.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn pin_self_to_cpu(cpu: usize) {
    // taskset on our own pid: no extra dependency, and a no-op where taskset is missing.
    let _ = Command::new("taskset")
        .args(["-a", "-p", "-c", &cpu.to_string(), &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status();
}

impl Server {
    /// Starts `binary` with `extra` arguments (e.g. a lifted rate limit for capacity runs).
    pub fn start(binary: &str, extra: &[&str]) -> Result<Server, String> {
        let data =
            std::env::temp_dir().join(format!("natter-bench-{}-{}", std::process::id(), rand_suffix()));
        let command = format!("{binary} --data-dir {} {}", data.display(), extra.join(" "));
        let (child, addr) = spawn(&command, "127.0.0.1:0")?;
        let pid = child.id();
        Ok(Server { addr, pid, child, command, _data: TempDir(data) })
    }

    /// Stops the server as a deploy does (SIGTERM, then waits for it to exit) and starts it
    /// again on the same address and data; returns when it listens.
    pub fn restart(&mut self) -> Result<(), String> {
        let _ = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status();
        let _ = self.child.wait();
        let (child, _) = spawn(&self.command, &self.addr)?;
        self.pid = child.id();
        self.child = child;
        Ok(())
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib_of(self.pid)
    }
}

/// Runs `command --addr addr` pinned to CPU 0; returns the child and the address it listens on.
fn spawn(command: &str, addr: &str) -> Result<(Child, String), String> {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -Sn $(ulimit -Hn); exec taskset -c 0 {command} --addr {addr}"))
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {command}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().ok_or("the server exited before listening")?.map_err(|e| e.to_string())?;
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    // The server's own warnings and errors go on to ours; the rest of its log is dropped.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains(" WARN ") || line.contains(" ERROR ") {
                eprintln!("server: {line}");
            }
        }
    });
    Ok((child, addr))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time process `pid` has used so far, in ns: the sum over its threads of the first field
/// of `/proc/<pid>/task/<tid>/schedstat` (time on a CPU). Threads that ended are not counted,
/// which is fine over a window in which the process keeps its threads.
pub fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// `/proc/<pid>/stat`'s time units (USER_HZ: 100 on every Linux architecture's ABI).
const NS_PER_TICK: u64 = 10_000_000;

/// CPU time process `pid` has used so far (user + system, its ended threads included), in
/// ns at 10 ms resolution, from `/proc/<pid>/stat`.
pub fn stat_cpu_ns(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (in parentheses) may hold spaces: fields are counted after it.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    // Field 3 (the state) is the first after it; utime and stime are fields 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * NS_PER_TICK)
}

/// Resident memory of process `pid`, in KiB.
pub fn rss_kib_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The processes on this machine: pid, command name and command line (arguments joined
/// by spaces; PostgreSQL's backends put their database there).
pub fn processes() -> Vec<(u32, String, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            Some((pid, comm.trim().to_owned(), cmdline.trim().to_owned()))
        })
        .collect()
}

/// A group of processes whose CPU a run measures: each call names them as they are now
/// (PostgreSQL starts a process per connection) with the CPU each has used so far, in ns.
pub type Probe = std::sync::Arc<dyn Fn() -> Vec<(u32, u64)> + Send + Sync>;

/// A probe of fixed processes (a cluster's nodes), by [`stat_cpu_ns`].
pub fn probe_pids(pids: Vec<u32>) -> Probe {
    std::sync::Arc::new(move || pids.iter().filter_map(|&pid| Some((pid, stat_cpu_ns(pid)?))).collect())
}

/// A probe of the processes `pick` chooses from [`processes`] at each call, by [`cpu_ns`]
/// (to the nanosecond: what PostgreSQL and Redis use is small beside `stat`'s 10 ms ticks;
/// their threads live as long as they do).
pub fn probe_matching(pick: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> Probe {
    std::sync::Arc::new(move || {
        processes()
            .into_iter()
            .filter(|(_, comm, cmdline)| pick(comm, cmdline))
            .filter_map(|(pid, _, _)| Some((pid, cpu_ns(pid)?)))
            .collect()
    })
}

/// A probe of this process (the load generator), by [`cpu_ns`].
pub fn probe_self() -> Probe {
    let own = std::process::id();
    std::sync::Arc::new(move || cpu_ns(own).map(|ns| (own, ns)).into_iter().collect())
}

/// What each probe used over a window: CPU seconds, in the probes' order, and the window's
/// length in seconds.
#[derive(Clone, Debug, Default)]
pub struct Probed {
    pub cpu_seconds: Vec<f64>,
    /// The same, as the probes count (ns of CPU; or bytes, for a probe of a counter).
    pub totals: Vec<u64>,
    pub window_seconds: f64,
}

/// Reads `probes` at `from` and at `to`. A process that appeared between counts all it used
/// (it started in the window); one that ended between counts nothing.
pub async fn probe_between(probes: Vec<Probe>, from: std::time::Instant, to: std::time::Instant) -> Probed {
    if probes.is_empty() {
        return Probed::default();
    }
    tokio::time::sleep_until(from.into()).await;
    let started = std::time::Instant::now();
    let before: Vec<std::collections::HashMap<u32, u64>> =
        probes.iter().map(|probe| probe().into_iter().collect()).collect();
    tokio::time::sleep_until(to.into()).await;
    let window_seconds = started.elapsed().as_secs_f64();
    let totals: Vec<u64> = probes
        .iter()
        .zip(&before)
        .map(|(probe, before)| {
            probe()
                .into_iter()
                .map(|(pid, now)| now.saturating_sub(before.get(&pid).copied().unwrap_or(0)))
                .sum()
        })
        .collect();
    Probed { cpu_seconds: totals.iter().map(|&ns| ns as f64 / 1e9).collect(), totals, window_seconds }
}
