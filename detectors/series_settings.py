"""How each series is modelled and when it alerts: one typed, frozen set of settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SeriesModelSettings"]


class SeriesModelSettings(BaseModel):
    """How each series is modelled and when it alerts (defaults: tuned on NAB, one set)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warmup: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="Points before any verdict. Past it a young series still alerts only on "
        "large departures: its records are taken as at least what noise reaches in "
        "`record_block * record_blocks` points, fading as it sees them (full sensitivity then).",
    )
    transform: Literal["auto", "signed_log", "none"] = Field(
        default="auto",
        description="Applied to each measure first. `signed_log` (`sign(x) log1p(|x|)`) makes "
        "multiplicative changes additive and tames power-law tails (DeFi volumes, TVLs); on a "
        "measure near zero with additive noise (a percentage, an occupancy, counts) it stretches "
        "the low end, and a spike from 10 to 40 reads as a few sd. `auto` (the default, since "
        "streams mix both kinds) decides per measure, once, after `level_span / 2` points "
        "(on the signed log until then): the signed log if its coefficient of variation is "
        "above 1 (the exponential distribution's: a power-law tail) or its steps are small "
        "beside its level (`width * sd(step) < |mean|`: a TVL, a price), its own units "
        "otherwise. `none` never transforms.",
    )
    level_span: int = Field(default=150, ge=2, description="Points in the level's memory.")
    smooth_points: int = Field(default=6, ge=1, le=1000)
    slots_per_day: int = Field(
        default=24, ge=1, le=1440, description="Time-of-day slots (the week is kept by hour)."
    )
    season_span: int = Field(
        default=20, ge=2, description="Days (weeks for the week profile) in a slot's memory."
    )
    record_block: int = Field(default=375, ge=1, description="Records kept per block of points.")
    record_blocks: int = Field(default=4, ge=1, le=1000, description="Blocks a record lasts.")
    record_span_days: float = Field(
        default=30.0,
        ge=0.0,
        le=3650.0,
        description="A record also lasts at least this long in time: blocks grow beyond "
        "`record_block` points for series finer than span / blocks (0: points only).",
    )
    change_weight: float = Field(
        default=0.7,
        gt=0.0,
        le=1.0,
        description="The step view is the noisiest: its ratio is weighted down by this.",
    )
    repeat_block: int = Field(
        default=50, ge=1, description="The repeat guard remembers scores in blocks of points."
    )
    repeat_blocks: int = Field(default=3, ge=1, le=100)
    repeat_span_hours: float = Field(
        default=24.0,
        ge=0.0,
        le=24.0 * 3650,
        description="The repeat guard remembers at most about this long: its blocks shrink "
        "below `repeat_block` points for series coarser than span / blocks (0: points only). "
        "A departure on a later day is a new alert, not a repeat.",
    )
    repeat_damping: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="A score that does not beat the recent ones is multiplied by this.",
    )
    alert_threshold: float = Field(
        default=0.55, gt=0.0, lt=1.0, description="Alert at this score (0.5 = the record)."
    )
    band_width: float = Field(default=3.0, gt=0.0, description="Half-width of bands, in sd.")
    gap_factor: float = Field(
        default=3.0, gt=1.0, description="A step longer than this many usual steps is a gap."
    )
    resolution: float = Field(
        default=1e-4,
        ge=0.0,
        lt=1.0,
        description="Relative resolution of a measure: no spread is taken below this fraction "
        "of the value (nor below the smallest step the measure has taken), so a one-tick move "
        "on a flat series is about one sd. 1e-4: four significant digits.",
    )
    joint_trees: int = Field(
        default=8,
        ge=0,
        le=64,
        description="Half-Space Trees of the joint view, for series of two or more measures "
        "(0: no joint view). It sees a point where measures move together, each inside its "
        "own band, but jointly unusual.",
    )
    joint_weight: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0,
        description="The joint view's ratio is weighted by this (as `change_weight`). 1.0 since "
        "its band learns over the record's horizon; 0.85 was chosen against a band whose spread "
        "followed sampling luck (docs/benchmarks.md).",
    )
    joint_height: int = Field(default=6, ge=1, le=10, description="Depth of each joint tree.")
    joint_window: int = Field(
        default=250,
        ge=10,
        le=255,
        description="Points in a joint tree's mass window, as river's default (the view is silent "
        "for the first).",
    )
    ratios: tuple[tuple[str, str], ...] = Field(
        default=(), description="Derived measures numerator/denominator, e.g. volume/TVL."
    )
    max_contributions: int = Field(default=3, ge=1)
