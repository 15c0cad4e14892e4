//! Text normalisation: how a message becomes index terms and a query becomes FTS5 clauses
//! that match them. Pure functions, shared by the indexer, the searcher's re-check and
//! [`crate::highlights`], so what is found, what is re-checked and what is highlighted agree.
//!
//! - A *word* is a run of letters, digits and combining marks (an apostrophe between two of
//!   them stays inside, then is dropped: "don't" → "dont"). It is lower-cased and gives its
//!   *raw* term plus its Snowball stems:
//!   - Latin: the raw term is accent-folded ("Não" → "nao"), because people often type
//!     without accents; the stems (English and Portuguese: the detected language of a short
//!     chat message is too often wrong to pick one) keep their accents, so "não" (stem "nã")
//!     does not meet the very common "na".
//!   - Cyrillic: "ё" is folded to "е" and stress marks dropped; one Russian stem.
//!   - Anything else (digits, Greek, …): the lower-cased word alone.
//! - A *CJK run* (Han, kana, hangul: no spaces between words) gives its overlapping bigrams
//!   and every character alone (so a one-character query is a plain term lookup, newest
//!   first without merging; the unigrams make the benchmark's index 4% larger).
//! - A query word matches a term that starts with its raw form (from [`MIN_PREFIX_CHARS`]
//!   characters on; shorter words match whole terms only, since a one-letter prefix would
//!   expand to half the dictionary) or equals one of its stems. A query CJK run matches all
//!   its bigrams; the searcher then confirms it as a substring of the message (the index
//!   keeps no positions, see `db`). Every query word must match (AND).
//!
//! Terms consist only of lower-case letters, digits and marks: FTS5's `ascii` tokenizer
//! (every non-ASCII character is a token character) keeps each one a single token, and
//! quoting them in a query leaves no way to inject FTS5 syntax.

use rust_stemmers::{Algorithm, Stemmer};
use std::ops::Range;
use std::sync::LazyLock;

/// Longest term, in characters: longer words are cut (the same way in messages and queries).
const MAX_TERM_CHARS: usize = 40;
/// Shortest query word matched as a prefix.
const MIN_PREFIX_CHARS: usize = 3;
/// Longest query read, in characters (callers allow 200); the rest is ignored, so an
/// oversized query cannot build an oversized FTS5 expression.
const MAX_QUERY_CHARS: usize = 256;

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Russian));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));
static PORTUGUESE: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::Portuguese));

/// A piece of text, by its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Word(Range<usize>),
    /// A run of CJK characters (possibly with combining marks such as variation selectors).
    Cjk(Range<usize>),
}

/// Han ideographs, kana and hangul: scripts written without spaces between words.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'     // Hangul Jamo
        | '\u{3005}' | '\u{3007}'   // 々 〇
        | '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3130}'..='\u{318F}'   // Hangul compatibility Jamo
        | '\u{31F0}'..='\u{31FF}'   // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'   // Halfwidth katakana
        | '\u{20000}'..='\u{323AF}' // CJK extensions B–H, compatibility supplement
    )
}

/// Combining marks that belong to the letter before them (accents typed decomposed,
/// Russian stress marks, variation selectors). Marks that are also alphabetic (most Indic
/// vowel signs) are word characters anyway.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0483}'..='\u{0489}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

fn is_cyrillic(c: char) -> bool {
    matches!(c,
        '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}'
    )
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c.is_alphabetic()
}

/// Splits `text` into words and CJK runs, in order; everything else separates them.
pub(crate) fn pieces(text: &str) -> Pieces<'_> {
    Pieces { text, chars: text.char_indices().peekable() }
}

pub(crate) struct Pieces<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        // Skip to the first character of a piece (a lone mark or apostrophe starts nothing).
        let (start, first) = loop {
            let (at, c) = self.chars.next()?;
            if is_cjk(c) || is_word_char(c) {
                break (at, c);
            }
        };
        let cjk = is_cjk(first);
        let mut end = start + first.len_utf8();
        while let Some(&(at, c)) = self.chars.peek() {
            let inside = if is_mark(c) {
                true
            } else if cjk {
                is_cjk(c)
            } else if is_apostrophe(c) {
                // Inside a word only when a word character follows ("don't", not "dogs' ").
                let mut ahead = self.text[at + c.len_utf8()..].chars();
                ahead.next().is_some_and(is_word_char)
            } else {
                is_word_char(c)
            };
            if !inside {
                break;
            }
            end = at + c.len_utf8();
            self.chars.next();
        }
        Some(if cjk { Piece::Cjk(start..end) } else { Piece::Word(start..end) })
    }
}

/// The base letter of a lower-case accented Latin letter, for folding ("ã" → 'a').
fn latin_base(c: char) -> Option<char> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => return None,
    })
}

/// Accent-folds a lower-case Latin word ("coração" → "coracao", "straße" → "strasse").
fn fold_latin(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ß' => out.push_str("ss"),
            _ => out.push(latin_base(c).unwrap_or(c)),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Other,
}

/// The terms of one word: its raw form (always) and its stems that differ from it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub raw: String,
    pub stems: Vec<String>,
}

impl Word {
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.raw.as_str()).chain(self.stems.iter().map(String::as_str))
    }
}

fn truncate(mut term: String) -> String {
    if let Some((at, _)) = term.char_indices().nth(MAX_TERM_CHARS) {
        term.truncate(at);
    }
    term
}

/// Analyses one word (a [`Piece::Word`] slice): see the module comment.
pub(crate) fn word(text: &str) -> Word {
    // Lower case, without apostrophes, full-width ASCII made ASCII ("ＡＢＣ" → "abc").
    let mut lower = String::with_capacity(text.len());
    for c in text.chars() {
        if is_apostrophe(c) {
            continue;
        }
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        lower.extend(c.to_lowercase());
    }
    let script = if lower.chars().any(is_cyrillic) {
        Script::Cyrillic
    } else if lower.chars().any(is_latin_letter) {
        Script::Latin
    } else {
        Script::Other
    };
    let (raw, stems) = match script {
        Script::Cyrillic => {
            let mut base = String::with_capacity(lower.len());
            for c in lower.chars() {
                match c {
                    'ё' => base.push('е'),
                    // "и" + combining breve is a decomposed "й"; other marks (stress, the
                    // diaeresis of a decomposed "ё") are dropped.
                    '\u{0306}' if base.ends_with('и') => {
                        base.pop();
                        base.push('й');
                    }
                    c if is_mark(c) => {}
                    c => base.push(c),
                }
            }
            let stem = RUSSIAN.stem(&base).into_owned();
            (base, vec![stem])
        }
        Script::Latin => {
            // Marks of decomposed accents are dropped (browsers send composed text).
            let accented: String = lower.chars().filter(|&c| !is_mark(c)).collect();
            let stems = vec![ENGLISH.stem(&accented).into_owned(), PORTUGUESE.stem(&accented).into_owned()];
            (fold_latin(&accented), stems)
        }
        Script::Other => (lower, Vec::new()),
    };
    let raw = truncate(raw);
    let mut kept: Vec<String> = Vec::with_capacity(stems.len());
    for stem in stems {
        let stem = truncate(stem);
        if !stem.is_empty() && stem != raw && !kept.contains(&stem) {
            kept.push(stem);
        }
    }
    Word { raw, stems: kept }
}

/// The CJK characters of a run (marks dropped), with their byte offsets in `text`.
fn cjk_chars(text: &str, run: &Range<usize>) -> Vec<(usize, char)> {
    text[run.clone()].char_indices().filter(|&(_, c)| is_cjk(c)).map(|(at, c)| (run.start + at, c)).collect()
}

/// Every index term of a message's text, deduplicated (the index keeps no positions, so
/// order and repetition carry nothing), appended to `out` separated by spaces.
pub(crate) fn index_terms(text: &str, out: &mut String) {
    let mut terms: Vec<String> = Vec::new();
    for piece in pieces(text) {
        match piece {
            Piece::Word(range) => {
                let Word { raw, stems } = word(&text[range]);
                terms.push(raw);
                terms.extend(stems);
            }
            Piece::Cjk(range) => {
                let chars: Vec<char> = cjk_chars(text, &range).into_iter().map(|(_, c)| c).collect();
                for pair in chars.windows(2) {
                    terms.push(pair.iter().collect());
                }
                terms.extend(chars.iter().map(|c| c.to_string()));
            }
        }
    }
    terms.sort_unstable();
    terms.dedup();
    for term in terms {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&term);
    }
}

/// One thing a query asks for; every clause of a query must match.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Clause {
    /// A word: a term starting with `prefix`, or equal to one of `exact` (its stems, and
    /// its raw form when it is too short for a prefix).
    Word { prefix: Option<String>, exact: Vec<String> },
    /// A CJK run: the characters in this order; in the index, all of `grams`.
    Cjk { chars: Vec<char>, grams: Vec<String> },
}

/// A parsed query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Query {
    clauses: Vec<Clause>,
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let query = match query.char_indices().nth(MAX_QUERY_CHARS) {
            Some((at, _)) => &query[..at],
            None => query,
        };
        let mut clauses = Vec::new();
        for piece in pieces(query) {
            let clause = match piece {
                Piece::Word(range) => {
                    let Word { raw, stems } = word(&query[range]);
                    if raw.chars().count() >= MIN_PREFIX_CHARS {
                        Clause::Word { prefix: Some(raw), exact: stems }
                    } else {
                        let mut exact = vec![raw];
                        exact.extend(stems);
                        Clause::Word { prefix: None, exact }
                    }
                }
                Piece::Cjk(range) => {
                    let chars: Vec<char> = cjk_chars(query, &range).into_iter().map(|(_, c)| c).collect();
                    let grams = if chars.len() == 1 {
                        vec![chars[0].to_string()]
                    } else {
                        chars.windows(2).map(|pair| pair.iter().collect()).collect()
                    };
                    Clause::Cjk { chars, grams }
                }
            };
            if !clauses.contains(&clause) {
                clauses.push(clause);
            }
        }
        Query { clauses }
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The FTS5 MATCH expression: clauses joined by AND, every term quoted.
    pub fn fts(&self) -> String {
        let mut out = String::new();
        for clause in &self.clauses {
            if !out.is_empty() {
                out.push_str(" AND ");
            }
            let mut alternatives = Vec::new();
            let joiner = match clause {
                Clause::Word { prefix, exact } => {
                    alternatives.extend(prefix.iter().map(|p| format!("{}*", quote(p))));
                    alternatives.extend(exact.iter().map(|t| quote(t)));
                    " OR "
                }
                Clause::Cjk { grams, .. } => {
                    alternatives.extend(grams.iter().map(|g| quote(g)));
                    " AND "
                }
            };
            if alternatives.len() == 1 {
                out.push_str(&alternatives[0]);
            } else {
                out.push('(');
                out.push_str(&alternatives.join(joiner));
                out.push(')');
            }
        }
        out
    }

    /// Whether `text` matches the whole query now (every clause), the way the index would
    /// match it, CJK runs as exact substrings.
    pub fn matches(&self, text: &str) -> bool {
        let doc = Doc::new(text);
        self.clauses.iter().all(|clause| !doc.spans(clause).is_empty())
    }

    /// Merged, sorted byte ranges of `text` that match some clause.
    pub fn highlights(&self, text: &str) -> Vec<[u32; 2]> {
        let doc = Doc::new(text);
        let mut spans: Vec<Range<usize>> = self.clauses.iter().flat_map(|clause| doc.spans(clause)).collect();
        spans.sort_by_key(|s| (s.start, s.end));
        let mut merged: Vec<[u32; 2]> = Vec::with_capacity(spans.len());
        for span in spans {
            let (start, end) = (span.start as u32, span.end as u32);
            match merged.last_mut() {
                Some(last) if start <= last[1] => last[1] = last[1].max(end),
                _ => merged.push([start, end]),
            }
        }
        merged
    }
}

/// FTS5 string literal: double quotes doubled (terms never hold one, but a query must never
/// be able to leave its quotes).
fn quote(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A message's text analysed for matching: its words' terms and its CJK runs.
struct Doc {
    words: Vec<(Range<usize>, Word)>,
    runs: Vec<Vec<(usize, char)>>,
}

impl Doc {
    fn new(text: &str) -> Doc {
        let mut doc = Doc { words: Vec::new(), runs: Vec::new() };
        for piece in pieces(text) {
            match piece {
                Piece::Word(range) => {
                    let analysed = word(&text[range.clone()]);
                    doc.words.push((range, analysed));
                }
                Piece::Cjk(range) => doc.runs.push(cjk_chars(text, &range)),
            }
        }
        doc
    }

    /// Byte ranges where `clause` matches.
    fn spans(&self, clause: &Clause) -> Vec<Range<usize>> {
        match clause {
            Clause::Word { prefix, exact } => self
                .words
                .iter()
                .filter(|(_, word)| {
                    word.terms().any(|term| {
                        prefix.as_deref().is_some_and(|p| term.starts_with(p))
                            || exact.iter().any(|e| e == term)
                    })
                })
                .map(|(range, _)| range.clone())
                .collect(),
            Clause::Cjk { chars, .. } => {
                let mut spans = Vec::new();
                for run in &self.runs {
                    for window in run.windows(chars.len()) {
                        if window.iter().map(|&(_, c)| c).eq(chars.iter().copied()) {
                            let (first, (last_at, last)) = (window[0].0, window[window.len() - 1]);
                            spans.push(first..last_at + last.len_utf8());
                        }
                    }
                }
                spans
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        pieces(text)
            .map(|p| match p {
                Piece::Word(r) | Piece::Cjk(r) => &text[r],
            })
            .collect()
    }

    fn terms(text: &str) -> Vec<String> {
        let mut body = String::new();
        index_terms(text, &mut body);
        body.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect()
    }

    fn has(text: &str, term: &str) -> bool {
        terms(text).iter().any(|t| t == term)
    }

    /// Whether `query` finds `text` the way the index does: every clause has an index term
    /// of the text that its FTS5 expression accepts.
    fn finds(query: &str, text: &str) -> bool {
        let q = Query::parse(query);
        let indexed = terms(text);
        let index_match = q.clauses.iter().all(|clause| match clause {
            Clause::Word { prefix, exact } => indexed
                .iter()
                .any(|t| prefix.as_deref().is_some_and(|p| t.starts_with(p)) || exact.contains(t)),
            Clause::Cjk { grams, .. } => grams.iter().all(|g| indexed.contains(g)),
        });
        // The re-check must agree with the index whenever the index matched.
        let recheck = q.matches(text);
        assert!(!recheck || index_match, "{query:?} re-checks {text:?} but the index would miss it");
        !q.is_empty() && index_match && recheck
    }

    #[test]
    fn pieces_split_words_runs_and_keep_inner_apostrophes() {
        assert_eq!(words("Hello, world!"), ["Hello", "world"]);
        assert_eq!(words("don't 'quoted' dogs' x"), ["don't", "quoted", "dogs", "x"]);
        assert_eq!(words("I’m fine"), ["I’m", "fine"]);
        assert_eq!(words("abc中文def"), ["abc", "中文", "def"]);
        assert_eq!(words("今天天气很好，我们去公园吧。"), ["今天天气很好", "我们去公园吧"]);
        assert_eq!(words("привет-мир 2024 года"), ["привет", "мир", "2024", "года"]);
        assert_eq!(words("e\u{301}te\u{301} \u{301}x"), ["e\u{301}te\u{301}", "x"]);
        assert_eq!(words("😀👍🏽 🎉"), Vec::<&str>::new());
        assert_eq!(words("user_name@mail.com"), ["user", "name", "mail", "com"]);
        assert_eq!(words(""), Vec::<&str>::new());
        assert_eq!(words("   ,,, !!! "), Vec::<&str>::new());
        assert_eq!(words("ひらがなカタカナ한국어"), ["ひらがなカタカナ한국어"]);
    }

    #[test]
    fn latin_words_are_lowercased_folded_and_stemmed_in_english_and_portuguese() {
        assert_eq!(word("Não"), Word { raw: "nao".into(), stems: vec!["não".into(), "nã".into()] });
        assert_eq!(word("nao"), Word { raw: "nao".into(), stems: vec![] });
        assert_eq!(word("Running"), Word { raw: "running".into(), stems: vec!["run".into()] });
        assert_eq!(word("trabalhando").stems, ["trabalh"]);
        assert_eq!(word("CORAÇÃO").raw, "coracao");
        assert_eq!(word("straße").raw, "strasse");
        assert_eq!(word("don't").raw, "dont");
        assert_eq!(word("it's").stems, ["it"]);
        // Decomposed accents fold the same as composed ones.
        assert_eq!(word("na\u{303}o").raw, "nao");
        // Full-width ASCII is ASCII.
        assert_eq!(word("ＡＢＣ").raw, "abc");
    }

    #[test]
    fn cyrillic_words_fold_yo_and_stress_and_stem_in_russian() {
        assert_eq!(word("Собаками"), Word { raw: "собаками".into(), stems: vec!["собак".into()] });
        assert_eq!(word("ЕЩЁ"), word("еще"));
        assert_eq!(word("за\u{301}мок").raw, "замок");
        assert_eq!(word("и\u{306}од").raw, "йод");
        assert_eq!(word("е\u{308}лка").raw, "елка");
    }

    #[test]
    fn other_words_are_only_lowercased_and_long_ones_cut() {
        assert_eq!(word("2024"), Word { raw: "2024".into(), stems: vec![] });
        assert_eq!(word("ΑΘΗΝΑ").raw, "αθηνα");
        let long = "a".repeat(100);
        assert_eq!(word(&long).raw.len(), MAX_TERM_CHARS);
    }

    #[test]
    fn cjk_runs_give_bigrams_and_unigrams() {
        assert_eq!(terms("天气好"), ["天", "天气", "好", "气", "气好"]);
        assert_eq!(terms("好"), ["好"]);
        assert_eq!(terms("好！"), ["好"]);
        // Runs do not join across punctuation.
        assert!(!has("北京，上海", "京上"));
    }

    #[test]
    fn index_terms_are_deduplicated_and_never_split_by_fts5() {
        let all = terms("Cats cats CATS! Собака, собаки. 天气 天气 don't");
        let mut sorted = all.clone();
        sorted.dedup();
        assert_eq!(all, sorted);
        for term in all {
            // FTS5's ascii tokenizer splits on ASCII characters that are not alphanumeric.
            assert!(term.chars().all(|c| !c.is_ascii() || c.is_ascii_alphanumeric()), "{term}");
            assert!(!term.is_empty());
        }
    }

    #[test]
    fn russian_inflections_meet() {
        for form in ["собаку", "собаки", "собаками", "собака", "Собаке"] {
            assert!(finds("собака", &format!("Я видел {form} вчера")), "{form}");
        }
        assert!(finds("собаками", "у меня две собаки"));
        assert!(finds("гулять", "мы гуляли в парке"));
        assert!(finds("ещё", "еще раз"));
        assert!(finds("еще", "ещё раз"));
        assert!(!finds("собака", "кошка"));
    }

    #[test]
    fn portuguese_inflections_and_accents_meet() {
        assert!(finds("trabalhar", "estou trabalhando agora"));
        assert!(finds("trabalhar", "ontem trabalhei muito"));
        assert!(finds("não", "nao sei"));
        assert!(finds("nao", "não sei"));
        assert!(finds("voce", "você vem?"));
        assert!(finds("coração", "meu coracao"));
        // The stem of "não" ("nã") is not the common "na".
        assert!(!finds("não", "na casa"));
    }

    #[test]
    fn english_inflections_and_prefixes_meet() {
        assert!(finds("run", "I was running late"));
        assert!(finds("running", "we run tomorrow"));
        assert!(finds("typing", "she typed it"));
        assert!(finds("typ", "typing..."));
        assert!(finds("mee", "the Meeting starts"));
        assert!(finds("cats", "my cat"));
        // Short words are whole words, not prefixes.
        assert!(!finds("me", "meeting"));
        assert!(finds("me", "call me"));
        assert!(finds("meeting", "meet me"));
        assert!(!finds("meetings", "meat"));
        assert!(!finds("ran", "running"));
    }

    #[test]
    fn chinese_matches_bigrams_and_single_characters_in_order() {
        assert!(finds("天气", "今天天气很好"));
        assert!(finds("北京", "我在北京工作"));
        assert!(!finds("北京", "京北"));
        assert!(finds("好", "今天天气很好"));
        assert!(finds("天气很好", "今天天气很好"));
        // All the bigrams are there, but not in this order: the re-check refuses it.
        assert!(!finds("天气很好", "天气很冷，心情很好"));
        assert!(finds("北京 工作", "我在北京找工作"));
        assert!(finds("カタカナ", "これはカタカナです"));
    }

    #[test]
    fn every_word_must_match() {
        assert!(finds("cat dog", "the dog and the cat"));
        assert!(!finds("cat dog", "the dog alone"));
        assert!(finds("собака 天气", "собака и 天气"));
    }

    #[test]
    fn empty_and_punctuation_queries_have_nothing_to_search() {
        for q in ["", "   ", "!!!", "\"\"", "* ^ : -", "😀 🎉", "'", "\u{301}"] {
            assert!(Query::parse(q).is_empty(), "{q:?}");
        }
    }

    #[test]
    fn fts_expressions_quote_every_term() {
        assert_eq!(Query::parse("Cats").fts(), r#"("cats"* OR "cat")"#);
        assert_eq!(Query::parse("me").fts(), r#""me""#);
        assert_eq!(Query::parse("天气很").fts(), r#"("天气" AND "气很")"#);
        assert_eq!(Query::parse("好").fts(), r#""好""#);
        assert_eq!(
            Query::parse("AND OR NOT NEAR( * ^ \" : -").fts(),
            r#""and"* AND "or" AND "not"* AND "near"*"#
        );
        // The same word twice is asked for once.
        assert_eq!(Query::parse("cat CAT").fts(), r#""cat"*"#);
    }

    #[test]
    fn oversized_queries_are_cut() {
        // The cut may leave a prefix of the word as a second clause.
        let q = Query::parse(&"слово ".repeat(1000));
        assert!(q.clauses.len() <= 2);
        let q = Query::parse(&"天".repeat(10_000));
        let Clause::Cjk { chars, .. } = &q.clauses[0] else { panic!() };
        assert_eq!(chars.len(), MAX_QUERY_CHARS);
    }

    fn marked<'a>(query: &str, text: &'a str) -> Vec<&'a str> {
        let ranges = Query::parse(query).highlights(text);
        for r in &ranges {
            assert!(text.is_char_boundary(r[0] as usize) && text.is_char_boundary(r[1] as usize));
            assert!(r[0] < r[1]);
        }
        assert!(ranges.windows(2).all(|w| w[0][1] < w[1][0]), "{ranges:?}");
        ranges.iter().map(|r| &text[r[0] as usize..r[1] as usize]).collect()
    }

    #[test]
    fn highlights_cover_whole_matching_words() {
        assert_eq!(marked("собака", "Моя СОБАКА 🐕 любит других собак!"), ["СОБАКА", "собак"]);
        assert_eq!(marked("mee", "The meeting, meet me"), ["meeting", "meet"]);
        assert_eq!(marked("nao", "Não! 😀 não sei, nao"), ["Não", "não", "nao"]);
        assert_eq!(marked("run fast", "Running fast 🏃 runs"), ["Running", "fast", "runs"]);
        assert_eq!(marked("don't", "I don't know"), ["don't"]);
        assert_eq!(marked("zzz", "nothing here"), Vec::<&str>::new());
        assert_eq!(marked("", "anything"), Vec::<&str>::new());
    }

    #[test]
    fn highlights_cover_cjk_runs_as_substrings() {
        assert_eq!(marked("天气", "今天天气很好，天气😀天气"), ["天气", "天气", "天气"]);
        assert_eq!(marked("天气", "天气天气"), ["天气天气"]);
        assert_eq!(marked("好", "很好好"), ["好好"]);
        assert_eq!(marked("北京", "京北"), Vec::<&str>::new());
        // A variation selector inside a run is part of the match.
        assert_eq!(marked("天气", "天\u{FE0F}气"), ["天\u{FE0F}气"]);
    }
}
