"""The working calendar through the API: admins keep it, staff read it."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, Api, make_user

CALENDAR = (
    """query($year: Int!) { calendar(year: $year) { year entered days { day kind name } } }"""
)
SET = """mutation($input: SetCalendarDayInput!) { setCalendarDay(input: $input) {
  calendarDay { day kind name nameZh nameEn } userErrors { field code message } } }"""
CLEAR = """mutation($input: ClearCalendarDayInput!) { clearCalendarDay(input: $input) {
  cleared userErrors { field code message } } }"""


async def _as(api: Api, login: str, role: str) -> Api:
    await make_user(login, [role])
    result = await api.login(login, PASSWORD)
    assert result["userErrors"] == []
    return api


@pytest.mark.postgres
async def test_an_admin_enters_a_holiday_and_a_make_up_day_and_staff_read_them(
    api: Api, new_api
) -> None:
    await _as(api, "admin@park.cn", "ADMIN")
    holiday = await api.gql(
        SET,
        {
            "input": {
                "day": "2026-10-01",
                "kind": "OFF",
                "nameZh": "国庆节",
                "nameEn": "National Day",
            }
        },
    )
    assert holiday["setCalendarDay"]["userErrors"] == []
    makeup = await api.gql(
        SET, {"input": {"day": "2026-09-27", "kind": "WORK", "nameZh": "国庆调休"}}
    )
    assert makeup["setCalendarDay"]["calendarDay"]["name"] == "国庆调休"
    handler = await _as(new_api(), "handler@park.cn", "HANDLER")
    year = (await handler.gql(CALENDAR, {"year": 2026}))["calendar"]
    assert year["entered"] is True
    assert [(d["day"], d["kind"]) for d in year["days"]] == [
        ("2026-09-27", "WORK"),
        ("2026-10-01", "OFF"),
    ]
    assert (await handler.gql(CALENDAR, {"year": 2027}))["calendar"] == {
        "year": 2027,
        "entered": False,
        "days": [],
    }


async def test_a_day_that_restates_the_weekday_rule_is_refused_at_the_field(api: Api) -> None:
    await _as(api, "admin@park.cn", "ADMIN")
    result = await api.gql(SET, {"input": {"day": "2026-11-28", "kind": "OFF", "nameZh": "周六"}})
    errors = result["setCalendarDay"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["day"], "NOT_A_HOLIDAY_DAY")]
    assert errors[0]["message"] == "节假日应设在工作日（周一至周五）：周末本来就休息。"


async def test_clearing_a_day_not_entered_says_so(api: Api) -> None:
    await _as(api, "admin@park.cn", "ADMIN")
    result = (await api.gql(CLEAR, {"input": {"day": "2026-10-01"}}))["clearCalendarDay"]
    assert result["cleared"] is False
    assert [(e["field"], e["code"], e["message"]) for e in result["userErrors"]] == [
        (["day"], "DAY_NOT_LISTED", "日历中没有这一天。")
    ]


@pytest.mark.parametrize("role", ["APPLICANT", "HANDLER", "AUDITOR", "SUPERVISOR"])
async def test_only_admins_change_the_calendar(api: Api, role: str) -> None:
    await _as(api, f"{role.lower()}@park.cn", role)
    result = await api.gql(SET, {"input": {"day": "2026-10-01", "kind": "OFF", "nameZh": "国庆节"}})
    assert [e["code"] for e in result["setCalendarDay"]["userErrors"]] == ["FORBIDDEN"]


async def test_applicants_and_visitors_cannot_read_the_calendar(api: Api) -> None:
    assert (await api.gql(CALENDAR, {"year": 2026}))["calendar"] is None
    await api.sign_up("赵磊", "13800138000")
    assert (await api.gql(CALENDAR, {"year": 2026}))["calendar"] is None


async def test_an_impossible_year_is_a_clear_error(api: Api) -> None:
    await _as(api, "admin@park.cn", "ADMIN")
    response = await api.post(CALENDAR, {"year": 99999})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_YEAR"
