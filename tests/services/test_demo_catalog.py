"""The demo catalog: six published categories with real forms, seeded once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from backend.demo import seed as demo
from backend.models.accounts import Team
from backend.models.catalog import Category, ItemStatus, ServiceItem, ServiceItemVersion
from backend.services.catalog import forms
from backend.services.core.errors import Problems


@pytest.mark.postgres
async def test_the_demo_seed_publishes_the_six_categories_once(db: str) -> None:
    assert await demo.seed() is True
    categories = await Category.all().order_by("position")
    assert [c.name_zh for c in categories] == [
        "融资贷款", "项目申报", "资源对接", "法律维权", "管理咨询", "人才培训",
    ]  # fmt: skip
    team = await Team.get(name="企业服务一组")
    assert {c.team_id for c in categories} == {team.id}  # type: ignore[attr-defined]
    for category in categories:
        items = await ServiceItem.filter(category_id=category.id)
        assert len(items) >= 3
        assert all(i.status is ItemStatus.PUBLISHED and i.name_en for i in items)
    hightech = await ServiceItemVersion.get(name_zh="高新技术企业认定")
    kinds = {a["label"]["zh"] for a in hightech.form["attachments"]}
    assert {"企业营业执照", "知识产权证书", "研发费用专项审计报告"} <= kinds
    loan = await ServiceItemVersion.get(name_zh="银行贷款对接")
    amount = next(f for f in loan.form["fields"] if f["key"] == "amount")
    assert amount["type"] == "MONEY"
    assert [p.code for p in forms.validate_form_data(loan.form, {"amount": "50"})][:1] == [
        "REQUIRED"
    ]
    for version in await ServiceItemVersion.all():
        problems = Problems()
        assert forms.check_definition(version.form, problems) == version.form
        assert problems.items == []
    assert {v.review_mode.value for v in await ServiceItemVersion.all()} == {"AUTO", "MANUAL"}
    count = await ServiceItem.all().count()
    assert await demo.seed() is False
    assert await ServiceItem.all().count() == count


@pytest.mark.postgres
async def test_demo_items_fill_the_enterprise_from_its_record_and_audit_it(db: str) -> None:
    assert await demo.seed() is True
    legal = await ServiceItemVersion.get(name_zh="法律咨询")
    mirrors = {f["key"]: f.get("mirrors") for f in legal.form["fields"]}
    assert (mirrors["company"], mirrors["creditCode"]) == ("NAME", "CREDIT_CODE")
    assert {"type": "MATCHES_ENTERPRISE", "field": "creditCode"} in legal.audit_rules
    for version in await ServiceItemVersion.all():
        mirrored = {f["key"] for f in version.form["fields"] if f.get("mirrors")}
        checked = {r["field"] for r in version.audit_rules if r["type"] == "MATCHES_ENTERPRISE"}
        assert mirrored == checked, version.name_zh


@pytest.mark.postgres
async def test_the_demo_gives_legal_consultation_slots_to_book(db: str) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from backend.models.appointments import AppointmentPlan, AppointmentSlot
    from backend.services.calendar.calendar import working_calendar
    from backend.services.core import clock

    with clock.moved_to(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        assert await demo.seed() is True
    legal = await ServiceItem.get(name_zh="法律咨询")
    plan = await AppointmentPlan.get(item_id=legal.id)
    assert [w["start"] for w in plan.windows] == ["09:00", "09:30", "10:00", "14:00", "14:30"]
    slots = await AppointmentSlot.filter(item_id=legal.id)
    first, last = date(2026, 12, 1), date(2026, 12, 14)
    calendar = await working_calendar(first, last, "Asia/Shanghai")
    working = [first + timedelta(n) for n in range(14) if calendar.is_working(first + timedelta(n))]
    assert sorted({s.day for s in slots}) == working
    assert len(slots) == len(working) * 5 and all(s.is_open for s in slots)
    # Only that item takes appointments in the demo; a second seed adds nothing.
    assert await AppointmentPlan.all().count() == 1
    assert await demo.seed() is False
    assert await AppointmentSlot.all().count() == len(slots)


async def test_the_demo_has_providers_and_a_provider_account_that_works_for_one(
    new_api: Any,
) -> None:
    from backend.models.accounts import User
    from backend.models.catalog import Fulfilment
    from backend.models.enterprises import Provider
    from backend.models.orders import OrderStatus
    from backend.services.orders.forwarding import providers_serving

    assert await demo.seed() is True
    law = await Provider.get(name="明律律师事务所")
    ip = await Provider.get(name="知衡知识产权服务有限公司")
    counsel = await ServiceItemVersion.get(name_zh="常年法律顾问")
    enforcement = await ServiceItemVersion.get(name_zh="知识产权维权")
    assert counsel.fulfilment is enforcement.fulfilment is Fulfilment.PROVIDER
    assert await providers_serving(counsel.id) == [law.id]
    assert await providers_serving(enforcement.id) == [ip.id, law.id]
    account = await User.get(email="provider@demo.servicehall.cn")
    assert account.provider_id == law.id

    # The directory lists both, each with what it serves.
    applicant = await _demo_login(new_api, "13800138000")
    page = (await applicant.client.get("/providers")).text
    assert "明律律师事务所" in page and "知衡知识产权服务有限公司" in page
    assert "常年法律顾问" in page and "知识产权维权" in page

    # An order for the law firm's item reaches the provider account at once (no endpoint).
    from backend.models.catalog import ServiceItem
    from backend.models.enterprises import Membership
    from backend.services.core.actors import Actor
    from backend.services.core.transactions import in_transaction
    from backend.services.orders import orders
    from tests import builders

    person = await User.get(phone="13800138000")
    membership = await Membership.filter(user_id=person.id).select_related("enterprise").first()
    assert membership is not None
    item = await ServiceItem.get(id=counsel.item_id)  # type: ignore[attr-defined]
    application = await builders.approved_application(item, counsel, membership.enterprise, person)
    async with in_transaction() as conn:
        order = await orders.open_order(
            conn, Actor(user_id=person.id), application, approved_by_id=None,
            timezone="Asia/Shanghai",
        )  # fmt: skip
    assert (order.status, order.provider_id) == (OrderStatus.FORWARDED, law.id)
    provider = await _demo_login(new_api, "provider@demo.servicehall.cn")
    mine = await provider.gql(
        "{ me { provider { name } } orders(first: 5) { edges { node { number status } } } }"
    )
    assert mine["me"]["provider"] == {"name": "明律律师事务所"}
    assert [e["node"] for e in mine["orders"]["edges"]] == [
        {"number": order.number, "status": "FORWARDED"}
    ]


async def _demo_login(new_api: Any, identifier: str) -> Any:
    client = new_api()
    result = await client.login(identifier, demo.DEMO_PASSWORD)
    assert result["userErrors"] == [], result
    return client
