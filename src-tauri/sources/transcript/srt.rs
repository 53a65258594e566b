//! SRT: numbered subtitles, `hh:mm:ss,ttt --> hh:mm:ss,ttt`, the speaker as a `Name:` prefix.

use std::collections::VecDeque;
use std::io::BufRead;

use crate::engine::Event;

use super::cue::read_cue;
use super::error::Fail;
use super::lines::Lines;
use super::speakers::SpeakerMap;
use super::time::Mark;

const TIMING_EXAMPLE: &str = "00:00:01,000 --> 00:00:04,000";

/// Queues the events of the next subtitle; false at the end of the file.
pub fn next_cue<R: BufRead>(
    lines: &mut Lines<R>,
    speakers: &SpeakerMap,
    out: &mut VecDeque<(Event, u64)>,
) -> Result<bool, Fail> {
    loop {
        let Some((n, text)) = lines.next_line()? else {
            return Ok(false);
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if text.contains("-->") {
            // Some tools leave out the subtitle number.
            let timing = text.to_string();
            read_cue(lines, (n, &timing), Mark::Comma, speakers, out)?;
            return Ok(true);
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Fail::syntax(
                n,
                format!("expected a subtitle number or a timing line like {TIMING_EXAMPLE}"),
            ));
        }
        let number = text.to_string();
        return match lines.next_line()? {
            Some((tn, timing)) if timing.contains("-->") => {
                let timing = timing.to_string();
                read_cue(lines, (tn, &timing), Mark::Comma, speakers, out)?;
                Ok(true)
            }
            Some((tn, _)) => Err(Fail::syntax(
                tn,
                format!(
                    "expected a timing line like {TIMING_EXAMPLE} after subtitle number {number}"
                ),
            )),
            None => Err(Fail::syntax(
                n,
                format!("subtitle number {number} at the end of the file without a timing line"),
            )),
        };
    }
}
