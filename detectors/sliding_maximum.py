"""The largest value seen over roughly the last `block * blocks` points, in `blocks + 1` floats."""

from __future__ import annotations

from array import array

__all__ = ["SlidingMaximum"]


class SlidingMaximum:
    """Maxima of the last `blocks` full blocks of `block` points, plus the block being filled.

    An exact sliding-window maximum needs the whole window; block maxima forget in steps of
    `block` points, which is close enough to judge "is this the largest in a long while?".
    """

    def __init__(self, block: int = 250, blocks: int = 6) -> None:
        self.block = block
        self.blocks = blocks
        self._maxima = array("d", [0.0] * blocks)
        self._current = 0.0
        self._filled = 0  # points in the current block
        self._next = 0  # ring position of the next full block

    @property
    def value(self) -> float:
        return max(max(self._maxima), self._current)

    def learn(self, value: float) -> None:
        if value > self._current:
            self._current = value
        self._filled += 1
        if self._filled == self.block:
            self._maxima[self._next] = self._current
            self._next = (self._next + 1) % self.blocks
            self._current = 0.0
            self._filled = 0

    def state(self) -> tuple[list[float], float, int, int]:
        return list(self._maxima), self._current, self._filled, self._next

    def restore(self, maxima: list[float], current: float, filled: int, position: int) -> None:
        self._maxima = array("d", maxima)
        self._current, self._filled, self._next = current, filled, position
