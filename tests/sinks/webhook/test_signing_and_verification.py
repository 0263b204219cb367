"""Signatures: what the sink signs, the documented receiver code accepts; nothing else."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from dexwatch.sinks.webhook.signing import sign_v1, sign_v2, signature_header
from dexwatch.sinks.webhook.verification import TOLERANCE_S, SignatureError, verify_signature

SECRET = b"shared-secret-of-at-least-16"
BODY = b'{"incident_id":"abc","version":2}'
KEY = "abc:2"  # what this body's sink sends: <incident_id>:<version>
NOW = 1_767_697_200.0
SENT = str(int(NOW))


def v2_only(secret: bytes, timestamp: str, key: str, body: bytes) -> str:
    return f"v2={sign_v2(secret, timestamp, key, body)}"


def v1_only(secret: bytes, timestamp: str, body: bytes) -> str:
    """What a sink before v2 sent (and what is left of a header with its v2 part cut off)."""
    return f"v1={sign_v1(secret, timestamp, body)}"


def test_v2_is_hmac_sha256_of_timestamp_key_and_body_on_lines() -> None:
    expected = hmac.new(SECRET, f"{SENT}\n{KEY}\n".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_v2(SECRET, SENT, KEY, BODY) == expected


def test_v1_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{SENT}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_v1(SECRET, SENT, BODY) == expected


def test_the_sink_sends_v2_then_the_deprecated_v1() -> None:
    v2, v1 = sign_v2(SECRET, SENT, KEY, BODY), sign_v1(SECRET, SENT, BODY)
    assert signature_header(SECRET, SENT, KEY, BODY) == f"v2={v2},v1={v1}"


def test_round_trip() -> None:
    verify_signature(SECRET, BODY, SENT, KEY, signature_header(SECRET, SENT, KEY, BODY), now=NOW)


def test_v2_alone_passes_with_v1_turned_off() -> None:
    header = v2_only(SECRET, SENT, KEY, BODY)
    verify_signature(SECRET, BODY, SENT, KEY, header, now=NOW, accept_v1=False)


@pytest.mark.parametrize("age", [-TOLERANCE_S, -60, 0, 60, TOLERANCE_S])
def test_within_five_minutes_either_way_passes(age: int) -> None:
    sent = str(int(NOW) - age)
    verify_signature(SECRET, BODY, sent, KEY, signature_header(SECRET, sent, KEY, BODY), now=NOW)


def test_a_tampered_body_fails() -> None:
    header = signature_header(SECRET, SENT, KEY, BODY)
    tampered = BODY.replace(b'"version":2', b'"version":3')
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, tampered, SENT, KEY, header, now=NOW)


def test_a_replay_under_a_new_key_fails() -> None:
    """The replay v1 let through: the same request, within the window, with a fresh key."""
    header = signature_header(SECRET, SENT, KEY, BODY)
    with pytest.raises(SignatureError, match="not the one the v1-signed body names"):
        verify_signature(SECRET, BODY, SENT, "abc:2-replayed", header, now=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, BODY, SENT, "abc:2-replayed", header, now=NOW, accept_v1=False)


def test_a_replay_with_the_v2_part_cut_off_and_a_new_key_fails() -> None:
    """Downgrading to v1 does not help: v1 is taken only for the key its signed body names."""
    with pytest.raises(SignatureError, match="not the one the v1-signed body names"):
        verify_signature(SECRET, BODY, SENT, "other:1", v1_only(SECRET, SENT, BODY), now=NOW)


def test_a_v1_only_sender_is_accepted_during_the_deprecation() -> None:
    verify_signature(SECRET, BODY, SENT, KEY, v1_only(SECRET, SENT, BODY), now=NOW)


def test_v1_is_refused_once_turned_off() -> None:
    header = v1_only(SECRET, SENT, BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, BODY, SENT, KEY, header, now=NOW, accept_v1=False)


def test_v1_over_a_body_that_names_no_key_fails() -> None:
    body = b'{"something":"else"}'
    with pytest.raises(SignatureError, match="not an incident event"):
        verify_signature(SECRET, body, SENT, KEY, v1_only(SECRET, SENT, body), now=NOW)


def test_key_and_body_cannot_trade_bytes() -> None:
    """A line break would let bytes move between key and body under one v2 signature."""
    moved = KEY + "\n" + BODY[:5].decode()
    header = v2_only(SECRET, SENT, KEY, BODY)
    with pytest.raises(SignatureError, match="not printable ASCII"):
        verify_signature(SECRET, BODY[5:], SENT, moved, header, now=NOW)


def test_a_stale_timestamp_fails_even_with_a_good_signature() -> None:
    stale = str(int(NOW) - TOLERANCE_S - 1)
    header = signature_header(SECRET, stale, KEY, BODY)
    with pytest.raises(SignatureError, match="too old"):
        verify_signature(SECRET, BODY, stale, KEY, header, now=NOW)


def test_a_timestamp_from_the_future_fails() -> None:
    ahead = str(int(NOW) + TOLERANCE_S + 1)
    header = signature_header(SECRET, ahead, KEY, BODY)
    with pytest.raises(SignatureError, match="too far ahead"):
        verify_signature(SECRET, BODY, ahead, KEY, header, now=NOW)


def test_a_changed_timestamp_fails() -> None:
    """Replaying a body under a fresh timestamp needs the secret."""
    fresh = str(int(NOW) + 1)
    header = signature_header(SECRET, SENT, KEY, BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, BODY, fresh, KEY, header, now=NOW)


def test_another_secret_fails() -> None:
    header = signature_header(b"another-secret-entirely", SENT, KEY, BODY)
    with pytest.raises(SignatureError):
        verify_signature(SECRET, BODY, SENT, KEY, header, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "key", "signature", "message"),
    [
        (None, KEY, "v2=00", "missing"),
        (SENT, KEY, None, "missing"),
        (SENT, None, "v2=00", "missing"),
        (SENT, "", "v2=00", "missing"),
        ("", KEY, "v2=00", "missing"),
        ("12.5", KEY, "v2=00", "not Unix seconds"),
        ("-5", KEY, "v2=00", "not Unix seconds"),
        ("\uff11\uff12\uff13", KEY, "v2=00", "not Unix seconds"),  # fullwidth: isdigit()
        (SENT, "abc:\u00e9", "v2=00", "not printable ASCII"),
        (SENT, KEY, "v0=" + sign_v2(SECRET, SENT, KEY, BODY), "does not match"),  # unknown scheme
        (SENT, KEY, sign_v2(SECRET, SENT, KEY, BODY), "does not match"),  # no scheme at all
    ],
)
def test_malformed_headers_fail(
    timestamp: str | None, key: str | None, signature: str | None, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_signature(SECRET, BODY, timestamp, key, signature, now=NOW)


def test_any_of_several_signatures_may_match() -> None:
    """A sender rotating secrets may sign with both: `v2=<old>,v1=<old>,v2=<new>,v1=<new>`."""
    old = signature_header(b"the-old-secret-xxxxxx", SENT, KEY, BODY)
    header = f"{old},{signature_header(SECRET, SENT, KEY, BODY)}"
    verify_signature(SECRET, BODY, SENT, KEY, header, now=NOW, accept_v1=False)


def test_signature_error_is_a_dexwatch_error_and_a_value_error() -> None:
    from dexwatch.schemas.errors import DexwatchError

    assert issubclass(SignatureError, DexwatchError)
    assert issubclass(SignatureError, ValueError)
