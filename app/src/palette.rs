//! Name colours: a stable hue per nickname, with lightness chosen so the name reads at a
//! contrast of at least 4.5:1 (WCAG AA) on every background it appears on, in both themes.

/// Backgrounds names are drawn on, per theme (`--bg`, `--panel`, `--own`, `--other` in
/// `style/main.css`; a test keeps the two in step).
pub const LIGHT_BACKGROUNDS: [&str; 4] = ["#f6f7f9", "#ffffff", "#dbeafe", "#ffffff"];
pub const DARK_BACKGROUNDS: [&str; 4] = ["#121417", "#1b1e23", "#1e3a66", "#22262c"];
pub const MIN_CONTRAST: f64 = 4.5;

pub use client::palette::contrast;
use client::palette::hsl_to_rgb;
/// The hue of a nickname, shared with the terminal client.
pub use client::palette::hue;

/// The inline style giving a name its colours: `--name`, one for each theme.
pub fn name_style(name: &str) -> String {
    let (light, dark) = name_colors(name);
    format!("--name: light-dark({light}, {dark})")
}

/// (light theme colour, dark theme colour) of a nickname, as `#rrggbb`.
pub fn name_colors(name: &str) -> (String, String) {
    let hue = hue(name) as f64;
    (readable(hue, 0.70, 0.42, -0.01, &LIGHT_BACKGROUNDS), readable(hue, 0.75, 0.62, 0.01, &DARK_BACKGROUNDS))
}

/// Walks lightness from `start` by `step` until the colour has enough contrast on every
/// background (black or white always do, so it ends).
fn readable(hue: f64, saturation: f64, start: f64, step: f64, backgrounds: &[&str]) -> String {
    let backgrounds: Vec<[f64; 3]> = backgrounds.iter().filter_map(|b| parse_hex(b)).collect();
    let mut lightness = start;
    loop {
        let rgb = hsl_to_rgb(hue, saturation, lightness);
        let worst = backgrounds.iter().map(|bg| contrast(rgb, *bg)).fold(f64::INFINITY, f64::min);
        if worst >= MIN_CONTRAST || !(0.0..=1.0).contains(&(lightness + step)) {
            return to_hex(rgb);
        }
        lightness += step;
    }
}

fn to_hex([r, g, b]: [f64; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", r as u8, g as u8, b as u8)
}

pub fn parse_hex(hex: &str) -> Option<[f64; 3]> {
    let hex = hex.strip_prefix('#')?;
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok().map(f64::from);
    Some([channel(0)?, channel(2)?, channel(4)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hue_is_readable_on_every_background_in_both_themes() {
        for hue in 0..360 {
            let light = readable(hue as f64, 0.70, 0.42, -0.01, &LIGHT_BACKGROUNDS);
            let dark = readable(hue as f64, 0.75, 0.62, 0.01, &DARK_BACKGROUNDS);
            for (colour, backgrounds) in [(&light, &LIGHT_BACKGROUNDS), (&dark, &DARK_BACKGROUNDS)] {
                for bg in backgrounds {
                    let ratio = contrast(parse_hex(colour).unwrap(), parse_hex(bg).unwrap());
                    assert!(ratio >= MIN_CONTRAST, "hue {hue}: {colour} on {bg} is {ratio:.2}:1");
                }
            }
        }
    }

    #[test]
    fn colours_are_stable_and_differ_between_names() {
        assert_eq!(name_colors("ann"), name_colors("ann"));
        assert_ne!(hue("ann"), hue("bob"));
        assert_eq!(contrast([0.0; 3], [255.0; 3]).round(), 21.0);
    }

    /// The backgrounds above are the stylesheet's: a theme change that breaks contrast fails.
    #[test]
    fn backgrounds_match_the_stylesheet() {
        let css = include_str!("../../style/main.css");
        // `--bg: light-dark(#light, #dark);`
        let var = |name: &str| -> (String, String) {
            let at = css.find(&format!("{name}: light-dark(")).unwrap_or_else(|| panic!("{name} missing"));
            let value = css[at..].split_once('(').unwrap().1.split_once(')').unwrap().0;
            let (light, dark) = value.split_once(',').unwrap();
            (light.trim().to_owned(), dark.trim().to_owned())
        };
        let (light, dark): (Vec<String>, Vec<String>) =
            ["--bg", "--panel", "--own", "--other"].iter().map(|n| var(n)).unzip();
        assert_eq!(light, LIGHT_BACKGROUNDS.to_vec());
        assert_eq!(dark, DARK_BACKGROUNDS.to_vec());
    }
}
