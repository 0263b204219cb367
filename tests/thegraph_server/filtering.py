"""graph-node's collection arguments over rows: `where`, `orderBy`, `skip` and `first`.

Including its limits: `first` at most 1000 and `skip` at most 5000 (the ceiling some indexers
set), answered as the gateway answers a bad query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from tests.thegraph_server.views import Row

__all__ = ["MAX_FIRST", "MAX_SKIP", "select_rows"]

MAX_FIRST = 1000
MAX_SKIP = 5000

_NUMERIC = {
    "timestamp",
    "periodStartUnix",
    "hourStartUnix",
    "totalValueLockedUSD",
    "reserveUSD",
}
_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "_gt": lambda value, bound: value > bound,
    "_gte": lambda value, bound: value >= bound,
    "_lt": lambda value, bound: value < bound,
    "_lte": lambda value, bound: value <= bound,
    "_in": lambda value, bound: value in bound,
}


def _equal(value: Any, expected: Any) -> bool:
    return bool(value == expected)


def _value(row: Row, field: str) -> Any:
    value = row.get(field)
    if isinstance(value, dict):
        value = value.get("id")
    if field in _NUMERIC and value is not None:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return Decimal(0)
    return value


def _bound(field: str, bound: Any) -> Any:
    if field not in _NUMERIC:
        return bound
    if isinstance(bound, list):
        return [Decimal(str(item)) for item in bound]
    return Decimal(str(bound))


def _matches(row: Row, where: Mapping[str, Any]) -> bool:
    for key, bound in where.items():
        field: str = key
        test: Callable[[Any, Any], bool] = _equal
        for suffix, operator in _OPERATORS.items():
            if key.endswith(suffix):
                field, test = key[: -len(suffix)], operator
                break
        value = _value(row, field)
        if value is None or not test(value, _bound(field, bound)):
            return False
    return True


def select_rows(
    rows: Sequence[Row],
    *,
    first: int,
    skip: int,
    where: Mapping[str, Any] | None,
    order_by: str | None,
    order_direction: str | None,
) -> list[Row]:
    if not 0 <= first <= MAX_FIRST:
        raise GraphQLError(
            f"bad query: The `first` argument must be between 0 and {MAX_FIRST}, but is {first}"
        )
    if not 0 <= skip <= MAX_SKIP:
        raise GraphQLError(
            f"bad query: The `skip` argument must be between 0 and {MAX_SKIP}, but is {skip}"
        )
    selected = [row for row in rows if _matches(row, where or {})]
    field = order_by or "id"
    selected.sort(key=lambda row: (_value(row, field), row["id"]))
    if order_direction == "desc":
        selected.reverse()
    return selected[skip : skip + first]
