//! Line-at-a-time input with a length limit, so a file without newlines cannot eat the memory.

use std::io::{BufRead, Read};

use super::error::{ErrorKind, Fail};

/// Longest line accepted, in bytes. Real transcript lines are a few hundred bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

pub(crate) struct Lines<R> {
    inner: R,
    buf: Vec<u8>,
    line_no: u64,
    pushed_back: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            buf: Vec::new(),
            line_no: 0,
            pushed_back: false,
        }
    }

    /// The next line without its terminator, checked to be text.
    pub fn next_line(&mut self) -> Result<Option<(u64, &str)>, Fail> {
        if self.pushed_back {
            self.pushed_back = false;
        } else if !self.read_raw()? {
            return Ok(None);
        }
        let line_no = self.line_no;
        let text = std::str::from_utf8(&self.buf)
            .map_err(|_| Fail::at(line_no, ErrorKind::InvalidUtf8))?;
        Ok(Some((line_no, text)))
    }

    /// Makes the next call to `next_line` return the same line again.
    pub fn push_back(&mut self) {
        if self.line_no > 0 {
            self.pushed_back = true;
        }
    }

    fn read_raw(&mut self) -> Result<bool, Fail> {
        self.buf.clear();
        let line_no = self.line_no + 1;
        // One byte over the limit tells an overlong line from one that fits exactly.
        let mut limited = (&mut self.inner).take(MAX_LINE_BYTES as u64 + 2);
        let read = loop {
            match limited.read_until(b'\n', &mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Fail::at(line_no, ErrorKind::Io(e))),
            }
        };
        if read == 0 {
            return Ok(false);
        }
        self.line_no = line_no;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > MAX_LINE_BYTES {
            return Err(Fail::at(
                line_no,
                ErrorKind::LineTooLong {
                    limit: MAX_LINE_BYTES,
                },
            ));
        }
        if line_no == 1 && self.buf.starts_with("\u{feff}".as_bytes()) {
            self.buf.drain(..3);
        }
        if let Some(&byte) = self.buf.iter().find(|&&b| b < 0x20 && b != b'\t') {
            return Err(Fail::at(line_no, ErrorKind::Binary { byte }));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Result<Vec<(u64, String)>, Fail> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some((n, s)) = lines.next_line()? {
            out.push((n, s.to_string()));
        }
        Ok(out)
    }

    #[test]
    fn splits_and_strips() {
        let got = all(b"\xef\xbb\xbfa\r\nb\n\nc").unwrap();
        let want: Vec<(u64, String)> = vec![
            (1, "a".into()),
            (2, "b".into()),
            (3, "".into()),
            (4, "c".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn refuses_long_lines_and_binary() {
        let long = vec![b'x'; MAX_LINE_BYTES + 1];
        assert!(matches!(
            all(&long).unwrap_err().kind,
            ErrorKind::LineTooLong { .. }
        ));
        let exact = vec![b'x'; MAX_LINE_BYTES];
        assert_eq!(all(&exact).unwrap().len(), 1);
        let e = all(b"ok\nbad\0\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(matches!(e.kind, ErrorKind::Binary { byte: 0 }));
        assert!(matches!(
            all(b"\xff\xfe").unwrap_err().kind,
            ErrorKind::InvalidUtf8
        ));
    }

    #[test]
    fn push_back_repeats() {
        let mut lines = Lines::new(&b"a\nb\n"[..]);
        assert_eq!(lines.next_line().unwrap().unwrap().1, "a");
        lines.push_back();
        assert_eq!(lines.next_line().unwrap().unwrap(), (1, "a"));
        assert_eq!(lines.next_line().unwrap().unwrap(), (2, "b"));
        assert!(lines.next_line().unwrap().is_none());
    }
}
