"""How the webhook sink signs a delivery (the receiver's side: `verification.py`).

Headers: `Idempotency-Key: <incident_id>:<version>` (the same on every retry and after a
restart), `X-Dexwatch-Timestamp: <Unix seconds>` (when this attempt was signed) and
`X-Dexwatch-Signature: v2=<hex>,v1=<hex>`, both HMAC-SHA256 with the shared secret:

- `v2` over `<timestamp>\\n<idempotency key>\\n<body>`: the key is covered, so a captured
  request resent under a new key does not verify. Neither a timestamp (digits) nor a header
  value can hold a line break, so the signed bytes split into their three parts one way only.
- `v1` (deprecated) over `<timestamp>.<body>`, sent beside `v2` so that receivers still running
  the v1-only check keep working; the sink stops sending it in dexwatch 0.3.0.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "EVENT_HEADER",
    "IDEMPOTENCY_KEY_HEADER",
    "LEGACY_SIGNATURE_SCHEME",
    "SIGNATURE_HEADER",
    "SIGNATURE_SCHEME",
    "TIMESTAMP_HEADER",
    "sign_v1",
    "sign_v2",
    "signature_header",
]

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Dexwatch-Timestamp"
SIGNATURE_HEADER = "X-Dexwatch-Signature"
EVENT_HEADER = "X-Dexwatch-Event"
SIGNATURE_SCHEME = "v2"
LEGACY_SIGNATURE_SCHEME = "v1"


def sign_v2(secret: bytes, timestamp: str, idempotency_key: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>\\n<idempotency key>\\n<body>`."""
    signed = f"{timestamp}\n{idempotency_key}\n".encode("ascii") + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def sign_v1(secret: bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` (deprecated: the key is not covered)."""
    return hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: str, idempotency_key: str, body: bytes) -> str:
    """`v2=<hex>,v1=<hex>`: v2 first, the one a current receiver checks."""
    v2 = sign_v2(secret, timestamp, idempotency_key, body)
    v1 = sign_v1(secret, timestamp, body)
    return f"{SIGNATURE_SCHEME}={v2},{LEGACY_SIGNATURE_SCHEME}={v1}"
