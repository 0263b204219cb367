"""Reading whole collections page by page with an id cursor, never with `skip`.

`skip` has a per-indexer ceiling (5,000 or 20,000) and gets slower the deeper it goes; an
`id_gt` cursor over `orderBy: id` costs the same on every page and has no ceiling. Several
collections can be read in one request; each is asked again only while its last page was full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dexwatch.connectors.thegraph.block_reader import BlockReader
from dexwatch.connectors.thegraph.errors import RetryableQueryError
from dexwatch.connectors.thegraph.queries import PagedRoot, paged_document

__all__ = ["MAX_PAGE_SIZE", "fetch_pages"]

MAX_PAGE_SIZE = 1000  # The Graph's ceiling for `first`


async def fetch_pages(
    reader: BlockReader,
    operation: str,
    roots: Sequence[PagedRoot],
    variables: Mapping[str, tuple[str, Any]],
    page_size: int,
) -> dict[str, list[dict[str, Any]]]:
    """Every row of each of `roots`, by alias. `variables`: name -> (GraphQL type, value)."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, got {page_size}")
    types = {name: kind for name, (kind, _value) in variables.items()}
    values = {name: value for name, (_kind, value) in variables.items()}
    rows: dict[str, list[dict[str, Any]]] = {root.alias: [] for root in roots}
    after = {root.alias: "" for root in roots}
    pending = list(roots)
    while pending:
        document = paged_document(operation, types, pending)
        cursors = {f"after_{root.alias}": after[root.alias] for root in pending}
        data = await reader.fetch(document, {**values, **cursors, "first": page_size})
        still_pending = []
        for root in pending:
            page = _page(data, root.alias)
            rows[root.alias].extend(page)
            if len(page) >= page_size:
                after[root.alias] = _next_cursor(page, after[root.alias], root.alias)
                still_pending.append(root)
        pending = still_pending
    return rows


def _page(data: Mapping[str, Any], alias: str) -> list[dict[str, Any]]:
    page = data.get(alias)
    if not isinstance(page, list) or not all(isinstance(row, dict) for row in page):
        raise RetryableQueryError(
            f"the answer's {alias!r} is not a list of objects", "protocol_error"
        )
    return page


def _next_cursor(page: list[dict[str, Any]], previous: str, alias: str) -> str:
    last = page[-1].get("id")
    if not isinstance(last, str) or last <= previous:
        # A server that ignores id_gt would make us loop forever on the same page.
        raise RetryableQueryError(
            f"the {alias!r} cursor did not advance past {previous!r}", "protocol_error"
        )
    return last
