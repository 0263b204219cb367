"""What relates two series: shared dimension values, tokens of a pair, and itself."""

from __future__ import annotations

from dexwatch.streams.datasets import AlertingConfig
from dexwatch.streams.incidents.relations import relation_values, tokens_of


def test_a_pair_gives_its_tokens() -> None:
    assert tokens_of("CRV-WETH", "-") == ("CRV", "WETH")
    assert tokens_of("WETH-WETH", "-") == ("WETH",)
    assert tokens_of("USDC/USDT", "/") == ("USDC", "USDT")
    assert tokens_of("-", "-") == ()


def test_a_series_relates_by_itself_and_its_configured_dimensions() -> None:
    dimensions = {"chain": "ethereum", "dex": "curve", "pair": "DAI-USDC", "pool": "0x1"}
    assert relation_values("s", dimensions, AlertingConfig()) == {
        ("series", "s"),
        ("token", "DAI"),
        ("token", "USDC"),
        ("dex", "curve"),
        ("chain", "ethereum"),
    }
    only_pool = AlertingConfig(relate_by=("pool",))
    assert relation_values("s", dimensions, only_pool) == {("series", "s"), ("pool", "0x1")}
    assert relation_values("s", {"host": "a"}, AlertingConfig()) == {("series", "s")}
