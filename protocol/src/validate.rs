//! The rules for what people may type. The server enforces them; clients use the same
//! functions to warn early.

use crate::ErrorCode;

pub const MAX_MESSAGE_CHARS: usize = 4000;
/// A file's own caption is shorter: ten of them fit in one frame with the message.
pub const MAX_FILE_CAPTION_CHARS: usize = 1000;
pub const MAX_NICKNAME_CHARS: usize = 32;
pub const MAX_ROOM_CHARS: usize = 32;
pub const MAX_CLIENT_ID_BYTES: usize = 64;

/// A rule broken by user input, with the sentence to show the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub code: ErrorCode,
    pub reason: String,
}

impl Invalid {
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Invalid { code, reason: reason.into() }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Invalid {}

/// User-perceived characters (grapheme clusters): "👍🏽" and "é" count as one.
#[cfg(not(target_arch = "wasm32"))]
pub fn char_count(s: &str) -> usize {
    unicode::grapheme_count(s)
}

/// Whether `s` has more than `max` user-perceived characters.
fn longer_than(s: &str, max: usize) -> bool {
    // Cheap bound first: every grapheme has at least one byte.
    s.len() > max && unicode::more_graphemes_than(s, max)
}

/// Returns the message text as it will be stored (surrounding whitespace removed).
pub fn message_text(text: &str) -> Result<&str, Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Invalid::new(ErrorCode::EmptyMessage, "A message cannot be empty."));
    }
    if longer_than(text, MAX_MESSAGE_CHARS) {
        return Err(Invalid::new(
            ErrorCode::MessageTooLong,
            format!("A message can have at most {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    Ok(text)
}

/// A caption of files: like a message's text, but it may be empty.
pub fn caption(text: &str) -> Result<&str, Invalid> {
    if text.trim().is_empty() {
        return Ok("");
    }
    message_text(text)
}

/// One file's own caption as it will be stored: `None` when there is none (empty or only
/// whitespace), else trimmed, at most `MAX_FILE_CAPTION_CHARS` characters.
pub fn file_caption(text: Option<&str>) -> Result<Option<&str>, Invalid> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if longer_than(text, MAX_FILE_CAPTION_CHARS) {
        return Err(Invalid::new(
            ErrorCode::MessageTooLong,
            format!("A file's caption can have at most {MAX_FILE_CAPTION_CHARS} characters."),
        ));
    }
    Ok(Some(text))
}

/// Returns the nickname as it will be shown (surrounding whitespace removed).
pub fn nickname(name: &str) -> Result<&str, Invalid> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Invalid::new(ErrorCode::InvalidNickname, "Please choose a nickname."));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            ErrorCode::InvalidNickname,
            "A nickname cannot contain control characters.",
        ));
    }
    if longer_than(name, MAX_NICKNAME_CHARS) {
        return Err(Invalid::new(
            ErrorCode::InvalidNickname,
            format!("A nickname can have at most {MAX_NICKNAME_CHARS} characters."),
        ));
    }
    Ok(name)
}

/// The form of a nickname that must be unique: NFKC-normalised and lower-cased, so "Ann",
/// "ANN" and the full-width "Ａｎｎ" are one nickname.
pub fn nickname_key(name: &str) -> String {
    unicode::nfkc_lowercase(name.trim())
}

/// Native builds use the Unicode crates.
#[cfg(not(target_arch = "wasm32"))]
mod unicode {
    use unicode_normalization::UnicodeNormalization;
    use unicode_segmentation::UnicodeSegmentation;

    pub fn grapheme_count(s: &str) -> usize {
        s.graphemes(true).count()
    }

    /// Counts no further than `max + 1`.
    pub fn more_graphemes_than(s: &str, max: usize) -> bool {
        s.graphemes(true).nth(max).is_some()
    }

    pub fn nfkc_lowercase(s: &str) -> String {
        s.nfkc().collect::<String>().to_lowercase()
    }
}

/// The browser has the same Unicode algorithms built in (`String.prototype.normalize`,
/// `Intl.Segmenter`), so its build does not carry the crates' tables. In the browser these
/// rules only warn early and compare names for display; the server's native build decides.
#[cfg(target_arch = "wasm32")]
mod unicode {
    use js_sys::{Array, Intl, JsString, Object, Reflect};

    pub fn more_graphemes_than(s: &str, max: usize) -> bool {
        let intl = Reflect::get(&js_sys::global(), &JsString::from("Intl"));
        let has_segmenter =
            intl.and_then(|intl| Reflect::has(&intl, &JsString::from("Segmenter"))).unwrap_or(false);
        if !has_segmenter {
            // A browser without Intl.Segmenter (Firefox before 125) cannot count graphemes;
            // the server counts and refuses with the same sentence.
            return false;
        }
        // The default granularity is "grapheme".
        let segments = Intl::Segmenter::new(&Array::new(), &Object::new()).segment(s);
        Array::from(&segments).length() as usize > max
    }

    pub fn nfkc_lowercase(s: &str) -> String {
        JsString::from(s).normalize("NFKC").to_lower_case().into()
    }
}

/// Returns the canonical (lower-case) room name: 1–32 letters, digits, `-` or `_`.
pub fn room_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if name.is_empty() || name.len() > MAX_ROOM_CHARS || !valid_chars {
        return Err(Invalid::new(
            ErrorCode::InvalidRoom,
            format!("A room name has 1 to {MAX_ROOM_CHARS} characters: letters, digits, '-' and '_'."),
        ));
    }
    Ok(name.to_ascii_lowercase())
}

/// Prefix of the names of direct conversations, which people cannot give their own rooms.
pub const DIRECT_PREFIX: &str = "dm-";

/// The name of a room someone creates: a [`room_name`] that does not look like a direct
/// conversation's.
pub fn new_room_name(name: &str) -> Result<String, Invalid> {
    let name = room_name(name)?;
    if name.starts_with(DIRECT_PREFIX) {
        return Err(Invalid::new(
            ErrorCode::InvalidRoom,
            format!("Room names starting with \"{DIRECT_PREFIX}\" are kept for direct messages."),
        ));
    }
    Ok(name)
}

/// The name of the direct conversation between the people with ids `a` and `b`.
pub fn direct_room(a: i64, b: i64) -> String {
    format!("{DIRECT_PREFIX}{}-{}", a.min(b), a.max(b))
}

/// A client-chosen message id: 1–64 bytes of letters, digits, `-` and `_` (a UUID fits).
pub fn client_id(id: &str) -> Result<&str, Invalid> {
    let ok = !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_BYTES
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(Invalid::new(
            ErrorCode::InvalidClientId,
            "A client_id has 1 to 64 characters: letters, digits, '-' and '_'.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_caption_is_trimmed_none_when_blank_and_bounded() {
        assert_eq!(file_caption(None), Ok(None));
        assert_eq!(file_caption(Some(" \n ")), Ok(None));
        assert_eq!(file_caption(Some("  вид сверху ")), Ok(Some("вид сверху")));
        // Counted in characters people see: a thousand flags are a thousand.
        assert!(file_caption(Some(&"🇧🇷".repeat(MAX_FILE_CAPTION_CHARS))).unwrap().is_some());
        assert_eq!(
            file_caption(Some(&"字".repeat(MAX_FILE_CAPTION_CHARS + 1))).unwrap_err().code,
            ErrorCode::MessageTooLong
        );
    }

    #[test]
    fn message_rules() {
        assert_eq!(message_text("  hi \n").unwrap(), "hi");
        assert_eq!(message_text(" \n\t ").unwrap_err().code, ErrorCode::EmptyMessage);
        assert!(message_text(&"a".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(
            message_text(&"a".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err().code,
            ErrorCode::MessageTooLong
        );
        // 4000 emoji are 16000 bytes but 4000 characters: allowed.
        assert!(message_text(&"😀".repeat(MAX_MESSAGE_CHARS)).is_ok());
        // Skin-tone emoji are one character each.
        assert!(message_text(&"👍🏽".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(message_text(&"я".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }

    #[test]
    fn nickname_rules() {
        assert_eq!(nickname(" ann ").unwrap(), "ann");
        assert!(nickname("").is_err());
        assert!(nickname("   ").is_err());
        assert!(nickname("a\u{7}b").is_err());
        assert!(nickname("a\nb").is_err());
        assert!(nickname(&"x".repeat(33)).is_err());
        assert!(nickname(&"ж".repeat(32)).is_ok());
        assert!(nickname("李小龙").is_ok());
    }

    #[test]
    fn nickname_keys_fold_case_and_compatibility_forms() {
        assert_eq!(nickname_key("Ann"), "ann");
        assert_eq!(nickname_key("Ａｎｎ"), "ann");
        assert_eq!(nickname_key(" ﬁona "), "fiona");
        assert_eq!(nickname_key("БОРИС"), "борис");
        assert_ne!(nickname_key("ann"), nickname_key("anne"));
    }

    #[test]
    fn room_rules() {
        assert_eq!(room_name("General").unwrap(), "general");
        assert_eq!(room_name("rust-lang_2").unwrap(), "rust-lang_2");
        for bad in ["", "a b", "a/b", "é", &"r".repeat(33)] {
            assert_eq!(room_name(bad).unwrap_err().code, ErrorCode::InvalidRoom, "{bad:?}");
        }
        // Direct conversations have names no one can take for a room.
        assert_eq!(direct_room(7, 3), "dm-3-7");
        assert_eq!(room_name("DM-3-7").unwrap(), "dm-3-7");
        assert_eq!(new_room_name("DM-3-7").unwrap_err().code, ErrorCode::InvalidRoom);
        assert_eq!(new_room_name("dmz").unwrap(), "dmz");
    }

    #[test]
    fn client_id_rules() {
        assert!(client_id("550e8400-e29b-41d4-a716-446655440000").is_ok());
        assert!(client_id("").is_err());
        assert!(client_id("a b").is_err());
        assert!(client_id(&"a".repeat(65)).is_err());
    }
}
