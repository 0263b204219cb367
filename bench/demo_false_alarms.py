"""What `make run`'s worker says about the simulated market: the injected burst, and the rest.

    python -m bench.demo_false_alarms [--seeds 1,2,3,4,5,7] [--weeks 6] [--pools 4]

`dexwatch run` scores every simulator event with the default detector (one `SeriesModel` per
pool, each event scored before it is learnt); the file backtest runs that very code, so this
runs the simulator's events through it without Kafka, for several seeds (7 is `make run`'s).
Every alert outside an injected window is a false alarm: the simulator injects nothing else.
Printed per seed: whether the burst was caught, each false alarm with its view and measures,
then the false alarms counted by view and by measure.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from dexwatch.cli.run_command import _ANOMALY_AT_STEP
from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.detectors.backtest import Backtest, BacktestColumns
from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.tabular.csv_input import CsvRecord

__all__ = ["Alert", "SeedRun", "main", "run_seed"]

MEASURES = ("tvl_usd", "volume_usd", "fees_usd", "tx_count", "price")
_HEADER = ["timestamp", "pool", *MEASURES]
_STEPS_PER_WEEK = 7 * 288


@dataclass(frozen=True, slots=True)
class Alert:
    time: str
    pool: str
    severity: int
    injected: bool
    views: tuple[str, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SeedRun:
    seed: int
    alerts: list[Alert]

    @property
    def caught(self) -> bool:
        return any(alert.injected for alert in self.alerts)

    @property
    def false_alarms(self) -> list[Alert]:
        return [alert for alert in self.alerts if not alert.injected]


def run_seed(seed: int, weeks: int, pools: int) -> SeedRun:
    """Every alert of the default detector on `weeks` of the simulator seeded `seed`."""
    simulator = DexMarketSimulator(
        SimulatorConfig(pools=pools, anomaly_at_step=_ANOMALY_AT_STEP, seed=seed)
    )
    labels = simulator.labels()
    columns = BacktestColumns("timestamp", MEASURES, ("pool",))
    backtest = Backtest(columns, SeriesModelSettings())
    alerts = []
    for row in backtest.run(_HEADER, _records(simulator, weeks * _STEPS_PER_WEEK)):
        if row.verdict is None or not row.verdict.is_anomaly or row.time is None:
            continue
        pool = row.dimensions[0]
        injected = any(
            label.dimensions["pool"] == pool and label.start <= row.time < label.end
            for label in labels
        )
        parts = row.verdict.explain().split("; ")
        alerts.append(
            Alert(
                time=row.output_time[:16],
                pool=pool[:10],
                severity=row.verdict.severity,
                injected=injected,
                views=tuple(sorted({_view(part) for part in parts})),
                measures=tuple(sorted({part.split(" ", 1)[0] for part in parts})),
            )
        )
    return SeedRun(seed, alerts)


def _records(simulator: DexMarketSimulator, steps: int) -> Iterator[CsvRecord]:
    line = 1
    for events in simulator.steps(steps):
        for event in events:
            line += 1
            values = [repr(event.measures[name]) for name in MEASURES]
            yield line, [event.event_time.isoformat(), event.dimensions["pool"], *values], None


def _view(part: str) -> str:
    # "tvl_usd 1.3e+08 below 1.34e+08..1.38e+08 (time_of_day, -7.7 sd)" -> "time_of_day"
    return part.rsplit("(", 1)[-1].split(",", 1)[0] if "(" in part else "?"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_false_alarms")
    parser.add_argument("--seeds", default="1,2,3,4,5,7", help="comma-separated (7: make run)")
    parser.add_argument("--weeks", type=int, default=6, help="simulated weeks per seed")
    parser.add_argument("--pools", type=int, default=4)
    args = parser.parse_args(argv)
    by_view: Counter[str] = Counter()
    by_measure: Counter[str] = Counter()
    total = 0
    for seed in (int(text) for text in args.seeds.split(",")):
        run = run_seed(seed, args.weeks, args.pools)
        print(
            f"seed {seed}: burst {'caught' if run.caught else 'MISSED'}, "
            f"{len(run.false_alarms)} false alarm(s) in {args.weeks} weeks x {args.pools} pools"
        )
        for alert in run.false_alarms:
            print(
                f"  {alert.time}  {alert.pool}  sev {alert.severity:3d}  "
                f"{','.join(alert.views):<24} {','.join(alert.measures)}"
            )
            by_view.update(alert.views)
            by_measure.update(alert.measures)
        total += len(run.false_alarms)
    print(f"false alarms: {total}; by view: {dict(by_view.most_common())}")
    print(f"by measure: {dict(by_measure.most_common())}")


if __name__ == "__main__":
    main()
