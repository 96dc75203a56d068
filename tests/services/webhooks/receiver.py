"""A real HTTP receiver for webhook tests, on 127.0.0.1 in a thread of its own: it answers
each request with the next of a list of planned responses (the last one repeats) and keeps
what it was sent."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Reply:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds before answering
    body_bytes: int = 0  # a body of this many bytes, streamed in 64 kB chunks


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str


class Receiver:
    def __init__(self, *replies: Reply, fail_first: int = 0) -> None:
        """`fail_first`: answer 500 to the first that many requests of each webhook-id, then
        the replies as planned."""
        self.replies = list(replies) or [Reply()]
        self.fail_first = fail_first
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length).decode()
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    n = len(receiver.received)
                    reply = receiver.replies[min(n, len(receiver.replies)) - 1]
                    if receiver.fail_first:
                        same = receiver.count(self.headers.get("webhook-id", ""))
                        reply = Reply(500) if same <= receiver.fail_first else reply
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    size = reply.body_bytes or len(reply.body)
                    self.send_header("content-length", str(size))
                    self.end_headers()
                    if reply.body_bytes:
                        chunk = b"x" * 65536
                        for start in range(0, reply.body_bytes, len(chunk)):
                            self.wfile.write(chunk[: reply.body_bytes - start])
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender stopped reading, as it should past its limit

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def count(self, message_id: str) -> int:
        return sum(1 for r in self.received if r.headers.get("webhook-id") == message_id)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
