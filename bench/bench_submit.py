"""Applications submitted, approved and turned into assigned orders per second, end to end
through the GraphQL API, over a baseline measured in the same run.

In-process through the real ASGI app (middleware, session lookup, GraphQL view), with an
applicant and an auditor signed in, one item reviewed by hand (two fields, two materials):
  baseline   `checkApplication`: the same input audited, nothing written (one request)
  submit     `submitApplication`: audited, numbered, revision and materials kept (one request)
  end to end `submitApplication`, then `auditApplication` APPROVE: the order opened and
             assigned to the least-loaded handler of the item's team (two requests)
one submission at a time, each case on its own fresh files.

    .venv/bin/python bench/bench_submit.py [--submissions 200]
        [--url sqlite:///tmp/x.sqlite3 | --url postgres://postgres@127.0.0.1:5432]

With no `--url`, SQLite in a temporary file. A PostgreSQL URL names the server: the benchmark
creates a scratch database there (`bench_submit_<pid>`) and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SERVICEHALL_ARGON2_TIME_COST", "1")
os.environ.setdefault("SERVICEHALL_ARGON2_MEMORY_COST", "1024")

import httpx2  # noqa: E402
from tortoise.context import TortoiseContext  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.db import tortoise_config  # noqa: E402
from backend.models.accounts import Role, User  # noqa: E402
from backend.models.enterprises import Membership, MembershipRole  # noqa: E402
from backend.models.files import StoredFile  # noqa: E402
from backend.models.orders import Order  # noqa: E402
from backend.schema.nodes import global_id  # noqa: E402
from backend.security import csrf_token_for  # noqa: E402
from backend.services.accounts import accounts  # noqa: E402
from backend.settings import Settings  # noqa: E402
from bench.bench_orders import migrate, scratch_database  # noqa: E402
from tests import builders  # noqa: E402
from tests.schema.application_helpers import FORM  # noqa: E402

SECRET = "bench-secret-key-bench-secret-key-bench"
PASSWORD = "bench password 1"
ERRORS = "userErrors { code message }"
CHECK = f"""query($i: ApplicationInput!) {{ checkApplication(input: $i) {{ passed {ERRORS} }} }}"""
SUBMIT = f"""mutation($i: ApplicationInput!) {{ submitApplication(input: $i) {{
    application {{ id number status version }} {ERRORS} }} }}"""
AUDIT = f"""mutation($i: AuditApplicationInput!) {{ auditApplication(input: $i) {{
    application {{ status }} order {{ number status }} {ERRORS} }} }}"""


class Client:
    """A signed-in browser-like client of the in-process app."""

    def __init__(self, app: Any) -> None:
        transport = httpx2.ASGITransport(app=app)
        self.http = httpx2.AsyncClient(transport=transport, base_url="http://bench")
        self.headers: dict[str, str] = {}

    async def sign_in(self, login: str) -> None:
        await self.http.get("/graphql", params={"query": "{ __typename }"})
        self._token()
        data = await self.gql(
            "mutation($i: LoginInput!) { login(input: $i) { user { id } } }",
            {"i": {"identifier": login, "password": PASSWORD}},
        )
        assert data["login"]["user"], data
        self._token()

    def _token(self) -> None:
        token = csrf_token_for(
            SECRET,
            session_cookie=self.http.cookies.get("sh_session"),
            visitor_id=self.http.cookies.get("sh_csrf") or "",
        )
        self.headers = {"X-CSRF-Token": token}

    async def gql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", headers=self.headers, json={"query": query, "variables": variables}
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]


async def files_for(user: User, count: int) -> list[list[dict[str, str]]]:
    """`count` sets of the item's two materials (a PDF licence, a PNG report), fresh rows."""
    rows = [
        StoredFile(sha256="0" * 64, size=1000, mime_type=mime, original_name="f", uploaded_by=user)
        for _ in range(count)
        for mime in ("application/pdf", "image/png")
    ]
    await StoredFile.bulk_create(rows)
    stored = await StoredFile.filter(uploaded_by=user).order_by("id").values_list("id", flat=True)
    ids = [global_id("File", int(str(pk))) for pk in stored][-2 * count :]
    return [
        [{"kind": "licence", "fileId": ids[2 * i]}, {"kind": "report", "fileId": ids[2 * i + 1]}]
        for i in range(count)
    ]


async def timed(run: Callable[[int], Awaitable[None]], count: int) -> float:
    """Runs per second over `count` runs, one at a time."""
    started = time.perf_counter()
    for i in range(count):
        await run(i)
    return count / (time.perf_counter() - started)


async def measure(url: str, count: int) -> list[tuple[str, float]]:
    settings = Settings(
        secret_key=SECRET, database_url=url, argon2_time_cost=1, argon2_memory_cost=1024
    )
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(url))
        team, _ = await builders.team_with_handlers(5)
        item, _ = await builders.published_item(team, form=FORM, time_limit_days=5)
        enterprise = await builders.verified_enterprise()
        owner = await accounts.create_user_directly(
            "申请人", "applicant@bench.cn", PASSWORD, [Role.APPLICANT]
        )
        await Membership.create(user=owner, enterprise=enterprise, role=MembershipRole.OWNER)
        await accounts.create_user_directly("审核员", "auditor@bench.cn", PASSWORD, [Role.AUDITOR])
        materials = await files_for(owner, 3 * count + 20)
        app = create_app(settings, manage_database=False)
        applicant, auditor = Client(app), Client(app)
        await applicant.sign_in("applicant@bench.cn")
        await auditor.sign_in("auditor@bench.cn")
        base = {
            "serviceItemId": global_id("ServiceItem", item.id),
            "enterpriseId": global_id("Enterprise", enterprise.id),
            "formData": {"amount": "20000", "purpose": "扩大生产"},
        }
        offset = {"check": 0, "submit": count, "end": 2 * count}

        async def check(i: int) -> None:
            data = await applicant.gql(CHECK, {"i": {**base, "attachments": materials[i]}})
            assert data["checkApplication"]["passed"], data

        async def submit(case: str, i: int) -> dict[str, Any]:
            attachments = materials[offset[case] + i]
            data = await applicant.gql(SUBMIT, {"i": {**base, "attachments": attachments}})
            payload = data["submitApplication"]
            assert payload["application"]["status"] == "UNDER_REVIEW", payload
            return dict(payload["application"])

        async def submitted(i: int) -> None:
            await submit("submit", i)

        async def end_to_end(i: int) -> None:
            application = await submit("end", i)
            decision = {
                "applicationId": application["id"],
                "expectedVersion": application["version"],
                "decision": "APPROVE",
            }
            payload = (await auditor.gql(AUDIT, {"i": decision}))["auditApplication"]
            assert payload["order"]["status"] == "ASSIGNED", payload

        for i in range(3 * count, 3 * count + 10):  # warm-up, on files of their own
            await check(i)
        results = [
            ("baseline: checkApplication", await timed(check, count)),
            ("submitApplication", await timed(submitted, count)),
            ("submit → approve → order assigned", await timed(end_to_end, count)),
        ]
        assert await Order.filter(assignee_id__isnull=False).count() == count
        await applicant.http.aclose()
        await auditor.http.aclose()
    return results


def run(url: str | None, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        scratch = None
        if target.startswith("postgres"):
            scratch = f"bench_submit_{os.getpid()}"
            asyncio.run(scratch_database(target, scratch, create=True))
            base = target.rstrip("/")
            base = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
            target = f"{base}/{scratch}"
        try:
            migrate(target)
            results = asyncio.run(measure(target, count))
        finally:
            if scratch:
                asyncio.run(scratch_database(url or "", scratch, create=False))
    backend = "PostgreSQL" if scratch else "SQLite"
    baseline = results[0][1]
    print(f"{backend}, {count} submissions per case, one at a time")
    print("| case | per second | × baseline |")
    print("| --- | ---: | ---: |")
    for name, value in results:
        print(f"| {name} | {value:.0f} | {value / baseline:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="sqlite://<file> or postgres://<server>")
    parser.add_argument("--submissions", type=int, default=200)
    arguments = parser.parse_args()
    run(arguments.url, arguments.submissions)
