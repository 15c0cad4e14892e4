//! `/r/{room}/m/{seq}`: one message and what the reader can do with it, as plain forms —
//! reply, react, edit and delete without JavaScript (the "More" link of each message leads
//! here when the app is not running).

use super::message::MessageItem;
use super::picker::QUICK;
use crate::api::{message_page, AppError, DeleteMessage, EditMessage, MessageView, PostMessage, React};
use crate::lang::{t, tf};
use crate::live::Live;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MessagePage() -> AnyView {
    let live = expect_context::<Live>();
    let params = use_params_map();
    let room = move || params.read().get("room").unwrap_or_default();
    let seq = move || params.read().get("seq").and_then(|s| s.parse().ok()).unwrap_or(0);
    let page = crate::page_data::resource(move || (room(), seq()), |(room, seq)| message_page(room, seq));
    view! {
        <Transition fallback=|| view! { <p class="loading">{t("message-page-loading")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(view) => view! { <Forms live view/> }.into_any(),
                    Err(AppError::NotFound) => view! { <super::NotFound/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="notice">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn Forms(live: Live, view: MessageView) -> AnyView {
    let MessageView { message, own, form_client_id } = view;
    let (room, seq) = (message.room.clone(), message.seq);
    let room_name = StoredValue::new(room.clone());
    let post = crate::forms::FormAction::new::<PostMessage>();
    let react = crate::forms::FormAction::new::<React>();
    let edit = crate::forms::FormAction::new::<EditMessage>();
    let delete = crate::forms::FormAction::new::<DeleteMessage>();
    let errors = move || {
        [super::refusal(post)(), super::refusal(react)(), super::refusal(edit)(), super::refusal(delete)()]
            .into_iter()
            .flatten()
            .next()
    };
    let back = format!("/r/{room}#m{seq}");
    let text = message.text.clone();
    view! {
        <main class="message-page">
            <a href=back class="back">{t("message-page-back")}</a>
            <h1>{t("message-page-title")}</h1>
            <div class="messages single" role="log" aria-label=t("conversation-log")>
                <ol class="message-items">
                    <MessageItem message=message.clone() own live/>
                </ol>
            </div>
            <p role="alert" class="notice">{errors}</p>
            <section aria-label=t("message-page-reply-heading")>
                <h2>{t("message-page-reply-heading")}</h2>
                <crate::forms::Form action=post attr:class="stack">
                    <input type="hidden" name="room" value=room.clone()/>
                    <input type="hidden" name="client_id" value=form_client_id/>
                    <input type="hidden" name="reply_to" value=seq/>
                    <label for="reply-text">{t("message-page-your-reply")}</label>
                    <textarea id="reply-text" name="text" rows="3"></textarea>
                    <button type="submit">{t("message-reply")}</button>
                </crate::forms::Form>
            </section>
            <section aria-label=t("message-page-react-heading")>
                <h2>{t("message-page-react-heading")}</h2>
                <div class="quick-reactions">
                    {QUICK.iter().map(|emoji| view! {
                        <crate::forms::Form action=react>
                            <input type="hidden" name="room" value=room_name.get_value()/>
                            <input type="hidden" name="seq" value=seq/>
                            <input type="hidden" name="emoji" value=*emoji/>
                            <button type="submit" aria-label=tf("message-page-react-with", &[("emoji", (*emoji).into())])>{*emoji}</button>
                        </crate::forms::Form>
                    }).collect_view()}
                </div>
            </section>
            {own.then(|| view! {
                <section aria-label=t("message-page-edit-heading")>
                    <h2>{t("message-page-edit-heading")}</h2>
                    <crate::forms::Form action=edit attr:class="stack">
                        <input type="hidden" name="room" value=room_name.get_value()/>
                        <input type="hidden" name="seq" value=seq/>
                        <label for="edit-text">{t("message-page-new-text")}</label>
                        <textarea id="edit-text" name="text" rows="3">{text.clone()}</textarea>
                        <button type="submit">{t("message-save")}</button>
                    </crate::forms::Form>
                </section>
                <section aria-label=t("message-page-delete-heading")>
                    <h2>{t("message-page-delete-heading")}</h2>
                    <crate::forms::Form action=delete>
                        <input type="hidden" name="room" value=room_name.get_value()/>
                        <input type="hidden" name="seq" value=seq/>
                        <button type="submit" class="danger">{t("message-delete")}</button>
                    </crate::forms::Form>
                </section>
            })}
        </main>
    }
    .into_any()
}
