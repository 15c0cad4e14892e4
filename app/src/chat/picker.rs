//! The reaction picker: the reader's recently used emoji first, a few common ones, and every
//! emoji, searchable by name. The full list (about 1,900 emoji with their names and search
//! words in the interface's language) is fetched from `/emoji.json?lang=` the first time a
//! picker opens, so it costs the page nothing until then.

use crate::lang::t;
use leptos::{html, prelude::*};

/// One click away on every message.
pub const QUICK: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];
/// Recently used emoji remembered in this browser, newest first.
const RECENT_KEY: &str = "natter.recent-emoji";
const RECENT_MAX: usize = 16;
/// Shown for a search.
const SEARCH_MAX: usize = 120;
/// Shown before any search, after the recent and common ones.
const BROWSE_MAX: usize = 240;

/// An emoji and the words it is found by (its name, then its short codes).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Entry(pub String, pub String, #[serde(default)] pub Vec<String>);

/// Remembers that the reader used `emoji` (most recent first).
pub fn used(emoji: &str) {
    let mut recent = recent();
    recent.retain(|e| e != emoji);
    recent.insert(0, emoji.to_owned());
    recent.truncate(RECENT_MAX);
    crate::browser::store(RECENT_KEY, &recent.join(" "));
}

fn recent() -> Vec<String> {
    crate::browser::load(RECENT_KEY).map(|r| r.split(' ').map(str::to_owned).collect()).unwrap_or_default()
}

#[component]
pub fn Picker(placement: String, choose: Callback<String>, close: Callback<()>) -> AnyView {
    let query = RwSignal::new(String::new());
    let all = RwSignal::new(Vec::<Entry>::new());
    let field = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Some(list) = load_all().await {
            all.try_set(list);
        }
    });
    let first = {
        let mut first = recent();
        for quick in QUICK {
            if !first.iter().any(|e| e == quick) {
                first.push(quick.to_owned());
            }
        }
        first
    };
    let named = move |emoji: &str| {
        all.with(|all| all.iter().find(|e| e.0 == emoji).map(|e| e.1.clone()))
            .unwrap_or_else(|| emoji.to_owned())
    };
    let shown = Memo::new(move |_| -> Vec<(String, String)> {
        let q = crate::browser::lower(query.get().trim());
        if q.is_empty() {
            let mut list: Vec<(String, String)> = first.iter().map(|e| (e.clone(), named(e))).collect();
            all.with(|all| {
                list.extend(
                    all.iter()
                        .filter(|e| !first.contains(&e.0))
                        .take(BROWSE_MAX)
                        .map(|e| (e.0.clone(), e.1.clone())),
                )
            });
            list
        } else {
            all.with(|all| {
                all.iter()
                    .filter(|e| e.1.contains(&q) || e.2.iter().any(|code| code.contains(&q)))
                    .take(SEARCH_MAX)
                    .map(|e| (e.0.clone(), e.1.clone()))
                    .collect()
            })
        }
    });
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            close.run(());
        }
    };
    view! {
        // A click anywhere else closes it.
        <div class="picker-backdrop" on:click=move |_| close.run(())></div>
        <div class="picker" role="dialog" aria-label=t("picker-dialog") style=placement on:keydown=keydown>
            <input type="search" node_ref=field aria-label=t("picker-search") placeholder=t("picker-search")
                on:input=move |ev| query.set(event_target_value(&ev))/>
            <div class="grid">
                <For each=move || shown.get() key=|(emoji, name)| (emoji.clone(), name.clone()) let:entry>
                    {
                        let (emoji, name) = entry;
                        let chosen = emoji.clone();
                        view! {
                            <button type="button" aria-label=name.clone() title=name on:click=move |_| choose.run(chosen.clone())>
                                {emoji}
                            </button>
                        }
                    }
                </For>
            </div>
            <Show when=move || !query.get().trim().is_empty() && shown.with(Vec::is_empty)>
                <p class="muted">{t("picker-none")}</p>
            </Show>
        </div>
    }
    .into_any()
}

/// The full list, fetched once per page.
#[cfg(feature = "hydrate")]
async fn load_all() -> Option<Vec<Entry>> {
    use std::cell::RefCell;
    use wasm_bindgen::JsCast;
    thread_local! {
        static LOADED: RefCell<Option<Vec<Entry>>> = const { RefCell::new(None) };
    }
    if let Some(list) = LOADED.with(|l| l.borrow().clone()) {
        return Some(list);
    }
    let window = web_sys::window()?;
    // Named in the interface's language (and found by their English words too).
    let url = format!("/emoji.json?lang={}", crate::lang::locale().tag());
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    let list: Vec<Entry> = serde_json::from_slice(text.as_bytes()).ok()?;
    LOADED.with(|l| *l.borrow_mut() = Some(list.clone()));
    Some(list)
}
