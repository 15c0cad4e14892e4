//! The mood scorer's speed and memory: time per `analyze` call on 200-character chat messages
//! in each language (p50, p99, max), the heap the lexicons hold once loaded, and their load
//! time. Prints a Markdown section and, given a path, puts it into that file in place of the
//! section of the same title (`make bench` runs it on `docs/benchmarks.md`).
//!
//! `cargo run --release -p engine --example mood_bench [-- docs/benchmarks.md]`

use engine::mood::{analyze, preload};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TITLE: &str = "## Mood scoring";
const MESSAGE_CHARS: usize = 200;
const CALLS: usize = 100_000;

/// 200-character messages made of a language's labelled chat lines, joined.
fn messages(file: &str) -> Vec<String> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<&str> = data
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, s)| s)
        .collect();
    (0..lines.len())
        .map(|start| {
            let mut message = String::new();
            for line in lines.iter().cycle().skip(start * 7 % lines.len()) {
                message.push_str(line);
                message.push(' ');
                if message.chars().count() >= MESSAGE_CHARS {
                    break;
                }
            }
            message.chars().take(MESSAGE_CHARS).collect()
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let before = LIVE.load(Ordering::Relaxed);
    let start = Instant::now();
    preload();
    let load = start.elapsed();
    let lexicons = LIVE.load(Ordering::Relaxed) - before;

    let mut rows = Vec::new();
    for (lang, file) in
        [("en", "mood_sentences.tsv"), ("ru", "mood_ru.tsv"), ("pt", "mood_pt.tsv"), ("zh", "mood_zh.tsv")]
    {
        let messages = messages(file);
        for m in messages.iter().take(1_000) {
            analyze(m); // warm up
        }
        let mut times = Vec::with_capacity(CALLS);
        let mut sink = 0.0f32;
        for i in 0..CALLS {
            let m = std::hint::black_box(&messages[i % messages.len()]);
            let t = Instant::now();
            sink += analyze(m).score;
            times.push(t.elapsed());
        }
        times.sort_unstable();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        rows.push(format!(
            "| {lang} | {:.1} | {:.1} | {:.1} | {:.1} |",
            us(percentile(&times, 0.5)),
            us(percentile(&times, 0.99)),
            us(percentile(&times, 0.999)),
            us(times[times.len() - 1]),
        ));
        std::hint::black_box(sink);
    }
    // The load generator's texts (scenarios a, b and d): the cost the durable and fan-out
    // benchmarks see per message.
    let mut bench_rows = Vec::new();
    for text in ["b 3 41 1764000000123456", "durable 12 1764000000123456"] {
        let mut times = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            let t = Instant::now();
            std::hint::black_box(analyze(std::hint::black_box(text)));
            times.push(t.elapsed());
        }
        times.sort_unstable();
        bench_rows.push(format!(
            "| `analyze(\"{text}\")` p50 / p99 µs | {:.2} / {:.2} |",
            percentile(&times, 0.5).as_secs_f64() * 1e6,
            percentile(&times, 0.99).as_secs_f64() * 1e6
        ));
    }
    let profile =
        if cfg!(debug_assertions) { "debug build: not a meaningful figure" } else { "release build" };
    let section = format!(
        "{TITLE}\n\nWritten by `cargo run --release -p engine --example mood_bench` (`make bench` runs it); \
         {CALLS} `mood::analyze` calls (language identification and scoring) per language on \
         {MESSAGE_CHARS}-character messages made of the evaluation lines, one thread, {profile}.\n\n\
         | language | p50 µs | p99 µs | p99.9 µs | max µs |\n|---|---|---|---|---|\n{}\n\n\
         | figure | value |\n|---|---|\n| heap held by all lexicons (en, ru, pt, zh) | {:.1} MB |\n\
         | time to load them all | {:.0} ms |\n{}\n\nTargets: p99 ≤ 50 µs in every language, lexicons ≤ 40 MB.\n",
        rows.join("\n"),
        lexicons as f64 / 1e6,
        load.as_secs_f64() * 1e3,
        bench_rows.join("\n"),
    );
    print!("{section}");
    if let Some(path) = std::env::args().nth(1) {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        // Replace our section (up to the next "## " heading) or insert it before "## JSON lines".
        let new = match old.find(TITLE) {
            Some(at) => {
                let end =
                    old[at + TITLE.len()..].find("\n## ").map_or(old.len(), |e| at + TITLE.len() + e + 1);
                format!("{}{section}\n{}", &old[..at], &old[end..])
            }
            None => match old.find("## JSON lines") {
                Some(at) => format!("{}{section}\n{}", &old[..at], &old[at..]),
                None => format!("{old}\n{section}"),
            },
        };
        std::fs::write(&path, new).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
