"""The `servicehall` command on a real database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from backend.settings import ROOT


def _run(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SERVICEHALL_DATABASE_URL": f"sqlite://{database}",
        "SERVICEHALL_ARGON2_TIME_COST": "1",
        "SERVICEHALL_ARGON2_MEMORY_COST": "1024",
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_seed_prints_a_login_for_every_role_and_keeps_data_on_a_second_run(
    tmp_path: Path,
) -> None:
    database = tmp_path / "cli.sqlite3"
    assert _run(database, "migrate").returncode == 0
    first = _run(database, "seed")
    assert first.returncode == 0, first.stderr
    assert "(created now)" in first.stdout
    for role in ("admin", "auditor", "handler", "supervisor", "provider", "applicant"):
        assert f"  {role} " in first.stdout
    with sqlite3.connect(database) as connection:
        users_before = connection.execute("SELECT count(*) FROM users").fetchone()[0]
    second = _run(database, "seed")
    assert "(kept)" in second.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone()[0] == users_before


def test_create_user_makes_an_account_with_roles_and_reports_bad_input(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"
    assert _run(database, "migrate").returncode == 0
    made = _run(
        database,
        "create-user",
        "--name",
        "值班管理员",
        "--login",
        "duty@park.cn",
        "--role",
        "admin",
        "--role",
        "supervisor",
        "--password",
        "a long enough password",
    )
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(database) as connection:
        roles = connection.execute(
            "SELECT role FROM user_roles JOIN users ON users.id = user_roles.user_id "
            "WHERE users.email = 'duty@park.cn' ORDER BY role"
        ).fetchall()
    assert [r for (r,) in roles] == ["ADMIN", "SUPERVISOR"]
    bad = _run(
        database,
        "create-user",
        "--name",
        "x",
        "--login",
        "not a contact",
        "--role",
        "admin",
        "--password",
        "a long enough password",
    )
    assert bad.returncode == 1
    assert "login:" in bad.stdout


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = _run(tmp_path / "cli.sqlite3", "serve", "--workers", "2")
    assert result.returncode == 2
    assert "PostgreSQL" in result.stdout


def test_recount_orders_counts_the_cockpits_days_afresh(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"
    assert _run(database, "migrate").returncode == 0
    assert _run(database, "seed").returncode == 0
    with sqlite3.connect(database) as connection:
        # A count no order stands behind (a row loaded by hand, a time zone changed).
        connection.execute(
            "INSERT INTO order_day_counts (day, opened, completed, opened_completed, "
            "opened_cancelled) VALUES ('2000-01-01', 5, 0, 0, 0)"
        )
    done = _run(database, "recount-orders")
    assert done.returncode == 0, done.stderr
    assert "Asia/Shanghai" in done.stdout
    with sqlite3.connect(database) as connection:
        orders = connection.execute("SELECT count(*) FROM orders").fetchone()[0]
        counted = connection.execute("SELECT SUM(opened) FROM order_day_counts").fetchone()[0]
        stale = connection.execute(
            "SELECT count(*) FROM order_day_counts WHERE day = '2000-01-01'"
        ).fetchone()[0]
    assert (counted or 0) == orders and stale == 0
