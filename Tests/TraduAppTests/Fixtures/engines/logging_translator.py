#!/usr/bin/env python3
"""A command engine that writes down every segment it is sent (one JSON line per segment in the file named by
--log) and answers "[<target>] <text>": to see what tradu sends an engine, and what memory spared it."""
import json
import sys

args = sys.argv[1:]
log = args[args.index("--log") + 1]
segments = [json.loads(line) for line in sys.stdin if line.strip()]
with open(log, "a", encoding="utf-8") as out:
    for segment in segments:
        out.write(json.dumps({"id": segment["id"], "text": segment["text"]}) + "\n")
for segment in segments:
    print(json.dumps({"id": segment["id"], "text": "[%s] %s" % (segment["targetLanguage"], segment["text"])}))
