#!/usr/bin/python3
"""Holds many Server-Sent Events streams open for a while and reports what they received.

Usage: sse_clients.py --port PORT [--host 127.0.0.1] [--path /api/v1/stream] [--clients 200]
                      [--duration 10]
Prints one line: RESULT sse clients=N connected=N refused=N closed=N snapshots=N events=N bytes=N
(refused: no 200 answer; closed: the server ended the stream before the time was up).
Exit status 0 when every client got a 200 answer and a snapshot, 1 otherwise.
"""

import argparse
import asyncio
import sys


async def client(args, stats, end):
    loop = asyncio.get_running_loop()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.host, args.port), timeout=5)
    except (OSError, asyncio.TimeoutError):
        stats["refused"] += 1
        return
    try:
        writer.write(f"GET {args.path} HTTP/1.1\r\nHost: {args.host}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        if not head.startswith(b"HTTP/1.1 200 "):
            stats["refused"] += 1
            return
        stats["connected"] += 1
        tail = b""  # the end of the previous read, so that names split across reads count
        snapshot = False
        while (remaining := end - loop.time()) > 0:
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout=remaining)
            except asyncio.TimeoutError:
                break
            if not data:
                stats["closed"] += 1
                break
            stats["bytes"] += len(data)
            window = tail + data
            stats["events"] += window.count(b"event: ") - tail.count(b"event: ")
            snapshot = snapshot or b"event: snapshot" in window
            tail = window[-16:]
        stats["snapshots"] += snapshot
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        stats["refused"] += 1
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/api/v1/stream")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    if not 1 <= args.clients <= 10000 or not 0 < args.duration <= 600:
        parser.error("--clients 1..10000, --duration up to 600 s")
    stats = dict.fromkeys(("connected", "refused", "closed", "snapshots", "events", "bytes"), 0)
    end = asyncio.get_running_loop().time() + args.duration
    await asyncio.gather(*(client(args, stats, end) for _ in range(args.clients)))
    print(f"RESULT sse clients={args.clients} " + " ".join(f"{k}={v}" for k, v in stats.items()))
    return 0 if stats["snapshots"] == args.clients else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
