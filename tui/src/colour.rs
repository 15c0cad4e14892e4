//! Nickname colours in the terminal: the browser's hue, in as many colours as the terminal
//! has (truecolor, 256, or 16), at a lightness that reads on dark and light backgrounds.
//!
//! The terminal's background is unknown, so the lightness is walked (per hue) to the
//! luminance that contrasts equally with black and with white: about 4.5:1 with each.

use client::palette::{hsl_to_rgb, luminance};
use ratatui::style::Color;
use std::sync::OnceLock;

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
    let [r, g, b] = hue_colours()[hue as usize];
    match depth {
        Depth::True => Color::Rgb(r, g, b),
        Depth::C256 => Color::Indexed(cube_index([r, g, b])),
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

/// The luminance whose contrast with black equals its contrast with white:
/// (Y + 0.05) / 0.05 = 1.05 / (Y + 0.05).
const EVEN_LUMINANCE: f64 = 0.179_129;
const SATURATION: f64 = 0.75;

/// Every hue's colour, computed once: names are coloured on every frame.
fn hue_colours() -> &'static [[u8; 3]] {
    static COLOURS: OnceLock<Vec<[u8; 3]>> = OnceLock::new();
    COLOURS.get_or_init(|| (0..360).map(rgb_of_hue).collect())
}

/// The colour of a hue at the lightness that reads on black and on white alike.
fn rgb_of_hue(hue: u32) -> [u8; 3] {
    let rgb = |l: f64| hsl_to_rgb(hue as f64, SATURATION, l);
    // Luminance rises with lightness at a fixed hue and saturation: bisect.
    let (mut low, mut high) = (0.0, 1.0);
    for _ in 0..30 {
        let mid = (low + high) / 2.0;
        if luminance(rgb(mid)) < EVEN_LUMINANCE {
            low = mid;
        } else {
            high = mid;
        }
    }
    rgb(low).map(|c| c.round().clamp(0.0, 255.0) as u8)
}

/// The channel values of xterm's 6×6×6 colour cube (indexes 16–231).
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The cube colour nearest each channel.
fn cube_index(rgb: [u8; 3]) -> u8 {
    let level = |c: u8| (0..6).min_by_key(|&l| (CUBE[l] as i16 - c as i16).abs()).unwrap_or(0) as u8;
    16 + 36 * level(rgb[0]) + 6 * level(rgb[1]) + level(rgb[2])
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

    #[test]
    fn every_hue_reads_on_black_and_on_white() {
        use client::palette::contrast;
        const BLACK: [f64; 3] = [0.0; 3];
        const WHITE: [f64; 3] = [255.0; 3];
        let cube = |i: u8| {
            let i = i - 16;
            [i / 36, i / 6 % 6, i % 6].map(|l| CUBE[l as usize] as f64)
        };
        for hue in 0..360 {
            let [r, g, b] = hue_colours()[hue];
            let reads =
                |rgb: [f64; 3], ratio: f64| contrast(rgb, BLACK) >= ratio && contrast(rgb, WHITE) >= ratio;
            assert!(reads([r, g, b].map(f64::from), 4.4), "hue {hue}: {r},{g},{b}");
            // 256 colours round to the cube: still readable on both (3:1, as for large text).
            assert!(reads(cube(cube_index([r, g, b])), 3.0), "hue {hue} in 256 colours");
        }
    }
}
