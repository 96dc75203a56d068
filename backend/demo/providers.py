"""Demo providers: two third-party platforms the park forwards legal work to, and the demo
PROVIDER account working for the first, so `make run` shows the directory and a provider can
sign in and work its forwarded orders.

Neither has a webhook endpoint: their orders are FORWARDED at once and worked through the API
or the pages (an admin can add an endpoint on /admin/providers). Written through
`services.enterprises.providers` and `services.accounts` with the demo admin as actor.
"""

from __future__ import annotations

from backend.models.accounts import Role, User
from backend.services.accounts import accounts
from backend.services.core.actors import Actor
from backend.services.enterprises import providers

# The items each serves are named in `catalog.CATALOG` (`"providers"`), the primary first.
PROVIDERS = (
    providers.ProviderFields(
        name="明律律师事务所",
        contact_name="刘洋",
        contact_phone="021-55550123",
        email="service@minglv.example.cn",
        description="园区合作律所：常年法律顾问、知识产权维权，全程线上对接。",
    ),
    providers.ProviderFields(
        name="知衡知识产权服务有限公司",
        contact_name="周宁",
        contact_phone="021-55550456",
        email="help@zhiheng.example.cn",
        description="专利、商标代理与侵权取证、维权援助。",
    ),
)


async def seed(admin: User, provider_user: User) -> dict[str, int]:
    """The demo providers by name, and the demo provider account linked to the first."""
    actor = Actor(user_id=admin.id, name=admin.name, roles=frozenset({Role.ADMIN}))
    made = {p.name: (await providers.create_provider(actor, p)).id for p in PROVIDERS}
    await accounts.link_provider(
        actor, provider_user.id, made[PROVIDERS[0].name], provider_user.version
    )
    return made
