//! mm:ss for people reading a call timeline.

use super::event::Ms;

/// Playbook seconds to engine milliseconds (negative counts as zero).
pub fn ms_from_secs(seconds: f32) -> Ms {
    (seconds.max(0.0) * 1000.0).round() as Ms
}

/// `02:13` for 133_000 ms; hours appear only when needed (`1:02:13`).
pub fn mmss(ms: Ms) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Seconds with one decimal: `1.4 s`.
pub fn secs(ms: Ms) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(mmss(133_000), "02:13");
        assert_eq!(mmss(3_733_000), "1:02:13");
        assert_eq!(secs(1_449), "1.4 s");
    }
}
