"""Admin pages: people (list, create staff, set roles, link a provider's account) and teams
(members, leave)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.i18n import N_
from web.shell import (
    as_int,
    enum_values,
    field_errors,
    only_for,
    page,
    redirect,
    run,
    text,
)

PAGE_SIZE = 50


async def _users_page(request: Request, status_code: int = 200, **forms: Any) -> Response:
    role = request.query_params.get("role", "")
    role = role if role in enum_values("Role") else ""
    after = request.query_params.get("after") or None
    variables = {"role": role or None, "first": PAGE_SIZE, "after": after}
    result = await run(request, "admin_users", variables)
    values = {
        "connection": result.data["users"],
        "all_roles": enum_values("Role"),
        "staff_roles": result.data["staffRoles"],
        "role": role,
        "create": forms.get("create", {"errors": {}, "input": {"roles": []}}),
        "providers": [e["node"] for e in result.data["providers"]["edges"]],
        "row_errors": forms.get("row_errors", {}),
        "provider_errors": forms.get("provider_errors", {}),
    }
    return await page(
        request,
        "admin_users.html",
        values,
        viewer=result.data["me"],
        status_code=status_code,
        here="/admin/users" + (f"?role={role}" if role else ""),
    )


async def users(request: Request) -> Response:
    return await only_for(request, "people") or await _users_page(request)


async def create_staff(request: Request) -> Response:
    if (refused := await only_for(request, "people")) is not None:
        return refused
    form = await request.form()
    values: dict[str, Any] = {
        "name": text(form, "name"),
        "email": text(form, "email"),
        "phone": text(form, "phone"),
        # Any role the schema knows goes on; the API refuses those not for staff, at the field.
        "roles": [r for r in form.getlist("roles") if r in enum_values("Role")],
        "providerId": text(form, "providerId"),
    }
    password = form.get("password")
    variables = {
        "input": {
            "name": values["name"],
            "email": values["email"] or None,
            "phone": values["phone"] or None,
            "password": password if isinstance(password, str) else "",
            "roles": values["roles"],
            "providerId": values["providerId"] or None,
        }
    }
    payload = (await run(request, "create_staff_user", variables)).data["createStaffUser"]
    if payload["userErrors"]:
        create = {"errors": field_errors(payload["userErrors"]), "input": values}
        return await _users_page(request, 422, create=create)
    return redirect(request, "/admin/users", flash=N_("The staff account was created."))


async def set_roles(request: Request) -> Response:
    if (refused := await only_for(request, "people")) is not None:
        return refused
    form = await request.form()
    user_id = text(form, "userId")
    variables = {
        "input": {
            "userId": user_id,
            "roles": [r for r in form.getlist("roles") if r in enum_values("Role")],
            "expectedVersion": as_int(text(form, "expectedVersion")),
        }
    }
    payload = (await run(request, "set_user_roles", variables)).data["setUserRoles"]
    if payload["userErrors"]:
        row_errors = {user_id: [e["message"] for e in payload["userErrors"]]}
        return await _users_page(request, 422, row_errors=row_errors)
    back = "/admin/users" + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, back, flash=N_("The roles were saved."))


async def link_provider(request: Request) -> Response:
    if (refused := await only_for(request, "people")) is not None:
        return refused
    form = await request.form()
    user_id = text(form, "userId")
    variables = {
        "input": {
            "userId": user_id,
            "providerId": text(form, "providerId") or None,
            "expectedVersion": as_int(text(form, "expectedVersion")),
        }
    }
    payload = (await run(request, "link_user_to_provider", variables)).data["linkUserToProvider"]
    if payload["userErrors"]:
        provider_errors = {user_id: [e["message"] for e in payload["userErrors"]]}
        return await _users_page(request, 422, provider_errors=provider_errors)
    back = "/admin/users" + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, back, flash=N_("The account now works for the provider."))


async def _teams_page(request: Request, status_code: int = 200, **forms: Any) -> Response:
    result = await run(request, "admin_teams")
    data = result.data
    staff = {e["node"]["id"]: e["node"]["name"] for e in data["handlers"]["edges"]}
    staff.update({e["node"]["id"]: e["node"]["name"] for e in data["auditors"]["edges"]})
    staff.update({e["node"]["id"]: e["node"]["name"] for e in data["supervisors"]["edges"]})
    values = {
        "teams": [e["node"] for e in data["teams"]["edges"]],
        "staff": sorted(staff.items(), key=lambda item: item[1]),
        "create": forms.get("create", {"errors": {}, "input": {}}),
        "team_errors": forms.get("team_errors", {}),
    }
    return await page(
        request,
        "admin_teams.html",
        values,
        viewer=data["me"],
        status_code=status_code,
        here="/admin/teams",
    )


async def teams(request: Request) -> Response:
    return await only_for(request, "teams") or await _teams_page(request)


async def create_team(request: Request) -> Response:
    if (refused := await only_for(request, "teams")) is not None:
        return refused
    form = await request.form()
    values = {"name": text(form, "name"), "description": text(form, "description")}
    payload = (await run(request, "create_team", {"input": values})).data["createTeam"]
    if payload["userErrors"]:
        create = {"errors": field_errors(payload["userErrors"]), "input": values}
        return await _teams_page(request, 422, create=create)
    return redirect(request, "/admin/teams", flash=N_("The team was created."))


# The member forms: which operation each runs, its payload field, and the flash on success.
MEMBER_ACTIONS = {
    "add": ("add_team_member", "addTeamMember", N_("The member was added.")),
    "remove": ("remove_team_member", "removeTeamMember", N_("The member was removed.")),
    "leave": ("set_handler_leave", "setHandlerLeave", N_("The leave status was saved.")),
}


async def member(request: Request) -> Response:
    if (refused := await only_for(request, "teams")) is not None:
        return refused
    action = request.path_params["action"]
    if action not in MEMBER_ACTIONS:
        raise HTTPException(404)
    operation, field, done = MEMBER_ACTIONS[action]
    form = await request.form()
    team_id = text(form, "teamId")
    fields: dict[str, Any] = {
        "teamId": team_id,
        "userId": text(form, "userId"),
        "expectedVersion": as_int(text(form, "expectedVersion")),
    }
    if action == "leave":
        fields["onLeave"] = text(form, "onLeave") == "true"
    else:
        kind = text(form, "kind")
        kinds = enum_values("MemberKind")
        fields["kind"] = kind if kind in kinds else kinds[0]
    payload = (await run(request, operation, {"input": fields})).data[field]
    if payload["userErrors"]:
        team_errors = {team_id: field_errors(payload["userErrors"])}
        return await _teams_page(request, 422, team_errors=team_errors)
    return redirect(request, f"/admin/teams#team-{team_id}", flash=done)


routes = [
    Route("/admin/users", users, methods=["GET"]),
    Route("/admin/users/new", create_staff, methods=["POST"]),
    Route("/admin/users/roles", set_roles, methods=["POST"]),
    Route("/admin/users/provider", link_provider, methods=["POST"]),
    Route("/admin/teams", teams, methods=["GET"]),
    Route("/admin/teams/new", create_team, methods=["POST"]),
    Route("/admin/teams/members/{action:str}", member, methods=["POST"]),
]
