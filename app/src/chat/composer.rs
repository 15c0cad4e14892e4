//! The composer: what the reader writes, the message it answers (if any), `@` completion of
//! the people here, and the switch for sharing what they type. It is a real form, so it posts
//! without JavaScript; with the app running its submit goes over the live connection instead.

use super::message::{enter_sends, focus_composer, submit_composer};
use super::uploads::{UploadList, Uploads};
use crate::api::PostMessage;
use crate::lang::{t, tf};
use crate::live::{Live, Status};
use crate::palette::name_style;
use leptos::{html, prelude::*};

/// The most names `@` completion offers at once.
const SUGGESTIONS: usize = 8;

/// What `@` completion is completing: the partial name after an `@` before the cursor.
#[derive(Clone, Debug, PartialEq)]
struct Completing {
    /// Byte offset of the `@` in the text.
    at: usize,
    /// Byte offset of the cursor.
    end: usize,
    partial: String,
}

/// The `@name` being typed at byte offset `cursor` of `text`, if any.
fn completing(text: &str, cursor: usize) -> Option<Completing> {
    let before = text.get(..cursor)?;
    let at = before.rfind('@')?;
    let partial = &before[at + 1..];
    let starts_word =
        before[..at].chars().next_back().is_none_or(|c| c.is_whitespace() || "([{\"'".contains(c));
    let plausible = partial.chars().count() <= protocol::MAX_NICKNAME_CHARS && !partial.contains('\n');
    (starts_word && plausible && !partial.starts_with(' ')).then(|| Completing {
        at,
        end: cursor,
        partial: partial.to_owned(),
    })
}

/// The text `id` with the name `$name` cut out of it: (what comes before the name, what comes
/// after), so the name can be shown in its own element wherever the language puts it.
fn around_name(id: &str) -> (String, String) {
    const MARK: &str = "\u{1}";
    let text = tf(id, &[("name", MARK.into())]);
    match text.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), after.to_owned()),
        None => (text, String::new()),
    }
}

/// UTF-16 offset (the browser's) to byte offset in `text`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

#[component]
pub fn Composer(
    live: Live,
    room: String,
    form_client_id: String,
    at_bottom: RwSignal<bool>,
    uploads: Uploads,
) -> AnyView {
    // Reports errors of posts made without JavaScript to `/api/post` (they come back in the
    // URL); the composer's own form posts to `/api/post_file`, which answers its errors itself.
    let form_post = crate::forms::FormAction::new::<PostMessage>();
    let text = NodeRef::<html::Textarea>::new();
    let offline = move || live.running.get() && live.status.get() != Status::Connected;
    let suggesting = RwSignal::new(None::<Completing>);
    let selected = RwSignal::new(0usize);
    let state = live.room(&room);
    let suggestions = move || -> Vec<String> {
        let Some(completing) = suggesting.get() else { return Vec::new() };
        let partial = crate::browser::lower(&completing.partial);
        let me = live.nickname.get_untracked();
        let mut names: Vec<String> = state.members.with(|members| {
            members
                .iter()
                .filter(|name| **name != me && crate::browser::lower(name).starts_with(&partial))
                .take(SUGGESTIONS)
                .cloned()
                .collect()
        });
        if "room".starts_with(&partial) && names.len() < SUGGESTIONS {
            names.push("room".to_owned());
        }
        names
    };
    let accept = move |name: String| {
        let (Some(field), Some(completing)) = (text.get_untracked(), suggesting.get_untracked()) else {
            return;
        };
        let value = field.value();
        let inserted = format!("@{name} ");
        let next = format!("{}{}{}", &value[..completing.at], inserted, &value[completing.end..]);
        field.set_value(&next);
        #[cfg(feature = "hydrate")]
        {
            let cursor =
                (value[..completing.at].encode_utf16().count() + inserted.encode_utf16().count()) as u32;
            let _ = field.set_selection_range(cursor, cursor);
        }
        suggesting.set(None);
        live.draft_changed(next);
        let _ = field.focus();
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(field) = text.get() else { return };
        if uploads.items.with(Vec::is_empty) {
            match live.send(&field.value()) {
                Ok(()) => {
                    field.set_value("");
                    at_bottom.set(true);
                }
                Err(invalid) => live.notice.set(Some(crate::api::invalid_text(&invalid))),
            }
        } else {
            // With files: the text is their caption, sent once they are all up.
            match protocol::caption(&field.value()) {
                Ok(caption) => {
                    uploads.send_when_ready(caption.to_owned());
                    field.set_value("");
                    at_bottom.set(true);
                    live.notice.set(None);
                }
                Err(invalid) => live.notice.set(Some(crate::api::invalid_text(&invalid))),
            }
        }
        suggesting.set(None);
        let _ = field.focus();
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let offered = suggestions();
        if !offered.is_empty() {
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    selected.update(|s| *s = (*s + 1) % offered.len());
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    selected.update(|s| *s = (*s + offered.len() - 1) % offered.len());
                    return;
                }
                "Enter" | "Tab" if !ev.is_composing() => {
                    ev.prevent_default();
                    accept(offered[selected.get_untracked().min(offered.len() - 1)].clone());
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    suggesting.set(None);
                    return;
                }
                _ => {}
            }
        }
        // Enter sends, Shift+Enter is a new line, and an IME composition is left alone.
        if enter_sends(&ev) {
            ev.prevent_default();
            submit_composer();
        } else if ev.key() == "Escape" && live.replying.get_untracked().is_some() {
            ev.prevent_default();
            live.replying.set(None);
        }
    };
    let input = move |_| {
        let Some(field) = text.get() else { return };
        let value = field.value();
        #[cfg(feature = "hydrate")]
        let cursor = byte_offset(&value, field.selection_end().ok().flatten().unwrap_or(0) as usize);
        #[cfg(not(feature = "hydrate"))]
        let cursor = value.len();
        let now = completing(&value, cursor);
        if now.as_ref().map(|c| &c.partial) != suggesting.get_untracked().as_ref().map(|c| &c.partial) {
            selected.set(0);
        }
        suggesting.set(now);
        live.draft_changed(value);
    };
    let notice = move || live.notice.get().or_else(super::refusal(form_post));
    let chosen = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input = event_target::<web_sys::HtmlInputElement>(&ev);
            uploads.add(input.files());
            // Uploaded already: the form (used without JavaScript) must not carry them again.
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, uploads);
    };
    let paste = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(files) = ev.clipboard_data().and_then(|data| data.files()).filter(|f| f.length() > 0) {
            ev.prevent_default();
            uploads.add(Some(files));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let share_changed = move |ev: leptos::ev::Event| {
        live.set_share_drafts(event_target_checked(&ev));
        live.stop_typing();
    };
    let active = move || {
        let offered = suggestions();
        (!offered.is_empty()).then(|| format!("mention-{}", selected.get().min(offered.len() - 1)))
    };
    view! {
        {move || live.replying.get().map(|quote| {
            let (before, after) = around_name("composer-replying-to");
            let (before, after) = ((!before.is_empty()).then_some(before), (!after.is_empty()).then_some(after));
            view! {
            <div class="replying">
                <span>{before}<strong style=name_style(&quote.author)>{quote.author.clone()}</strong>{after}</span>
                <span class="quote-text">{quote.text.clone()}</span>
                <button type="button" class="small secondary" aria-label=t("composer-cancel-reply")
                    on:click=move |_| { live.replying.set(None); focus_composer(); }>"✕"</button>
            </div>
            }
        })}
        <UploadList uploads/>
        <form class="composer" method="post" action="/api/post_file" enctype="multipart/form-data" on:submit=submit>
            <input type="hidden" name="room" value=room/>
            <input type="hidden" name="client_id" value=form_client_id/>
            <label class="button attach secondary" title=t("composer-attach")>
                // Drawn, not an emoji: it shows the same with any fonts.
                <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                    <path d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.7-5.6l-8 8a6 6 0 0 0 8.5 8.4l7.3-7.3"
                        fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
                </svg>
                <span class="visually-hidden">{t("composer-attach")}</span>
                <input type="file" name="file" multiple class="file-input" on:change=chosen/>
            </label>
            <label for="composer-text" class="visually-hidden">{t("composer-message")}</label>
            <textarea id="composer-text" name="text" rows="2" placeholder=t("composer-placeholder")
                aria-autocomplete="list" aria-activedescendant=active
                // Names the list only while it is there.
                aria-controls=move || (!suggestions().is_empty()).then_some("mention-list")
                node_ref=text on:keydown=keydown on:input=input on:paste=paste on:blur=move |_| live.stop_typing()
                disabled=offline></textarea>
            <button type="submit" disabled=offline>{t("composer-send")}</button>
            <Show when=move || !suggestions().is_empty()>
                <ul class="mentions-list" id="mention-list" role="listbox" aria-label=t("composer-mentions")>
                    {move || suggestions().into_iter().enumerate().map(|(i, name)| {
                        let chosen = name.clone();
                        let label = if name == "room" { t("composer-mention-room") } else { format!("@{name}") };
                        view! {
                            <li id=format!("mention-{i}") role="option"
                                aria-selected=move || (selected.get() == i).to_string()
                                on:mousedown=move |ev: leptos::ev::MouseEvent| { ev.prevent_default(); accept(chosen.clone()); }>
                                {label}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </form>
        <div class="composer-options">
            <label class="share">
                <input type="checkbox" prop:checked=move || live.share_drafts.get() on:change=share_changed/>
                {t("composer-share-typing")}
            </label>
            <p role="alert" class="notice">{notice}</p>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_starts_at_an_at_sign_that_starts_a_word() {
        assert_eq!(completing("hi @an", 6).map(|c| c.partial), Some("an".into()));
        assert_eq!(completing("@", 1).map(|c| c.partial), Some(String::new()));
        assert_eq!(completing("mail ann@ex", 11), None);
        assert_eq!(completing("@ann hi", 7), Some(Completing { at: 0, end: 7, partial: "ann hi".into() }));
        assert_eq!(completing("@ann\nhi", 7), None);
        assert_eq!(completing("(@Бо", "(@Бо".len()).map(|c| c.partial), Some("Бо".into()));
    }

    #[test]
    fn a_name_is_cut_out_of_its_sentence() {
        assert_eq!(around_name("composer-replying-to"), ("Replying to ".to_owned(), String::new()));
    }

    #[test]
    fn browser_offsets_count_utf16_units() {
        assert_eq!(byte_offset("a😀b", 3), "a😀".len());
        assert_eq!(byte_offset("日本", 1), "日".len());
        assert_eq!(byte_offset("ab", 9), 2);
    }
}
