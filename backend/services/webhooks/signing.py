"""Signing keys and signatures (Standard Webhooks v1.0.0, "Signature scheme").

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`. `v1` is HMAC-SHA256 with a
`whsec_` secret (base64 of 32 random bytes) shared with the provider; `v1a` is ed25519: the park
keeps `whsk_` (base64 of the 32-byte seed) and publishes `whpk_` (base64 of the 32-byte public
key). Several signatures go out space-separated while an old key is still in its rotation window.

Private keys are sealed (AES-256-GCM under a key derived from the server's secret key) before
they reach the database: a copy of the database, a log of its statements or a backup does not
carry a key that signs as the park.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.models.webhooks import SigningScheme

SYMMETRIC_PREFIX = "whsec_"
PRIVATE_PREFIX = "whsk_"
PUBLIC_PREFIX = "whpk_"
SEAL_CONTEXT = b"servicehall webhook signing keys v1\x00"


@dataclass(frozen=True)
class NewKey:
    """A key as generated: `secret` is what the park signs with (shown to an admin once when it
    is symmetric), `public_key` what a provider verifies `v1a` with."""

    scheme: SigningScheme
    secret: str
    public_key: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key or self.secret)

    def __repr__(self) -> str:
        return f"NewKey({self.scheme}, {self.fingerprint})"


def fingerprint(key: str) -> str:
    """A short name for a key that tells keys apart without revealing them."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def generate(scheme: SigningScheme) -> NewKey:
    if scheme is SigningScheme.V1:
        return NewKey(scheme, SYMMETRIC_PREFIX + _b64(secrets.token_bytes(32)), "")
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return NewKey(scheme, PRIVATE_PREFIX + _b64(seed), PUBLIC_PREFIX + _b64(public))


def sign(scheme: SigningScheme, secret: str, message_id: str, timestamp: int, body: str) -> str:
    """One signature, `v1,<base64>` or `v1a,<base64>`."""
    content = f"{message_id}.{timestamp}.{body}".encode()
    if scheme is SigningScheme.V1:
        key = base64.b64decode(secret.removeprefix(SYMMETRIC_PREFIX))
        return "v1," + _b64(hmac.new(key, content, hashlib.sha256).digest())
    seed = base64.b64decode(secret.removeprefix(PRIVATE_PREFIX))
    return "v1a," + _b64(Ed25519PrivateKey.from_private_bytes(seed).sign(content))


def seal(secret_key: str, secret: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_sealing_key(secret_key)).encrypt(nonce, secret.encode(), SEAL_CONTEXT)
    return _b64(nonce + sealed)


def unseal(secret_key: str, sealed: str) -> str:
    raw = base64.b64decode(sealed)
    return AESGCM(_sealing_key(secret_key)).decrypt(raw[:12], raw[12:], SEAL_CONTEXT).decode()


def _sealing_key(secret_key: str) -> bytes:
    return hashlib.sha256(SEAL_CONTEXT + secret_key.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
