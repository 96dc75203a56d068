"""The opaque global ids of the API's objects, for the few services that hand ids to the
outside without going through the schema (a webhook's payload): the schema's `relay` encodes
with this one function, so an id in a payload is the id the API takes."""

from __future__ import annotations

import base64


def encode_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")
