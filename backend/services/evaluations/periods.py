"""The periods of the 好差评 loop, from the settings (`SERVICEHALL_EVALUATION_DEFAULT_DAYS`,
`SERVICEHALL_RECTIFICATION_CALL_BACK_WORKING_DAYS`, `SERVICEHALL_RECTIFICATION_FIX_WORKING_DAYS`),
set once at start-up (`backend.app.create_app`), as the services run inside other domains'
transactions (an order completing) where no request settings are at hand."""

from __future__ import annotations

from dataclasses import dataclass

from backend.settings import Settings


@dataclass(frozen=True)
class Periods:
    default_days: int = 7
    call_back_working_days: int = 1
    fix_working_days: int = 15
    timezone: str = "Asia/Shanghai"


_current = Periods()


def configure(settings: Settings) -> None:
    global _current
    _current = Periods(
        default_days=settings.evaluation_default_days,
        call_back_working_days=settings.rectification_call_back_working_days,
        fix_working_days=settings.rectification_fix_working_days,
        timezone=settings.timezone,
    )


def current() -> Periods:
    return _current
