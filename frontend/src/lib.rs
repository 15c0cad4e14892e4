//! The browser entry point: hydrates the server-rendered page.
//!
//! A panic here aborts at once with no message (the browser's build is made without panic
//! messages, `.cargo/config.toml`): the console shows `unreachable` and the stack.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(app::App);
}
