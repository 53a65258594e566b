//! WebVTT: `WEBVTT` header, cues with optional ids, `<v Name>` voice tags, NOTE/STYLE/REGION
//! blocks skipped. A cue without a voice tag may name its speaker as `Name: text` (as meeting
//! tools write it).

use std::collections::VecDeque;
use std::io::BufRead;

use crate::engine::Event;

use super::cue::read_cue;
use super::error::Fail;
use super::lines::Lines;
use super::speakers::SpeakerMap;
use super::time::Mark;

/// Queues the events of the next cue; false at the end of the file.
pub fn next_cue<R: BufRead>(
    lines: &mut Lines<R>,
    header_done: &mut bool,
    speakers: &SpeakerMap,
    out: &mut VecDeque<(Event, u64)>,
) -> Result<bool, Fail> {
    if !*header_done {
        read_header(lines)?;
        *header_done = true;
    }
    loop {
        let Some((n, text)) = lines.next_line()? else {
            return Ok(false);
        };
        let text = text.trim_end();
        if text.trim().is_empty() {
            continue;
        }
        if ["NOTE", "STYLE", "REGION"]
            .iter()
            .any(|k| is_keyword(text, k))
        {
            skip_block(lines)?;
            continue;
        }
        if text.contains("-->") {
            let timing = text.to_string();
            read_cue(lines, (n, &timing), Mark::Dot, speakers, out)?;
            return Ok(true);
        }
        // A cue id; the timing line must follow it.
        match lines.next_line()? {
            Some((tn, timing)) if timing.contains("-->") => {
                let timing = timing.to_string();
                read_cue(lines, (tn, &timing), Mark::Dot, speakers, out)?;
                return Ok(true);
            }
            Some((tn, _)) => return Err(Fail::syntax(
                tn,
                "expected a cue timing line like 00:00:01.000 --> 00:00:04.000 after the cue id",
            )),
            None => {
                return Err(Fail::syntax(
                    n,
                    "cue id at the end of the file without a timing line",
                ))
            }
        }
    }
}

fn is_keyword(line: &str, keyword: &str) -> bool {
    line.strip_prefix(keyword)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn read_header<R: BufRead>(lines: &mut Lines<R>) -> Result<(), Fail> {
    let Some((_, first)) = lines.next_line()? else {
        return Ok(());
    };
    if !is_keyword(first, "WEBVTT") {
        return Err(Fail::syntax(
            1,
            "a WebVTT file must start with the line WEBVTT",
        ));
    }
    skip_block(lines)
}

fn skip_block<R: BufRead>(lines: &mut Lines<R>) -> Result<(), Fail> {
    while let Some((_, text)) = lines.next_line()? {
        if text.trim().is_empty() {
            break;
        }
    }
    Ok(())
}
