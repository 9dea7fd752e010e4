#!/usr/bin/env python3
"""A rollout `check` for tests: reads JSON Lines {block, id, source, current, new} and rejects the sample when a
new translation lacks the word given by --require (a glossary term). --sleep SECONDS delays the verdict;
--hold-while FILE holds it while FILE exists (at most 120 s), so a test can look at a rollout mid-analysis."""
import json
import os
import sys
import time

args = sys.argv[1:]
required = args[args.index("--require") + 1] if "--require" in args else None
delay = float(args[args.index("--sleep") + 1]) if "--sleep" in args else 0.0
records = [json.loads(line) for line in sys.stdin if line.strip()]
time.sleep(delay)
hold = args[args.index("--hold-while") + 1] if "--hold-while" in args else None
deadline = time.time() + 120
while hold and os.path.exists(hold) and time.time() < deadline:
    time.sleep(0.1)
missing = [r["id"] for r in records if required and required not in r["new"]]
if missing:
    print(json.dumps({"pass": False, "message": "glossary term '%s' missing in %d of %d records" % (
        required, len(missing), len(records))}))
else:
    print(json.dumps({"pass": True, "message": "%d records checked" % len(records)}))
