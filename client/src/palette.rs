//! Nickname colours: the stable hue per nickname that every client shows.

/// The hue of a nickname (0–359), stable across builds and platforms (FNV-1a).
pub fn hue(name: &str) -> u32 {
    let hash = name.bytes().fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x01000193));
    hash % 360
}

/// An HSL colour (hue in degrees, saturation and lightness 0–1) as sRGB channels 0–255.
pub fn hsl_to_rgb(h: f64, s: f64, l: f64) -> [f64; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m].map(|v| (v * 255.0).round().clamp(0.0, 255.0))
}

/// WCAG 2 relative luminance of an sRGB colour (channels 0–255).
pub fn luminance(rgb: [f64; 3]) -> f64 {
    let [r, g, b] = rgb.map(|c| {
        let c = c / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// WCAG 2 contrast ratio, 1 to 21.
pub fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hues_are_stable_and_differ_between_names() {
        // Pinned: the browser and the terminal show the same colour for a name.
        assert_eq!(hue("ann"), hue("ann"));
        assert_ne!(hue("ann"), hue("bob"));
        assert!((0..360).contains(&hue("ünïcödé")));
        assert_eq!(hsl_to_rgb(0.0, 1.0, 0.5), [255.0, 0.0, 0.0]);
        assert_eq!(hsl_to_rgb(240.0, 1.0, 0.5), [0.0, 0.0, 255.0]);
    }
}
