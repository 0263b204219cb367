"""What a webhook receiver runs to check a delivery came from dexwatch: the documented code.

`verify_signature` below is printed verbatim in docs/sinks.md (a test keeps the two equal);
it needs only the standard library, so a receiver can copy it, with a `SignatureError` of its
own. Receivers should also drop a repeated `Idempotency-Key` they already took.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from dexwatch.schemas.errors import DexwatchError

__all__ = ["TOLERANCE_S", "SignatureError", "verify_signature"]

TOLERANCE_S = 300  # five minutes


class SignatureError(DexwatchError, ValueError):
    """The request was not signed with our secret, or was signed too long ago (a replay)."""


def verify_signature(
    secret: bytes,
    body: bytes,
    timestamp: str | None,
    idempotency_key: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance_s: float = TOLERANCE_S,
    accept_v1: bool = True,
) -> None:
    """Raise SignatureError unless `signature` (the X-Dexwatch-Signature header) is ours for
    `timestamp` (X-Dexwatch-Timestamp), `idempotency_key` (Idempotency-Key) and the raw `body`,
    signed within `tolerance_s`. `accept_v1`: also take the deprecated v1 scheme (until 0.3.0)."""
    if not timestamp or not idempotency_key or not signature:
        raise SignatureError(
            "missing X-Dexwatch-Timestamp, Idempotency-Key or X-Dexwatch-Signature"
        )
    if not timestamp.isascii() or not timestamp.isdigit():
        raise SignatureError("X-Dexwatch-Timestamp is not Unix seconds")
    # Printable ASCII has no line break: the v2 signed text splits into its parts one way only.
    if not idempotency_key.isascii() or not idempotency_key.isprintable():
        raise SignatureError("Idempotency-Key is not printable ASCII")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance_s:
        raise SignatureError("timestamp too old or too far ahead: a replay, or a wrong clock")
    signed_v2 = f"{timestamp}\n{idempotency_key}\n".encode("ascii") + body
    expected_v2 = hmac.new(secret, signed_v2, hashlib.sha256).hexdigest()
    signed_v1 = timestamp.encode("ascii") + b"." + body
    expected_v1 = hmac.new(secret, signed_v1, hashlib.sha256).hexdigest()
    v1_matched = False
    for part in signature.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == "v2" and hmac.compare_digest(value.encode(), expected_v2.encode()):
            return
        if (
            scheme == "v1"
            and accept_v1
            and hmac.compare_digest(value.encode(), expected_v1.encode())
        ):
            v1_matched = True
    if not v1_matched:
        raise SignatureError("signature does not match: another secret, or a changed body or key")
    # v1 does not sign the key: take it only as the one the signed body names, so a captured
    # request resent under a new key (or with its v2 part cut off) is still refused.
    try:
        event = json.loads(body)
        named = f"{event['incident_id']}:{event['version']}"
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureError("a v1 signature over a body that is not an incident event") from error
    if idempotency_key != named:
        raise SignatureError("Idempotency-Key is not the one the v1-signed body names: a replay")
