//! The conversation of the current room: header and status, the message list (with older
//! pages, quiet presence lines and the "new messages" button), who is typing, the composer.

use super::attachments::{ImageViewer, Viewer};
use super::composer::Composer;
use super::message::{version, MessageItem};
use super::uploads::Uploads;
use crate::lang::{t, tf};
use crate::live::{Live, Pending, RoomState, SystemLine};
use crate::palette::name_style;
use leptos::{html, prelude::*};
use protocol::{Message, Mood};

/// How close to the bottom (px) still counts as "at the bottom".
const BOTTOM_SLACK: i32 = 80;
/// How close to the top (px) starts loading older messages.
const TOP_SLACK: i32 = 60;
/// The room's mood is that of its last this many messages.
const ROOM_MOOD_WINDOW: usize = 20;

/// The average mood of the room's recent messages, if it has any.
fn room_mood(messages: &[Message]) -> Option<Mood> {
    let recent = &messages[messages.len().saturating_sub(ROOM_MOOD_WINDOW)..];
    (!recent.is_empty()).then(|| Mood::of(recent.iter().map(|m| m.mood).sum::<f32>() / recent.len() as f32))
}

#[component]
pub fn Conversation(live: Live, form_client_id: String) -> AnyView {
    let room = live.current.get_untracked();
    let state = live.room(&room);
    let room_title = room.clone();
    let status = move || live.status.get();
    // Where WebSockets are blocked the connection goes over HTTP, and the status says so.
    let http = move || live.transport.get() == crate::live::Transport::Http;
    // Follow new messages while the reader is at the bottom.
    let at_bottom = RwSignal::new(true);
    let uploads = Uploads::new(live);
    let viewer = Viewer::new();
    provide_context(viewer);
    // Files dropped anywhere on the conversation are attached.
    let dropping = RwSignal::new(false);
    let carries_files = |ev: &leptos::ev::DragEvent| {
        #[cfg(feature = "hydrate")]
        return ev.data_transfer().is_some_and(|data| data.types().includes(&"Files".into(), 0));
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = ev;
            false
        }
    };
    let drag_over = move |ev: leptos::ev::DragEvent| {
        if carries_files(&ev) {
            ev.prevent_default();
            dropping.set(true);
        }
    };
    // "You are {name}" around the (reactive) name, in the order the language puts them.
    let (whoami_before, whoami_after) = around_name("conversation-whoami");
    let drop = move |ev: leptos::ev::DragEvent| {
        dropping.set(false);
        if carries_files(&ev) {
            ev.prevent_default();
            #[cfg(feature = "hydrate")]
            uploads.add(ev.data_transfer().and_then(|data| data.files()));
        }
    };
    view! {
        <main class="conversation" class:dropping=move || dropping.get() on:dragover=drag_over on:drop=drop
            on:dragleave=move |ev: leptos::ev::DragEvent| {
                if ev.related_target().is_none() { dropping.set(false); }
            }>
            <header class="room-header">
                <h1>{move || {
                    let me = live.nickname.get();
                    live.rooms.with(|rooms| rooms.iter().find(|r| r.name == room_title).map(|r| r.title(&me)))
                        .unwrap_or_else(|| format!("#{room_title}"))
                }}</h1>
                {move || state.messages.with(|m| room_mood(m)).map(|mood| {
                    let label = tf("conversation-room-mood", &[("mood", mood.label().into())]);
                    view! { <p class="room-mood" role="img" aria-label=label.clone() title=label>{mood.emoji()}</p> }
                })}
                <p class="whoami">{whoami_before}<strong>{move || live.nickname.get()}</strong>{whoami_after}</p>
                <super::search::SearchField/>
                <p role="status" class="status" data-state=move || status().key()
                    data-transport=move || if http() { "http" } else { "websocket" }
                    title=move || t(if http() { "status-transport-http" } else { "status-transport-websocket" })>
                    {move || match (status(), http()) {
                        (crate::live::Status::Connected, true) => t("status-connected-http"),
                        (status, _) => crate::live::status_text(status),
                    }}
                </p>
            </header>
            <noscript>
                <p class="hint">{t("conversation-no-javascript")}</p>
            </noscript>
            <MessageList live state at_bottom/>
            <TypingLine live state/>
            <Composer live room form_client_id at_bottom uploads/>
            <ImageViewer viewer/>
        </main>
    }
    .into_any()
}

/// One row of the conversation, in order.
#[derive(Clone, PartialEq)]
enum Row {
    /// A message, and whether it continues its author's group (the same author within a
    /// minute of their message just before): its name and picture are not repeated.
    Message(Box<Message>, bool),
    System(SystemLine),
}

impl Row {
    /// A message's key changes with what it shows (edited, deleted, reacted to).
    fn key(&self) -> String {
        match self {
            Row::Message(m, continued) => {
                format!("m{}:{:x}{}", m.seq, version(m), if *continued { "c" } else { "" })
            }
            Row::System(line) => format!("s{}", line.id),
        }
    }
}

/// How close in time an author's messages must follow each other to be shown as one group.
const GROUP_MS: i64 = 60_000;

/// Messages in `seq` order with each presence line after the message it followed.
fn rows(messages: &[Message], system: &[SystemLine]) -> Vec<Row> {
    let mut rows = Vec::with_capacity(messages.len() + system.len());
    let mut lines = system.iter().peekable();
    let first = messages.first().map_or(0, |m| m.seq);
    // Lines from before the oldest message held stay at the top.
    while let Some(line) = lines.next_if(|l| l.after_seq < first) {
        rows.push(Row::System(line.clone()));
    }
    for message in messages {
        let continued = match rows.last() {
            Some(Row::Message(before, _)) => {
                before.author == message.author
                    && !before.deleted
                    && message.reply_to.is_none()
                    && (0..GROUP_MS).contains(&(message.sent_at - before.sent_at))
            }
            _ => false,
        };
        rows.push(Row::Message(Box::new(message.clone()), continued));
        while let Some(line) = lines.next_if(|l| l.after_seq <= message.seq) {
            rows.push(Row::System(line.clone()));
        }
    }
    rows.extend(lines.cloned().map(Row::System));
    rows
}

#[component]
fn MessageList(live: Live, state: RoomState, at_bottom: RwSignal<bool>) -> AnyView {
    let list = NodeRef::<html::Div>::new();
    let room = state.name.get_value();
    let me = move || live.nickname.get();
    // What the list looked like last time, to keep the reader's place when it changes.
    let previous = StoredValue::new((0u64, 0u64, 0i32));

    // A message asked for (a reply's original, a search hit): into view once it is held.
    Effect::new({
        let room = room.clone();
        move |_| {
            let Some((wanted_room, seq)) = live.focus.get() else { return };
            let held = state.messages.with(|m| m.iter().any(|m| m.seq == seq));
            if wanted_room != room || !held || !live.running.get() {
                return;
            }
            crate::browser::next_frame(move || {
                #[cfg(feature = "hydrate")]
                if let Some(row) = document().get_element_by_id(&format!("m{seq}")) {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Center);
                    row.scroll_into_view_with_scroll_into_view_options(&options);
                }
                let _ = seq;
            });
            at_bottom.set(false);
            // The highlight fades after a while.
            crate::browser::after(4000, move || {
                if live.focus.try_get_untracked().flatten().is_some_and(|(_, s)| s == seq) {
                    live.focus.set(None);
                }
            });
        }
    });

    let follow = {
        let room = room.clone();
        move |_: Option<()>| {
            let (first, last) =
                state.messages.with(|m| (m.first().map_or(0, |m| m.seq), m.last().map_or(0, |m| m.seq)));
            state.pending.track();
            state.system.track();
            if !live.running.get() {
                return;
            }
            let room = room.clone();
            crate::browser::next_frame(move || {
                // A navigation may have torn this list down before the frame came.
                let (Some(Some(list)), Some((prev_first, prev_last, prev_height)), Some(following)) =
                    (list.try_get_untracked(), previous.try_get_value(), at_bottom.try_get_untracked())
                else {
                    return;
                };
                let height = list.scroll_height();
                if prev_first != 0 && first < prev_first {
                    // Older messages went in above: keep what the reader was looking at.
                    list.set_scroll_top(list.scroll_top() + height - prev_height);
                } else if following || prev_last == 0 {
                    list.set_scroll_top(height);
                    live.mark_read(&room);
                } else if last > prev_last {
                    let added =
                        state.messages.with_untracked(|m| m.iter().filter(|m| m.seq > prev_last).count());
                    state.unseen.update(|n| *n += added);
                }
                previous.set_value((first, last, list.scroll_height()));
            });
        }
    };
    Effect::new(follow);

    let on_scroll = {
        let room = room.clone();
        move |_| {
            let Some(list) = list.get_untracked() else { return };
            let bottom = list.scroll_height() - list.scroll_top() - list.client_height() < BOTTOM_SLACK;
            at_bottom.set(bottom);
            if bottom {
                state.unseen.set(0);
                live.mark_read(&room);
            }
            if list.scroll_top() < TOP_SLACK {
                live.load_older(&room);
            }
            previous.update_value(|p| p.2 = list.scroll_height());
        }
    };
    let jump_to_bottom = move |_| {
        if let Some(list) = list.get_untracked() {
            list.set_scroll_top(list.scroll_height());
        }
        state.unseen.set(0);
        at_bottom.set(true);
    };
    let load_older = {
        let room = room.clone();
        move |_| live.load_older(&room)
    };
    let unseen = move || state.unseen.get();

    view! {
        <div class="log-wrap">
            // The log is the scroller; the messages inside it are a list (a `log` role on the
            // list itself would take its list semantics away).
            <div class="messages" role="log" aria-live="polite" aria-label=t("conversation-log") node_ref=list on:scroll=on_scroll>
            <ol class="message-items">
                <Show when=move || live.running.get() && state.has_more.get()>
                    <li class="older">
                        <button type="button" class="link" on:click=load_older.clone() disabled=move || state.loading_older.get()>
                            {move || t(if state.loading_older.get() { "conversation-loading-older" } else { "conversation-load-older" })}
                        </button>
                    </li>
                </Show>
                <For
                    each=move || state.messages.with(|m| state.system.with(|s| rows(m, s)))
                    key=Row::key
                    let:row
                >
                    {match row {
                        Row::Message(message, continued) => {
                            let own = message.author == me();
                            view! { <MessageItem message=*message own live continued/> }.into_any()
                        }
                        Row::System(line) => {
                            let text = i18n::presence(crate::lang::locale(), &line.person, line.joined);
                            view! { <li class="system">{text}</li> }.into_any()
                        }
                    }}
                </For>
                // An empty room says what to do in it.
                <Show when=move || {
                    state.messages.with(Vec::is_empty) && state.pending.with(Vec::is_empty) && !state.has_more.get()
                }>
                    <li class="empty">{t("conversation-empty")}</li>
                </Show>
                <For each=move || state.pending.get() key=|p| p.client_id.clone() let:pending>
                    <PendingItem pending author=live.nickname.get_untracked()/>
                </For>
            </ol>
            </div>
            <Show when=move || { unseen() > 0 }>
                <button type="button" class="new-messages" on:click=jump_to_bottom>
                    {move || tf("conversation-new-messages", &[("count", unseen().into())])}
                </button>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn PendingItem(pending: Pending, author: String) -> impl IntoView {
    view! {
        <li class="message own pending" data-client-id=pending.client_id>
            <span class="author" style=name_style(&author)>{author.clone()}</span>
            <span class="sending">{t("conversation-sending")}</span>
            <p class="text" dir="auto">{pending.text}</p>
            {(!pending.attachments.is_empty()).then(|| view! {
                <ul class="attachments pending-files">
                    {pending.attachments.iter().map(|a| view! { <li>{a.name.clone()}</li> }).collect_view()}
                </ul>
            })}
        </li>
    }
}

/// "alice: hel▍" for shared drafts, "bob is typing…" otherwise.
#[component]
fn TypingLine(live: Live, state: RoomState) -> AnyView {
    let typists = move || {
        let now = live.tick.get();
        state.typists.with(|typists| {
            typists
                .iter()
                .filter(|t| now == 0.0 || now - t.at <= crate::live::TYPING_TIMEOUT_MS)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        // Not a live region: a screen reader would read every keystroke of a shared draft.
        <div class="typing" role="group" aria-label=t("conversation-typing-label")>
            <For each=typists key=|t| (t.author.clone(), t.draft.clone()) let:typist>
                {match typist.draft {
                    Some(draft) => view! {
                        <p class="draft">
                            <span class="author" style=name_style(&typist.author)>{typist.author.clone()}</span>
                            {t("conversation-draft-separator")}<span class="draft-text" dir="auto">{draft}</span><span class="caret" aria-hidden="true">"▍"</span>
                        </p>
                    }.into_any(),
                    None => view! { <p class="draft">{tf("conversation-typing", &[("name", (&typist.author).into())])}</p> }.into_any(),
                }}
            </For>
        </div>
    }
    .into_any()
}

/// The text `id` (with a `$name` variable) split around the name: what comes before it and
/// what comes after, so a view can put the name in its own element wherever the language
/// places it.
fn around_name(id: &str) -> (String, Option<String>) {
    const MARK: &str = "\u{E000}";
    let text = tf(id, &[("name", MARK.into())]);
    match text.split_once(MARK) {
        Some((before, after)) => (before.to_owned(), (!after.is_empty()).then(|| after.to_owned())),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{Quote, Seq};

    fn message(seq: Seq, author: &str, sent_at: i64) -> Message {
        Message { seq, author: author.into(), sent_at, text: format!("m{seq}"), ..Message::default() }
    }

    fn grouped(messages: &[Message]) -> Vec<bool> {
        rows(messages, &[])
            .into_iter()
            .map(|row| match row {
                Row::Message(_, continued) => continued,
                Row::System(_) => panic!("no system lines here"),
            })
            .collect()
    }

    #[test]
    fn an_authors_messages_within_a_minute_are_one_group() {
        let at = 1_700_000_000_000;
        let messages = [
            message(1, "ann", at),
            message(2, "ann", at + 20_000),
            message(3, "ann", at + 79_000),
            message(4, "bob", at + 80_000),
            message(5, "ann", at + 81_000),
            message(6, "ann", at + 200_000),
        ];
        assert_eq!(grouped(&messages), [false, true, true, false, false, false]);
        // A reply starts a group of its own (its quote comes first); so does a message after
        // a deleted one.
        let mut reply = message(2, "ann", at + 1_000);
        reply.reply_to = Some(Quote { seq: 1, author: "ann".into(), text: "m1".into(), deleted: false });
        assert_eq!(grouped(&[message(1, "ann", at), reply]), [false, false]);
        let mut deleted = message(1, "ann", at);
        deleted.deleted = true;
        assert_eq!(grouped(&[deleted, message(2, "ann", at + 1_000)]), [false, false]);
    }
}
