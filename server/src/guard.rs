//! What protects browsers from other sites: the same-origin rule for state-changing requests
//! (the WebSocket upgrade and every server-function POST) and the security headers of every
//! response.
//!
//! **Cross-site requests.** Browsers send `Origin` with every WebSocket handshake and every
//! POST. A request whose `Origin` is neither this server's own (the `Host` it was sent to) nor
//! one of the configured allowed origins is refused with 403 before it reaches the chat: no
//! other site can open a live connection with a visitor's cookie (cross-site WebSocket
//! hijacking) or post a form as them (CSRF; the `SameSite=Lax` cookie is the second line).
//! Requests without `Origin` come from non-browser clients (the terminal client, bots), which
//! carry no ambient cookie to abuse.
//!
//! **Headers.** Every response gets `X-Content-Type-Options: nosniff`, a same-origin
//! `Referrer-Policy` (the no-JS forms need the Referer to come back to their page), and a
//! Content-Security-Policy that forbids framing and everything not from this origin. Pages
//! get a stricter one from the app shell, naming the per-response script nonce (see
//! `app::shell`); this layer adds its default only where none is set.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Origins (`scheme://host[:port]`) besides the server's own that may call it from a browser.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

/// The policy of responses that are not pages (pages set their own, with a nonce).
const DEFAULT_CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Refuses browser requests that change state when they come from another site.
pub async fn same_origin(State(allowed): State<AllowedOrigins>, request: Request, next: Next) -> Response {
    let changes_state = request.method() != Method::GET && request.method() != Method::HEAD
        || request.headers().contains_key(header::UPGRADE);
    if changes_state {
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            if !origin_allowed(origin, request.headers().get(header::HOST), &allowed) {
                tracing::warn!(origin = ?origin, path = %request.uri().path(), "refused a cross-site request");
                return (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response();
            }
        }
    }
    next.run(request).await
}

fn origin_allowed(origin: &HeaderValue, host: Option<&HeaderValue>, allowed: &AllowedOrigins) -> bool {
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.trim_end_matches('/');
    if allowed.0.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin)) {
        return true;
    }
    // The server's own origin: the one the browser addressed (any scheme; a proxy in front
    // may terminate TLS).
    let own_host = host.and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, own_host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Adds the security headers every response carries.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(DEFAULT_CSP));
    // Pages are rendered for one reader at one moment (who is signed in, the latest messages):
    // never kept, so going back after signing in (or after a search) shows the page as it is now
    // rather than the copy cached before.
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html {
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(origin: &str, host: &str, extra: &[&str]) -> bool {
        let extra = AllowedOrigins(Arc::new(extra.iter().map(|s| s.to_string()).collect()));
        origin_allowed(
            &HeaderValue::from_str(origin).unwrap(),
            Some(&HeaderValue::from_str(host).unwrap()),
            &extra,
        )
    }

    #[test]
    fn only_the_own_origin_and_configured_ones_pass() {
        assert!(allowed("http://127.0.0.1:3000", "127.0.0.1:3000", &[]));
        assert!(allowed("https://chat.example.org", "chat.example.org", &[]));
        assert!(!allowed("http://evil.example", "127.0.0.1:3000", &[]));
        assert!(!allowed("http://127.0.0.1:3001", "127.0.0.1:3000", &[]));
        assert!(!allowed("null", "127.0.0.1:3000", &[]));
        assert!(!allowed("http://chat.example.org.evil.example", "chat.example.org", &[]));
        assert!(allowed("https://app.example.org", "127.0.0.1:3000", &["https://app.example.org/"]));
    }
}
