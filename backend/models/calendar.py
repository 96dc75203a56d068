"""The park's working calendar and the counters behind human-readable numbers."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DayKind(StrEnum):
    OFF = "OFF"  # a public holiday on a weekday
    WORK = "WORK"  # a make-up working day (调休) on a weekend


class CalendarDay(Model):
    """A day that differs from the weekday rule. Days not listed follow Monday to Friday."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField(unique=True)
    kind = fields.CharEnumField(DayKind, max_length=4)
    name_zh = fields.CharField(max_length=50, default="")
    name_en = fields.CharField(max_length=50, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "calendar_days"


class Counter(Model):
    """One sequence per key (such as `SH-20261125`), advanced in the caller's transaction."""

    key = fields.CharField(max_length=40, primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "counters"
