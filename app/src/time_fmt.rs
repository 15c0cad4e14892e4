//! Message times. The server renders UTC (it cannot know the reader's zone); once the app
//! runs in the browser it shows the reader's local time, written as the interface's language
//! writes times.

use time::{macros::format_description, OffsetDateTime};

fn utc(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).ok()
}

/// Machine-readable time for `<time datetime>`.
pub fn iso(ms: i64) -> String {
    utc(ms)
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).ok())
        .unwrap_or_default()
}

/// "14:05 UTC": what the server can say.
pub fn utc_clock(ms: i64) -> String {
    utc(ms).and_then(|t| t.format(format_description!("[hour]:[minute] UTC")).ok()).unwrap_or_default()
}

/// The time in the reader's zone, as the interface's language writes it (browser only).
#[cfg(feature = "hydrate")]
pub fn local_clock(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    date.to_locale_time_string_with_options(crate::lang::locale().tag(), &options).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc_clock(1_700_000_000_000), "22:13 UTC");
    }
}
