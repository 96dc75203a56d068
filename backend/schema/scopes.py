"""Which token scope each root field needs. A root field missing here is refused to tokens."""

from __future__ import annotations

# Fields any signed-in caller may run with any token: they check per object themselves.
OPEN = frozenset({"me", "node", "nodes", "__typename", "__schema", "__type"})

ROOT_SCOPES: dict[str, str] = {
    "users": "accounts:read",
    "apiTokens": "accounts:read",
    "createStaffUser": "accounts:write",
    "setUserRoles": "accounts:write",
    "setLanguage": "accounts:write",
    "teams": "teams:read",
    "team": "teams:read",
    "createTeam": "teams:write",
    "updateTeam": "teams:write",
    "addTeamMember": "teams:write",
    "removeTeamMember": "teams:write",
    "setHandlerLeave": "teams:write",
    "notifications": "notifications:read",
    "markNotificationsRead": "notifications:write",
    "calendar": "calendar:read",
    "setCalendarDay": "calendar:write",
    "clearCalendarDay": "calendar:write",
    "uploadFile": "files:write",
    "enterprises": "enterprises:read",
    "enterprise": "enterprises:read",
    "myEnterprises": "enterprises:read",
    "registerEnterprise": "enterprises:write",
    "resubmitEnterprise": "enterprises:write",
    "reviewEnterprise": "enterprises:write",
    "inviteMember": "enterprises:write",
    "joinEnterprise": "enterprises:write",
    "removeMember": "enterprises:write",
    "buildings": "premises:read",
    "createBuilding": "premises:write",
    "createFloor": "premises:write",
    "createUnit": "premises:write",
    "bindPremises": "premises:write",
    "endPremisesBinding": "premises:write",
    "providers": "providers:read",
    "createProvider": "providers:write",
    "updateProvider": "providers:write",
    "categories": "catalog:read",
    "category": "catalog:read",
    "serviceItems": "catalog:read",
    "serviceItem": "catalog:read",
    "serviceItemByName": "catalog:read",
    "pinnedServiceItems": "catalog:read",
    "popularServiceItems": "catalog:read",
    "createCategory": "catalog:write",
    "updateCategory": "catalog:write",
    "createServiceItem": "catalog:write",
    "updateServiceItem": "catalog:write",
    "publishServiceItem": "catalog:write",
    "retireServiceItem": "catalog:write",
    "pinServiceItem": "catalog:write",
    "unpinServiceItem": "catalog:write",
    "orders": "orders:read",
    "order": "orders:read",
    "orderByNumber": "orders:read",
    "assignOrder": "orders:write",
    "applications": "applications:read",
    "application": "applications:read",
    "applicationByNumber": "applications:read",
    "checkApplication": "applications:read",
    "saveApplicationDraft": "applications:write",
    "submitApplication": "applications:write",
    "withdrawApplication": "applications:write",
    "auditApplication": "applications:write",
    "supplementApplication": "applications:write",
}

# Session-only: a token never signs in, signs up, or mints or revokes tokens.
SESSION_ONLY = frozenset(
    {"signUp", "login", "logout", "changePassword", "createApiToken", "revokeApiToken"}
)


# What `missing_scope` answers for a field no token may run.
SESSION = "session"


def missing_scope(field_name: str, scopes: frozenset[str]) -> str | None:
    """The scope a token lacks for `field_name`, or None when it may run it."""
    if field_name in OPEN:
        return None
    if field_name in SESSION_ONLY:
        return SESSION
    needed = ROOT_SCOPES.get(field_name)
    if needed is None:
        return "unlisted"
    return None if needed in scopes else needed
