"""The committed migrations build the whole schema from nothing, and match the models."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from backend.db import tortoise_config
from backend.settings import ROOT
from tests.conftest import BACKEND, _pg_execute, _pg_url_for

EXPECTED_TABLES = {
    "users",
    "user_roles",
    "sessions",
    "api_tokens",
    "teams",
    "team_members",
    "notifications",
    "enterprises",
    "memberships",
    "events",
    "stored_files",
    "invitations",
    "buildings",
    "floors",
    "units",
    "premises_bindings",
    "providers",
    "categories",
    "service_items",
    "service_item_versions",
    "service_pins",
    "calendar_days",
    "counters",
    "applications",
    "application_attachments",
    "application_revisions",
    "audit_results",
    "reviews",
    "owed_materials",
    "idempotency_keys",
    "orders",
    "jobs",
    "order_updates",
    "order_messages",
    "order_read_marks",
    "order_attachments",
    "order_information_requests",
    "order_pauses",
    "application_day_counts",
    "order_day_counts",
    "order_processing_counts",
}


def _migrate(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        cwd=ROOT,
        env={**os.environ, "SERVICEHALL_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


async def _tables(url: str) -> set[str]:
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            return {name for (name,) in rows}
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await connection.close()


@pytest.mark.postgres
async def test_migrations_build_every_table_from_an_empty_database(tmp_path: Path) -> None:
    created = None
    if BACKEND == "postgres":
        created = f"sh_zero_{os.getpid()}"
        await _pg_execute(f'DROP DATABASE IF EXISTS "{created}"')
        await _pg_execute(f'CREATE DATABASE "{created}"')
        url = _pg_url_for(created)
    else:
        url = f"sqlite://{tmp_path / 'zero.sqlite3'}"
    try:
        assert EXPECTED_TABLES.isdisjoint(await _tables(url))
        first = _migrate(url)
        assert first.returncode == 0, first.stderr
        assert await _tables(url) >= EXPECTED_TABLES
        again = _migrate(url)
        assert again.returncode == 0, again.stderr
    finally:
        if created:
            await _pg_execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


@pytest.mark.postgres
async def test_the_autodetector_finds_no_change_between_models_and_migrations(db: str) -> None:
    config = tortoise_config(db)
    context = TortoiseContext()
    async with context:
        await context.init(config=config)
        assert context.apps is not None
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()
    assert [w.name for w in writers] == [], "run `tortoise makemigrations` and commit it"


async def _columns(url: str, table: str) -> set[str]:
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as connection:
            return {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = $1 AND table_schema = current_schema()",
            table,
        )
        return {row["column_name"] for row in rows}
    finally:
        await connection.close()


@pytest.mark.postgres
async def test_every_model_field_has_its_column_in_the_migrated_database(db: str) -> None:
    """The autodetector compares migrations with models; this compares the database itself.

    (Tortoise once generated a CREATE TABLE without the foreign keys of two tables that refer
    to each other: the migration state was right and the table was not.)
    """
    from tortoise import Tortoise

    missing: dict[str, set[str]] = {}
    for model in Tortoise.apps.get_models_iterable():
        expected = set(model._meta.fields_db_projection.values())
        lacking = expected - await _columns(db, model._meta.db_table)
        if lacking:
            missing[model._meta.db_table] = lacking
    assert missing == {}


def test_owed_materials_the_desk_handed_in_before_reviews_existed_count_as_accepted(
    tmp_path: Path,
) -> None:
    """0009 adds the review of owed materials; the desk's earlier supplements stay settled."""
    path = tmp_path / "before.sqlite3"
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": f"sqlite://{path}"}
    up_to_0007 = subprocess.run(
        [sys.executable, "-m", "tortoise", "migrate", "models", "0007_event_counters"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert up_to_0007.returncode == 0, up_to_0007.stderr
    with sqlite3.connect(path) as connection:  # foreign keys are off in a bare connection
        connection.executemany(
            "INSERT INTO owed_materials (application_id, kind, due_on, supplied_at, created_at) "
            "VALUES (1, ?, '2026-12-01', ?, '2026-11-20 08:00:00+00:00')",
            [("report", "2026-11-25 08:00:00+00:00"), ("permit", None)],
        )
    rest = _migrate(f"sqlite://{path}")
    assert rest.returncode == 0, rest.stderr
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT kind, status FROM owed_materials ORDER BY kind"
        ).fetchall()
    assert found == [("permit", "OUTSTANDING"), ("report", "ACCEPTED")]


ROWS_BEFORE_0010 = (
    "INSERT INTO orders (id, number, status, assignment_reason, due_at, created_at, version, "
    "applicant_id, enterprise_id, item_id, item_version_id, application_id) VALUES (1, 'SH-1', "
    "'IN_PROGRESS', '{}', '2026-12-01 08:00:00+00:00', '2026-11-20 08:00:00+00:00', 3, 1, 1, 1, "
    "1, 1)",
    "INSERT INTO order_updates (id, kind, body, created_at, order_id) VALUES "
    "(1, 'PROGRESS', 'begun', '2026-11-21 08:00:00+00:00', 1)",
    "INSERT INTO order_messages (id, sequence, side, body, created_at, order_id) VALUES "
    "(1, 1, 'ENTERPRISE', 'hello', '2026-11-21 09:00:00+00:00', 1)",
    # The attachments' own table is rebuilt on SQLite, foreign keys checked: their files exist.
    "INSERT INTO stored_files (id, sha256, size, mime_type, original_name, created_at) VALUES "
    "(1, 'a', 1, 'application/pdf', 'a.pdf', '2026-11-21 08:00:00+00:00'), "
    "(2, 'b', 1, 'image/png', 'b.png', '2026-11-21 09:00:00+00:00')",
    "INSERT INTO order_attachments (id, audience, position, file_id, order_id, order_update_id, "
    "message_id) VALUES (1, 'ORDER_VIEWERS', 0, 1, 1, 1, NULL), "
    "(2, 'CONVERSATION', 0, 2, 1, NULL, 1)",
)
AFTER_0010 = (
    "SELECT attached_to FROM order_attachments ORDER BY id",
    "SELECT result, declined_by, waiting_since FROM orders",
)


def _up_to(url: str, name: str) -> None:
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "tortoise", "migrate", "models", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.postgres
async def test_0010_keeps_what_the_attachments_hang_on_and_fills_the_orders_new_columns(
    tmp_path: Path,
) -> None:
    """0010 adds `attached_to` to the attachments 0009 made (a note's or a message's) and three
    columns to orders that already exist: on PostgreSQL too, where NOT NULL needs a default."""
    created = None
    if BACKEND == "postgres":
        created = f"sh_upgrade_{os.getpid()}"
        await _pg_execute(f'DROP DATABASE IF EXISTS "{created}"')
        await _pg_execute(f'CREATE DATABASE "{created}"')
        url = _pg_url_for(created)
    else:
        url = f"sqlite://{tmp_path / 'upgrade.sqlite3'}"
    try:
        _up_to(url, "0009_order_conversation")
        if created:
            connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                # The rows name users, items and files that are not there: no foreign keys.
                await connection.execute("SET session_replication_role = replica")
                for statement in ROWS_BEFORE_0010:
                    await connection.execute(statement)
            finally:
                await connection.close()
        else:
            with sqlite3.connect(url.removeprefix("sqlite://")) as bare:  # no foreign keys
                for statement in ROWS_BEFORE_0010:
                    bare.execute(statement)
        rest = _migrate(url)
        assert rest.returncode == 0, rest.stderr
        if created:
            connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                hung = [tuple(r) for r in await connection.fetch(AFTER_0010[0])]
                orders = [tuple(r) for r in await connection.fetch(AFTER_0010[1])]
            finally:
                await connection.close()
        else:
            with sqlite3.connect(url.removeprefix("sqlite://")) as bare:
                hung = bare.execute(AFTER_0010[0]).fetchall()
                orders = bare.execute(AFTER_0010[1]).fetchall()
        assert hung == [("UPDATE",), ("MESSAGE",)]
        assert [(r, json.loads(d), w) for r, d, w in orders] == [("", [], None)]
    finally:
        if created:
            await _pg_execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


CREATED = "2026-11-01 08:00:00+00:00"


def test_a_park_with_people_and_submitted_applications_migrates_up_from_0007(
    tmp_path: Path,
) -> None:
    """Later migrations add columns to tables that already hold rows (0008: a user's mail
    choice) and count what is already there (0011: the board's applications by day)."""
    path = tmp_path / "before.sqlite3"
    env = {**os.environ, "SERVICEHALL_DATABASE_URL": f"sqlite://{path}"}
    up_to_0007 = subprocess.run(
        [sys.executable, "-m", "tortoise", "migrate", "models", "0007_event_counters"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert up_to_0007.returncode == 0, up_to_0007.stderr
    with sqlite3.connect(path) as connection:  # foreign keys are off in a bare connection
        connection.execute(
            "INSERT INTO users (id, name, password_hash, is_active, language, created_at, "
            "version) VALUES (1, '王申请', 'x', 1, 'zh-CN', ?, 1)",
            [CREATED],
        )
        connection.execute(
            "INSERT INTO categories (id, name_zh, name_en, description_zh, description_en, "
            "position, created_at, version) VALUES (1, '企业服务', 'Business', '', '', 1, ?, 1)",
            [CREATED],
        )
        connection.executemany(
            "INSERT INTO service_items (id, status, latest_number, position, name_zh, name_en, "
            "search_text, created_at, version, category_id) "
            "VALUES (?, 'PUBLISHED', 1, ?, ?, '', '', ?, 1, 1)",
            [(7, 1, "营业执照变更", CREATED), (8, 2, "人才公寓申请", CREATED)],
        )
        connection.executemany(
            "INSERT INTO applications (number, status, form_data, promised_deferred, "
            "revision_count, submitted_at, created_at, updated_at, version, applicant_id, "
            "enterprise_id, item_id) VALUES (?, 'APPROVED', '{}', 0, 1, ?, ?, ?, 1, 1, 1, ?)",
            [
                (f"SQ-{n}", submitted, CREATED, CREATED, item)
                for n, (submitted, item) in enumerate(
                    [
                        ("2026-11-20 08:00:00+00:00", 7),
                        ("2026-11-20 09:00:00+00:00", 7),
                        ("2026-11-21 08:00:00+00:00", 7),
                        ("2026-11-21 08:00:00+00:00", 8),
                        (None, 8),  # a draft: never submitted, not counted
                    ]
                )
            ],
        )
    rest = _migrate(f"sqlite://{path}")
    assert rest.returncode == 0, rest.stderr
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT email_notifications FROM users").fetchall() == [(0,)]
        counted = connection.execute(
            "SELECT item_id, day, applications FROM application_day_counts ORDER BY item_id, day"
        ).fetchall()
    assert counted == [(7, "2026-11-20", 2), (7, "2026-11-21", 1), (8, "2026-11-21", 1)]
