"""What the checks of a played call share: the call as played, as coached live and as saved,
and a report line per check with the exit status at the end."""
import json
import sys
from pathlib import Path


def load(work, timeline, session_path):
    """The clips played (WORKDIR/timeline), the outputs `serve --json` printed and the saved
    session (`parley sessions show ID --json`)."""
    work = Path(work)
    played = json.loads((work / timeline).read_text())["clips"]
    outputs = [json.loads(l) for l in (work / "serve.jsonl").read_text().splitlines() if l.strip()]
    session = json.loads(Path(session_path).read_text())
    return played, outputs, session


class Checks:
    def __init__(self):
        self.failures = []

    def __call__(self, ok, message):
        print(("ok    " if ok else "FAIL  ") + message)
        if not ok:
            self.failures.append(message)

    def exit(self):
        sys.exit(1 if self.failures else 0)
