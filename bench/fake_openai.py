#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions server on 127.0.0.1 for `bench/cost.sh` and `bench/memory.sh`: it answers every request with a
pseudo-translation ("[fr] <text>") in the shape the request asked for (a `translations` JSON object, or plain
text), counts requests, segments, their characters, and prompt tokens (characters / 4 of every message, as the plan
estimates), and keeps the
first request body of each kind. Prints its port on stdout, then serves until killed; `--stats FILE` is rewritten
after every request.

Usage: fake_openai.py --stats stats.json [--same-length] [--latency SECONDS]
"""
import http.server
import json
import sys
import threading
import time

args = sys.argv[1:]
stats_path = args[args.index("--stats") + 1]
# --same-length: answer each segment with its own text (a translation as long as its source, tokens intact) rather than
# "[fr] <text>", so that the prefix does not weigh on runs with many short segments.
same_length = "--same-length" in args
# --latency SECONDS: wait that long before answering each request, as a model call does (bench/lease_renewals.sh).
latency = float(args[args.index("--latency") + 1]) if "--latency" in args else 0.0
lock = threading.Lock()
stats = {"requests": 0, "promptTokens": 0, "completionTokens": 0, "segments": 0, "segmentCharacters": 0, "firstBody": {}}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if latency:
            time.sleep(latency)
        request = json.loads(body)
        messages = request.get("messages", [])
        prompt_tokens = sum((len(m.get("content", "")) + 3) // 4 for m in messages)
        fmt = (request.get("response_format") or {}).get("type", "text")
        user = messages[-1]["content"] if messages else ""
        if fmt == "text":
            content = "[fr] " + user
            segments = [{"text": user}]
        else:
            segments = json.loads(user)["segments"]
            content = json.dumps({"translations": [
                {"id": s["id"], "text": s["text"] if same_length else "[fr] " + s["text"]} for s in segments]})
        completion_tokens = (len(content) + 3) // 4
        with lock:
            stats["requests"] += 1
            stats["promptTokens"] += prompt_tokens
            stats["completionTokens"] += completion_tokens
            stats["segments"] += len(segments)
            stats["segmentCharacters"] += sum(len(s["text"]) for s in segments)
            stats["firstBody"].setdefault(fmt, request)
            with open(stats_path, "w") as out:
                json.dump(stats, out)
        answer = json.dumps({
            "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
