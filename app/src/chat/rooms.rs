//! The room list: every public room, unread counts for the joined ones, and creating rooms.

use crate::api::{CreateRoom, Protect};
use crate::live::Live;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn RoomList(live: Live) -> AnyView {
    let create = ServerAction::<CreateRoom>::new();
    let error = super::refusal(create);
    view! {
        <nav class="rooms" aria-label="Rooms">
            <h2>"Rooms"</h2>
            <ul>
                <For each=move || live.rooms.get() key=|room| room.name.clone() let:room>
                    <RoomLink live name=room.name/>
                </For>
            </ul>
            <ActionForm action=create attr:class="new-room">
                <label for="new-room">"New room"</label>
                <div class="row">
                    <input id="new-room" name="name" type="text" placeholder="room-name"
                        maxlength=protocol::MAX_ROOM_CHARS autocomplete="off"/>
                    <button type="submit">"Create"</button>
                </div>
            </ActionForm>
            <p role="alert" class="notice">{error}</p>
            <ProtectNickname live/>
        </nav>
    }
    .into_any()
}

#[component]
fn RoomLink(live: Live, name: String) -> AnyView {
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
        move || {
            let joined = live.joined.with(|j| j.iter().any(|r| **r == *name));
            if joined && !current() {
                live.unread(&name)
            } else {
                0
            }
        }
    };
    let label = {
        let (name, unread) = (name.clone(), unread.clone());
        move || match unread() {
            0 => format!("#{name}"),
            n => format!("#{name}, {n} unread"),
        }
    };
    let aria_current = {
        let current = current.clone();
        move || current().then_some("page")
    };
    view! {
        <li class:current=current>
            <a href=href aria-current=aria_current aria-label=label>
                <span class="hash">"#"</span>{name.to_string()}
                {move || {
                    let n = unread();
                    (n > 0).then(|| view! { <span class="unread" aria-hidden="true">{n}</span> })
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
