//! `/emoji.json`: every emoji the reaction picker offers, with the words it is found by, in
//! Unicode's order. Built once per language from the `emojis` crate (gemoji's names and short
//! codes, MIT/Apache-2.0; the same list the engine accepts reactions from) and, for Russian,
//! Portuguese and Chinese, Unicode CLDR's names and keywords (`server/data/emoji`, written by
//! `scripts/emoji-names.py`; Unicode License v3). `?lang=ru` (a tag of `i18n::Locale`) picks
//! the language; anything else is English.
//!
//! Each entry is `[emoji, name, words]`: the name in the language (English where CLDR has
//! none), and the words to search by: the short codes, the English name, and the language's
//! keywords, so an emoji is found in either language.

use axum::extract::Query;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use i18n::Locale;
use std::collections::HashMap;
use std::sync::OnceLock;

/// CLDR's names and keywords of each language but English: `emoji<TAB>name<TAB>words`.
fn cldr(locale: Locale) -> Option<&'static str> {
    match locale {
        Locale::En => None,
        Locale::Ru => Some(include_str!("../data/emoji/ru.tsv")),
        Locale::PtBr => Some(include_str!("../data/emoji/pt-BR.tsv")),
        Locale::ZhCn => Some(include_str!("../data/emoji/zh-CN.tsv")),
    }
}

/// The list in `locale`, as JSON.
fn list(locale: Locale) -> String {
    let names: HashMap<&str, (&str, &str)> = cldr(locale)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            Some((parts.next()?, (parts.next()?, parts.next().unwrap_or_default())))
        })
        .collect();
    let entries: Vec<(&str, String, Vec<String>)> = emojis::iter()
        .map(|e| {
            let mut words: Vec<String> = e.shortcodes().map(str::to_owned).collect();
            // CLDR writes emoji without the emoji presentation selector.
            let name = match names.get(e.as_str().replace('\u{fe0f}', "").as_str()) {
                Some((name, keywords)) => {
                    words.push(e.name().to_owned());
                    let lower = name.to_lowercase();
                    if lower != *name {
                        words.push(lower);
                    }
                    words.extend(keywords.split(' ').filter(|w| !w.is_empty()).map(str::to_owned));
                    (*name).to_owned()
                }
                None => e.name().to_owned(),
            };
            (e.as_str(), name, words)
        })
        .collect();
    serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned())
}

/// Each language's list, built the first time it is asked for.
static LISTS: [OnceLock<String>; Locale::ALL.len()] = [const { OnceLock::new() }; Locale::ALL.len()];

fn listed(locale: Locale) -> &'static str {
    let at = Locale::ALL.iter().position(|&l| l == locale).unwrap_or(0);
    LISTS[at].get_or_init(|| list(locale))
}

#[derive(serde::Deserialize)]
struct Asked {
    lang: Option<String>,
}

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(
        "/emoji.json",
        get(|Query(asked): Query<Asked>| async move {
            let locale = asked.lang.as_deref().and_then(Locale::from_tag).unwrap_or(Locale::En);
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    // The list changes only with a new release.
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                listed(locale),
            )
                .into_response()
        }),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_names_every_emoji() {
        let list: Vec<(String, String, Vec<String>)> =
            serde_json::from_str(super::listed(super::Locale::En)).unwrap();
        assert!(list.len() > 1500, "{}", list.len());
        let thumbs = list.iter().find(|(e, _, _)| e == "👍").unwrap();
        assert_eq!(thumbs.1, "thumbs up");
        assert!(thumbs.2.iter().any(|c| c == "+1"));
    }

    #[test]
    fn each_language_names_every_emoji_and_finds_it_by_its_english_words_too() {
        use super::{listed, Locale};
        let english: Vec<(String, String, Vec<String>)> = serde_json::from_str(listed(Locale::En)).unwrap();
        for (locale, thumbs, heart) in [
            (Locale::Ru, "большой палец вверх", "сердце"),
            (Locale::PtBr, "polegar para cima", "coração"),
            (Locale::ZhCn, "拇指向上", "爱"),
        ] {
            let list: Vec<(String, String, Vec<String>)> = serde_json::from_str(listed(locale)).unwrap();
            assert_eq!(list.len(), english.len(), "{locale:?}");
            let up = list.iter().find(|(e, _, _)| e == "👍").unwrap();
            assert_eq!(up.1, thumbs, "{locale:?}");
            assert!(up.2.iter().any(|w| w == "thumbs up") && up.2.iter().any(|w| w == "+1"), "{up:?}");
            // ❤️ carries U+FE0F; CLDR writes it without.
            let red = list.iter().find(|(e, _, _)| e == "\u{2764}\u{fe0f}").unwrap();
            assert!(red.1 != "red heart" && red.2.iter().any(|w| w.contains(heart)), "{red:?}");
            // Nearly every emoji has a name in the language.
            let named = list.iter().zip(&english).filter(|(l, e)| l.1 != e.1).count();
            assert!(named * 100 >= list.len() * 95, "{locale:?}: {named} of {}", list.len());
        }
    }
}
