//! Finding `@nick` mentions in a message's text. A nickname may hold spaces, so each `@`
//! offers a few candidates (one to three words, with and without trailing punctuation), tried
//! longest first against the people the room knows; `@room` mentions everyone.

/// The most mentions one message records.
pub const MAX_MENTIONS: usize = 20;
/// The most `@`s of one message looked at.
const MAX_ATS: usize = 50;
/// A nickname is at most three words long as far as mentions go.
const MAX_WORDS: usize = 3;

/// What a text says after one `@`: its candidate nicknames, longest first.
#[derive(Debug, PartialEq, Eq)]
pub struct At {
    pub candidates: Vec<String>,
}

/// The `@`s of `text` that may be mentions, and whether it says `@room`.
pub fn scan(text: &str) -> (Vec<At>, bool) {
    let mut ats = Vec::new();
    let mut everyone = false;
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts = c == '@' && previous.is_none_or(|p| !p.is_alphanumeric() && p != '@');
        previous = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        let words: Vec<&str> = rest.split(' ').take(MAX_WORDS).take_while(|w| !w.is_empty()).collect();
        let Some(first) = words.first() else { continue };
        if trimmed(first).eq_ignore_ascii_case("room") {
            everyone = true;
            continue;
        }
        let mut candidates = Vec::new();
        for n in (1..=words.len()).rev() {
            let joined = words[..n].join(" ");
            let first_line = joined.lines().next().unwrap_or("").to_owned();
            for candidate in [first_line.clone(), trimmed(&first_line).to_owned()] {
                if !candidate.is_empty() && !candidates.contains(&candidate) {
                    candidates.push(candidate);
                }
            }
        }
        if !candidates.is_empty() {
            ats.push(At { candidates });
        }
        if ats.len() == MAX_ATS {
            break;
        }
    }
    (ats, everyone)
}

/// `word` without the punctuation that ends a sentence or a clause after a name.
fn trimmed(word: &str) -> &str {
    word.trim_end_matches(|c: char| ",.!?;:)]}\"'»…".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(text: &str) -> Vec<Vec<String>> {
        scan(text).0.into_iter().map(|at| at.candidates).collect()
    }

    #[test]
    fn each_at_offers_longest_first() {
        assert_eq!(candidates("hi @ann"), [vec!["ann"]]);
        assert_eq!(candidates("@Ann Lee, look"), [vec!["Ann Lee, look", "Ann Lee,", "Ann Lee", "Ann"]]);
        assert_eq!(candidates("thanks @Борис!"), [vec!["Борис!", "Борис"]]);
        assert_eq!(candidates("@李雷 你好"), [vec!["李雷 你好", "李雷"]]);
    }

    #[test]
    fn emails_and_bare_ats_are_not_mentions() {
        assert!(candidates("write to ann@example.org").is_empty());
        assert!(candidates("@ alone").is_empty());
        assert!(candidates("@@ann").len() <= 1);
    }

    #[test]
    fn at_room_mentions_everyone() {
        let (ats, everyone) = scan("@room lunch?");
        assert!(everyone);
        assert!(ats.is_empty());
        assert!(scan("@ROOM.").1);
        assert!(!scan("the room").1);
    }

    #[test]
    fn a_line_break_ends_a_name() {
        assert_eq!(candidates("@ann\nnext line"), [vec!["ann"]]);
    }
}
