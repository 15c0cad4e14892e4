//! One message in the conversation: who and when, its mood, the message it answers, its text
//! (markup and mentions), its reactions, and what the reader can do with it: reply, react,
//! edit or delete their own. The actions show on hover and keyboard focus (a "More" button
//! opens them on touch screens); without JavaScript, "More" is a link to the message's own
//! page of plain forms.

use super::markup::text_view;
use super::picker::Picker;
use crate::lang::{t, tf};
use crate::live::Live;
use crate::palette::name_style;
use crate::time_fmt;
use leptos::{html, prelude::*};
use protocol::{Message, Mood, Quote, Reactions, Seq};

/// A short text that changes whenever what the row shows changes, so the list redraws it.
pub fn version(message: &Message) -> u64 {
    // FNV-1a over what is shown besides the seq.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= *b as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(message.text.as_bytes());
    eat(&message.edited_at.unwrap_or(0).to_le_bytes());
    eat(&[message.deleted as u8, message.reply_to.as_ref().is_some_and(|q| q.deleted) as u8]);
    for a in &message.attachments {
        eat(a.id.as_bytes());
    }
    for r in &message.reactions {
        eat(r.emoji.as_bytes());
        for p in &r.people {
            eat(p.as_bytes());
            eat(b"\0");
        }
    }
    hash
}

#[component]
pub fn MessageItem(
    message: Message,
    own: bool,
    live: Live,
    /// It follows its author's message of a moment ago: shown under it, without the name again
    /// (which stays for screen readers).
    #[prop(optional)]
    continued: bool,
) -> AnyView {
    let running = live.running;
    let seq = message.seq;
    let room = message.room.clone();
    let sent_at = message.sent_at;
    let mood = Mood::of(message.mood);
    let me = live.nickname.get_untracked();
    let mentioned = !own && client::mentions_me(&message, &me);
    let clock = move || {
        #[cfg(feature = "hydrate")]
        if running.get() {
            return time_fmt::local_clock(sent_at);
        }
        time_fmt::utc_clock(sent_at)
    };
    let text = {
        let (message, me) = (message.clone(), me.clone());
        move || {
            if message.deleted {
                view! { <div class="text deleted">{t("message-deleted")}</div> }.into_any()
            } else if message.text.is_empty() {
                // Files without a caption.
                ().into_any()
            } else {
                view! { <div class="text" dir="auto" lang=message.lang.clone()>{text_view(&message, &me)}</div> }
                    .into_any()
            }
        }
    };
    let edited = message.edited_at.filter(|_| !message.deleted).map(|at| {
        let title = tf("message-edited-at", &[("time", (&time_fmt::utc_clock(at)).into())]);
        view! { <span class="edited" title=title>{t("message-edited")}</span> }
    });
    let quote = message.reply_to.clone().map(|quote| view! { <QuoteLink live room=room.clone() quote/> });
    let files = (!message.attachments.is_empty()).then(|| {
        view! { <super::attachments::AttachmentList attachments=message.attachments.clone()/> }
    });
    let reactions = (!message.reactions.is_empty()).then(|| {
        let list = message.reactions.clone();
        view! { <ReactionList live seq list me=me.clone()/> }
    });
    let actions = (!message.deleted).then(|| {
        let text = message.text.clone();
        let quote =
            Quote { seq, author: message.author.clone(), text: quote_of(&message.text), deleted: false };
        view! {
            <Show when=move || running.get()>
                <Actions live seq own quote=quote.clone() text=text.clone()/>
            </Show>
            <Show when=move || !running.get()>
                <a class="more-link" href=format!("/r/{}/m/{seq}", room.clone())>{t("message-more")}</a>
            </Show>
        }
    });
    let mood_label = tf("message-mood", &[("mood", mood.label().into())]);
    let editing = move || live.editing.get() == Some(seq) && own;
    let original = message.text.clone();
    view! {
        <li class="message" class:own=own class:mentioned=mentioned class:deleted=message.deleted class:continued=continued
            id=format!("m{seq}") data-seq=seq
            class:focused=move || live.focus.with(|f| f.as_ref().is_some_and(|(_, s)| *s == seq))>
            {quote}
            // A picture of the author: their initial in their colour.
            <span class="avatar" aria-hidden="true" style=name_style(&message.author)>{initial(&message.author)}</span>
            <span class="author" style=name_style(&message.author)>{message.author.clone()}</span>
            <time datetime=time_fmt::iso(sent_at)>{clock}</time>
            <span class="mood" role="img" aria-label=mood_label.clone() title=mood_label>
                {mood.emoji()}
            </span>
            {edited}
            <Show when=editing fallback=text>
                <Editor live seq original=original.clone()/>
            </Show>
            {files}
            {reactions}
            {actions}
        </li>
    }
    .into_any()
}

/// The first letter of a name, as its picture shows it (upper case where the script has it).
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .or_else(|| name.chars().next())
        .map_or_else(String::new, |c| crate::browser::upper(c.encode_utf8(&mut [0; 4])))
}

/// A reply's quote of the message it answers; following it brings that message into view
/// (loading older history if needed). Without JavaScript it is a link to the room there.
#[component]
fn QuoteLink(live: Live, room: String, quote: Quote) -> AnyView {
    let seq = quote.seq;
    let href = format!("/r/{room}?at={seq}#m{seq}");
    let text = if quote.deleted { t("message-deleted") } else { quote.text.clone() };
    let label = tf("message-in-reply-to", &[("author", (&quote.author).into()), ("text", (&text).into())]);
    let jump = move |ev: leptos::ev::MouseEvent| {
        if live.running.get_untracked() {
            ev.prevent_default();
            live.reach(seq);
        }
    };
    view! {
        <a class="quote" class:deleted=quote.deleted href=href aria-label=label on:click=jump>
            <span class="quote-author" style=name_style(&quote.author)>{quote.author.clone()}</span>
            <span class="quote-text">{text}</span>
        </a>
    }
    .into_any()
}

/// The first line of `text`, shortened, as a reply banner quotes it.
fn quote_of(text: &str) -> String {
    let plain = markup::plain(text);
    let line = plain.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    match line.char_indices().nth(protocol::QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

/// Each emoji with its count: pressed when the reader is among the people, who reacted on
/// hover and focus, and a click toggles the reader's own.
#[component]
fn ReactionList(live: Live, seq: Seq, list: Vec<Reactions>, me: String) -> AnyView {
    let separator = t("message-people-separator");
    let chips = list
        .into_iter()
        .map(|reaction| {
            let mine = reaction.people.contains(&me);
            let count = reaction.people.len();
            let who = reaction.people.join(&separator);
            let label = format!("{} {count}: {who}", reaction.emoji);
            let emoji = reaction.emoji.clone();
            let toggle = move |_| live.toggle_reaction(seq, &emoji);
            view! {
                <button type="button" class="reaction" aria-pressed=mine.to_string() aria-label=label
                    on:click=toggle disabled=move || !live.running.get()>
                    <span aria-hidden="true">{reaction.emoji.clone()} " " {count}</span>
                    <span class="who" aria-hidden="true">{who.clone()}</span>
                </button>
            }
        })
        .collect_view();
    view! { <div class="reactions" role="group" aria-label=t("message-reactions")>{chips}</div> }.into_any()
}

/// Reply, React, Edit and Delete (the last two on the reader's own messages).
#[component]
fn Actions(live: Live, seq: Seq, own: bool, quote: Quote, text: String) -> AnyView {
    let picking = RwSignal::new(false);
    let open = RwSignal::new(false);
    let reply = move |_| {
        live.replying.set(Some(quote.clone()));
        open.set(false);
        focus_composer();
    };
    let edit = move |_| {
        live.editing.set(Some(seq));
        open.set(false);
    };
    let delete = move |_| {
        live.delete(seq);
        open.set(false);
        focus_composer();
    };
    let _ = text;
    let react_button = NodeRef::<html::Button>::new();
    // Where the picker opens: fixed to the window (the list clips anything that leaves it),
    // under the button or above it, and inside the window.
    let placement = RwSignal::new(String::new());
    let toggle_picker = move |_| {
        #[cfg(feature = "hydrate")]
        if !picking.get_untracked() {
            if let (Some(button), Some(window)) = (react_button.get_untracked(), web_sys::window()) {
                let rect = button.get_bounding_client_rect();
                let width =
                    |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64()).unwrap_or(800.0);
                let (vw, vh) = (width(window.inner_width()), width(window.inner_height()));
                let (w, h) = ((vw * 0.9).min(304.0), 280.0);
                let left = (rect.right() - w).clamp(8.0, (vw - w - 8.0).max(8.0));
                let top = if rect.bottom() + h + 8.0 < vh {
                    rect.bottom() + 4.0
                } else {
                    (rect.top() - h - 4.0).max(8.0)
                };
                placement.set(format!("top: {top:.0}px; left: {left:.0}px; width: {w:.0}px"));
            }
        }
        picking.update(|p| *p = !*p);
    };
    view! {
        <div class="actions" class:open=move || open.get() class:picking=move || picking.get()>
            <button type="button" class="more" aria-label=t("message-more") aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>"⋯"</button>
            <div class="action-buttons" role="toolbar" aria-label=t("message-actions")>
                <button type="button" on:click=reply aria-label=t("message-reply") title=t("message-reply")>"↩"</button>
                <button type="button" node_ref=react_button aria-label=t("message-react") title=t("message-react")
                    aria-haspopup="dialog" aria-expanded=move || picking.get().to_string()
                    on:click=toggle_picker>"☺"</button>
                {own.then(|| view! {
                    <button type="button" on:click=edit aria-label=t("message-edit") title=t("message-edit")>"✎"</button>
                    <button type="button" class="danger" on:click=delete aria-label=t("message-delete") title=t("message-delete")>"🗑"</button>
                })}
            </div>
            <Show when=move || picking.get()>
                <Picker
                    placement=placement.get_untracked()
                    choose=Callback::new(move |emoji: String| {
                        live.toggle_reaction(seq, &emoji);
                        picking.set(false);
                        open.set(false);
                        if let Some(button) = react_button.get_untracked() {
                            let _ = button.focus();
                        }
                    })
                    close=Callback::new(move |()| {
                        picking.set(false);
                        if let Some(button) = react_button.get_untracked() {
                            let _ = button.focus();
                        }
                    })
                />
            </Show>
        </div>
    }
    .into_any()
}

/// Editing one of the reader's messages in place: Enter saves, Shift+Enter is a new line,
/// Escape cancels.
#[component]
fn Editor(live: Live, seq: Seq, original: String) -> AnyView {
    let field = NodeRef::<html::Textarea>::new();
    let done = move || {
        live.editing.set(None);
        focus_composer();
    };
    let save = move || {
        let Some(field) = field.get_untracked() else { return };
        let text = field.value();
        if text.trim().is_empty() {
            live.notice.set(Some(t("message-cannot-be-empty")));
            return;
        }
        match live.edit(seq, &text) {
            Ok(()) => done(),
            Err(invalid) => live.notice.set(Some(crate::api::invalid_text(&invalid))),
        }
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        if enter_sends(&ev) {
            ev.prevent_default();
            save();
        } else if ev.key() == "Escape" {
            ev.prevent_default();
            done();
        }
    };
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    view! {
        <div class="editor">
            <label class="visually-hidden" for=format!("edit-{seq}")>{t("message-edit-field")}</label>
            <textarea id=format!("edit-{seq}") node_ref=field rows="2" on:keydown=keydown>{original}</textarea>
            <div class="row">
                <button type="button" on:click=move |_| save()>{t("message-save")}</button>
                <button type="button" class="secondary" on:click=move |_| done()>{t("message-cancel")}</button>
            </div>
        </div>
    }
    .into_any()
}

/// Whether a key sends what was typed: Enter, but not Shift+Enter (a new line) nor while an
/// IME composition is open.
pub fn enter_sends(ev: &leptos::ev::KeyboardEvent) -> bool {
    ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing()
}

/// Sends what is in the composer, as its Send button does (Enter in the message box, or in a
/// file's caption).
pub fn submit_composer() {
    #[cfg(feature = "hydrate")]
    if let Some(field) = leptos::prelude::document().get_element_by_id("composer-text") {
        use wasm_bindgen::JsCast;
        if let Some(form) = field.dyn_into::<web_sys::HtmlTextAreaElement>().ok().and_then(|f| f.form()) {
            let _ = form.request_submit();
        }
    }
}

/// Puts the keyboard back in the composer after an action, so focus is never lost.
pub fn focus_composer() {
    #[cfg(feature = "hydrate")]
    if let Some(field) = leptos::prelude::document().get_element_by_id("composer-text") {
        use wasm_bindgen::JsCast;
        if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
            let _ = field.focus();
        }
    }
}
