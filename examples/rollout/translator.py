#!/usr/bin/env python3
"""A stand-in for a model, to watch a rollout without paying for one: its behaviour is chosen by the engine's
prompt, so a prompt change is a processing-spec change.

- a prompt containing DROP drops the placeholders of about 30% of the documents (chosen by a hash of the id),
  which tradu's output checks fail as a data error;
- a prompt containing PAD pads every answer with filler (many more output tokens);
- any other prompt answers "[<target> <last word of the prompt>] <text>".
Arguments: --sleep SECONDS per call.
"""
import hashlib
import json
import re
import sys
import time

args = sys.argv[1:]
delay = float(args[args.index("--sleep") + 1]) if "--sleep" in args else 0.0
segments = [json.loads(line) for line in sys.stdin if line.strip()]
time.sleep(delay)
for segment in segments:
    prompt = segment.get("prompt") or ""
    tag = prompt.split()[-1] if prompt.split() else "none"
    text = "[%s %s] %s" % (segment["targetLanguage"], tag, segment["text"])
    if "DROP" in prompt and int(hashlib.sha1(segment["id"].encode()).hexdigest(), 16) % 10 < 3:
        text = re.sub(r"\{[a-z_]+\}", "", text)
    if "PAD" in prompt:
        text += " (padding)" * 10
    print(json.dumps({"id": segment["id"], "text": text}))
