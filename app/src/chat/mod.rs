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
use crate::lang::t;
use crate::live::Live;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The refusal of a form's last submission, as text for the reader (`None` if it went through
/// or has not been sent).
fn refusal<S>(action: ServerAction<S>) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || action.value().get().and_then(Result::err).as_ref().map(AppError::to_string)
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
    let join = ServerAction::<Join>::new();
    let page = Resource::new(
        move || (room(), at(), join.version().get()),
        |(room, at, _)| crate::api::room_page(room, at),
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
fn NicknamePrompt(join: ServerAction<Join>) -> impl IntoView {
    let error = refusal(join);
    view! {
        <main class="join">
            <h1>{t("brand")}</h1>
            <p class="tagline">{t("chat-tagline")}</p>
            <ActionForm action=join attr:class="join-form">
                <label for="nickname">{t("chat-nickname")}</label>
                <input id="nickname" name="nickname" type="text" autocomplete="nickname"
                    maxlength=protocol::MAX_NICKNAME_CHARS * 4 autofocus/>
                <label for="password">
                    {format!("{} ", t("chat-password"))}
                    <span class="optional">{t("chat-password-optional")}</span>
                </label>
                <input id="password" name="password" type="password" autocomplete="current-password"/>
                <button type="submit">{t("chat-join")}</button>
            </ActionForm>
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
    view! {
        <div class="layout">
            <rooms::RoomList live/>
            <conversation::Conversation live form_client_id/>
            <members::Members live room=live.current.get_untracked()/>
        </div>
    }
    .into_any()
}
