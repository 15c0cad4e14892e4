//! Arbitrary text as a message: parsing its markup never panics, every link it makes is
//! http(s) or mailto, and text that `has_markup` calls plain parses as plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use markup::{Block, Inline};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let blocks = markup::parse(text);
    let _ = markup::plain(text);
    let mut stack: Vec<&Inline> = Vec::new();
    let mut blocks: Vec<&Block> = blocks.iter().collect();
    while let Some(block) = blocks.pop() {
        match block {
            Block::Paragraph(inlines) => stack.extend(inlines.iter()),
            Block::Quote(inner) => blocks.extend(inner.iter()),
            Block::Code { .. } => {}
        }
    }
    let mut plain_only = true;
    while let Some(inline) = stack.pop() {
        match inline {
            Inline::Text(_) | Inline::LineBreak => {}
            Inline::Code(_) => plain_only = false,
            Inline::Bold(children) | Inline::Italic(children) | Inline::Strike(children) => {
                plain_only = false;
                stack.extend(children.iter());
            }
            Inline::Link { href, children } => {
                plain_only = false;
                let lower = href.to_ascii_lowercase();
                assert!(
                    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"),
                    "unsafe href {href:?}"
                );
                assert!(!href.chars().any(|c| c.is_whitespace() || c.is_control() || ['<', '>', '"', '`', '\\'].contains(&c)));
                stack.extend(children.iter());
            }
        }
    }
    if !markup::has_markup(text) {
        let parsed = markup::parse(text);
        assert!(plain_only && parsed.iter().all(|b| matches!(b, Block::Paragraph(_))), "{text:?}");
    }
});
