//! The chat screen: nickname prompt, message list, composer, connection status.

use crate::api::{AppError, Join, PostMessage, RoomView};
use crate::live::{Live, Pending, Status};
use crate::time_fmt;
use leptos::{html, prelude::*, server_fn::ServerFn};
use protocol::Message;

/// `/`: the `general` room, or the nickname prompt for a browser that has not joined.
#[component]
pub fn ChatPage() -> impl IntoView {
    let join = ServerAction::<Join>::new();
    let page = Resource::new(
        move || join.version().get(),
        |_| crate::api::room_page(protocol::DEFAULT_ROOM.to_owned()),
    );
    view! {
        <main class="chat">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) if page.nickname.is_some() => view! { <Conversation page/> }.into_any(),
                        Ok(_) => view! { <NicknamePrompt join/> }.into_any(),
                        Err(error) => view! { <p role="alert" class="notice">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn NicknamePrompt(join: ServerAction<Join>) -> impl IntoView {
    let error = move || {
        join.value()
            .get()
            .and_then(Result::err)
            .as_ref()
            .map(AppError::to_string)
    };
    view! {
        <section class="join">
            <h1>"Natter"</h1>
            <p class="tagline">"Pick a name and start talking."</p>
            <ActionForm action=join attr:class="join-form">
                <label for="nickname">"Nickname"</label>
                <input id="nickname" name="nickname" type="text" autocomplete="nickname"
                    maxlength=protocol::MAX_NICKNAME_CHARS * 4 autofocus/>
                <button type="submit">"Join"</button>
            </ActionForm>
            <p role="alert" class="notice">{error}</p>
        </section>
    }
}

#[component]
fn Conversation(page: RoomView) -> impl IntoView {
    let live = Live::new(&page);
    // False while server rendering and hydrating, so both render the same; true once the app
    // runs, which switches on live-only behaviour (local times, disabling while offline).
    let running = RwSignal::new(false);
    Effect::new(move |_| {
        running.set(true);
        #[cfg(feature = "hydrate")]
        live.connect();
    });
    on_cleanup(move || live.stop());
    let status = move || live.status.get();
    view! {
        <header class="room-header">
            <h1>"#" {page.room.clone()}</h1>
            <p class="whoami">"You are " <strong>{page.nickname.clone()}</strong></p>
            <p role="status" class="status" data-state=move || format!("{:?}", status()).to_lowercase()>
                {move || status().label()}
            </p>
        </header>
        <noscript>
            <p class="hint">"JavaScript is off: new messages appear when you post or reload."</p>
        </noscript>
        <MessageList live running/>
        <Composer live page running/>
    }
}

#[component]
fn MessageList(live: Live, running: RwSignal<bool>) -> impl IntoView {
    let list = NodeRef::<html::Ol>::new();
    let me = live.nickname.get_value();
    // Follow new messages while the reader is at the bottom.
    Effect::new(move |_| {
        live.messages.track();
        live.pending.track();
        if let Some(list) = list.get() {
            let near_bottom = list.scroll_height() - list.scroll_top() - list.client_height() < 120;
            if near_bottom || !running.get_untracked() {
                list.set_scroll_top(list.scroll_height());
            }
        }
    });
    view! {
        <ol class="messages" role="log" aria-live="polite" aria-label="Conversation" node_ref=list>
            <For each=move || live.messages.get() key=|m| m.seq let:message>
                <MessageItem own=message.author == me message running/>
            </For>
            <For each=move || live.pending.get() key=|p| p.client_id.clone() let:pending>
                <PendingItem pending author=live.nickname.get_value()/>
            </For>
        </ol>
    }
}

/// A stable hue per nickname, so a name keeps its colour everywhere.
fn name_hue(name: &str) -> u32 {
    // FNV-1a: tiny and stable across builds and platforms.
    let hash = name.bytes().fold(0x811c9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x01000193)
    });
    hash % 360
}

#[component]
fn MessageItem(message: Message, own: bool, running: RwSignal<bool>) -> impl IntoView {
    let sent_at = message.sent_at;
    let clock = move || {
        #[cfg(feature = "hydrate")]
        if running.get() {
            return time_fmt::local_clock(sent_at);
        }
        let _ = running;
        time_fmt::utc_clock(sent_at)
    };
    view! {
        <li class="message" class:own=own data-seq=message.seq>
            <span class="author" style=format!("--hue: {}", name_hue(&message.author))>{message.author.clone()}</span>
            <time datetime=time_fmt::iso(sent_at)>{clock}</time>
            <p class="text" dir="auto">{message.text}</p>
        </li>
    }
}

#[component]
fn PendingItem(pending: Pending, author: String) -> impl IntoView {
    view! {
        <li class="message own pending" data-client-id=pending.client_id>
            <span class="author" style=format!("--hue: {}", name_hue(&author))>{author.clone()}</span>
            <span class="sending">"sending…"</span>
            <p class="text" dir="auto">{pending.text}</p>
        </li>
    }
}

#[component]
fn Composer(live: Live, page: RoomView, running: RwSignal<bool>) -> impl IntoView {
    // Only reports errors of posts made without JavaScript (they come back in the URL).
    let form_post = ServerAction::<PostMessage>::new();
    let text = NodeRef::<html::Textarea>::new();
    let offline = move || running.get() && live.status.get() != Status::Connected;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(field) = text.get() else { return };
        match live.send(&field.value()) {
            Ok(()) => field.set_value(""),
            Err(invalid) => live.notice.set(Some(invalid.reason)),
        }
        let _ = field.focus();
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Enter sends, Shift+Enter is a new line, and an IME composition is left alone.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = text.get().and_then(|t| t.form()) {
                let _ = form.request_submit();
            }
        }
    };
    let notice = move || {
        live.notice.get().or_else(|| {
            form_post
                .value()
                .get()
                .and_then(Result::err)
                .as_ref()
                .map(AppError::to_string)
        })
    };
    view! {
        <form class="composer" method="post" action=PostMessage::PATH on:submit=submit>
            <input type="hidden" name="room" value=page.room.clone()/>
            <input type="hidden" name="client_id" value=page.form_client_id.clone()/>
            <label for="composer-text" class="visually-hidden">"Message"</label>
            <textarea id="composer-text" name="text" rows="2" placeholder="Write a message…"
                node_ref=text on:keydown=keydown disabled=offline></textarea>
            <button type="submit" disabled=offline>"Send"</button>
        </form>
        <p role="alert" class="notice">{notice}</p>
    }
}
