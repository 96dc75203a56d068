"""Inbox entries are stored as codes and shown in the reader's language."""

from __future__ import annotations

from backend.models.accounts import Notification
from backend.services.notifications.notifications import render


def _entry(kind: str, **params: object) -> Notification:
    return Notification(kind=kind, params=params)


def test_role_codes_are_shown_by_name_in_the_readers_language() -> None:
    entry = _entry("ROLES_CHANGED", roles=["HANDLER", "AUDITOR"])
    assert render(entry, "zh-CN") == "您现在的角色为：办理员、审核员。"
    english = render(entry, "en")
    assert "Handler, Auditor" in english
    assert "HANDLER" not in english


def test_an_unknown_kind_shows_its_code_rather_than_failing() -> None:
    assert render(_entry("SOMETHING_NEW"), "en") == "SOMETHING_NEW"
