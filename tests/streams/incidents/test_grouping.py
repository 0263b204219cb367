"""Union of related things, and what a group shares."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dexwatch.streams.datasets import AlertingConfig
from dexwatch.streams.incidents.grouping import connected, shared_group
from dexwatch.streams.incidents.relations import Relation

relations = st.lists(
    st.frozensets(st.tuples(st.sampled_from(["dex", "token"]), st.sampled_from("abcdef"))),
    max_size=12,
)


@given(relations)
def test_groups_partition_the_items_and_never_share_a_value(
    items: list[frozenset[Relation]],
) -> None:
    groups = connected(items)
    assert sorted(i for group in groups for i in group) == list(range(len(items)))
    held = [frozenset().union(*(items[i] for i in group)) for group in groups]
    for first in range(len(held)):
        for second in range(first + 1, len(held)):
            assert not held[first] & held[second]
    for group in groups:  # each group is linked: no split without a shared value
        reached = {group[0]}
        values = set(items[group[0]])
        changed = True
        while changed:
            changed = False
            for index in group:
                if index not in reached and items[index] & values:
                    reached.add(index)
                    values |= items[index]
                    changed = True
        assert reached == set(group)


def test_a_chain_of_shared_values_links_items() -> None:
    a, b, c, d = ("token", "A"), ("token", "B"), ("dex", "x"), ("dex", "y")
    assert connected([{a}, {a, b}, {b, c}, {d}, set()]) == [[0, 1, 2], [3], [4]]


def test_a_group_shares_common_dimensions_and_tokens() -> None:
    alerting = AlertingConfig()
    members = [
        {"chain": "ethereum", "dex": "uniswap-v3", "pair": "CRV-WETH"},
        {"chain": "ethereum", "dex": "sushiswap", "pair": "WETH-USDC"},
    ]
    assert shared_group(members, alerting) == {"chain": "ethereum", "token": "WETH"}
    assert shared_group(members[:1], alerting)["token"] == "CRV,WETH"
    no_token = AlertingConfig(relate_by=("chain",))
    assert shared_group(members, no_token) == {"chain": "ethereum"}
    assert shared_group([{"host": "a"}, {"host": "b"}], alerting) == {}
