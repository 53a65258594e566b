#!/usr/bin/env python3
"""Builds the two sides of test calls from espeak-ng clips with known timings.

usage: make_call.py WORKDIR
Writes agent.wav and customer.wav (mono, same length) and timeline.json, the seconds at which
each clip starts and ends on its side; and words-agent.wav, words-customer.wav and
words-timeline.json, a call for speech-to-text: a complaint, the agent's restatement, an insult.
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
    # Then the agent rushes through an explanation: speaking fast, coached as the turn goes on.
    ("agent", 27.0, "Okay so what happens now is I put the refund request through again today "
     "and then it goes to the payments team who check it and send it back to the bank and the "
     "bank usually takes another three to five working days before the money shows up in your "
     "account and you get a text from us when that happens.", 310),
]
TAIL_S = 1.5


# The words call: (side, start seconds, text, words per minute); voices as in tests/stt.rs.
WORDS = [
    ("customer", 1.0, "I was charged twice for my order and I want my money back.", 140),
    # The whole concern handed back: one misheard word (live capture on a loaded machine once
    # turned the check-back into "is a flight") must not decide whether the restatement counts.
    ("agent", 6.0, "So you were charged twice for your order and you want your money back, "
     "is that right?", 140),
    ("customer", 13.5, "Listen to me, you are a useless idiot.", 140),
    ("agent", 17.5, "I want to help you, and I need us to keep this respectful.", 140),
]
VOICES = {"agent": "en-gb", "customer": "en-us"}


def clip(text, wpm, path, voice="en-us"):
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text],
                   check=True)
    with wave.open(str(path)) as w:
        return w.getframerate(), w.readframes(w.getnframes())


def build(clips, prefix, voices):
    sides = {"agent": [], "customer": []}
    rate = None
    timeline = []
    for i, (side, start, text, wpm) in enumerate(clips):
        r, frames = clip(text, wpm, work / f"{prefix}clip{i}.wav", voices.get(side, "en-us"))
        rate = rate or r
        assert r == rate, "espeak-ng changed its sample rate"
        sides[side].append((start, frames))
        timeline.append({"side": side, "start": start, "end": start + len(frames) / 2 / rate,
                         "text": text})
    length = max(t["end"] for t in timeline) + TAIL_S
    total = int(length * rate)
    for side, placed in sides.items():
        pcm = bytearray(total * 2)
        for start, frames in placed:
            at = int(start * rate) * 2
            pcm[at:at + len(frames)] = frames
        with wave.open(str(work / f"{prefix}{side}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(bytes(pcm))
    (work / f"{prefix}timeline.json").write_text(json.dumps({"rate": rate, "length": length,
                                                             "clips": timeline}, indent=1))
    return timeline


print(json.dumps(build(CLIPS, "", {})))
build(WORDS, "words-", VOICES)
