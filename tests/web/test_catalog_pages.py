"""The public catalog: categories, search as one types, the common-services board, item pages."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD, Api, make_user
from tests.schema.catalog_helpers import (
    PUBLISH,
    admin_client,
    create_category,
    create_item,
    label,
)
from tests.web.helpers import sign_in_by_form, submit


async def _publish(admin: Api, item: dict[str, Any]) -> None:
    data = await admin.gql(
        PUBLISH, {"input": {"serviceItemId": item["id"], "expectedVersion": item["version"]}}
    )
    assert data["publishServiceItem"]["userErrors"] == []


async def _catalog(new_api: Any, items: int = 2) -> dict[str, Any]:
    admin = await admin_client(new_api)
    finance = await create_category(
        admin, "金融贷款", "Financing loans", descriptionZh="融资顾问与银行贷款对接"
    )
    project = await create_category(admin, "项目申报", "Project declaration")
    hightech = await create_item(
        admin,
        project["id"],
        "高新技术企业认定",
        "High-tech Enterprise Recognition",
        descriptionZh="协助企业申报国家高新技术企业",
        processSteps=[
            {"title": label("在线提交材料", "Submit online")},
            {"title": label("专家评审", "Expert review")},
        ],
        timeLimitDays=15,
    )
    await _publish(admin, hightech)
    made = []
    for n in range(items):
        made.append(await create_item(admin, finance["id"], f"银行贷款对接{n}", f"Bank loan {n}"))
        await _publish(admin, made[-1])
    return {
        "admin": admin,
        "finance": finance,
        "project": project,
        "hightech": hightech,
        "loans": made,
    }


async def test_home_lists_categories_for_anonymous_visitors(api: Api, new_api: Any) -> None:
    await _catalog(new_api)
    page = await api.client.get("/catalog")
    assert page.status_code == 200
    assert "金融贷款" in page.text and "融资顾问与银行贷款对接" in page.text
    assert "项目申报" in page.text and "高新技术企业认定" in page.text
    assert 'href="/login?next=/catalog"' in page.text
    assert "/catalog/pins/pin" not in page.text
    home = await api.client.get("/")
    assert 'href="/catalog"' in home.text and "服务目录" in home.text


async def test_search_full_page_and_fragment(api: Api, new_api: Any) -> None:
    await _catalog(new_api)
    full = await api.client.get("/catalog", params={"q": "高新"})
    assert full.status_code == 200 and "<html" in full.text
    results = full.text.split('id="results"', 1)[1].split("</section>", 1)[0]
    assert "高新技术企业认定" in results and "银行贷款对接" not in results
    english = await api.client.get("/catalog", params={"q": "HIGH-TECH"})
    results = english.text.split('id="results"', 1)[1].split("</section>", 1)[0]
    assert "高新技术企业认定" in results
    fragment = await api.client.get(
        "/catalog", params={"q": "bank loan"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="results"')
    assert "<html" not in fragment.text and "银行贷款对接0" in fragment.text
    assert "高新技术企业认定" not in fragment.text
    none = await api.client.get("/catalog", params={"q": "量子"}, headers={"HX-Request": "true"})
    assert "没有符合" in none.text


async def test_pin_and_unpin_without_and_with_htmx(api: Api, new_api: Any) -> None:
    made = await _catalog(new_api)
    item_id = made["hightech"]["id"]
    await api.sign_up("韩梅梅", "hmm@example.cn")
    page = await api.client.get("/catalog")
    assert "还没有收藏" in page.text
    pinned = await submit(api, "/catalog/pins/pin", {"serviceItemId": item_id, "next": "/catalog"})
    assert pinned.status_code == 303 and pinned.headers["location"] == "/catalog"
    page = await api.client.get("/catalog")
    board = page.text.split('id="pins"', 1)[1].split("</section>", 1)[0]
    assert "高新技术企业认定" in board and "已加入常用服务" in page.text
    response = await api.client.post(
        "/catalog/pins/unpin",
        data={"serviceItemId": item_id, "next": "/catalog"},
        headers={"HX-Request": "true", "X-CSRF-Token": api.csrf()},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert f'<hx-partial hx-target="#pin-{item_id}"' in response.text
    assert '<hx-partial hx-target="#pins"' in response.text
    assert "/catalog/pins/pin" in response.text  # the toggle offers pinning again
    page = await api.client.get("/catalog")
    board = page.text.split('id="pins"', 1)[1].split("</section>", 1)[0]
    assert "高新技术企业认定" not in board
    response = await api.client.post(
        "/catalog/pins/pin",
        data={"serviceItemId": item_id, "next": f"/catalog/items/{item_id}"},
        headers={"HX-Request": "true", "X-CSRF-Token": api.csrf()},
    )
    assert "/catalog/pins/unpin" in response.text and "高新技术企业认定" in response.text
    item_page = await api.client.get(f"/catalog/items/{item_id}")
    assert "从常用服务移除" in item_page.text


async def test_anonymous_pin_goes_to_sign_in(api: Api, new_api: Any) -> None:
    made = await _catalog(new_api)
    response = await submit(
        api, "/catalog/pins/pin", {"serviceItemId": made["hightech"]["id"], "next": "/catalog"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/catalog"


async def test_category_and_item_pages_show_the_handling_information(
    api: Api, new_api: Any
) -> None:
    made = await _catalog(new_api)
    category = await api.client.get(f"/catalog/categories/{made['project']['id']}")
    assert category.status_code == 200
    assert "高新技术企业认定" in category.text and "人工审核" in category.text
    assert "15 个工作日" in category.text
    item = await api.client.get(f"/catalog/items/{made['hightech']['id']}")
    assert item.status_code == 200
    flow = item.text.split('<ol class="flow"', 1)[1].split("</ol>", 1)[0]
    assert flow.index("在线提交材料") < flow.index("专家评审")
    assert "营业执照" in item.text and "PDF" in item.text and "1 MB" in item.text
    assert "园区服务大厅 2 号窗口" in item.text and "请准备营业执照" in item.text
    assert "金额" in item.text and "园区办理" in item.text
    missing = await api.client.get("/catalog/items/U2VydmljZUl0ZW06OTk5")
    assert missing.status_code == 404


async def test_item_page_in_english(api: Api, new_api: Any) -> None:
    made = await _catalog(new_api)
    await api.prime()
    await submit(api, "/language", {"value": "en", "next": "/"})
    item = await api.client.get(f"/catalog/items/{made['hightech']['id']}")
    assert "High-tech Enterprise Recognition" in item.text and "15 working days" in item.text
    assert "Submit online" in item.text and "Manual review" in item.text


async def _count(api: Api, sql_counter: Any, path: str) -> int:
    await api.client.get(path)
    sql_counter.reset()
    response = await api.client.get(path)
    assert response.status_code == 200
    return int(sql_counter.count)


async def test_catalog_pages_cost_the_same_for_2_and_20_items(
    api: Api, new_api: Any, sql_counter: Any
) -> None:
    made = await _catalog(new_api, 2)
    await make_user("reader@example.cn", ["APPLICANT"])
    await sign_in_by_form(api, "reader@example.cn", PASSWORD)
    paths = ["/catalog", "/catalog?q=bank", f"/catalog/categories/{made['finance']['id']}"]

    async def counts() -> list[int]:
        return [await _count(api, sql_counter, path) for path in paths]

    for loan in made["loans"]:
        await submit(api, "/catalog/pins/pin", {"serviceItemId": loan["id"]})
    small = await counts()
    admin = made["admin"]
    for n in range(2, 20):
        loan = await create_item(admin, made["finance"]["id"], f"银行贷款对接{n}", f"Bank loan {n}")
        await _publish(admin, loan)
        await submit(api, "/catalog/pins/pin", {"serviceItemId": loan["id"]})
    large = await counts()
    assert small == large, (small, large)
    page = await api.client.get(f"/catalog/categories/{made['finance']['id']}")
    assert page.text.count('class="item-card"') == 20


async def test_the_board_shows_the_most_used_services_once_people_apply(api: Api) -> None:
    from datetime import UTC, datetime

    from backend.models.accounts import Role
    from backend.models.applications import Application, ApplicationStatus
    from backend.services.catalog import popularity
    from tests import builders

    before = await api.client.get("/catalog")
    assert "最常办理" not in before.text
    team, _ = await builders.team_with_handlers(1)
    item, version = await builders.published_item(team)
    now = datetime.now(UTC)
    await Application.create(
        number="SQ-BOARD-1",
        item=item,
        enterprise=await builders.verified_enterprise(),
        applicant=await builders.user(Role.APPLICANT),
        status=ApplicationStatus.UNDER_REVIEW,
        submitted_at=now,
    )
    # What a submit does in its transaction: the board counts days, not applications.
    await popularity.count_submit(Application._meta.db, item.id, None, now)
    after = await api.client.get("/catalog")
    assert "最常办理" in after.text
    assert version.name_zh in after.text.split("最常办理", 1)[1].split("</section>", 1)[0]
