//! How a page's data loaded on the server (its `Resource`s) travels in the HTML to the
//! browser: JSON, as Leptos' default codec writes it, but read from bytes.
//!
//! Every other JSON the browser reads (the live events, server functions' answers) is read
//! with `serde_json::from_slice`; Leptos' default resource codec reads with `from_str`, a
//! second reader type that put a second copy of the decoder of every type a page loads
//! (the room, its messages, search hits) in the WASM. One reader, one copy.

use leptos::server::codee::{Decoder, Encoder};
use leptos::server::Resource;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON written as a string, read from its bytes.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// `Resource::new`, with the page's data in [`Json`].
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::Json;
    use leptos::server::codee::{Decoder, Encoder};

    #[test]
    fn round_trips_as_json() {
        let value: Result<Vec<String>, String> = Ok(vec!["привет".into(), "\"quoted\"".into()]);
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        assert_eq!(text, serde_json::to_string(&value).unwrap());
        let back: Result<Vec<String>, String> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(<Json as Decoder<Vec<String>>>::decode("[1,").is_err());
    }
}
