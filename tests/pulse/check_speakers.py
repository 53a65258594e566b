#!/usr/bin/env python3
"""Checks a call taken on speakers: the customer's side reaches the microphone through a
PulseAudio loopback (the softphone's output played into the room and heard again), and the agent
answers after each customer turn.

usage: check_speakers.py WORKDIR SESSION_JSON
WORKDIR has words-timeline.json (what was played), serve.jsonl and serve.err.
The echo must not count as agent speech: the saved agent spurts are the agent's own lines only,
no interruption is nudged, and the agent is told once that the microphone hears the call.
"""
import sys
from pathlib import Path

from pulse_checks import Checks, load

work = Path(sys.argv[1])
played, outputs, session = load(work, "words-timeline.json", sys.argv[2])
errors = (work / "serve.err").read_text()
check = Checks()

events = [e["json"] for e in session["timeline"] if e["origin"] == "event"]
agent = [(e["start_ms"] / 1000, e["end_ms"] / 1000) for e in events
         if e.get("type") == "voice_activity" and e["speaker"] == "agent"]
own = [(c["start"], c["end"]) for c in played if c["side"] == "agent"]
print("agent spurts: " + ", ".join(f"{a:.2f}-{b:.2f}" for a, b in agent))
print("agent lines:  " + ", ".join(f"{a:.2f}-{b:.2f}" for a, b in own))
notices = [l for l in errors.splitlines() if "microphone hears the call audio" in l]
print("\n".join(notices))

check(session["session"]["status"] == "complete", "the session is complete")
check(len(notices) == 1, "the agent is told once that the microphone hears the call")
check(len(agent) == len(own) and all(abs(a - s) <= 0.3 for (a, _), (s, _) in zip(agent, own)),
      "the saved agent speech is the agent's own lines, none of the echo")
nudges = [o for o in outputs if o.get("type") == "nudge"]
check(not [n for n in nudges if n["rule"] == "interruption"], "the echo is not nudged as an interruption")
check.exit()
