"""Signatures: what the sink signs, the documented receiver code accepts; nothing else."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sinks.webhook.signing import sign, signature_header
from sinks.webhook.verification import TOLERANCE_S, SignatureError, verify_signature

SECRET = b"shared-secret-of-at-least-16"
BODY = b'{"incident_id":"abc","version":2}'
NOW = 1_767_697_200.0
SENT = str(int(NOW))


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{SENT}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, SENT, BODY) == expected
    assert signature_header(SECRET, SENT, BODY) == f"v1={expected}"


def test_round_trip() -> None:
    verify_signature(SECRET, BODY, SENT, signature_header(SECRET, SENT, BODY), now=NOW)


@pytest.mark.parametrize("age", [-TOLERANCE_S, -60, 0, 60, TOLERANCE_S])
def test_within_five_minutes_either_way_passes(age: int) -> None:
    sent = str(int(NOW) - age)
    verify_signature(SECRET, BODY, sent, signature_header(SECRET, sent, BODY), now=NOW)


def test_a_tampered_body_fails() -> None:
    header = signature_header(SECRET, SENT, BODY)
    tampered = BODY.replace(b'"version":2', b'"version":3')
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, tampered, SENT, header, now=NOW)


def test_a_stale_timestamp_fails_even_with_a_good_signature() -> None:
    stale = str(int(NOW) - TOLERANCE_S - 1)
    with pytest.raises(SignatureError, match="too old"):
        verify_signature(SECRET, BODY, stale, signature_header(SECRET, stale, BODY), now=NOW)


def test_a_timestamp_from_the_future_fails() -> None:
    ahead = str(int(NOW) + TOLERANCE_S + 1)
    with pytest.raises(SignatureError, match="too far ahead"):
        verify_signature(SECRET, BODY, ahead, signature_header(SECRET, ahead, BODY), now=NOW)


def test_a_changed_timestamp_fails() -> None:
    """Replaying a body under a fresh timestamp needs the secret."""
    fresh = str(int(NOW) + 1)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, BODY, fresh, signature_header(SECRET, SENT, BODY), now=NOW)


def test_another_secret_fails() -> None:
    header = signature_header(b"another-secret-entirely", SENT, BODY)
    with pytest.raises(SignatureError):
        verify_signature(SECRET, BODY, SENT, header, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "message"),
    [
        (None, "v1=00", "missing"),
        (SENT, None, "missing"),
        ("", "v1=00", "missing"),
        ("12.5", "v1=00", "not Unix seconds"),
        ("-5", "v1=00", "not Unix seconds"),
        ("\uff11\uff12\uff13", "v1=00", "not Unix seconds"),  # fullwidth: isdigit(), not ASCII
        (SENT, "v0=" + sign(SECRET, SENT, BODY), "does not match"),  # unknown scheme
        (SENT, sign(SECRET, SENT, BODY), "does not match"),  # no scheme at all
    ],
)
def test_malformed_headers_fail(timestamp: str | None, signature: str | None, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_signature(SECRET, BODY, timestamp, signature, now=NOW)


def test_any_of_several_signatures_may_match() -> None:
    """A sender rotating secrets may sign with both: `v1=<old>,v1=<new>`."""
    old = signature_header(b"the-old-secret-xxxxxx", SENT, BODY)
    header = f"{old},{signature_header(SECRET, SENT, BODY)}"
    verify_signature(SECRET, BODY, SENT, header, now=NOW)


def test_signature_error_is_a_dexwatch_error_and_a_value_error() -> None:
    from schemas.errors import DexwatchError

    assert issubclass(SignatureError, DexwatchError)
    assert issubclass(SignatureError, ValueError)
