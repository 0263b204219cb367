"""docs/sinks.md's receiver code is the module's, and it refuses what it must when run."""

from __future__ import annotations

import inspect
import re
import time
from pathlib import Path
from typing import Any

import pytest

from dexwatch.sinks.webhook import verification
from dexwatch.sinks.webhook.signing import signature_header

DOC = Path(__file__).parents[3] / "docs" / "sinks.md"
SECRET = b"documented-secret-123"
BODY = b'{"incident_id":"abc","version":1}'
KEY = "abc:1"


@pytest.fixture(scope="module")
def documented() -> dict[str, Any]:
    """The doc's verification block, run as a receiver would after copying it."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    (code,) = [block for block in blocks if "def verify_signature" in block]
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def test_the_doc_shows_the_modules_code_verbatim() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert inspect.getsource(verification.verify_signature) in text
    assert f"TOLERANCE_S = {verification.TOLERANCE_S}  # five minutes" in text


def test_the_documented_code_accepts_a_fresh_signature(documented: dict[str, Any]) -> None:
    now = str(int(time.time()))
    header = signature_header(SECRET, now, KEY, BODY)
    documented["verify_signature"](SECRET, BODY, now, KEY, header, accept_v1=False)


def test_the_documented_code_refuses_a_tampered_body(documented: dict[str, Any]) -> None:
    now = str(int(time.time()))
    with pytest.raises(documented["SignatureError"], match="does not match"):
        documented["verify_signature"](
            SECRET, BODY + b" ", now, KEY, signature_header(SECRET, now, KEY, BODY)
        )


def test_the_documented_code_refuses_a_stale_timestamp(documented: dict[str, Any]) -> None:
    stale = str(int(time.time()) - 5 * 60 - 1)
    header = signature_header(SECRET, stale, KEY, BODY)
    with pytest.raises(documented["SignatureError"], match="too old"):
        documented["verify_signature"](SECRET, BODY, stale, KEY, header)


def test_the_documented_code_refuses_a_replay_under_a_new_key(documented: dict[str, Any]) -> None:
    now = str(int(time.time()))
    header = signature_header(SECRET, now, KEY, BODY)
    with pytest.raises(documented["SignatureError"], match="a replay"):
        documented["verify_signature"](SECRET, BODY, now, "abc:1-again", header)
