"""Enterprise types. A list loads members, licences and premises up front, in fixed queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from backend.models.enterprises import Enterprise as EnterpriseModel
from backend.models.enterprises import EnterpriseStatus as EnterpriseStatusModel
from backend.models.enterprises import Membership as MembershipModel
from backend.models.enterprises import MembershipRole as MembershipRoleModel
from backend.models.enterprises import PremisesBinding as BindingModel
from backend.models.enterprises import Unit as UnitModel
from backend.models.files import StoredFile
from backend.schema.accounts.types import UserType, roles_by_user
from backend.schema.context import context_of, viewer_reach
from backend.schema.enterprises.files import FileType
from backend.schema.enterprises.records import EnterpriseRecordEntry, entries_of
from backend.schema.nodes import Node, global_id, register
from backend.services.core.actors import Actor
from backend.services.enterprises import premises
from backend.services.enterprises import states as enterprise_states
from backend.services.enterprises.policies import (
    can_download_licence,
    enterprises_visible_to,
    premises_bindings_visible_to,
)
from backend.services.enterprises.records import record_of

strawberry.enum(
    EnterpriseStatusModel, name="EnterpriseStatus", description="Where a registration stands."
)
strawberry.enum(
    MembershipRoleModel, name="MembershipRole", description="What a person is in an enterprise."
)


@strawberry.type(name="PremisesBinding", description="A unit held by an enterprise, over time.")
class PremisesBindingType(Node):
    starts_on: date
    ends_on: date | None
    unit_id: strawberry.ID
    building_name: str
    floor_label: str
    unit_label: str
    area_m2: Decimal | None
    enterprise_id: strawberry.ID
    enterprise_name: str

    @classmethod
    def of(
        cls, binding: BindingModel, unit: UnitModel, building: str, floor: str, enterprise: str
    ) -> PremisesBindingType:
        return cls(
            id=global_id("PremisesBinding", binding.id),
            starts_on=binding.starts_on,
            ends_on=binding.ends_on,
            unit_id=global_id("Unit", unit.id),
            building_name=building,
            floor_label=floor,
            unit_label=unit.label,
            area_m2=unit.area_m2,
            enterprise_id=global_id("Enterprise", binding.enterprise_id),
            enterprise_name=enterprise,
        )

    @classmethod
    def loaded(cls, binding: BindingModel) -> PremisesBindingType:
        """From a binding loaded with `unit__floor__building` and `enterprise`."""
        unit = binding.unit
        return cls.of(
            binding, unit, unit.floor.building.name, unit.floor.label, binding.enterprise.name
        )


async def _load_bindings(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = (
        await premises_bindings_visible_to(actor)
        .filter(id__in=list(pks))
        .select_related("unit__floor__building", "enterprise")
    )
    return {b.id: PremisesBindingType.loaded(b) for b in rows}


register("PremisesBinding", _load_bindings, "premises:read")


@strawberry.type
class EnterpriseMember:
    user: UserType
    role: MembershipRoleModel
    joined_at: datetime


@strawberry.type(
    name="EnterpriseViewerCan",
    description="What the viewer may do with the enterprise now, by the enterprise's action "
    "table and its policies.",
)
class EnterpriseViewerCan:
    review: bool = strawberry.field(description="Verify or reject it (reviewEnterprise).")
    resubmit: bool = strawberry.field(
        description="Correct a rejected registration and send it again (resubmitEnterprise)."
    )
    invite: bool = strawberry.field(
        description="Invite colleagues (inviteMember): an owner, once it is verified."
    )
    apply: bool = strawberry.field(
        description="Apply for services on its behalf: a member, once it is verified."
    )


@strawberry.type(name="Enterprise", description="A resident enterprise of the park.")
class EnterpriseType(Node):
    name: str
    credit_code: str = strawberry.field(description="The unified social credit code.")
    status: EnterpriseStatusModel
    established_on: date | None
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    review_reason: str = strawberry.field(description="The admin's reason (for a rejection).")
    reviewed_at: datetime | None
    created_at: datetime
    version: int
    licence: FileType | None
    members: list[EnterpriseMember]
    viewer_role: MembershipRoleModel | None = strawberry.field(
        description="The viewer's role in this enterprise, if they belong to it."
    )
    premises: list[PremisesBindingType] = strawberry.field(
        description="The units the enterprise holds now."
    )
    premises_history: list[PremisesBindingType] = strawberry.field(
        description="Every binding, ended ones too, newest first."
    )
    record: list[EnterpriseRecordEntry] = strawberry.field(
        description="What a form's mirror fields take from the enterprise, part by part."
    )
    _row: strawberry.Private[EnterpriseModel]

    @strawberry.field(description="What the viewer may do with the enterprise now.")
    async def viewer_can(self, info: strawberry.Info) -> EnterpriseViewerCan:
        actions = enterprise_states.actions_for(
            context_of(info).actor, self._row, await viewer_reach(info)
        )
        return EnterpriseViewerCan(
            review=actions.review,
            resubmit=actions.resubmit,
            invite=actions.invite,
            apply=actions.apply,
        )


@strawberry.type
class EnterpriseMembership:
    role: MembershipRoleModel
    joined_at: datetime
    enterprise: EnterpriseType


async def enterprises_as_types(
    actor: Actor, rows: Sequence[EnterpriseModel]
) -> list[EnterpriseType]:
    """Enterprises with members, licences and premises: four queries, whatever the count."""
    ids = [e.id for e in rows]
    memberships = (
        await MembershipModel.filter(enterprise_id__in=ids)
        .select_related("user")
        .order_by("role", "created_at", "id")
    )
    roles = await roles_by_user(sorted({m.user.id for m in memberships}))
    licence_ids = [e.licence_id for e in rows if e.licence_id is not None]
    licences = {f.id: f for f in await StoredFile.filter(id__in=licence_ids)}
    bindings = await premises.bindings_of(ids)
    members: dict[int, list[EnterpriseMember]] = {pk: [] for pk in ids}
    viewer_roles: dict[int, MembershipRoleModel] = {}
    for m in memberships:
        enterprise_id = m.enterprise_id
        members[enterprise_id].append(
            EnterpriseMember(
                user=UserType.of(m.user, roles[m.user.id]), role=m.role, joined_at=m.created_at
            )
        )
        if m.user.id == actor.user_id:
            viewer_roles[enterprise_id] = m.role
    history: dict[int, list[PremisesBindingType]] = {pk: [] for pk in ids}
    for b in bindings:
        history[b.enterprise_id].append(PremisesBindingType.loaded(b))
    result = []
    for e in rows:
        licence = licences.get(e.licence_id)
        downloadable = can_download_licence(actor, e.id, viewer_roles)
        result.append(
            EnterpriseType(
                id=global_id("Enterprise", e.id),
                name=e.name,
                credit_code=e.credit_code,
                status=e.status,
                established_on=e.established_on,
                legal_representative=e.legal_representative,
                contact_name=e.contact_name,
                contact_phone=e.contact_phone,
                address=e.address,
                review_reason=e.review_reason,
                reviewed_at=e.reviewed_at,
                created_at=e.created_at,
                version=e.version,
                licence=FileType.of(licence, downloadable) if licence else None,
                members=members[e.id],
                viewer_role=viewer_roles.get(e.id),
                premises=[b for b in history[e.id] if b.ends_on is None],
                premises_history=history[e.id],
                record=entries_of(record_of(e)),
                _row=e,
            )
        )
    return result


async def _load(actor: Actor, pks: Sequence[int]) -> dict[int, Any]:
    rows = await enterprises_visible_to(actor).filter(id__in=list(pks))
    return {e.id: t for e, t in zip(rows, await enterprises_as_types(actor, rows), strict=True)}


register("Enterprise", _load, "enterprises:read")
