"""uvicorn's server, telling the pages' open event streams to end before it waits for them.

On shutdown uvicorn stops accepting connections and then waits for every request in flight
to finish; a server-sent-events stream never finishes by itself, and the app hears of the
shutdown (the lifespan's end) only after the wait. So the server announces it first: each open
stream registers with `on_stop`, and `Server.shutdown` calls them before it waits, once the
listening sockets are closed (the streams' tasks run only at its first await), so a browser
that reconnects at once is not served by the process that is going away.

`servicehall serve` and the tests run this server; under plain `uvicorn`, or with several
workers, the streams end only by `timeout_graceful_shutdown` (set by `servicehall serve`).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import uvicorn

log = logging.getLogger("servicehall.http")

_on_stop: set[Callable[[], None]] = set()


def on_stop(callback: Callable[[], None]) -> Callable[[], None]:
    """Calls `callback` when this process's server starts to shut down; returns the undo."""
    _on_stop.add(callback)
    return lambda: _on_stop.discard(callback)


def stopping() -> None:
    """Tells everything registered that the server is shutting down."""
    for callback in list(_on_stop):
        try:
            callback()
        except Exception:
            log.exception("a stream could not be told of the shutdown")


class Server(uvicorn.Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        stopping()
        await super().shutdown(sockets)
