//! The message being written: multi-line text with a cursor that moves by grapheme cluster
//! and by word, and the history of sent lines.

use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Default)]
pub struct Composer {
    text: String,
    /// Byte offset, always on a grapheme boundary.
    cursor: usize,
    history: Vec<String>,
    /// Where Up/Down are in the history (`history.len()`: the text being written).
    browsing: usize,
}

impl Composer {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn insert(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        self.text.insert_str(self.cursor, &text);
        self.cursor += text.len();
    }

    fn boundaries(&self) -> impl Iterator<Item = usize> + '_ {
        self.text.grapheme_indices(true).map(|(i, _)| i).chain(std::iter::once(self.text.len()))
    }

    fn previous(&self) -> usize {
        self.boundaries().take_while(|&i| i < self.cursor).last().unwrap_or(0)
    }

    fn next(&self) -> usize {
        self.boundaries().find(|&i| i > self.cursor).unwrap_or(self.text.len())
    }

    pub fn left(&mut self) {
        self.cursor = self.previous();
    }

    pub fn right(&mut self) {
        self.cursor = self.next();
    }

    pub fn home(&mut self) {
        self.cursor = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
    }

    pub fn end(&mut self) {
        self.cursor = self.text[self.cursor..].find('\n').map_or(self.text.len(), |i| self.cursor + i);
    }

    pub fn backspace(&mut self) {
        let start = self.previous();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    pub fn delete(&mut self) {
        let end = self.next();
        self.text.replace_range(self.cursor..end, "");
    }

    /// To the start of this word (or the one before).
    pub fn word_left(&mut self) {
        let words: Vec<usize> = self.text.unicode_word_indices().map(|(i, _)| i).collect();
        self.cursor = words.into_iter().rfind(|&i| i < self.cursor).unwrap_or(0);
    }

    /// To the end of this word (or the next).
    pub fn word_right(&mut self) {
        let end = self
            .text
            .unicode_word_indices()
            .map(|(i, w)| i + w.len())
            .find(|&end| end > self.cursor)
            .unwrap_or(self.text.len());
        self.cursor = end;
    }

    /// Deletes back to the start of the word.
    pub fn delete_word(&mut self) {
        let end = self.cursor;
        self.word_left();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Takes the text to send, remembering it for Up.
    pub fn take(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        self.cursor = 0;
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        self.browsing = self.history.len();
        text
    }

    /// Up: the previous sent line, when the text is empty or already from the history.
    pub fn history_up(&mut self) -> bool {
        let from_history = self.browsing < self.history.len() && self.history[self.browsing] == self.text;
        if !(self.text.is_empty() || from_history) || self.browsing == 0 {
            return false;
        }
        self.browsing -= 1;
        self.text = self.history[self.browsing].clone();
        self.cursor = self.text.len();
        true
    }

    pub fn history_down(&mut self) -> bool {
        if self.browsing >= self.history.len() {
            return false;
        }
        self.browsing += 1;
        self.text = self.history.get(self.browsing).cloned().unwrap_or_default();
        self.cursor = self.text.len();
        true
    }

    /// The word being typed (after the last space), for completion.
    pub fn word_before_cursor(&self) -> &str {
        let before = &self.text[..self.cursor];
        let start = before
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
        &before[start..]
    }

    /// Replaces the word before the cursor with `word`.
    pub fn complete(&mut self, word: &str) {
        let typed = self.word_before_cursor().len();
        let start = self.cursor - typed;
        self.text.replace_range(start..self.cursor, word);
        self.cursor = start + word.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_by_grapheme_and_by_word() {
        let mut c = Composer::default();
        c.insert("héllo 👍🏽 wörld");
        c.left();
        assert_eq!(&c.text()[c.cursor()..], "d");
        c.word_left();
        assert_eq!(&c.text()[c.cursor()..], "wörld");
        c.left();
        c.left();
        assert_eq!(&c.text()[c.cursor()..], "👍🏽 wörld", "the emoji and its skin tone are one step");
        c.backspace();
        assert_eq!(c.text(), "héllo👍🏽 wörld");
        c.delete();
        assert_eq!(c.text(), "héllo wörld");
        c.word_right();
        assert_eq!(c.cursor(), c.text().len());
        c.delete_word();
        assert_eq!(c.text(), "héllo ");
        c.insert("a\r\nb");
        assert_eq!(c.text(), "héllo a\nb");
        c.home();
        assert_eq!(&c.text()[c.cursor()..], "b");
    }

    #[test]
    fn sent_lines_come_back_with_up() {
        let mut c = Composer::default();
        c.insert("one");
        assert_eq!(c.take(), "one");
        c.insert("two");
        c.take();
        assert!(c.history_up());
        assert_eq!(c.text(), "two");
        assert!(c.history_up());
        assert_eq!(c.text(), "one");
        assert!(!c.history_up());
        assert!(c.history_down());
        assert!(c.history_down());
        assert_eq!(c.text(), "");
        c.insert("draft");
        assert!(!c.history_up(), "a draft is not replaced");
    }

    #[test]
    fn completion_replaces_the_word_before_the_cursor() {
        let mut c = Composer::default();
        c.insert("hi bo");
        assert_eq!(c.word_before_cursor(), "bo");
        c.complete("bob ");
        assert_eq!(c.text(), "hi bob ");
    }
}
