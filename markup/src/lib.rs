//! Natter's message markup: a small, safe Markdown subset, parsed into a tree.
//!
//! Messages are plain text typed by people. [`parse`] turns that text into [`Block`]s of
//! [`Inline`]s, and each client renders the tree with its own widgets: the Leptos app on the
//! server and (compiled to WASM) in the browser, and the ratatui terminal client. That keeps
//! the three renderings identical without sharing any rendering code.
//!
//! # The subset
//!
//! It is what people already type in Slack, Discord or Telegram:
//!
//! | Typed | Result |
//! |---|---|
//! | `**bold**`, `__bold__` | [`Inline::Bold`] |
//! | `*italic*`, `_italic_` | [`Inline::Italic`] |
//! | `~~strike~~` | [`Inline::Strike`] |
//! | `` `code` ``, ``` ``co`de`` ``` | [`Inline::Code`], contents literal |
//! | `[text](https://…)`, also `http:` and `mailto:` | [`Inline::Link`] |
//! | bare `https://…`, `http://…`, `www.…` | [`Inline::Link`] (autolink) |
//! | a line `` ```lang ``, code lines, a line `` ``` `` | [`Block::Code`], contents verbatim |
//! | lines starting with `> ` | [`Block::Quote`] |
//! | `\*` `\_` `` \` `` `\[` `\]` `\(` `\)` `\~` `\\` `\>` | the literal character |
//! | a newline / a blank line | [`Inline::LineBreak`] / a new paragraph |
//!
//! Emphasis follows CommonMark's flanking rules in simple form: an opening delimiter is
//! followed by a non-space, a closing one preceded by a non-space, `_` inside a word
//! (`snake_case`, `2_000_000`) is not a delimiter, and anything unmatched stays text.
//! Headings, lists, tables, images, reference links and HTML are *not* part of the subset:
//! `# hi`, `- item` and `<b>` are plain text, because people type them as plain chat.
//!
//! # The safety rule
//!
//! This crate never produces HTML and never passes HTML through. Text that looks like HTML
//! (`<script>`, `<img onerror=…>`) is ordinary text in an [`Inline::Text`] node, and every
//! client escapes all text itself. The only strings a client puts into markup attributes
//! are link targets, and every [`Inline::Link::href`](Inline::Link) starts with `http://`,
//! `https://` or `mailto:` and holds no whitespace, control or invisible characters, double
//! quotes, backticks, backslashes or angle brackets (an apostrophe is a legal URL character;
//! clients quote attributes with double quotes). Anything else that looks like a link (`javascript:`, `data:`,
//! relative paths) stays text.
//!
//! # Hostile input
//!
//! Messages come from anyone, so parsing has no `unsafe`, cannot panic, runs in time linear
//! in the text (no backtracking over runs of `*` or `[`), and never recurses on the input:
//! the tree is built with an explicit stack and nesting of bold, italic, strike and links is
//! capped at 8 levels, beyond which markers are text. Renderers that walk the tree
//! recursively are therefore safe too.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod inline;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

/// Deepest nesting of [`Inline::Bold`], [`Inline::Italic`], [`Inline::Strike`] and
/// [`Inline::Link`]; markers that would nest deeper are text.
const MAX_DEPTH: usize = 8;

/// A block of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Inline content; line breaks inside are Inline::LineBreak.
    Paragraph(Vec<Inline>),
    /// A fenced code block: its language word if given, and its text verbatim (no trailing newline).
    Code {
        /// The word after the opening fence (`rust` in `` ```rust ``), if any.
        lang: Option<String>,
        /// The lines between the fences, joined by `'\n'`.
        text: String,
    },
    /// Lines that started with "> ".
    Quote(Vec<Block>),
}

/// Content inside a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    /// Literal text; the client escapes it. Adjacent text is always merged into one node.
    Text(String),
    /// `**…**` or `__…__`.
    Bold(Vec<Inline>),
    /// `*…*` or `_…_`.
    Italic(Vec<Inline>),
    /// `~~…~~`.
    Strike(Vec<Inline>),
    /// `` `…` ``: literal text in a code font.
    Code(String),
    /// `href` is always http(s):// or mailto: (safe to put in an href attribute after the client's own attribute escaping).
    Link {
        /// The target: starts with `http://`, `https://` or `mailto:` (scheme in lower case).
        href: String,
        /// What the link shows: text, emphasis and code, never another link.
        children: Vec<Inline>,
    },
    /// A newline inside a paragraph (chat keeps the lines people type).
    LineBreak,
}

/// Parses a message's text.
///
/// Empty or blank text gives no blocks; blank lines around and between blocks never give
/// empty paragraphs. `\r\n` and lone `\r` count as newlines.
pub fn parse(text: &str) -> Vec<Block> {
    parse_blocks(&normalize_newlines(text), true)
}

/// The text as a person reads it with the markup removed (code kept, link text kept, line breaks as '\n', blocks separated by '\n'); for notifications, reply snippets, search highlighting and screen readers.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    write_blocks(&parse(text), &mut out);
    out
}

/// Whether the text uses any markup at all (fast path: clients render plain text as one text node when false). Must be cheap: a scan for the marker characters `*_~`[>` and "http"/"www." is fine; false positives are OK, false negatives are NOT (parse(text) must then equal a single Paragraph of Text/LineBreak nodes).
///
/// Besides those markers it reports `\` (escapes), `\r` (normalised to `\n`) and blank lines
/// in multi-line text (they split or trim paragraphs). When it returns false, `parse(text)`
/// is a single paragraph whose Text and LineBreak nodes spell `text` exactly, or nothing if
/// `text` is blank.
pub fn has_markup(text: &str) -> bool {
    let b = text.as_bytes();
    let markers = b.iter().enumerate().any(|(i, &c)| match c {
        b'*' | b'_' | b'~' | b'`' | b'[' | b'>' | b'\\' | b'\r' => true,
        // Autolinks; matched case-insensitively here, which only adds false positives.
        b'h' | b'H' => b.get(i + 1..i + 4).is_some_and(|t| t.eq_ignore_ascii_case(b"ttp")),
        b'w' | b'W' => b.get(i + 1..i + 4).is_some_and(|t| t.eq_ignore_ascii_case(b"ww.")),
        _ => false,
    });
    markers || (text.contains('\n') && text.split('\n').any(is_blank))
}

/// `\r\n` and lone `\r` become `\n`, so lines split the same whatever the sender's OS (and a
/// stray `\r` cannot move a terminal's cursor).
fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The lines of `text` (split on `'\n'`), each with the byte offset it starts at.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').scan(0, |pos, line| {
        let start = *pos;
        *pos += line.len() + 1;
        Some((start, line))
    })
}

/// Splits text into blocks line by line. Quotes hold paragraphs and code blocks only, so
/// this recurses exactly once for a quote (`allow_quotes` false inside).
fn parse_blocks(text: &str, allow_quotes: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = lines_with_offsets(text).peekable();
    // Byte range of the paragraph being collected: its lines are contiguous in `text`.
    let mut para: Option<(usize, usize)> = None;
    let flush = |para: &mut Option<(usize, usize)>, blocks: &mut Vec<Block>| {
        if let Some((start, end)) = para.take() {
            blocks.push(Block::Paragraph(inline::parse(&text[start..end])));
        }
    };

    while let Some((start, line)) = lines.next() {
        if let Some((lang, code_on_fence_line)) = fence_open(line) {
            flush(&mut para, &mut blocks);
            // Byte range of the code; a block with no lines has none.
            let mut body = code_on_fence_line.then_some((start + 3, start + line.len()));
            // An unclosed block runs to the end of the text.
            for (start, line) in lines.by_ref() {
                if line.trim() == "```" {
                    break;
                }
                body = Some((body.map_or(start, |b| b.0), start + line.len()));
            }
            let text = body.map_or_else(String::new, |(start, end)| text[start..end].to_owned());
            blocks.push(Block::Code { lang: lang.map(str::to_owned), text });
        } else if allow_quotes && quote_start(line) {
            flush(&mut para, &mut blocks);
            let mut inner = line[2..].to_owned();
            while let Some(content) = lines.peek().and_then(|&(_, line)| quote_continuation(line)) {
                inner.push('\n');
                inner.push_str(content);
                lines.next();
            }
            blocks.push(Block::Quote(parse_blocks(&inner, false)));
        } else if is_blank(line) {
            flush(&mut para, &mut blocks);
        } else {
            para = Some((para.map_or(start, |p| p.0), start + line.len()));
        }
    }
    flush(&mut para, &mut blocks);
    blocks
}

/// If `line` opens a code block: its language word, and whether the rest of the line is
/// already code (Slack-style `` ```let x = 1; ``).
fn fence_open(line: &str) -> Option<(Option<&str>, bool)> {
    let rest = line.strip_prefix("```")?;
    // "```code```" on one line is an inline code span, as in CommonMark.
    if rest.contains('`') {
        return None;
    }
    let word = rest.trim();
    if word.is_empty() {
        Some((None, false))
    } else if word.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-#._".contains(&b)) {
        Some((Some(word), false))
    } else {
        Some((None, true))
    }
}

/// A quote starts with a `> ` line that has something in it (a lone `> ` is text).
fn quote_start(line: &str) -> bool {
    line.strip_prefix("> ").is_some_and(|content| !is_blank(content))
}

/// The content of a line that continues a quote: `> …`, or a bare `>` (a blank quoted line,
/// which separates paragraphs inside the quote).
fn quote_continuation(line: &str) -> Option<&str> {
    line.strip_prefix("> ").or_else(|| (line.trim_end() == ">").then_some(""))
}

fn write_blocks(blocks: &[Block], out: &mut String) {
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match block {
            Block::Paragraph(inlines) => write_inlines(inlines, out),
            Block::Code { text, .. } => out.push_str(text),
            Block::Quote(blocks) => write_blocks(blocks, out),
        }
    }
}

/// Recursion here is bounded by the nesting cap, not by the input.
fn write_inlines(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) | Inline::Code(text) => out.push_str(text),
            Inline::Bold(children)
            | Inline::Italic(children)
            | Inline::Strike(children)
            | Inline::Link { children, .. } => write_inlines(children, out),
            Inline::LineBreak => out.push('\n'),
        }
    }
}
