"""Settings come from SERVICEHALL_* variables; production refuses the demo secret."""

from __future__ import annotations

import pytest

from backend.settings import DEMO_SECRET_KEY, SettingsError, load_settings


def test_defaults_run_a_demo_on_sqlite() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite://")
    assert settings.timezone == "Asia/Shanghai"
    assert settings.secret_key == DEMO_SECRET_KEY


def test_variables_override_the_defaults() -> None:
    settings = load_settings(
        {"SERVICEHALL_PORT": "9000", "SERVICEHALL_REDIS_URL": "redis://127.0.0.1:6379/1"}
    )
    assert settings.port == 9000
    assert settings.rate_limit_storage == "async+redis://127.0.0.1:6379/1"


def test_query_limits_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "SERVICEHALL_MAX_QUERY_DEPTH": "5",
            "SERVICEHALL_MAX_ALIASES": "3",
            "SERVICEHALL_MAX_TOKENS": "400",
            "SERVICEHALL_MAX_QUERY_COST": "900",
        }
    )
    assert (settings.max_query_depth, settings.max_aliases, settings.max_tokens) == (5, 3, 400)
    assert settings.max_query_cost == 900


def test_production_refuses_to_start_with_the_demo_secret_key() -> None:
    with pytest.raises(SettingsError, match="demo key"):
        load_settings({"SERVICEHALL_ENV": "production"})


def test_any_environment_but_development_refuses_the_demo_secret_key() -> None:
    with pytest.raises(SettingsError, match="demo key"):
        load_settings({"SERVICEHALL_ENV": "staging"})


PRODUCTION = {"SERVICEHALL_ENV": "production", "SERVICEHALL_SECRET_KEY": "x" * 40}


@pytest.mark.parametrize(
    "name, value",
    [("ARGON2_TIME_COST", "1"), ("ARGON2_MEMORY_COST", "1024"), ("ARGON2_PARALLELISM", "1")],
)
def test_production_refuses_argon2_parameters_below_the_library_defaults(
    name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match="below argon2's defaults"):
        load_settings({**PRODUCTION, f"SERVICEHALL_{name}": value})


def test_production_hashes_with_the_library_defaults_or_stronger() -> None:
    from argon2 import PasswordHasher

    library = PasswordHasher()
    settings = load_settings(PRODUCTION)
    assert (
        settings.argon2_time_cost,
        settings.argon2_memory_cost,
        settings.argon2_parallelism,
    ) == (library.time_cost, library.memory_cost, library.parallelism)
    stronger = load_settings({**PRODUCTION, "SERVICEHALL_ARGON2_MEMORY_COST": "131072"})
    assert stronger.argon2_memory_cost == 131072


def test_production_starts_with_a_secret_of_its_own() -> None:
    settings = load_settings({"SERVICEHALL_ENV": "production", "SERVICEHALL_SECRET_KEY": "x" * 40})
    assert settings.production


def test_the_cli_refuses_production_with_the_demo_key(monkeypatch) -> None:
    from backend.cli import main

    monkeypatch.setenv("SERVICEHALL_ENV", "production")
    monkeypatch.delenv("SERVICEHALL_SECRET_KEY", raising=False)
    assert main(["migrate"]) == 2


async def test_the_app_closes_its_redis_pools_on_shutdown() -> None:
    from dataclasses import replace

    from backend.app import create_app
    from backend.settings import Settings

    settings = replace(Settings(), redis_url="redis://127.0.0.1:6379/15")
    app = create_app(settings, manage_database=False)
    closed: list[str] = []
    for name in ("throttle", "cost_limiter"):
        limiter = getattr(app.state, name)
        original = limiter.close

        async def close(original=original, name=name) -> None:
            closed.append(name)
            await original()

        limiter.close = close
    async with app.router.lifespan_context(app):
        pass
    assert sorted(closed) == ["cost_limiter", "throttle"]


def test_mail_and_job_settings_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "SERVICEHALL_SMTP_URL": "smtp+starttls://hall:secret@mail.park.cn:587",
            "SERVICEHALL_PUBLIC_URL": "https://hall.park.cn/",
            "SERVICEHALL_JOBS_POLL_SECONDS": "0.5",
            "SERVICEHALL_JOBS_MAX_ATTEMPTS": "3",
            "SERVICEHALL_JOBS_WORKER": "0",
        }
    )
    assert settings.smtp_url == "smtp+starttls://hall:secret@mail.park.cn:587"
    assert settings.public_url == "https://hall.park.cn"  # links append paths to it
    assert (settings.jobs_poll_seconds, settings.jobs_max_attempts) == (0.5, 3)
    assert settings.jobs_worker is False
    assert load_settings({}).smtp_url is None and load_settings({}).jobs_worker is True


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("SMTP_URL", "http://mail.park.cn", "SERVICEHALL_SMTP_URL"),
        ("PUBLIC_URL", "hall.park.cn", "SERVICEHALL_PUBLIC_URL"),
        ("JOBS_LEASE_SECONDS", "0", "SERVICEHALL_JOBS_LEASE_SECONDS"),
    ],
)
def test_unusable_mail_and_job_settings_are_refused(name: str, value: str, words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        load_settings({f"SERVICEHALL_{name}": value})


def test_live_news_goes_through_redis_when_one_is_configured() -> None:
    assert load_settings({}).live_broker == "memory"
    url = {"SERVICEHALL_REDIS_URL": "redis://127.0.0.1:6379/1"}
    assert load_settings(url).live_broker == "redis"
    assert load_settings({**url, "SERVICEHALL_LIVE_BROKER": "memory"}).live_broker == "memory"
    assert load_settings({**url, "SERVICEHALL_REDIS_PREFIX": "park-b"}).redis_prefix == "park-b"
    with pytest.raises(SettingsError, match="needs SERVICEHALL_REDIS_URL"):
        load_settings({"SERVICEHALL_LIVE_BROKER": "redis"})
    with pytest.raises(SettingsError, match="`memory` or `redis`"):
        load_settings({"SERVICEHALL_LIVE_BROKER": "kafka"})


def test_allowed_origins_are_origins() -> None:
    settings = load_settings(
        {"SERVICEHALL_ALLOWED_ORIGINS": "https://desk.example.cn, http://127.0.0.1:8080/"}
    )
    assert settings.allowed_origins == ("https://desk.example.cn", "http://127.0.0.1:8080")
    with pytest.raises(SettingsError, match="not an origin"):
        load_settings({"SERVICEHALL_ALLOWED_ORIGINS": "https://desk.example.cn/app"})
    with pytest.raises(SettingsError, match="not an origin"):
        load_settings({"SERVICEHALL_ALLOWED_ORIGINS": "desk.example.cn"})


def test_gc_thresholds_are_three_numbers_or_pythons() -> None:
    assert load_settings({}).gc_thresholds == (5000, 200, 100)
    assert load_settings({"SERVICEHALL_GC_THRESHOLDS": "700,10,10"}).gc_thresholds == (700, 10, 10)
    assert load_settings({"SERVICEHALL_GC_THRESHOLDS": ""}).gc_thresholds is None
    for wrong in ("1,2", "a,b,c", "0,1,1"):
        with pytest.raises(SettingsError, match="GC_THRESHOLDS"):
            load_settings({"SERVICEHALL_GC_THRESHOLDS": wrong})


@pytest.mark.parametrize(
    "url", ["psycopg://postgres@127.0.0.1/test", "mysql://root@127.0.0.1/test", "servicehall.db"]
)
def test_a_database_other_than_sqlite_or_asyncpg_is_refused_at_start(url: str) -> None:
    with pytest.raises(SettingsError, match="SERVICEHALL_DATABASE_URL"):
        load_settings({"SERVICEHALL_DATABASE_URL": url})


def test_sqlite_and_postgres_addresses_are_accepted() -> None:
    for url in ("sqlite:///tmp/x.sqlite3", "postgres://postgres@127.0.0.1:5432/test"):
        assert load_settings({"SERVICEHALL_DATABASE_URL": url}).database_url == url


def test_the_due_soon_and_owed_reminder_days_are_read_and_bounded() -> None:
    read = load_settings(
        {
            "SERVICEHALL_DUE_SOON_WORKING_DAYS": "3",
            "SERVICEHALL_OWED_REMINDER_WORKING_DAYS": "0",
        }
    )
    assert (read.due_soon_working_days, read.owed_reminder_working_days) == (3, 0)
    assert load_settings({}).due_soon_working_days == 1
    assert load_settings({}).owed_reminder_working_days == 2
    with pytest.raises(SettingsError, match="DUE_SOON_WORKING_DAYS"):
        load_settings({"SERVICEHALL_DUE_SOON_WORKING_DAYS": "-1"})
