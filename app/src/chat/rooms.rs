//! The room list: every public room, unread counts for the joined ones, and creating rooms.

use crate::api::{AppError, CreateRoom};
use crate::live::Live;
use leptos::prelude::*;

#[component]
pub fn RoomList(live: Live) -> AnyView {
    let create = ServerAction::<CreateRoom>::new();
    let error = move || create.value().get().and_then(Result::err).as_ref().map(AppError::to_string);
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
        </nav>
    }
    .into_any()
}

#[component]
fn RoomLink(live: Live, name: String) -> impl IntoView {
    let href = format!("/r/{name}");
    let label_name = name.clone();
    // A stored name makes the closures below `Copy`.
    let name = StoredValue::new(name);
    let current = move || name.with_value(|n| live.current.with(|c| c == n));
    let unread = move || {
        let name = name.get_value();
        let joined = live.joined.with(|j| j.contains(&name));
        if joined && !current() {
            live.unread(&name)
        } else {
            0
        }
    };
    let label = move || match unread() {
        0 => format!("#{label_name}"),
        n => format!("#{label_name}, {n} unread"),
    };
    view! {
        <li class:current=current>
            <a href=href aria-current=move || current().then_some("page") aria-label=label>
                <span class="hash">"#"</span>{name.get_value()}
                {move || {
                    let n = unread();
                    (n > 0).then(|| view! { <span class="unread" aria-hidden="true">{n}</span> })
                }}
            </a>
        </li>
    }
}
