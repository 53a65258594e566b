#!/usr/bin/env python3
"""Checks the words of the speech-to-text call `parley serve --capture --json` coached.

usage: check_words.py WORKDIR SESSION_JSON
WORKDIR has words-timeline.json (what was played) and serve.jsonl (the coaching printed live);
SESSION_JSON is `parley sessions show ID --json` of the saved call. The agent restates the
customer's complaint (paraphrase ticked) and the customer insults the agent (a boundary nudge);
the saved transcript has both speakers, each utterance with its own spurt's times.
"""
import re
import sys
from pathlib import Path

from pulse_checks import Checks, load

work = Path(sys.argv[1])
played, outputs, session = load(work, "words-timeline.json", sys.argv[2])
check = Checks()

def words(text):
    return re.findall(r"[a-z']+", text.lower())


events = [e["json"] for e in session["timeline"] if e["origin"] == "event"]
spurts = [(e["speaker"], e["start_ms"], e["end_ms"]) for e in events if e.get("type") == "voice_activity"]
said = [e for e in events if e.get("type") == "utterance"]
for u in said:
    print(f"{u['speaker']:<8} {u['start_ms'] / 1000:6.2f}-{u['end_ms'] / 1000:6.2f}  {u['text']}")
check(session["session"]["status"] == "complete", "the session is complete")
check({u["speaker"] for u in said} == {"agent", "customer"}, "the saved transcript has both speakers")
check(all(u.get("is_final", True) for u in said), "only final words are saved")
check(all((u["speaker"], u["start_ms"], u["end_ms"]) in spurts for u in said),
      "every utterance has its own talk spurt's start and end")
check(len(said) >= len(played) - 1, f"{len(said)} utterances for {len(played)} played lines")

agent = " ".join(" ".join(words(u["text"])) for u in said if u["speaker"] == "agent")
customer = " ".join(" ".join(words(u["text"])) for u in said if u["speaker"] == "customer")
check("charged twice" in agent, "the agent's restatement was heard")
check("idiot" in customer or "useless" in customer, "the customer's insult was heard")

ticks = [o for o in outputs if o.get("type") == "tick"]
nudges = [o for o in outputs if o.get("type") == "nudge"]
print("ticks: " + ", ".join(f"{t['item']}@{t['at_ms'] / 1000:.2f}s" for t in ticks))
print("nudges: " + ", ".join(f"{n['rule']}@{n['at_ms'] / 1000:.2f}s" for n in nudges))
check(any(t["item"] == "paraphrase" for t in ticks), "the spoken restatement ticks paraphrase")
check(any(n["rule"] == "boundary" for n in nudges), "the spoken insult gives a boundary nudge")
err = (work / "serve.err").read_text()
check(re.search(r"words: \d+ spurts transcribed.* 0 failed", err) is not None,
      "serve reports the words it transcribed, none failed")
check.exit()
