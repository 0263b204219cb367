"""`BlockReader`: one consistent read of a subgraph, never older than what we have seen.

The first request of a read asks for `block: {number_gte: <last block seen>}`; its answer's
`_meta.block` pins the read, and every later request asks for `block: {hash: <that hash>}`, so
all pages and collections of one poll describe the same block. An answer from an older block
(an indexer behind the one we had) or from another block than the pinned one is dropped and
retried: it is never used, so nothing we emit ever goes back in time.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dexwatch.connectors.thegraph.clock import Clock
from dexwatch.connectors.thegraph.errors import RetryableQueryError, StaleBlockError
from dexwatch.connectors.thegraph.graph_client import GraphAnswer, GraphClient
from dexwatch.connectors.thegraph.metrics import TheGraphMetrics
from dexwatch.connectors.thegraph.retry import with_retries
from dexwatch.connectors.thegraph.settings import RetrySettings

__all__ = ["BlockReader", "BlockRef", "parse_meta"]

_LOG = logging.getLogger("dexwatch.connectors.thegraph.block_reader")


class BlockRef(BaseModel):
    """A block: what `_meta.block` says, and what a checkpoint keeps."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    number: int = Field(ge=0)
    hash: str = Field(min_length=1, max_length=100)
    timestamp: int = Field(ge=0)


class _Meta(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    block: BlockRef
    hasIndexingErrors: bool = False


def parse_meta(data: Mapping[str, Any]) -> tuple[BlockRef, bool]:
    """The answer's block and its `hasIndexingErrors` flag."""
    try:
        meta = _Meta.model_validate(data.get("_meta"))
    except ValidationError as error:
        raise RetryableQueryError(
            f"the answer has no usable _meta.block ({error.error_count()} problem(s))",
            "protocol_error",
        ) from None
    return meta.block, meta.hasIndexingErrors


class BlockReader:
    """Reads at one block: at least `floor`, then pinned to the first answer's block."""

    def __init__(
        self,
        client: GraphClient,
        *,
        floor: BlockRef | None,
        retry: RetrySettings,
        clock: Clock,
        rng: random.Random,
        metrics: TheGraphMetrics,
    ) -> None:
        self._client = client
        self.floor = floor
        self.pinned: BlockRef | None = None
        self._retry = retry
        self._clock = clock
        self._rng = rng
        self._metrics = metrics
        self.indexing_error: str | None = None

    async def fetch(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The data of `document` at this read's block, retried as the policy allows."""
        return await with_retries(
            lambda: self._fetch_once(document, variables),
            self._retry,
            self._clock,
            self._rng,
            on_retry=lambda _error: self._metrics.retries.inc(),
        )

    async def _fetch_once(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        if self.pinned is not None:
            block: dict[str, Any] = {"hash": self.pinned.hash}
        else:
            block = {"number_gte": self.floor.number if self.floor is not None else 0}
        answer = await self._client.query(document, {**variables, "block": block})
        meta, has_indexing_errors = parse_meta(answer.data)
        self._check_not_stale(meta)
        self._metrics.block_number.set(meta.number)
        self._metrics.indexing_lag.set(max(0.0, self._clock.now() - meta.timestamp))
        self._alert_on_indexing_errors(answer, meta, has_indexing_errors)
        self.pinned = meta
        return answer.data

    def _check_not_stale(self, meta: BlockRef) -> None:
        if self.pinned is not None and meta.hash != self.pinned.hash:
            self._metrics.stale_answers.inc()
            raise StaleBlockError(
                f"asked for block {self.pinned.number} ({self.pinned.hash[:12]}...), "
                f"got block {meta.number}: answer dropped"
            )
        if self.floor is not None and meta.number < self.floor.number:
            self._metrics.stale_answers.inc()
            raise StaleBlockError(
                f"answer from block {meta.number}, older than block {self.floor.number} already "
                "seen (an indexer behind the last one): answer dropped"
            )

    def _alert_on_indexing_errors(
        self, answer: GraphAnswer, meta: BlockRef, has_indexing_errors: bool
    ) -> None:
        flagged = answer.indexing_error is not None or has_indexing_errors
        self._metrics.has_indexing_errors.set(1 if flagged else 0)
        if not flagged:
            return
        self._metrics.indexing_errors.inc()
        if self.indexing_error is None:
            self.indexing_error = answer.indexing_error or "hasIndexingErrors"
            _LOG.error(
                "ALERT: the subgraph reports indexing errors at block %d (%s); using its data "
                "as allowed (subgraphError: allow), but it may stop advancing or be incomplete",
                meta.number,
                self.indexing_error,
            )
