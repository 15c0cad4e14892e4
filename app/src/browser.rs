//! The few browser facilities the app uses, with their server-side stand-ins: the clock,
//! remembered preferences (localStorage), timers, randomness and letter case.

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64)
    }
}

/// A value remembered in this browser, if any.
pub fn load(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

/// Remembers a value in this browser (nothing happens on the server).
pub fn store(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

/// Forgets a remembered value (nothing happens on the server).
pub fn forget(key: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

// The timers below belong to the page, not to the view that asked for them: Leptos 0.9's own
// (`set_timeout`, `set_interval`, `request_animation_frame`) are cancelled when the component
// or effect that started them is cleaned up, and the live connection's clock and polls must
// outlive the room view that happened to start them.

/// Runs `f` after `ms` milliseconds (browser only; never called while server rendering).
pub fn after(ms: u32, f: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        // A one-shot closure is freed by the browser once it has run.
        let callback = wasm_bindgen::closure::Closure::once_into_js(f);
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.unchecked_ref(),
                ms.min(i32::MAX as u32) as i32,
            );
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, f);
}

/// Runs `f` before the browser's next repaint (browser only).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn next_frame(f: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let callback = wasm_bindgen::closure::Closure::once_into_js(f);
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(callback.unchecked_ref());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = f;
}

/// Runs `f` every `ms` milliseconds for the rest of the page's life (browser only).
#[cfg(feature = "hydrate")]
pub fn every(ms: u32, f: impl FnMut() + 'static) {
    gloo_timers::callback::Interval::new(ms, f).forget();
}

/// Whether the browser believes it is online.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn online() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        true
    }
}

/// A random 128-bit id as 32 hex digits.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    #[cfg(feature = "hydrate")]
    {
        let filled = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
        if !filled {
            for b in bytes.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Outside a browser (tests): the clock and a counter make it unique.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        bytes[..8].copy_from_slice(&(now_ms() as u64).to_le_bytes());
        bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `text` in lower case, by Unicode's full case mapping. The browser's own (`toLowerCase`)
/// in the browser, Rust's on the server: the same mapping, and Rust's case tables are not
/// downloaded (about 24 KB of data and 7 KB of code).
pub fn lower(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::JsString::from(text).to_lower_case().into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}

/// `text` in upper case (see [`lower`]).
pub fn upper(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::JsString::from(text).to_upper_case().into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_uppercase()
    }
}

/// What a browser call's error says: a JavaScript `Error`'s message, or the thrown value
/// when it is a string. (Not `Debug`: the browser's build formats no `Debug` output,
/// `docs/performance.md`.)
#[cfg(feature = "hydrate")]
pub fn error_text(error: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_default()
}
