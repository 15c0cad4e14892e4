//! Prints the figures (a table and one JSON line per scenario) and writes docs/benchmarks.md.

use crate::scenarios::Outcome;
use std::collections::BTreeMap;
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

/// The scenario letter of an outcome's name ("a: 1000 clients…" is `a`).
fn letter(name: &str) -> String {
    name.split(':').next().unwrap_or(name).trim().to_owned()
}

/// The parts of an earlier report that a run of only some scenarios keeps: each scenario's
/// section and JSON line by letter, and sections added by others (the mood scorer's).
#[derive(Default)]
struct Earlier {
    sections: BTreeMap<String, String>,
    json: BTreeMap<String, String>,
    others: Vec<String>,
}

fn earlier(doc: &str) -> Earlier {
    let mut found = Earlier::default();
    let mut current: Option<(String, String)> = None;
    let mut in_json = false;
    let finish = |current: &mut Option<(String, String)>, found: &mut Earlier| {
        if let Some((heading, body)) = current.take() {
            let text = format!("{heading}\n{}", body.trim_end_matches('\n'));
            if let Some(name) = heading.strip_prefix("### ") {
                found.sections.insert(letter(name), text);
            } else if !heading.starts_with("## Targets") && !heading.starts_with("## JSON lines") {
                found.others.push(text);
            }
        }
    };
    for line in doc.lines() {
        if in_json {
            if line.starts_with('{') {
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(line) {
                    let name = value["scenario"].as_str().unwrap_or_default();
                    found.json.insert(letter(name), line.to_owned());
                }
            }
            continue;
        }
        // A "### " heading inside someone else's "## " section (the search bench's "### Queries")
        // is part of that section, not a scenario's.
        let in_other = current.as_ref().is_some_and(|(heading, _)| heading.starts_with("## "));
        if line.starts_with("## ") || (line.starts_with("### ") && !in_other) {
            finish(&mut current, &mut found);
            in_json = line.starts_with("## JSON lines");
            current = Some((line.to_owned(), String::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    finish(&mut current, &mut found);
    found
}

/// Writes the report: the scenarios just run, and from the earlier report at `path` the
/// scenarios not run this time (so `--scenarios g` refreshes only g).
pub fn write(path: &str, outcomes: &[Outcome]) -> std::io::Result<()> {
    let mut kept = earlier(&std::fs::read_to_string(path).unwrap_or_default());
    for outcome in outcomes {
        let key = letter(&outcome.name);
        kept.sections.insert(key.clone(), table(outcome).trim_end().to_owned());
        kept.json.insert(key, json_line(outcome));
    }
    let mut doc = String::from(
        "# Natter benchmarks\n\nWritten by `make bench` (`bench/`, the `natter-bench` load generator speaking \
         the live protocol of `docs/protocol.md` over loopback). A run of some scenarios \
         (`--scenarios g`) replaces only their sections.\n\n",
    );
    let _ = writeln!(doc, "Machine: {}\n", machine());
    for section in kept.sections.values().chain(&kept.others) {
        doc.push_str(section);
        doc.push_str("\n\n");
    }
    doc.push_str(
        "## Targets (this 2-core machine, server on one core)\n\n\
         | scenario | target | for scale |\n|---|---|---|\n\
         | a | p99 ≤ 15 ms, nothing lost | Node.js + Socket.IO: p99 near 400 ms |\n\
         | b | ≥ 1,000,000 deliveries/s with p99 < 100 ms, durably stored | Socket.IO ≈ 100,000/s; bare tokio broadcast > 2,000,000/s |\n\
         | c | ≤ 8 KiB per idle connection | Socket.IO 15.7 KB; bare tokio 6.8 KB |\n\
         | d | ≥ 50,000 durable messages/s on SQLite | |\n\
         | e | `/` p99 ≤ 10 ms at 1,000 req/s; WASM + JS ≤ 200 KB gzipped; connected ≤ 500 ms | |\n\
         | f | 10,000 joined in one room ≤ 2 s; ≤ 8 KiB per idle joined connection; after a restart all resumed ≤ 5 s | Socket.IO 2.8 s, 15.7 KB; bare tokio 0.44 s, 6.8 KB |\n\
         | g | terminal client: ≤ 30 MB RSS with 10,000 messages loaded; keystroke → redrawn p99 ≤ 5 ms; nothing drawn while idle | |\n\
         | h | files: a 12-megapixel JPEG prepared (thumbnail) and uploaded; fan-out p99 while 10 people upload ≤ 2× idle | |\n\
         | i | the cluster on PostgreSQL + Redis, 1–3 nodes: nothing lost or duplicated; CPU per delivery over all nodes and memory per connection per node for the capacity model of `docs/scaling.md` | the single SQLite node of the same run |\n\n\
         Latency against delivery rate (scenario b):\n\n![latency against delivery rate](benchmarks-latency.svg)\n\n",
    );
    doc.push_str("## JSON lines\n\n```\n");
    for line in kept.json.values() {
        doc.push_str(line);
        doc.push('\n');
    }
    doc.push_str("```\n");
    std::fs::write(path, doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, value: &str) -> Outcome {
        Outcome { name: name.into(), figures: vec![("x".into(), value.into())] }
    }

    #[test]
    fn a_partial_run_replaces_only_its_sections() {
        let path = std::env::temp_dir().join(format!("natter-report-{}.md", std::process::id()));
        let path = path.to_str().unwrap();
        write(path, &[outcome("a: first", "1"), outcome("b: second", "2")]).unwrap();
        // Someone else's section (the mood scorer adds one before the JSON lines).
        let doc = std::fs::read_to_string(path).unwrap();
        let doc = doc.replace(
            "## Targets",
            "## Mood scoring\n\n| m | 9 |\n\n## Search\n\n### Indexing\n\n| i | 8 |\n\n## Targets",
        );
        std::fs::write(path, doc).unwrap();
        write(path, &[outcome("b: second again", "3"), outcome("g: new", "4")]).unwrap();
        let doc = std::fs::read_to_string(path).unwrap();
        let _ = std::fs::remove_file(path);
        for kept in [
            "### a: first",
            "| x | 1 |",
            "### b: second again",
            "| x | 3 |",
            "### g: new",
            "## Mood scoring",
            "| m | 9 |",
            "## Search\n\n### Indexing\n\n| i | 8 |",
        ] {
            assert!(doc.contains(kept), "{kept:?} missing from\n{doc}");
        }
        assert!(!doc.contains("| x | 2 |"), "{doc}");
        assert_eq!(doc.matches("## Targets").count(), 1);
        assert_eq!(doc.matches("\"scenario\":").count(), 3, "{doc}");
        assert!(doc.find("### a:").unwrap() < doc.find("### b:").unwrap());
        assert!(doc.find("### g:").unwrap() < doc.find("## Mood").unwrap());
        assert_eq!(doc.matches("### Indexing").count(), 1, "{doc}");
    }
}
