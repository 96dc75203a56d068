"""The address guard, without a database: what a webhook URL may name, and what a host name
may resolve to."""

from __future__ import annotations

import pytest

from backend.services.webhooks import sending


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.example.com/a?b=c", None),
        ("http://203.0.113.9:8080/hooks", "PRIVATE_ADDRESS"),  # documentation range, reserved
        ("http://8.8.8.8/hooks", None),
        ("http://127.0.0.1/", "PRIVATE_ADDRESS"),
        ("http://0.0.0.0/", "PRIVATE_ADDRESS"),
        ("http://100.64.0.1/", "PRIVATE_ADDRESS"),  # carrier-grade NAT
        ("http://[::ffff:127.0.0.1]/", "PRIVATE_ADDRESS"),
        ("http://[fe80::1]/", "PRIVATE_ADDRESS"),
        ("http://[2001:4860:4860::8888]/", None),
        ("http://api.localhost/", "PRIVATE_ADDRESS"),
        ("http://localhost./", "PRIVATE_ADDRESS"),
        ("http://224.0.0.1/", "PRIVATE_ADDRESS"),
        ("javascript:alert(1)", "INVALID_URL"),
        ("https:///nohost", "INVALID_URL"),
        ("https://hooks.example.com:99999/", "INVALID_URL"),
    ],
)
def test_what_a_webhook_url_may_name(url: str, problem: str | None) -> None:
    assert sending.check_url(url, ()) == problem


def test_an_allowed_host_may_be_private() -> None:
    assert sending.check_url("http://127.0.0.1:9000/hooks", ("127.0.0.1",)) is None


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(sending.Refused, match="private or reserved"):
        await sending.resolve("localhost", 80)


async def test_a_refused_name_is_a_failed_outcome_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A public-looking name that resolves to loopback (DNS rebinding): refused at send time.
    monkeypatch.setattr(sending, "check_url", lambda url, allowed: None)
    outcome = await sending.post(
        "http://localhost:9/hooks", "{}", {}, seconds=2.0, allowed_hosts=()
    )
    assert outcome.status_code is None and outcome.error.startswith("refused")
    assert not outcome.succeeded
