"""Settings, read once from `SERVICEHALL_*` environment variables.

The defaults run a demo on one machine: SQLite under `./var/`, in-memory rate limits, port 8000.
Anything but a development demo (`SERVICEHALL_ENV=production`, or any other value) must set its
own secret key; production also refuses argon2 parameters below the library's defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from argon2 import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST

DATABASE_SCHEMES = frozenset({"sqlite", "postgres", "asyncpg"})
SMTP_SCHEMES = frozenset({"smtp", "smtps", "smtp+starttls"})
LIVE_BROKERS = frozenset({"memory", "redis"})
DEMO_SECRET_KEY = "demo-secret-key-change-me-in-production"
ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEMO_SECRET_KEY
    database_url: str = f"sqlite://{ROOT / 'var' / 'servicehall.sqlite3'}"
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh-CN"
    storage_dir: Path = ROOT / "var" / "files"
    locales_dir: Path = ROOT / "web" / "locales"
    session_days: int = 14
    # argon2 cost: at least argon2-cffi's defaults in production (`check` refuses less, or a
    # server started with test values would re-hash stored passwords down at each sign-in).
    argon2_time_cost: int = DEFAULT_TIME_COST
    argon2_memory_cost: int = DEFAULT_MEMORY_COST
    argon2_parallelism: int = DEFAULT_PARALLELISM
    # Hashes computed at once (each a thread and `argon2_memory_cost` KiB); more sign-ins wait.
    password_hash_threads: int = 2
    # Sign-in failures: one account from one address, one address over all accounts, and a
    # high ceiling per account over all addresses (tripping it tells the owner).
    login_failures_per_account_and_address: str = "5/15 minutes"
    login_failures_per_address: str = "30/15 minutes"
    login_failures_per_account: str = "100/hour"
    sign_ups_per_address: str = "10/hour"
    max_query_cost: int = 5000
    cost_per_minute: int = 50000
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 12 * 1024 * 1024
    download_url_seconds: int = 300
    # Pages count a list up to this many rows and show "1,000+" beyond (the API's boundedCount).
    list_count_limit: int = 1000
    languages: tuple[str, ...] = field(default=("zh-CN", "en"))
    # Where people reach this site: links in e-mail are absolute, and mail has no request.
    public_url: str = "http://127.0.0.1:8000"
    # Outgoing mail: `smtp://host:port`, `smtps://…` (TLS from the start) or
    # `smtp+starttls://user:password@host:port`. Unset: in-app notices only, nobody is offered mail.
    smtp_url: str | None = None
    mail_from: str = "Service Hall <noreply@localhost>"
    smtp_timeout_seconds: float = 20.0
    email_confirmation_hours: int = 48
    # The job worker (backend/services/jobs): one in each server process unless turned off.
    jobs_worker: bool = True
    jobs_poll_seconds: float = 5.0
    # A taken job is the worker's until then; a worker that died loses it to another after it.
    jobs_lease_seconds: float = 300.0
    jobs_batch: int = 8
    jobs_max_attempts: int = 10
    # 好差评: an order not rated within this many days is rated BASIC by default; a bad review
    # is called back within, and put right within, these many working days (Guangdong's 7 days,
    # Zhejiang's 1 day, Sichuan's 15 working days).
    evaluation_default_days: int = 7
    rectification_call_back_working_days: int = 1
    rectification_fix_working_days: int = 15
    jobs_retry_base_seconds: float = 30.0
    jobs_retry_max_seconds: float = 6 * 3600.0
    # Finished jobs are kept this long (their keys keep refusing repeats until then).
    jobs_keep_days: int = 14
    # An order is due soon (its handler and the team's supervisors are warned) this many
    # working days before its due day; an enterprise is reminded of an owed material this many
    # working days before its deadline.
    due_soon_working_days: int = 1
    owed_reminder_working_days: int = 2
    # Live updates (backend/services/live): `memory` serves one process; `redis` carries news
    # between processes and hosts, on channels named with `redis_prefix` (two deployments or
    # test runs sharing a Redis never hear each other).
    live_broker: str = "memory"
    redis_prefix: str = "servicehall"
    # News one subscription may have waiting; a client that lets more pile up is dropped.
    live_queue_size: int = 100
    live_max_subscriptions: int = 20  # per WebSocket
    live_init_seconds: float = 30.0  # from the handshake to `connection_init`
    # Garbage collection (gc.set_threshold) once the app has started; None keeps Python's
    # (700, 10, 10). Fanning a change out to many subscribers keeps many young objects alive
    # at once, and collecting the older generations that often costs more than the fan-out.
    gc_thresholds: tuple[int, int, int] | None = (5000, 200, 100)
    # Pages on other origins whose sockets may use the session cookie (this site's own origin,
    # `public_url`'s and the request's host, always may). Bearer-token sockets may come from any.
    allowed_origins: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def rate_limit_storage(self) -> str:
        if self.redis_url:
            return "async+" + self.redis_url
        return "async+memory://"

    @property
    def development(self) -> bool:
        return self.env == "development"

    def check(self) -> None:
        # The demo key is public: anything signed with it (sessions' CSRF tokens, download
        # links) could be forged, so only a development demo may run on it.
        if not self.development and self.secret_key == DEMO_SECRET_KEY:
            raise SettingsError(
                f"SERVICEHALL_SECRET_KEY is the demo key; set a secret of your own for {self.env}."
            )
        for name in ("due_soon_working_days", "owed_reminder_working_days"):
            if not 0 <= getattr(self, name) <= 30:
                raise SettingsError(f"SERVICEHALL_{name.upper()} is 0 to 30 working days.")
        if self.production and len(self.secret_key) < 32:
            raise SettingsError("SERVICEHALL_SECRET_KEY must be at least 32 characters.")
        if self.production and (
            self.argon2_time_cost < DEFAULT_TIME_COST
            or self.argon2_memory_cost < DEFAULT_MEMORY_COST
            or self.argon2_parallelism < DEFAULT_PARALLELISM
        ):
            raise SettingsError(
                "SERVICEHALL_ARGON2_* are below argon2's defaults (time cost "
                f"{DEFAULT_TIME_COST}, memory cost {DEFAULT_MEMORY_COST}, parallelism "
                f"{DEFAULT_PARALLELISM}); production would re-hash passwords down to them."
            )
        if urlsplit(self.database_url).scheme not in DATABASE_SCHEMES:
            # Raw list statements are written for these two drivers' placeholders.
            raise SettingsError(
                "SERVICEHALL_DATABASE_URL must start with sqlite:// or postgres:// (asyncpg)."
            )
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in SMTP_SCHEMES:
            raise SettingsError(
                f"SERVICEHALL_SMTP_URL must start with one of {', '.join(sorted(SMTP_SCHEMES))}://."
            )
        if urlsplit(self.public_url).scheme not in {"http", "https"}:
            raise SettingsError("SERVICEHALL_PUBLIC_URL must be an http:// or https:// address.")
        if self.jobs_lease_seconds <= 0 or self.jobs_poll_seconds <= 0 or self.jobs_batch < 1:
            raise SettingsError(
                "SERVICEHALL_JOBS_LEASE_SECONDS, _POLL_SECONDS and _BATCH must be positive."
            )
        if self.password_hash_threads < 1:
            raise SettingsError("SERVICEHALL_PASSWORD_HASH_THREADS must be at least 1.")
        if not 1 <= self.list_count_limit <= 10_000:
            raise SettingsError("SERVICEHALL_LIST_COUNT_LIMIT must be between 1 and 10000.")
        if self.live_broker not in LIVE_BROKERS:
            raise SettingsError("SERVICEHALL_LIVE_BROKER must be `memory` or `redis`.")
        if self.live_broker == "redis" and not self.redis_url:
            raise SettingsError("SERVICEHALL_LIVE_BROKER=redis needs SERVICEHALL_REDIS_URL.")
        if self.live_queue_size < 1 or self.live_max_subscriptions < 1:
            raise SettingsError(
                "SERVICEHALL_LIVE_QUEUE_SIZE and _MAX_SUBSCRIPTIONS must be at least 1."
            )
        if self.gc_thresholds is not None and (
            len(self.gc_thresholds) != 3 or min(self.gc_thresholds) < 1
        ):
            raise SettingsError("SERVICEHALL_GC_THRESHOLDS must be three positive integers.")
        for origin in self.allowed_origins:
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
                raise SettingsError(
                    f"SERVICEHALL_ALLOWED_ORIGINS: {origin!r} is not an origin "
                    "(scheme://host[:port], no path)."
                )


def _thresholds(value: str) -> tuple[int, int, int] | None:
    if not value.strip():
        return None
    try:
        first, second, third = (int(part) for part in value.split(","))
    except ValueError as exc:
        raise SettingsError(
            "SERVICEHALL_GC_THRESHOLDS must be three integers (5000,200,100), or empty."
        ) from exc
    return first, second, third


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ

    def get(name: str, default: str) -> str:
        return env.get("SERVICEHALL_" + name, default)

    base = Settings()
    settings = Settings(
        env=get("ENV", base.env),
        secret_key=get("SECRET_KEY", base.secret_key),
        database_url=get("DATABASE_URL", base.database_url),
        redis_url=env.get("SERVICEHALL_REDIS_URL") or None,
        host=get("HOST", base.host),
        port=int(get("PORT", str(base.port))),
        timezone=get("TIMEZONE", base.timezone),
        storage_dir=Path(get("STORAGE_DIR", str(base.storage_dir))),
        argon2_time_cost=int(get("ARGON2_TIME_COST", str(base.argon2_time_cost))),
        argon2_memory_cost=int(get("ARGON2_MEMORY_COST", str(base.argon2_memory_cost))),
        argon2_parallelism=int(get("ARGON2_PARALLELISM", str(base.argon2_parallelism))),
        password_hash_threads=int(get("PASSWORD_HASH_THREADS", str(base.password_hash_threads))),
        login_failures_per_account_and_address=get(
            "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", base.login_failures_per_account_and_address
        ),
        login_failures_per_address=get(
            "LOGIN_FAILURES_PER_ADDRESS", base.login_failures_per_address
        ),
        login_failures_per_account=get(
            "LOGIN_FAILURES_PER_ACCOUNT", base.login_failures_per_account
        ),
        sign_ups_per_address=get("SIGN_UPS_PER_ADDRESS", base.sign_ups_per_address),
        max_query_cost=int(get("MAX_QUERY_COST", str(base.max_query_cost))),
        cost_per_minute=int(get("COST_PER_MINUTE", str(base.cost_per_minute))),
        max_query_depth=int(get("MAX_QUERY_DEPTH", str(base.max_query_depth))),
        max_aliases=int(get("MAX_ALIASES", str(base.max_aliases))),
        max_tokens=int(get("MAX_TOKENS", str(base.max_tokens))),
        list_count_limit=int(get("LIST_COUNT_LIMIT", str(base.list_count_limit))),
        public_url=get("PUBLIC_URL", base.public_url).rstrip("/"),
        smtp_url=env.get("SERVICEHALL_SMTP_URL") or None,
        mail_from=get("MAIL_FROM", base.mail_from),
        smtp_timeout_seconds=float(get("SMTP_TIMEOUT_SECONDS", str(base.smtp_timeout_seconds))),
        email_confirmation_hours=int(
            get("EMAIL_CONFIRMATION_HOURS", str(base.email_confirmation_hours))
        ),
        jobs_worker=_bool(get("JOBS_WORKER", "1")),
        jobs_poll_seconds=float(get("JOBS_POLL_SECONDS", str(base.jobs_poll_seconds))),
        jobs_lease_seconds=float(get("JOBS_LEASE_SECONDS", str(base.jobs_lease_seconds))),
        jobs_batch=int(get("JOBS_BATCH", str(base.jobs_batch))),
        jobs_max_attempts=int(get("JOBS_MAX_ATTEMPTS", str(base.jobs_max_attempts))),
        jobs_retry_base_seconds=float(
            get("JOBS_RETRY_BASE_SECONDS", str(base.jobs_retry_base_seconds))
        ),
        jobs_retry_max_seconds=float(
            get("JOBS_RETRY_MAX_SECONDS", str(base.jobs_retry_max_seconds))
        ),
        evaluation_default_days=int(
            get("EVALUATION_DEFAULT_DAYS", str(base.evaluation_default_days))
        ),
        rectification_call_back_working_days=int(
            get(
                "RECTIFICATION_CALL_BACK_WORKING_DAYS",
                str(base.rectification_call_back_working_days),
            )
        ),
        rectification_fix_working_days=int(
            get("RECTIFICATION_FIX_WORKING_DAYS", str(base.rectification_fix_working_days))
        ),
        jobs_keep_days=int(get("JOBS_KEEP_DAYS", str(base.jobs_keep_days))),
        due_soon_working_days=int(get("DUE_SOON_WORKING_DAYS", str(base.due_soon_working_days))),
        owed_reminder_working_days=int(
            get("OWED_REMINDER_WORKING_DAYS", str(base.owed_reminder_working_days))
        ),
        # With a Redis configured, live news goes through it unless told otherwise.
        live_broker=get(
            "LIVE_BROKER", "redis" if env.get("SERVICEHALL_REDIS_URL") else base.live_broker
        ),
        redis_prefix=get("REDIS_PREFIX", base.redis_prefix),
        live_queue_size=int(get("LIVE_QUEUE_SIZE", str(base.live_queue_size))),
        live_max_subscriptions=int(get("LIVE_MAX_SUBSCRIPTIONS", str(base.live_max_subscriptions))),
        live_init_seconds=float(get("LIVE_INIT_SECONDS", str(base.live_init_seconds))),
        gc_thresholds=_thresholds(get("GC_THRESHOLDS", "5000,200,100")),
        allowed_origins=tuple(
            o.strip().rstrip("/") for o in get("ALLOWED_ORIGINS", "").split(",") if o.strip()
        ),
    )
    settings.check()
    return settings
