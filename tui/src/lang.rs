//! The language of the terminal client: `NATTER_LANG` if it is set, else the POSIX locale
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set wins, as for every program), read once
//! at start ([`init`], [`Locale::from_env`]). The texts are the `i18n` crate's catalogues
//! (`tui-…` keys in `tui.ftl`, plus the shared `error-<code>` and `cli-…` ones); [`t`] and
//! [`tf`] look one up in that language. Outside it stays what scripts read: plain mode's
//! standard output.

pub use i18n::{Arg, Locale};
use std::sync::OnceLock;

static LOCALE: OnceLock<Locale> = OnceLock::new();

/// Picks the language from the environment; called once, first thing in `main`.
pub fn init() -> Locale {
    *LOCALE.get_or_init(|| Locale::from_env(|name| std::env::var(name).ok()))
}

/// The language of the texts.
pub fn locale() -> Locale {
    #[cfg(test)]
    if let Some(locale) = TEST_LOCALE.with(std::cell::Cell::get) {
        return locale;
    }
    LOCALE.get().copied().unwrap_or_default()
}

/// The text `id`.
pub fn t(id: &str) -> String {
    i18n::text(locale(), id)
}

/// The text `id` with its variables.
pub fn tf(id: &str, args: &[(&str, Arg)]) -> String {
    i18n::format(locale(), id, args)
}

/// What the server refused and why, for a live error's `code`, in the reader's language
/// ([`i18n::error_text`]: the same texts the browser shows).
pub fn error_text(code: protocol::ErrorCode, server_message: &str) -> String {
    i18n::error_text(locale(), code, server_message)
}

/// [`error_text`] for a rule the input broke (checked here before anything is sent).
pub fn invalid_text(invalid: &protocol::Invalid) -> String {
    i18n::invalid_text(locale(), invalid)
}

#[cfg(test)]
thread_local! {
    /// A test's language (each test runs on a thread of its own): the process-wide one is
    /// never set in tests, so they read English unless they ask.
    static TEST_LOCALE: std::cell::Cell<Option<Locale>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with the texts in `locale` (on this thread).
#[cfg(test)]
pub fn with_locale<R>(locale: Locale, f: impl FnOnce() -> R) -> R {
    let before = TEST_LOCALE.with(|l| l.replace(Some(locale)));
    let out = f();
    TEST_LOCALE.with(|l| l.set(before));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_the_servers_english_and_are_translated_by_code() {
        let code = protocol::ErrorCode::WrongPassword;
        assert_eq!(error_text(code, "Wrong password (server)."), "Wrong password (server).");
        assert_eq!(error_text(code, ""), "Wrong password for that nickname.");
        let ru = with_locale(Locale::Ru, || error_text(code, "Wrong password (server)."));
        assert_eq!(ru, i18n::text(Locale::Ru, "error-wrong-password"));
        let long = with_locale(Locale::Ru, || error_text(protocol::ErrorCode::MessageTooLong, "x"));
        assert!(long.contains("4000"), "{long}");
        assert_eq!(locale(), Locale::En, "back after with_locale");
    }
}
