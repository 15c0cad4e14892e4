//! Natter's user interface, rendered on the server and hydrated in the browser, and the server
//! functions it calls. Server-function bodies reach the chat only through the [`engine::Engine`]
//! in Leptos context.

// The conversation's view type (a log around a list) is deeper than the default limit.
#![recursion_limit = "256"]

pub mod api;
mod browser;
#[cfg(feature = "hydrate")]
mod call;
mod chat;
mod forms;
#[cfg(feature = "ssr")]
pub mod identity;
pub mod lang;
mod live;
mod notify;
mod page_data;
mod palette;
#[cfg(feature = "ssr")]
mod prefs;
pub mod theme;
mod time_fmt;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The Content-Security-Policy of a page: scripts only from this origin or inline with this
/// response's nonce (the hydration script and the serialized page data), WASM allowed to
/// compile, connections only to this origin, no plugins, no framing. Styles allow inline
/// `style` attributes: names get their colour that way.
#[cfg(feature = "ssr")]
fn page_policy(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // `cargo leptos watch` reloads the page over a WebSocket on its own port.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        format!(" ws://{}:{}", options.site_addr.ip(), options.reload_port)
    } else {
        String::new()
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Pages rendered on the server only, never hydrated: plain HTML forms and links, so the
/// browser's app (WASM) carries none of their code. Search results and a message's page of
/// actions without JavaScript.
pub fn server_only(path: &str) -> bool {
    path == "/search" || path.split('/').collect::<Vec<_>>().as_slice().get(3).is_some_and(|m| *m == "m")
}

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    page_policy(&options);
    #[cfg(feature = "ssr")]
    let hydrate = !use_context::<http::request::Parts>().is_some_and(|parts| server_only(parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let hydrate = true;
    #[cfg(not(feature = "hydrate"))]
    let locale = lang::request_locale();
    #[cfg(feature = "hydrate")]
    let locale = lang::locale();
    let scripts = hydrate.then(|| {
        view! {
            <lang::Catalogue locale/>
            <AutoReload options=options.clone()/>
            <HydrationScripts options/>
        }
    });
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag() data-theme=theme::current().map(theme::Theme::name)>
            <head>
                <meta charset="utf-8"/>
                // `resizes-content`: the on-screen keyboard shrinks the page, so the composer stays above it.
                <meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                {scripts}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The pages. Async: the whole page, history included, is in the first HTML response, so it
/// reads the same with JavaScript off.
#[cfg(feature = "ssr")]
fn routes() -> impl IntoView {
    view! {
        <Routes fallback=chat::NotFound>
            <Route path=path!("/") view=chat::ChatPage ssr=SsrMode::Async/>
            <Route path=path!("/r/:room") view=chat::ChatPage ssr=SsrMode::Async/>
            // Server only (`server_only`): the browser's router does not know them, and their
            // pages load no WASM.
            <Route path=path!("/r/:room/m/:seq") view=chat::MessagePage ssr=SsrMode::Async/>
            <Route path=path!("/search") view=chat::SearchResults ssr=SsrMode::Async/>
        </Routes>
    }
}

#[cfg(not(feature = "ssr"))]
fn routes() -> impl IntoView {
    view! {
        <Routes fallback=chat::NotFound>
            <Route path=path!("/") view=chat::ChatPage ssr=SsrMode::Async/>
            <Route path=path!("/r/:room") view=chat::ChatPage ssr=SsrMode::Async/>
        </Routes>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The language of this page, looked up once per render (server) or page load (browser).
    #[cfg(not(feature = "hydrate"))]
    provide_context(lang::request_locale());
    // One live view of the chat per page load, shared by every route.
    let live = live::Live::new();
    provide_context(live);
    // The title counts unread mentions in the browser. The server's is plain text: leptos_axum
    // reads the head after the page's reactive owner (and its arena) may be gone, where reading
    // any signal, even with `try_get`, panics and drops the response (seen on a 404 page, and
    // under load). The server never runs the live view, so it has no mentions to count.
    #[cfg(feature = "hydrate")]
    let title =
        TextProp::from(move || notify::title(if live.running.get() { live.all_mentions() } else { 0 }));
    #[cfg(not(feature = "hydrate"))]
    let title = TextProp::from(notify::title(0));
    view! {
        <Stylesheet id="natter" href="/pkg/natter.css"/>
        <Title text=title/>
        <Router>{routes()}</Router>
    }
}
