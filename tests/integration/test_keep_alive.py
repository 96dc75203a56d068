"""A malformed page address under uvicorn: the 404 page, the status on the access line, and the
keep-alive connection still serving the next request (an exception escaping the app ended it)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.settings import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = _free_port()
    env = {
        **os.environ,
        "SERVICEHALL_DATABASE_URL": f"sqlite://{tmp_path / 'app.sqlite3'}",
        "SERVICEHALL_STORAGE_DIR": str(tmp_path / "files"),
        "SERVICEHALL_HOST": "127.0.0.1",
        "SERVICEHALL_PORT": str(port),
    }
    cli = [sys.executable, "-m", "backend.cli"]
    subprocess.run([*cli, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*cli, "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the server did not start:\n" + log_path.read_text())
                time.sleep(0.1)
        yield port, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_malformed_address_is_404_and_the_connection_serves_the_next_request(
    server: tuple[int, Path],
) -> None:
    port, log_path = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for path, status in (
            ("/catalog/items/x", 404),
            ("/catalog?after=zzz", 404),
            ("/catalog/categories/x", 404),
            ("/catalog", 200),
        ):
            connection.request("GET", path, headers={"Accept": "text/html"})
            try:
                response = connection.getresponse()
            except TimeoutError:
                pytest.fail(f"{path} got no answer:\n{log_path.read_text()[-3000:]}")
            body = response.read().decode()
            assert response.status == status, (path, body[:200])
            assert response.getheader("connection", "").lower() != "close"
    finally:
        connection.close()
    time.sleep(0.2)  # the access line is written as the response ends
    log = log_path.read_text()
    statuses = re.findall(r"servicehall\.access: GET (\S+) (\S+) ", log)
    assert statuses == [
        ("/catalog/items/x", "404"),
        ("/catalog", "404"),
        ("/catalog/categories/x", "404"),
        ("/catalog", "200"),
    ]
    assert "Traceback" not in log  # a client's malformed id is an answer, not a fault
