//! Accuracy of the mood scorer on labelled chat messages, per language
//! (`tests/data/mood_<lang>.tsv`, English in `mood_sentences.tsv`: `label<TAB>sentence`, `#`
//! lines are comments). These evaluation sets were written before the scorer was tuned and are
//! frozen; tuning uses the development sets in `tests/data/dev/` only.
//!
//! Run with `--nocapture` to see accuracy, macro-F1, the confusion matrix, the detected
//! languages and every misclassified sentence.

use engine::mood::{analyze, score, Lang, Mood};
use std::time::Instant;

const MOODS: [Mood; 3] = [Mood::Positive, Mood::Neutral, Mood::Negative];

/// Recorded figures (accuracy, macro-F1) on the evaluation sets: a change that lowers one fails.
/// English was re-recorded when its set grew from 96 to 156 lines (issue #16; 90.6% and 0.905
/// on the first 96), with the scorer unchanged.
const RECORDED: [(&str, Option<Lang>, f64, f64); 4] = [
    ("sentences", Some(Lang::En), 0.884, 0.883),
    ("ru", Some(Lang::Ru), 0.953, 0.953),
    ("pt", Some(Lang::Pt), 0.946, 0.946),
    ("zh", Some(Lang::Zh), 0.953, 0.953),
];
/// Neither polar class may collapse into neutral.
const MIN_POLAR_RECALL: f64 = 0.6;

fn labelled(file: &str) -> Vec<(Mood, String)> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
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

struct Report {
    accuracy: f64,
    macro_f1: f64,
    recall: [f64; 3],
    /// Share of sentences detected as the expected language.
    detected: f64,
}

fn evaluate(name: &str, cases: &[(Mood, String)], lang: Option<Lang>) -> Report {
    let index = |m: Mood| MOODS.iter().position(|&x| x == m).unwrap();
    let mut confusion = [[0usize; 3]; 3];
    let mut misses = Vec::new();
    let mut detected = 0;
    let mut other_language = Vec::new();
    for (expected, sentence) in cases {
        let analysis = analyze(sentence);
        detected += usize::from(analysis.lang == lang);
        if analysis.lang != lang {
            other_language.push((analysis.lang, sentence));
        }
        let got = Mood::of(analysis.score);
        confusion[index(*expected)][index(got)] += 1;
        if got != *expected {
            misses.push((*expected, got, analysis, sentence));
        }
    }
    let n = cases.len() as f64;
    let accuracy = (0..3).map(|i| confusion[i][i]).sum::<usize>() as f64 / n;
    let mut recall = [0.0; 3];
    let mut f1_sum = 0.0;
    for i in 0..3 {
        let tp = confusion[i][i] as f64;
        let actual: usize = confusion[i].iter().sum();
        let predicted: usize = (0..3).map(|r| confusion[r][i]).sum();
        recall[i] = if actual == 0 { 0.0 } else { tp / actual as f64 };
        let precision = if predicted == 0 { 0.0 } else { tp / predicted as f64 };
        f1_sum += if precision + recall[i] == 0.0 {
            0.0
        } else {
            2.0 * precision * recall[i] / (precision + recall[i])
        };
    }
    let report = Report { accuracy, macro_f1: f1_sum / 3.0, recall, detected: detected as f64 / n };
    println!(
        "{name}: {} lines, accuracy {:.1}%, macro-F1 {:.3}, language detected as {:?} for {:.1}%",
        cases.len(),
        accuracy * 100.0,
        report.macro_f1,
        lang.map(Lang::code),
        report.detected * 100.0
    );
    println!("  expected \\ got  positive  neutral  negative   recall");
    for (i, row) in confusion.iter().enumerate() {
        println!(
            "  {:<15} {:>8} {:>8} {:>9}   {:.1}%",
            MOODS[i].label(),
            row[0],
            row[1],
            row[2],
            recall[i] * 100.0
        );
    }
    for (got, sentence) in &other_language {
        println!("  language {:?}: {sentence}", got.map(Lang::code));
    }
    for (expected, got, a, sentence) in &misses {
        println!(
            "  miss: expected {:<8} got {:<8} ({:+.3}, {:?})  {sentence}",
            expected.label(),
            got.label(),
            a.score,
            a.lang.map(Lang::code)
        );
    }
    report
}

#[test]
fn mood_accuracy_per_language() {
    let mut failures = Vec::new();
    for (name, lang, min_accuracy, min_f1) in RECORDED {
        let cases = labelled(&format!("mood_{name}.tsv"));
        assert!(cases.len() >= 150, "{name}: the evaluation set needs at least 150 lines");
        let r = evaluate(name, &cases, lang);
        if r.accuracy + 1e-9 < min_accuracy {
            failures.push(format!(
                "{name}: accuracy {:.1}% < recorded {:.1}%",
                r.accuracy * 100.0,
                min_accuracy * 100.0
            ));
        }
        if r.macro_f1 + 1e-9 < min_f1 {
            failures.push(format!("{name}: macro-F1 {:.3} < recorded {min_f1:.3}", r.macro_f1));
        }
        for (i, label) in [(0, "positive"), (2, "negative")] {
            if r.recall[i] < MIN_POLAR_RECALL {
                failures.push(format!(
                    "{name}: {label} recall {:.1}% collapses into neutral",
                    r.recall[i] * 100.0
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The development sets the lexicons and rules were tuned on (not the evaluation sets).
#[test]
fn mood_accuracy_on_development_sets() {
    for (name, lang) in [("ru", Lang::Ru), ("pt", Lang::Pt), ("zh", Lang::Zh)] {
        let cases = labelled(&format!("dev/mood_{name}.tsv"));
        let r = evaluate(&format!("dev {name}"), &cases, Some(lang));
        assert!(r.accuracy >= 0.8, "dev {name}: accuracy {:.1}%", r.accuracy * 100.0);
    }
}

#[test]
fn unknown_languages_score_only_emoji() {
    for text in [
        "Das ist wirklich sehr schön und gut",
        "これは素晴らしい",
        "정말 좋아요",
        "Це дійсно дуже добре, дякую",
    ] {
        let a = analyze(text);
        assert_eq!(a.lang, None, "{text}");
        assert_eq!(Mood::of(a.score), Mood::Neutral, "{text}");
    }
    let a = analyze("Das ist wirklich sehr schön 😊");
    assert_eq!((a.lang, Mood::of(a.score)), (None, Mood::Positive));
}

/// Not an assertion: prints the time per call on chat-sized messages (run in release mode for
/// a meaningful figure: `cargo test --release -p engine --test mood_accuracy -- --nocapture`;
/// `make bench` runs the benchmark with percentiles).
#[test]
fn mood_time_per_call() {
    let message = "Hey team, the deploy went really well today :) but the staging server is \
                   still a bit slow 😞 any ideas?";
    score(message); // builds the tables
    let iterations = if cfg!(debug_assertions) { 2_000 } else { 200_000 };
    let start = Instant::now();
    let mut sink = 0.0f32;
    for _ in 0..iterations {
        sink += score(std::hint::black_box(message));
    }
    let per_call = start.elapsed() / iterations;
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "mood score() per call ({profile} build): {per_call:?} for a {}-byte message ({sink:.0})",
        message.len()
    );
}
