//! Reader errors: always the file, the 1-based line, the field when one is to blame, and a reason.

use std::fmt;
use std::path::PathBuf;

/// A transcript could not be read. Displays as `path:line: field "x": reason`.
#[derive(Debug, thiserror::Error)]
pub struct ReadError {
    /// The file (or the name given to an in-memory source).
    pub path: PathBuf,
    /// 1-based line; 0 when the problem is the whole file (cannot open, unknown format).
    pub line: u64,
    /// The JSON field or cue part at fault, when there is one.
    pub field: Option<&'static str>,
    pub kind: ErrorKind,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        f.write_str(": ")?;
        if let Some(field) = self.field {
            write!(f, "field \"{field}\": ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// What went wrong, in plain words.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "unknown transcript format: use a .jsonl, .vtt or .srt file, or start the content with \
         a JSON object, a WEBVTT header or an SRT cue number"
    )]
    UnknownFormat,
    #[error("line is longer than {limit} bytes; is this really a transcript?")]
    LineTooLong { limit: usize },
    #[error("not UTF-8 text (binary data?); save the transcript as UTF-8")]
    InvalidUtf8,
    #[error("binary data (control byte 0x{byte:02x}); is this really a transcript?")]
    Binary { byte: u8 },
    #[error("no events: the file is empty or holds only blank lines and comments")]
    NoEvents,
    #[error("malformed JSON (column {column}): {message}")]
    MalformedJson { column: usize, message: String },
    #[error("expected a JSON object per line, like {{\"speaker\": \"agent\", \"start\": 1.0, \"end\": 2.5, \"text\": \"...\"}}")]
    NotAnObject,
    #[error("missing; {needs}")]
    MissingField { needs: &'static str },
    #[error("{0}")]
    InvalidField(String),
    #[error(
        "unknown speaker \"{name}\": map it to agent or customer in the speaker map \
         (for example \"{name}=agent\")"
    )]
    UnknownSpeaker { name: String },
    #[error("unknown event \"{name}\"; expected one of {known}")]
    UnknownEvent { name: String, known: &'static str },
    #[error(
        "times go backwards: this starts at {start} but the event on line {prev_line} started at \
         {prev_start}; keep events in start-time order (overlaps are fine)"
    )]
    TimeBackwards {
        start: String,
        prev_start: String,
        prev_line: u64,
    },
    #[error("ends ({end}) before it starts ({start})")]
    EndBeforeStart { start: String, end: String },
    #[error("{0}")]
    Structure(String),
    #[error("{0}")]
    Syntax(String),
}

/// An error before the file path is attached; parsers return these.
#[derive(Debug)]
pub(crate) struct Fail {
    pub line: u64,
    pub field: Option<&'static str>,
    pub kind: ErrorKind,
}

impl Fail {
    pub fn at(line: u64, kind: ErrorKind) -> Fail {
        Fail {
            line,
            field: None,
            kind,
        }
    }

    pub fn field(line: u64, field: &'static str, kind: ErrorKind) -> Fail {
        Fail {
            line,
            field: Some(field),
            kind,
        }
    }

    pub fn invalid(line: u64, field: &'static str, reason: impl Into<String>) -> Fail {
        Fail::field(line, field, ErrorKind::InvalidField(reason.into()))
    }

    pub fn syntax(line: u64, reason: impl Into<String>) -> Fail {
        Fail::at(line, ErrorKind::Syntax(reason.into()))
    }

    pub fn with_path(self, path: PathBuf) -> ReadError {
        ReadError {
            path,
            line: self.line,
            field: self.field,
            kind: self.kind,
        }
    }
}
