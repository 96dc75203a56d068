"""Webhooks: a provider's endpoint, its signing secrets, and the deliveries made to it."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from backend.models.enterprises import Provider


class SigningScheme(StrEnum):
    V1 = "v1"  # HMAC-SHA256 with a shared `whsec_` secret
    V1A = "v1a"  # ed25519: the park signs with `whsk_`, the provider verifies with `whpk_`


class EndpointState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"  # by an admin
    GONE = "GONE"  # the endpoint answered 410
    FAILING = "FAILING"  # a delivery used up the retry schedule


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # an attempt is due or under way
    DELIVERED = "DELIVERED"  # an attempt got a 2xx
    FAILED = "FAILED"  # out of attempts, or the endpoint is off


class WebhookEndpoint(Model):
    """Where a provider hears of its orders: one per provider, configured by admins."""

    id = fields.BigIntField(primary_key=True)
    provider: fields.OneToOneRelation[Provider] = fields.OneToOneField(
        "models.Provider", related_name="webhook_endpoint", on_delete=fields.CASCADE
    )
    provider_id: int
    url = fields.CharField(max_length=2000)
    event_types: list[str] = fields.JSONField(default=list)
    scheme = fields.CharEnumField(SigningScheme, max_length=5, default=SigningScheme.V1)
    state = fields.CharEnumField(EndpointState, max_length=10, default=EndpointState.ENABLED)
    state_changed_at = fields.DatetimeField(null=True)
    # After a 429, 502, 504 or a Retry-After no attempt goes out before this.
    paused_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    version = fields.IntField(default=1)

    class Meta:
        table = "webhook_endpoints"


class WebhookSecret(Model):
    """A signing key of an endpoint. The private part is sealed with the server's secret key
    and never read by the API again: only its fingerprint and, for ed25519, its public key.

    The newest is current. An older one keeps signing until `expires_at`, so a provider can
    switch keys without a gap."""

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="secrets", on_delete=fields.CASCADE
    )
    endpoint_id: int
    scheme = fields.CharEnumField(SigningScheme, max_length=5)
    sealed = fields.TextField()
    public_key = fields.CharField(max_length=100, default="")  # `whpk_…` for v1a
    fingerprint = fields.CharField(max_length=20)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_secrets"

    def __repr__(self) -> str:  # never the sealed key, not even in a traceback
        return f"<WebhookSecret {self.id} {self.scheme} {self.fingerprint}>"


class WebhookDelivery(Model):
    """One message to a provider's endpoint: its body, fixed when announced, and where its
    attempts stand. Every attempt sends the same `webhook-id` (`message_id`)."""

    id = fields.BigIntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="webhook_deliveries", on_delete=fields.CASCADE
    )
    provider_id: int
    message_id = fields.CharField(max_length=40, unique=True)
    event_type = fields.CharField(max_length=60)
    # An announcement with a key already here adds nothing.
    key = fields.CharField(max_length=200, null=True, unique=True)
    body = fields.TextField(null=True)  # emptied once delivered and past the retention period
    body_bytes = fields.IntField()
    status = fields.CharEnumField(DeliveryStatus, max_length=10, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)  # all attempts made
    round_attempts = fields.IntField(default=0)  # since the last (re)delivery began
    # Which job carries the delivery on: a job whose `seq` is not this one does nothing.
    job_seq = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_response_code = fields.IntField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)
    pruned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_deliveries"
        indexes = (("provider_id", "status", "id"), ("status", "delivered_at"))


class WebhookAttempt(Model):
    """One HTTP request of a delivery: written before it is sent, completed when it ends."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_rows", on_delete=fields.CASCADE
    )
    delivery_id: int
    number = fields.IntField()
    url = fields.CharField(max_length=2000)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    duration_ms = fields.IntField(null=True)
    succeeded = fields.BooleanField(default=False)
    response_code = fields.IntField(null=True)
    response_excerpt = fields.TextField(default="")
    error = fields.TextField(default="")

    class Meta:
        table = "webhook_attempts"
        unique_together = (("delivery_id", "number"),)
