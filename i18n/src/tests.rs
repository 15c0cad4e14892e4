//! The catalogues: complete in every language, free of syntax errors, and using the same
//! variables as English; negotiation, plurals and number formats.

use super::*;
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// Every message id of a locale with the variables it uses (attributes as `id.attribute`).
fn messages(tag: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (_, name, text) in files().iter().filter(|(t, _, _)| *t == tag) {
        let resource = fluent_syntax::parser::parse(*text)
            .unwrap_or_else(|(_, errors)| panic!("{tag}/{name} does not parse: {errors:?}"));
        for entry in resource.body {
            if let ast::Entry::Message(message) = entry {
                let id = message.id.name.to_owned();
                let mut variables = BTreeSet::new();
                if let Some(value) = &message.value {
                    pattern_variables(value, &mut variables);
                }
                for attribute in &message.attributes {
                    let mut attribute_variables = BTreeSet::new();
                    pattern_variables(&attribute.value, &mut attribute_variables);
                    out.insert(format!("{id}.{}", attribute.id.name), attribute_variables);
                }
                assert!(out.insert(id.clone(), variables).is_none(), "{tag}/{name}: {id} is defined twice");
            }
        }
    }
    out
}

fn pattern_variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                pattern_variables(&variant.value, out);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, out),
    }
}

fn inline_variables(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                inline_variables(argument, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_catalogue_has_every_text_with_the_same_variables() {
    let english = messages("en");
    assert!(english.len() > 50, "the English catalogue is nearly empty");
    let mut problems = Vec::new();
    for locale in Locale::ALL.into_iter().skip(1) {
        let theirs = messages(locale.tag());
        for (id, variables) in &english {
            match theirs.get(id) {
                None => problems.push(format!("{}: missing {id}", locale.tag())),
                Some(v) if v != variables => {
                    problems.push(format!("{}: {id} uses {v:?}, English uses {variables:?}", locale.tag()))
                }
                Some(_) => {}
            }
        }
        for id in theirs.keys().filter(|id| !english.contains_key(*id)) {
            problems.push(format!("{}: {id} is not in English", locale.tag()));
        }
    }
    assert!(problems.is_empty(), "the catalogues differ:\n{}", problems.join("\n"));
}

#[test]
fn every_catalogue_file_exists_in_every_language() {
    let names =
        |tag: &str| -> BTreeSet<&str> { files().iter().filter(|f| f.0 == tag).map(|f| f.1).collect() };
    for locale in Locale::ALL {
        assert_eq!(names(locale.tag()), names("en"), "{} has other files than en", locale.tag());
    }
}

#[test]
fn a_page_carries_its_language_s_browser_texts_and_only_those() {
    for locale in Locale::ALL {
        let page = page_catalogue(locale);
        let resource = fluent_syntax::parser::parse(page).unwrap_or_else(|(_, errors)| {
            panic!("{}'s page catalogue does not parse: {errors:?}", locale.tag())
        });
        let ids: BTreeSet<&str> = resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                ast::Entry::Message(message) => Some(message.id.name),
                _ => None,
            })
            .collect();
        for (tag, name, text) in files() {
            let wanted = *tag == locale.tag() && !catalogues::NATIVE_ONLY.contains(name);
            let file = fluent_syntax::parser::parse(*text).unwrap_or_else(|(resource, _)| resource);
            for entry in file.body {
                if let ast::Entry::Message(message) = entry {
                    // Ids are the same in every language: only the file's own ones count.
                    if *tag == locale.tag() {
                        assert_eq!(
                            ids.contains(message.id.name),
                            wanted,
                            "{tag}/{name}: {} in the page's texts",
                            message.id.name
                        );
                    }
                }
            }
        }
        // What the browser's app builds from it says the same as the embedded catalogue.
        let installed = build(locale, [page]);
        let pattern = installed.get_message("test-messages").and_then(|m| m.value()).expect("test-messages");
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(5));
        let mut errors = Vec::new();
        assert_eq!(
            installed.format_pattern(pattern, Some(&args), &mut errors),
            format(locale, "test-messages", &[("count", Arg::Num(5))])
        );
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn no_text_is_left_untranslated_by_accident() {
    // A text identical to English is allowed only where it is a name or a symbol.
    let english = messages("en");
    for locale in Locale::ALL.into_iter().skip(1) {
        let same: Vec<_> = english
            .keys()
            .filter(|id| !id.contains('.'))
            .filter(|id| {
                let ours = text(locale, id);
                ours == text(Locale::En, id)
                    && ours.chars().any(|c| c.is_ascii_alphabetic())
                    && !ours.contains("Natter")
            })
            .filter(|id| !SAME_IN_EVERY_LANGUAGE.contains(&id.as_str()))
            .cloned()
            .collect();
        assert!(same.is_empty(), "{} has English texts: {same:?}", locale.tag());
    }
}

/// Texts that are the same in every language (names, units, punctuation around variables).
const SAME_IN_EVERY_LANGUAGE: &[&str] = &[
    "brand",
    "language-name-en",
    "size-bytes",
    "size-kb",
    "size-mb",
    "size-gb",
    "size-tb",
    "size-pb",
    "cli-notes",
    "cli-notes-separator",
];

#[test]
fn negotiates_accept_language() {
    assert_eq!(Locale::negotiate(""), Locale::En);
    assert_eq!(Locale::negotiate("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"), Locale::Ru);
    assert_eq!(Locale::negotiate("pt-BR"), Locale::PtBr);
    assert_eq!(Locale::negotiate("pt-PT,pt;q=0.9"), Locale::PtBr);
    assert_eq!(Locale::negotiate("zh-CN,zh;q=0.9"), Locale::ZhCn);
    assert_eq!(Locale::negotiate("zh-Hans-CN"), Locale::ZhCn);
    assert_eq!(Locale::negotiate("de-DE,de;q=0.9,ru;q=0.5,en;q=0.4"), Locale::Ru);
    assert_eq!(Locale::negotiate("en;q=0.5, ru;q=0.8"), Locale::Ru);
    assert_eq!(Locale::negotiate("ru;q=0, en"), Locale::En);
    assert_eq!(Locale::negotiate("*"), Locale::En);
    assert_eq!(Locale::negotiate("fr, de"), Locale::En);
    assert_eq!(Locale::negotiate(" PT_br ; q=1.0"), Locale::PtBr);
}

#[test]
fn russian_plurals_follow_cldr() {
    let said = |n: i64| format(Locale::Ru, "test-messages", &[("count", n.into())]);
    assert_eq!(said(1), "1 сообщение");
    assert_eq!(said(2), "2 сообщения");
    assert_eq!(said(5), "5 сообщений");
    assert_eq!(said(11), "11 сообщений");
    assert_eq!(said(21), "21 сообщение");
    assert_eq!(said(22), "22 сообщения");
    assert_eq!(said(112), "112 сообщений");
    assert_eq!(said(10_001), "10\u{a0}001 сообщение");
}

#[test]
fn other_plurals_and_numbers() {
    let said = |locale, n: i64| format(locale, "test-messages", &[("count", n.into())]);
    assert_eq!(said(Locale::En, 1), "1 message");
    assert_eq!(said(Locale::En, 0), "0 messages");
    assert_eq!(said(Locale::En, 12_345), "12,345 messages");
    assert_eq!(said(Locale::PtBr, 0), "0 mensagem");
    assert_eq!(said(Locale::PtBr, 1), "1 mensagem");
    assert_eq!(said(Locale::PtBr, 2), "2 mensagens");
    assert_eq!(said(Locale::PtBr, 12_345), "12.345 mensagens");
    assert_eq!(said(Locale::ZhCn, 3), "3 条消息");
    assert_eq!(number(Locale::Ru, 1234), "1234");
    assert_eq!(number(Locale::Ru, 1_234_567), "1\u{a0}234\u{a0}567");
    assert_eq!(number(Locale::PtBr, -12_345), "-12.345");
}

#[test]
fn sizes_in_each_language() {
    // English says sizes as the server's own sentences do.
    for bytes in [0, 1, 2, 999, 1000, 2_500, 999_999, 26_214_400, 3_000_000_000, u64::MAX] {
        assert_eq!(size(Locale::En, bytes), protocol::human_size(bytes));
    }
    assert_eq!(size(Locale::Ru, 1), "1 байт");
    assert_eq!(size(Locale::Ru, 3), "3 байта");
    assert_eq!(size(Locale::Ru, 25), "25 байт");
    assert_eq!(size(Locale::Ru, 2_500), "2,5 КБ");
    assert_eq!(size(Locale::Ru, 26_214_400), "26 МБ");
    assert_eq!(size(Locale::PtBr, 2), "2 bytes");
    assert_eq!(size(Locale::PtBr, 1_234_567), "1,2 MB");
    assert_eq!(size(Locale::ZhCn, 512), "512 字节");
    assert_eq!(size(Locale::ZhCn, 1_234_567), "1.2 MB");
}

#[test]
fn falls_back_to_english_then_to_the_id() {
    assert_eq!(text(Locale::Ru, "no-such-text"), "no-such-text");
    assert!(has(Locale::En, "brand"));
}

#[test]
fn presence_lines_and_refusals_in_the_readers_language() {
    assert_eq!(presence(Locale::En, "ann", true), "ann joined");
    assert_eq!(presence(Locale::Ru, "ann", false), "ann выходит из комнаты");
    let code = protocol::ErrorCode::MessageTooLong;
    assert_eq!(error_text(Locale::En, code, "Too long, sorry."), "Too long, sorry.");
    let russian = error_text(Locale::Ru, code, "Too long, sorry.");
    assert!(russian.contains(&protocol::MAX_MESSAGE_CHARS.to_string()), "{russian}");
    assert!(!error_text(Locale::En, code, " ").trim().is_empty(), "no server sentence: the catalogue's");
}

fn pick(vars: &[(&str, &str)]) -> Locale {
    let vars: std::collections::HashMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Locale::from_env(|name| vars.get(name).cloned())
}

#[test]
fn posix_locale_names_give_their_language() {
    assert_eq!(Locale::from_posix("ru_RU.UTF-8"), Locale::Ru);
    assert_eq!(Locale::from_posix("pt_BR.utf8"), Locale::PtBr);
    assert_eq!(Locale::from_posix("pt_PT@euro"), Locale::PtBr, "the nearest there is");
    assert_eq!(Locale::from_posix("zh_CN.GB18030"), Locale::ZhCn);
    assert_eq!(Locale::from_posix("zh_TW.UTF-8"), Locale::ZhCn);
    assert_eq!(Locale::from_posix("en_GB.UTF-8"), Locale::En);
    assert_eq!(Locale::from_posix("ru"), Locale::Ru);
    assert_eq!(Locale::from_posix("pt-BR"), Locale::PtBr);
    assert_eq!(Locale::from_posix("sr_RS@latin"), Locale::En, "not one of ours");
    for english in ["C", "C.UTF-8", "POSIX", "", " ", "de_DE.UTF-8"] {
        assert_eq!(Locale::from_posix(english), Locale::En, "{english:?}");
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
