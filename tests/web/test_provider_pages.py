"""The provider directory, the apply form's choice of provider, and a provider's order as the
applicant's page shows it."""

from __future__ import annotations

import re
from typing import Any

from backend.models.orders import Order
from backend.services.webhooks.deliveries import run_acknowledged
from tests.schema.helpers import global_id
from tests.schema.order_helpers import login
from tests.schema.provider_helpers import (
    deliveries,
    provider_order,
    provider_park,
    provider_token,
    update,
)


async def test_the_directory_leads_to_the_application_with_the_provider_chosen(
    new_api: Any,
) -> None:
    world = await provider_park()
    applicant = await login(new_api, world.park.applicant)
    response = await applicant.client.get("/providers")
    assert response.status_code == 200
    html = response.text
    assert "<h1>服务商名录</h1>" in html and 'href="/providers" aria-current="page"' in html
    assert world.first.name in html and world.second.name in html
    item_id = global_id("ServiceItem", world.item.id)
    second = global_id("Provider", world.second.id)
    link = f"/catalog/items/{item_id}/apply?provider={second}"
    assert f'href="{link}"' in html

    form = (await applicant.client.get(link)).text
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', form)
    providers = [
        (v, bool(s), n) for v, s, n in options if n in (world.first.name, world.second.name)
    ]
    assert providers == [
        (global_id("Provider", world.first.id), False, world.first.name),
        (second, True, world.second.name),
    ]
    # Without a choice, the primary is selected.
    plain = (await applicant.client.get(f"/catalog/items/{item_id}/apply")).text
    assert f'<option value="{global_id("Provider", world.first.id)}" selected>' in plain
    # Anonymous visitors sign in first.
    anonymous = new_api()
    assert (await anonymous.client.get("/providers")).status_code == 303


async def test_the_applicant_sees_the_providers_steps_on_the_order_page(new_api: Any) -> None:
    world = await provider_park()
    order = await provider_order(world)
    applicant = await login(new_api, world.park.applicant)
    page = (await applicant.client.get(f"/orders/{order.number}")).text
    assert world.first.name in page and "服务商尚未受理" in page

    await run_acknowledged((await deliveries(world.first))[0])
    provider = await provider_token(new_api, world.staff)
    assert (await update(provider, order, "ACCEPT", staffName="陈工程师"))["userErrors"] == []
    assert (await update(provider, order, "PROGRESS", note="配件已到货",
                         expectedVersion=None))["userErrors"] == []  # fmt: skip
    page = (await applicant.client.get(f"/orders/{order.number}")).text
    assert "陈工程师（服务商工作人员）" in page
    for label in ("服务商已接收", "服务商已受理", "配件已到货"):
        assert label in page
    assert (await Order.get(id=order.id)).provider_staff == "陈工程师"


async def test_an_admin_makes_a_provider_account_from_the_people_page(new_api: Any) -> None:
    from backend.models.accounts import Role, User
    from backend.models.enterprises import Provider
    from tests import builders
    from tests.conftest import PASSWORD
    from tests.web.helpers import submit

    provider = await Provider.create(name="甲服务商")
    admin = await login(new_api, await builders.user(Role.ADMIN, "管理员"))
    page = (await admin.client.get("/admin/users")).text
    assert f'<option value="{global_id("Provider", provider.id)}">甲服务商</option>' in page
    fields = {"name": "甲服务商 小王", "email": "wang@p.cn", "password": PASSWORD,
              "roles": "PROVIDER"}  # fmt: skip
    unlinked = await submit(admin, "/admin/users/new", fields)
    assert unlinked.status_code == 422
    assert 'id="providerId-error"' in unlinked.text and "请选择该账号所属的服务商" in unlinked.text
    made = await submit(
        admin, "/admin/users/new", {**fields, "providerId": global_id("Provider", provider.id)}
    )
    assert made.status_code == 303
    assert (await User.get(email="wang@p.cn")).provider_id == provider.id


async def test_the_item_editor_keeps_an_items_other_providers(new_api: Any) -> None:
    from backend.models.accounts import Role
    from tests import builders

    world = await provider_park()
    admin = await login(new_api, await builders.user(Role.ADMIN, "管理员"))
    item_id = global_id("ServiceItem", world.item.id)
    page = await admin.client.get(f"/admin/catalog/items/{item_id}/edit")
    assert page.status_code == 200, page.text[:300]
    html = page.text
    second = global_id("Provider", world.second.id)
    assert f'name="providerIds" value="{second}" checked' in html
    first = global_id("Provider", world.first.id)
    assert f'name="providerIds" value="{first}" checked' not in html


async def test_an_admin_links_an_existing_account_to_a_provider_from_the_people_page(
    new_api: Any,
) -> None:
    from backend.models.accounts import Role, User
    from tests import builders
    from tests.web.helpers import submit

    world = await provider_park()
    person = await builders.user(Role.PROVIDER, "新来的 小赵")
    admin = await login(new_api, await builders.user(Role.ADMIN, "管理员"))
    page = (await admin.client.get("/admin/users")).text
    uid = global_id("User", person.id)
    # Only a provider's account has the form; an unlinked one is asked to choose.
    assert f'id="provider-{uid}"' in page and "尚未关联：请选择" in page
    handler = global_id("User", world.park.handlers[0].id)
    assert f'id="provider-{handler}"' not in page
    assert f"所属服务商：{world.first.name}" in page  # the account made linked

    fields = {"userId": uid, "expectedVersion": str(person.version)}
    unchosen = await submit(admin, "/admin/users/provider", {**fields, "providerId": ""})
    assert unchosen.status_code == 422
    assert f'id="provider-{uid}-error"' in unchosen.text
    assert "请选择该账号所属的服务商" in unchosen.text
    second = global_id("Provider", world.second.id)
    linked = await submit(admin, "/admin/users/provider", {**fields, "providerId": second})
    assert linked.status_code == 303
    assert (await User.get(id=person.id)).provider_id == world.second.id
    after = (await admin.client.get("/admin/users")).text
    assert f'<option value="{second}" selected>{world.second.name}</option>' in after

    # A stale form (the version moved on) is a message in the row, not a crash.
    stale = await submit(admin, "/admin/users/provider", {**fields, "providerId": second})
    assert stale.status_code == 422 and f'id="provider-{uid}-error"' in stale.text


async def test_a_reopened_draft_keeps_its_provider_choice(new_api: Any) -> None:
    from backend.models.applications import Application
    from tests.web.apply_helpers import key_of, main, post_apply

    world = await provider_park()
    applicant = await login(new_api, world.park.applicant)
    item_id = global_id("ServiceItem", world.item.id)
    path = f"/catalog/items/{item_id}/apply"
    second = global_id("Provider", world.second.id)
    form = (await applicant.client.get(f"{path}?provider={second}")).text
    fields = {"idempotencyKey": key_of(form), "providerId": second, "step": "draft"}
    saved = await post_apply(applicant, path, fields)
    assert saved.status_code == 303, main(saved.text)
    assert (await Application.get()).provider_id == world.second.id

    # Reopened from My applications: the second provider is still the one selected.
    number = (await Application.get()).number
    draft = (await applicant.client.get(f"/applications/{number}/edit")).text
    assert f'<option value="{second}" selected>' in draft
    assert f'<option value="{global_id("Provider", world.first.id)}" selected>' not in draft
    # The API says so too.
    data = await applicant.gql(
        "query($n: String!) { applicationByNumber(number: $n) { provider { id name } } }",
        {"n": number},
    )
    assert data["applicationByNumber"]["provider"] == {"id": second, "name": world.second.name}


async def test_the_directory_page_shows_ratings_and_turnaround(new_api: Any) -> None:
    from backend.models.evaluations import EvaluationLevel
    from tests.schema.test_provider_directory_figures import _completed, _rated

    world = await provider_park()
    for days, level in ((2, EvaluationLevel.SATISFIED), (5, EvaluationLevel.DISSATISFIED)):
        await _rated(await _completed(world, world.first, days), level)
    await _rated(await _completed(world, world.first, 9), EvaluationLevel.BASIC)
    applicant = await login(new_api, world.park.applicant)
    html = (await applicant.client.get("/providers")).text
    start = html.index(f'id="provider-{global_id("Provider", world.first.id)}"')
    second_at = html.index(f'id="provider-{global_id("Provider", world.second.id)}"')
    first, second = (html[start:second_at], html[second_at:]) if start < second_at else (
        html[start:], html[second_at:start])  # fmt: skip
    assert "<dt>满意率</dt><dd>66.7%</dd>" in first  # two of three reviews satisfied
    assert "<dt>评价数</dt><dd>3</dd>" in first
    assert "<dt>办理时长中位数</dt><dd>5 个工作日</dd>" in first  # the median of 2, 5 and 9
    assert "<dt>已办结工单</dt><dd>3</dd>" in first
    assert "<dt>办理时长中位数</dt><dd>—</dd>" in second
    assert "<dt>满意率</dt><dd>—</dd>" in second


async def test_a_provider_account_works_its_orders_from_the_queue(new_api: Any) -> None:
    world = await provider_park()
    order = await provider_order(world)
    others = await provider_order(world, chosen=world.second)
    await run_acknowledged((await deliveries(world.first))[0])
    staff = await login(new_api, world.staff)
    queue = await staff.client.get("/orders")
    assert queue.status_code == 200
    assert order.number in queue.text and others.number not in queue.text
    page = await staff.client.get(f"/orders/{order.number}")
    assert page.status_code == 200
    assert world.first.name in page.text
    assert (await staff.client.get(f"/orders/{others.number}")).status_code == 404
    # An account not yet linked to a provider has no queue.
    from backend.models.accounts import Role
    from tests import builders

    unlinked = await login(new_api, await builders.user(Role.PROVIDER, "未关联 小孙"))
    assert (await unlinked.client.get("/orders")).status_code == 403


async def test_a_provider_account_is_not_told_its_orders_were_approved_instantly(
    new_api: Any,
) -> None:
    """The auditor is hidden from a provider's staff: its queue and order page say nothing of
    who approved (the park's queue does), rather than "instant approval"."""
    world = await provider_park()
    order = await provider_order(world)  # approved by the park's auditor
    await run_acknowledged((await deliveries(world.first))[0])
    staff = await login(new_api, world.staff)
    queue = (await staff.client.get("/orders")).text
    assert order.number in queue
    assert "即时审批" not in queue and '<th scope="col">审核员</th>' not in queue
    # Nor does it lead to the appointments day, which it may not read.
    assert 'href="/appointments"' not in queue
    assert (await staff.client.get("/appointments")).status_code == 403
    page = (await staff.client.get(f"/orders/{order.number}")).text
    assert "即时审批" not in page and "<dt>审核员</dt>" not in page
    assert page.count(world.first.name) == 1 and "<dt>团队</dt>" not in page  # once, as provider

    from backend.models.accounts import Role
    from tests import builders

    supervisor = await login(new_api, await builders.user(Role.SUPERVISOR))
    park_queue = (await supervisor.client.get("/orders")).text
    assert '<th scope="col">审核员</th>' in park_queue and world.park.auditor.name in park_queue
    park_page = (await supervisor.client.get(f"/orders/{order.number}")).text
    assert f"<dt>审核员</dt><dd>{world.park.auditor.name}</dd>" in park_page
