//! A message's text as the reader sees it: the safe Markdown subset of `markup` rendered as
//! views (the same code on the server and in the browser, so both render it identically),
//! with `@mentions` highlighted. Every string is a text node; the only attribute taken from a
//! message is a link's `href`, which `markup` guarantees to be http(s) or mailto.

use leptos::prelude::*;
use markup::{Block, Inline};
use protocol::Message;

/// The text of `message` for the reader called `me`.
pub fn text_view(message: &Message, me: &str) -> AnyView {
    let mentions = Mentions::of(message, me);
    if !markup::has_markup(&message.text) {
        return mentions.highlight(&message.text).into_any();
    }
    markup::parse(&message.text)
        .into_iter()
        .map(|block| block_view(block, &mentions))
        .collect_view()
        .into_any()
}

fn block_view(block: Block, mentions: &Mentions) -> AnyView {
    match block {
        Block::Paragraph(inlines) => {
            view! { <span class="para">{inlines_view(inlines, mentions)}</span> }.into_any()
        }
        Block::Code { lang, text } => {
            view! { <pre class="code" data-lang=lang><code>{text}</code></pre> }.into_any()
        }
        Block::Quote(blocks) => view! {
            <blockquote>{blocks.into_iter().map(|b| block_view(b, mentions)).collect_view()}</blockquote>
        }
        .into_any(),
    }
}

fn inlines_view(inlines: Vec<Inline>, mentions: &Mentions) -> AnyView {
    inlines.into_iter().map(|inline| inline_view(inline, mentions)).collect_view().into_any()
}

fn inline_view(inline: Inline, mentions: &Mentions) -> AnyView {
    match inline {
        Inline::Text(text) => mentions.highlight(&text).into_any(),
        Inline::Bold(children) => view! { <strong>{inlines_view(children, mentions)}</strong> }.into_any(),
        Inline::Italic(children) => view! { <em>{inlines_view(children, mentions)}</em> }.into_any(),
        Inline::Strike(children) => view! { <s>{inlines_view(children, mentions)}</s> }.into_any(),
        Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
        Inline::Link { href, children } => view! {
            <a href=href rel="noopener nofollow ugc" target="_blank">{inlines_view(children, mentions)}</a>
        }
        .into_any(),
        Inline::LineBreak => view! { <br/> }.into_any(),
    }
}

/// The `@names` of a message to highlight: the people it mentions and `@room`; the reader's
/// own name stands out more.
struct Mentions {
    /// `@name` as typed (lower-cased for matching), and whether it is the reader.
    names: Vec<(String, bool)>,
}

impl Mentions {
    fn of(message: &Message, me: &str) -> Mentions {
        let mut names: Vec<(String, bool)> =
            message.mentions.iter().map(|m| (format!("@{}", crate::browser::lower(m)), m == me)).collect();
        if message.mentions_room {
            names.push(("@room".to_owned(), true));
        }
        // Longest first, so "@Ann Lee" wins over "@Ann".
        names.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        Mentions { names }
    }

    /// `text` with each mention in a `<mark>`.
    fn highlight(&self, text: &str) -> AnyView {
        if self.names.is_empty() || !text.contains('@') {
            return text.to_owned().into_any();
        }
        let lower = crate::browser::lower(text);
        // Lower-casing can change byte lengths (rare letters): then no highlighting.
        if lower.len() != text.len() {
            return text.to_owned().into_any();
        }
        let mut parts: Vec<AnyView> = Vec::new();
        let mut at = 0;
        let mut from = 0;
        while let Some(found) = lower[from..].find('@') {
            let start = from + found;
            let hit = self.names.iter().find(|(name, _)| lower[start..].starts_with(name.as_str()));
            match hit {
                Some((name, me)) if text.is_char_boundary(start + name.len()) => {
                    if start > at {
                        parts.push(text[at..start].to_owned().into_any());
                    }
                    let shown = text[start..start + name.len()].to_owned();
                    let class = if *me { "mention me" } else { "mention" };
                    parts.push(view! { <mark class=class>{shown}</mark> }.into_any());
                    at = start + name.len();
                    from = at;
                }
                _ => from = start + 1,
            }
        }
        if at < text.len() {
            parts.push(text[at..].to_owned().into_any());
        }
        parts.into_iter().collect_view().into_any()
    }
}
