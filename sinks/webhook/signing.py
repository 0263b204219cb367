"""How the webhook sink signs a delivery (the receiver's side: `verification.py`).

Headers: `Idempotency-Key: <incident_id>:<version>` (the same on every retry and after a
restart), `X-Dexwatch-Timestamp: <Unix seconds>` (when this attempt was signed) and
`X-Dexwatch-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret>`.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "EVENT_HEADER",
    "IDEMPOTENCY_KEY_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_SCHEME",
    "TIMESTAMP_HEADER",
    "sign",
    "signature_header",
]

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Dexwatch-Timestamp"
SIGNATURE_HEADER = "X-Dexwatch-Signature"
EVENT_HEADER = "X-Dexwatch-Event"
SIGNATURE_SCHEME = "v1"


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`."""
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: str, body: bytes) -> str:
    return f"{SIGNATURE_SCHEME}={sign(secret, timestamp, body)}"
