"""What the broker carries: news of committed rows, with what subscribers decide on.

A piece of news is small and self-contained: a subscriber decides from it, and from what its
connection already knows about the viewer, whether the viewer may hear of it, without a query.
The database stays the source of truth: news only says that a row exists and where to read it.

On the wire a piece of news is one JSON object, `{"v": 1, "type": ..., <fields>}`. A process
that meets a version or a type it does not know skips it, so processes of two releases can
share a broker during a rolling deploy.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import datetime
from typing import Any

NEWS_VERSION = 1


@dataclass(frozen=True)
class ChangeNews:
    """An event recorded on an order or an application (or on a review or a rectification:
    `number` is then its order's), and the row as its transaction left it.

    `assignee_id` is the order's handler; for an application, the handler of the order it
    opened (handlers see the applications behind the orders they hold). `handed_in`: an
    application submitted at least once, or filed by the desk (staff see only those).
    """

    aggregate_type: str
    aggregate_id: int
    sequence: int
    event_id: int
    kind: str
    at: str  # ISO-8601, UTC
    number: str
    status: str
    from_status: str | None = None
    to_status: str | None = None
    enterprise_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    provider_id: int | None = None
    # An order's clock (ISO-8601): what its policies read besides the above.
    due_at: str | None = None
    waiting_since: str | None = None
    handed_in: bool = False

    @property
    def status_changed(self) -> bool:
        return self.to_status is not None and self.to_status != self.from_status

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)


@dataclass(frozen=True)
class NoticeNews:
    """One person's inbox changed: a notice arrived (its id), or entries were read (None)."""

    user_id: int
    notification_id: int | None = None


@dataclass(frozen=True)
class AccessNews:
    """What someone may hear has changed.

    `session` (a session's live key, `sessions.live_key`) ended, or the token `token_id` was
    revoked: their connections end. Otherwise the connections of `user_id` forget at once what
    the news says they lost (`roles` are their roles now; an enterprise, a team or the provider
    left), then read their reach again.
    """

    user_id: int | None = None
    session: str | None = None
    token_id: int | None = None
    roles: tuple[str, ...] | None = None
    lost_enterprise_id: int | None = None
    lost_team_id: int | None = None
    # The provider the account worked for is no longer its (an admin linked it to another).
    lost_provider: bool = False


News = ChangeNews | NoticeNews | AccessNews


def live_key(session_id: str) -> str:
    """How news names a session: not the sessions table's key itself."""
    return hashlib.sha256(f"live:{session_id}".encode()).hexdigest()[:32]


_TYPES: dict[str, type[ChangeNews] | type[NoticeNews] | type[AccessNews]] = {
    "change": ChangeNews,
    "notice": NoticeNews,
    "access": AccessNews,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def encode(news: News) -> str:
    return json.dumps(
        {"v": NEWS_VERSION, "type": _NAMES[type(news)], **asdict(news)},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field's annotation (int, str, bool, None, tuple[str, ...])."""
    is_union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = typing.get_args(hint) if is_union else (hint,)
    for option in options:
        if option is type(None) and value is None:
            return True
        if option is bool and isinstance(value, bool):
            return True
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if option is str and isinstance(value, str):
            return True
        if typing.get_origin(option) is tuple and isinstance(value, list):
            return all(isinstance(item, str) for item in value)
    return False


def decode(raw: str | bytes) -> News | None:
    """The news in `raw`, or None for anything this release cannot read (another version, an
    unknown type, a field missing or of the wrong type)."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("v") != NEWS_VERSION:
        return None
    cls = _TYPES.get(str(payload.get("type")))
    if cls is None:
        return None
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in fields(cls):
        if field.name not in payload:
            if field.default is MISSING:
                return None
            continue
        value = payload[field.name]
        if not _fits(value, hints[field.name]):
            return None
        values[field.name] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**values)
    except TypeError:
        return None
