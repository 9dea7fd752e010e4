#!/usr/bin/env python3
"""A fake of OpenAI's Files and Batches API on 127.0.0.1, for tradu's `mode: batch` tests.

POST /v1/files (multipart, purpose=batch), POST /v1/batches, GET /v1/batches (newest first, limit/after),
GET /v1/batches/{id}, GET /v1/files/{id}/content. Each request line of an input file is answered as a
chat completion whose content is {"translations": [{"id", "text": "[<model>] <text>"}]}.

--mode complete   every request answered (status 200)
--mode partial    every other request received (counted across batches) gets a 400 in the error file
--mode expire     the first batch expires with half its requests answered; the rest are in the error file with
                  code batch_expired; later batches complete
--create-delay S  sleep S seconds after creating a batch, before answering (a client killed meanwhile never
                  learns the batch's id)
--hold FILE       while FILE exists, batches stay in_progress
--stats FILE      written once listening (with the port), then after every request: batches created, how often
                  each custom_id was submitted and answered (answered = paid)
Prints its port on stdout, then serves until killed.
"""
import http.server
import json
import os
import sys
import threading
import time

args = sys.argv[1:]


def arg(name, default=None):
    return args[args.index(name) + 1] if name in args else default


mode = arg("--mode", "complete")
create_delay = float(arg("--create-delay", "0"))
hold = arg("--hold")
stats_path = arg("--stats")
lock = threading.Lock()
files = {}
batches = []
stats = {"batchesCreated": 0, "submitted": {}, "answered": {}, "linesPerBatch": [], "refused": 0}


def save():
    if stats_path:
        with open(stats_path + ".tmp", "w") as out:
            json.dump(stats, out)
        os.replace(stats_path + ".tmp", stats_path)


def new_file(content):
    file_id = "file-%d" % (len(files) + 1)
    files[file_id] = content
    return file_id


def answer(line):
    body = line["body"]
    segments = json.loads(body["messages"][-1]["content"])["segments"]
    content = json.dumps({"translations": [{"id": s["id"], "text": "[%s] %s" % (body["model"], s["text"])}
                                           for s in segments]})
    # Tokens as bench/fake_openai.py counts them (characters / 4 of every message), so runs compare.
    prompt = sum((len(m["content"]) + 3) // 4 for m in body["messages"])
    return {"choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": (len(content) + 3) // 4}}


def finish(batch):
    lines = [json.loads(l) for l in files[batch["input_file_id"]].decode().splitlines() if l.strip()]
    output, errors = [], []
    expire = mode == "expire" and batch is batches[0]
    for index, line in enumerate(lines):
        custom_id = line["custom_id"]
        if expire and index % 2 == 1:
            errors.append({"id": "r%d" % index, "custom_id": custom_id, "response": None,
                           "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
            continue
        if mode == "partial" and (sum(stats["answered"].values()) + stats["refused"]) % 2 == 0:
            stats["refused"] += 1
            errors.append({"id": "r%d" % index, "custom_id": custom_id,
                           "response": {"status_code": 400, "body": {"error": {"message": "Invalid 'messages': refused by the fake", "code": "invalid_value"}}},
                           "error": None})
            continue
        stats["answered"][custom_id] = stats["answered"].get(custom_id, 0) + 1
        output.append({"id": "r%d" % index, "custom_id": custom_id,
                       "response": {"status_code": 200, "request_id": "q%d" % index, "body": answer(line)}, "error": None})
    if output:
        batch["output_file_id"] = new_file("".join(json.dumps(o) + "\n" for o in output).encode())
    if errors:
        batch["error_file_id"] = new_file("".join(json.dumps(e) + "\n" for e in errors).encode())
    batch["status"] = "expired" if expire else "completed"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def reply(self, status, payload, raw=None):
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/v1/files":
            boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
            content = None
            for part in body.split(b"--" + boundary):
                if b'name="file"' in part:
                    content = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
            if content is None:
                return self.reply(400, {"error": {"message": "no file part", "code": "invalid_file"}})
            with lock:
                file_id = new_file(content)
            return self.reply(200, {"id": file_id, "object": "file", "purpose": "batch"})
        if self.path == "/v1/batches":
            request = json.loads(body)
            with lock:
                content = files.get(request["input_file_id"])
                if content is None:
                    return self.reply(404, {"error": {"message": "no such file", "code": "not_found"}})
                batch = {"id": "batch_%d" % (len(batches) + 1), "object": "batch", "status": "in_progress",
                         "input_file_id": request["input_file_id"], "metadata": request.get("metadata") or {},
                         "completion_window": request["completion_window"], "output_file_id": None,
                         "error_file_id": None}
                batches.append(batch)
                stats["batchesCreated"] += 1
                lines = [json.loads(l)["custom_id"] for l in content.decode().splitlines() if l.strip()]
                stats["linesPerBatch"].append(len(lines))
                for custom_id in lines:
                    stats["submitted"][custom_id] = stats["submitted"].get(custom_id, 0) + 1
                save()
            time.sleep(create_delay)
            return self.reply(200, batch)
        self.reply(404, {"error": {"message": "unknown path", "code": "not_found"}})

    def do_GET(self):
        path, _, query = self.path.partition("?")
        with lock:
            if path == "/v1/batches":
                params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
                newest = list(reversed(batches))
                if "after" in params:
                    ids = [b["id"] for b in newest]
                    newest = newest[ids.index(params["after"]) + 1:] if params["after"] in ids else []
                limit = int(params.get("limit", "20"))
                return self.reply(200, {"object": "list", "data": newest[:limit], "has_more": len(newest) > limit})
            if path.startswith("/v1/batches/"):
                batch = next((b for b in batches if b["id"] == path.rsplit("/", 1)[1]), None)
                if batch is None:
                    return self.reply(404, {"error": {"message": "no such batch", "code": "not_found"}})
                if batch["status"] == "in_progress" and not (hold and os.path.exists(hold)):
                    finish(batch)
                    save()
                return self.reply(200, batch)
            if path.startswith("/v1/files/") and path.endswith("/content"):
                content = files.get(path.split("/")[3])
                if content is None:
                    return self.reply(404, {"error": {"message": "no such file", "code": "not_found"}})
                return self.reply(200, None, raw=content)
        self.reply(404, {"error": {"message": "unknown path", "code": "not_found"}})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
stats["port"] = server.server_address[1]
save()
print(server.server_address[1], flush=True)
server.serve_forever()
