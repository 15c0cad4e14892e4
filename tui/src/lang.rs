//! The language of the terminal client: `NATTER_LANG` if it is set, else the POSIX locale
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set wins, as for every program), read once
//! at start ([`init`]). The texts are the `i18n` crate's catalogues (`tui-…` keys in
//! `tui.ftl`, plus the shared `error-<code>` ones); [`t`] and [`tf`] look one up in that
//! language. Outside it stay what scripts read: plain mode's standard output, and `--help`.

pub use i18n::{Arg, Locale};
use std::sync::OnceLock;

static LOCALE: OnceLock<Locale> = OnceLock::new();

/// Picks the language from the environment; called once, first thing in `main`.
pub fn init() -> Locale {
    *LOCALE.get_or_init(|| from_env(|name| std::env::var(name).ok()))
}

/// The language `var` (an environment lookup) asks for: `NATTER_LANG` (a tag such as `ru`
/// or `pt-BR`, or a locale name such as `ru_RU.UTF-8`), else the first of `LC_ALL`,
/// `LC_MESSAGES` and `LANG` that is set and not empty. English when that is `C`, `POSIX` or
/// a language Natter does not speak.
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Locale {
    ["NATTER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|name| var(name).filter(|value| !value.trim().is_empty()))
        .map_or_else(Locale::default, |value| from_posix(&value))
}

/// The language of a POSIX locale name (`language[_territory][.codeset][@modifier]`) or a
/// BCP 47 tag.
pub fn from_posix(value: &str) -> Locale {
    let name = value.trim().split(['.', '@']).next().unwrap_or_default();
    if name.is_empty() || name == "C" || name == "POSIX" {
        return Locale::En;
    }
    Locale::from_tag(name).unwrap_or_default()
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
    use std::collections::HashMap;

    fn pick(vars: &[(&str, &str)]) -> Locale {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        from_env(|name| vars.get(name).cloned())
    }

    #[test]
    fn posix_locale_names_give_their_language() {
        assert_eq!(from_posix("ru_RU.UTF-8"), Locale::Ru);
        assert_eq!(from_posix("pt_BR.utf8"), Locale::PtBr);
        assert_eq!(from_posix("pt_PT@euro"), Locale::PtBr, "the nearest there is");
        assert_eq!(from_posix("zh_CN.GB18030"), Locale::ZhCn);
        assert_eq!(from_posix("zh_TW.UTF-8"), Locale::ZhCn);
        assert_eq!(from_posix("en_GB.UTF-8"), Locale::En);
        assert_eq!(from_posix("ru"), Locale::Ru);
        assert_eq!(from_posix("pt-BR"), Locale::PtBr);
        assert_eq!(from_posix("sr_RS@latin"), Locale::En, "not one of ours");
        for english in ["C", "C.UTF-8", "POSIX", "", " ", "de_DE.UTF-8"] {
            assert_eq!(from_posix(english), Locale::En, "{english:?}");
        }
    }

    #[test]
    fn natter_lang_then_lc_all_then_lc_messages_then_lang() {
        assert_eq!(pick(&[]), Locale::En);
        assert_eq!(pick(&[("LANG", "ru_RU.UTF-8")]), Locale::Ru);
        assert_eq!(pick(&[("LANG", "ru_RU.UTF-8"), ("LC_MESSAGES", "pt_BR.UTF-8")]), Locale::PtBr);
        assert_eq!(
            pick(&[("LANG", "ru_RU.UTF-8"), ("LC_MESSAGES", "pt_BR.UTF-8"), ("LC_ALL", "zh_CN.UTF-8")]),
            Locale::ZhCn
        );
        assert_eq!(pick(&[("LC_ALL", "zh_CN.UTF-8"), ("NATTER_LANG", "ru")]), Locale::Ru);
        // The first one set decides, even if it is a language Natter does not speak.
        assert_eq!(pick(&[("LC_ALL", "C"), ("LANG", "ru_RU.UTF-8")]), Locale::En);
        assert_eq!(pick(&[("LC_ALL", "de_DE.UTF-8"), ("LANG", "ru_RU.UTF-8")]), Locale::En);
        // Empty counts as not set.
        assert_eq!(pick(&[("LC_ALL", ""), ("NATTER_LANG", ""), ("LANG", "pt_BR.UTF-8")]), Locale::PtBr);
        assert_eq!(pick(&[("NATTER_LANG", "en"), ("LANG", "ru_RU.UTF-8")]), Locale::En);
    }

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
