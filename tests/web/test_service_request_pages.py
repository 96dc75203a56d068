"""The pages for requests for new services: the enterprise's form and list, the admins' groups."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.models.catalog import Category, ServiceItem
from backend.models.enterprises import Membership, MembershipRole
from backend.models.service_requests import ServiceRequest
from backend.schema.relay import encode_global_id
from backend.services.accounts.accounts import create_user_directly
from tests import builders
from tests.conftest import PASSWORD, Api, make_user
from tests.web.helpers import sign_in_by_form, submit

MINE = "/enterprises/service-requests"
ADMIN = "/admin/service-requests"


async def _person(new_api: Any, login: str, roles: list[str] | None = None) -> Api:
    client: Api = new_api()
    assert (await sign_in_by_form(client, login, PASSWORD)).status_code == 303
    return client


@pytest.fixture
async def people(new_api: Any) -> tuple[Api, Api, int]:
    enterprise = await builders.verified_enterprise("星海科技有限公司")
    user = await create_user_directly("林晓", "lin@example.cn", PASSWORD, [])
    await Membership.create(user=user, enterprise=enterprise, role=MembershipRole.OWNER)
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    await Category.create(name_zh="市场监管", position=1)
    return (
        await _person(new_api, "lin@example.cn"),
        await _person(new_api, "admin@example.cn"),
        enterprise.id,
    )


def _form(enterprise_id: int, **changes: str) -> dict[str, str]:
    return {
        "enterpriseId": encode_global_id("Enterprise", enterprise_id),
        "title": "代办食品经营许可证",
        "description": "希望园区代办食品经营许可证。",
        "reason": "",
        "urgency": "HIGH",
        "categoryId": "",
        **changes,
    }


async def test_the_catalog_links_to_the_form(people: tuple[Api, Api, int]) -> None:
    member, admin, _ = people
    home = await member.client.get("/catalog")
    assert "找不到需要的服务？提出新服务需求" in home.text
    assert f'href="{MINE}#ask"' in home.text
    # Staff have no enterprise to ask for: the link is not theirs.
    assert "提出新服务需求" not in (await admin.client.get("/catalog")).text


async def test_a_request_without_a_description_is_explained_next_to_the_field(
    people: tuple[Api, Api, int],
) -> None:
    member, _, eid = people
    refused = await submit(member, MINE, _form(eid, description="", title="x" * 101))
    assert refused.status_code == 422
    page = refused.text
    assert re.search(r'id="description-error">此项为必填项。', page)
    assert re.search(r'id="title-error">[^<]*100', page)
    assert 'aria-invalid="true" aria-describedby="description-error"' in page
    # What was typed is kept.
    assert "x" * 101 in page
    assert await ServiceRequest.all().count() == 0


async def test_a_member_asks_and_sees_the_request_and_its_answer(
    people: tuple[Api, Api, int],
) -> None:
    member, admin, eid = people
    sent = await submit(member, MINE, _form(eid, idempotencyKey="form-1"))
    assert sent.status_code == 303 and sent.headers["location"] == MINE
    # The same form sent twice (a double click) makes one request.
    await submit(member, MINE, _form(eid, idempotencyKey="form-1"))
    assert await ServiceRequest.all().count() == 1
    listed = await member.client.get(MINE)
    assert "代办食品经营许可证" in listed.text and "待园区处理" in listed.text
    row = await ServiceRequest.get()
    answered = await submit(admin, f"{ADMIN}/answer", {
        "serviceRequestId": encode_global_id("ServiceRequest", row.id),
        "expectedVersion": "1", "answer": "下月起可代办。", "by": "WORDING",
    })  # fmt: skip
    assert answered.status_code == 303
    listed = await member.client.get(MINE)
    assert "园区答复：" in listed.text and "下月起可代办。" in listed.text


async def test_only_admins_open_the_admin_page(people: tuple[Api, Api, int]) -> None:
    member, admin, eid = people
    assert (await member.client.get(ADMIN)).status_code == 403
    await submit(member, MINE, _form(eid))
    row = await ServiceRequest.get()
    posted = await submit(member, f"{ADMIN}/decline", {
        "serviceRequestId": encode_global_id("ServiceRequest", row.id),
        "expectedVersion": "1", "reason": "不要",
    })  # fmt: skip
    assert posted.status_code == 403
    assert (await ServiceRequest.get()).status == "OPEN"
    assert (await admin.client.get(ADMIN)).status_code == 200


async def test_the_admin_page_groups_and_shows_refusals_next_to_the_request(
    people: tuple[Api, Api, int],
) -> None:
    member, admin, eid = people
    for title in ("代办食品经营许可证", "食品经营许可证代办服务", "人才公寓申请"):
        await submit(member, MINE, _form(eid, title=title, description=title))
    page = (await admin.client.get(f"{ADMIN}?by=WORDING")).text
    assert "2 条相似需求" in page and "单独的需求" in page
    row = await ServiceRequest.get(title="人才公寓申请")
    ref = encode_global_id("ServiceRequest", row.id)
    declined = await submit(admin, f"{ADMIN}/decline", {
        "serviceRequestId": ref, "expectedVersion": "1", "reason": "", "by": "WORDING",
    })  # fmt: skip
    assert declined.status_code == 422
    assert f'id="decline-{ref}-error">此项为必填项。' in declined.text
    # No category anywhere: drafting says so at the category.
    drafted = await submit(admin, f"{ADMIN}/draft", {
        "serviceRequestId": ref, "expectedVersion": "1", "categoryId": "", "nameZh": "",
    })  # fmt: skip
    assert drafted.status_code == 422
    assert f'id="draft-category-{ref}-error">此项为必填项。' in drafted.text
    category = await Category.get()
    drafted = await submit(admin, f"{ADMIN}/draft", {
        "serviceRequestId": ref, "expectedVersion": "1",
        "categoryId": encode_global_id("Category", category.id), "nameZh": "",
    })  # fmt: skip
    item = await ServiceItem.get(name_zh="人才公寓申请")
    assert drafted.headers["location"] == (
        f"/admin/catalog/items/{encode_global_id('ServiceItem', item.id)}/edit"
    )
    by_category = (await admin.client.get(f"{ADMIN}?by=CATEGORY")).text
    assert "未建议类别" in by_category and "已起草，待发布" in by_category
