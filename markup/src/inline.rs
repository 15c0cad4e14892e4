//! Inline parsing of one paragraph, in three linear passes:
//!
//! 1. [`Scanner`] turns the text into tokens. Escapes, code spans, autolinks and links are
//!    settled here, left to right, because they are atomic: nothing inside a code span or a
//!    URL is markup, and a link's `](url)` either matches an open `[` or it does not.
//! 2. [`pair_delimiters`] pairs emphasis delimiter runs (CommonMark's "process emphasis",
//!    simplified: one stack per delimiter character, so finding an opener is O(1)).
//! 3. [`build`] turns tokens and pairs into the tree with an explicit stack, capping depth.

use std::ops::Range;

use crate::{Inline, MAX_DEPTH};

/// Characters a backslash makes literal.
const ESCAPABLE: &[u8] = b"*_`[]()~\\>";

/// Parses one paragraph's text (lines joined by `'\n'`).
pub(crate) fn parse(text: &str) -> Vec<Inline> {
    let (toks, mut runs) = Scanner::new(text).scan();
    let pairs = pair_delimiters(&toks, &mut runs);
    build(text, toks, &runs, &pairs)
}

/// A token. Text is kept as byte ranges of the paragraph, so scanning allocates little.
enum Tok {
    Text(Range<usize>),
    Break,
    Code(Range<usize>),
    AutoLink {
        href: String,
        text: Range<usize>,
    },
    /// An emphasis delimiter run: an index into the runs.
    Delim(usize),
    /// A `[` that did not start a link: literal.
    Bracket,
    LinkOpen {
        href: String,
    },
    /// The `](url)` ending a link, kept as typed in case the link is too deep to nest.
    LinkClose {
        raw: Range<usize>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Emph {
    Bold,
    Italic,
    Strike,
}

impl Emph {
    /// The delimiter text of one side, for when a pair is too deep and turns back into text.
    fn marker(self, ch: u8) -> &'static str {
        match (self, ch) {
            (Emph::Strike, _) => "~~",
            (Emph::Bold, b'_') => "__",
            (Emph::Bold, _) => "**",
            (Emph::Italic, b'_') => "_",
            (Emph::Italic, _) => "*",
        }
    }

    fn width(self) -> usize {
        match self {
            Emph::Italic => 1,
            Emph::Bold | Emph::Strike => 2,
        }
    }
}

/// A run of `*`, `_` or `~~`. A run closes pairs with its left characters and opens pairs
/// with its right ones; whatever is left in the middle is literal.
struct Run {
    ch: u8,
    can_open: bool,
    can_close: bool,
    /// Length as typed.
    len: usize,
    /// Characters not used by a pair yet.
    avail: usize,
    /// The pairs this run closes, innermost (leftmost) first. A run closes all its pairs
    /// while it is being paired, so their ids are consecutive.
    closes: Range<usize>,
    /// The outermost pair this run opens; each pair links to the next one inward.
    opens: Option<usize>,
}

/// A matched opener and closer.
struct Pair {
    kind: Emph,
    /// The next pair inward opened by the same run.
    inner: Option<usize>,
}

struct Scanner<'a> {
    s: &'a str,
    toks: Vec<Tok>,
    runs: Vec<Run>,
    /// Open `[`s: token index, and `visible` when it was seen.
    brackets: Vec<(usize, usize)>,
    /// How many tokens with something visible were pushed: a link needs visible text, so
    /// `[](url)` or `[ ](url)` cannot make an invisible, unclickable link.
    visible: usize,
    /// Where closing backtick runs are; built on the first backtick.
    ticks: Option<Ticks>,
    /// Byte offset of the first `'\n'` at or after the last code span opener (or the end).
    line_end: usize,
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str) -> Self {
        Scanner {
            s,
            toks: Vec::new(),
            runs: Vec::new(),
            brackets: Vec::new(),
            visible: 0,
            ticks: None,
            line_end: 0,
        }
    }

    /// Appends literal text, merging it into the previous text token when contiguous.
    fn text(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        if !self.s[range.clone()].trim().is_empty() {
            self.visible += 1;
        }
        match self.toks.last_mut() {
            Some(Tok::Text(prev)) if prev.end == range.start => prev.end = range.end,
            _ => self.toks.push(Tok::Text(range)),
        }
    }

    fn push(&mut self, tok: Tok) {
        self.visible += 1;
        self.toks.push(tok);
    }

    fn scan(mut self) -> (Vec<Tok>, Vec<Run>) {
        let s = self.s;
        let b = s.as_bytes();
        // Every syntax character is ASCII, so `i` and `lit` are always char boundaries.
        let mut i = 0;
        // Start of the literal text not yet pushed.
        let mut lit = 0;
        while let Some(&c) = b.get(i) {
            match c {
                b'\\' if b.get(i + 1).is_some_and(|n| ESCAPABLE.contains(n)) => {
                    self.text(lit..i);
                    self.text(i + 1..i + 2);
                    i += 2;
                    lit = i;
                }
                b'\n' => {
                    self.text(lit..i);
                    self.toks.push(Tok::Break);
                    i += 1;
                    lit = i;
                }
                b'`' => {
                    self.text(lit..i);
                    let end = i + run_len(b, i, c);
                    match self.code_closer(end, end - i) {
                        Some(close) => {
                            self.push(Tok::Code(code_content(s, end..close)));
                            i = close + (end - i);
                        }
                        // No closer: the backticks are literal.
                        None => {
                            self.text(i..end);
                            i = end;
                        }
                    }
                    lit = i;
                }
                b'*' | b'_' | b'~' => {
                    let end = i + run_len(b, i, c);
                    let (can_open, can_close) =
                        flanking(c, s[..i].chars().next_back(), s[end..].chars().next());
                    // Only `~~` strikes: a lone `~` is common in chat ("~5 min").
                    if (c == b'~' && end - i != 2) || !(can_open || can_close) {
                        i = end;
                        continue;
                    }
                    self.text(lit..i);
                    let run = Run {
                        ch: c,
                        can_open,
                        can_close,
                        len: end - i,
                        avail: end - i,
                        closes: 0..0,
                        opens: None,
                    };
                    self.runs.push(run);
                    self.push(Tok::Delim(self.runs.len() - 1));
                    i = end;
                    lit = i;
                }
                b'[' => {
                    self.text(lit..i);
                    self.brackets.push((self.toks.len(), self.visible));
                    self.toks.push(Tok::Bracket);
                    i += 1;
                    lit = i;
                }
                b']' if !self.brackets.is_empty() => {
                    self.text(lit..i);
                    lit = i;
                    match self.link_end(i) {
                        Some(end) => {
                            i = end;
                            lit = i;
                        }
                        // Not a link: this `[` is literal, and so is the `]` (left in `lit`).
                        None => {
                            self.brackets.pop();
                            i += 1;
                        }
                    }
                }
                b'h' | b'H' | b'w' => match autolink(s, i) {
                    Some((end, href)) => {
                        self.text(lit..i);
                        self.push(Tok::AutoLink { href, text: i..end });
                        i = end;
                        lit = i;
                    }
                    None => i += 1,
                },
                _ => i += 1,
            }
        }
        self.text(lit..s.len());
        (self.toks, self.runs)
    }

    /// Where the closing run of a code span opened by `n` backticks ending at `from` starts.
    /// Code spans stay on one line, so renderers never get a newline in inline code.
    fn code_closer(&mut self, from: usize, n: usize) -> Option<usize> {
        if self.line_end < from {
            self.line_end = self.s[from..].find('\n').map_or(self.s.len(), |k| from + k);
        }
        let line_end = self.line_end;
        let ticks = self.ticks.get_or_insert_with(|| Ticks::new(self.s.as_bytes()));
        ticks.next_run(n, from).filter(|&start| start < line_end)
    }

    /// At a `]` with an open `[`: if a valid `(url)` follows, turns the two into a link and
    /// returns where the link ends.
    fn link_end(&mut self, i: usize) -> Option<usize> {
        let &(open, visible_before) = self.brackets.last()?;
        if self.visible == visible_before {
            return None;
        }
        let (href, end) = link_destination(self.s, i + 1)?;
        self.toks[open] = Tok::LinkOpen { href };
        self.toks.push(Tok::LinkClose { raw: i..end });
        // No links inside links: earlier `[`s can no longer open one (as in CommonMark).
        self.brackets.clear();
        Some(end)
    }
}

/// Every maximal backtick run, so a code span's closer is found by binary search instead of
/// rescanning the line for each opener (which is quadratic on "` `` ``` …").
struct Ticks {
    /// (length, start offset) of each run, sorted.
    runs: Vec<(usize, usize)>,
}

impl Ticks {
    fn new(b: &[u8]) -> Self {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'`' {
                let n = run_len(b, i, b'`');
                runs.push((n, i));
                i += n;
            } else {
                i += 1;
            }
        }
        runs.sort_unstable();
        Ticks { runs }
    }

    /// The start of the first run of exactly `n` backticks at or after `from`.
    fn next_run(&self, n: usize, from: usize) -> Option<usize> {
        let k = self.runs.partition_point(|&run| run < (n, from));
        self.runs.get(k).filter(|run| run.0 == n).map(|run| run.1)
    }
}

fn run_len(b: &[u8], i: usize, c: u8) -> usize {
    b[i..].iter().take_while(|&&x| x == c).count()
}

/// The content of a code span between its backtick runs. CommonMark drops one space of
/// padding on both sides, so `` `` `x` `` `` can show backticks at its edges; all-space
/// content is kept as is.
fn code_content(s: &str, range: Range<usize>) -> Range<usize> {
    let raw = s.as_bytes().get(range.clone()).unwrap_or_default();
    let padded = raw.len() >= 2 && raw.first() == Some(&b' ') && raw.last() == Some(&b' ');
    if padded && !raw.iter().all(|&b| b == b' ') {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// Whether a delimiter run between `prev` and `next` can open and can close emphasis.
fn flanking(c: u8, prev: Option<char>, next: Option<char>) -> (bool, bool) {
    let mut can_open = next.is_some_and(|n| !n.is_whitespace());
    let mut can_close = prev.is_some_and(|p| !p.is_whitespace());
    // `_` inside a word is part of it: snake_case_name, 2_000_000.
    if c == b'_' {
        can_open &= !prev.is_some_and(char::is_alphanumeric);
        can_close &= !next.is_some_and(char::is_alphanumeric);
    }
    (can_open, can_close)
}

/// Characters allowed in a URL: no whitespace, control or invisible characters (which could
/// hide a scheme or spoof a host), and none of the characters that end a URL in prose or
/// could break out of an attribute.
fn is_url_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || is_invisible(c)
        || matches!(c, '<' | '>' | '"' | '`' | '\\' | '[' | ']'))
}

/// Zero-width and bidirectional formatting characters.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Punctuation that ends a sentence rather than a URL.
fn is_trailing_punct(c: char) -> bool {
    matches!(c, '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '"' | '*' | '_' | '~')
        || matches!(c, '。' | '、' | '，' | '！' | '？' | '：' | '；')
}

/// `s` without its first `prefix.len()` bytes if those spell `prefix` in any ASCII case.
fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// The href for a link target if its scheme is allowed: http, https or mailto, in any case
/// (normalised to lower case), with something after it.
fn safe_href(url: &str) -> Option<String> {
    ["https://", "http://", "mailto:"].into_iter().find_map(|scheme| {
        let rest = strip_prefix_ci(url, scheme)?;
        (!rest.is_empty()).then(|| format!("{scheme}{rest}"))
    })
}

/// Parses `(url)` at `i` (right after a `]`): the href and where the `)` ends. Spaces around
/// the URL are allowed; a title, `<url>` or any other scheme is not.
fn link_destination(s: &str, i: usize) -> Option<(String, usize)> {
    let rest = s.get(i..)?.strip_prefix('(')?;
    let url = rest.trim_start_matches([' ', '\t']);
    // Balanced parentheses belong to the URL: wiki/Rust_(language).
    let mut depth = 0usize;
    let mut len = None;
    for (k, c) in url.char_indices() {
        match c {
            ')' if depth == 0 => {
                len = Some(k);
                break;
            }
            ')' => depth -= 1,
            '(' => depth += 1,
            ' ' | '\t' => {
                len = Some(k);
                break;
            }
            c if !is_url_char(c) => return None,
            _ => {}
        }
    }
    let (url, after) = url.split_at(len?);
    let after = after.trim_start_matches([' ', '\t']).strip_prefix(')')?;
    Some((safe_href(url)?, s.len() - after.len()))
}

/// A bare URL starting at `i` (`http://`, `https://` in any case, or `www.`): where it ends
/// and its href.
fn autolink(s: &str, i: usize) -> Option<(usize, String)> {
    let rest = &s[i..];
    // `skip`: bytes of the typed scheme, replaced by the normalised one in the href.
    let (scheme, skip, host) = if let Some(host) = strip_prefix_ci(rest, "https://") {
        ("https://", 8, host)
    } else if let Some(host) = strip_prefix_ci(rest, "http://") {
        ("http://", 7, host)
    } else if let Some(host) = rest.strip_prefix("www.") {
        ("https://", 0, host)
    } else {
        return None;
    };
    // Checked before scanning the URL's extent, so a text of repeated "https://_" is not
    // scanned to its end at every repetition.
    if !host.chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    // Not in the middle of a word or of some other URL ("xhttp://", "?u=https://").
    if s[..i].chars().next_back().is_some_and(|p| p.is_alphanumeric() || "/.@-&=?#%+".contains(p)) {
        return None;
    }
    let mut url = &rest[..rest.find(|c| !is_url_char(c)).unwrap_or(rest.len())];
    // Trailing punctuation ends the sentence, and a `)` ends the URL only if unbalanced:
    // "(see https://x.org/a_(b))." links to https://x.org/a_(b).
    let opens = url.matches('(').count();
    let mut closes = url.matches(')').count();
    while let Some(last) = url.chars().next_back() {
        if last == ')' && closes > opens {
            closes -= 1;
        } else if !is_trailing_punct(last) {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    // The host's first character is alphanumeric, so trimming stopped before it.
    Some((i + url.len(), format!("{scheme}{}", &url[skip..])))
}

/// Pairs emphasis runs. Pairs always nest properly, inside or around links, never across
/// them.
fn pair_delimiters(toks: &[Tok], runs: &mut [Run]) -> Vec<Pair> {
    let slot = |ch| match ch {
        b'*' => 0,
        b'_' => 1,
        _ => 2,
    };
    let mut pairs: Vec<Pair> = Vec::new();
    // Runs that can still open, per delimiter character, in text order.
    let mut stacks: [Vec<usize>; 3] = Default::default();
    // Inside a link's text, openers from before the link are out of reach.
    let mut floor = [0; 3];
    // CommonMark's "openers bottom": per delimiter character and closer class (can it open,
    // length mod 3), the stack height below which the last search found nothing. Whether
    // an opener is acceptable depends only on that class, so no opener is searched twice by
    // one class and pairing stays linear.
    let mut bottom = [[[0usize; 3]; 2]; 3];
    for tok in toks {
        let c = match *tok {
            Tok::LinkOpen { .. } => {
                floor = stacks.each_ref().map(Vec::len);
                continue;
            }
            Tok::LinkClose { .. } => {
                // Openers inside the link's text cannot close outside it.
                for k in 0..3 {
                    stacks[k].truncate(floor[k]);
                    lower(&mut bottom[k], stacks[k].len());
                }
                floor = [0; 3];
                continue;
            }
            Tok::Delim(c) => c,
            _ => continue,
        };
        let k = slot(runs[c].ch);
        let first = pairs.len();
        while runs[c].can_close && runs[c].avail > 0 {
            let class = &mut bottom[k][usize::from(runs[c].can_open)][runs[c].len % 3];
            let low = (*class).max(floor[k]).min(stacks[k].len());
            let found = stacks[k][low..].iter().rposition(|&o| !rule_of_three_rejects(&runs[o], &runs[c]));
            let Some(at) = found.map(|j| low + j) else {
                *class = stacks[k].len();
                break;
            };
            let o = stacks[k][at];
            let kind = match runs[c].ch {
                b'~' => Emph::Strike,
                _ if runs[o].avail >= 2 && runs[c].avail >= 2 => Emph::Bold,
                _ => Emph::Italic,
            };
            runs[o].avail -= kind.width();
            runs[c].avail -= kind.width();
            pairs.push(Pair { kind, inner: runs[o].opens });
            runs[o].opens = Some(pairs.len() - 1);
            // Openers between the pair would cross it ("*a _b* c_"); so would the opener
            // itself once used up.
            stacks[k].truncate(if runs[o].avail == 0 { at } else { at + 1 });
            for (stack, bottom) in stacks.iter_mut().zip(&mut bottom) {
                while stack.last().is_some_and(|&x| x > o) {
                    stack.pop();
                }
                lower(bottom, stack.len());
            }
        }
        runs[c].closes = first..pairs.len();
        if runs[c].avail > 0 && runs[c].can_open {
            stacks[k].push(c);
        }
    }
    pairs
}

/// CommonMark's "rule of 3": when either run could both open and close, their lengths must
/// not add up to a multiple of 3 (unless both are), so `*foo**bar**baz*` nests bold inside
/// italic instead of pairing `*` with `**`.
fn rule_of_three_rejects(opener: &Run, closer: &Run) -> bool {
    (opener.can_close || closer.can_open)
        && (opener.len + closer.len).is_multiple_of(3)
        && !(opener.len.is_multiple_of(3) && closer.len.is_multiple_of(3))
}

/// Keeps the openers-bottom marks of a stack within its height after it shrank.
fn lower(bottom: &mut [[usize; 3]; 2], height: usize) {
    for mark in bottom.iter_mut().flatten() {
        *mark = (*mark).min(height);
    }
}

enum Frame {
    Emph(Emph),
    Link(String),
}

/// Builds the tree with an explicit stack of open containers.
struct Builder {
    root: Vec<Inline>,
    frames: Vec<(Frame, Vec<Inline>)>,
    /// Containers opened beyond the depth cap and not closed yet: their markers are text.
    /// Everything opened inside one is too deep as well, so a count is enough.
    too_deep: usize,
    in_link: bool,
}

impl Builder {
    fn out(&mut self) -> &mut Vec<Inline> {
        self.frames.last_mut().map_or(&mut self.root, |(_, children)| children)
    }

    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let out = self.out();
        match out.last_mut() {
            Some(Inline::Text(prev)) => prev.push_str(text),
            _ => out.push(Inline::Text(text.to_owned())),
        }
    }

    fn can_open(&self) -> bool {
        self.frames.len() < MAX_DEPTH && self.too_deep == 0
    }

    /// Opens a container, or if that is too deep, writes its opening marker as text.
    fn open(&mut self, frame: Frame, marker: &str) {
        if self.can_open() {
            self.in_link |= matches!(frame, Frame::Link(_));
            self.frames.push((frame, Vec::new()));
        } else {
            self.too_deep += 1;
            self.text(marker);
        }
    }

    /// Closes the innermost open container (pairs nest properly, so it is this pair's),
    /// or writes the closing marker of one that was too deep.
    fn close(&mut self, marker: &str) {
        if self.too_deep > 0 {
            self.too_deep -= 1;
            self.text(marker);
            return;
        }
        // No frame would be a bug, which must not become a panic in release.
        debug_assert!(!self.frames.is_empty());
        if let Some((frame, children)) = self.frames.pop() {
            let node = match frame {
                Frame::Emph(Emph::Bold) => Inline::Bold(children),
                Frame::Emph(Emph::Italic) => Inline::Italic(children),
                Frame::Emph(Emph::Strike) => Inline::Strike(children),
                Frame::Link(href) => {
                    self.in_link = false;
                    Inline::Link { href, children }
                }
            };
            self.out().push(node);
        }
    }
}

fn build(s: &str, toks: Vec<Tok>, runs: &[Run], pairs: &[Pair]) -> Vec<Inline> {
    let mut b = Builder { root: Vec::new(), frames: Vec::new(), too_deep: 0, in_link: false };
    for tok in toks {
        match tok {
            Tok::Text(range) => b.text(&s[range]),
            Tok::Break => b.out().push(Inline::LineBreak),
            Tok::Code(range) => b.out().push(Inline::Code(s[range].to_owned())),
            // A URL in a link's text is just text: links do not nest.
            Tok::AutoLink { text, .. } if b.in_link || !b.can_open() => b.text(&s[text]),
            Tok::AutoLink { href, text } => {
                b.out().push(Inline::Link { href, children: vec![Inline::Text(s[text].to_owned())] })
            }
            Tok::Bracket => b.text("["),
            Tok::LinkOpen { href } => b.open(Frame::Link(href), "["),
            Tok::LinkClose { raw } => b.close(&s[raw]),
            Tok::Delim(r) => {
                let run = &runs[r];
                for pair in &pairs[run.closes.clone()] {
                    b.close(pair.kind.marker(run.ch));
                }
                // Unpaired delimiter characters are text.
                let one = if run.ch == b'~' { "~" } else { Emph::Italic.marker(run.ch) };
                for _ in 0..run.avail {
                    b.text(one);
                }
                // Outermost first.
                let mut next = run.opens;
                while let Some(pair) = next.and_then(|p| pairs.get(p)) {
                    b.open(Frame::Emph(pair.kind), pair.kind.marker(run.ch));
                    next = pair.inner;
                }
            }
        }
    }
    // Every opened frame has been closed by its pair; closing leftovers keeps their text if
    // that were ever not so.
    debug_assert!(b.frames.is_empty() && b.too_deep == 0);
    while !b.frames.is_empty() {
        b.close("");
    }
    b.root
}
