#!/usr/bin/env python3
"""A TCP proxy for PostgreSQL on 127.0.0.1:--listen-port that cuts a connection right after it passes on a COMMIT.

The fault it makes is the ambiguous commit: the transaction commits on the server, and its client never hears so.
It reads the client's side of the protocol message by message (untyped startup and SSL or GSS requests first,
then typed messages). A connection that has sent a statement containing --after (in a simple query or a parse
message) is armed until its next COMMIT. When that COMMIT comes and --trigger-file exists, the proxy deletes the
file, stops passing the server's replies on, forwards the COMMIT (up to its Sync, when it comes as a parse
message), waits --settle-ms for the server to commit, and closes both sides. One cut per trigger file; everything
else passes through unchanged.
"""
import argparse
import asyncio
import os
import struct

import tcp_proxy

SPECIAL_REQUESTS = {80877103, 80877104}  # SSLRequest, GSSENCRequest


def statement_text(kind, payload):
    if kind == b"Q":
        return payload.rstrip(b"\0").decode("utf-8", "replace")
    if kind == b"P":
        parts = payload.split(b"\0", 2)
        return parts[1].decode("utf-8", "replace") if len(parts) > 1 else ""
    return None


async def client_to_server(reader, server_writer, client_writer, args, link):
    buffer = b""
    started = False
    armed = False
    cutting = False
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            buffer += data
            cut = False
            out = b""
            while True:
                if not started:
                    if len(buffer) < 8:
                        break
                    length, code = struct.unpack("!II", buffer[:8])
                    if len(buffer) < length:
                        break
                    out += buffer[:length]
                    buffer = buffer[length:]
                    if code not in SPECIAL_REQUESTS:
                        started = True
                    continue
                if len(buffer) < 5:
                    break
                kind = buffer[:1]
                (length,) = struct.unpack("!I", buffer[1:5])
                if len(buffer) < 1 + length:
                    break
                payload = buffer[5 : 1 + length]
                out += buffer[: 1 + length]
                buffer = buffer[1 + length :]
                if kind == b"S" and cutting:
                    cut = True  # the extended protocol's COMMIT runs at its Sync
                text = statement_text(kind, payload)
                if text is None:
                    continue
                if args.after in text:
                    armed = True
                elif text.strip().upper() == "COMMIT":
                    if armed and os.path.exists(args.trigger_file):
                        os.remove(args.trigger_file)
                        cutting = True
                        link["mute"] = True  # from here on the client hears nothing
                        cut = kind == b"Q"
                    armed = False
            if out:
                server_writer.write(out)
                await server_writer.drain()
            if cut:
                await asyncio.sleep(args.settle_ms / 1000)
                break
    except (ConnectionError, OSError):
        pass
    server_writer.close()
    client_writer.close()


async def server_to_client(reader, writer, link):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if link["mute"]:
                continue
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--trigger-file", required=True)
    parser.add_argument("--settle-ms", type=float, default=1000)
    args = parser.parse_args()

    def pumps(client_reader, client_writer, server_reader, server_writer):
        link = {"mute": False}
        return (
            client_to_server(client_reader, server_writer, client_writer, args, link),
            server_to_client(server_reader, client_writer, link),
        )

    tcp_proxy.serve(args.listen_port, args.target_port, pumps)


main()
