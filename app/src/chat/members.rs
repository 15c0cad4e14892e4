//! Who is in the current room now.

use crate::live::Live;
use crate::palette::name_style;
use leptos::prelude::*;

#[component]
pub fn Members(live: Live) -> AnyView {
    let members = move || live.room(&live.current.get()).members.get();
    view! {
        <aside class="members" aria-label="People here">
            <h2>"Here now " <span class="count">{move || members().len()}</span></h2>
            <ul>
                <For each=members key=|name| name.clone() let:name>
                    <li style=name_style(&name)>
                        <span class="dot" aria-hidden="true"></span>
                        <span class="author">{name.clone()}</span>
                    </li>
                </For>
            </ul>
        </aside>
    }
    .into_any()
}
