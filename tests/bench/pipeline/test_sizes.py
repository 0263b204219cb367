"""The sizes of a run: sane defaults, and a clear error naming a bad one."""

from __future__ import annotations

import pytest

from bench.pipeline.sizes import Sizes


def test_the_defaults_are_the_documented_runs() -> None:
    sizes = Sizes()
    assert (sizes.events, sizes.series, sizes.points) == (1_000_000, 10_000, 100)
    assert sizes.latency_envelopes == (1, 20)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"rate": 0}, "rate must be above 0, not 0"),
        ({"seconds": -1.0}, "seconds must be above 0"),
        ({"latency_envelopes": ()}, "latency_envelopes must be above 0, not ()"),
        ({"latency_envelopes": (1, 0)}, "latency_envelopes must be above 0"),
        ({"river_warmup": -1}, "river_warmup must be 0 or more"),
        ({"events": 10, "series": 20}, "events (10) must be at least series (20)"),
    ],
)
def test_a_bad_size_is_refused_naming_it(change: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("(", r"\(").replace(")", r"\)")):
        Sizes(**change)  # type: ignore[arg-type]


def test_no_warm_up_and_seed_zero_are_allowed() -> None:
    assert Sizes(river_warmup=0, seed=0, linger_ms=0).river_warmup == 0
