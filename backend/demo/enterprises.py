"""Demo enterprises for `make run`: verified companies owned by the demo applicant, a building
register with floors and units, and a few units bound to the companies.

Idempotent: it does nothing once the first demo building exists.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from backend.models.accounts import User
from backend.models.enterprises import (
    Building,
    Enterprise,
    EnterpriseStatus,
    Floor,
    Membership,
    MembershipRole,
    PremisesBinding,
    Unit,
)
from backend.services.core.transactions import in_transaction
from backend.services.enterprises.credit_codes import check_character

# (name, the first 17 characters of the credit code, established, legal representative)
COMPANIES = (
    ("杭州云栖智能科技有限公司", "91330106MA2CFXY1", date(2018, 3, 12), "周明"),
    ("浙江绿源新材料股份有限公司", "91330110MA27WQ8K", date(2016, 9, 1), "陈立华"),
    ("杭州数智医疗器械有限公司", "91330108MA2H3L5P", date(2020, 6, 18), "王建国"),
)
BUILDINGS = (
    ("创新大厦 A 座", "杭州市余杭区文一西路 1818 号", 5),
    ("孵化器 2 号楼", "杭州市余杭区文一西路 1820 号", 3),
)
BINDINGS = ((0, "A 座", "3F", "301"), (1, "A 座", "5F", "502"), (2, "2 号楼", "2F", "201"))


def demo_credit_code(first_sixteen: str) -> str:
    """A valid code: the demo's 16 characters, a `0`, and the GB 32100 check character."""
    first = first_sixteen + "0"
    return first + check_character(first)


async def seed_enterprises(owner: User) -> bool:
    """Creates the demo companies and premises unless they exist; returns whether it did."""
    if await Building.filter(name=BUILDINGS[0][0]).exists():
        return False
    async with in_transaction() as conn:
        companies = []
        for name, code_start, established, representative in COMPANIES:
            code = demo_credit_code(code_start)
            enterprise = await Enterprise.create(
                name=name,
                credit_code=code,
                live_credit_code=code,
                status=EnterpriseStatus.VERIFIED,
                established_on=established,
                legal_representative=representative,
                contact_name=owner.name,
                contact_phone="0571-88886666",
                address="杭州市余杭区未来科技城",
                registered_by=owner,
                reviewed_at=datetime.now(UTC),
                using_db=conn,
            )
            await Membership.create(
                user=owner, enterprise=enterprise, role=MembershipRole.OWNER, using_db=conn
            )
            companies.append(enterprise)
        units: dict[tuple[str, str, str], Unit] = {}
        for building_name, address, floors in BUILDINGS:
            building = await Building.create(name=building_name, address=address, using_db=conn)
            short = building_name.split(" ", 1)[1] if " " in building_name else building_name
            for level in range(1, floors + 1):
                floor = await Floor.create(
                    building=building, label=f"{level}F", position=level, using_db=conn
                )
                for number in range(1, 5):
                    label = f"{level}0{number}"
                    units[(short, f"{level}F", label)] = await Unit.create(
                        floor=floor,
                        label=label,
                        area_m2=Decimal(80 + 40 * number),
                        using_db=conn,
                    )
        for company, building_short, floor_label, unit_label in BINDINGS:
            unit = units[(building_short, floor_label, unit_label)]
            await PremisesBinding.create(
                unit=unit,
                enterprise=companies[company],
                starts_on=date(2024, 1, 1),
                open_unit_id=unit.id,
                using_db=conn,
            )
    return True
