"""Settings: the key comes from the environment or a file and never shows; bad ones are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexwatch.connectors.thegraph.settings import load_settings
from dexwatch.schemas.errors import ConfigError

KEY = "0123456789abcdef0123456789abcdef"
GATEWAY = (
    "https://gateway.thegraph.com/api/subgraphs/id/5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV"
)


def test_key_from_a_file_never_shows(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    settings = load_settings(endpoint=GATEWAY, api_key_file=key_file, top_pools=5)
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == KEY
    assert KEY not in repr(settings)
    assert KEY not in str(settings)


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_THEGRAPH_API_KEY", KEY)
    settings = load_settings(endpoint=GATEWAY, pools=["0xABC"])
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == KEY
    assert settings.pools == ("0xabc",)


def test_a_key_in_the_url_path_is_starred_out_of_the_repr() -> None:
    settings = load_settings(
        endpoint=f"https://gateway.thegraph.com/api/{KEY}/subgraphs/id/x", top_pools=1
    )
    assert KEY not in repr(settings)
    assert "/api/***/" in settings.safe_endpoint


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"top_pools": 1, "api_key": "short"}, "32 hexadecimal characters"),
        ({"top_pools": 1, "endpoint": "ftp://x"}, "endpoint: Value error, expected an http"),
        ({}, "either pools"),
        ({"top_pools": 1, "pools": ["0x1"]}, "either pools"),
        ({"top_pools": 1001}, "top_pools: Input should be less than or equal to 1000"),
        ({"top_pools": 1, "page_size": 5000}, "page_size"),
        ({"pools": ["pool-one"]}, "expected pool addresses"),
        ({"top_pools": 1, "schema_version": "v4"}, "schema_version"),
    ],
)
def test_bad_settings_name_the_field(values: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(**({"endpoint": GATEWAY} | values))
    assert expected in str(caught.value)


def test_a_bad_key_is_not_repeated_in_the_error() -> None:
    secret = "not-a-valid-key-but-still-secret"
    with pytest.raises(ConfigError) as caught:
        load_settings(endpoint=GATEWAY, top_pools=1, api_key=secret)
    assert secret not in str(caught.value)


def test_an_unreadable_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read api_key_file"):
        load_settings(endpoint=GATEWAY, top_pools=1, api_key_file=tmp_path / "missing")
