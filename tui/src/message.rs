//! One message as the conversation draws it: the quote of the message it answers, a header
//! (time, author, mood), its text rendered from the markup subset (`markup`) with `@mentions`
//! highlighted, "(edited)" or "message deleted", its files (`📎 name (size, type) URL`, one a
//! line; the first on the header's row when there is no text) and its reactions. A one-cell
//! gutter on every row marks the selected message, one that mentions the reader, and the
//! reader's own. Also the rows of a message still being sent and of a search hit.
//!
//! Everything is built as styled pieces and wrapped by display width with [`wrap`], so styled
//! text wraps exactly as plain text does; quotes and code blocks repeat their gutter on each
//! row they wrap to. The number of rows never depends on the reader or the selection (the
//! conversation caches it per message).

use crate::colour::{name_colour, Depth};
use crate::format;
use crate::lang::t;
use crate::text::{self, fit, wrap};
use markup::{Block, Inline};
use protocol::{Attachment, Message, Mood, Quote, Reactions, SearchHit};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// A run of text in one style.
type Piece = (String, Style);
/// One row of the conversation, before it becomes a [`Line`].
type Row = Vec<Piece>;

/// A search hit shows about this many characters of its message.
const EXCERPT_CHARS: usize = 120;
/// …starting this many before the first match.
const EXCERPT_LEAD: usize = 24;

/// How the reader sees a message.
#[derive(Clone, Copy, Debug)]
pub struct Look<'a> {
    pub me: &'a str,
    pub depth: Depth,
    pub selected: bool,
    /// The server's `http(s)://host`, ahead of the address of a file.
    pub base: &'a str,
}

fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

fn code() -> Style {
    Style::new().fg(Color::Cyan)
}

/// The reader's own name and `@room` stand out more than others' names.
fn mention(me: bool) -> Style {
    if me {
        Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
}

fn nick(name: &str, depth: Depth) -> Style {
    Style::new().fg(name_colour(name, depth)).add_modifier(Modifier::BOLD)
}

/// A message's rows at `width` cells.
pub fn message_lines(message: &Message, look: Look, width: usize) -> Vec<Line<'static>> {
    let own = message.author == look.me;
    let inner = width.saturating_sub(1).max(1);
    let time = if look.selected { dim().add_modifier(Modifier::REVERSED) } else { dim() };
    let mut header: Row = vec![
        (format::local_time(message.sent_at), time),
        (" ".into(), dim()),
        (message.author.clone(), nick(&message.author, look.depth)),
    ];
    let mut rows: Vec<Row> = Vec::new();
    if message.deleted {
        header.push((format!(" {}", t("tui-message-deleted")), dim().add_modifier(Modifier::ITALIC)));
        rows.extend(wrap_row(&header, inner));
    } else {
        header.push((format!(" {} ", Mood::of(message.mood).emoji()), dim()));
        if let Some(quote) = &message.reply_to {
            rows.push(quote_row(quote, inner, look.depth));
        }
        let mut chunks = body(&message.text, &Mentions::of(message, look.me));
        if message.edited_at.is_some() {
            match chunks.last_mut() {
                Some(last) if last.prefix.is_empty() && last.paragraph => {
                    last.pieces.push((format!(" {}", t("tui-edited")), dim()))
                }
                _ => chunks.push(Chunk::text(vec![(t("tui-edited"), dim())])),
            }
        }
        for attachment in &message.attachments {
            // With no text, the first file shares the header's row.
            let lead = if chunks.is_empty() { header.iter().map(|(t, _)| text::width(t)).sum() } else { 0 };
            chunks.push(attachment_chunk(attachment, look.base, lead, inner));
        }
        // The text starts on the header's row unless it opens with a quote or code.
        match chunks.first_mut() {
            Some(first) if first.prefix.is_empty() && first.paragraph => {
                first.pieces.splice(0..0, header);
            }
            _ => chunks.insert(0, Chunk::text(header)),
        }
        for chunk in &chunks {
            rows.extend(chunk.rows(inner));
        }
        rows.extend(reaction_rows(&message.reactions, look.me, inner));
    }
    let (first, rest) = if look.selected {
        let style = Style::new().fg(Color::LightCyan).add_modifier(Modifier::BOLD);
        (("▶", style), ("┃", style))
    } else if !own && client::mentions_me(message, look.me) {
        let bar = Style::new().fg(Color::Yellow);
        (("▌", bar), ("▌", bar))
    } else if own {
        let bar = Style::new().fg(name_colour(&message.author, look.depth));
        (("▌", bar), ("▌", bar))
    } else {
        ((" ", Style::new()), (" ", Style::new()))
    };
    with_gutter(rows, first, rest)
}

/// A message of the reader's not yet acknowledged, answering `quote` if it is a reply, with
/// the names of its files.
pub fn pending_lines(
    me: &str,
    text: &str,
    attachments: &[Attachment],
    quote: Option<&Quote>,
    width: usize,
    depth: Depth,
) -> Vec<Line<'static>> {
    let inner = width.saturating_sub(1).max(1);
    let name = Style::new().fg(name_colour(me, depth)).add_modifier(Modifier::DIM);
    let mut rows: Vec<Row> = quote.map(|q| quote_row(q, inner, depth)).into_iter().collect();
    let mut pieces = vec![
        (format!("{} ", t("tui-sending")), dim()),
        (me.to_owned(), name),
        (": ".into(), dim()),
        (text.to_owned(), dim()),
    ];
    for attachment in attachments {
        let gap = if pieces.last().is_some_and(|(t, _)| t.is_empty() || t.ends_with(' ')) { "" } else { " " };
        pieces.push((format!("{gap}📎 {}", format::attachment_parts(attachment).0), dim()));
    }
    rows.extend(wrap_row(&pieces, inner));
    with_gutter(rows, ("▌", name), ("▌", name))
}

/// A search hit as a note: "#room HH:MM author: text…", the matching parts highlighted.
pub fn hit_lines(hit: &SearchHit, room: &str, width: usize, depth: Depth) -> Vec<Line<'static>> {
    let message = &hit.message;
    let (text, ranges) = excerpt(&message.text, &hit.highlights, EXCERPT_CHARS);
    let mut pieces: Row = vec![
        (format!("{room} {} ", format::local_time(message.sent_at)), dim()),
        (message.author.clone(), nick(&message.author, depth)),
        (": ".into(), dim()),
    ];
    let found = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let mut at = 0;
    for (start, end) in ranges {
        if start > at {
            pieces.push((text[at..start].to_owned(), Style::new()));
        }
        pieces.push((text[start..end].to_owned(), found));
        at = end;
    }
    if at < text.len() {
        pieces.push((text[at..].to_owned(), Style::new()));
    }
    hanging(&pieces, ("  ", Style::new()), width)
}

/// The first non-blank line of a message's text without its markup: how a reply, a prompt or
/// a notification quotes it.
pub fn first_line(text: &str) -> String {
    let plain = markup::plain(text);
    plain.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_owned()
}

/// "↳ ann: first line…", one row.
fn quote_row(quote: &Quote, width: usize, depth: Depth) -> Row {
    if quote.deleted {
        let deleted = format!("↳ {}", t("tui-message-deleted"));
        return vec![(fit(&deleted, width), dim().add_modifier(Modifier::ITALIC))];
    }
    let author = fit(&quote.author, width / 2);
    let room = width.saturating_sub(text::width(&author) + 4);
    // The server sends a first line; a line break here would break the row count.
    let text = quote.text.replace(['\n', '\r'], " ");
    vec![
        ("↳ ".into(), dim()),
        (author, nick(&quote.author, depth).add_modifier(Modifier::DIM)),
        (": ".into(), dim()),
        (fit(&text, room), dim()),
    ]
}

/// "📎 name (1.2 MB, image/png) https://host/files/…": the address goes to a row of its own
/// when the whole does not fit (after `lead` cells on the first row), so that it starts a row
/// and the terminal finds it whole if it fits one.
fn attachment_chunk(attachment: &Attachment, base: &str, lead: usize, width: usize) -> Chunk {
    let (name, details) = format::attachment_parts(attachment);
    let url = format::attachment_url(attachment, base);
    let details = format!(" ({details})");
    let used = lead + text::width("📎 ") + text::width(&name) + text::width(&details);
    let gap = if used + 1 + text::width(&url) <= width { " " } else { "\n" };
    let mut pieces = vec![
        ("📎 ".into(), Style::new()),
        (name, Style::new().add_modifier(Modifier::BOLD)),
        (details, dim()),
        (gap.into(), Style::new()),
        (url, Style::new().add_modifier(Modifier::UNDERLINED)),
    ];
    // Its own caption, on a row of its own under it.
    if let Some(caption) = format::attachment_caption(attachment) {
        pieces.push(("\n".into(), Style::new()));
        pieces.push((caption, Style::new().add_modifier(Modifier::ITALIC)));
    }
    Chunk::text(pieces)
}

/// "👍 2  🎉 1", the reader's own pressed; a chip never breaks across rows.
fn reaction_rows(reactions: &[Reactions], me: &str, width: usize) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut used = 0;
    for reaction in reactions {
        let mine = reaction.people.iter().any(|p| p == me);
        let style =
            if mine { Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { Style::new() };
        let chip = format!("{} {}", reaction.emoji, reaction.people.len());
        let w = text::width(&chip);
        match rows.last_mut() {
            Some(row) if used + 2 + w <= width => {
                row.push(("  ".into(), Style::new()));
                row.push((chip, style));
                used += 2 + w;
            }
            _ => {
                rows.push(vec![(chip, style)]);
                used = w;
            }
        }
    }
    rows
}

/// A run of the text wrapped as one: a paragraph, a code block, or either inside a quote,
/// with `prefix` ahead of each of its rows.
#[derive(Debug)]
struct Chunk {
    prefix: Row,
    pieces: Row,
    /// Inline text (the header and "(edited)" may share its rows).
    paragraph: bool,
}

impl Chunk {
    fn text(pieces: Row) -> Chunk {
        Chunk { prefix: Vec::new(), pieces, paragraph: true }
    }

    fn rows(&self, width: usize) -> Vec<Row> {
        let room = width.saturating_sub(self.prefix.iter().map(|(t, _)| text::width(t)).sum()).max(1);
        wrap_row(&self.pieces, room)
            .into_iter()
            .map(|row| self.prefix.iter().cloned().chain(row).collect())
            .collect()
    }
}

/// A message's text as chunks.
fn body(text: &str, mentions: &Mentions) -> Vec<Chunk> {
    // Plain text (most messages) is one paragraph spelling the text exactly.
    if !markup::has_markup(text) {
        if text.trim().is_empty() {
            return Vec::new();
        }
        let mut pieces = Vec::new();
        mentions.split_into(text, Style::new(), &mut pieces);
        return vec![Chunk::text(pieces)];
    }
    let mut chunks = Vec::new();
    blocks_into(&markup::parse(text), mentions, &[], &mut chunks);
    chunks
}

/// Recurses once for a quote (quotes hold no quotes).
fn blocks_into(blocks: &[Block], mentions: &Mentions, prefix: &[Piece], out: &mut Vec<Chunk>) {
    for block in blocks {
        match block {
            Block::Paragraph(inlines) => {
                let mut pieces = Vec::new();
                inlines_into(inlines, Style::new(), mentions, &mut pieces);
                out.push(Chunk { prefix: prefix.to_vec(), pieces, paragraph: true });
            }
            Block::Code { text, .. } => {
                let mut indented = prefix.to_vec();
                indented.push(("  ".into(), Style::new()));
                // A tab's width is the terminal's choice; spaces wrap predictably.
                let pieces = vec![(text.replace('\t', "    "), code())];
                out.push(Chunk { prefix: indented, pieces, paragraph: false });
            }
            Block::Quote(inner) => {
                let mut gutter = prefix.to_vec();
                gutter.push(("│ ".into(), dim()));
                blocks_into(inner, mentions, &gutter, out);
            }
        }
    }
}

/// Recursion is bounded by `markup`'s nesting cap, not by the input.
fn inlines_into(inlines: &[Inline], style: Style, mentions: &Mentions, out: &mut Row) {
    for inline in inlines {
        match inline {
            Inline::Text(text) => mentions.split_into(text, style, out),
            Inline::Bold(children) => {
                inlines_into(children, style.add_modifier(Modifier::BOLD), mentions, out)
            }
            Inline::Italic(children) => {
                inlines_into(children, style.add_modifier(Modifier::ITALIC), mentions, out)
            }
            Inline::Strike(children) => {
                inlines_into(children, style.add_modifier(Modifier::CROSSED_OUT), mentions, out)
            }
            Inline::Code(text) => out.push((text.clone(), style.patch(code()))),
            Inline::Link { href, children } => {
                inlines_into(children, style.add_modifier(Modifier::UNDERLINED), mentions, out);
                // A terminal cannot hide a target behind its text, nor should it.
                let mut shown = String::new();
                plain_into(children, &mut shown);
                if !same_target(&shown, href) {
                    out.push((" <".into(), style.patch(dim())));
                    out.push((href.clone(), style.patch(dim()).add_modifier(Modifier::UNDERLINED)));
                    out.push((">".into(), style.patch(dim())));
                }
            }
            Inline::LineBreak => out.push(("\n".into(), style)),
        }
    }
}

fn plain_into(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(text) | Inline::Code(text) => out.push_str(text),
            Inline::Bold(children) | Inline::Italic(children) | Inline::Strike(children) => {
                plain_into(children, out)
            }
            Inline::Link { children, .. } => plain_into(children, out),
            Inline::LineBreak => out.push(' '),
        }
    }
}

/// Whether a link's text already says where it goes: the href itself, or it without the
/// scheme the parser added (`www.example.org`, an address for `mailto:`).
fn same_target(text: &str, href: &str) -> bool {
    let text = text.trim();
    text.eq_ignore_ascii_case(href)
        || ["https://", "http://", "mailto:"].iter().any(|scheme| {
            href.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme))
                && href.get(scheme.len()..) == Some(text)
        })
}

/// The `@names` of a message to highlight: the people it mentions and `@room`, the reader's
/// own name more strongly (as the browser does).
struct Mentions {
    /// `@name` lower-cased, and whether it means the reader; longest first.
    names: Vec<(String, bool)>,
}

impl Mentions {
    fn of(message: &Message, me: &str) -> Mentions {
        let me = protocol::nickname_key(me);
        let mut names: Vec<(String, bool)> = message
            .mentions
            .iter()
            .map(|m| (format!("@{}", m.to_lowercase()), protocol::nickname_key(m) == me))
            .collect();
        if message.mentions_room {
            names.push(("@room".to_owned(), true));
        }
        // "@Ann Lee" wins over "@Ann".
        names.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
        Mentions { names }
    }

    /// Appends `text` in `style`, its mentions highlighted.
    fn split_into(&self, text: &str, style: Style, out: &mut Row) {
        let lower = text.to_lowercase();
        // Lower-casing can change byte lengths (rare letters): then no highlighting.
        if self.names.is_empty() || !text.contains('@') || lower.len() != text.len() {
            out.push((text.to_owned(), style));
            return;
        }
        let (mut at, mut from) = (0, 0);
        while let Some(found) = lower[from..].find('@') {
            let start = from + found;
            let hit = self.names.iter().find(|(name, _)| lower[start..].starts_with(name.as_str()));
            match hit {
                Some((name, me)) if text.is_char_boundary(start + name.len()) => {
                    if start > at {
                        out.push((text[at..start].to_owned(), style));
                    }
                    out.push((text[start..start + name.len()].to_owned(), style.patch(mention(*me))));
                    at = start + name.len();
                    from = at;
                }
                _ => from = start + 1,
            }
        }
        if at < text.len() {
            out.push((text[at..].to_owned(), style));
        }
    }
}

/// About `budget` characters of `text` on one line, from a little before the first of
/// `highlights` (byte ranges of `text`, from the server: invalid ones are left out), and those
/// ranges as byte ranges of the result.
fn excerpt(text: &str, highlights: &[[u32; 2]], budget: usize) -> (String, Vec<(usize, usize)>) {
    let mut ranges: Vec<(usize, usize)> = highlights
        .iter()
        .map(|&[s, e]| (s as usize, e as usize))
        .filter(|&(s, e)| s < e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e))
        .collect();
    ranges.sort_unstable();
    let first = ranges.first().map_or(0, |r| r.0);
    let lead = text[..first].char_indices().rev().nth(EXCERPT_LEAD.saturating_sub(1)).map_or(0, |(i, _)| i);
    let start = if lead > 0 { lead } else { 0 };
    let end = text[start..].char_indices().nth(budget).map_or(text.len(), |(i, _)| start + i);
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    let shift = out.len();
    // One byte for one byte, so the ranges only shift.
    out.extend(text[start..end].chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }));
    if end < text.len() {
        out.push('…');
    }
    let mut shown: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        let (s, e) = (s.max(start), e.min(end));
        // Overlapping ranges are merged into the one before.
        let s = shown.last().map_or(s, |last| s.max(last.1));
        if s < e {
            shown.push((s - start + shift, e - start + shift));
        }
    }
    (out, shown)
}

fn wrap_row(pieces: &[Piece], width: usize) -> Vec<Row> {
    let refs: Vec<(&str, Style)> = pieces.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    wrap(&refs, width)
}

fn with_gutter(rows: Vec<Row>, first: (&str, Style), rest: (&str, Style)) -> Vec<Line<'static>> {
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let (mark, style) = if i == 0 { first } else { rest };
            let mut spans = vec![Span::styled(mark.to_owned(), style)];
            spans.extend(row.into_iter().map(|(t, s)| Span::styled(t, s)));
            Line::from(spans)
        })
        .collect()
}

/// `pieces` wrapped after `first` (on the first row), the rows after it indented as far.
fn hanging(pieces: &[Piece], first: (&str, Style), width: usize) -> Vec<Line<'static>> {
    let indent = text::width(first.0);
    let blank = " ".repeat(indent);
    with_gutter(wrap_row(pieces, width.saturating_sub(indent).max(1)), first, (&blank, Style::new()))
}

/// A note of the client's own, in yellow (`system`: a quiet line such as "bob joined").
pub fn quiet_lines(text: &str, system: bool, width: usize) -> Vec<Line<'static>> {
    let style = if system { dim().add_modifier(Modifier::ITALIC) } else { Style::new().fg(Color::Yellow) };
    let prefix = if system { "  — " } else { "  " };
    hanging(&[(text.to_owned(), style)], (prefix, style), width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::Reactions;

    const ME: &str = "bob";

    fn look() -> Look<'static> {
        Look { me: ME, depth: Depth::C16, selected: false, base: "https://chat.example" }
    }

    fn message(author: &str, text: &str) -> Message {
        Message {
            room: "general".into(),
            seq: 7,
            author: author.into(),
            text: text.into(),
            sent_at: 0,
            ..Message::default()
        }
    }

    /// Each row's text.
    fn rows(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    /// The pieces of a text's chunks, with the prefix, joined per chunk.
    fn pieces(text: &str, mentioned: &[&str]) -> Vec<Piece> {
        let mut m = message("ann", text);
        m.mentions = mentioned.iter().map(|s| s.to_string()).collect();
        body(text, &Mentions::of(&m, ME))
            .into_iter()
            .flat_map(|c| c.prefix.into_iter().chain(c.pieces))
            .collect()
    }

    fn style_of<'p>(pieces: &'p [Piece], text: &str) -> &'p Style {
        &pieces.iter().find(|(t, _)| t == text).unwrap_or_else(|| panic!("{text:?} in {pieces:?}")).1
    }

    #[test]
    fn markup_becomes_styled_pieces() {
        let p = pieces("**bold** *it* ~~gone~~ `x = 1` and __*both*__", &[]);
        assert!(style_of(&p, "bold").add_modifier.contains(Modifier::BOLD));
        assert!(style_of(&p, "it").add_modifier.contains(Modifier::ITALIC));
        assert!(style_of(&p, "gone").add_modifier.contains(Modifier::CROSSED_OUT));
        assert_eq!(style_of(&p, "x = 1").fg, Some(Color::Cyan));
        assert!(style_of(&p, "both").add_modifier.contains(Modifier::BOLD | Modifier::ITALIC));
        let text: String = p.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "bold it gone x = 1 and both");
    }

    #[test]
    fn links_show_their_target_unless_the_text_is_it() {
        let p = pieces("[docs](https://example.org/d) and https://x.org and www.y.org", &[]);
        let text: String = p.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "docs <https://example.org/d> and https://x.org and www.y.org");
        assert!(style_of(&p, "docs").add_modifier.contains(Modifier::UNDERLINED));
        assert!(style_of(&p, "https://x.org").add_modifier.contains(Modifier::UNDERLINED));
        let p = pieces("[https://evil.example](https://good.example)", &[]);
        let text: String = p.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "https://evil.example <https://good.example>");
    }

    #[test]
    fn mentions_are_highlighted_the_readers_own_strongly() {
        let p = pieces("hi @Bob and @ann, @room *@bob*", &["bob", "ann"]);
        assert_eq!(*style_of(&p, "@Bob"), mention(true));
        assert_eq!(*style_of(&p, "@ann"), mention(false));
        assert!(
            p.iter().all(|(t, s)| !t.contains("@room") || *s == Style::new()),
            "only when the server says so"
        );
        let italic = p.iter().find(|(t, _)| t == "@bob").unwrap().1;
        assert!(italic.add_modifier.contains(Modifier::ITALIC) && italic.bg == Some(Color::Yellow));
        let mut m = message("ann", "@room lunch");
        m.mentions_room = true;
        let lines = message_lines(&m, look(), 40);
        assert!(lines[0].spans.iter().any(|s| s.content == "@room" && s.style == mention(true)));
        assert_eq!(lines[0].spans[0].content, "▌", "a message that mentions the reader is marked");
        assert_eq!(lines[0].spans[0].style.fg, Some(Color::Yellow));
    }

    #[test]
    fn styled_text_wraps_by_cells_like_plain_text() {
        let text = "**日本語のテキスト** and *e\u{301}e\u{301} more words* `code here`";
        let m = message("ann", text);
        for w in [8, 11, 17, 30] {
            let lines = message_lines(&m, look(), w);
            for line in &lines {
                assert!(line.width() <= w, "{w}: {:?}", rows(&lines));
            }
            // Nothing lost: the rows hold every grapheme, spaces at breaks aside.
            let all: String = rows(&lines).concat().replace(' ', "");
            assert!(all.contains("日本語のテキスト"), "{all}");
            assert!(all.contains("e\u{301}e\u{301}morewords"), "{all}");
            // A style stays with its text across a break.
            for line in &lines {
                for span in &line.spans {
                    if span.content.contains('語') {
                        assert!(span.style.add_modifier.contains(Modifier::BOLD));
                    }
                }
            }
        }
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let wrapped = wrap_row(&[("日本".into(), bold), ("語日本語".into(), Style::new())], 7);
        assert_eq!(
            wrapped,
            [
                vec![("日本".to_owned(), bold), ("語".to_owned(), Style::new())],
                vec![("日本語".to_owned(), Style::new())]
            ],
            "CJK takes two cells, and each piece keeps its style across the break"
        );
    }

    #[test]
    fn quotes_and_code_keep_their_gutter_on_every_row() {
        let text =
            "look:\n> aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj\n> seven\n```\nfn main() {}\n```";
        let lines = rows(&message_lines(&message("ann", text), look(), 40));
        assert!(lines[0].ends_with("look:"), "{lines:?}");
        assert_eq!(lines[1..4], [" │ aaaa bbbb cccc dddd eeee ffff gggg ", " │ hhhh iiii jjjj", " │ seven"]);
        assert!(lines.iter().any(|l| l == "   fn main() {}"), "{lines:?}");
        let code = message_lines(&message("ann", "```\nlet x;\n```"), look(), 20);
        assert_eq!(rows(&code).len(), 2, "the header, then the code on its own row");
        assert_eq!(code[1].spans.last().unwrap().style.fg, Some(Color::Cyan));
    }

    #[test]
    fn replies_edits_deletions_and_reactions() {
        let mut m = message("ann", "thanks");
        m.reply_to = Some(Quote {
            seq: 3,
            author: "bob".into(),
            text: "a long first line here".into(),
            deleted: false,
        });
        m.edited_at = Some(1);
        m.reactions = vec![
            Reactions { emoji: "👍".into(), people: vec!["cat".into(), ME.into()] },
            Reactions { emoji: "🎉".into(), people: vec!["cat".into()] },
        ];
        assert_eq!(rows(&message_lines(&m, look(), 20))[0], " ↳ bob: a long firs…");
        let lines = message_lines(&m, look(), 40);
        let text = rows(&lines);
        assert_eq!(text[0], " ↳ bob: a long first line here");
        assert!(text[1].ends_with("thanks (edited)"), "{text:?}");
        assert_eq!(text[2], " 👍 2  🎉 1");
        let mine = lines[2].spans.iter().find(|s| s.content == "👍 2").unwrap();
        assert!(mine.style.add_modifier.contains(Modifier::REVERSED));
        let theirs = lines[2].spans.iter().find(|s| s.content == "🎉 1").unwrap();
        assert!(!theirs.style.add_modifier.contains(Modifier::REVERSED));
        // Reactions wrap chip by chip.
        let narrow = rows(&message_lines(&m, look(), 8));
        assert_eq!(narrow[narrow.len() - 2..], [" 👍 2", " 🎉 1"]);

        m.reply_to.as_mut().unwrap().deleted = true;
        assert_eq!(rows(&message_lines(&m, look(), 30))[0], " ↳ message deleted");
        m.delete();
        let text = rows(&message_lines(&m, look(), 30));
        assert_eq!(text.len(), 1);
        assert!(text[0].ends_with("ann message deleted"), "{text:?}");

        let selected = message_lines(&message("ann", "x\ny"), Look { selected: true, ..look() }, 20);
        assert_eq!(rows(&selected).iter().map(|r| r.chars().next().unwrap()).collect::<String>(), "▶┃");
    }

    fn cat() -> Attachment {
        Attachment {
            id: "u1".into(),
            name: "cat.png".into(),
            size: 1_234_567,
            mime: "image/png".into(),
            width: Some(4),
            height: Some(3),
            caption: None,
        }
    }

    #[test]
    fn files_show_one_a_line_with_their_address() {
        let url = "https://chat.example/files/u1/cat.png";
        let mut m = message("ann", "look at him");
        m.attachments = vec![
            cat(),
            Attachment {
                id: "u2".into(),
                name: "notes.txt".into(),
                size: 12,
                mime: "text/plain".into(),
                ..Attachment::default()
            },
        ];
        let lines = message_lines(&m, look(), 80);
        let text = rows(&lines);
        assert!(text[0].ends_with("ann 😐 look at him"), "{text:?}");
        assert_eq!(text[1], format!(" 📎 cat.png (1.2 MB, image/png) {url}"));
        assert_eq!(text[2], " 📎 notes.txt (12 bytes, text/plain) https://chat.example/files/u2/notes.txt");
        assert_eq!(text.len(), 3);
        let link = lines[1].spans.iter().find(|s| s.content == url).expect("the address, whole");
        assert!(link.style.add_modifier.contains(Modifier::UNDERLINED));
        // Too narrow for the whole: the address starts a row of its own.
        let text = rows(&message_lines(&m, look(), 50));
        assert_eq!(text[1], " 📎 cat.png (1.2 MB, image/png)");
        assert_eq!(text[2], format!(" {url}"));
        // Edits, replies and reactions keep their places around them.
        m.edited_at = Some(1);
        m.reactions = vec![Reactions { emoji: "👍".into(), people: vec!["cat".into()] }];
        let text = rows(&message_lines(&m, look(), 80));
        assert!(text[0].ends_with("look at him (edited)"), "{text:?}");
        assert!(text[1].starts_with(" 📎 cat.png"), "{text:?}");
        assert_eq!(text.last().unwrap(), " 👍 1");
        // Deleted: nothing of them.
        m.delete();
        assert_eq!(rows(&message_lines(&m, look(), 80)).len(), 1);
    }

    #[test]
    fn a_file_without_text_shares_the_headers_row() {
        let mut m = message("ann", "");
        m.attachments = vec![cat()];
        let text = rows(&message_lines(&m, look(), 90));
        assert_eq!(text.len(), 1, "{text:?}");
        assert!(
            text[0].ends_with("ann 😐 📎 cat.png (1.2 MB, image/png) https://chat.example/files/u1/cat.png"),
            "{text:?}"
        );
        let text = rows(&message_lines(&m, look(), 50));
        assert!(text[0].ends_with("ann 😐 📎 cat.png (1.2 MB, image/png)"), "{text:?}");
        assert_eq!(text[1], " https://chat.example/files/u1/cat.png");
        for w in [8, 20, 33] {
            for line in message_lines(&m, look(), w) {
                assert!(line.width() <= w, "{w}: {text:?}");
            }
        }
        // Being sent: the names.
        let sending = rows(&pending_lines(ME, "", &[cat()], None, 60, Depth::C16));
        assert_eq!(sending, ["▌sending bob: 📎 cat.png"]);
        let sending = rows(&pending_lines(ME, "hi", &[cat(), cat()], None, 60, Depth::C16));
        assert_eq!(sending, ["▌sending bob: hi 📎 cat.png 📎 cat.png"]);
    }

    #[test]
    fn hits_are_cut_around_their_highlights() {
        let text = format!("{}needle in\nthe {}", "x".repeat(100), "y".repeat(200));
        let (out, ranges) = excerpt(&text, &[[100, 106], [5000, 5001], [102, 101]], 60);
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(!out.contains('\n'));
        assert_eq!(ranges.len(), 1);
        assert_eq!(&out[ranges[0].0..ranges[0].1], "needle");
        let (out, ranges) = excerpt("héllo wörld", &[[7, 13], [1, 2]], 60);
        assert_eq!(out, "héllo wörld");
        assert_eq!(ranges, [(7, 13)], "a range inside a character is left out");
        let hit = SearchHit { message: message("ann", "find the needle"), highlights: vec![[9, 15]] };
        let lines = hit_lines(&hit, "#general", 60, Depth::C16);
        assert_eq!(rows(&lines), [format!("  #general {} ann: find the needle", format::local_time(0))]);
        assert!(lines[0]
            .spans
            .iter()
            .any(|s| s.content == "needle" && s.style.add_modifier.contains(Modifier::REVERSED)));
        // Rows after the first are indented under it.
        let narrow = rows(&hit_lines(&hit, "#general", 16, Depth::C16));
        assert!(
            narrow.len() > 1 && narrow[1..].iter().all(|r| r.starts_with("  ") && r.len() > 2),
            "{narrow:?}"
        );
        let note = rows(&quiet_lines("a note long enough to wrap", false, 12));
        assert_eq!(note, ["  a note ", "  long ", "  enough to ", "  wrap"]);
    }
}
