//! Who the reader is: the person whose id this browser's signed session cookie holds.
//! The signature (HMAC with the server's session key) means a browser cannot forge another
//! person's cookie.

use cookie::{Cookie, CookieJar, Key, SameSite};
use engine::users::User;
use leptos::prelude::*;
use std::sync::Arc;

const COOKIE: &str = "natter_session";

/// The key that signs session cookies, provided by the server as Leptos context.
#[derive(Clone)]
pub struct SessionKey {
    pub key: Arc<Key>,
    /// Mark cookies `Secure` (the site is served over HTTPS).
    pub secure: bool,
}

async fn request() -> Option<http::request::Parts> {
    leptos_axum::extract().await.ok()
}

/// The signed-in person of the current request, if any.
pub async fn current_user() -> Option<User> {
    let parts = request().await?;
    let session = use_context::<SessionKey>()?;
    let engine = use_context::<engine::Engine>()?;
    user_from_headers(&parts.headers, &session, &engine).await
}

/// The person whose signed session cookie is among `headers`, if any (for handlers outside
/// Leptos, such as the live WebSocket's upgrade).
pub async fn user_from_headers(
    headers: &http::HeaderMap,
    session: &SessionKey,
    engine: &engine::Engine,
) -> Option<User> {
    let mut jar = CookieJar::new();
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .filter(|c| c.name() == COOKIE)
        .for_each(|c| jar.add_original(c.into_owned()));
    let id: i64 = jar.signed(&session.key).get(COOKIE)?.value().parse().ok()?;
    match engine.users().get(id).await {
        Ok(user) => user,
        Err(error) => {
            tracing::warn!(%error, "could not read the signed-in person");
            None
        }
    }
}

/// Makes the response sign this browser in as `user`.
pub async fn remember(user: &User) {
    let Some(session) = use_context::<SessionKey>() else { return };
    // Secure when configured, or when a proxy in front says the request came over HTTPS.
    let https = request().await.is_some_and(|parts| {
        parts.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
    });
    let cookie = Cookie::build((COOKIE, user.id.to_string()))
        .path("/")
        .http_only(true)
        .secure(session.secure || https)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build();
    let mut jar = CookieJar::new();
    jar.signed_mut(&session.key).add(cookie);
    for cookie in jar.delta() {
        if let Ok(value) = http::HeaderValue::from_str(&cookie.encoded().to_string()) {
            expect_context::<leptos_axum::ResponseOptions>().append_header(http::header::SET_COOKIE, value);
        }
    }
}
