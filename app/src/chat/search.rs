//! Searching messages: the field in the room header, and `/search?q=…`, the page of results
//! (newest first, the matching words marked; each links to the message in its room). A plain
//! GET form and a page rendered on the server only (no WASM needed or loaded), so it works the
//! same with and without JavaScript.

use crate::lang::t;
use leptos::prelude::*;

/// The search field, labelled "Search messages".
#[component]
pub fn SearchField(#[prop(optional)] value: String) -> AnyView {
    view! {
        // A plain form: the results are a page of their own, rendered on the server.
        <form method="get" action="/search" class="search" role="search">
            <label for="search-q" class="visually-hidden">{t("search-field")}</label>
            <input type="search" id="search-q" name="q" placeholder=t("search-field") value=value
                maxlength=protocol::MAX_QUERY_CHARS enterkeyhint="search"/>
        </form>
    }
    .into_any()
}

#[cfg(feature = "ssr")]
pub use results::SearchResults;

#[cfg(feature = "ssr")]
mod results {
    use super::SearchField;
    use super::{encode, marked};
    use crate::api::{search, AppError, SearchPage};
    use crate::lang::{t, tf};
    use crate::palette::name_style;
    use crate::time_fmt;
    use leptos::prelude::*;
    use leptos_router::hooks::use_query_map;
    use protocol::SearchHit;

    #[component]
    pub fn SearchResults() -> AnyView {
        let query = use_query_map();
        let q = move || query.read().get("q").unwrap_or_default();
        let before = move || query.read().get("before");
        let results =
            crate::page_data::resource(move || (q(), before()), |(q, before)| search(q, None, before));
        view! {
            <main class="search-page">
                <header class="search-header">
                    <a href="/" class="back">{t("search-back")}</a>
                    <h1>{t("search-heading")}</h1>
                    <SearchField value=q()/>
                </header>
                <Transition fallback=|| view! { <p class="loading">{t("search-searching")}</p> }>
                    {move || Suspend::new(async move {
                        match results.await {
                            Ok(page) => view! { <Hits page/> }.into_any(),
                            Err(AppError::Refused(reason)) => view! { <p class="notice">{reason}</p> }.into_any(),
                            Err(error) => view! { <p role="alert" class="notice">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </main>
        }
        .into_any()
    }

    #[component]
    fn Hits(page: SearchPage) -> AnyView {
        let count = page.hits.len();
        let args = [("count", count.into()), ("query", (&page.query).into())];
        // More than a page: these are the latest of them.
        let summary = if count > 1 && page.next.is_some() {
            tf("search-summary-latest", &args)
        } else {
            tf("search-summary", &args)
        };
        let more = page.next.clone().map(|next| {
            let href = format!("/search?q={}&before={next}", encode(&page.query));
            view! { <a class="older-results" href=href>{t("search-older")}</a> }
        });
        view! {
            <p class="summary" role="status">{summary}</p>
            <ol class="hits" aria-label=t("search-results")>
                {page.hits.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
            </ol>
            {more}
        }
        .into_any()
    }

    #[component]
    fn Hit(hit: SearchHit) -> AnyView {
        let message = hit.message;
        let href = format!("/r/{}?at={}#m{}", message.room, message.seq, message.seq);
        let parts = marked(&message.text, &hit.highlights);
        view! {
            <li class="hit">
                <a href=href class="hit-link">
                    <span class="hit-room">"#" {message.room.clone()}</span>
                    <span class="author" style=name_style(&message.author)>{message.author.clone()}</span>
                    <time datetime=time_fmt::iso(message.sent_at)>{time_fmt::utc_clock(message.sent_at)}</time>
                    <span class="text" dir="auto" lang=message.lang.clone()>
                        {parts.into_iter().map(|(text, hit)| if hit {
                            view! { <mark>{text}</mark> }.into_any()
                        } else {
                            text.into_any()
                        }).collect_view()}
                    </span>
                </a>
            </li>
        }
        .into_any()
    }
}

/// `text` cut at the highlighted byte ranges: (piece, highlighted).
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) fn marked(text: &str, ranges: &[[u32; 2]]) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut at = 0;
    for [start, end] in ranges.iter().map(|r| [r[0] as usize, r[1] as usize]) {
        if start < at
            || end > text.len()
            || start >= end
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            parts.push((text[at..start].to_owned(), false));
        }
        parts.push((text[start..end].to_owned(), true));
        at = end;
    }
    if at < text.len() {
        parts.push((text[at..].to_owned(), false));
    }
    parts
}

/// `text` for a URL's query.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_cut_the_text_and_bad_ranges_are_skipped() {
        assert_eq!(
            marked("собака спит", &[[0, 12]]),
            [("собака".to_owned(), true), (" спит".to_owned(), false)]
        );
        assert_eq!(
            marked("abc", &[[1, 2], [0, 9], [2, 1]]),
            [("a".into(), false), ("b".into(), true), ("c".into(), false)]
        );
        assert_eq!(encode("天气 ok"), "%E5%A4%A9%E6%B0%94%20ok");
    }
}
