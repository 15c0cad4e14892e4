//! What the machine does to a measurement: how late the generator's own timer wakes while it
//! reads (a receipt waits as long to be timed), and the share of CPU time the hypervisor gave
//! to other guests (steal), over a run's window.

use hdrhistogram::Histogram;
use std::time::{Duration, Instant};

/// How late a 1 ms sleep on the generator's runtime wakes, from `from` to `to`.
pub async fn lateness_between(from: Instant, to: Instant) -> Histogram<u64> {
    let mut late = Histogram::<u64>::new(3).expect("histogram");
    let tick = Duration::from_millis(1);
    tokio::time::sleep_until(from.into()).await;
    while Instant::now() < to {
        let asleep = Instant::now();
        tokio::time::sleep(tick).await;
        let _ = late.record(asleep.elapsed().saturating_sub(tick).as_micros() as u64);
    }
    late
}

/// The share of the machine's CPU time stolen by the hypervisor from `from` to `to` (`None`
/// without `/proc/stat`).
pub async fn steal_between(from: Instant, to: Instant) -> Option<f64> {
    tokio::time::sleep_until(from.into()).await;
    let before = cpu_times()?;
    tokio::time::sleep_until(to.into()).await;
    let after = cpu_times()?;
    let total = after.0.saturating_sub(before.0).max(1);
    Some(after.1.saturating_sub(before.1) as f64 / total as f64)
}

/// All CPU time so far and the stolen part, in ticks, from the `cpu` line of `/proc/stat`.
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    Some((fields.iter().take(8).sum(), *fields.get(7)?))
}
