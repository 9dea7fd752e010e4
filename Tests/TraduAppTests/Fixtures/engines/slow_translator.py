#!/usr/bin/env python3
"""A `command` engine for tests: reads JSONL segments, waits, answers "[<target>] text".

Arguments: --sleep SECONDS (default 0). With --fail-marker FILE, exits 1 while FILE exists. With
--nul-for WORD, a translation of a text containing WORD carries a NUL character.
"""
import json
import os
import sys
import time

args = sys.argv[1:]
delay = float(args[args.index("--sleep") + 1]) if "--sleep" in args else 0.0
marker = args[args.index("--fail-marker") + 1] if "--fail-marker" in args else None
nul_for = args[args.index("--nul-for") + 1] if "--nul-for" in args else None
segments = [json.loads(line) for line in sys.stdin if line.strip()]
if marker and os.path.exists(marker):
    print("engine unavailable (marker present)", file=sys.stderr)
    sys.exit(1)
time.sleep(delay)
for segment in segments:
    text = "[%s] %s" % (segment["targetLanguage"], segment["text"])
    if nul_for and nul_for in segment["text"]:
        text += "\u0000"
    print(json.dumps({"id": segment["id"], "text": text}))
