//! Every text the app looks up (`t("…")`, `tf("…", …)`) is in the English catalogue, so no
//! screen shows a bare id. (That every other catalogue has every English text is the `i18n`
//! crate's test.)

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The string literals passed first to `t(` or `tf(` in `source`.
fn looked_up(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for call in ["t(\"", "tf(\""] {
        let mut rest = source;
        while let Some(at) = rest.find(call) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + call.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(end) = rest.find('"') {
                keys.push(rest[..end].to_owned());
            }
        }
    }
    keys
}

#[test]
fn every_text_looked_up_is_in_the_catalogue() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut missing = Vec::new();
    let mut count = 0;
    for (path, source) in &files {
        for key in looked_up(source) {
            count += 1;
            if !i18n::has(i18n::Locale::En, &key) {
                missing.push(format!("{path}: {key}"));
            }
        }
    }
    assert!(count > 100, "only {count} texts found: the scan is broken");
    assert!(missing.is_empty(), "not in i18n/locales/en: {missing:#?}");
}
