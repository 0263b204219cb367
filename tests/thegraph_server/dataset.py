"""A deterministic, seeded DEX history: a few dozen pools and their swaps, mints and burns.

Schema-neutral: `views.py` shows it as v3 or v2 entities as of any block. Pools differ a lot on
purpose (from a trade every few hours, so quiet hours are common, to dozens an hour), and every
number a subgraph sends as a string is kept exact (`Decimal`, 128-bit `int`s).
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

__all__ = [
    "BLOCK_SECONDS",
    "DEPEG_PRICE",
    "ChainEvent",
    "Dataset",
    "PoolHistory",
    "PoolProfile",
    "Token",
]

BLOCK_SECONDS = 12
FIRST_BLOCK = 19_000_000
Q96 = 2**96
DEPEG_PRICE = 0.97  # a stable pair's price after the injected depeg (`Dataset.depeg_at`)
_USD = Decimal("0.000001")

EventKind = Literal["swap", "mint", "burn"]

_TOKENS = (
    "WETH",
    "USDC",
    "USDT",
    "WBTC",
    "DAI",
    "LINK",
    "UNI",
    "AAVE",
    "MKR",
    "LDO",
    "PEPE",
    "CRV",
)
_FEE_TIERS = (100, 500, 3000, 10000)
_STABLECOINS = frozenset({"USDC", "USDT", "DAI"})


def _stable(symbol0: str, symbol1: str) -> bool:
    return symbol0 in _STABLECOINS and symbol1 in _STABLECOINS


def _hex(seed: int, *parts: object, length: int = 40) -> str:
    text = ":".join(str(part) for part in (seed, *parts))
    return "0x" + hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class Token:
    id: str
    symbol: str


@dataclass(frozen=True)
class PoolProfile:
    index: int
    id: str
    token0: Token
    token1: Token
    fee_tier: int
    created_at: int
    initial_tvl_usd: Decimal
    initial_liquidity: int
    initial_sqrt_price: int
    initial_volume_usd: Decimal
    initial_tx_count: int


@dataclass(frozen=True)
class ChainEvent:
    """One swap, mint or burn, with the pool's state right after it."""

    kind: EventKind
    pool: int
    block: int
    timestamp: int
    log_index: int
    tx_hash: str
    origin: str
    amount_usd: Decimal
    tvl_usd: Decimal
    liquidity: int
    sqrt_price: int


@dataclass
class PoolHistory:
    """A pool's events in chain order, with running totals for fast `as of block` views."""

    profile: PoolProfile
    events: list[ChainEvent] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    volume: list[Decimal] = field(default_factory=lambda: [Decimal(0)])
    hours: dict[int, tuple[int, int]] = field(default_factory=dict)

    def count_at(self, block: int) -> int:
        """How many of the pool's events happened at or before `block`."""
        return bisect.bisect_right(self.blocks, block)


class Dataset:
    """`pools` pools over `hours` hours from `start` (a Unix time on an hour), from `seed`.

    `depeg_at` (a Unix time inside the data): every pair of two stablecoins trades at
    `DEPEG_PRICE` from a swap at that time on, drifting back to its peg with later swaps.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        pools: int = 36,
        start: int = 1767571200,
        hours: int = 48,
        depeg_at: int | None = None,
    ):
        self.seed = seed
        self.depeg_at = depeg_at
        self.start = start // 3600 * 3600
        self.end = self.start + hours * 3600
        self.pools = [self._history(index) for index in range(pools)]
        self._number_events()

    def block_at(self, timestamp: float) -> int:
        """The last block at or before `timestamp` (clamped to the dataset)."""
        clamped = min(max(timestamp, self.start), self.end)
        return FIRST_BLOCK + int((clamped - self.start) // BLOCK_SECONDS)

    def block_timestamp(self, number: int) -> int:
        return self.start + (number - FIRST_BLOCK) * BLOCK_SECONDS

    def block_hash(self, number: int) -> str:
        """A 32-byte hash that also encodes the number (so a hash can be looked up)."""
        return _hex(self.seed, "block", number, length=48) + f"{number:016x}"

    def block_of_hash(self, block_hash: str) -> int | None:
        try:
            number = int(block_hash[-16:], 16)
        except ValueError:
            return None
        return number if self.block_hash(number) == block_hash.lower() else None

    def _history(self, index: int) -> PoolHistory:
        rng = random.Random(f"{self.seed}:pool:{index}")
        symbols = rng.sample(_TOKENS, 2)
        tvl = Decimal(str(round(math.exp(rng.uniform(math.log(2e5), math.log(3e8))), 2)))
        price = math.exp(rng.uniform(-8, 8))
        if _stable(*symbols):  # two dollar stablecoins trade at their peg
            price = 1.0
        profile = PoolProfile(
            index=index,
            id=_hex(self.seed, "pool", index),
            token0=Token(_hex(self.seed, "token", symbols[0]), symbols[0]),
            token1=Token(_hex(self.seed, "token", symbols[1]), symbols[1]),
            fee_tier=rng.choice(_FEE_TIERS),
            created_at=self.start - rng.randrange(86400, 86400 * 700),
            initial_tvl_usd=tvl,
            initial_liquidity=int(tvl * 10**12) * rng.randrange(1, 10**6),
            initial_sqrt_price=int(math.sqrt(price) * Q96),
            initial_volume_usd=(tvl * Decimal(rng.uniform(20, 400))).quantize(_USD),
            initial_tx_count=rng.randrange(10_000, 2_000_000),
        )
        history = PoolHistory(profile)
        trades_per_hour = math.exp(rng.uniform(math.log(0.15), math.log(30)))
        self._simulate(history, rng, trades_per_hour)
        return history

    def _simulate(self, history: PoolHistory, rng: random.Random, rate: float) -> None:
        profile = history.profile
        tvl, liquidity, sqrt_price = (
            profile.initial_tvl_usd,
            profile.initial_liquidity,
            profile.initial_sqrt_price,
        )
        fee = Decimal(profile.fee_tier) / Decimal(1_000_000)
        stable = _stable(profile.token0.symbol, profile.token1.symbol)
        moment = self.start + rng.expovariate(rate / 3600)
        depeg = stable and self.depeg_at is not None and self.start <= self.depeg_at < self.end
        while moment < self.end:
            if depeg and moment >= (self.depeg_at or 0):
                depeg = False
                sqrt_price = int(math.sqrt(DEPEG_PRICE) * Q96)
                history.events.append(self._depeg_swap(profile, tvl, liquidity, sqrt_price))
            draw = rng.random()
            kind: EventKind = "swap" if draw < 0.9 else ("mint" if draw < 0.95 else "burn")
            share = Decimal(math.exp(rng.uniform(math.log(1e-5), math.log(2e-2))))
            amount = (tvl * share).quantize(_USD)
            if kind == "swap":
                tvl += (amount * fee).quantize(_USD)
                move = 1 + float(share) * rng.choice((-0.5, 0.5))
                if stable:  # a few basis points around 1.0, pulled back to the peg
                    price = (sqrt_price / Q96) ** 2
                    move = (1 + (price - 1) * 0.8 + (move - 1) * 0.02) / price
                sqrt_price = int(sqrt_price * math.sqrt(move))
            elif kind == "mint":
                tvl += amount
                liquidity += int(liquidity * share)
            else:
                amount = min(amount, tvl / 2).quantize(_USD)
                tvl -= amount
                liquidity -= int(liquidity * min(share, Decimal("0.5")))
            block = self.block_at(moment)
            history.events.append(
                ChainEvent(
                    kind=kind,
                    pool=profile.index,
                    block=block,
                    timestamp=self.block_timestamp(block),
                    log_index=0,
                    tx_hash="",
                    origin=_hex(self.seed, "trader", profile.index, rng.randrange(40)),
                    amount_usd=amount,
                    tvl_usd=tvl,
                    liquidity=liquidity,
                    sqrt_price=sqrt_price,
                )
            )
            moment += rng.expovariate(rate / 3600)
        if depeg:  # no trade after the depeg's time: the depeg is the pool's last swap
            sqrt_price = int(math.sqrt(DEPEG_PRICE) * Q96)
            history.events.append(self._depeg_swap(profile, tvl, liquidity, sqrt_price))

    def _depeg_swap(
        self, profile: PoolProfile, tvl: Decimal, liquidity: int, sqrt_price: int
    ) -> ChainEvent:
        """The swap at `depeg_at` that knocks a stable pair off its peg (to `DEPEG_PRICE`)."""
        assert self.depeg_at is not None
        block = self.block_at(self.depeg_at)
        return ChainEvent(
            kind="swap",
            pool=profile.index,
            block=block,
            timestamp=self.block_timestamp(block),
            log_index=0,
            tx_hash="",
            origin=_hex(self.seed, "depeg", profile.index),
            amount_usd=(tvl * Decimal("0.3")).quantize(_USD),
            tvl_usd=tvl,
            liquidity=liquidity,
            sqrt_price=sqrt_price,
        )

    def _number_events(self) -> None:
        """Log indices per block across pools, transaction hashes, and the running totals."""
        in_block: dict[int, int] = {}
        for history in self.pools:
            numbered = []
            for event in history.events:
                log_index = in_block.get(event.block, 0)
                in_block[event.block] = log_index + 1
                tx_hash = _hex(self.seed, "tx", event.block, log_index, length=64)
                numbered.append(replace(event, log_index=log_index, tx_hash=tx_hash))
            history.events = numbered
            history.blocks = [event.block for event in numbered]
            for position, event in enumerate(numbered):
                volume = event.amount_usd if event.kind == "swap" else Decimal(0)
                history.volume.append(history.volume[-1] + volume)
                hour = event.timestamp // 3600 * 3600
                first, _ = history.hours.get(hour, (position, position))
                history.hours[hour] = (first, position + 1)
