"""The address guard, without a database: what a webhook URL may name, and what a host name
may resolve to."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from pathlib import Path

import pytest

from backend.services.webhooks import sending


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.example.com/a?b=c", None),
        ("http://203.0.113.9:8080/hooks", "PRIVATE_ADDRESS"),  # documentation range, reserved
        ("http://8.8.8.8/hooks", None),
        ("http://127.0.0.1/", "PRIVATE_ADDRESS"),
        ("http://0.0.0.0/", "PRIVATE_ADDRESS"),
        ("http://100.64.0.1/", "PRIVATE_ADDRESS"),  # carrier-grade NAT
        ("http://[::ffff:127.0.0.1]/", "PRIVATE_ADDRESS"),
        ("http://[fe80::1]/", "PRIVATE_ADDRESS"),
        ("http://[2001:4860:4860::8888]/", None),
        ("http://api.localhost/", "PRIVATE_ADDRESS"),
        ("http://localhost./", "PRIVATE_ADDRESS"),
        ("http://224.0.0.1/", "PRIVATE_ADDRESS"),
        ("javascript:alert(1)", "INVALID_URL"),
        ("https:///nohost", "INVALID_URL"),
        ("https://hooks.example.com:99999/", "INVALID_URL"),
    ],
)
def test_what_a_webhook_url_may_name(url: str, problem: str | None) -> None:
    assert sending.check_url(url, ()) == problem


def test_an_allowed_host_may_be_private() -> None:
    assert sending.check_url("http://127.0.0.1:9000/hooks", ("127.0.0.1",)) is None


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(sending.Refused, match="private or reserved"):
        await sending.resolve("localhost", 80)


async def test_a_refused_name_is_a_failed_outcome_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A public-looking name that resolves to loopback (DNS rebinding): refused at send time.
    monkeypatch.setattr(sending, "check_url", lambda url, allowed: None)
    outcome = await sending.post(
        "http://localhost:9/hooks", "{}", {}, seconds=2.0, allowed_hosts=()
    )
    assert outcome.status_code is None and outcome.error.startswith("refused")
    assert not outcome.succeeded


def _self_signed(host: str, directory: Path) -> tuple[Path, Path]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_https_connects_to_the_checked_address_naming_the_host_for_tls(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The request goes to the address the guard checked (here, as if DNS had said so), and
    TLS names the host (SNI) and checks its certificate, which a self-signed one fails."""
    cert, key = _self_signed("hooks.provider.test", tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: seen.append(name)  # type: ignore[assignment]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]

    async def checked(host: str, port: int) -> list[ipaddress.IPv4Address]:
        assert host == "hooks.provider.test"
        return [ipaddress.IPv4Address("127.0.0.1")]

    monkeypatch.setattr(sending, "resolve", checked)
    async with server:
        outcome = await sending.post(
            f"https://hooks.provider.test:{port}/hooks", "{}", {}, seconds=5.0, allowed_hosts=()
        )
    assert seen == ["hooks.provider.test"]
    assert outcome.status_code is None and "CERTIFICATE_VERIFY_FAILED" in outcome.error
