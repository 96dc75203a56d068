"""One HTTP attempt, and the guard that keeps webhooks off the park's own network.

A webhook URL is chosen by whoever configures a provider; without a guard it could make the
server call its own admin ports or a cloud metadata address. The host is resolved here, every
address it resolves to must be public, and the request connects to the address that was
checked (a second lookup could answer differently), naming the host for TLS and `Host`.
Hosts in `SERVICEHALL_WEBHOOK_ALLOWED_HOSTS` skip the check (a receiver on the same machine).

Redirects are not followed (a 3xx is a failed attempt), the whole attempt has one time limit,
and at most `MAX_READ` bytes of the answer are read, undecoded, then the connection is closed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx2

from backend.services.core import clock

MAX_READ = 64 * 1024  # of a response body; the rest is never read
EXCERPT = 1000  # characters of it kept with the attempt
MAX_RETRY_AFTER = 24 * 3600.0

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be called: a private address, a scheme other than http(s)."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int
    retry_after: float | None = None  # seconds the endpoint asked us to wait

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def is_public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str, allowed_hosts: tuple[str, ...]) -> str | None:
    """What is wrong with `url` as a webhook address without resolving it (a problem code), or
    None: http(s), a host, no user or password, not a private literal address or localhost."""
    # urlsplit drops tabs and line breaks without a word and keeps spaces: the address stored
    # would not be the one posted to, or a host nobody can resolve.
    if any(character.isspace() or not character.isprintable() for character in url):
        return "INVALID_URL"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "INVALID_URL"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "INVALID_URL"
    if "" in parts.hostname.removesuffix(".").split("."):
        return "INVALID_URL"  # `a..b` or `.a`: an empty label, no host at all
    if parts.username or parts.password or port == 0:
        return "INVALID_URL"
    host = parts.hostname.lower().rstrip(".")  # `localhost.` is localhost
    if host in allowed_hosts:
        return None
    address = literal_address(host)
    if host == "localhost" or host.endswith(".localhost"):
        return "PRIVATE_ADDRESS"
    if address is not None and not is_public(address):
        return "PRIVATE_ADDRESS"
    return None


async def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to; Refused if any is not public."""
    address = literal_address(host)
    if address is not None:
        found = [address]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise Refused(f"cannot resolve {host}: {exc}") from exc
        found = [ipaddress.ip_address(info[4][0]) for info in infos]
        if not found:
            raise Refused(f"{host} resolves to no address")
    for each in found:
        if not is_public(each):
            raise Refused(f"{host} resolves to {each}, a private or reserved address")
    return found


async def post(
    url: str,
    body: str,
    headers: dict[str, str],
    *,
    seconds: float,
    allowed_hosts: tuple[str, ...],
) -> Outcome:
    """POSTs `body` to `url` once. Never raises for what the endpoint or the network does: a
    refusal, a timeout, a reset or any status is an `Outcome`."""
    started = time.monotonic()

    def outcome(
        status: int | None, error: str, excerpt: str = "", retry: float | None = None
    ) -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status, error, excerpt, elapsed, retry)

    problem = check_url(url, allowed_hosts)
    if problem is not None:
        return outcome(None, f"refused: {problem} ({url})")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    request_url, extensions = url, {}
    request_headers = {**headers, "content-type": "application/json"}
    try:
        async with asyncio.timeout(seconds):
            if host not in allowed_hosts:
                address = (await resolve(host, port))[0]
                shown = f"[{address}]" if address.version == 6 else str(address)
                netloc = f"{shown}:{parts.port}" if parts.port else shown
                request_url = urlunsplit(parts._replace(netloc=netloc))
                request_headers["host"] = parts.netloc.rsplit("@", 1)[-1]
                extensions = {"sni_hostname": host}
            async with (
                httpx2.AsyncClient(
                    follow_redirects=False, timeout=seconds, trust_env=False
                ) as client,
                client.stream(
                    "POST",
                    request_url,
                    content=body.encode(),
                    headers=request_headers,
                    extensions=extensions,
                ) as response,
            ):
                read = bytearray()
                async for chunk in response.aiter_raw():
                    read += chunk
                    if len(read) >= MAX_READ:
                        break
                excerpt = bytes(read[:MAX_READ]).decode("utf-8", "replace")[:EXCERPT]
                status = response.status_code
                error = "" if 200 <= status < 300 else _status_error(response)
                return outcome(status, error, excerpt, _retry_after(response))
    except Refused as exc:
        return outcome(None, f"refused: {exc}")
    except TimeoutError:
        return outcome(None, f"timed out after {seconds:g} s")
    except httpx2.TimeoutException as exc:
        return outcome(None, f"timed out ({type(exc).__name__})")
    except (httpx2.HTTPError, OSError) as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}"[:500])


def _status_error(response: httpx2.Response) -> str:
    if 300 <= response.status_code < 400:
        where = response.headers.get("location", "")
        return f"HTTP {response.status_code}: redirects are not followed ({where[:200]})"
    return f"HTTP {response.status_code}"


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - clock.now()).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def unix_seconds(moment: datetime) -> int:
    return int(moment.timestamp())
