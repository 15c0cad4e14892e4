//! Natter's interface in four languages. The texts live in Project Fluent catalogues
//! (`locales/{tag}/*.ftl`, embedded at build time), one set per [`Locale`]; this crate picks
//! the reader's locale from what the browser asks for (`Accept-Language`) or what they chose,
//! and formats a text with its variables. Plural forms follow CLDR's rules through Fluent
//! ("1 сообщение, 2 сообщения, 5 сообщений"), and numbers shown in a text are grouped the way
//! the language writes them. A text missing from a catalogue falls back to English (a test
//! keeps every catalogue complete), and one missing from English shows its id.
//!
//! Used by the server (rendering pages, translating errors) and by the browser's app alike.
//! The browser's build embeds no catalogue: each page brings its own language's
//! ([`page_catalogue`], [`install`]).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

#[cfg(feature = "cli")]
pub mod cli;
mod shared;
pub use shared::{english_or, error_text, invalid_text, presence};

mod catalogues {
    include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));
}

/// The languages of the interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    #[default]
    En,
    Ru,
    PtBr,
    ZhCn,
}

/// The cookie that remembers a reader's choice (the tag of a [`Locale`]).
pub const COOKIE: &str = "natter_lang";

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::En, Locale::Ru, Locale::PtBr, Locale::ZhCn];

    /// The BCP 47 tag, as in `<html lang>` and the catalogue's directory.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
            Locale::PtBr => "pt-BR",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself, as a language menu lists it.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ru => "Русский",
            Locale::PtBr => "Português (Brasil)",
            Locale::ZhCn => "中文（简体）",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The locale for a language tag, matched by its language: `pt-PT` gets Brazilian
    /// Portuguese and `zh-TW` Simplified Chinese, the nearest there is. Case and `_` or `-`
    /// do not matter.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Locale::En),
            "ru" => Some(Locale::Ru),
            "pt" => Some(Locale::PtBr),
            "zh" => Some(Locale::ZhCn),
            _ => None,
        }
    }

    /// The best locale for an `Accept-Language` header (RFC 9110: tags with optional
    /// `q` weights, the highest first, equal weights in their order); English when none of
    /// them is one of ours.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut wanted: Vec<(u16, usize, &str)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(order, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let mut weight = 1000u16;
                for parameter in parts {
                    if let Some(q) =
                        parameter.trim().strip_prefix("q=").or_else(|| parameter.trim().strip_prefix("Q="))
                    {
                        weight = q
                            .trim()
                            .parse::<f32>()
                            .map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16);
                    }
                }
                (weight > 0 && !tag.is_empty()).then_some((weight, order, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted.iter().find_map(|(_, _, tag)| Locale::from_tag(tag)).unwrap_or_default()
    }

    /// The language a native program (the server, the terminal client) speaks, from its
    /// environment (`var` looks a variable up): `NATTER_LANG` (a tag such as `ru` or `pt-BR`,
    /// or a locale name such as `ru_RU.UTF-8`), else the first of `LC_ALL`, `LC_MESSAGES` and
    /// `LANG` that is set and not empty, as for every POSIX program. English when that is `C`,
    /// `POSIX` or a language Natter does not speak.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Locale {
        ["NATTER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|value| !value.trim().is_empty()))
            .map_or_else(Locale::default, |value| Locale::from_posix(&value))
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
}

/// A value for a text's variable: a string, or a number (which also picks plural forms).
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(s)
    }
}

macro_rules! numeric_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Num(n as i64)
            }
        }
    )*};
}
numeric_arg!(i32, i64, u32, u64, usize);

type Bundle = FluentBundle<FluentResource>;

/// The bundles, parsed on first use (each locale's files on its own first use), or set by
/// [`install`].
static BUNDLES: [OnceLock<Bundle>; 4] = [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];

fn bundle(locale: Locale) -> &'static Bundle {
    BUNDLES[locale.index()].get_or_init(|| {
        build(
            locale,
            catalogues::FILES.iter().filter(|(tag, _, _)| *tag == locale.tag()).map(|(_, _, text)| *text),
        )
    })
}

/// The texts a page shows in `locale`, as one Fluent file: its catalogues but those only the
/// native programs read. The server writes it into the page (a `<script>` element the build
/// checks it can sit in); the browser's app reads it back and [`install`]s it, so its WASM
/// embeds no catalogue and a page carries the one language it is in.
pub fn page_catalogue(locale: Locale) -> &'static str {
    static PAGES: [OnceLock<String>; 4] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
    PAGES[locale.index()].get_or_init(|| {
        let mut out = String::new();
        for (_, name, text) in catalogues::FILES.iter().filter(|(tag, _, _)| *tag == locale.tag()) {
            if !catalogues::NATIVE_ONLY.contains(name) {
                out.push_str(text);
                if !text.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out
    })
}

/// Gives `locale` the catalogue `text` (a [`page_catalogue`]), as the browser's app does with
/// the page's before its first text; its build embeds none, so every other language has no
/// texts there and shows ids. False if `locale`'s texts were already in use.
pub fn install(locale: Locale, text: &str) -> bool {
    BUNDLES[locale.index()].set(build(locale, [text])).is_ok()
}

fn build<'a>(locale: Locale, texts: impl IntoIterator<Item = &'a str>) -> Bundle {
    let id: unic_langid::LanguageIdentifier = locale.tag().parse().expect("a valid tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around variables: all four languages run left to right,
    // and the marks would end up in copied text and accessible names.
    bundle.set_use_isolating(false);
    // (A formatter is a plain function: one per locale, each naming its own.)
    bundle.set_formatter(Some(match locale {
        Locale::En => |v, _| group(v, Locale::En),
        Locale::Ru => |v, _| group(v, Locale::Ru),
        Locale::PtBr => |v, _| group(v, Locale::PtBr),
        Locale::ZhCn => |v, _| group(v, Locale::ZhCn),
    }));
    for text in texts {
        // What parsed is still used if a file has an error; the test suite fails on any.
        let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(resource, _)| resource);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// A whole number in a text, as [`number`] writes it.
fn group(value: &FluentValue, locale: Locale) -> Option<String> {
    let FluentValue::Number(number) = value else { return None };
    let n = number.value;
    if n.fract() != 0.0 || n.abs() >= 1e15 {
        return None;
    }
    Some(self::number(locale, n as i64))
}

fn grouped(n: i64, separator: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len() + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

/// A number as `locale` writes it in running text: from five digits on grouped by thousands
/// (`12,345`, `12 345`, `12.345`). Four-digit numbers are left bare in all four languages, as
/// Russian typography writes them (2026, 1500), which reads naturally in the other three too.
pub fn number(locale: Locale, n: i64) -> String {
    let separator = match locale {
        Locale::En | Locale::ZhCn => ",",
        Locale::Ru => "\u{a0}",
        Locale::PtBr => ".",
    };
    if n.abs() < 10_000 {
        n.to_string()
    } else {
        grouped(n, separator)
    }
}

/// A file's size as `locale` writes it ([`protocol::size_parts`] for the value, the
/// catalogue's `size-*` texts for the unit and the plural of bytes): "2.5 KB", "2,5 МБ",
/// "512 байт", "1,2 MB", "26 MB". English says it as the server's sentences do.
pub fn size(locale: Locale, bytes: u64) -> String {
    const UNITS: [&str; protocol::SIZE_UNITS] = ["size-kb", "size-mb", "size-gb", "size-tb", "size-pb"];
    let parts = protocol::size_parts(bytes);
    if parts.unit == 0 {
        return format(locale, "size-bytes", &[("n", Arg::Num(parts.whole as i64))]);
    }
    let mut value = parts.whole.to_string();
    if let Some(tenth) = parts.tenth {
        value.push(decimal_separator(locale));
        value.push(char::from(b'0' + tenth));
    }
    format(locale, UNITS[parts.unit - 1], &[("value", Arg::Str(&value))])
}

/// What separates a number's whole part from its decimals in `locale`.
pub fn decimal_separator(locale: Locale) -> char {
    match locale {
        Locale::En | Locale::ZhCn => '.',
        Locale::Ru | Locale::PtBr => ',',
    }
}

/// The text `id` in `locale`.
pub fn text(locale: Locale, id: &str) -> String {
    format(locale, id, &[])
}

/// The text `id` in `locale` with its variables. Falls back to English, then to the id.
pub fn format(locale: Locale, id: &str, args: &[(&str, Arg)]) -> String {
    let fluent_args = (!args.is_empty()).then(|| {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            match value {
                Arg::Str(s) => fluent_args.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        fluent_args
    });
    for locale in [locale, Locale::En] {
        let bundle = bundle(locale);
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle.format_pattern(pattern, fluent_args.as_ref(), &mut errors).into_owned();
        }
    }
    id.to_owned()
}

/// Whether `locale`'s catalogue has the text `id` (without falling back).
pub fn has(locale: Locale, id: &str) -> bool {
    bundle(locale).has_message(id)
}

/// Every catalogue file: (locale tag, file name, contents), for the tests that check them.
pub fn files() -> &'static [(&'static str, &'static str, &'static str)] {
    catalogues::FILES
}

#[cfg(test)]
mod tests;
