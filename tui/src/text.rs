//! Text measured in terminal cells: wrapping by display width, grapheme by grapheme.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Cells a grapheme cluster takes: CJK and emoji two, combining marks none (a cluster of
/// marks alone still takes one, as terminals draw it).
pub fn cells(grapheme: &str) -> usize {
    match grapheme {
        "\t" => 4,
        g => UnicodeWidthStr::width(g).min(2),
    }
}

pub fn width(text: &str) -> usize {
    text.graphemes(true).map(cells).sum()
}

/// Splits styled pieces into lines of at most `width` cells, breaking after the last space
/// that fits (or inside a word longer than a line); `\n` breaks a line.
pub fn wrap<S: Copy + PartialEq>(pieces: &[(&str, S)], width: usize) -> Vec<Vec<(String, S)>> {
    let width = width.max(1);
    let mut lines: Vec<Vec<(String, S)>> = Vec::new();
    // The line being filled, as (grapheme, style) pairs.
    let mut line: Vec<(&str, S)> = Vec::new();
    let mut used = 0;
    let mut last_space: Option<usize> = None;
    let finish = |line: &[(&str, S)], lines: &mut Vec<Vec<(String, S)>>| {
        let mut out: Vec<(String, S)> = Vec::new();
        for (g, s) in line {
            match out.last_mut() {
                Some((text, style)) if style == s => text.push_str(g),
                _ => out.push(((*g).to_owned(), *s)),
            }
        }
        lines.push(out);
    };
    for (text, style) in pieces {
        for g in text.graphemes(true) {
            if g == "\n" || g == "\r\n" {
                finish(&line, &mut lines);
                line.clear();
                used = 0;
                last_space = None;
                continue;
            }
            let w = cells(g);
            if used + w > width && !line.is_empty() {
                // After the last space, unless that would carry more than half a line down
                // (text without spaces, such as Chinese or Japanese, breaks anywhere).
                let cut = match last_space {
                    _ if g == " " => line.len(),
                    Some(at) if carried(&line[at + 1..]) * 2 <= width => at + 1,
                    _ => line.len(),
                };
                let rest: Vec<(&str, S)> = line.split_off(cut);
                finish(&line, &mut lines);
                line = rest;
                used = line.iter().map(|(g, _)| cells(g)).sum();
                last_space = None;
                if g == " " {
                    continue;
                }
            }
            if g == " " {
                last_space = Some(line.len());
            }
            line.push((g, *style));
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        finish(&line, &mut lines);
    }
    lines
}

/// `text` cut to `width` cells, ending in "…" when cut.
pub fn fit(text: &str, width: usize) -> String {
    if self::width(text) <= width {
        return text.to_owned();
    }
    // Room for the ellipsis.
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = cells(g);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push_str(g);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

fn carried<S>(line: &[(&str, S)]) -> usize {
    line.iter().map(|(g, _)| cells(g)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str, w: usize) -> Vec<String> {
        wrap(&[(text, 0u8)], w).into_iter().map(|l| l.into_iter().map(|(t, _)| t).collect()).collect()
    }

    #[test]
    fn widths_count_cells() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("日本語"), 6);
        assert_eq!(width("e\u{301}"), 1, "a combining mark takes no cell");
        assert_eq!(width("👍🏽"), 2);
        assert_eq!(width("שלום"), 4);
    }

    #[test]
    fn fitting_cuts_by_cells() {
        assert_eq!(fit("general", 20), "general");
        assert_eq!(fit("日本語の部屋", 5), "日本…");
    }

    #[test]
    fn lines_wrap_by_display_width() {
        assert_eq!(plain("hello world again", 11), ["hello world", "again"]);
        assert_eq!(plain("hello wonderful", 8), ["hello ", "wonderfu", "l"]);
        assert_eq!(plain("日本語のテキスト", 5), ["日本", "語の", "テキ", "スト"]);
        assert_eq!(plain("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(plain("one\ntwo", 10), ["one", "two"]);
        assert_eq!(plain("", 10), [""]);
        for line in plain("mixed 日本 text with é\u{301} and 👍 everywhere 日本語", 7) {
            assert!(width(&line) <= 7, "{line:?}");
        }
    }
}
