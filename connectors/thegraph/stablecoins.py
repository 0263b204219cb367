"""Which token symbols are US-dollar stablecoins: a pool of two of them should trade at 1.0.

The connector marks such pools with the dimension `stable_pair=true`, so a dataset can watch
their peg (`deploy/datasets/stablecoin-pegs.yaml`). Symbols are compared case-blind; a token
whose symbol is not here (a new stablecoin, or a bridged one under another name) is not taken
for one: add it here.
"""

from __future__ import annotations

__all__ = ["STABLECOINS", "is_stable_pair"]

STABLECOINS = frozenset(
    {
        "USDC",
        "USDT",
        "DAI",
        "USDS",
        "FRAX",
        "LUSD",
        "TUSD",
        "USDP",
        "GUSD",
        "PYUSD",
        "USDE",
        "GHO",
        "CRVUSD",
        "SUSD",
        "BUSD",
        "FDUSD",
        "RLUSD",
        "USD0",
        "DOLA",
        "USDC.E",
        "USDBC",
        "USDT0",
    }
)


def is_stable_pair(symbol0: str, symbol1: str) -> bool:
    """True when both tokens are dollar stablecoins."""
    return symbol0.upper() in STABLECOINS and symbol1.upper() in STABLECOINS
