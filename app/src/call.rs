//! Calling the server's functions from the browser's app: one `fetch` POST and its answer,
//! read as Leptos' server-function client reads it: the function's value in JSON, or its
//! error for any status from 400 on, and a redirect the function asked for followed (the
//! router's hook navigates within the app). The app's forms ([`crate::forms`]) and its page
//! loads ([`crate::api::load_room_page`]) call through here instead of through that client,
//! whose request plumbing (gloo-net's, and the forms' `serde_qs` codec) the WASM then leaves
//! out (`docs/performance.md`).

use crate::api::AppError;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How a call's arguments are written.
#[derive(Clone, Copy)]
pub enum Body {
    /// `application/x-www-form-urlencoded`, as a browser posts a form.
    Form,
    /// `application/json`.
    Json,
}

/// Posts `body` to `path`, labelled with its kind, asking for JSON back. The live
/// connection's HTTP fallback posts its events through here too (`app::live::http`).
pub async fn send(path: &str, kind: Body, body: &str) -> Result<web_sys::Response, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new()?;
    let content_type = match kind {
        Body::Form => "application/x-www-form-urlencoded",
        Body::Json => "application/json",
    };
    headers.set("Content-Type", content_type)?;
    // Not HTML: a server function answers a redirect with data and a header, not a 302.
    headers.set("Accept", "application/json")?;
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    JsFuture::from(window.fetch_with_str_and_init(path, &init)).await?.dyn_into()
}

/// Posts `body` to the server function at `path` and reads its answer.
pub async fn post<O: DeserializeOwned>(path: &str, kind: Body, body: &str) -> Result<O, AppError> {
    let failed = |error: &JsValue| {
        AppError::from_server_fn_error(ServerFnErrorErr::Request(crate::browser::error_text(error)))
    };
    let response = send(path, kind, body).await.map_err(|e| failed(&e))?;
    let bytes =
        JsFuture::from(response.array_buffer().map_err(|e| failed(&e))?).await.map_err(|e| failed(&e))?;
    let bytes = js_sys::Uint8Array::new(&bytes).to_vec();
    let status = response.status();
    let answer = if (400..600).contains(&status) {
        Err(AppError::de(bytes.into()))
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string())))
    };
    let headers = response.headers();
    if (300..400).contains(&status)
        || headers.has(leptos::server_fn::redirect::REDIRECT_HEADER).unwrap_or(false)
    {
        let location = headers.get("Location").ok().flatten().unwrap_or_default();
        leptos::server_fn::redirect::call_redirect_hook(&location);
    }
    answer
}
