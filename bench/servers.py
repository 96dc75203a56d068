"""Servers under test and the load on them, for the benchmarks over HTTP.

- `app_server`: the real app under uvicorn (`backend.cli serve`, one process) with production
  settings, on a park database; `root` may be another checkout of the project (the same
  virtualenv runs it), to measure a branch against another.
- `handwritten_server`: `bench/handwritten.py` under uvicorn, on the same database.
- `load`: wrk (`apt-get install -y wrk`) with N connections in its own process, or, without wrk,
  a small keep-alive HTTP client in another Python process; requests/s and latency percentiles.
- `cpu_seconds`: user + system CPU of a process, from /proc/<pid>/stat.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Production refuses the demo key and keys under 32 characters.
SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the command: state is field 3, utime 14 and stime 15 (1-based, see proc(5)).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env.update(
        SERVICEHALL_ENV="production",
        SERVICEHALL_SECRET_KEY=SECRET,
        SERVICEHALL_DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not start: {server.log.read_text()[-3000:]}")


@contextmanager
def _serving(name: str, command: list[str], cwd: Path, env: dict[str, str]) -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    log = folder / "server.log"
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)  # noqa: S603
    server = Server(name, process, port, log)
    try:
        _wait(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def app_server(database_url: str, root: Path = ROOT) -> Iterator[Server]:
    """`backend.cli serve`: one uvicorn process, production settings, the access log on."""
    command = [PYTHON, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"]
    with _serving("app", command, root, _environment(database_url)) as server:
        yield server


@contextmanager
def handwritten_server(database_url: str) -> Iterator[Server]:
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        "bench.handwritten:app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with _serving("hand-written", command, ROOT, _environment(database_url)) as server:
        yield server


def request_headers(cookie: str) -> dict[str, str]:
    """A signed-in browser's headers: the session cookie and its CSRF token."""
    from backend.security import csrf_token_for

    return {
        "Content-Type": "application/json",
        "Cookie": f"sh_session={cookie}; sh_csrf=bench-visitor",
        "X-CSRF-Token": csrf_token_for(SECRET, session_cookie=cookie, visitor_id="bench-visitor"),
    }


def post_json(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"null")
        except ValueError:
            return error.code, raw.decode(errors="replace")[:2000]


def get(url: str, headers: dict[str, str]) -> tuple[int, float]:
    """Status and the time to the whole body, in milliseconds."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        response.read()
        return response.status, (time.perf_counter() - started) * 1000


@dataclass
class Load:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def _wrk(
    url: str, body: dict[str, Any], headers: dict[str, str], connections: int, seconds: float
) -> Load:
    with tempfile.TemporaryDirectory() as folder:
        body_path = Path(folder) / "body.json"
        body_path.write_text(json.dumps(body))
        script = Path(folder) / "post.lua"
        lines = [
            'wrk.method = "POST"',
            f'local f = io.open("{body_path}", "r")',
            'wrk.body = f:read("*a")',
            "f:close()",
        ]
        lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
        script.write_text("\n".join(lines) + "\n")
        result = subprocess.run(  # noqa: S603
            [
                shutil.which("wrk") or "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    out = result.stdout
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(g) for g in found.groups())
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Load(requests, seconds, rps, p50, p99, errors)


def _python_load(
    url: str, body: dict[str, Any], headers: dict[str, str], connections: int, seconds: float
) -> Load:
    """Without wrk: bench/load_client.py in its own process, keep-alive, `connections` at once."""
    spec = json.dumps(
        {
            "url": url,
            "body": body,
            "headers": headers,
            "connections": connections,
            "seconds": seconds,
        }
    )
    result = subprocess.run(  # noqa: S603
        [PYTHON, str(ROOT / "bench" / "load_client.py")],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
    )
    return Load(**json.loads(result.stdout))


def load(
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    connections: int = 16,
    seconds: float = 10.0,
) -> Load:
    if shutil.which("wrk"):
        return _wrk(url, body, headers, connections, seconds)
    return _python_load(url, body, headers, connections, seconds)


def load_generator() -> str:
    return "wrk -t1" if shutil.which("wrk") else "bench/load_client.py (asyncio, keep-alive)"
