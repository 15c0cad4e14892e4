//! Prints the figures (a table and one JSON line per scenario) and writes docs/benchmarks.md.

use crate::scenarios::Outcome;
use std::fmt::Write;

fn json_line(outcome: &Outcome) -> String {
    let mut map = serde_json::Map::new();
    map.insert("scenario".into(), outcome.name.clone().into());
    for (key, value) in &outcome.figures {
        let value =
            value.parse::<f64>().map(serde_json::Value::from).unwrap_or_else(|_| value.clone().into());
        map.insert(key.clone(), value);
    }
    serde_json::Value::Object(map).to_string()
}

fn table(outcome: &Outcome) -> String {
    let mut out = format!("### {}\n\n| figure | value |\n|---|---|\n", outcome.name);
    for (key, value) in &outcome.figures {
        let _ = writeln!(out, "| {key} | {value} |");
    }
    out
}

pub fn print(outcomes: &[Outcome]) {
    for outcome in outcomes {
        println!("\n{}", table(outcome));
        println!("{}", json_line(outcome));
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    // The machine's CPUs (this process itself is pinned to one).
    let cores = std::fs::read_to_string("/proc/cpuinfo")
        .map_or(0, |s| s.lines().filter(|l| l.starts_with("processor")).count());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned()))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or("unknown".into(), |kib| format!("{} GiB", kib / 1024 / 1024));
    format!("{cpu}, {cores} cores, {memory} RAM; server pinned to CPU 0, load generator to CPU 1")
}

pub fn write(path: &str, outcomes: &[Outcome]) -> std::io::Result<()> {
    let mut doc = String::from(
        "# Natter benchmarks\n\nWritten by `make bench` (`bench/`, the `natter-bench` load generator speaking \
         the live protocol of `docs/protocol.md` over loopback).\n\n",
    );
    let _ = writeln!(doc, "Machine: {}\n", machine());
    for outcome in outcomes {
        doc.push_str(&table(outcome));
        doc.push('\n');
    }
    doc.push_str(
        "## Targets (this 2-core machine, server on one core)\n\n\
         | scenario | target | for scale |\n|---|---|---|\n\
         | a | p99 ≤ 15 ms, nothing lost | Node.js + Socket.IO: p99 near 400 ms |\n\
         | b | ≥ 1,000,000 deliveries/s with p99 < 100 ms, durably stored | Socket.IO ≈ 100,000/s; bare tokio broadcast > 2,000,000/s |\n\
         | c | ≤ 8 KiB per idle connection | Socket.IO 15.7 KB; bare tokio 6.8 KB |\n\
         | d | ≥ 50,000 durable messages/s on SQLite | |\n\
         | e | `/` p99 ≤ 10 ms at 1,000 req/s; WASM + JS ≤ 200 KB gzipped; connected ≤ 500 ms | |\n\n\
         Latency against delivery rate (scenario b):\n\n![latency against delivery rate](benchmarks-latency.svg)\n\n",
    );
    doc.push_str("## JSON lines\n\n```\n");
    for outcome in outcomes {
        doc.push_str(&json_line(outcome));
        doc.push('\n');
    }
    doc.push_str("```\n");
    std::fs::write(path, doc)
}
