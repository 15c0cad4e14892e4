//! Message times. The server renders UTC (it cannot know the reader's zone); once the app
//! runs in the browser it shows the reader's local time, written as the interface's language
//! writes times.

/// A moment as UTC calendar fields: (year, month, day, hour, minute, second).
///
/// Plain arithmetic on days since the epoch (the proleptic Gregorian calendar, in 400-year
/// eras of 146,097 days) rather than a date crate: these two formats are all the browser
/// needs, and the `time` crate's formatting machinery was about 6 KB of its download. The
/// tests check it against `time` over four centuries.
fn utc(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400) as u32);
    // Days since 0000-03-01, so that leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146_096
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // from March 1
    let month_from_march = (5 * day_of_year + 2) / 153; // 0 = March .. 11 = February
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = (if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 }) as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day, of_day / 3_600, of_day / 60 % 60, of_day % 60)
}

/// Machine-readable time for `<time datetime>`.
pub fn iso(ms: i64) -> String {
    let (year, month, day, hour, minute, second) = utc(ms);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// "14:05 UTC": what the server can say.
pub fn utc_clock(ms: i64) -> String {
    let (_, _, _, hour, minute, _) = utc(ms);
    format!("{hour:02}:{minute:02} UTC")
}

/// The time in the reader's zone, as the interface's language writes it (browser only).
#[cfg(feature = "hydrate")]
pub fn local_clock(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    date.to_locale_time_string_with_options(crate::lang::locale().tag(), &options).into()
}

#[cfg(test)]
mod tests {
    use time::{macros::format_description, OffsetDateTime};

    #[test]
    fn formats_utc() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc_clock(1_700_000_000_000), "22:13 UTC");
        assert_eq!(super::iso(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(super::iso(-1), "1969-12-31T23:59:59Z");
    }

    /// Every day from 1800 to 2200 (leap years, centuries, 2000's leap day, before the epoch)
    /// and odd times of day, against the `time` crate.
    #[test]
    fn agrees_with_the_time_crate() {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        let clock = format_description!("[hour]:[minute] UTC");
        let (from, to) = (-5_364_662_400_i64, 7_258_118_400_i64); // 1800-01-01, 2200-01-01
        let mut secs = from;
        while secs < to {
            for offset in [0, 1, 59, 3_599, 43_261, 86_399] {
                let at = secs + offset;
                let expected = OffsetDateTime::from_unix_timestamp(at).unwrap();
                let ms = at * 1000 + 999;
                assert_eq!(super::iso(ms), expected.format(format).unwrap(), "{at}");
                assert_eq!(super::utc_clock(ms), expected.format(clock).unwrap(), "{at}");
            }
            secs += 86_400;
        }
    }
}
