//! The reader's colour theme: the system's (`prefers-color-scheme`) unless they chose light or
//! dark. The choice is the `natter_theme` cookie; the server writes it into
//! `<html data-theme>`, which the stylesheet follows, and the browser's app reads it back from
//! there. Choosing is a plain form ([`ThemeForm`]), so it works without JavaScript.

use crate::lang::t;
use leptos::prelude::*;

#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
const COOKIE: &str = "natter_theme";

/// A theme the reader chose; `None` follows the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    #[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
    fn parse(name: &str) -> Option<Theme> {
        match name.trim() {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// The theme of the page being rendered (server: the request's cookie; browser: the page's
/// `<html data-theme>`).
pub fn current() -> Option<Theme> {
    #[cfg(feature = "hydrate")]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("data-theme"))
            .and_then(|t| Theme::parse(&t))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        #[cfg(feature = "ssr")]
        if let Some(parts) = use_context::<http::request::Parts>() {
            return crate::prefs::cookie(&parts.headers, COOKIE).and_then(Theme::parse);
        }
        None
    }
}

/// Sets the reader's theme (`light`, `dark`, or `system` to follow the system again) and goes
/// back to `back` (a path of this site).
#[server(prefix = "/api", endpoint = "theme")]
pub async fn set_theme(
    theme: String,
    #[server(default)] back: Option<String>,
) -> Result<(), crate::api::AppError> {
    let chosen = match Theme::parse(&theme) {
        Some(theme) => Some(theme.name()),
        None if theme.trim() == "system" => None,
        None => return Err(crate::api::AppError::Refused(t("theme-unknown"))),
    };
    crate::prefs::remember_and_go_back(COOKIE, chosen, back);
    Ok(())
}

/// The theme menu: a select and a button, like the language menu.
#[component]
pub fn ThemeForm() -> impl IntoView {
    let chosen = current();
    let path = leptos_router::hooks::use_location().pathname;
    let options = [
        ("system", None, "theme-system"),
        ("light", Some(Theme::Light), "theme-light"),
        ("dark", Some(Theme::Dark), "theme-dark"),
    ]
    .map(|(value, theme, label)| view! { <option value=value selected=theme == chosen>{t(label)}</option> });
    view! {
        <form class="language theme" method="post" action="/api/theme">
            <label for="theme">{t("theme")}</label>
            <select id="theme" name="theme">{options}</select>
            <input type="hidden" name="back" value=move || path.get()/>
            <button type="submit">{t("theme-change")}</button>
        </form>
    }
}
