//! What the speech-to-text benches share: espeak-ng speech and the word error rate.

use std::path::Path;
use std::process::Command;

/// `text` spoken by espeak-ng in `voice` at `wpm` words per minute, written to `path` and read
/// back at half scale (22.05 kHz, espeak's own rate).
pub fn espeak(voice: &str, wpm: u32, text: &str, path: &Path) -> Vec<f32> {
    let ok = Command::new("espeak-ng")
        .args(["-v", voice, "-s", &wpm.to_string(), "-w"])
        .arg(path)
        .arg(text)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "espeak-ng failed for voice {voice}");
    let mut r = hound::WavReader::open(path).unwrap();
    assert_eq!(r.spec().sample_rate, 22_050);
    r.samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0 * 0.5)
        .collect()
}

/// Lowercase words; digits and hyphens as words, other punctuation dropped.
pub fn normalise(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('-', " ")
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance.
pub fn edits(reference: &[String], hypothesis: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut row = vec![i + 1; hypothesis.len() + 1];
        for (j, h) in hypothesis.iter().enumerate() {
            let sub = prev[j] + usize::from(r != h);
            row[j + 1] = sub.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[hypothesis.len()]
}
