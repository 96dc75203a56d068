"""Expected failures of the business rules, and the problems they carry.

    ServiceError                 an expected failure; the API shows it as userErrors
    ├── Invalid                  the input breaks a rule (one or more problems, each at a field)
    ├── NotFound                 nothing the actor may see has that id
    ├── PermissionDenied         the actor may see it but not do this
    ├── Stale                    the expected version is not the stored one
    ├── ForbiddenTransition      the aggregate's state does not allow the change
    └── Throttled                too many attempts; try again later

Every problem is a code with parameters; its words are chosen when it is shown, in the reader's
language (`Problem.message`). Anything else raised below the schema is a bug: the client sees
it masked, with the request id, and the details go to the log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from backend.i18n import N_, translate

# The words for each code, as English message ids (translated by the catalogs).
MESSAGES: dict[str, str] = {
    "REQUIRED": N_("This field is required."),
    "INVALID": N_("This value is not valid."),
    "TOO_SHORT": N_("Use at least {min} characters."),
    "TOO_LONG": N_("Use at most {max} characters."),
    "INVALID_CONTACT": N_("Enter a mainland mobile number (11 digits) or an e-mail address."),
    "INVALID_EMAIL": N_("Enter a valid e-mail address."),
    "INVALID_PHONE": N_("Enter a mainland mobile number of 11 digits starting with 1."),
    "CONTACT_TAKEN": N_("An account with this phone number or e-mail address already exists."),
    "WEAK_PASSWORD": N_("Use a password of at least {min} characters that is not all digits."),
    "WRONG_CREDENTIALS": N_("The account or the password is wrong."),
    "WRONG_PASSWORD": N_("The current password is wrong."),
    "ACCOUNT_DISABLED": N_("This account has been disabled. Ask the park's administrator."),
    "THROTTLED": N_("Too many failed attempts. Try again in {minutes} minutes."),
    "NOT_FOUND": N_("Nothing was found with this id."),
    "FORBIDDEN": N_("You are not allowed to do this."),
    "NOT_AUTHENTICATED": N_("Sign in first."),
    "STALE": N_(
        "Someone changed this in the meantime (version {actual}, you had {expected}). "
        "Reload and try again."
    ),
    "FORBIDDEN_TRANSITION": N_("This cannot be done while the status is {status}."),
    "UNKNOWN_SCOPE": N_("Unknown scope: {scope}."),
    "IN_THE_PAST": N_("Choose a time in the future."),
    "NOT_STAFF": N_("Only staff with the handler or auditor role can join a team this way."),
    "ALREADY_MEMBER": N_("This person is already in the team in that role."),
    "NAME_TAKEN": N_("This name is already used."),
    "LAST_ADMIN": N_("The last administrator cannot lose the administrator role."),
    "TOKEN_NOT_ALLOWED": N_("This can only be done when signed in, not with an API token."),
}


def register_messages(messages: dict[str, str]) -> None:
    """Adds a domain's codes and their words (English ids marked with `N_`) at import time."""
    for code, text in messages.items():
        if MESSAGES.get(code, text) != text:
            raise ValueError(f"problem code {code} already means something else")
        MESSAGES[code] = text


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at a path into the input (`("formData", "amount")`)."""

    code: str
    field: tuple[str, ...] = ()
    params: dict[str, object] = dataclasses.field(default_factory=dict)

    def message(self, language: str) -> str:
        template = MESSAGES.get(self.code, MESSAGES["INVALID"])
        params = {key: localized(value, language) for key, value in self.params.items()}
        return translate(language, template, **params)


def localized(value: object, language: str) -> object:
    """A `{zh, en}` param (a field's label) in `language`, English falling back to Chinese."""
    if isinstance(value, dict) and "zh" in value:
        text = value.get("en") or value.get("zh") if language == "en" else value.get("zh")
        return text or ""
    return value


class ServiceError(Exception):
    default_code = "INVALID"

    def __init__(self, problems: Sequence[Problem] | None = None, **params: object) -> None:
        self.problems: list[Problem] = list(problems or [Problem(self.default_code, (), params)])
        super().__init__(", ".join(p.code for p in self.problems))


class Invalid(ServiceError):
    @classmethod
    def at(cls, field_name: str | tuple[str, ...], code: str, **params: object) -> Invalid:
        path = (field_name,) if isinstance(field_name, str) else field_name
        return cls([Problem(code, path, params)])


class NotFound(ServiceError):
    default_code = "NOT_FOUND"


class PermissionDenied(ServiceError):
    default_code = "FORBIDDEN"


class Stale(ServiceError):
    default_code = "STALE"


class ForbiddenTransition(ServiceError):
    default_code = "FORBIDDEN_TRANSITION"


class Throttled(ServiceError):
    default_code = "THROTTLED"


class Problems:
    """Collects every problem in an input, so the caller hears of all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, field_name: str | tuple[str, ...], code: str, **params: object) -> None:
        path = (field_name,) if isinstance(field_name, str) else field_name
        self.items.append(Problem(code, path, params))

    def raise_if_any(self) -> None:
        if self.items:
            raise Invalid(self.items)


class NotAuthenticated(ServiceError):
    default_code = "NOT_AUTHENTICATED"
