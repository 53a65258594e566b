#!/usr/bin/env python3
"""Builds the two sides of a test call from espeak-ng clips with known timings.

usage: make_call.py WORKDIR
Writes agent.wav and customer.wav (mono, same length) and timeline.json, the seconds at which
each clip starts and ends on its side.
"""
import json
import subprocess
import sys
import wave
from pathlib import Path

work = Path(sys.argv[1])

# (side, start seconds, text, words per minute)
CLIPS = [
    ("customer", 1.0, "I have been waiting three weeks for my refund and nobody has called me "
     "back at all, this is really not good enough for me.", 165),
    # The agent starts while the customer is still talking: an interruption.
    ("agent", 3.5, "Sorry, let me stop you there, I can check that for you right now.", 170),
    # Then nobody speaks for about twelve seconds: dead air.
    ("agent", 22.0, "Are you still there? Thank you for waiting.", 170),
]
TAIL_S = 1.5


def clip(text, wpm, path):
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(path), text],
                   check=True)
    with wave.open(str(path)) as w:
        return w.getframerate(), w.readframes(w.getnframes())


sides = {"agent": [], "customer": []}
rate = None
timeline = []
for i, (side, start, text, wpm) in enumerate(CLIPS):
    r, frames = clip(text, wpm, work / f"clip{i}.wav")
    rate = rate or r
    assert r == rate, "espeak-ng changed its sample rate"
    sides[side].append((start, frames))
    timeline.append({"side": side, "start": start, "end": start + len(frames) / 2 / rate})

length = max(t["end"] for t in timeline) + TAIL_S
total = int(length * rate)
for side, clips in sides.items():
    pcm = bytearray(total * 2)
    for start, frames in clips:
        at = int(start * rate) * 2
        pcm[at:at + len(frames)] = frames
    with wave.open(str(work / f"{side}.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(pcm))
(work / "timeline.json").write_text(json.dumps({"rate": rate, "length": length,
                                                "clips": timeline}, indent=1))
print(json.dumps(timeline))
