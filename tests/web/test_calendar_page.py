"""The working calendar page, and the warning admins see while a year is not entered."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from backend.services.calendar.calendar import years_to_check
from tests.conftest import PASSWORD, Api, make_user
from tests.web.helpers import sign_in_by_form, submit

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
YEARS = years_to_check(TODAY)


def _first_monday_of_march(year: int) -> str:
    day = next(d for d in range(1, 8) if datetime(year, 3, d).weekday() == 0)
    return f"{year}-03-{day:02d}"


@pytest.fixture
async def admin(api: Api) -> Api:
    await make_user("admin@example.cn", ["ADMIN"], name="管理员王敏")
    assert (await sign_in_by_form(api, "admin@example.cn", PASSWORD)).status_code == 303
    return api


async def test_admins_are_warned_on_every_page_until_the_year_is_entered(admin: Api) -> None:
    warning = ", ".join(str(y) for y in YEARS) + " 年尚未录入工作日历"
    home = await admin.client.get("/")
    assert warning in home.text
    assert f'href="/admin/calendar?year={YEARS[0]}"' in home.text
    for year in YEARS:
        saved = await submit(
            admin,
            "/admin/calendar/days",
            {"day": _first_monday_of_march(year), "kind": "OFF", "nameZh": "测试假日"},
        )
        assert saved.status_code == 303
    after = await admin.client.get("/")
    assert "尚未录入工作日历" not in after.text


async def test_the_page_lists_entered_days_and_removes_them(admin: Api) -> None:
    saved = await submit(
        admin,
        "/admin/calendar/days",
        {"day": "2026-10-01", "kind": "OFF", "nameZh": "国庆节", "nameEn": "National Day"},
    )
    assert saved.headers["location"] == "/admin/calendar?year=2026"
    page = await admin.client.get("/admin/calendar?year=2026")
    assert "国庆节" in page.text and 'datetime="2026-10-01"' in page.text
    removed = await submit(admin, "/admin/calendar/days/clear", {"day": "2026-10-01"})
    assert removed.status_code == 303
    assert "国庆节" not in (await admin.client.get("/admin/calendar?year=2026")).text


async def test_a_wrong_day_is_explained_next_to_the_date_and_the_input_kept(admin: Api) -> None:
    response = await submit(
        admin, "/admin/calendar/days", {"day": "2026-11-28", "kind": "OFF", "nameZh": "周六假"}
    )
    assert response.status_code == 422
    assert 'id="day-error"' in response.text
    assert "周末本来就休息" in response.text
    assert 'value="周六假"' in response.text


async def test_other_roles_get_neither_the_page_nor_the_warning(api: Api) -> None:
    await make_user("handler@example.cn", ["HANDLER"])
    await sign_in_by_form(api, "handler@example.cn", PASSWORD)
    assert (await api.client.get("/admin/calendar")).status_code == 403
    assert "尚未录入工作日历" not in (await api.client.get("/")).text
