"""The webhook sink: signed JSON incident events, and the receiver's verification code."""

from dexwatch.sinks.webhook.signing import (
    EVENT_HEADER,
    IDEMPOTENCY_KEY_HEADER,
    LEGACY_SIGNATURE_SCHEME,
    SIGNATURE_HEADER,
    SIGNATURE_SCHEME,
    TIMESTAMP_HEADER,
    sign_v1,
    sign_v2,
    signature_header,
)
from dexwatch.sinks.webhook.verification import TOLERANCE_S, SignatureError, verify_signature
from dexwatch.sinks.webhook.webhook_sink import WebhookSink

__all__ = [
    "EVENT_HEADER",
    "IDEMPOTENCY_KEY_HEADER",
    "LEGACY_SIGNATURE_SCHEME",
    "SIGNATURE_HEADER",
    "SIGNATURE_SCHEME",
    "TIMESTAMP_HEADER",
    "TOLERANCE_S",
    "SignatureError",
    "WebhookSink",
    "sign_v1",
    "sign_v2",
    "signature_header",
    "verify_signature",
]
