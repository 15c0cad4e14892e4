//! The server address as typed (`http://host:3000`, `wss://chat.example`, `host:3000`) to the
//! URL of its live WebSocket.

/// The `ws://` or `wss://` URL of the live endpoint of `server`.
pub fn live_url(server: &str) -> Result<String, String> {
    let server = server.trim();
    let (scheme, rest) = match server.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("http".to_owned(), server),
    };
    let ws = match scheme.as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => return Err(crate::lang::tf("tui-url-scheme", &[("scheme", other.into())])),
    };
    // Only the host (and port) count: the live endpoint has a fixed path.
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(crate::lang::tf("tui-url-no-host", &[("server", (&format!("{server:?}")).into())]));
    }
    Ok(format!("{ws}://{host}{}", protocol::LIVE_PATH))
}

/// The `http://` or `https://` origin of the server whose live endpoint is `live` (a URL from
/// [`live_url`]): where its files download from and uploads go.
pub fn http_base(live: &str) -> String {
    let (scheme, rest) = live.split_once("://").unwrap_or(("ws", live));
    let http = if scheme.eq_ignore_ascii_case("wss") { "https" } else { "http" };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{http}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_form_maps_to_the_live_endpoint() {
        assert_eq!(live_url("http://127.0.0.1:3000").unwrap(), "ws://127.0.0.1:3000/api/live");
        assert_eq!(live_url("https://chat.example/r/general").unwrap(), "wss://chat.example/api/live");
        assert_eq!(live_url("ws://h:1/api/live").unwrap(), "ws://h:1/api/live");
        assert_eq!(live_url("WSS://h").unwrap(), "wss://h/api/live");
        assert_eq!(live_url("localhost:3000").unwrap(), "ws://localhost:3000/api/live");
        assert!(live_url("ftp://h").is_err());
        assert!(live_url("http://").is_err());
    }

    #[test]
    fn files_are_on_the_http_origin_of_the_live_endpoint() {
        assert_eq!(http_base("ws://127.0.0.1:3000/api/live"), "http://127.0.0.1:3000");
        assert_eq!(http_base("wss://chat.example/api/live"), "https://chat.example");
        let live = live_url("https://chat.example:8443/r/general").unwrap();
        assert_eq!(http_base(&live), "https://chat.example:8443");
    }
}
