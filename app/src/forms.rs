//! Forms that call a server function. Each is a plain HTML form that posts its fields to the
//! function's URL, so it works without JavaScript: the server then answers with a redirect,
//! and a refusal comes back in the URL it sends the browser to. With the app running,
//! [`Form`] sends the same fields itself (the browser encodes them, as it would have) and its
//! [`FormAction`] holds the server's answer ([`crate::call`] sends them).
//!
//! Leptos' own `ActionForm` does the same, but decodes the fields into the function's
//! arguments and encodes them again to send them, both with `serde_qs`: code for every
//! form's argument type that the browser's app never needs (`docs/performance.md`).

use crate::api::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;

/// A form's submissions and the server's answer to the last one.
pub struct FormAction<O: 'static> {
    path: &'static str,
    action: Action<String, Result<O, AppError>>,
}

impl<O: 'static> Clone for FormAction<O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O: 'static> Copy for FormAction<O> {}

impl<O: DeserializeOwned + Send + Sync + 'static> FormAction<O> {
    /// The submissions of a form that calls server function `S`. Its first value is the
    /// refusal of a submission made without JavaScript, when the page is the one the server
    /// sent the browser back to after it.
    pub fn new<S: ServerFn<Output = O, Error = AppError>>() -> Self {
        let refused = use_context::<leptos::server::ServerActionError>().and_then(|error| {
            (error.path() == S::PATH)
                .then(|| Err(leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(error.err())))
        });
        // The browser's fetch is not `Send`: the app's action runs on its one thread. The
        // server's never runs, and is `Send` so that any of its threads may drop it.
        #[cfg(feature = "hydrate")]
        let action =
            Action::new_unsync_with_value(refused, move |fields: &String| send(S::PATH, fields.clone()));
        #[cfg(not(feature = "hydrate"))]
        let action = Action::new_with_value(refused, move |fields: &String| send(S::PATH, fields.clone()));
        FormAction { path: S::PATH, action }
    }

    /// The server's answer to the last submission (or the refusal above), if any.
    pub fn value(&self) -> Option<Result<O, AppError>>
    where
        O: Clone,
    {
        self.action.value().get()
    }

    /// How many submissions have been answered.
    pub fn version(&self) -> usize {
        self.action.version().get()
    }
}

/// What a [`Form`] needs of its [`FormAction`], whatever the function returns.
#[derive(Clone)]
pub struct Submit {
    path: &'static str,
    send: Callback<String>,
}

impl<O: 'static> From<FormAction<O>> for Submit {
    fn from(form: FormAction<O>) -> Self {
        Submit {
            path: form.path,
            send: Callback::new(move |fields: String| {
                form.action.dispatch_local(fields);
            }),
        }
    }
}

/// A form posting its fields to a server function: by the browser without JavaScript, by the
/// app when it runs.
#[component]
pub fn Form(#[prop(into)] action: Submit, children: Children) -> impl IntoView {
    let Submit { path, send } = action;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(fields) = fields(&ev) {
            ev.prevent_default();
            send.run(fields);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, send);
    };
    view! { <form method="post" action=path on:submit=submit>{children()}</form> }
}

/// A submitted form's fields, encoded as the browser encodes a form it posts
/// (`application/x-www-form-urlencoded`). `None` leaves the submission to the browser.
#[cfg(feature = "hydrate")]
fn fields(ev: &leptos::ev::SubmitEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    if ev.default_prevented() {
        return None;
    }
    let form = ev.target()?.dyn_into::<web_sys::HtmlFormElement>().ok()?;
    let data = web_sys::FormData::new_with_form(&form).ok()?;
    let encoded = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    Some(encoded.to_string().into())
}

/// Posts a form's fields ([`crate::call`]).
#[cfg(feature = "hydrate")]
async fn send<O: DeserializeOwned>(path: &'static str, fields: String) -> Result<O, AppError> {
    crate::call::post(path, crate::call::Body::Form, &fields).await
}

/// (Never called: the server renders forms but does not submit them.)
#[cfg(not(feature = "hydrate"))]
async fn send<O>(_path: &'static str, _fields: String) -> Result<O, AppError> {
    Err(AppError::Transport("a form is submitted by the browser".to_owned()))
}
