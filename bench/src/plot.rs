//! The plot of latency against delivery rate (scenario b) as a small standalone SVG.

use std::fmt::Write;

/// Writes `points` (deliveries/s, p50 ms, p99 ms) as two lines on a log-scale latency axis,
/// with the p99 budget drawn across.
pub fn latency_svg(path: &str, points: &[(f64, f64, f64)], budget_ms: f64) -> std::io::Result<()> {
    let (width, height, left, right, top, bottom) = (720.0, 420.0, 70.0, 20.0, 30.0, 50.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let max_rate = points.iter().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    // Latency on a log scale from 0.1 ms to the largest value (at least a second).
    let max_ms = points.iter().map(|p| p.2).fold(1000.0, f64::max);
    let (lo, hi) = (0.1f64.log10(), max_ms.log10());
    let x = |rate: f64| left + rate / max_rate * plot_w;
    let y = |ms: f64| top + plot_h - (ms.max(0.1).log10() - lo) / (hi - lo) * plot_h;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="{}" y="18" text-anchor="middle" font-size="14">Natter fan-out: latency against delivery rate (scenario b)</text>
"##,
        width / 2.0
    );
    // Axes and grid.
    let _ = writeln!(
        svg,
        r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#000"/><line x1="{left}" y1="{top}" x2="{left}" y2="{}" stroke="#000"/>"##,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    let mut ms = 0.1;
    while ms <= max_ms * 1.001 {
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#ddd"/><text x="{2}" y="{3:.1}" text-anchor="end">{4} ms</text>"##,
            y(ms),
            left + plot_w,
            left - 6.0,
            y(ms) + 4.0,
            ms
        );
        ms *= 10.0;
    }
    for i in 0..=5 {
        let rate = max_rate * i as f64 / 5.0;
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{}" text-anchor="middle">{}k</text>"##,
            x(rate),
            top + plot_h + 18.0,
            (rate / 1000.0).round()
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle">deliveries per second</text>"##,
        left + plot_w / 2.0,
        height - 8.0
    );
    // The budget.
    let _ = writeln!(
        svg,
        r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#c00" stroke-dasharray="6 4"/><text x="{1}" y="{2:.1}" text-anchor="end" fill="#c00">p99 budget {3} ms</text>"##,
        y(budget_ms),
        left + plot_w,
        y(budget_ms) - 4.0,
        budget_ms
    );
    for (series, colour, label) in [(1usize, "#1f6feb", "p50"), (2, "#d9480f", "p99")] {
        let path: Vec<String> = points
            .iter()
            .map(|p| {
                let ms = if series == 1 { p.1 } else { p.2 };
                format!("{:.1},{:.1}", x(p.0), y(ms))
            })
            .collect();
        let _ = writeln!(
            svg,
            r##"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"##,
            path.join(" ")
        );
        for point in &path {
            let (px, py) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(svg, r##"<circle cx="{px}" cy="{py}" r="3" fill="{colour}"/>"##);
        }
        let legend_y = top + 14.0 + 16.0 * (series as f64 - 1.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{colour}" stroke-width="2"/><text x="{3}" y="{4}">{label}</text>"##,
            left + 12.0,
            legend_y,
            left + 32.0,
            left + 38.0,
            legend_y + 4.0
        );
    }
    svg.push_str("</svg>\n");
    std::fs::write(path, svg)
}
