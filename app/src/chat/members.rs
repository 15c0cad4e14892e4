//! Who is in the current room now (each with a button to message them directly), and for a
//! private room its members: its creator invites and removes them, a member may leave.
//!
//! A big room sends its count, not its list: the first page of names comes with the join,
//! and "Show more people" asks for the next.

use crate::api::{Invite, OpenDirect, RemoveMember};
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
    let open = ServerAction::<OpenDirect>::new();
    let error = super::refusal(open);
    // The reader's nickname is set before the chat renders and stays for the page's life.
    let me = move || protocol::nickname_key(&live.nickname.get_untracked());
    view! {
        <aside class="members" aria-label="People here">
            <h2>"Here now " <span class="count">{count}</span></h2>
            <ul aria-label="Here now">
                <For each=members key=|name| name.clone() let:name>
                    <li style=name_style(&name)>
                        <span class="dot" aria-hidden="true"></span>
                        <span class="author">{name.clone()}</span>
                        {(protocol::nickname_key(&name) != me()).then(|| {
                            let label = format!("Message {name}");
                            let with = name.clone();
                            view! {
                                <ActionForm action=open attr:class="dm">
                                    <input type="hidden" name="with" value=with/>
                                    <button type="submit" class="small" aria-label=label>"Message"</button>
                                </ActionForm>
                            }
                        })}
                    </li>
                </For>
            </ul>
            <Show when=more>
                <button type="button" class="small more" on:click=move |_| live.more_members(&more_room.get_value())>
                    "Show more people"
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
    let invite = ServerAction::<Invite>::new();
    let remove = ServerAction::<RemoveMember>::new();
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
                (format!("Leave {}", room.name), "Leave")
            } else {
                (format!("Remove {member}"), "Remove")
            };
            // The creator removes anyone else; a member can only leave. The creator stays.
            let may = Some(&key) != owner.as_ref() && (is_owner || key == me);
            let role = (Some(&key) == owner.as_ref()).then_some(" (creator)");
            let nickname = member.clone();
            let style = name_style(&member);
            view! {
                <li style=style>
                    <span class="author">{member}</span>
                    <span class="muted">{role}</span>
                    {may.then(|| view! {
                        <ActionForm action=remove attr:class="remove">
                            <input type="hidden" name="room" value=name.clone()/>
                            <input type="hidden" name="nickname" value=nickname.clone()/>
                            <button type="submit" class="small secondary" aria-label=label>{text}</button>
                        </ActionForm>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="private-members" aria-label="Members">
            <h2>"Members " <span class="count">{room.members.len()}</span></h2>
            <ul>{rows}</ul>
            <p role="alert" class="notice">{remove_error}</p>
            {is_owner.then(|| view! {
                <ActionForm action=invite attr:class="invite">
                    <input type="hidden" name="room" value=name.clone()/>
                    <label for="invite-nickname">"Invite"</label>
                    <div class="row">
                        <input id="invite-nickname" name="nickname" type="text" placeholder="nickname"
                            autocomplete="off"/>
                        <button type="submit">"Invite"</button>
                    </div>
                </ActionForm>
                <p role="alert" class="notice">{invite_error}</p>
            })}
        </section>
    }
    .into_any()
}
