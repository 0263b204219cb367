"""Group related things: union of everything that shares a relation value (union-find).

`connected(values)` takes one set of relation values per item and returns the items in
groups: two items are in one group when a chain of shared values links them. `shared_group`
says what all members of a group have in common, as the incident's `group`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dexwatch.streams.datasets.alerting_config import TOKEN, AlertingConfig
from dexwatch.streams.incidents.relations import Relation, tokens_of

__all__ = ["connected", "shared_group"]


def connected(values: Sequence[Iterable[Relation]]) -> list[list[int]]:
    """Indices of `values` in groups; groups and members in order of first index."""
    parent = list(range(len(values)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[Relation, int] = {}
    for index, relations in enumerate(values):
        for relation in relations:
            first = owner.setdefault(relation, index)
            if first != index:
                high, low = sorted((root(first), root(index)), reverse=True)
                parent[high] = low
    groups: dict[int, list[int]] = {}
    for index in range(len(values)):
        groups.setdefault(root(index), []).append(index)
    return list(groups.values())


def shared_group(members: Iterable[Mapping[str, str]], alerting: AlertingConfig) -> dict[str, str]:
    """Dimension values every member has (and `token`: the tokens all pairs share, sorted,
    joined by ','), e.g. `{'chain': 'ethereum', 'token': 'WETH'}`; empty when none."""
    common: dict[str, str] | None = None
    tokens: set[str] | None = None
    for dimensions in members:
        items = dict(dimensions)
        common = items if common is None else {k: v for k, v in common.items() if items.get(k) == v}
        pair = dimensions.get(alerting.token_dimension)
        own = set(tokens_of(pair, alerting.token_separator)) if pair is not None else set()
        tokens = own if tokens is None else tokens & own
    group = dict(sorted((common or {}).items()))
    if TOKEN in alerting.relate_by and tokens and TOKEN not in group:
        group[TOKEN] = ",".join(sorted(tokens))
    return group
