"""Only final hours are emitted; quiet hours carry the state with zero flows; refused are gaps."""

from __future__ import annotations

from decimal import Decimal

from dexwatch.connectors.thegraph.hour_filling import fill_hours, final_hours_end
from dexwatch.connectors.thegraph.records import PoolHour, PoolIdentity, PoolState

POOL = PoolIdentity("0xpool", "WETH-USDC")
H = 1767571200


def state(tvl: int) -> PoolState:
    return PoolState(tvl_usd=Decimal(tvl), liquidity=Decimal(10**30), price=Decimal("0.5"))


def hour(start: int, tvl: int, volume: int) -> PoolHour:
    return PoolHour("0xpool", start, state(tvl), Decimal(volume), Decimal(volume) / 100, 3)


def test_an_hour_is_final_only_once_the_block_is_past_its_end() -> None:
    assert final_hours_end(H + 3599) == H
    assert final_hours_end(H + 3600) == H + 3600


def test_quiet_hours_carry_the_state_with_zero_flows() -> None:
    rows = {H: hour(H, 100, 50), H + 3 * 3600: hour(H + 3 * 3600, 90, 20)}
    result = fill_hours(
        POOL, rows, set(), last_hour=None, state=None, first_hour=H, end=H + 4 * 3600
    )
    assert [point.time for point in result.points] == [H + n * 3600 for n in range(4)]
    assert [point.filled for point in result.points] == [False, True, True, False]
    quiet = result.points[1]
    assert (quiet.state.tvl_usd, quiet.volume_usd, quiet.fees_usd, quiet.tx_count) == (
        Decimal(100),
        Decimal(0),
        Decimal(0),
        0,
    )
    assert result.filled == 2
    assert result.last_hour == H + 3 * 3600
    assert result.state == state(90)


def test_nothing_before_the_first_known_state_and_resume_after_last_hour() -> None:
    rows = {H + 3600: hour(H + 3600, 100, 5)}
    first = fill_hours(POOL, rows, set(), last_hour=None, state=None, first_hour=H, end=H + 7200)
    assert [point.time for point in first.points] == [H + 3600]
    later = fill_hours(
        POOL,
        {},
        set(),
        last_hour=first.last_hour,
        state=first.state,
        first_hour=H,
        end=H + 3 * 3600,
    )
    assert [point.time for point in later.points] == [H + 7200]
    assert later.points[0].filled


def test_a_refused_hour_is_a_gap_not_a_quiet_hour() -> None:
    result = fill_hours(
        POOL, {}, {H + 3600}, last_hour=H, state=state(100), first_hour=H, end=H + 3 * 3600
    )
    assert [point.time for point in result.points] == [H + 7200]
    assert result.last_hour == H + 7200
