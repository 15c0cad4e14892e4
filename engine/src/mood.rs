//! Message sentiment ("mood"): a compact, lexicon- and rule-based scorer in the style of VADER
//! (Hutto & Gilbert, 2014), tuned for chat.
//!
//! - Word valences come from VADER's English lexicon (about 7,500 entries, MIT), which the
//!   `vader_sentiment` crate ships; only its data is used. The rules below are our own, because
//!   that crate's engine is slow for a per-message hot path (~13 µs), scores many common chat
//!   emoji as 0 or with the wrong sign, and misses negations typed with a typographic apostrophe.
//! - Emoji and emoticons have their own valences (`EMOJI`, `EMOTICONS`); they are mood markers
//!   of the whole message, so negation and intensifiers do not touch them.
//! - Rules: negation ("not", "never", "no", "…n't", …) multiplies the next three words' valence
//!   by -0.74; boosters ("very", "really", …) and dampeners ("slightly", "kind of", …) shift it
//!   by ±0.293; an ALL-CAPS word in a mixed-case message adds 0.733; "but" halves what came
//!   before it and weighs what follows 1.5×; "!" and repeated "?" add emphasis. Unlike VADER, a
//!   negation does not reach across a clause boundary (",", ".", "!", "?", an emoji, …), so
//!   "No. This is WRONG" stays negative.
//! - The sum is normalised with x / sqrt(x² + 15) into [-1, 1] (VADER's "compound" score).
//!
//! All tables are built once (on first use); a call allocates only its token vector.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// Compound sentiment in [-1.0, 1.0] (VADER-style normalised score).
pub fn score(text: &str) -> f32 {
    let mut tokens = Vec::with_capacity(text.len() / 4 + 2);
    tokenize(text, &mut tokens);
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
    apply_idioms(&mut tokens);
    apply_but(&mut tokens);

    let mut sum: f32 = tokens.iter().map(|t| t.score).sum();
    if sum != 0.0 {
        sum += punctuation_emphasis(text).copysign(sum);
    }
    normalize(sum)
}

pub use protocol::Mood;

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
const MAX_WORD: usize = 32;

/// Intensity modifiers: boosters raise the magnitude of the next sentiment word, dampeners
/// lower it. Adjectives that are sentiment words themselves ("incredible") are left out so the
/// lexicon scores them.
const BOOSTERS: &[(&str, f32)] = &[
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
const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
    "isnt", "mightnt", "mustnt", "neednt", "neither", "never", "no", "nobody", "none", "nope", "nor", "not",
    "nothing", "nowhere", "rarely", "seldom", "shant", "shouldnt", "wasnt", "werent", "without", "wont",
    "wouldnt",
];

/// Multi-word expressions whose meaning is not the sum of their words; the value replaces the
/// expression's valence.
const IDIOMS: &[(&[&str], f32)] = &[
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

/// Emoticons, matched against a whole whitespace-separated chunk (a repeated last character is
/// collapsed first: ":)))" is ":)").
const EMOTICONS: &[(&str, f32)] = &[
    (":)", 2.0),
    (":-)", 2.0),
    (":]", 1.8),
    ("=)", 1.8),
    ("(:", 1.8),
    (":D", 2.3),
    (":-D", 2.3),
    ("=D", 2.2),
    ("xD", 2.0),
    ("XD", 2.0),
    (";)", 1.2),
    (";-)", 1.2),
    (";D", 1.8),
    (":P", 1.2),
    (":p", 1.2),
    (":-P", 1.2),
    (":-p", 1.2),
    (":*", 2.0),
    ("<3", 2.6),
    ("^^", 1.6),
    ("^_^", 1.8),
    (":(", -2.0),
    (":-(", -2.0),
    ("):", -1.8),
    (":[", -1.8),
    ("=(", -1.8),
    (";(", -1.8),
    (":'(", -2.4),
    (":'-(", -2.4),
    ("D:", -1.6),
    (":/", -1.2),
    (":-/", -1.2),
    (":\\", -1.2),
    (":S", -1.2),
    (":|", -0.4),
    (":-|", -0.4),
    ("-_-", -1.0),
    ("-.-", -1.0),
    ("T_T", -2.2),
    (">:(", -2.6),
    (":@", -2.4),
    ("</3", -2.8),
];

/// Emoticons also recognised when glued to the end of a word ("thanks:)").
const GLUED_EMOTICONS: &[&str] = &[":)", ":-)", ":D", ":(", ":-(", ":'(", ":P", ";)", ":/", "<3"];

/// Emoji valences on the lexicon's scale (-4..4), keyed by the base code point (variation
/// selectors, skin tones and ZWJ-joined parts are skipped). Unlisted emoji are neutral.
const EMOJI: &[(char, f32)] = &[
    // Smiles and laughter.
    ('😀', 2.0),
    ('😃', 2.2),
    ('😄', 2.3),
    ('😁', 2.2),
    ('😆', 2.0),
    ('😅', 1.0),
    ('🤣', 2.4),
    ('😂', 2.2),
    ('🙂', 1.4),
    ('😉', 1.4),
    ('😊', 2.2),
    ('😇', 1.8),
    ('☺', 1.8),
    ('🥲', 0.3),
    ('🥹', 1.5),
    ('😋', 2.0),
    ('😛', 1.2),
    ('😜', 1.4),
    ('🤪', 1.2),
    ('😝', 1.2),
    ('🤗', 2.2),
    ('🤭', 1.0),
    ('😎', 1.8),
    ('🥳', 2.8),
    ('😌', 1.2),
    ('😏', 0.4),
    ('🤓', 0.8),
    ('😺', 1.6),
    ('😸', 2.0),
    ('😹', 2.0),
    ('😻', 2.6),
    // Love.
    ('🥰', 2.8),
    ('😍', 2.8),
    ('🤩', 2.6),
    ('😘', 2.4),
    ('😗', 1.2),
    ('😙', 1.6),
    ('😚', 1.8),
    ('❤', 2.8),
    ('♥', 2.6),
    ('🧡', 2.4),
    ('💛', 2.4),
    ('💚', 2.4),
    ('💙', 2.4),
    ('💜', 2.4),
    ('🤎', 2.4),
    ('🤍', 2.4),
    ('🖤', 1.6),
    ('💕', 2.6),
    ('💖', 2.6),
    ('💗', 2.4),
    ('💓', 2.4),
    ('💞', 2.4),
    ('💘', 2.4),
    ('💝', 2.4),
    ('🫶', 2.6),
    ('💐', 1.8),
    ('🌹', 1.6),
    // Approval and celebration.
    ('👍', 1.8),
    ('👌', 1.6),
    ('👏', 2.0),
    ('🙌', 2.2),
    ('🙏', 1.6),
    ('💪', 1.8),
    ('✌', 1.2),
    ('🤞', 1.0),
    ('🤝', 1.6),
    ('🎉', 2.6),
    ('🎊', 2.4),
    ('🥂', 2.0),
    ('🍾', 2.0),
    ('🎂', 1.8),
    ('🎁', 1.8),
    ('🎈', 1.6),
    ('🏆', 2.4),
    ('🥇', 2.2),
    ('✨', 1.4),
    ('🌟', 1.8),
    ('⭐', 1.6),
    ('💯', 2.2),
    ('🔥', 1.6),
    ('🚀', 1.8),
    ('✅', 1.4),
    ('🆒', 1.4),
    ('🌈', 1.4),
    ('🌞', 1.6),
    ('☀', 1.0),
    ('👋', 0.5),
    // Sadness, worry, pain.
    ('😞', -2.2),
    ('😔', -1.8),
    ('😟', -1.8),
    ('😕', -1.4),
    ('🙁', -1.6),
    ('☹', -2.0),
    ('😣', -2.0),
    ('😖', -2.2),
    ('😫', -2.2),
    ('😩', -2.2),
    ('🥺', -1.0),
    ('😢', -2.2),
    ('😭', -2.6),
    ('😥', -1.6),
    ('😓', -1.4),
    ('😰', -2.0),
    ('😨', -2.0),
    ('😱', -1.8),
    ('😧', -1.6),
    ('😦', -1.6),
    ('😿', -2.0),
    ('💔', -2.8),
    ('😪', -1.2),
    ('🥱', -0.8),
    ('😴', -0.4),
    ('😑', -0.8),
    ('😐', -0.3),
    ('😶', -0.3),
    ('😬', -0.8),
    ('🙃', -0.4),
    // Anger, disgust, disapproval.
    ('😤', -1.8),
    ('😠', -2.4),
    ('😡', -2.8),
    ('🤬', -3.0),
    ('👿', -2.0),
    ('😾', -2.0),
    ('💢', -2.0),
    ('😒', -1.6),
    ('🙄', -1.4),
    ('🤦', -1.6),
    ('🤡', -1.2),
    ('👎', -1.8),
    ('🖕', -2.8),
    ('💩', -1.8),
    ('❌', -1.2),
    ('🚫', -1.2),
    ('⚠', -0.8),
    ('☠', -1.4),
    // Illness.
    ('🤢', -2.4),
    ('🤮', -2.8),
    ('🤒', -1.8),
    ('🤕', -1.8),
    ('🤧', -1.2),
    ('😷', -1.2),
    ('😵', -1.6),
    ('🥵', -1.2),
    ('🥶', -1.0),
];

/// What the scorer knows about a word.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Entry {
    valence: f32,
    boost: f32,
    negates: bool,
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

static WORDS: LazyLock<Map<&'static str, Entry>> = LazyLock::new(|| {
    let lexicon = &*vader_sentiment::LEXICON;
    let mut words = Map::with_capacity_and_hasher(lexicon.len() + 64, Default::default());
    for (key, &valence) in lexicon.iter() {
        let word: &'static str = **key;
        // Emoticons (and the rare capitalised entry) are handled by our own tables.
        let plain = word.starts_with(|c: char| c.is_ascii_lowercase())
            && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'' || b == b'-');
        if plain {
            words.entry(word).or_insert_with(Entry::default).valence = valence as f32;
        }
    }
    for &(word, boost) in BOOSTERS {
        *words.entry(word).or_default() = Entry { valence: 0.0, boost, negates: false };
    }
    for &word in NEGATIONS {
        let entry = words.entry(word).or_default();
        entry.negates = true;
        // "no" keeps its own (mildly negative) valence for when it stands alone.
        if word != "no" {
            entry.valence = 0.0;
        }
    }
    words
});

static EMOTICON_TABLE: LazyLock<Map<&'static str, f32>> =
    LazyLock::new(|| EMOTICONS.iter().copied().collect());

static EMOJI_TABLE: LazyLock<Map<char, f32>> = LazyLock::new(|| EMOJI.iter().copied().collect());

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

fn tokenize(text: &str, out: &mut Vec<Token>) {
    let mut clause = 0u32;
    for chunk in text.split_whitespace() {
        if let Some(valence) = emoticon(chunk) {
            out.push(Token::symbol(valence, clause));
            clause += 1;
            continue;
        }
        let (chunk, glued) = split_glued_emoticon(chunk);
        let mut chars = chunk.char_indices().peekable();
        let mut start = 0;
        while let Some((i, c)) = chars.next() {
            if !is_emoji(c) {
                continue;
            }
            push_word(&chunk[start..i], &mut clause, out);
            let valence = EMOJI_TABLE.get(&c).copied().unwrap_or(0.0);
            // Skip what belongs to this emoji: variation selectors, skin tones, keycaps and
            // zero-width-joined parts ("🤦‍♂️" is one facepalm).
            while let Some(&(_, next)) = chars.peek() {
                if next == '\u{200D}' {
                    chars.next();
                    chars.next();
                } else if is_emoji_modifier(next) {
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Token::symbol(valence, clause));
            clause += 1;
            start = chars.peek().map_or(chunk.len(), |&(j, _)| j);
        }
        push_word(&chunk[start..], &mut clause, out);
        if let Some(valence) = glued {
            out.push(Token::symbol(valence, clause));
            clause += 1;
        }
    }
}

/// Pushes the word in `segment` (punctuation stripped), if any, and starts a new clause after
/// it if it was followed by clause-ending punctuation.
fn push_word(segment: &str, clause: &mut u32, out: &mut Vec<Token>) {
    let not_word = |c: char| !c.is_alphanumeric();
    let word = segment.trim_matches(not_word);
    let tail = &segment[segment.trim_end_matches(not_word).len()..];
    if !word.is_empty() {
        out.push(word_token(word, *clause));
    }
    if tail.contains(['.', ',', '!', '?', ';', ':', '-', '…', '–', '—']) {
        *clause += 1;
    }
}

fn word_token(word: &str, clause: u32) -> Token {
    let mut norm = [0u8; MAX_WORD];
    let mut len = 0usize;
    let mut fits = true;
    let (mut letters, mut upper) = (0usize, 0usize);
    for c in word.chars() {
        if c.is_alphabetic() {
            letters += 1;
            if c.is_uppercase() {
                upper += 1;
            }
        }
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => '\'',
            c => c.to_ascii_lowercase(),
        };
        let mut buf = [0u8; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        if len + bytes.len() > MAX_WORD {
            fits = false;
            break;
        }
        norm[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    }
    if !fits {
        len = 0;
    }
    let entry = if fits { lookup(&mut norm, &mut len) } else { Entry::default() };
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

/// Looks a normalised word up; an elongated word ("sooo", "yaaay") is retried with its runs
/// shortened, and then `norm` holds the form that matched.
fn lookup(norm: &mut [u8; MAX_WORD], len: &mut usize) -> Entry {
    let find = |bytes: &[u8]| std::str::from_utf8(bytes).ok().and_then(|word| WORDS.get(word).copied());
    let word = &norm[..*len];
    if let Some(entry) = find(word) {
        return entry;
    }
    let elongated = word.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]);
    if elongated {
        // Runs of three or more letters shortened to two ("gooood"), then to one ("yaaay").
        for keep in [2usize, 1] {
            let mut short = [0u8; MAX_WORD];
            let (mut n, mut k) = (0, 0);
            while k < word.len() {
                let b = word[k];
                let run = word[k..].iter().take_while(|&&x| x == b).count();
                let take = if run >= 3 && b.is_ascii_alphabetic() { keep } else { run };
                short[n..n + take].fill(b);
                n += take;
                k += run;
            }
            if let Some(entry) = find(&short[..n]) {
                *norm = short;
                *len = n;
                return entry;
            }
        }
    }
    Entry { negates: word.ends_with(b"n't"), ..Entry::default() }
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
    if token.is("pretty") && next_is_sentiment {
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
    if token.is("pretty") {
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

fn apply_idioms(tokens: &mut [Token]) {
    for i in 0..tokens.len() {
        for &(words, valence) in IDIOMS {
            let Some(window) = tokens.get(i..i + words.len()) else {
                continue;
            };
            let same_clause = window.iter().all(|t| t.clause == window[0].clause);
            if same_clause && window.iter().zip(words).all(|(t, w)| t.is(w)) {
                for t in &mut tokens[i..i + words.len()] {
                    t.score = 0.0;
                }
                tokens[i + words.len() - 1].score = valence;
            }
        }
    }
}

/// "X but Y": Y is what the writer means.
fn apply_but(tokens: &mut [Token]) {
    if let Some(but) = tokens.iter().position(|t| t.is("but")) {
        for t in &mut tokens[..but] {
            t.score *= BEFORE_BUT;
        }
        for t in &mut tokens[but + 1..] {
            t.score *= AFTER_BUT;
        }
    }
}

fn punctuation_emphasis(text: &str) -> f32 {
    let exclamations = text.bytes().filter(|&b| b == b'!').count();
    let questions = text.bytes().filter(|&b| b == b'?').count();
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
    if let Some(&v) = EMOTICON_TABLE.get(chunk) {
        return Some(v);
    }
    let bytes = chunk.as_bytes();
    let mut end = bytes.len();
    while end > 2 && bytes[end - 1] == bytes[end - 2] {
        end -= 1;
    }
    if end < bytes.len() && chunk.is_char_boundary(end) {
        EMOTICON_TABLE.get(&chunk[..end]).copied()
    } else {
        None
    }
}

/// Splits an emoticon glued to the end of a word: "thanks:)" is "thanks" and ":)".
fn split_glued_emoticon(chunk: &str) -> (&str, Option<f32>) {
    for glued in GLUED_EMOTICONS {
        if let Some(word) = chunk.strip_suffix(glued) {
            if word.ends_with(|c: char| c.is_alphanumeric()) {
                return (word, EMOTICON_TABLE.get(glued).copied());
            }
        }
    }
    (chunk, None)
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1F3FA | 0x1F400..=0x1FAFF // pictographs, emoticons, transport, …
        | 0x2600..=0x27BF // miscellaneous symbols, dingbats
        | 0x2300..=0x23FF // technical (⌚, ⏰)
        | 0x2B00..=0x2BFF) // ⭐, ⬆
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32,
        0xFE0E | 0xFE0F // text / emoji presentation
        | 0x1F3FB..=0x1F3FF // skin tones
        | 0x20E3 // keycap
        | 0xE0020..=0xE007F) // tag sequences (subdivision flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-6
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
