"""A published item for the application journey, added to a seeded database.

No seeded item limits a material to PDF alone, so `python -m tests.browser.demo_pdf_item` with
`SERVICEHALL_DATABASE_URL` set publishes one in the first demo category (handled by the demo
team): reviewed by hand, with required answers and a required PDF-only material. It prints the
item's global id.
"""

from __future__ import annotations

import asyncio
import os

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.demo.catalog import APPLY, AUDIT, HALL, MB, field, step, t
from backend.demo.seed import DEMO_USERS
from backend.models.accounts import Role, User
from backend.models.catalog import Category, ReviewMode
from backend.schema.relay import encode_global_id
from backend.services.catalog import catalog
from backend.services.core.actors import Actor

NAME = "创业场地补贴申请"


async def publish_pdf_item() -> str:
    admin = await User.get(name=DEMO_USERS[0].name)
    category = await Category.all().order_by("position").first()
    assert category is not None, "the database is not seeded"
    actor = Actor(user_id=admin.id, name=admin.name, roles=frozenset({Role.ADMIN}))
    form = {
        "fields": [
            field("contact", "TEXT", "联系人", "Contact person", max="30"),
            field("purpose", "LONG_TEXT", "补贴用途说明", "What the subsidy is for", max="500"),
        ],
        "attachments": [
            {
                "kind": "lease",
                "label": t("场地租赁合同（PDF）", "Lease contract (PDF)"),
                "mimeTypes": ["application/pdf"],
                "maxBytes": 5 * MB,
                "required": True,
            }
        ],
    }
    content = catalog.ItemContent(
        name_zh=NAME,
        name_en="Start-up premises subsidy",
        summary_zh="为入驻园区的初创企业补贴部分场地租金。",
        summary_en="Part of the rent for start-ups in the park.",
        location_zh=HALL[0],
        location_en=HALL[1],
        process_steps=[APPLY, AUDIT, step("发放补贴", "Subsidy paid")],
        form=form,
        review_mode=ReviewMode.MANUAL,
        time_limit_days=10,
    )
    item = await catalog.create_item(actor, category.id, content)
    await catalog.publish_item(actor, item.id, item.version)
    return encode_global_id("ServiceItem", item.id)


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        print(await publish_pdf_item())
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
