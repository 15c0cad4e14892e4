//! Telling the reader they were mentioned when they are not looking: a desktop notification
//! (only once they allowed them: the browser asks when they switch them on, never by itself)
//! while the tab is hidden or the mention is in another room, and the count of unread
//! mentions in the page title.

use crate::live::Live;
use protocol::Message;

/// The reader turned notifications off in this browser.
const OFF_KEY: &str = "natter.notifications-off";

/// Whether notifications may be shown: the browser allows them and the reader did not turn
/// them off.
pub fn enabled() -> bool {
    permission() == "granted" && crate::browser::load(OFF_KEY).is_none()
}

/// The browser's answer so far: "granted", "denied", "default" (not asked), or
/// "unsupported".
pub fn permission() -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let supported =
            js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Notification")).unwrap_or(false);
        if !supported {
            return "unsupported".into();
        }
        match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted".into(),
            web_sys::NotificationPermission::Denied => "denied".into(),
            _ => "default".into(),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    "default".into()
}

/// Switches notifications on (asking the browser first, if it has not been asked) or off;
/// `done` gets whether they are on now.
pub fn switch(on: bool, done: impl Fn(bool) + 'static) {
    if !on {
        crate::browser::store(OFF_KEY, "1");
        done(false);
        return;
    }
    crate::browser::forget(OFF_KEY);
    #[cfg(feature = "hydrate")]
    {
        if permission() == "granted" {
            done(true);
            return;
        }
        if let Ok(asked) = web_sys::Notification::request_permission() {
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(asked).await;
                done(enabled());
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    done(false);
}

/// A live message mentioned the reader.
pub fn mentioned(live: &Live, message: &Message) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::GetUntracked;
        let hidden = leptos::prelude::document().hidden();
        let elsewhere = live.current.get_untracked() != message.room;
        if !(hidden || elsewhere) || !enabled() {
            return;
        }
        let title = crate::lang::tf(
            "notify-mentioned",
            &[("author", (&message.author).into()), ("room", (&message.room).into())],
        );
        let options = web_sys::NotificationOptions::new();
        let body: String = markup::plain(&message.text).chars().take(200).collect();
        options.set_body(&body);
        options.set_tag(&format!("natter-{}-{}", message.room, message.seq));
        if let Ok(shown) = web_sys::Notification::new_with_options(&title, &options) {
            let room = message.room.clone();
            let seq = message.seq;
            let onclick = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
                if let Some(window) = web_sys::window() {
                    let _ = window.focus();
                    let _ = window.location().set_href(&format!("/r/{room}?at={seq}#m{seq}"));
                }
            });
            shown.set_onclick(Some(wasm_bindgen::JsCast::unchecked_ref(onclick.as_ref())));
            onclick.forget();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (live, message);
}

/// "(2) Natter" while the reader has unread mentions.
pub fn title(mentions: usize) -> String {
    match mentions {
        0 => crate::lang::t("brand"),
        n => crate::lang::tf("notify-title", &[("count", n.into())]),
    }
}
