"""What a webhook receiver runs to check a delivery came from dexwatch: the documented code.

`verify_signature` below is printed verbatim in docs/sinks.md (a test keeps the two equal);
it needs only the standard library, so a receiver can copy it, with a `SignatureError` of its
own. Receivers should also drop a repeated `Idempotency-Key` they already took.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from schemas.errors import DexwatchError

__all__ = ["TOLERANCE_S", "SignatureError", "verify_signature"]

TOLERANCE_S = 300  # five minutes


class SignatureError(DexwatchError, ValueError):
    """The request was not signed with our secret, or was signed too long ago (a replay)."""


def verify_signature(
    secret: bytes,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance_s: float = TOLERANCE_S,
) -> None:
    """Raise SignatureError unless `signature` (the X-Dexwatch-Signature header) is ours for
    `timestamp` (X-Dexwatch-Timestamp) and the raw `body`, signed within `tolerance_s`."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Dexwatch-Timestamp or X-Dexwatch-Signature")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise SignatureError("X-Dexwatch-Timestamp is not Unix seconds")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance_s:
        raise SignatureError("timestamp too old or too far ahead: a replay, or a wrong clock")
    signed = timestamp.encode("ascii") + b"." + body
    expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
    for part in signature.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return
    raise SignatureError("signature does not match: another secret, or a changed body")
