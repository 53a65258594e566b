//! Transcript files (JSONL, WebVTT, SRT) read into engine events.
