//! English: VADER's lexicon (about 7,500 entries, MIT, as data from the `vader_sentiment`
//! crate) with VADER's boosters, dampeners, negations and idioms.

use super::{Entry, Lexicon, BOOST};
use std::sync::LazyLock;

/// Intensity modifiers: boosters raise the magnitude of the next sentiment word, dampeners
/// lower it. Adjectives that are sentiment words themselves ("incredible") are left out so the
/// lexicon scores them.
pub(super) const BOOSTERS: &[(&str, f32)] = &[
    ("absolutely", BOOST),
    ("amazingly", BOOST),
    ("awfully", BOOST),
    ("completely", BOOST),
    ("considerably", BOOST),
    ("decidedly", BOOST),
    ("deeply", BOOST),
    ("effing", BOOST),
    ("enormously", BOOST),
    ("entirely", BOOST),
    ("especially", BOOST),
    ("exceptionally", BOOST),
    ("extremely", BOOST),
    ("fabulously", BOOST),
    ("freaking", BOOST),
    ("frickin", BOOST),
    ("fricking", BOOST),
    ("friggin", BOOST),
    ("frigging", BOOST),
    ("fucking", BOOST),
    ("fully", BOOST),
    ("greatly", BOOST),
    ("hella", BOOST),
    ("highly", BOOST),
    ("hugely", BOOST),
    ("incredibly", BOOST),
    ("insanely", BOOST),
    ("intensely", BOOST),
    ("majorly", BOOST),
    ("more", BOOST),
    ("most", BOOST),
    ("particularly", BOOST),
    ("purely", BOOST),
    ("quite", BOOST),
    ("really", BOOST),
    ("remarkably", BOOST),
    ("so", BOOST),
    ("substantially", BOOST),
    ("thoroughly", BOOST),
    ("totally", BOOST),
    ("tremendously", BOOST),
    ("truly", BOOST),
    ("uber", BOOST),
    ("unbelievably", BOOST),
    ("unusually", BOOST),
    ("utterly", BOOST),
    ("very", BOOST),
    ("almost", -BOOST),
    ("barely", -BOOST),
    ("bit", -BOOST),
    ("hardly", -BOOST),
    ("kinda", -BOOST),
    ("kindof", -BOOST),
    ("less", -BOOST),
    ("little", -BOOST),
    ("marginally", -BOOST),
    ("occasionally", -BOOST),
    ("partly", -BOOST),
    ("scarcely", -BOOST),
    ("slightly", -BOOST),
    ("somewhat", -BOOST),
    ("sorta", -BOOST),
    ("sortof", -BOOST),
];

/// Words that negate what follows. Any other word ending in "n't" negates too.
pub(super) const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
    "isnt", "mightnt", "mustnt", "neednt", "neither", "never", "no", "nobody", "none", "nope", "nor", "not",
    "nothing", "nowhere", "rarely", "seldom", "shant", "shouldnt", "wasnt", "werent", "without", "wont",
    "wouldnt",
];

/// Multi-word expressions whose meaning is not the sum of their words; the value replaces the
/// expression's valence.
pub(super) const IDIOMS: &[(&[&str], f32)] = &[
    (&["can't", "wait"], 2.0),
    (&["cant", "wait"], 2.0),
    (&["cannot", "wait"], 2.0),
    (&["yeah", "right"], -2.0),
    (&["the", "bomb"], 3.0),
    (&["to", "die", "for"], 3.0),
    (&["under", "the", "weather"], -2.0),
    (&["break", "a", "leg"], 2.0),
    (&["kiss", "of", "death"], -1.5),
    (&["bad", "ass"], 1.5),
];

pub(super) static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let vader = &*vader_sentiment::LEXICON;
    let mut lex = Lexicon::new(IDIOMS);
    lex.words.reserve(vader.len() + 64);
    for (key, &valence) in vader.iter() {
        let word: &'static str = key;
        // Emoticons (and the rare capitalised entry) are handled by our own tables.
        let plain = word.starts_with(|c: char| c.is_ascii_lowercase())
            && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'' || b == b'-');
        if plain {
            lex.words.entry(word.into()).or_default().valence = valence as f32;
        }
    }
    for &(word, boost) in BOOSTERS {
        lex.words.insert(word.into(), Entry { boost, ..Entry::default() });
    }
    for &word in NEGATIONS {
        let entry = lex.words.entry(word.into()).or_default();
        entry.negates = true;
        // "no" keeps its own (mildly negative) valence for when it stands alone.
        if word != "no" {
            entry.valence = 0.0;
        }
    }
    lex.words.entry("but".into()).or_default().contrast = true;
    // "pretty good": a booster before a sentiment word, a sentiment word on its own.
    lex.words.entry("pretty".into()).or_default().soft = true;
    lex
});
