//! Sessions written out for spreadsheets (CSV) and tools (JSON).

use super::archive::SessionRecord;
use crate::engine::timefmt::mmss;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("export format must be csv or json, not '{other}'")),
        }
    }
}

pub fn render(records: &[SessionRecord], format: Format) -> Result<String, serde_json::Error> {
    match format {
        Format::Json => serde_json::to_string_pretty(records),
        Format::Csv => Ok(csv(records)),
    }
}

const HEADER: [&str; 11] = [
    "id",
    "started_utc",
    "agent",
    "duration",
    "outcome",
    "nudges",
    "heeded",
    "items_done",
    "follow_ups",
    "concern",
    "note",
];

fn csv(records: &[SessionRecord]) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    for r in records {
        let s = &r.summary;
        let fields = [
            r.id.to_string(),
            iso_utc(r.started_at),
            r.agent.clone(),
            mmss(s.duration_ms),
            super::note::outcome_label(s.outcome).to_string(),
            s.nudges.len().to_string(),
            s.nudges_heeded.to_string(),
            format!("{}/{}", s.items_done, s.items_total),
            s.follow_ups
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
            s.concern.clone().unwrap_or_default(),
            r.note.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// RFC 4180 quoting, and a leading quote mark for cells a spreadsheet would run as a formula.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Unix ms as `YYYY-MM-DD HH:MM` UTC (days-from-civil, Howard Hinnant's algorithm).
pub fn iso_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_defuses_cells() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
    }

    #[test]
    fn formats_utc_dates() {
        assert_eq!(iso_utc(0), "1970-01-01 00:00");
        assert_eq!(iso_utc(1_795_432_500_000), "2026-11-23 11:15");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29 00:00");
    }
}
