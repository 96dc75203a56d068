"""A keep-alive HTTP/1.1 load generator for when wrk is not installed (bench/servers.py).

Reads {"url", "body", "headers", "connections", "seconds"} as JSON on stdin, POSTs the body
over `connections` persistent connections for `seconds`, prints {"requests", "seconds", "rps",
"p50_ms", "p99_ms", "errors"} as JSON. It runs in its own process so its CPU is not the server's.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit


async def _one_connection(
    host: str, port: int, request: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.split()[1].startswith(b"2"):
                errors.append(1)
    finally:
        writer.close()


async def main() -> None:
    spec = json.loads(sys.stdin.read())
    url = urlsplit(spec["url"])
    body = json.dumps(spec["body"]).encode()
    head = [
        f"POST {url.path or '/'} HTTP/1.1",
        f"Host: {url.netloc}",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
    ]
    head += [f"{k}: {v}" for k, v in spec["headers"].items()]
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    until = started + float(spec["seconds"])
    await asyncio.gather(
        *(
            _one_connection(
                url.hostname or "127.0.0.1", url.port or 80, request, until, latencies, errors
            )
            for _ in range(int(spec["connections"]))
        )
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    print(
        json.dumps(
            {
                "requests": len(ordered),
                "seconds": elapsed,
                "rps": len(ordered) / elapsed,
                "p50_ms": statistics.median(ordered) * 1000,
                "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
                "errors": len(errors),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
