#!/usr/bin/env python3
"""Checks what `parley serve --capture --json` made of the played call.

usage: check.py WORKDIR SESSION_JSON
WORKDIR has timeline.json (what was played) and serve.jsonl (the coaching printed live);
SESSION_JSON is `parley sessions show ID --json` of the saved call.
Prints the figures and exits non-zero with the reason when something is off.
"""
import sys
from pathlib import Path

from pulse_checks import Checks, load

work = Path(sys.argv[1])
played, outputs, session = load(work, "timeline.json", sys.argv[2])
check = Checks()

events = [e["json"] for e in session["timeline"] if e["origin"] == "event"]
spurts = {"agent": [], "customer": []}
for e in events:
    if e.get("type") == "voice_activity":
        spurts[e["speaker"]].append((e["start_ms"] / 1000, e["end_ms"] / 1000))
for side in spurts:
    print(f"{side} spurts: " + ", ".join(f"{a:.2f}-{b:.2f}" for a, b in spurts[side]))
check(spurts["agent"] and spurts["customer"], "both sides' voice activity was saved")
check(session["session"]["status"] == "complete", "the session is complete")
check(session["session"]["source"] == "capture", "the session came from capture")

if spurts["agent"] and spurts["customer"]:
    # Capture started a moment before playback: compare the sides with each other and with
    # the played gaps, not with absolute times.
    c0, a0 = spurts["customer"][0], spurts["agent"][0]
    offset = c0[0] - played[0]["start"]
    print(f"playback started {offset:.2f} s into the capture")
    lead = a0[0] - c0[0]
    want = played[1]["start"] - played[0]["start"]
    check(abs(lead - want) <= 0.3, f"agent starts {lead:.2f} s after the customer (played {want:.2f} s)")
    c_len = spurts["customer"][0][1] - c0[0]
    c_want = played[0]["end"] - played[0]["start"]
    check(abs(c_len - c_want) <= 0.8, f"customer's turn lasts {c_len:.2f} s (played {c_want:.2f} s)")
    later = [a for a, _ in spurts["agent"] if a - offset > played[2]["start"] - 1.0]
    third = later[0] - offset if later else float("nan")
    check(abs(third - played[2]["start"]) <= 0.4, f"the agent's third turn starts at {third:.2f} s (played {played[2]['start']:.2f} s)")

nudges = [o for o in outputs if o.get("type") == "nudge"]
print("nudges: " + ", ".join(f"{n['rule']}@{n['at_ms'] / 1000:.2f}s" for n in nudges))
interruption = [n for n in nudges if n["rule"] == "interruption"]
dead_air = [n for n in nudges if n["rule"] == "dead_air"]
check(len(interruption) >= 1, "an interruption nudge")
check(len(dead_air) >= 1, "a dead-air nudge")
if interruption and spurts["agent"]:
    a0 = spurts["agent"][0]
    at = interruption[0]["at_ms"] / 1000
    check(a0[0] <= at <= a0[1] + 1.0, f"the interruption nudge at {at:.2f} s falls in the agent's overlapping turn {a0[0]:.2f}-{a0[1]:.2f}")
if dead_air and spurts["agent"] and spurts["customer"]:
    at = dead_air[0]["at_ms"] / 1000
    before = [b for side in spurts.values() for (_, b) in side if b <= at]
    quiet = at - max(before) if before else at
    check(7.5 <= quiet <= 9.5, f"the dead-air nudge comes {quiet:.2f} s after the last speech (playbook: 8 s)")
# Speech end to final words in the engine, with room for a loaded machine (p95 about 1-2 s).
WORDS_DELAY_S = 2.5
fast = [n for n in nudges if n["rule"] == "speaking_fast"]
check(len(fast) >= 1, "a speaking-fast nudge")
if fast and spurts["agent"]:
    # The fast turn: the agent's speech from the played start of the last clip on.
    offset = spurts["customer"][0][0] - played[0]["start"] if spurts["customer"] else 0.0
    turn = [(a, b) for a, b in spurts["agent"] if a - offset >= played[3]["start"] - 0.5]
    so_far = [e for e in events if e.get("type") == "speech_so_far" and e["speaker"] == "agent"
              and turn and e["start_ms"] / 1000 >= turn[0][0]]
    check(bool(so_far), f"the fast turn's speech so far was reported ({len(so_far)} pauses)")
    if turn:
        start, end = turn[0][0], turn[-1][1]
        at = fast[0]["at_ms"] / 1000
        # With words on, the engine judges the agent's rate on the turn's words: the nudge comes
        # with its final, at the turn's end or, when other events have moved the call clock on
        # while the words were decoded, up to their delay (WORDS_DELAY_S) after it.
        check(start <= at <= end + WORDS_DELAY_S,
              f"the speaking-fast nudge at {at:.2f} s comes for the fast turn {start:.2f}-{end:.2f}, "
              f"{at - end:.2f} s after its speech ends (at most {WORDS_DELAY_S} s)")
saved = [o for o in outputs if o.get("type") == "summary"]
check(len(saved) == 1, "the call ended with one summary")
check.exit()
