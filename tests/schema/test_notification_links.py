"""Every notice links to what it is about; a resubmit does not repeat a notice already sent."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models.accounts import Notification, Role
from backend.schema.relay import encode_global_id
from backend.services.notifications import notifications
from backend.services.notifications.links import LINKS, link_for
from tests import builders
from tests.schema.application_helpers import decide, materials, stored, submission, submitted, world

pytestmark = pytest.mark.postgres

INBOX = """{ notifications(first: 20) { edges { node { kind message link } } } }"""


def test_every_kind_of_notice_has_a_link() -> None:
    assert set(LINKS) == set(notifications.KINDS)


def test_a_link_is_built_from_the_notices_params_and_refused_without_them() -> None:
    assert link_for("ORDER_ASSIGNED", {"number": "BJ-20261201-0007"}) == "/orders/BJ-20261201-0007"
    assert link_for("APPLICATION_APPROVED", {"number": "SQ-1", "order": "BJ-2"}) == "/orders/BJ-2"
    assert link_for("APPLICATION_APPROVED", {"number": "SQ-1", "order": ""}) == "/applications/SQ-1"
    # The enterprise pages are addressed by the schema's global id.
    assert link_for("ENTERPRISE_VERIFIED", {"enterpriseId": 42}) == (
        f"/enterprises/{encode_global_id('Enterprise', 42)}"
    )
    assert link_for("ORDER_ASSIGNED", {"number": "a/b?c"}) == "/orders/a%2Fb%3Fc"
    with pytest.raises(ValueError, match="needs the param 'number'"):
        link_for("ORDER_ASSIGNED", {})
    with pytest.raises(ValueError, match="has no link"):
        link_for("SOMETHING_NEW", {})


async def test_a_notice_of_a_kind_without_a_link_cannot_be_written(db: str) -> None:

    user = await builders.user(Role.APPLICANT)
    notifications.KINDS["SOMETHING_NEW"] = "Something new."
    try:
        with pytest.raises(ValueError, match="has no link"):
            await notifications.notify(user.id, "SOMETHING_NEW")
        # An explicit link is the caller's answer.
        notice = await notifications.notify(user.id, "SOMETHING_NEW", link="/catalog")
        assert notice.link == "/catalog"
    finally:
        del notifications.KINDS["SOMETHING_NEW"]


async def test_the_applicants_notices_link_to_the_application_then_to_its_order(
    new_api: Any,
) -> None:
    w = await world(new_api)
    app = (await submitted(w.applicant, submission(w, attachments=await materials(w.owner))))[
        "application"
    ]
    approved = await decide(w.auditor, app, "APPROVE")
    order = approved["order"]["number"]
    inbox = (await w.applicant.gql(INBOX))["notifications"]["edges"]
    links = {e["node"]["kind"]: e["node"]["link"] for e in inbox}
    assert links["APPLICATION_UNDER_REVIEW"] == f"/applications/{app['number']}"
    assert links["APPLICATION_APPROVED"] == f"/orders/{order}"
    [assigned] = await Notification.filter(kind="ORDER_ASSIGNED")
    assert assigned.link == f"/orders/{order}"


async def test_a_resubmit_does_not_repeat_the_owed_materials_notice(new_api: Any) -> None:
    w = await world(new_api)
    licence = {"kind": "licence", "fileId": await stored(w.owner)}
    first = await submitted(w.applicant, submission(w, attachments=[licence], promiseDeferred=True))
    app = first["application"]
    returned = await decide(w.auditor, app, "RETURN", comment="请补充说明")
    assert returned["application"]["status"] == "RETURNED"
    again = await submitted(
        w.applicant,
        submission(
            w, applicationId=app["id"], expectedVersion=returned["application"]["version"],
            attachments=[{"kind": "licence", "fileId": await stored(w.owner)}],
            promiseDeferred=True,
        ),
    )  # fmt: skip
    assert again["application"]["status"] == "UNDER_REVIEW"
    owed = await Notification.filter(user_id=w.owner.id, kind="MATERIALS_OWED")
    assert len(owed) == 1
    assert owed[0].link == f"/applications/{app['number']}"
    # The news that did change is told again: it is under review once more.
    assert (
        await Notification.filter(user_id=w.owner.id, kind="APPLICATION_UNDER_REVIEW").count() == 2
    )
