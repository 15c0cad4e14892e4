//! Accuracy of the mood scorer on a labelled set of English chat messages
//! (`tests/data/mood_sentences.tsv`: `label<TAB>sentence`, `#` lines are comments).
//!
//! Run with `--nocapture` to see the per-label figures, every misclassified sentence and the
//! time per call.

use engine::mood::{score, Mood};
use std::collections::HashMap;
use std::time::Instant;

const MOODS: [Mood; 3] = [Mood::Positive, Mood::Neutral, Mood::Negative];
const MIN_ACCURACY: f64 = 0.80;

fn labelled_sentences() -> Vec<(Mood, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mood_sentences.tsv");
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    data.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            let (label, sentence) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{path}:{}: expected label<TAB>sentence", n + 1));
            let mood = MOODS
                .into_iter()
                .find(|m| m.label() == label)
                .unwrap_or_else(|| panic!("{path}:{}: unknown label {label:?}", n + 1));
            (mood, sentence.to_owned())
        })
        .collect()
}

#[test]
fn mood_accuracy_on_labelled_sentences() {
    let cases = labelled_sentences();
    assert!(cases.len() >= 60, "the test set needs at least 60 sentences");

    let mut total: HashMap<Mood, usize> = HashMap::new();
    let mut correct: HashMap<Mood, usize> = HashMap::new();
    let mut misses = Vec::new();
    for (expected, sentence) in &cases {
        let s = score(sentence);
        let got = Mood::of(s);
        *total.entry(*expected).or_default() += 1;
        if got == *expected {
            *correct.entry(*expected).or_default() += 1;
        } else {
            misses.push((*expected, got, s, sentence));
        }
    }

    let right: usize = correct.values().sum();
    let accuracy = right as f64 / cases.len() as f64;
    println!("mood accuracy: {right}/{} = {:.1}%", cases.len(), accuracy * 100.0);
    for mood in MOODS {
        let (c, t) = (correct.get(&mood).copied().unwrap_or(0), total[&mood]);
        println!("  {:<8} {c}/{t} = {:.1}%", mood.label(), c as f64 / t as f64 * 100.0);
    }
    println!("misclassified ({}):", misses.len());
    for (expected, got, s, sentence) in &misses {
        println!("  expected {:<8} got {:<8} ({s:+.3})  {sentence}", expected.label(), got.label());
    }

    assert!(
        accuracy >= MIN_ACCURACY,
        "mood accuracy {:.1}% is below {:.0}%",
        accuracy * 100.0,
        MIN_ACCURACY * 100.0
    );
}

/// Not an assertion: prints the time per call on chat-sized messages (run in release mode for
/// a meaningful figure: `cargo test --release -p engine --test mood_accuracy -- --nocapture`).
#[test]
fn mood_time_per_call() {
    let message = "Hey team, the deploy went really well today :) but the staging server is \
                   still a bit slow 😞 any ideas?";
    let cases = labelled_sentences();
    score(message); // builds the tables

    let iterations = if cfg!(debug_assertions) { 2_000 } else { 200_000 };
    let start = Instant::now();
    let mut sink = 0.0f32;
    for _ in 0..iterations {
        sink += score(std::hint::black_box(message));
    }
    let per_call = start.elapsed() / iterations;

    let rounds = iterations / cases.len() as u32 + 1;
    let start = Instant::now();
    for _ in 0..rounds {
        for (_, sentence) in &cases {
            sink += score(std::hint::black_box(sentence));
        }
    }
    let per_sentence = start.elapsed() / (rounds * cases.len() as u32);

    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "mood score() per call ({profile} build): {per_call:?} for a {}-byte message, \
         {per_sentence:?} averaged over the test set ({sink:.0})",
        message.len()
    );
}
