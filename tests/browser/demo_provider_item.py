"""A provider's item for the provider journey, added to a seeded database.

`python -m tests.browser.demo_provider_item` with `SERVICEHALL_DATABASE_URL` and
`SERVICEHALL_TEST_HOOK_URL` set makes a provider whose webhook endpoint is that address, a
PROVIDER user of it with an API token, and an automatically approved item the provider serves
(in the first demo category, whose team would take it back). It prints the item's global id
and the token's secret, one a line.
"""

from __future__ import annotations

import asyncio
import os

from tortoise import Tortoise

from backend.db import tortoise_config
from backend.demo.catalog import APPLY, HALL, step
from backend.demo.seed import DEMO_PASSWORD, DEMO_USERS
from backend.models.accounts import Role, User
from backend.models.catalog import Category, Fulfilment, ReviewMode
from backend.models.enterprises import Provider
from backend.schema.relay import encode_global_id
from backend.services.accounts import tokens
from backend.services.accounts.accounts import create_user_directly
from backend.services.catalog import catalog
from backend.services.core.actors import Actor
from backend.services.webhooks import endpoints
from backend.services.webhooks.events import EVENT_TYPES
from backend.settings import load_settings

NAME = "办公室空调维修"
PROVIDER = "园区机电维修服务平台"
STAFF_LOGIN = "chen@hvac-platform.example.cn"


async def prepare() -> tuple[str, str]:
    admin = await User.get(name=DEMO_USERS[0].name)
    actor = Actor(user_id=admin.id, name=admin.name, roles=frozenset({Role.ADMIN}))
    category = await Category.all().order_by("position").first()
    assert category is not None, "the database is not seeded"
    provider = await Provider.create(name=PROVIDER, description="空调、电梯与配电设备的上门维修。")
    await endpoints.configure(
        actor,
        load_settings(dict(os.environ)),
        provider.id,
        endpoints.EndpointFields(url=os.environ["SERVICEHALL_TEST_HOOK_URL"],
                                 event_types=list(EVENT_TYPES)),
    )  # fmt: skip
    staff = await create_user_directly("机电平台 陈工", STAFF_LOGIN, DEMO_PASSWORD, [Role.PROVIDER])
    staff.provider_id = provider.id
    await staff.save()
    issued = await tokens.create(
        Actor(user_id=staff.id, name=staff.name, roles=frozenset({Role.PROVIDER})),
        "机电平台对接",
        ["orders:read", "orders:write", "files:read"],
        None,
    )
    content = catalog.ItemContent(
        name_zh=NAME,
        name_en="Office air conditioner repair",
        summary_zh="由园区合作的维修服务商上门维修办公室空调。",
        location_zh=HALL[0],
        location_en=HALL[1],
        process_steps=[APPLY, step("服务商上门维修", "The provider repairs on site")],
        form={"fields": [], "attachments": []},
        review_mode=ReviewMode.AUTO,
        fulfilment=Fulfilment.PROVIDER,
        provider_id=provider.id,
        time_limit_days=5,
    )
    item = await catalog.create_item(actor, category.id, content)
    await catalog.publish_item(actor, item.id, item.version)
    return encode_global_id("ServiceItem", item.id), issued.secret


async def main() -> None:
    await Tortoise.init(config=tortoise_config(os.environ["SERVICEHALL_DATABASE_URL"]))
    try:
        item, token = await prepare()
        print(item)
        print(token)
    finally:
        await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
