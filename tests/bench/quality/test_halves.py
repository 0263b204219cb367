"""The two fixed halves: sorted by key, A the even positions (tune), B the odd (report)."""

from __future__ import annotations

from bench.quality.halves import half_letters, split_halves


def test_halves_alternate_over_the_sorted_keys() -> None:
    halves = split_halves(["d", "b", "a", "e", "c"], key=str)
    assert halves.tune == ["a", "c", "e"]
    assert halves.report == ["b", "d"]
    assert [name for name, _ in halves.named()] == ["half A (tune)", "half B (report)"]


def test_the_split_does_not_depend_on_the_input_order() -> None:
    keys = [f"cat/{index:02}.csv" for index in range(9)]
    assert split_halves(keys, key=str) == split_halves(reversed(keys), key=str)


def test_items_are_split_by_their_key() -> None:
    items = [("z", 1), ("y", 2), ("x", 3)]
    halves = split_halves(items, key=lambda item: item[0])
    assert (halves.tune, halves.report) == ([("x", 3), ("z", 1)], [("y", 2)])


def test_half_letters() -> None:
    assert half_letters(["b", "a", "c"]) == {"a": "A", "b": "B", "c": "A"}
