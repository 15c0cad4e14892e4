//! A reader's preferences kept in cookies of their own (the language, the theme): read from a
//! request, and set by a plain form's server function, which then goes back to the page.

/// The value of the cookie `name` among a request's headers.
pub fn cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| cookie.trim().strip_prefix(name)?.strip_prefix('='))
}

/// Makes the response keep `value` in the cookie `name` for a year (`None` forgets it), and
/// go back to `back`: a path of this site only, never a redirect elsewhere (else `/`).
pub fn remember_and_go_back(name: &str, value: Option<&str>, back: Option<String>) {
    let cookie = match value {
        Some(value) => format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax"),
        None => format!("{name}=; Path=/; Max-Age=0; SameSite=Lax"),
    };
    if let (Ok(value), Some(response)) =
        (http::HeaderValue::from_str(&cookie), leptos::prelude::use_context::<leptos_axum::ResponseOptions>())
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
    let back = back.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'));
    leptos_axum::redirect(back.as_deref().unwrap_or("/"), false);
}
