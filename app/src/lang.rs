//! The reader's language. The server picks it for each page (the `natter_lang` cookie if the
//! reader chose one, else their browser's `Accept-Language`) and writes it into
//! `<html lang>`; the browser's app reads it back from there, so the page hydrates in the
//! language it was rendered in. The texts are the `i18n` crate's catalogues (in the browser,
//! the one the page carries: [`Catalogue`]); [`t`] and [`tf`] look one up in the current
//! language. Changing the language ([`LanguageForm`]) is a plain
//! form that sets the cookie and reloads the page, so it works without JavaScript too.

pub use i18n::{Arg, Locale};
use leptos::prelude::*;

/// The language of what is being rendered.
pub fn locale() -> Locale {
    #[cfg(feature = "hydrate")]
    {
        browser_locale()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<Locale>().unwrap_or_else(request_locale)
    }
}

/// The text `id` in the current language.
pub fn t(id: &str) -> String {
    i18n::text(locale(), id)
}

/// The text `id` in the current language, with its variables.
pub fn tf(id: &str, args: &[(&str, Arg)]) -> String {
    i18n::format(locale(), id, args)
}

/// A number as the current language writes it.
pub fn number(n: impl Into<i64>) -> String {
    i18n::number(locale(), n.into())
}

/// A file's size as the current language writes it.
pub fn size(bytes: u64) -> String {
    i18n::size(locale(), bytes)
}

/// The language the reader asked for in this request (server side): their choice, else their
/// browser's.
#[cfg(not(feature = "hydrate"))]
pub fn request_locale() -> Locale {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return from_headers(&parts.headers);
    }
    Locale::default()
}

/// The language for a request's headers: the `natter_lang` cookie, else `Accept-Language`.
#[cfg(feature = "ssr")]
pub fn from_headers(headers: &http::HeaderMap) -> Locale {
    crate::prefs::cookie(headers, i18n::COOKIE).and_then(Locale::from_tag).unwrap_or_else(|| {
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or_else(Locale::default, Locale::negotiate)
    })
}

/// The language the page was rendered in (`<html lang>`), read once, when its texts are
/// installed too.
#[cfg(feature = "hydrate")]
fn browser_locale() -> Locale {
    use std::sync::atomic::{AtomicU8, Ordering};
    static CACHED: AtomicU8 = AtomicU8::new(u8::MAX);
    let cached = CACHED.load(Ordering::Relaxed);
    if let Some(locale) = Locale::ALL.get(cached as usize) {
        return *locale;
    }
    let document = web_sys::window().and_then(|w| w.document());
    let locale = document
        .as_ref()
        .and_then(|d| d.document_element())
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or_default();
    // The page's texts, which the server wrote beside it ([`Catalogue`]).
    if let Some(text) = document.and_then(|d| d.get_element_by_id(CATALOGUE)).and_then(|e| e.text_content()) {
        i18n::install(locale, &text);
    }
    let index = Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0);
    CACHED.store(index as u8, Ordering::Relaxed);
    locale
}

/// The id of the element that carries the page's texts.
const CATALOGUE: &str = "catalogue";

/// The texts of the page's language, for the browser's app ([`i18n::page_catalogue`]): a
/// `<script>` element that is data, not code (its type is not JavaScript's), read back by
/// [`browser_locale`] before the first text is looked up. It carries the page's nonce like
/// every script of the page, although no browser runs it.
#[component]
pub fn Catalogue(locale: Locale) -> impl IntoView {
    view! {
        <script type="text/x-fluent" id=CATALOGUE nonce=leptos::nonce::use_nonce()
            inner_html=i18n::page_catalogue(locale)></script>
    }
}

/// Sets the reader's language (the `natter_lang` cookie, a year) and goes back to `back`
/// (a path of this site), where the page renders in it. Called by [`LanguageForm`]'s plain
/// form, with or without JavaScript.
#[server(prefix = "/api", endpoint = "language")]
pub async fn set_language(
    lang: String,
    #[server(default)] back: Option<String>,
) -> Result<(), crate::api::AppError> {
    let locale = Locale::from_tag(&lang)
        .filter(|l| l.tag().eq_ignore_ascii_case(lang.trim()))
        .ok_or_else(|| crate::api::AppError::Refused(t("language-unknown")))?;
    crate::prefs::remember_and_go_back(i18n::COOKIE, Some(locale.tag()), back);
    Ok(())
}

/// The language menu: a plain form (a select and a button), so choosing needs no
/// JavaScript and changes nothing until the reader asks (WCAG 3.2.2).
#[component]
pub fn LanguageForm() -> impl IntoView {
    let current = locale();
    let path = leptos_router::hooks::use_location().pathname;
    let options = Locale::ALL.map(|l| {
        view! { <option value=l.tag() selected=l == current lang=l.tag()>{l.name()}</option> }
    });
    view! {
        <form class="language" method="post" action="/api/language">
            <label for="language">{t("language")}</label>
            <select id="language" name="lang">{options}</select>
            <input type="hidden" name="back" value=move || path.get()/>
            <button type="submit">{t("language-change")}</button>
        </form>
    }
}
