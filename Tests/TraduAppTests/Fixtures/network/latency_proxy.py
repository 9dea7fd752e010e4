#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1:--listen-port that delays every chunk by --delay-ms in each direction, in order.

Stands in for `tc netem` where the kernel has no netem qdisc: PostgreSQL's clients see each round trip take
2 x delay longer, as over a slow network.
"""
import argparse
import asyncio
import time

import tcp_proxy


async def pump(reader, writer, delay):
    queue = asyncio.Queue()

    async def deliver():
        try:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await queue.put((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    await queue.put((0, None))
    await sender


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args()
    delay = args.delay_ms / 1000
    tcp_proxy.serve(
        args.listen_port,
        args.target_port,
        lambda client_reader, client_writer, server_reader, server_writer: (
            pump(client_reader, server_writer, delay),
            pump(server_reader, client_writer, delay),
        ),
    )


main()
