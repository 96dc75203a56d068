"""Device cookies vouch for one user, signed with the server's key, for a year."""

from __future__ import annotations

import time

import pytest

from backend.services.accounts import devices

KEY = "a-secret-key-long-enough-for-the-device-cookie-tests"


def test_a_device_cookie_vouches_for_the_user_it_was_made_for() -> None:
    assert devices.device_user(KEY, devices.device_token(KEY, 7)) == 7


def test_a_forged_missing_or_mangled_device_cookie_vouches_for_no_one() -> None:
    assert (
        devices.device_user(KEY, devices.device_token("another-key-entirely-of-length", 7)) is None
    )
    assert devices.device_user(KEY, None) is None
    assert devices.device_user(KEY, "") is None
    assert devices.device_user(KEY, devices.device_token(KEY, 7)[:-3] + "xyz") is None
    assert devices.device_user(KEY, "x" * 500) is None


def test_a_device_cookie_older_than_a_year_vouches_for_no_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = devices.device_token(KEY, 7)
    later = time.time() + devices.DEVICE_DAYS * 86400 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert devices.device_user(KEY, token) is None
