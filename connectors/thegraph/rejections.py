"""Upstream rows we refused, kept whole with the reason for the dead-letter topic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from dexwatch.connectors.thegraph.errors import UpstreamValueError
from dexwatch.schemas.dead_letter import DeadLetterRecord

__all__ = ["Rejection", "dead_letter", "row_id"]


@dataclass(frozen=True)
class Rejection:
    """Row `entity_id` of collection `entity` (e.g. `poolHourDatas`), and why it was refused."""

    entity: str
    entity_id: str
    row: Mapping[str, Any]
    error: UpstreamValueError


def row_id(row: Mapping[str, Any]) -> str:
    """The row's id as text, whatever upstream sent, for messages and keys."""
    value = row.get("id")
    return value[:200] if isinstance(value, str) and value else "(no id)"


def dead_letter(rejection: Rejection, source: str, failed_at: datetime) -> DeadLetterRecord:
    """The dead-letter record of `rejection`; `source` is e.g. `thegraph:ethereum:uniswap-v3`."""
    return DeadLetterRecord(
        original=orjson.dumps(rejection.row, option=orjson.OPT_SORT_KEYS),
        original_key=rejection.entity_id.encode(),
        source=f"{source}:{rejection.entity}"[:200],
        reason_kind=rejection.error.reason,
        reason=f"{rejection.entity} {rejection.entity_id}: {rejection.error}",
        failed_at=failed_at,
    )
