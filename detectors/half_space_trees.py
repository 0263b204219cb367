"""Half-Space Trees (river's) with an explicit warm-up that also learns the feature limits."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from river.anomaly import HalfSpaceTrees

from detectors.base import Features, Score

__all__ = ["HalfSpaceTreesDetector"]


class HalfSpaceTreesDetector:
    """river's `HalfSpaceTrees`, built once `warmup` points have been seen.

    River's trees split a fixed box of feature space, [0, 1] unless told otherwise; scaling
    features online (river's `MinMaxScaler`) moves the box under the trees. Here the box is
    fixed from the warm-up points, widened by `limit_margin` times their range on each side,
    and the warm-up points then fill the first reference window, so scoring starts at once.
    """

    def __init__(
        self,
        n_trees: int = 10,
        height: int = 8,
        window_size: int = 100,
        warmup: int = 100,
        limit_margin: float = 0.5,
        seed: int = 42,
    ) -> None:
        if warmup < window_size:
            raise ValueError(f"warmup ({warmup}) must be at least window_size ({window_size})")
        self.n_trees = n_trees
        self.height = height
        self.window_size = window_size
        self.warmup = warmup
        self.limit_margin = limit_margin
        self.seed = seed
        self._buffer: list[dict[str, float]] = []
        # Any: river's HalfSpaceTrees methods carry no type annotations.
        self._model: Any = None

    @property
    def warming_up(self) -> bool:
        return self._model is None

    def score_one(self, x: Features) -> Score:
        if self._model is None:
            return Score(0.0, warming_up=True)
        return Score(float(self._model.score_one(dict(x))), warming_up=False)

    def learn_one(self, x: Features) -> None:
        if self._model is not None:
            self._model.learn_one(dict(x))
            return
        self._buffer.append(dict(x))
        if len(self._buffer) >= self.warmup:
            self._model = HalfSpaceTrees(
                n_trees=self.n_trees,
                height=self.height,
                window_size=self.window_size,
                limits=self._limits(),
                seed=self.seed,
            )
            for point in self._buffer:
                self._model.learn_one(point)
            self._buffer = []

    def _limits(self) -> dict[Hashable, tuple[float, float]]:
        limits: dict[Hashable, tuple[float, float]] = {}
        for name in self._buffer[0]:
            values = [point[name] for point in self._buffer]
            low, high = min(values), max(values)
            # A constant feature still needs a box with some width around it.
            pad = self.limit_margin * (high - low) or max(abs(high) * 0.1, 1.0)
            limits[name] = (low - pad, high + pad)
        return limits
