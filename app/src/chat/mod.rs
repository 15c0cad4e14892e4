//! The chat screen: nickname prompt, room list, conversation, members.

pub mod attachments;
mod composer;
mod conversation;
mod markup;
mod members;
mod message;
#[cfg(feature = "ssr")]
mod message_page;
pub mod picker;
mod rooms;
mod search;
mod uploads;

#[cfg(feature = "ssr")]
pub use message_page::MessagePage;
#[cfg(feature = "ssr")]
pub use search::SearchResults;

use crate::api::{AppError, Join};
use crate::forms::{Form, FormAction};
use crate::lang::t;
use crate::live::Live;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The refusal of a form's last submission, as text for the reader (`None` if it went through
/// or has not been sent).
fn refusal<O>(action: FormAction<O>) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    O: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    move || action.value().and_then(Result::err).as_ref().map(AppError::to_string)
}

/// `/` and `/r/{room}`: a room, or the nickname prompt for a browser that has not joined.
#[component]
pub fn ChatPage() -> impl IntoView {
    let live = expect_context::<Live>();
    let params = use_params_map();
    let query = use_query_map();
    let room = move || params.read().get("room").unwrap_or_else(|| protocol::DEFAULT_ROOM.to_owned());
    // `?at=SEQ`: open the room with that message in view (a search hit, a reply's original).
    let at = move || query.read().get("at").and_then(|at| at.parse::<protocol::Seq>().ok());
    let join = FormAction::new::<Join>();
    let page = crate::page_data::resource(
        move || (room(), at(), join.version()),
        |(room, at, _)| crate::api::load_room_page(room, at),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">{t("chat-loading")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(view) if view.nickname.is_some() => {
                        live.adopt(&view);
                        if let Some(seq) = at() {
                            live.reach(seq);
                        }
                        view! { <Chat live form_client_id=view.form_client_id/> }.into_any()
                    }
                    Ok(_) => view! { <NicknamePrompt join/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="notice">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="not-found">
            <h1>{t("chat-not-found-title")}</h1>
            <p>{t("chat-not-found-text")}</p>
            <a href="/">{t("chat-go-general")}</a>
        </main>
    }
}

#[component]
fn NicknamePrompt(join: FormAction<String>) -> impl IntoView {
    let error = refusal(join);
    view! {
        <main class="join">
            <h1>{t("brand")}</h1>
            <p class="tagline">{t("chat-tagline")}</p>
            <Form action=join attr:class="join-form">
                <label for="nickname">{t("chat-nickname")}</label>
                <input id="nickname" name="nickname" type="text" autocomplete="nickname"
                    maxlength=protocol::MAX_NICKNAME_CHARS * 4 autofocus/>
                <label for="password">
                    {format!("{} ", t("chat-password"))}
                    <span class="optional">{t("chat-password-optional")}</span>
                </label>
                <input id="password" name="password" type="password" autocomplete="current-password"/>
                <button type="submit">{t("chat-join")}</button>
            </Form>
            <p role="alert" class="notice">{error}</p>
            <crate::lang::LanguageForm/>
        </main>
    }
}

#[component]
fn Chat(live: Live, form_client_id: String) -> AnyView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        live.connect();
    });
    // Removed from the room on screen: go back to the default room.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if live.evicted.get().is_some_and(|room| room == live.current.get_untracked()) {
            navigate("/", Default::default());
        }
    });
    // On a narrow screen the conversation takes it all, and the rooms and the people are
    // drawers opened from a top bar. Only once the app runs: without JavaScript the rooms
    // stay stacked above the conversation.
    let drawers = RwSignal::new(false);
    Effect::new(move |_| drawers.set(true));
    let drawer = RwSignal::new(None::<Drawer>);
    // A room chosen in the drawer closes it.
    Effect::new(move |_| {
        live.current.track();
        drawer.set(None);
    });
    let close = move || {
        if let Some(open) = drawer.get_untracked() {
            drawer.set(None);
            focus(open.button());
        }
    };
    let toggle = move |which: Drawer| {
        if drawer.get_untracked() == Some(which) {
            close();
        } else {
            drawer.set(Some(which));
            focus(which.panel());
        }
    };
    let expanded = move |which: Drawer| move || (drawer.get() == Some(which)).to_string();
    view! {
        <div class="layout" class:drawers=move || drawers.get()
            class:rooms-open=move || drawer.get() == Some(Drawer::Rooms)
            class:members-open=move || drawer.get() == Some(Drawer::Members)
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" && drawer.get_untracked().is_some() {
                    ev.prevent_default();
                    close();
                }
            }>
            // The first thing a keyboard reaches: straight to the composer.
            <a class="skip-link" href="#composer-text" on:click=move |ev: leptos::ev::MouseEvent| {
                ev.prevent_default();
                focus("composer-text");
            }>{crate::lang::t("chat-skip-to-composer")}</a>
            <div class="topbar">
                <button type="button" id=Drawer::Rooms.button() class="drawer-button"
                    aria-controls=Drawer::Rooms.panel() aria-expanded=expanded(Drawer::Rooms)
                    on:click=move |_| toggle(Drawer::Rooms)>{crate::lang::t("chat-rooms-button")}</button>
                <button type="button" id=Drawer::Members.button() class="drawer-button"
                    aria-controls=Drawer::Members.panel() aria-expanded=expanded(Drawer::Members)
                    on:click=move |_| toggle(Drawer::Members)>{crate::lang::t("chat-members-button")}</button>
            </div>
            <rooms::RoomList live/>
            <conversation::Conversation live form_client_id/>
            <members::Members live room=live.current.get_untracked()/>
            // Tapping beside an open drawer closes it (the keyboard has Escape).
            <div class="scrim" aria-hidden="true" on:click=move |_| close()></div>
        </div>
    }
    .into_any()
}

/// The two drawers of a narrow screen.
#[derive(Clone, Copy, PartialEq)]
enum Drawer {
    Rooms,
    Members,
}

impl Drawer {
    fn button(self) -> &'static str {
        match self {
            Drawer::Rooms => "rooms-button",
            Drawer::Members => "members-button",
        }
    }

    /// The id of the drawer's panel (the room list's `nav`, the people's `aside`).
    fn panel(self) -> &'static str {
        match self {
            Drawer::Rooms => "rooms",
            Drawer::Members => "members",
        }
    }
}

/// Moves focus to the element with `id` (after the drawer's class has changed, so a panel
/// that was hidden can take it).
fn focus(id: &'static str) {
    #[cfg(feature = "hydrate")]
    crate::browser::next_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) =
            document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
