"""A server-sent-events response: what a page's live stream writes, bounded and ending cleanly.

Written on Starlette's plain `Response` rather than with `sse-starlette`: that package patches
uvicorn's `Server.handle_exit` when it is imported (process-wide, for every app), and that
patch misses the stops it does not see (`server.should_exit` set by a test or a supervisor).
Our server tells the streams itself (`backend/serving.py`), and what else the stream needs is
small: the `text/event-stream` framing, a comment line while idle (so a proxy or a dead client
is noticed), a timeout on every write (a client that does not read is dropped, not waited
for), and the end of the body when the client goes, the stream is over or the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

LINE_BREAK = re.compile(r"\r\n|\r|\n")
# `put` of this ends the stream once what came before it is written.
END = b""


def message(data: str = "", *, event: str | None = None, id: str | None = None) -> bytes:
    """One SSE message; `data` of several lines becomes several `data:` lines."""
    lines = []
    if id is not None:
        lines.append(f"id: {LINE_BREAK.sub('', id)}")
    if event is not None:
        lines.append(f"event: {LINE_BREAK.sub('', event)}")
    if data:
        lines.extend(f"data: {line}" for line in LINE_BREAK.split(data))
    return ("\n".join(lines) + "\n\n").encode()


class EventStream(Response):
    """Writes what is put in `outbox` (bytes; `END` finishes) as a `text/event-stream` body.

    `on_close` runs however the stream ends (the client left, the outbox ended, a write
    timed out, the stream was cancelled by the server)."""

    media_type = "text/event-stream"

    def __init__(
        self,
        outbox: asyncio.Queue[bytes],
        *,
        on_close: Callable[[], None],
        send_timeout: float,
        idle_seconds: float,
    ) -> None:
        super().__init__(
            content=None,
            headers={
                "cache-control": "no-store",
                # A buffering proxy (nginx) would hold the events back.
                "x-accel-buffering": "no",
            },
        )
        # The body's length is not known: it is chunked.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.outbox = outbox
        self.on_close = on_close
        self.send_timeout = send_timeout
        self.idle_seconds = idle_seconds

    async def _write(self, send: Send, chunk: bytes) -> None:
        await asyncio.wait_for(
            send({"type": "http.response.body", "body": chunk, "more_body": True}),
            self.send_timeout,
        )

    async def _pump(self, send: Send) -> bool:
        """Writes until the outbox ends (True) or a write times out (False)."""
        while True:
            try:
                chunk = await asyncio.wait_for(self.outbox.get(), self.idle_seconds)
            except TimeoutError:
                chunk = b": idle\n\n"
            if chunk == END:
                return True
            try:
                await self._write(send, chunk)
            except TimeoutError:
                return False

    @staticmethod
    async def _gone(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            pump = asyncio.ensure_future(self._pump(send))
            gone = asyncio.ensure_future(self._gone(receive))
            try:
                done, _ = await asyncio.wait({pump, gone}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (pump, gone):
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            if pump in done and not pump.cancelled() and pump.result():
                # The stream is over and the client still listens: end the body properly.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        send({"type": "http.response.body", "body": b"", "more_body": False}),
                        self.send_timeout,
                    )
        finally:
            self.on_close()
