//! Which language a message is written in, among those Natter scores (en, ru, pt, zh).
//!
//! Scripts decide first, because they are strong signals even in a two-word message: Han is
//! Chinese (unless kana make it Japanese), Cyrillic is Russian (unless letters that only
//! Ukrainian or Belarusian use appear). Latin text is English or Portuguese by counting the
//! words each language's lexicon and function-word list know, and `whatlang` (trigram profiles)
//! breaks ties and vetoes other Latin-script languages when it is confident. Otherwise the
//! language is unknown: a wrong guess presented as certain would be worse.

use super::{en, pt, Map};
use std::sync::LazyLock;
use whatlang::{Detector, Lang as W};

/// A language Natter scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Pt,
    Ru,
    Zh,
}

impl Lang {
    /// The BCP 47 code sent as `lang` in the protocol.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Pt => "pt",
            Lang::Ru => "ru",
            Lang::Zh => "zh",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        [Lang::En, Lang::Pt, Lang::Ru, Lang::Zh].into_iter().find(|l| l.code() == code)
    }
}

/// Frequent English words that are not Portuguese (and contractions).
const EN_CUES: &[&str] = &[
    "the", "is", "are", "was", "were", "you", "your", "it", "it's", "its", "i", "i'm", "and", "to", "of",
    "this", "that", "that's", "for", "with", "my", "me", "we", "they", "he", "she", "what", "just", "be",
    "been", "have", "has", "had", "do", "does", "did", "don't", "can't", "isn't", "won't", "will", "would",
    "on", "in", "at", "so", "but", "not", "all", "get", "got", "see", "know", "thanks", "thank", "lol",
    "yes", "yeah", "ok", "okay", "please", "who", "where", "when", "how", "why", "there", "here", "our",
    "us", "today", "tomorrow", "now", "going", "like", "really", "very", "an", "if", "or", "out", "up",
    "about", "from", "by", "one",
];

/// Frequent Portuguese words and chat spellings that are not English.
const PT_CUES: &[&str] = &[
    "não", "nao", "que", "é", "e", "o", "os", "as", "um", "uma", "de", "do", "da", "dos", "das", "em", "no",
    "na", "nos", "nas", "para", "pra", "pro", "com", "por", "eu", "tu", "você", "voce", "vc", "vcs", "ele",
    "ela", "nós", "eles", "meu", "minha", "teu", "tua", "seu", "sua", "isso", "isto", "esse", "essa", "este",
    "esta", "está", "esta", "estou", "tô", "to", "tá", "ta", "foi", "ser", "tem", "ter", "vai", "vou", "já",
    "ja", "mas", "muito", "mto", "mt", "mais", "também", "tambem", "aqui", "agora", "hoje", "amanhã",
    "amanha", "obrigado", "obrigada", "valeu", "vlw", "brigado", "sim", "tudo", "bem", "gente", "cara",
    "mano", "pá", "ai", "né", "ne", "aí", "onde", "quando", "quem", "qual", "como", "ao", "à", "às", "dia",
    "noite", "casa", "coisa", "fazer", "vamos", "bora", "tbm", "tmb", "blz", "beleza", "kkk", "rsrs",
];

/// Words that tell English and Portuguese apart, as sets.
type Cues = (Map<&'static str, ()>, Map<&'static str, ()>);

static CUES: LazyLock<Cues> = LazyLock::new(|| {
    let set = |words: &[&'static str]| words.iter().map(|&w| (w, ())).collect();
    (set(EN_CUES), set(PT_CUES))
});

/// whatlang limited to the Latin-script languages our people are likely to write besides
/// English and Portuguese (a shorter list is also faster).
static WHATLANG: LazyLock<Detector> = LazyLock::new(|| {
    Detector::with_allowlist(vec![W::Eng, W::Por, W::Spa, W::Fra, W::Ita, W::Deu, W::Nld, W::Pol, W::Tur])
});

/// Below this many letters whatlang is not asked (it is seldom reliable there, and costs).
const MIN_WHATLANG_LETTERS: usize = 12;

/// How much of a message whatlang reads.
const WHATLANG_CHARS: usize = 64;

pub(super) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// The language of `text`, `None` when unknown.
pub(super) fn detect(text: &str) -> Option<Lang> {
    let (mut han, mut kana, mut hangul, mut cyrillic, mut latin, mut other) = (0usize, 0, 0, 0, 0, 0);
    let mut not_russian = false;
    for c in text.chars() {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F => latin += 1,
            0x0400..=0x04FF => {
                cyrillic += 1;
                not_russian |= "іїєґўІЇЄҐЎ".contains(c);
            }
            _ if is_han(c) => han += 1,
            0x3040..=0x309F | 0x30A1..=0x30FA => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            _ if c.is_ascii() => {}
            _ if c.is_alphabetic() => other += 1,
            _ => {}
        }
    }
    if kana > 0 || hangul > han {
        return None;
    }
    // A Han character carries about as much as a short Latin word.
    if han > 0 && han * 3 >= latin + cyrillic && han >= other {
        return Some(Lang::Zh);
    }
    if cyrillic > 0 && cyrillic >= latin && cyrillic > other {
        return (!not_russian).then_some(Lang::Ru);
    }
    if latin == 0 || other > latin {
        return None;
    }
    latin_language(text, latin)
}

fn latin_language(text: &str, letters: usize) -> Option<Lang> {
    let (mut en_hits, mut pt_hits, mut words) = (0usize, 0usize, 0usize);
    let is_word_char = |c: char| super::is_word_char(c) || c == '\'' || c == '\u{2019}';
    let mut lower = String::with_capacity(32);
    // Numbers say nothing about the language.
    let has_letter = |w: &str| w.chars().any(char::is_alphabetic);
    for word in text.split(|c: char| !is_word_char(c)).filter(|w| has_letter(w)) {
        words += 1;
        lower.clear();
        lower.extend(
            word.chars().flat_map(char::to_lowercase).map(|c| if c == '\u{2019}' { '\'' } else { c }),
        );
        let word = lower.trim_matches('\'');
        if word.contains(['ã', 'õ', 'ç', 'ê', 'ô', 'â'])
            || super::is_laughter(word) && word.starts_with(['k', 'r'])
        {
            pt_hits += 2;
        }
        let known_en =
            |w: &str| CUES.0.contains_key(w) || en::LEXICON.words.get(w).is_some_and(|e| e.valence != 0.0);
        let known_pt = |w: &str| {
            CUES.1.contains_key(w) || pt::LEXICON.words.get(&*pt::fold(w)).is_some_and(|e| e.valence != 0.0)
        };
        let (mut en, mut pt) = (known_en(word), known_pt(word));
        if !en && !pt {
            // "yaaay", "ameiii"
            for short in super::shortened(word) {
                (en, pt) = (en || known_en(&short), pt || known_pt(&short));
            }
        }
        en_hits += usize::from(en && !pt);
        pt_hits += usize::from(pt && !en);
    }
    // whatlang (the costly part) only when the words do not decide: a tie, or most words
    // unknown to both languages and no clear lead (another language?). It reads a prefix.
    let mostly_unknown = words >= 4 && (en_hits + pt_hits) * 2 < words && en_hits.abs_diff(pt_hits) < 3;
    let guess = || {
        if letters < MIN_WHATLANG_LETTERS {
            return None;
        }
        let end = text.char_indices().nth(WHATLANG_CHARS).map_or(text.len(), |(i, _)| i);
        WHATLANG.detect(&text[..end]).filter(|g| g.is_reliable()).map(|g| g.lang())
    };
    if mostly_unknown {
        match guess() {
            Some(W::Eng) => return Some(Lang::En),
            Some(W::Por) => return Some(Lang::Pt),
            // Another Latin-script language, recognised with confidence: unknown, not a wrong guess.
            Some(_) => return None,
            None => {}
        }
    }
    match en_hits.cmp(&pt_hits) {
        std::cmp::Ordering::Greater => Some(Lang::En),
        std::cmp::Ordering::Less => Some(Lang::Pt),
        std::cmp::Ordering::Equal if mostly_unknown => None,
        std::cmp::Ordering::Equal => match guess() {
            Some(W::Eng) => Some(Lang::En),
            Some(W::Por) => Some(Lang::Pt),
            _ => None,
        },
    }
}
