"""The test setup itself: a service CI needs that is missing fails the run, never skips it."""

from __future__ import annotations

import pytest

from tests import conftest

UNREACHABLE = "redis://127.0.0.1:1/0"


def test_a_missing_redis_fails_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="Redis is not reachable"):
        conftest.require_redis(UNREACHABLE)


def test_a_missing_redis_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"):
        conftest.require_redis(UNREACHABLE)
