//! How long to wait before trying to reconnect.

/// The first retry waits up to this long.
pub const FIRST_MS: f64 = 500.0;
/// No retry waits longer.
pub const CAP_MS: f64 = 10_000.0;

/// Delay before reconnect attempt `attempt` (1-based), in ms: doubling from 0.5 s, capped at
/// 10 s, jittered down to half by `random` (in `0..1`) so that a restarted server is not hit by
/// every client at once.
pub fn delay_ms(attempt: u32, random: f64) -> f64 {
    let ceiling = (FIRST_MS * (1u64 << attempt.saturating_sub(1).min(5)) as f64).min(CAP_MS);
    ceiling * (0.5 + 0.5 * random.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_half_a_second_and_stops_at_ten() {
        let ceilings: Vec<f64> = (1..=8).map(|n| delay_ms(n, 1.0)).collect();
        assert_eq!(ceilings, vec![500.0, 1000.0, 2000.0, 4000.0, 8000.0, 10_000.0, 10_000.0, 10_000.0]);
        for n in [0, 1, 3, 6, 40, u32::MAX] {
            let low = delay_ms(n, 0.0);
            let high = delay_ms(n, 0.999);
            assert!(low >= 250.0 && high <= CAP_MS && low <= high, "{n}: {low} {high}");
            assert_eq!(low, delay_ms(n, 1.0) / 2.0);
        }
        // Out-of-range randomness cannot escape the bounds.
        assert_eq!(delay_ms(2, -3.0), 500.0);
        assert_eq!(delay_ms(2, 7.0), 1000.0);
    }
}
