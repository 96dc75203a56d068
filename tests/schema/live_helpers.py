"""The real app under uvicorn in the test's event loop, and a graphql-transport-ws client.

The server shares the test's loop (and so its database), so a test can both speak to it over
real sockets and look at its broker. The client is the `websockets` package, speaking the
protocol by hand: every frame a test sends and every frame it expects is spelled out.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx2
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

from backend.app import create_app
from backend.models.accounts import User
from backend.schema.context import SESSION_COOKIE
from backend.services.accounts import tokens
from backend.services.core.actors import Actor
from backend.services.live import broker
from backend.serving import Server
from backend.settings import Settings
from tests.conftest import PASSWORD, SECRET, Api

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")
WAIT = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, port: int, settings: Settings) -> None:
        self.port = port
        self.settings = settings
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/graphql"
        self.clients: list[httpx2.AsyncClient] = []
        self.uvicorn: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    async def stop(self, within: float = WAIT) -> None:
        """Stops the server as a signal would, and waits until it has (open streams too)."""
        assert self.uvicorn is not None and self.task is not None
        self.uvicorn.should_exit = True
        await asyncio.wait_for(asyncio.shield(self.task), within)

    @property
    def broker(self) -> broker.Broker:
        running = broker.current()
        assert running is not None
        return running

    def api(self) -> Api:
        client = httpx2.AsyncClient(base_url=self.url, timeout=WAIT * 2)
        self.clients.append(client)
        return Api(client, SECRET)

    async def signed_in(self, user: User) -> Api:
        client = self.api()
        result = await client.login(user.email or "", PASSWORD)
        assert result["userErrors"] == [], result
        return client

    @asynccontextmanager
    async def socket(
        self,
        *,
        protocol: Subprotocol = TRANSPORT_WS,
        cookie: str | None = None,
        origin: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> AsyncIterator[GqlSocket]:
        extra = dict(headers or {})
        if cookie is not None:
            extra["Cookie"] = f"{SESSION_COOKIE}={cookie}"
        async with connect(
            self.ws_url,
            subprotocols=[protocol],
            additional_headers=extra,
            origin=Origin(origin) if origin else None,
            open_timeout=WAIT,
            close_timeout=1,
        ) as ws:
            yield GqlSocket(ws)


@asynccontextmanager
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    """The app (no job worker) under uvicorn on a free port, until the block ends."""
    settings = replace(settings, jobs_worker=False)
    app = create_app(settings, manage_database=False)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    # Ours: it tells the pages' open event streams that it stops (backend/serving.py).
    server = Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        live = LiveServer(port, settings)
        live.uvicorn, live.task = server, task
        try:
            yield live
        finally:
            for client in live.clients:
                await client.aclose()
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


class GqlSocket:
    """One graphql-transport-ws connection, frame by frame."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        # Messages of other operations read while waiting for one: operations interleave.
        self.backlog: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def receive(self, within: float = WAIT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None = None, id: str = "1"
    ) -> None:
        await self.send(
            {"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    async def of(self, id: str = "1", within: float = WAIT) -> dict[str, Any]:
        """The next message of operation `id` (answering pings, keeping others for later)."""
        for index, message in enumerate(self.backlog):
            if message.get("id") == id:
                return self.backlog.pop(index)
        async with asyncio.timeout(within):
            while True:
                message = await self.receive()
                if message["type"] == "ping":
                    await self.send({"type": "pong"})
                elif message.get("id") == id:
                    return message
                else:
                    self.backlog.append(message)

    async def next(self, id: str = "1", within: float = WAIT) -> dict[str, Any]:
        """The next `next` payload of operation `id`; fails on any other message of it."""
        message = await self.of(id, within)
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def nothing(self, within: float = 0.5) -> None:
        """Asserts that no message arrives within `within` seconds (nor is kept unread)."""
        assert self.backlog == [], self.backlog
        try:
            message = await asyncio.wait_for(self.ws.recv(), within)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {message!r}")

    async def closed(self, within: float = WAIT) -> tuple[int | None, str]:
        """Waits until the server closes the socket: its code and reason."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), within)
        except ConnectionClosed as closed:
            received = closed.rcvd
            return (received.code, received.reason) if received else (None, "")


async def token_for(user: User, scopes: list[str]) -> str:
    """A fresh API token of `user` with `scopes`, as its secret."""
    issued = await tokens.create(Actor(user_id=user.id), "live test", scopes, None)
    return issued.secret


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}
