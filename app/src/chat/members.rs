//! Who is in the current room now (each with a button to message them directly), and for a
//! private room its members: its creator invites and removes them, a member may leave.
//!
//! A big room sends its count, not its list: the first page of names comes with the join,
//! and "Show more people" asks for the next.

use crate::api::{Invite, OpenDirect, RemoveMember};
use crate::lang::{t, tf};
use crate::live::Live;
use crate::palette::name_style;
use leptos::prelude::*;
use protocol::{RoomInfo, RoomKind};

/// The people of `room` (the one this page shows: a route change renders a new list, so no
/// closure here follows the room on screen while the old list is torn down).
#[component]
pub fn Members(live: Live, room: String) -> AnyView {
    let state = live.room(&room);
    let more_room = StoredValue::new(room.clone());
    let members = move || state.members.get();
    let count = move || state.count.get().max(members().len());
    let more = move || members().len() < count();
    let open = crate::forms::FormAction::new::<OpenDirect>();
    let error = super::refusal(open);
    // The reader's nickname is set before the chat renders and stays for the page's life.
    let me = move || protocol::nickname_key(&live.nickname.get_untracked());
    view! {
        <aside class="members" id="members" tabindex="-1" aria-label=t("members-aside")>
            <h2>{move || counted(tf("members-here-now", &[("count", count().into())]), count())}</h2>
            <ul aria-label=t("members-here-now-list")>
                <For each=members key=|name| name.clone() let:name>
                    <li style=name_style(&name)>
                        <span class="dot" aria-hidden="true"></span>
                        <span class="author">{name.clone()}</span>
                        {(protocol::nickname_key(&name) != me()).then(|| {
                            let label = tf("members-message-label", &[("name", (&name).into())]);
                            let with = name.clone();
                            view! {
                                <crate::forms::Form action=open attr:class="dm">
                                    <input type="hidden" name="with" value=with/>
                                    <button type="submit" class="small" aria-label=label>{t("members-message")}</button>
                                </crate::forms::Form>
                            }
                        })}
                    </li>
                </For>
            </ul>
            <Show when=more>
                <button type="button" class="small more" on:click=move |_| live.more_members(&more_room.get_value())>
                    {t("members-show-more")}
                </button>
            </Show>
            <p role="alert" class="notice">{error}</p>
            <PrivateMembers live room/>
        </aside>
    }
    .into_any()
}

/// The member list of the current room when it is private.
#[component]
fn PrivateMembers(live: Live, room: String) -> AnyView {
    let info = move || {
        live.rooms.with(|rooms| rooms.iter().find(|r| r.name == room && r.kind == RoomKind::Private).cloned())
    };
    view! { {move || info().map(|room| view! { <MemberAdmin live room/> })} }.into_any()
}

#[component]
fn MemberAdmin(live: Live, room: RoomInfo) -> AnyView {
    let invite = crate::forms::FormAction::new::<Invite>();
    let remove = crate::forms::FormAction::new::<RemoveMember>();
    let invite_error = super::refusal(invite);
    let remove_error = super::refusal(remove);
    let me = protocol::nickname_key(&live.nickname.get_untracked());
    let owner = room.owner.as_deref().map(protocol::nickname_key);
    let is_owner = owner.as_deref() == Some(me.as_str());
    let name = room.name.clone();
    let rows = room
        .members
        .clone()
        .into_iter()
        .map(|member| {
            let name = name.clone();
            let key = protocol::nickname_key(&member);
            let (label, text) = if key == me {
                (tf("members-leave-label", &[("room", (&room.name).into())]), t("members-leave"))
            } else {
                (tf("members-remove-label", &[("name", (&member).into())]), t("members-remove"))
            };
            // The creator removes anyone else; a member can only leave. The creator stays.
            let may = Some(&key) != owner.as_ref() && (is_owner || key == me);
            let role = (Some(&key) == owner.as_ref()).then(|| t("members-creator"));
            let nickname = member.clone();
            let style = name_style(&member);
            view! {
                <li style=style>
                    <span class="author">{member}</span>
                    <span class="muted">{role}</span>
                    {may.then(|| view! {
                        <crate::forms::Form action=remove attr:class="remove">
                            <input type="hidden" name="room" value=name.clone()/>
                            <input type="hidden" name="nickname" value=nickname.clone()/>
                            <button type="submit" class="small secondary" aria-label=label>{text}</button>
                        </crate::forms::Form>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="private-members" aria-label=t("members-section")>
            <h2>{counted(tf("members-heading", &[("count", room.members.len().into())]), room.members.len())}</h2>
            <ul>{rows}</ul>
            <p role="alert" class="notice">{remove_error}</p>
            {is_owner.then(|| view! {
                <crate::forms::Form action=invite attr:class="invite">
                    <input type="hidden" name="room" value=name.clone()/>
                    <label for="invite-nickname">{t("members-invite-label")}</label>
                    <div class="row">
                        <input id="invite-nickname" name="nickname" type="text"
                            placeholder=t("members-invite-placeholder") autocomplete="off"/>
                        <button type="submit">{t("members-invite")}</button>
                    </div>
                </crate::forms::Form>
                <p role="alert" class="notice">{invite_error}</p>
            })}
        </section>
    }
    .into_any()
}

/// A heading's text with its count (`n`, as the language writes it) marked, wherever the
/// language puts the number: "Here now <span class="count">3</span>".
fn counted(text: String, n: usize) -> AnyView {
    let number = crate::lang::number(n as i64);
    let Some(at) = text.find(&number) else { return text.into_any() };
    let before = text[..at].to_owned();
    let after = text[at + number.len()..].to_owned();
    let before = (!before.is_empty()).then_some(before);
    let after = (!after.is_empty()).then_some(after);
    view! { {before}<span class="count">{number}</span>{after} }.into_any()
}
