"""Mail: notices and address confirmations, rendered in the recipient's language and sent by
the job worker through the SMTP server in `SERVICEHALL_SMTP_URL`.

Sending is a job, so the action that caused a notice never waits for the mail server or fails
with it: a server that is down makes the job retry (with backoff) until it is back. A mail is
built when it is sent, from the notice and the person as they are then: someone who stopped
e-mail in the meantime gets nothing.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from backend import i18n
from backend.models.accounts import Notification, User
from backend.services.accounts import email as addresses
from backend.services.core import clock
from backend.services.jobs.jobs import GiveUp, JobRun, handler
from backend.services.notifications import notifications, preferences
from backend.settings import Settings

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
SUBJECT_LENGTH = 78


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''}")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def _send_now(server: SmtpServer, message: EmailMessage, timeout: float) -> None:
    """Blocking: runs in a thread."""
    client: smtplib.SMTP
    if server.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with client:
        if server.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(server.username, server.password or "")
        client.send_message(message)


async def send(settings: Settings, message: EmailMessage) -> None:
    """Sends through the configured server. A refusal for good (5xx) gives the job up; anything
    else (the server down, slow or busy) is raised for the worker to retry."""
    assert settings.smtp_url is not None
    server = SmtpServer.parse(settings.smtp_url)
    try:
        await asyncio.to_thread(_send_now, server, message, settings.smtp_timeout_seconds)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            raise GiveUp(f"the mail server refused the address: {codes}") from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise GiveUp(f"the mail server refused the mail: {exc.smtp_code}") from exc
        raise


@cache
def _environment(language: str, catalog_id: int) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension adds this method at runtime; Environment's stubs do not declare it.
    env.install_gettext_translations(  # type: ignore[attr-defined]
        i18n.translations(language), newstyle=True
    )
    return env


def render(template: str, language: str, **values: Any) -> str:
    language = i18n.normalise(language)
    env = _environment(language, id(i18n.translations(language)))
    return env.get_template(template).render(language=language, **values)


def _subject(language: str, text: str) -> str:
    brand = i18n.translate(language, "Service Hall")
    first = text.splitlines()[0] if text else ""
    subject = f"{brand}: {first}"
    return subject if len(subject) <= SUBJECT_LENGTH else subject[: SUBJECT_LENGTH - 1] + "…"


def _message(
    settings: Settings, to: str, subject: str, text: str, html: str, message_id: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _domain(settings: Settings) -> str:
    return urlsplit(settings.public_url).hostname or "localhost"


def notice_message(settings: Settings, notice: Notification, user: User) -> EmailMessage:
    """The mail of one notice, in the person's language, with a one-click way to stop mail."""
    assert user.email is not None
    language = i18n.normalise(user.language)
    words = notifications.render(notice, language)
    link = settings.public_url + notice.link
    stop = (
        f"{settings.public_url}/mail/unsubscribe/"
        f"{preferences.unsubscribe_token(settings.secret_key, user.id)}"
    )
    values = {"name": user.name, "message": words, "link": link, "unsubscribe": stop}
    message = _message(
        settings,
        user.email,
        _subject(language, words),
        render("notice.txt", language, **values),
        render("notice.html", language, **values),
        # The same notice keeps its id if it is sent again, so mail programs show it once.
        f"<notice-{notice.id}@{_domain(settings)}>",
    )
    # RFC 2369 and RFC 8058: mail programs offer "unsubscribe" and POST to it in one click.
    message["List-Unsubscribe"] = f"<{stop}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def confirmation_message(settings: Settings, user: User, email: str, token: str) -> EmailMessage:
    language = i18n.normalise(user.language)
    values = {
        "name": user.name,
        "email": email,
        "link": f"{settings.public_url}/account/confirm-email/{token}",
        "hours": settings.email_confirmation_hours,
    }
    return _message(
        settings,
        email,
        _subject(language, i18n.translate(language, "Confirm your e-mail address")),
        render("confirm_email.txt", language, **values),
        render("confirm_email.html", language, **values),
        make_msgid(domain=_domain(settings)),
    )


@handler(notifications.MAIL_NOTICE)
async def mail_notice(run: JobRun) -> None:
    settings = run.settings
    notice = await Notification.get_or_none(id=run.payload.get("notificationId"))
    if notice is None:
        return  # the person's account, and their inbox with it, was deleted
    user = await User.get(id=notice.user_id)
    if settings.smtp_url is None:
        log.info("notice %s not mailed: no SERVICEHALL_SMTP_URL", notice.id)
        return
    if not (user.email_notifications and user.email and user.email_confirmed_at):
        return  # e-mail was stopped after the notice was written
    await send(settings, notice_message(settings, notice, user))


@handler(addresses.MAIL_CONFIRMATION)
async def mail_confirmation(run: JobRun) -> None:
    settings = run.settings
    user = await User.get_or_none(id=run.payload.get("userId"))
    email = run.payload.get("email")
    if user is None or not isinstance(email, str) or user.email != email:
        return  # the address changed since it was asked for: that link would confirm nothing
    if settings.smtp_url is None:
        raise GiveUp("no SERVICEHALL_SMTP_URL: the confirmation link cannot be sent")
    expires = clock.now() + timedelta(hours=settings.email_confirmation_hours)
    token = addresses.confirmation_token(settings.secret_key, user.id, email, expires)
    await send(settings, confirmation_message(settings, user, email, token))
