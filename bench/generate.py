"""A large park in a PostgreSQL database of its own, for benchmarks that need real volume.

    .venv/bin/python bench/generate.py --orders 100000 [--force] [--server URL]

makes (or reuses) the database `bench_park_100k` on the server (default
postgres://postgres@127.0.0.1:5432): migrated with `backend.cli migrate`, then filled with
COPY — 10 categories and 100 items with their versions, 2,000 verified enterprises with Chinese
names and their applicants, 6 teams of handlers, auditors, a supervisor and an admin, and N orders
over the last two years, each with its approved application and 5 events, plus 10 % more
applications that never became orders. Counters (order and application numbers per day, each
order's event sequence) end where the data ends, so the app keeps numbering correctly on it.

A second run finds the database complete at the same size and only migrates it up (so indexes
added by later migrations are built on the existing rows, then vacuumed and analyzed) and opens
new sessions; `--force` rebuilds. Each run prints, as JSON, the database URL and the cookies of
a signed-in supervisor and handler (sessions stored as the app stores them: the table holds the
SHA-256 of the secret).

From Python: `park = asyncio.run(ensure_park(100_000))` returns the same facts as a `Park`.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from backend.demo.catalog import CATALOG, HALL, _matching  # noqa: E402
from backend.services.calendar.calendar import WorkingCalendar  # noqa: E402
from backend.services.catalog.catalog import search_text  # noqa: E402
from backend.services.catalog.forms import check_definition  # noqa: E402
from backend.services.catalog.popularity import recount_sql  # noqa: E402
from backend.services.core.errors import Problems  # noqa: E402
from backend.services.orders.day_counts import recount_statements  # noqa: E402
from backend.services.orders.time_limits import working_days_taken  # noqa: E402

DEFAULT_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PARK = ZoneInfo("Asia/Shanghai")
# Bumped when what the generator writes changes, so an old database is rebuilt, not reused.
GENERATOR_VERSION = 3
PASSWORD = "bench-park-password"
SEED = 20261130
DAYS = 730
ENTERPRISES = 2000
TEAMS = 6
HANDLERS_PER_TEAM = 6
AUDITORS = 4
EXTRA_APPLICATIONS = 0.10
EVENTS_PER_ORDER = 5
CHUNK = 50_000
# Tables big enough that building their indexes after the load beats keeping them during it.
BULK_TABLES = ("applications", "orders", "events", "counters")


@dataclass(frozen=True)
class Park:
    database: str
    url: str
    orders: int
    supervisor_id: int
    supervisor_cookie: str
    handler_id: int
    handler_cookie: str
    # Facts the benchmarks search and filter by, found in the data, not assumed.
    common_keyword: str
    rare_keyword: str
    enterprise_name: str
    busy_category_id: int

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def database_name(orders: int) -> str:
    # A copy of a park (CREATE DATABASE ... TEMPLATE) to measure a branch without migrating
    # the shared one: BENCH_PARK_DATABASE names it.
    if os.environ.get("BENCH_PARK_DATABASE"):
        return os.environ["BENCH_PARK_DATABASE"]
    if orders % 1_000_000 == 0:
        return f"bench_park_{orders // 1_000_000}m"
    if orders % 1000 == 0:
        return f"bench_park_{orders // 1000}k"
    return f"bench_park_{orders}"


def _server_base(server: str) -> str:
    base = server.replace("postgresql://", "postgres://", 1).rstrip("/")
    if base.count("/") > 2:
        base = base.rsplit("/", 1)[0]
    return base


def database_url(orders: int, server: str = DEFAULT_SERVER) -> str:
    return f"{_server_base(server)}/{database_name(orders)}"


# -- names ----------------------------------------------------------------------------------------

CITIES = [
    "苏州",
    "无锡",
    "常州",
    "南京",
    "南通",
    "杭州",
    "宁波",
    "嘉兴",
    "上海",
    "合肥",
    "深圳",
    "广州",
    "厦门",
    "成都",
    "武汉",
    "西安",
    "青岛",
    "天津",
]
BRAND_FIRST = "恒博华天中金瑞新宏鼎汇信德嘉联泰盛卓凯明晟智睿领航云海创远启沃"
BRAND_SECOND = "瑞远芯合科鼎丰源达通星辰宇腾越诚创益光润安锐驰拓邦维捷"
INDUSTRIES = [
    "科技",
    "信息技术",
    "生物医药",
    "新材料科技",
    "智能制造",
    "电子科技",
    "环保科技",
    "网络科技",
    "医疗器械",
    "精密机械",
    "软件",
    "数据服务",
    "供应链管理",
    "食品",
    "建筑工程",
    "光电",
    "汽车零部件",
    "检测技术",
    "文化传媒",
    "商务咨询",
]
FORMS = ["有限公司"] * 6 + ["股份有限公司", "有限责任公司"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬燕晨宇浩然轩涵欣怡思远嘉俊婷雪琳峰斌"

TEAM_NAMES = [
    ("综合受理组", "General intake"),
    ("企业服务一组", "Enterprise services 1"),
    ("企业服务二组", "Enterprise services 2"),
    ("科技项目组", "Technology projects"),
    ("人才服务组", "Talent services"),
    ("物业与安全组", "Property and safety"),
]

# Four categories beyond the demo catalog's six, with items named as parks name them.
MORE_CATEGORIES: list[tuple[str, str, list[str]]] = [
    (
        "工商税务",
        "Registration and tax",
        [
            "企业设立登记",
            "经营范围变更",
            "法定代表人变更",
            "注册地址迁移",
            "股权转让备案",
            "税务登记代办",
            "一般纳税人认定",
            "发票申领",
            "出口退税辅导",
            "企业年报代报",
        ],
    ),
    (
        "物业服务",
        "Property services",
        [
            "办公室报修",
            "空调维修",
            "门禁卡办理",
            "停车位申请",
            "会议室预订",
            "装修备案",
            "货梯预约",
            "保洁预约",
            "能耗账单查询",
            "场地租赁",
        ],
    ),
    (
        "安全环保",
        "Safety and environment",
        [
            "安全生产检查预约",
            "消防验收辅导",
            "环评手续咨询",
            "危废转运申请",
            "职业健康体检",
            "特种设备登记",
            "排污许可辅导",
            "应急预案备案",
        ],
    ),
    (
        "知识产权",
        "Intellectual property",
        [
            "专利申请代理",
            "商标注册",
            "软件著作权登记",
            "知识产权贯标",
            "专利年费代缴",
            "技术合同登记",
            "科技成果评价",
        ],
    ),
]
# Extra items in the demo's categories, to make about 100 in all.
MORE_ITEMS: dict[str, list[str]] = {
    "融资贷款": [
        "科技贷申请",
        "知识产权质押融资",
        "融资租赁对接",
        "股权融资路演",
        "贷款贴息申请",
        "应收账款融资",
        "上市辅导咨询",
        "创业担保贷款",
    ],
    "项目申报": [
        "专精特新认定",
        "研发费用加计扣除辅导",
        "技术改造项目申报",
        "首台套认定",
        "工程技术中心认定",
        "人才项目申报",
        "瞪羚企业申报",
        "企业技术中心认定",
    ],
    "资源对接": [
        "供需对接会报名",
        "展会参展申请",
        "检验检测服务对接",
        "孵化器入驻申请",
        "园区企业互访",
        "政策宣讲会报名",
        "投融资对接会",
    ],
    "法律维权": [
        "劳动争议调解",
        "合同审查",
        "商事仲裁咨询",
        "涉外法律咨询",
        "企业合规体检",
        "商业秘密保护",
    ],
    "管理咨询": [
        "ISO体系认证辅导",
        "精益生产咨询",
        "数字化转型诊断",
        "品牌策划咨询",
        "内控体系建设",
    ],
    "人才培训": [
        "人才公寓申请",
        "技能等级认定",
        "外籍人才工作许可",
        "职称评审申报",
        "博士后工作站申报",
        "员工子女入学协调",
        "见习基地申报",
    ],
}


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def enterprise_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
        name = f"{rng.choice(CITIES)}{brand}{rng.choice(INDUSTRIES)}{rng.choice(FORMS)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def credit_code(n: int) -> str:
    return f"91320594{n:09d}X"


# -- time -----------------------------------------------------------------------------------------


def _day_weights(days: Sequence[date]) -> list[float]:
    """Weekdays busy, weekends quiet, and the park growing over the two years."""
    weights = []
    for i, day in enumerate(days):
        base = 1.0 if day.weekday() < 5 else 0.12
        weights.append(base * (0.6 + 0.8 * i / len(days)))
    return weights


def moments(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    """`count` submission times over the last DAYS days in office hours, oldest first (UTC)."""
    today = now.astimezone(PARK).date()
    days = [today - timedelta(days=DAYS - i) for i in range(DAYS)]
    weights = _day_weights(days)
    total = sum(weights)
    counts = [int(count * w / total) for w in weights]
    for i in rng.choices(range(DAYS), weights=weights, k=count - sum(counts)):
        counts[i] += 1
    result: list[datetime] = []
    for day, n in zip(days, counts, strict=True):
        start = datetime(day.year, day.month, day.day, 8, 30, tzinfo=PARK).astimezone(UTC)
        seconds = sorted(rng.triangular(0, 9.5 * 3600, 3.5 * 3600) for _ in range(n))
        result.extend(
            start + timedelta(seconds=s, microseconds=rng.randrange(1000)) for s in seconds
        )
    return result


# -- the world ---------------------------------------------------------------------------------


@dataclass
class Item:
    id: int
    category_id: int
    name_zh: str
    team_id: int | None  # the handling team (the version's, else the category's)
    provider_id: int | None
    review_auto: bool
    time_limit_days: int
    versions: list[tuple[int, datetime]]  # (version id, created at), oldest first
    popularity: float


@dataclass
class World:
    now: datetime
    password_hash: str
    users: list[tuple[Any, ...]]
    user_roles: list[tuple[Any, ...]]
    teams: list[tuple[Any, ...]]
    team_members: list[tuple[Any, ...]]
    categories: list[tuple[Any, ...]]
    providers: list[tuple[Any, ...]]
    service_items: list[tuple[Any, ...]]
    versions: list[tuple[Any, ...]]
    enterprises: list[tuple[Any, ...]]
    memberships: list[tuple[Any, ...]]
    items: list[Item]
    handlers_of: dict[int, list[tuple[int, str]]]  # team id -> [(user id, name)]
    applicants_of: dict[int, list[int]]  # enterprise id -> applicant ids
    auditors: list[int]
    supervisor: tuple[int, str]
    admin_id: int


def stored_form(item: dict[str, Any]) -> dict[str, Any]:
    """The item's form in the shape the catalog service stores (defaults filled in)."""
    problems = Problems()
    form = check_definition(
        {"fields": item["fields"], "attachments": item["attachments"]}, problems
    )
    if problems.items:
        raise ValueError(f"{item['name']['zh']}: {problems.items}")
    return form


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def build_world(rng: random.Random, now: datetime) -> World:
    two_years_ago = now - timedelta(days=DAYS + 30)
    password_hash = PasswordHasher().hash(PASSWORD)
    users: list[tuple[Any, ...]] = []
    user_roles: list[tuple[Any, ...]] = []

    def add_user(name: str, email: str, role: str, created: datetime) -> int:
        uid = len(users) + 1
        users.append(
            (uid, name, email, None, password_hash, True, "zh-CN", created, None, 1, False)
        )
        user_roles.append((len(user_roles) + 1, role, uid))
        return uid

    admin_id = add_user(
        "园区管理员 " + person_name(rng), "admin@bench.park.cn", "ADMIN", two_years_ago
    )
    supervisor_name = "监管员 " + person_name(rng)
    supervisor_id = add_user(
        supervisor_name, "supervisor@bench.park.cn", "SUPERVISOR", two_years_ago
    )
    auditors = [
        add_user(
            "审核员 " + person_name(rng), f"auditor{i}@bench.park.cn", "AUDITOR", two_years_ago
        )
        for i in range(AUDITORS)
    ]
    teams: list[tuple[Any, ...]] = []
    team_members: list[tuple[Any, ...]] = []
    handlers_of: dict[int, list[tuple[int, str]]] = {}
    for t, (zh, en) in enumerate(TEAM_NAMES, start=1):
        teams.append((t, zh, en, two_years_ago, 1))
        handlers_of[t] = []
        for h in range(HANDLERS_PER_TEAM):
            name = person_name(rng)
            uid = add_user(name, f"handler{t}-{h}@bench.park.cn", "HANDLER", two_years_ago)
            handlers_of[t].append((uid, name))
            member_id = len(team_members) + 1
            team_members.append(
                (member_id, "HANDLER", False, now - timedelta(hours=h + 1), two_years_ago, t, uid)
            )
    providers = [
        (1, "苏州园区企业服务有限公司", "周宁", "0512-66881234", "service@provider1.cn", "", True,
         two_years_ago, 1),
        (2, "江苏知产通知识产权代理有限公司", "韩雪", "025-83331234", "ip@provider2.cn", "", True,
         two_years_ago, 1),
    ]  # fmt: skip

    categories: list[tuple[Any, ...]] = []
    service_items: list[tuple[Any, ...]] = []
    versions: list[tuple[Any, ...]] = []
    items: list[Item] = []
    demo_items = [item for category in CATALOG for item in category["items"]]
    spec: list[tuple[str, str, str, list[dict[str, Any]]]] = []
    for category in CATALOG:
        zh = category["name"]["zh"]
        extra = [
            {**demo_items[(k * 7) % len(demo_items)], "name": {"zh": n, "en": ""}}
            for k, n in enumerate(MORE_ITEMS.get(zh, []))
        ]
        spec.append((zh, category["name"]["en"], category["description"]["zh"],
                     [*category["items"], *extra]))  # fmt: skip
    for zh, en, names in MORE_CATEGORIES:
        templated = [
            {**demo_items[(k * 5 + len(zh)) % len(demo_items)], "name": {"zh": n, "en": ""}}
            for k, n in enumerate(names)
        ]
        spec.append((zh, en, "", templated))
    for c, (zh, en, description, category_items) in enumerate(spec, start=1):
        team_id = (c - 1) % TEAMS + 1
        categories.append((c, zh, en, description, "", c, two_years_ago, 1, team_id))
        for position, item in enumerate(category_items, start=1):
            item_id = len(items) + 1
            by_provider = item_id % 17 == 0
            provider_id = 1 + item_id % 2 if by_provider else None
            own_team = None if by_provider or item_id % 5 else (item_id % TEAMS) + 1
            review_auto = (
                item.get("review_mode") is not None and item["review_mode"].value == "AUTO"
            )
            limit = int(item.get("time_limit_days", 10))
            count = 1 + item_id % 3
            made: list[tuple[int, datetime]] = []
            for number in range(1, count + 1):
                version_id = len(versions) + 1
                created = two_years_ago + timedelta(days=(number - 1) * (DAYS // count))
                content = {
                    "name_zh": item["name"]["zh"],
                    "name_en": item["name"]["en"],
                    "summary_zh": item.get("summary", {}).get("zh", "")
                    or f"{item['name']['zh']}服务",
                    "summary_en": item.get("summary", {}).get("en", ""),
                    "description_zh": item.get("description", {}).get("zh", ""),
                    "description_en": item.get("description", {}).get("en", ""),
                }
                versions.append((
                    version_id, number, content["name_zh"], content["name_en"],
                    content["summary_zh"], content["summary_en"], content["description_zh"],
                    content["description_en"], HALL[0], HALL[1], _json(item["steps"]),
                    _json(item["reminders"]),
                    _json(stored_form(item)),
                    _json(_matching(item["fields"])), "AUTO" if review_auto else "MANUAL",
                    "PROVIDER" if by_provider else "IN_HOUSE", item.get("appointment_quota"),
                    limit, created, admin_id, item_id, provider_id, own_team,
                ))  # fmt: skip
                made.append((version_id, created))
            live = versions[made[-1][0] - 1]
            texts = {
                "name_zh": live[2], "name_en": live[3], "summary_zh": live[4],
                "summary_en": live[5], "description_zh": live[6], "description_en": live[7],
            }  # fmt: skip
            service_items.append((
                item_id, "PUBLISHED", count, position, live[2], live[3], search_text(texts),
                two_years_ago, count, c, made[-1][0],
            ))  # fmt: skip
            items.append(
                Item(
                    item_id, c, live[2], None if by_provider else (own_team or team_id),
                    provider_id, review_auto, limit, made,
                    # A few items carry most of the work, as in every service hall.
                    popularity=1.0 / (1 + (item_id * 37) % 23) ** 1.1,
                )
            )  # fmt: skip

    enterprises: list[tuple[Any, ...]] = []
    memberships: list[tuple[Any, ...]] = []
    applicants_of: dict[int, list[int]] = {}
    for e, name in enumerate(enterprise_names(rng, ENTERPRISES), start=1):
        created = two_years_ago - timedelta(days=rng.randrange(0, 1500))
        people = [
            add_user(person_name(rng), f"e{e}-{k}@bench-enterprise.cn", "APPLICANT", created)
            for k in range(1 if rng.random() < 0.7 else 2)
        ]
        applicants_of[e] = people
        code = credit_code(e)
        enterprises.append((
            e, name, code, "VERIFIED", created, 1, f"{name[:2]}市工业园区星湖街{e}号",
            person_name(rng), f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}",
            date(2000 + e % 24, 1 + e % 12, 1 + e % 28), person_name(rng), None, code,
            people[0], "", created + timedelta(days=1), auditors[e % AUDITORS],
        ))  # fmt: skip
        for k, uid in enumerate(people):
            memberships.append((len(memberships) + 1, "OWNER" if k == 0 else "MEMBER", created,
                                e, uid))  # fmt: skip
    return World(
        now, password_hash, users, user_roles, teams, team_members, categories, providers,
        service_items, versions, enterprises, memberships, items, handlers_of, applicants_of,
        auditors, (supervisor_id, supervisor_name), admin_id,
    )  # fmt: skip


# -- orders, their applications and events -------------------------------------------------------

OPEN_MIX = (
    # (max age in days, [(status, weight)]) — the first bracket an order's age falls in.
    (3, [("PENDING_ASSIGNMENT", 15), ("ASSIGNED", 35), ("IN_PROGRESS", 35),
         ("WAITING_ON_APPLICANT", 10), ("COMPLETED", 5)]),
    (30, [("ASSIGNED", 5), ("IN_PROGRESS", 20), ("WAITING_ON_APPLICANT", 10),
          ("COMPLETED", 60), ("CANCELLED", 5)]),
    (10**6, [("IN_PROGRESS", 1), ("COMPLETED", 94), ("CANCELLED", 5)]),
)  # fmt: skip
PROVIDER_MIX = (
    (3, [("PENDING_FORWARD", 40), ("FORWARDED", 60)]),
    (30, [("FORWARDED", 40), ("COMPLETED", 60)]),
    (10**6, [("COMPLETED", 95), ("CANCELLED", 5)]),
)
# Each status's five events: (kind, from, to, who) — who is "auditor" (who approved, or the
# system for instant approval), "assignee", "other" (a handler before), "supervisor".
STORIES: dict[str, list[tuple[str, str | None, str | None, str]]] = {
    "COMPLETED": [("ORDER_OPENED", None, "PENDING_ASSIGNMENT", "auditor"),
                  ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "auditor"),
                  ("ORDER_REASSIGNED", "ASSIGNED", "ASSIGNED", "supervisor"),
                  ("ORDER_ACCEPTED", "ASSIGNED", "IN_PROGRESS", "assignee"),
                  ("ORDER_COMPLETED", "IN_PROGRESS", "COMPLETED", "assignee")],
    "IN_PROGRESS": [("ORDER_OPENED", None, "PENDING_ASSIGNMENT", "auditor"),
                    ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "auditor"),
                    ("ORDER_ACCEPTED", "ASSIGNED", "IN_PROGRESS", "assignee"),
                    ("ORDER_INFORMATION_REQUESTED", "IN_PROGRESS", "WAITING_ON_APPLICANT",
                     "assignee"),
                    ("ORDER_INFORMATION_ANSWERED", "WAITING_ON_APPLICANT", "IN_PROGRESS",
                     "applicant")],
    "WAITING_ON_APPLICANT": [("ORDER_OPENED", None, "PENDING_ASSIGNMENT", "auditor"),
                             ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "auditor"),
                             ("ORDER_REASSIGNED", "ASSIGNED", "ASSIGNED", "supervisor"),
                             ("ORDER_ACCEPTED", "ASSIGNED", "IN_PROGRESS", "assignee"),
                             ("ORDER_INFORMATION_REQUESTED", "IN_PROGRESS",
                              "WAITING_ON_APPLICANT", "assignee")],
    "ASSIGNED": [("ORDER_OPENED", None, "PENDING_ASSIGNMENT", "auditor"),
                 ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "auditor"),
                 ("ORDER_RELEASED", "ASSIGNED", "PENDING_ASSIGNMENT", "supervisor"),
                 ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "supervisor"),
                 ("ORDER_REASSIGNED", "ASSIGNED", "ASSIGNED", "supervisor")],
    "PENDING_ASSIGNMENT": [("ORDER_OPENED", None, "PENDING_ASSIGNMENT", "auditor"),
                           ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "auditor"),
                           ("ORDER_RELEASED", "ASSIGNED", "PENDING_ASSIGNMENT", "supervisor"),
                           ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "supervisor"),
                           ("ORDER_RELEASED", "ASSIGNED", "PENDING_ASSIGNMENT", "supervisor")],
    "CANCELLED": [("ORDER_OPENED", None, "PENDING_ASSIGNMENT", "auditor"),
                  ("ORDER_ASSIGNED", "PENDING_ASSIGNMENT", "ASSIGNED", "auditor"),
                  ("ORDER_ACCEPTED", "ASSIGNED", "IN_PROGRESS", "assignee"),
                  ("ORDER_INFORMATION_REQUESTED", "IN_PROGRESS", "WAITING_ON_APPLICANT",
                   "assignee"),
                  ("ORDER_CANCELLED", "WAITING_ON_APPLICANT", "CANCELLED", "supervisor")],
    "PENDING_FORWARD": [("ORDER_OPENED", None, "PENDING_FORWARD", "auditor"),
                        ("ORDER_FORWARDED", "PENDING_FORWARD", "FORWARDED", "supervisor"),
                        ("ORDER_HANDED_BACK", "FORWARDED", "PENDING_FORWARD", "supervisor"),
                        ("ORDER_FORWARDED", "PENDING_FORWARD", "FORWARDED", "supervisor"),
                        ("ORDER_HANDED_BACK", "FORWARDED", "PENDING_FORWARD", "supervisor")],
    "FORWARDED": [("ORDER_OPENED", None, "PENDING_FORWARD", "auditor"),
                  ("ORDER_FORWARDED", "PENDING_FORWARD", "FORWARDED", "supervisor"),
                  ("ORDER_HANDED_BACK", "FORWARDED", "PENDING_FORWARD", "supervisor"),
                  ("ORDER_REROUTED", "PENDING_FORWARD", "PENDING_FORWARD", "supervisor"),
                  ("ORDER_FORWARDED", "PENDING_FORWARD", "FORWARDED", "supervisor")],
}  # fmt: skip
PROVIDER_COMPLETED = [
    ("ORDER_OPENED", None, "PENDING_FORWARD", "auditor"),
    ("ORDER_FORWARDED", "PENDING_FORWARD", "FORWARDED", "supervisor"),
    ("ORDER_PROVIDER_ACCEPTED", "FORWARDED", "FORWARDED", "system"),
    ("ORDER_INFORMATION_REQUESTED", "FORWARDED", "FORWARDED", "system"),
    ("ORDER_COMPLETED", "FORWARDED", "COMPLETED", "system"),
]
EXTRA_STATUSES = [("UNDER_REVIEW", 30), ("REJECTED", 25), ("WITHDRAWN", 15), ("RETURNED", 15),
                  ("DRAFT", 15)]  # fmt: skip


class Mix:
    """A weighted choice, drawn with one random number."""

    def __init__(self, weighted: Sequence[tuple[str, int]]) -> None:
        self.values = [value for value, _ in weighted]
        self.cumulative: list[float] = []
        total = 0.0
        for _, weight in weighted:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


ORDER_MIXES = [(limit, Mix(mix)) for limit, mix in OPEN_MIX]
PROVIDER_MIXES = [(limit, Mix(mix)) for limit, mix in PROVIDER_MIX]
EXTRA_MIX = Mix(EXTRA_STATUSES)


def _status_for(rng: random.Random, age_days: float, by_provider: bool) -> str:
    for limit, mix in PROVIDER_MIXES if by_provider else ORDER_MIXES:
        if age_days < limit:
            return mix.pick(rng)
    raise AssertionError("the last bracket is unbounded")


def _reason(candidates: list[tuple[int, str]], chosen: int, variant: int) -> str:
    """The stored reason for choosing `chosen` among `candidates`, with made-up loads."""
    eligible = [
        {"userId": uid, "name": name, "load": (uid * 7 + variant * 13) % 40, "lastAssignedAt": None}
        for uid, name in sorted(candidates)
    ]
    return _json(
        {"rule": "FEWEST_OPEN_ORDERS_THEN_LEAST_RECENT", "eligible": eligible, "chosen": chosen}
    )


def _story_rows(
    story: list[tuple[str, str | None, str | None, str]],
) -> list[tuple[str, str, str]]:
    """(kind, data, who) for each event of a story; the opening event's data is a template
    for the application's number."""
    return [
        (
            kind,
            '{{"application":"{}","status":"%s"}}' % target  # noqa: UP031
            if source is None
            else f'{{"from":"{source}","to":"{target}","note":""}}',
            who,
        )
        for kind, source, target, who in story
    ]


@dataclass
class Rows:
    applications: list[tuple[Any, ...]]
    orders: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]


class DayKeys:
    """`SH-20261125` for a moment, by its park-local day (China keeps UTC+8, no summer time)."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def __call__(self, prefix: str, moment: datetime) -> str:
        day = int((moment.timestamp() + 8 * 3600) // 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = moment.astimezone(PARK).strftime("%Y%m%d")
        return f"{prefix}-{text}"


def orders_in_chunks(
    world: World, count: int, seed: int, counters: dict[str, int]
) -> Iterator[Rows]:
    """Every application (with its order and events when it became one), in time order, in
    chunks; the numbers' counters (one per prefix and park-local day) are kept in `counters`."""
    rng = random.Random(seed + 1)
    random_ = rng.random
    now = world.now
    extra = int(count * EXTRA_APPLICATIONS)
    submitted = moments(rng, count + extra, now - timedelta(hours=1))
    becomes_order = set(rng.sample(range(count + extra), count))
    cumulative = []
    running = 0.0
    for item in world.items:
        running += item.popularity
        cumulative.append(running)
    enterprise_ids = list(world.applicants_of)
    supervisor_id = world.supervisor[0]
    contacts = [person_name(rng) for _ in range(997)]
    stories = {status: _story_rows(story) for status, story in STORIES.items()}
    provider_completed = _story_rows(PROVIDER_COMPLETED)
    # The park enters no calendar days: weekends only. The working days a completed order took
    # are counted as `complete` counts them (no pauses here).
    calendar = WorkingCalendar(
        PARK, (now - timedelta(days=DAYS + 2)).date(), (now + timedelta(days=2)).date(), {}
    )
    reasons: dict[tuple[int, int, int], str] = {}
    day_key_of = DayKeys()
    minute = timedelta(minutes=1)
    day = timedelta(days=1)
    order_id = 0
    event_id = 0
    rows = Rows([], [], [])
    for slot, at in enumerate(submitted):
        app_id = slot + 1
        item = world.items[bisect.bisect_left(cumulative, random_() * running)]
        enterprise = enterprise_ids[int(len(enterprise_ids) * random_() ** 1.6)]
        people = world.applicants_of[enterprise]
        applicant = people[int(random_() * len(people))]
        version_id = item.versions[0][0]
        for vid, made in item.versions:
            if made <= at:
                version_id = vid
        created = at - minute * (5 + int(random_() * 595))
        key = day_key_of("SQ", created)
        counters[key] = number = counters.get(key, 0) + 1
        app_number = f"{key}-{number:04d}"
        form_data = (
            f'{{"contact":"{contacts[app_id % 997]}","phone":"1390000{app_id % 10000:04d}"}}'
        )
        if slot not in becomes_order:
            status = EXTRA_MIX.pick(rng)
            draft = status == "DRAFT"
            decided = None
            if status not in ("UNDER_REVIEW", "DRAFT", "RETURNED"):
                decided = min(now, at + minute * (60 + int(random_() * 4260)))
            rows.applications.append((
                app_id, app_number, status, form_data, False, None, 0 if draft else 1,
                None if draft else at, decided, created, decided or at, 1, applicant, enterprise,
                None, item.id, None if draft else version_id,
            ))  # fmt: skip
            continue
        auditor = None if item.review_auto else world.auditors[int(random_() * AUDITORS)]
        opened = at if item.review_auto else at + minute * (20 + int(random_() * 2860))
        opened = min(opened, now - minute)
        rows.applications.append((
            app_id, app_number, "APPROVED", form_data, False, None, 1, at, opened, created,
            opened, 2, applicant, enterprise, None, item.id, version_id,
        ))  # fmt: skip
        order_id += 1
        by_provider = item.provider_id is not None
        age = (now - opened).total_seconds() / 86400
        status = _status_for(rng, age, by_provider)
        team_id = item.team_id
        handlers = world.handlers_of.get(team_id or 0, [])
        assignee_id: int | None = None
        if not by_provider and status != "PENDING_ASSIGNMENT":
            assignee_id = handlers[int(random_() * len(handlers))][0]
        other_id = handlers[int(random_() * len(handlers))][0] if handlers else None
        assigned_at = opened + minute * random_() if assignee_id else None
        span = min(age, item.time_limit_days * 1.4) * (0.2 + 0.8 * random_())
        completed_at = opened + day * span if status == "COMPLETED" else None
        okey = day_key_of("SH", opened)
        counters[okey] = number = counters.get(okey, 0) + 1
        reason = "{}"
        if assignee_id is not None and team_id is not None:
            variant = int(random_() * 8)
            reason = reasons.get((team_id, assignee_id, variant)) or reasons.setdefault(
                (team_id, assignee_id, variant), _reason(handlers, assignee_id, variant)
            )
        rows.orders.append((
            order_id, f"{okey}-{number:04d}", status, reason,
            opened + day * (item.time_limit_days * 1.4), opened, assigned_at, completed_at,
            EVENTS_PER_ORDER, applicant, assignee_id, auditor, enterprise, item.id, version_id,
            item.provider_id, None if by_provider else team_id, app_id,
            None if completed_at is None
            else working_days_taken(calendar, opened, completed_at, ()),
        ))  # fmt: skip
        story = stories[status]
        if by_provider and status == "COMPLETED":
            story = provider_completed
        last = completed_at or min(now, opened + day * max(span, 0.01))
        step = (last - opened) / EVENTS_PER_ORDER
        worker = assignee_id or other_id
        for sequence, (kind, data, who) in enumerate(story, start=1):
            event_id += 1
            if who == "auditor":
                actor = auditor
            elif who == "assignee":
                actor = worker
            elif who == "supervisor":
                actor = supervisor_id
            elif who == "applicant":
                actor = applicant
            else:
                actor = None
            rows.events.append((
                event_id, "order", order_id, sequence, kind,
                data.format(app_number) if sequence == 1 else data, "",
                opened + step * (sequence - 1), enterprise if who == "applicant" else None,
                actor, None,
            ))  # fmt: skip
        if len(rows.applications) >= CHUNK:
            yield rows
            rows = Rows([], [], [])
    if rows.applications:
        yield rows


COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "name", "email", "phone", "password_hash", "is_active", "language",
              "created_at", "password_changed_at", "version", "email_notifications"),
    "user_roles": ("id", "role", "user_id"),
    "teams": ("id", "name", "description", "created_at", "version"),
    "team_members": ("id", "kind", "on_leave", "last_assigned_at", "created_at", "team_id",
                     "user_id"),
    "categories": ("id", "name_zh", "name_en", "description_zh", "description_en", "position",
                   "created_at", "version", "team_id"),
    "providers": ("id", "name", "contact_name", "contact_phone", "email", "description", "active",
                  "created_at", "version"),
    "service_items": ("id", "status", "latest_number", "position", "name_zh", "name_en",
                      "search_text", "created_at", "version", "category_id", "live_version_id"),
    "service_item_versions": ("id", "number", "name_zh", "name_en", "summary_zh", "summary_en",
                              "description_zh", "description_en", "location_zh", "location_en",
                              "process_steps", "reminders", "form", "audit_rules", "review_mode",
                              "fulfilment", "appointment_quota", "time_limit_days", "created_at",
                              "created_by_id", "item_id", "provider_id", "team_id"),
    "enterprises": ("id", "name", "credit_code", "status", "created_at", "version", "address",
                    "contact_name", "contact_phone", "established_on", "legal_representative",
                    "licence_id", "live_credit_code", "registered_by_id", "review_reason",
                    "reviewed_at", "reviewed_by_id"),
    "memberships": ("id", "role", "created_at", "enterprise_id", "user_id"),
    "applications": ("id", "number", "status", "form_data", "promised_deferred", "open_key",
                     "revision_count", "submitted_at", "decided_at", "created_at", "updated_at",
                     "version", "applicant_id", "enterprise_id", "filed_by_id", "item_id",
                     "item_version_id"),
    "orders": ("id", "number", "status", "assignment_reason", "due_at", "created_at",
               "assigned_at", "completed_at", "version", "applicant_id", "assignee_id",
               "auditor_id", "enterprise_id", "item_id", "item_version_id", "provider_id",
               "team_id", "application_id", "processing_days"),
    "events": ("id", "aggregate_type", "aggregate_id", "sequence", "kind", "data", "request_id",
               "created_at", "acting_for_id", "actor_id", "api_token_id"),
    "counters": ("key", "value"),
}  # fmt: skip


# -- the database ---------------------------------------------------------------------------------


async def _admin(server: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        f"{_server_base(server).replace('postgres://', 'postgresql://')}/postgres"
    )


async def _facts_of(name: str, server: str) -> dict[str, Any] | None:
    """What the generator wrote in the database's comment when it finished; None if absent."""
    admin = await _admin(server)
    try:
        comment = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name
        )
    finally:
        await admin.close()
    if not comment:
        return None
    try:
        facts: dict[str, Any] = json.loads(comment)
    except ValueError:
        return None
    return facts


def migrate(url: str) -> None:
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip


async def _copy(conn: asyncpg.Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))


async def _check_columns(conn: asyncpg.Connection) -> None:
    """Refuses to load a table that has a NOT NULL column without a default that the
    generator does not fill: a later migration added it, and the generator must learn it."""
    for table, columns in COLUMNS.items():
        missing = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = $1 AND is_nullable = 'NO' AND column_default IS NULL "
            "AND is_generated = 'NEVER' AND NOT (column_name = ANY($2::text[]))",
            table,
            list(columns),
        )
        if missing:
            raise SystemExit(
                f"{table} has NOT NULL columns the generator does not fill: "
                f"{', '.join(r['column_name'] for r in missing)} (teach bench/generate.py)"
            )


async def _drop_bulk_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drops the big tables' constraints and indexes; returns the statements that recreate
    them exactly as the migrations made them (indexes, then keys, then foreign keys)."""
    tables = list(BULK_TABLES)
    constraints = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype, "
        "pg_get_constraintdef(c.oid) AS def FROM pg_constraint c "
        "WHERE c.conrelid = ANY(SELECT oid FROM pg_class WHERE relname = ANY($1::text[])) "
        "OR (c.contype = 'f' AND c.confrelid = ANY(SELECT oid FROM pg_class "
        "WHERE relname = ANY($1::text[])))",
        tables,
    )
    indexes = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def "
        "FROM pg_index i WHERE i.indrelid = ANY(SELECT oid FROM pg_class "
        "WHERE relname = ANY($1::text[])) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        tables,
    )
    foreign = [c for c in constraints if c["contype"] == "f"]
    keys = [c for c in constraints if c["contype"] in ("p", "u")]
    others = [c for c in constraints if c["contype"] not in ("f", "p", "u")]
    for c in [*foreign, *keys]:
        await conn.execute(f'ALTER TABLE {c["tbl"]} DROP CONSTRAINT "{c["conname"]}"')
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['name']}")
    del others  # CHECK and NOT NULL stay: they cost little while loading
    return [
        *[index["def"] for index in indexes],
        *[f'ALTER TABLE {c["tbl"]} ADD CONSTRAINT "{c["conname"]}" {c["def"]}' for c in keys],
        *[f'ALTER TABLE {c["tbl"]} ADD CONSTRAINT "{c["conname"]}" {c["def"]}' for c in foreign],
    ]


async def _fill(url: str, orders: int, seed: int, log: Any) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    world = build_world(rng, now)
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await _check_columns(conn)
        await conn.execute("SET maintenance_work_mem = '512MB'; SET synchronous_commit = off")
        async with conn.transaction():
            for table, rows in (
                ("users", world.users), ("user_roles", world.user_roles),
                ("teams", world.teams), ("team_members", world.team_members),
                ("providers", world.providers), ("categories", world.categories),
            ):  # fmt: skip
                await _copy(conn, table, rows)
            # Items and their versions point at each other: items first, live version later.
            live = [(*row[:-1], None) for row in world.service_items]
            await _copy(conn, "service_items", live)
            await _copy(conn, "service_item_versions", world.versions)
            await conn.executemany(
                "UPDATE service_items SET live_version_id = $2 WHERE id = $1",
                [(row[0], row[-1]) for row in world.service_items],
            )
            await _copy(conn, "enterprises", world.enterprises)
            await _copy(conn, "memberships", world.memberships)
        log(f"people, catalog, enterprises: {time.perf_counter() - started:.1f}s")
        recreate = await _drop_bulk_indexes(conn)
        totals = [0, 0, 0]
        numbers: dict[str, int] = {}
        for rows in orders_in_chunks(world, orders, seed, numbers):
            await _copy(conn, "applications", rows.applications)
            await _copy(conn, "orders", rows.orders)
            await _copy(conn, "events", rows.events)
            totals = [totals[0] + len(rows.applications), totals[1] + len(rows.orders),
                      totals[2] + len(rows.events)]  # fmt: skip
            log(f"  {totals[1]:>9,} orders, {totals[0]:,} applications, {totals[2]:,} events: "
                f"{time.perf_counter() - started:.1f}s")  # fmt: skip
        counters = list(numbers.items())
        counters += [(f"event:order:{i}", EVENTS_PER_ORDER) for i in range(1, orders + 1)]
        await _copy(conn, "counters", counters)
        log(f"counters: {time.perf_counter() - started:.1f}s")
        for statement in recreate:
            await conn.execute(statement)
        log(f"indexes and constraints: {time.perf_counter() - started:.1f}s")
        # The "most used" board reads daily counts that `submit` keeps; COPY bypasses it.
        await conn.execute(recount_sql("postgres"))
        log(f"applications counted by day: {time.perf_counter() - started:.1f}s")
        # The cockpit's day counters, which opening and completing orders keep: the same.
        for statement, arguments in recount_statements(PARK.key):
            await conn.execute(statement, *arguments)
        log(f"orders counted by day: {time.perf_counter() - started:.1f}s")
        for table in COLUMNS:
            if table == "counters":
                continue
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        await conn.execute("VACUUM (ANALYZE)")
        log(f"vacuum and analyze: {time.perf_counter() - started:.1f}s")
    finally:
        await conn.close()


async def _open_session(conn: asyncpg.Connection, user_id: int) -> str:
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await conn.execute(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, user_agent, "
        "address) VALUES ($1, $2, $3, $3, $4, 'bench', '127.0.0.1')",
        hashlib.sha256(secret.encode()).hexdigest(),
        user_id,
        now,
        now + timedelta(days=30),
    )
    return secret


async def _park_of(url: str, name: str, orders: int) -> Park:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DELETE FROM sessions WHERE expires_at < now()")
        supervisor = await conn.fetchval(
            "SELECT user_id FROM user_roles WHERE role = 'SUPERVISOR' ORDER BY user_id LIMIT 1"
        )
        # The handler with the longest queue: the heaviest case of a handler's list.
        handler = await conn.fetchval(
            "SELECT assignee_id FROM orders WHERE assignee_id IS NOT NULL "
            "GROUP BY assignee_id ORDER BY count(*) DESC, assignee_id LIMIT 1"
        )
        # An enterprise of middling activity (the generator favours low ids).
        enterprise = await conn.fetchval(
            "SELECT name FROM enterprises WHERE id = $1", ENTERPRISES // 2
        )
        # A brand that few enterprises carry: the search that finds little.
        rare = await conn.fetchval(
            "SELECT substr(name, 3, 2) AS brand FROM enterprises GROUP BY brand "
            "ORDER BY count(*), brand LIMIT 1"
        )
        category = await conn.fetchval(
            "SELECT i.category_id FROM orders o JOIN service_items i ON i.id = o.item_id "
            "GROUP BY i.category_id ORDER BY count(*) DESC LIMIT 1"
        )
        return Park(
            database=name,
            url=url,
            orders=orders,
            supervisor_id=supervisor,
            supervisor_cookie=await _open_session(conn, supervisor),
            handler_id=handler,
            handler_cookie=await _open_session(conn, handler),
            common_keyword="科技",
            rare_keyword=rare,
            enterprise_name=enterprise,
            busy_category_id=category,
        )
    finally:
        await conn.close()


async def ensure_park(
    orders: int,
    *,
    server: str = DEFAULT_SERVER,
    force: bool = False,
    seed: int = SEED,
    log: Any = print,
) -> Park:
    """The park with `orders` orders, generated unless already complete; fresh sessions."""
    name = database_name(orders)
    url = database_url(orders, server)
    wanted = {"orders": orders, "seed": seed, "generator": GENERATOR_VERSION, "complete": True}
    facts = await _facts_of(name, server)
    if force or facts != wanted:
        log(f"generating {name} ({orders:,} orders)")
        admin = await _admin(server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        migrate(url)
        await _fill(url, orders, seed, log)
        admin = await _admin(server)
        try:
            await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{json.dumps(wanted)}'")
        finally:
            await admin.close()
    else:
        # Reused: later migrations (new indexes, rows they fill) are applied to the rows already
        # there, then vacuumed and analyzed (an expression index has no statistics until
        # ANALYZE; rows a migration inserted are not all-visible, so index-only scans still
        # read the table, until VACUUM).
        migrate(url)
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute("VACUUM (ANALYZE)")
        finally:
            await conn.close()
    return await _park_of(url, name, orders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--force", action="store_true", help="rebuild even if complete")
    arguments = parser.parse_args()
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    park = asyncio.run(
        ensure_park(arguments.orders, server=arguments.server, force=arguments.force, log=log)
    )
    log(f"ready in {time.perf_counter() - started:.1f}s")
    print(park.as_json())


if __name__ == "__main__":
    main()
