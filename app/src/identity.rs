//! Who the reader is: the nickname this browser joined with, kept in a cookie.

use cookie::{Cookie, SameSite};
use leptos::prelude::*;

const COOKIE: &str = "natter_nick";

/// The nickname of the current request, if it joined and the cookie is still valid.
pub async fn nickname() -> Option<String> {
    let parts: http::request::Parts = leptos_axum::extract().await.ok()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .and_then(|c| protocol::nickname(c.value()).ok().map(str::to_owned))
}

/// Makes the response set the nickname cookie.
pub fn remember(nickname: &str) {
    let cookie = Cookie::build((COOKIE, nickname.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build();
    if let Ok(value) = http::HeaderValue::from_str(&cookie.encoded().to_string()) {
        expect_context::<leptos_axum::ResponseOptions>().append_header(http::header::SET_COOKIE, value);
    }
}
