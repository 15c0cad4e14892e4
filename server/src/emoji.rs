//! `/emoji.json`: every emoji the reaction picker offers, with the words it is found by
//! (its Unicode name, then its short codes), in Unicode's order. Built once from the `emojis`
//! crate (gemoji's names, MIT/Apache-2.0); the same list the engine accepts reactions from.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::LazyLock;

static LIST: LazyLock<String> = LazyLock::new(|| {
    let entries: Vec<(&str, &str, Vec<&str>)> =
        emojis::iter().map(|e| (e.as_str(), e.name(), e.shortcodes().collect())).collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned())
});

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(
        "/emoji.json",
        get(|| async {
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    // The list changes only with a new release.
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                LIST.as_str(),
            )
                .into_response()
        }),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_names_every_emoji() {
        let list: Vec<(String, String, Vec<String>)> = serde_json::from_str(&super::LIST).unwrap();
        assert!(list.len() > 1500, "{}", list.len());
        let thumbs = list.iter().find(|(e, _, _)| e == "👍").unwrap();
        assert_eq!(thumbs.1, "thumbs up");
        assert!(thumbs.2.iter().any(|c| c == "+1"));
    }
}
