//! Times in transcripts: JSON seconds and subtitle timestamps, checked and turned into ms.

use crate::engine::Ms;

/// Longest call we accept. Anything beyond is a unit mix-up (ms given as seconds) or garbage.
pub const MAX_CALL_MS: Ms = 24 * 3600 * 1000;

/// Seconds as a JSON number into ms, refusing what cannot be a time in a call.
pub fn seconds_to_ms(seconds: f64) -> Result<Ms, String> {
    if !seconds.is_finite() {
        return Err(format!("{seconds} is not a time in seconds"));
    }
    if seconds < 0.0 {
        return Err(format!("must not be negative (got {seconds})"));
    }
    let ms = (seconds * 1000.0).round();
    if ms > MAX_CALL_MS as f64 {
        return Err(format!(
            "{seconds} s is more than 24 hours; times are seconds from the call start"
        ));
    }
    Ok(ms as Ms)
}

/// Which decimal mark a subtitle format uses between seconds and milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// WebVTT `00:01:02.500`.
    Dot,
    /// SRT `00:01:02,500` (a dot is tolerated, as many tools write one).
    Comma,
}

/// `hh:mm:ss.ttt` or `mm:ss.ttt` into ms.
pub fn parse_timestamp(s: &str, mark: Mark) -> Result<Ms, String> {
    let bad = || {
        let example = match mark {
            Mark::Dot => "00:01:02.500 or 01:02.500",
            Mark::Comma => "00:01:02,500",
        };
        format!("\"{s}\" is not a timestamp like {example}")
    };
    let (clock, frac) = s
        .rsplit_once(|c| c == '.' || (c == ',' && mark == Mark::Comma))
        .ok_or_else(bad)?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [m, s] if mark == Mark::Dot => ("0", *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(bad()),
    };
    let number = |p: &str, exact: Option<usize>| -> Result<u64, String> {
        let digits_ok = !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits_ok || exact.is_some_and(|n| p.len() != n) {
            return Err(bad());
        }
        p.parse::<u64>().map_err(|_| bad())
    };
    let (h, m, sec) = (number(h, None)?, number(m, Some(2))?, number(sec, Some(2))?);
    if m > 59 || sec > 59 {
        return Err(format!("\"{s}\": minutes and seconds must be below 60"));
    }
    let ms = ((h * 60 + m) * 60 + sec) * 1000 + number(frac, Some(3))?;
    if ms > MAX_CALL_MS {
        return Err(format!("\"{s}\" is more than 24 hours into the call"));
    }
    Ok(ms)
}

/// `01:02.500`, or `1:01:02.500` past the hour, for messages.
pub fn show(ms: Ms) -> String {
    let (h, m, s, t) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{t:03}")
    } else {
        format!("{m:02}:{s:02}.{t:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(seconds_to_ms(12.3), Ok(12_300));
        assert_eq!(seconds_to_ms(0.0), Ok(0));
        assert!(seconds_to_ms(-0.5).unwrap_err().contains("negative"));
        assert!(seconds_to_ms(f64::NAN).is_err());
        assert!(seconds_to_ms(1e12).unwrap_err().contains("24 hours"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("01:02:03.456", Mark::Dot), Ok(3_723_456));
        assert_eq!(parse_timestamp("02:03.456", Mark::Dot), Ok(123_456));
        assert_eq!(parse_timestamp("00:00:01,500", Mark::Comma), Ok(1_500));
        assert_eq!(parse_timestamp("00:00:01.500", Mark::Comma), Ok(1_500));
        assert!(parse_timestamp("00:00:01,500", Mark::Dot).is_err());
        assert!(parse_timestamp("02:03,456", Mark::Comma).is_err());
        assert!(parse_timestamp("00:61:00.000", Mark::Dot).is_err());
        assert!(parse_timestamp("00:01:00.5", Mark::Dot).is_err());
        assert!(parse_timestamp("25:00:00.000", Mark::Dot).is_err());
        assert!(parse_timestamp("+1:00:00.000", Mark::Dot).is_err());
    }

    #[test]
    fn shows() {
        assert_eq!(show(12_300), "00:12.300");
        assert_eq!(show(3_723_456), "1:02:03.456");
    }
}
