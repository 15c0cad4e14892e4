//! The room list: public rooms, the reader's private rooms and direct conversations, unread
//! counts for the joined ones, and creating rooms.

use crate::api::{CreateRoom, Protect};
use crate::live::Live;
use leptos::prelude::*;
use protocol::{RoomInfo, RoomKind};
use std::sync::Arc;

#[component]
pub fn RoomList(live: Live) -> AnyView {
    let create = ServerAction::<CreateRoom>::new();
    let error = super::refusal(create);
    view! {
        <nav class="rooms" aria-label="Rooms">
            <RoomSection live kind=RoomKind::Public heading="Rooms"/>
            <RoomSection live kind=RoomKind::Private heading="Private rooms"/>
            <RoomSection live kind=RoomKind::Direct heading="Direct messages"/>
            <ActionForm action=create attr:class="new-room">
                <label for="new-room">"New room"</label>
                <div class="row">
                    <input id="new-room" name="name" type="text" placeholder="room-name"
                        maxlength=protocol::MAX_ROOM_CHARS autocomplete="off"/>
                    <button type="submit">"Create"</button>
                </div>
                <label class="check">
                    <input type="checkbox" name="private" value="on"/>
                    " Private: only people I invite"
                </label>
            </ActionForm>
            <p role="alert" class="notice">{error}</p>
            <ProtectNickname live/>
            <Notifications live/>
        </nav>
    }
    .into_any()
}

/// The rooms of one kind, under a heading (hidden when there are none, public rooms aside).
#[component]
fn RoomSection(live: Live, kind: RoomKind, heading: &'static str) -> AnyView {
    let rooms =
        move || live.rooms.with(|rooms| rooms.iter().filter(|r| r.kind == kind).cloned().collect::<Vec<_>>());
    let shown =
        move || kind == RoomKind::Public || live.rooms.with(|rooms| rooms.iter().any(|r| r.kind == kind));
    view! {
        <Show when=shown>
            <h2>{heading}</h2>
            <ul aria-label=heading>
                <For each=rooms key=|room| (room.name.clone(), room.members.clone()) let:room>
                    <RoomLink live room/>
                </For>
            </ul>
        </Show>
    }
    .into_any()
}

/// What a room is called in the list: its sigil and name, and the name read out.
fn naming(room: &RoomInfo, me: &str) -> (&'static str, String, String) {
    match room.kind {
        RoomKind::Public => ("#", room.name.clone(), format!("#{}", room.name)),
        RoomKind::Private => ("🔒", room.name.clone(), format!("{} (private)", room.name)),
        RoomKind::Direct => {
            let title = room.title(me);
            let other = title.trim_start_matches('@').to_owned();
            ("@", other, title)
        }
    }
}

#[component]
fn RoomLink(live: Live, room: RoomInfo) -> AnyView {
    let (sigil, shown, spoken) = naming(&room, &live.nickname.get_untracked());
    let name = room.name;
    let href = format!("/r/{name}");
    // Plain shared strings, not reactive handles: these closures may still run while a route
    // change tears this link down.
    let name: Arc<str> = name.into();
    let current = {
        let name = name.clone();
        move || live.current.with(|c| **c == *name)
    };
    let unread = {
        let (name, current) = (name.clone(), current.clone());
        move || if current() { 0 } else { live.unread_count(&name) }
    };
    let mentions = {
        let (name, current) = (name.clone(), current.clone());
        move || if current() { 0 } else { live.mention_count(&name) }
    };
    let label = {
        let (unread, mentions) = (unread.clone(), mentions.clone());
        move || {
            let mut label = spoken.clone();
            match unread() {
                0 => {}
                n if n >= protocol::UNREAD_CAP as usize => label.push_str(&format!(", {n}+ unread")),
                n => label.push_str(&format!(", {n} unread")),
            }
            match mentions() {
                0 => {}
                1 => label.push_str(", 1 mention"),
                n => label.push_str(&format!(", {n} mentions")),
            }
            label
        }
    };
    let aria_current = {
        let current = current.clone();
        move || current().then_some("page")
    };
    view! {
        <li class:current=current>
            <a href=href aria-current=aria_current aria-label=label>
                <span class="hash" aria-hidden="true">{sigil}</span>{shown}
                {move || {
                    let n = mentions();
                    (n > 0).then(|| view! { <span class="mention-badge" aria-hidden="true">"@" {n}</span> })
                }}
                {move || {
                    let n = unread();
                    let shown = if n >= protocol::UNREAD_CAP as usize { format!("{n}+") } else { n.to_string() };
                    (n > 0).then(|| view! { <span class="unread" aria-hidden="true">{shown}</span> })
                }}
            </a>
        </li>
    }
    .into_any()
}

/// Offers to protect the reader's nickname with a password (to use it from another browser).
#[component]
fn ProtectNickname(live: Live) -> AnyView {
    let protect = ServerAction::<Protect>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = protect.value().get() {
            live.protected.set(true);
        }
    });
    let error = super::refusal(protect);
    view! {
        <section class="protect" aria-label="Your nickname">
            <Show
                when=move || !live.protected.get()
                fallback=|| view! { <p class="protected">"🔒 Your nickname is protected."</p> }
            >
                <ActionForm action=protect attr:class="protect-form">
                    <label for="protect-password">"Protect your nickname"</label>
                    <div class="row">
                        <input id="protect-password" name="password" type="password"
                            autocomplete="new-password" placeholder="password (8+ characters)"/>
                        <button type="submit">"Set password"</button>
                    </div>
                </ActionForm>
                <p role="alert" class="notice">{error}</p>
            </Show>
        </section>
    }
    .into_any()
}

/// Desktop notifications for mentions: off until the reader switches them on (the browser
/// then asks for permission).
#[component]
fn Notifications(live: Live) -> AnyView {
    let on = RwSignal::new(false);
    let supported = RwSignal::new(false);
    Effect::new(move |_| {
        if live.running.get() {
            let permission = crate::notify::permission();
            supported.set(permission != "unsupported" && permission != "denied");
            on.set(crate::notify::enabled());
        }
    });
    let changed = move |ev: leptos::ev::Event| {
        let wanted = event_target_checked(&ev);
        crate::notify::switch(wanted, move |now| on.set(now));
    };
    view! {
        <Show when=move || supported.get()>
            <label class="check notifications">
                <input type="checkbox" prop:checked=move || on.get() on:change=changed/>
                " Notify me of mentions"
            </label>
        </Show>
    }
    .into_any()
}
