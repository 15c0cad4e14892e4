//! Embeds every catalogue under `locales/{tag}/*.ftl`: a file added there is picked up
//! without touching the code. The browser's build embeds none: the server puts the reader's
//! language's catalogue into the page (`page_catalogue`), leaving out those only the native
//! programs read (their command lines and the terminal client), so the page carries one
//! language and no text it never shows.

use std::fmt::Write as _;
use std::path::Path;

/// Catalogues no browser text comes from.
const NATIVE_ONLY: &[&str] = &["cli.ftl", "server.ftl", "tui.ftl"];

fn main() {
    let browser = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = format!(
        "/// The catalogue files only the native programs read.\npub const NATIVE_ONLY: &[&str] = &{NATIVE_ONLY:?};\n\
         /// (locale tag, file name, contents) of every catalogue file.\npub const FILES: &[(&str, &str, &str)] = &[\n"
    );
    let mut tags: Vec<_> = std::fs::read_dir(&root).expect("locales/").flatten().map(|e| e.path()).collect();
    tags.sort();
    for dir in tags.iter().filter(|p| p.is_dir()) {
        println!("cargo:rerun-if-changed={}", dir.display());
        let tag = dir.file_name().and_then(|n| n.to_str()).expect("a locale tag");
        let mut files: Vec<_> =
            std::fs::read_dir(dir).expect("a locale directory").flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files.iter().filter(|p| p.extension().is_some_and(|e| e == "ftl")) {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file.file_name().and_then(|n| n.to_str()).expect("a file name");
            if browser {
                continue;
            }
            // The page carries its catalogue inside a `<script>` element, whose text ends at
            // the first `</script`; HTML's comment-like `<!--` changes how it is read.
            let text = std::fs::read_to_string(file).expect("a readable catalogue");
            let lower = text.to_ascii_lowercase();
            assert!(
                NATIVE_ONLY.contains(&name) || !(lower.contains("</script") || lower.contains("<!--")),
                "{tag}/{name}: a text the page carries may not contain `</script` or `<!--`"
            );
            writeln!(out, "    ({tag:?}, {name:?}, include_str!({:?})),", file.display().to_string())
                .unwrap();
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalogues.rs");
    std::fs::write(dest, out).unwrap();
}
