//! Transcript files (JSONL, WebVTT, SRT) read into engine events.
//!
//! Reading streams line by line with bounded memory; events come out in file order (see
//! [`crate::sources::schedule`] for the order a live call would deliver them). Every error names
//! the file, the 1-based line, the field when one is at fault, and a reason. After an error the
//! reader stops. The formats are described in `docs/transcript-formats.md` and in the `jsonl` module.
//!
//! Every format must keep events in start-time order (overlapping speech is fine), an end may not
//! come before its start, `call_start` can only be the first event and `call_end` only the last
//! (not before any speech has ended), and holds pair up.

mod cue;
mod error;
mod jsonl;
mod lines;
mod order;
mod speakers;
mod srt;
mod time;
mod vtt;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::engine::Event;

pub use error::{ErrorKind, ReadError};
pub use lines::MAX_LINE_BYTES;
pub use order::start_ms;
pub use speakers::{SpeakerMap, SpeakerSpecError};
pub use time::MAX_CALL_MS;

use error::Fail;
use lines::Lines;
use order::Order;

/// Transcript file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines, times in seconds (`.jsonl`, `.ndjson`, `.json`).
    Jsonl,
    /// WebVTT with voice tags (`.vtt`).
    Vtt,
    /// SubRip with `Name:` prefixes (`.srt`).
    Srt,
}

impl Format {
    /// The format a file name's extension promises, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            "vtt" => Some(Format::Vtt),
            "srt" => Some(Format::Srt),
            _ => None,
        }
    }

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Vtt => "vtt",
            Format::Srt => "srt",
        }
    }

    /// Guesses from the first line that is not blank or a comment.
    fn sniff(line: &str) -> Option<Format> {
        let line = line.trim();
        if line.starts_with('{') {
            Some(Format::Jsonl)
        } else if line.starts_with("WEBVTT") {
            Some(Format::Vtt)
        } else if line.bytes().all(|b| b.is_ascii_digit()) || line.contains("-->") {
            Some(Format::Srt)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    /// `jsonl`, `vtt` or `srt` (any case), or one of the file extensions.
    fn from_str(s: &str) -> Result<Format, String> {
        Format::from_path(Path::new(&format!("x.{}", s.trim())))
            .ok_or_else(|| format!("unknown transcript format \"{s}\"; use jsonl, vtt or srt"))
    }
}

/// Opens a transcript; the format comes from the extension or, failing that, the content.
pub fn open(
    path: &Path,
    speakers: &SpeakerMap,
) -> Result<TranscriptReader<BufReader<File>>, ReadError> {
    let file =
        File::open(path).map_err(|e| Fail::at(0, ErrorKind::Io(e)).with_path(path.into()))?;
    Ok(from_reader(
        BufReader::with_capacity(64 * 1024, file),
        path,
        Format::from_path(path),
        speakers,
    ))
}

/// Reads a transcript from memory or a stream. `origin` names it in errors; `format: None`
/// guesses from the content.
pub fn from_reader<R: BufRead>(
    reader: R,
    origin: impl Into<PathBuf>,
    format: Option<Format>,
    speakers: &SpeakerMap,
) -> TranscriptReader<R> {
    TranscriptReader {
        path: origin.into(),
        lines: Lines::new(reader),
        format,
        speakers: speakers.clone(),
        order: Order::default(),
        vtt_header_done: false,
        queue: VecDeque::new(),
        emitted: 0,
        done: false,
    }
}

/// Events of one transcript in file order; yields at most one error, then ends.
pub struct TranscriptReader<R> {
    path: PathBuf,
    lines: Lines<R>,
    format: Option<Format>,
    speakers: SpeakerMap,
    order: Order,
    vtt_header_done: bool,
    /// Events already parsed from the current cue (a cue may hold several speaker turns).
    queue: VecDeque<(Event, u64)>,
    emitted: u64,
    done: bool,
}

impl<R: BufRead> TranscriptReader<R> {
    /// The name used in errors.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format being read; `None` until the first event when it is guessed from the content.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Parses until at least one event is queued; false at the end of the input.
    fn fill(&mut self) -> Result<bool, Fail> {
        let format = match self.format {
            Some(format) => format,
            None => match self.sniff()? {
                Some(format) => format,
                None => return Ok(false),
            },
        };
        match format {
            Format::Jsonl => loop {
                let Some((n, text)) = self.lines.next_line()? else {
                    return Ok(false);
                };
                if !jsonl::is_skippable(text) {
                    let event = jsonl::parse_line(text, n, &self.speakers)?;
                    self.queue.push_back((event, n));
                    return Ok(true);
                }
            },
            Format::Vtt => vtt::next_cue(
                &mut self.lines,
                &mut self.vtt_header_done,
                &self.speakers,
                &mut self.queue,
            ),
            Format::Srt => srt::next_cue(&mut self.lines, &self.speakers, &mut self.queue),
        }
    }

    fn sniff(&mut self) -> Result<Option<Format>, Fail> {
        while let Some((_, text)) = self.lines.next_line()? {
            if jsonl::is_skippable(text) {
                continue;
            }
            let format = Format::sniff(text).ok_or(Fail::at(0, ErrorKind::UnknownFormat))?;
            self.lines.push_back();
            self.format = Some(format);
            return Ok(Some(format));
        }
        Ok(None)
    }

    fn fail(&mut self, fail: Fail) -> Option<Result<Event, ReadError>> {
        self.done = true;
        self.queue.clear();
        Some(Err(fail.with_path(self.path.clone())))
    }
}

impl<R: BufRead> Iterator for TranscriptReader<R> {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            if let Some((event, line)) = self.queue.pop_front() {
                if let Err(fail) = self.order.check(&event, line) {
                    return self.fail(fail);
                }
                self.emitted += 1;
                return Some(Ok(event));
            }
            match self.fill() {
                Ok(true) => {}
                Ok(false) if self.emitted == 0 => {
                    return self.fail(Fail::at(0, ErrorKind::NoEvents));
                }
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(fail) => return self.fail(fail),
            }
        }
    }
}
