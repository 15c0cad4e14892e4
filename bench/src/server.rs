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
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
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
    std::thread::spawn(move || for _ in lines.by_ref() {});
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
