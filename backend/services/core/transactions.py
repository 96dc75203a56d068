"""One transaction per change, and what happens once it is committed.

`in_transaction()` is Tortoise's, plus a list of the events the transaction records: when the
outermost one commits, each event goes to every hook in `AFTER_COMMIT` (notifications and live
updates plug in there). A rolled-back transaction hands nothing on, so nobody hears of a change
that did not happen. A transaction opened inside another shares the outer one's list: only the
outer commit is final. `on_commit` does the same for a plain callback (waking the job worker).

`BEFORE_COMMIT` hooks see the outermost transaction's events while it is still open, on its
connection: what they read is exactly what it is about to commit (live updates describe each
event's order or application there, and hand the description on with `on_commit`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction as tortoise_transaction

from backend.models.events import Event

log = logging.getLogger(__name__)

AfterCommit = Callable[[Event], Awaitable[None]]
BeforeCommit = Callable[[BaseDBAsyncClient, list[Event]], Awaitable[None]]

# Hooks run in registration order for each committed event. Empty until something listens.
AFTER_COMMIT: list[AfterCommit] = []
# Run in registration order once the outermost block has finished, before it commits; a hook
# that raises rolls the transaction back, so hooks read, and leave writing to others.
BEFORE_COMMIT: list[BeforeCommit] = []

_pending: ContextVar[list[Event] | None] = ContextVar("servicehall_pending_events", default=None)
_callbacks: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "servicehall_commit_callbacks", default=None
)


def after_commit(hook: AfterCommit) -> AfterCommit:
    """Registers `hook` for every committed event (usable as a decorator)."""
    AFTER_COMMIT.append(hook)
    return hook


def before_commit(hook: BeforeCommit) -> BeforeCommit:
    """Registers `hook` for the events of every outermost transaction about to commit."""
    BEFORE_COMMIT.append(hook)
    return hook


def pending_events() -> list[Event]:
    """The open transaction's list of recorded events; a bug to record outside one."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("events are recorded inside backend.services.core.transactions")
    return pending


def on_commit(callback: Callable[[], None]) -> None:
    """Calls `callback` once the open transaction commits (never if it rolls back); at once
    outside one."""
    callbacks = _callbacks.get()
    if callbacks is None:
        callback()
    else:
        callbacks.append(callback)


@asynccontextmanager
async def in_transaction() -> AsyncIterator[BaseDBAsyncClient]:
    outer = _pending.get()
    outer_callbacks = _callbacks.get()
    if outer is not None and outer_callbacks is not None:
        mark, callback_mark = len(outer), len(outer_callbacks)
        try:
            async with tortoise_transaction() as conn:
                yield conn
        except BaseException:
            del outer[mark:]  # rolled back to the savepoint: those events never happened
            del outer_callbacks[callback_mark:]
            raise
        return
    pending: list[Event] = []
    callbacks: list[Callable[[], None]] = []
    token = _pending.set(pending)
    callbacks_token = _callbacks.set(callbacks)
    try:
        async with tortoise_transaction() as conn:
            yield conn
            for hook in list(BEFORE_COMMIT):
                await hook(conn, pending)
    finally:
        _pending.reset(token)
        _callbacks.reset(callbacks_token)
    # Only reached when the block committed: an exception above skips this.
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback %r failed", callback)
    await _hand_on(pending)


async def _hand_on(events: list[Event]) -> None:
    for event in events:
        for hook in list(AFTER_COMMIT):
            try:
                await hook(event)
            except Exception:
                # The change is committed: a listener's failure must not turn it into an error.
                log.exception("after-commit hook %r failed on event %s", hook, event.id)
