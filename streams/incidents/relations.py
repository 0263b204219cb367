"""What relates two anomalous series: a shared value of a relation dimension, or a token.

A series relates by itself (its key), and by each `relate_by` dimension it has. `token` is
derived from `token_dimension`: a pair `CRV-WETH` relates by the tokens CRV and WETH, so pools
of one token on any DEX fall into one incident.
"""

from __future__ import annotations

from collections.abc import Mapping

from dexwatch.streams.datasets.alerting_config import TOKEN, AlertingConfig

__all__ = ["SERIES", "Relation", "relation_values", "tokens_of"]

SERIES = "series"  # every series relates to itself: one incident across its measures
Relation = tuple[str, str]  # (dimension or "token" or "series", value)


def tokens_of(pair: str, separator: str) -> tuple[str, ...]:
    """`CRV-WETH` -> (`CRV`, `WETH`); empty parts dropped, order and duplicates kept out."""
    return tuple(dict.fromkeys(part for part in pair.split(separator) if part))


def relation_values(
    series: str, dimensions: Mapping[str, str], alerting: AlertingConfig
) -> frozenset[Relation]:
    """The values by which this series relates to others, itself included."""
    values: set[Relation] = {(SERIES, series)}
    for name in alerting.relate_by:
        if name == TOKEN:
            pair = dimensions.get(alerting.token_dimension)
            if pair is not None:
                values.update((TOKEN, token) for token in tokens_of(pair, alerting.token_separator))
        elif name in dimensions:
            values.add((name, dimensions[name]))
    return frozenset(values)
