//! The room list: public rooms, the reader's private rooms and direct conversations, unread
//! counts for the joined ones, and creating rooms.

use crate::api::{CreateRoom, Protect};
use crate::lang::{t, tf};
use crate::live::Live;
use leptos::prelude::*;
use protocol::{RoomInfo, RoomKind};
use std::sync::Arc;

#[component]
pub fn RoomList(live: Live) -> AnyView {
    let create = crate::forms::FormAction::new::<CreateRoom>();
    let error = super::refusal(create);
    view! {
        <nav class="rooms" id="rooms" tabindex="-1" aria-label=t("rooms-nav")>
            <RoomSection live kind=RoomKind::Public heading=t("rooms-heading-public")/>
            <RoomSection live kind=RoomKind::Private heading=t("rooms-heading-private")/>
            <RoomSection live kind=RoomKind::Direct heading=t("rooms-heading-direct")/>
            <crate::forms::Form action=create attr:class="new-room">
                <label for="new-room">{t("rooms-new")}</label>
                <div class="row">
                    <input id="new-room" name="name" type="text" placeholder=t("rooms-new-placeholder")
                        maxlength=protocol::MAX_ROOM_CHARS autocomplete="off"/>
                    <button type="submit">{t("rooms-create")}</button>
                </div>
                <label class="check">
                    <input type="checkbox" name="private" value="on"/>
                    // The space parts the box from its label in every language.
                    {format!(" {}", t("rooms-new-private"))}
                </label>
            </crate::forms::Form>
            <p role="alert" class="notice">{error}</p>
            <ProtectNickname live/>
            <Notifications live/>
            <crate::lang::LanguageForm/>
            <crate::theme::ThemeForm/>
        </nav>
    }
    .into_any()
}

/// The rooms of one kind, under a heading (hidden when there are none, public rooms aside).
#[component]
fn RoomSection(live: Live, kind: RoomKind, heading: String) -> AnyView {
    let rooms =
        move || live.rooms.with(|rooms| rooms.iter().filter(|r| r.kind == kind).cloned().collect::<Vec<_>>());
    let shown =
        move || kind == RoomKind::Public || live.rooms.with(|rooms| rooms.iter().any(|r| r.kind == kind));
    view! {
        <Show when=shown>
            <h2>{heading.clone()}</h2>
            <ul aria-label=heading.clone()>
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
        RoomKind::Private => {
            ("🔒", room.name.clone(), tf("rooms-private-name", &[("name", (&room.name).into())]))
        }
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
    // The name read out, then what is unread: "#general, 3 unread, 1 mention".
    let label = {
        let (unread, mentions) = (unread.clone(), mentions.clone());
        let separator = t("rooms-label-separator");
        move || {
            let mut parts = vec![spoken.clone()];
            match unread() {
                0 => {}
                n if n >= protocol::UNREAD_CAP as usize => {
                    parts.push(tf("rooms-label-unread-capped", &[("count", n.into())]))
                }
                n => parts.push(tf("rooms-label-unread", &[("count", n.into())])),
            }
            match mentions() {
                0 => {}
                n => parts.push(tf("rooms-label-mentions", &[("count", n.into())])),
            }
            parts.join(&separator)
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
    let protect = crate::forms::FormAction::new::<Protect>();
    Effect::new(move |_| {
        if let Some(Ok(())) = protect.value() {
            live.protected.set(true);
        }
    });
    let error = super::refusal(protect);
    view! {
        <section class="protect" aria-label=t("rooms-protect-section")>
            <Show
                when=move || !live.protected.get()
                fallback=|| view! { <p class="protected">{t("rooms-protected")}</p> }
            >
                <crate::forms::Form action=protect attr:class="protect-form">
                    <label for="protect-password">{t("rooms-protect")}</label>
                    <div class="row">
                        <input id="protect-password" name="password" type="password"
                            autocomplete="new-password" placeholder=t("rooms-protect-placeholder")/>
                        <button type="submit">{t("rooms-protect-submit")}</button>
                    </div>
                </crate::forms::Form>
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
                {format!(" {}", t("rooms-notify"))}
            </label>
        </Show>
    }
    .into_any()
}
