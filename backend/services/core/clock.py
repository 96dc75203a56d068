"""The service's idea of "now", so that rules about time can be tested at any moment.

Rules that measure time (an order's pauses and remaining working days, when a job is due, its
lease and its backoff) read `now()`: the system's time, unless a test moved the clock with
`moved_to(...)`, which holds for everything running in the process (the app served to the test
client and its job worker included) and hands back the `MovableClock` to move on with. Nothing
else sets it, so a day's timers run in a test's seconds and production reads the system clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """A clock that stands still until moved."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def move(self, **delta: float) -> datetime:
        """Moves on by `timedelta(**delta)` and returns the new time."""
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = _aware(moment)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock takes an aware datetime")
    return moment.astimezone(UTC)


_current: Clock = SystemClock()


def now() -> datetime:
    return _current.now()


@contextmanager
def moved_to(moment: datetime) -> Iterator[MovableClock]:
    """Within the block, `now()` is `moment` (aware) until the clock handed back is moved; the
    previous clock returns after."""
    global _current
    moved = MovableClock(moment)
    previous, _current = _current, moved
    try:
        yield moved
    finally:
        _current = previous
