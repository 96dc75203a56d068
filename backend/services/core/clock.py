"""The service's idea of "now", so that rules about time can be tested at any moment.

Rules that measure time (an order's pauses, its remaining working days) read `now()`. Tests move
it with `moved_to(...)`, which holds for everything running in the process, the app served to
the test client included; nothing else sets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_fixed: datetime | None = None


def now() -> datetime:
    return _fixed if _fixed is not None else datetime.now(UTC)


@contextmanager
def moved_to(moment: datetime) -> Iterator[None]:
    """Within the block, `now()` is `moment` (aware); the previous setting returns after."""
    global _fixed
    if moment.tzinfo is None:
        raise ValueError("the clock takes an aware datetime")
    previous, _fixed = _fixed, moment.astimezone(UTC)
    try:
        yield
    finally:
        _fixed = previous
