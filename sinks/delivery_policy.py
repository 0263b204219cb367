"""When to try a delivery again: exponential backoff with full jitter, a ceiling, a limit.

After failed attempt n (1 for the first) the wait is drawn uniformly from [0, d] with
d = min(max_delay_s, base_delay_s * 2**(n-1)) ("full jitter": sinks that failed together do not
retry together). When the destination said how long to wait (HTTP 429 `Retry-After`), that
wait, capped at `retry_after_cap_s`, is a floor under the drawn one. After `max_attempts`
attempts the alert is dead-lettered.
"""

from __future__ import annotations

import random
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["DeliveryPolicy"]


class DeliveryPolicy(BaseModel):
    """How hard a sink tries. The defaults ride out an outage of about twenty minutes (50
    attempts, up to a minute apart, half a minute on average) before an alert is dead-lettered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_delay_s: float = Field(default=1.0, gt=0, le=600, description="The first wait's ceiling.")
    max_delay_s: float = Field(default=60.0, gt=0, le=3600, description="The longest drawn wait.")
    max_attempts: int = Field(
        default=50, ge=1, le=100_000, description="Attempts before the alert is dead-lettered."
    )
    retry_after_cap_s: float = Field(
        default=900.0, gt=0, le=86_400, description="The longest Retry-After honoured."
    )
    request_timeout_s: float = Field(
        default=10.0, gt=0, le=300, description="One attempt's limit, connecting included."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_delay_s < self.base_delay_s:
            raise ValueError("max_delay_s must be at least base_delay_s")
        return self

    def ceiling(self, attempt: int) -> float:
        """The upper bound of the wait after failed attempt `attempt` (1 for the first)."""
        if attempt < 1:
            raise ValueError(f"attempts count from 1, got {attempt}")
        return min(self.max_delay_s, self.base_delay_s * 2.0 ** min(attempt - 1, 60))

    def delay(self, attempt: int, rng: random.Random, retry_after_s: float | None = None) -> float:
        """Seconds to wait after failed attempt `attempt` before the next one."""
        drawn = rng.uniform(0.0, self.ceiling(attempt))
        if retry_after_s is None:
            return drawn
        return max(drawn, min(max(retry_after_s, 0.0), self.retry_after_cap_s))
