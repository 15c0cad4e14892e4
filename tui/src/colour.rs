//! Nickname colours in the terminal: the browser's hue, in as many colours as the terminal
//! has (truecolor, 256, or 16), at a lightness that reads on dark and light backgrounds.

use ratatui::style::Color;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    True,
    C256,
    C16,
}

impl Depth {
    /// What the terminal says it can show (`COLORTERM`, then `TERM`).
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Depth {
        if matches!(colorterm, Some(c) if c.contains("truecolor") || c.contains("24bit")) {
            Depth::True
        } else if term.is_some_and(|t| t.contains("256")) {
            Depth::C256
        } else {
            Depth::C16
        }
    }

    pub fn from_env() -> Depth {
        Depth::detect(std::env::var("COLORTERM").ok().as_deref(), std::env::var("TERM").ok().as_deref())
    }
}

/// The colour of `name`.
pub fn name_colour(name: &str, depth: Depth) -> Color {
    let hue = client::palette::hue(name);
    // Mid lightness: readable on black and on white terminals alike.
    let [r, g, b] = client::palette::hsl_to_rgb(hue as f64, 0.75, 0.5).map(|c| c as u8);
    match depth {
        Depth::True => Color::Rgb(r, g, b),
        Depth::C256 => {
            let level = |c: u8| ((c as u16 * 5 + 127) / 255) as u8;
            Color::Indexed(16 + 36 * level(r) + 6 * level(g) + level(b))
        }
        Depth::C16 => match (hue + 30) / 60 % 6 {
            0 => Color::Red,
            1 => Color::Yellow,
            2 => Color::Green,
            3 => Color::Cyan,
            4 => Color::Blue,
            _ => Color::Magenta,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_the_terminal_and_colours_follow_the_hue() {
        assert_eq!(Depth::detect(Some("truecolor"), Some("xterm")), Depth::True);
        assert_eq!(Depth::detect(None, Some("screen-256color")), Depth::C256);
        assert_eq!(Depth::detect(None, Some("linux")), Depth::C16);
        assert_eq!(name_colour("ann", Depth::True), name_colour("ann", Depth::True));
        assert!(matches!(name_colour("ann", Depth::C256), Color::Indexed(16..=231)));
        assert_ne!(name_colour("ann", Depth::True), name_colour("bob", Depth::True));
    }
}
