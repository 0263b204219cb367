"""`python -m bench.pipeline [SCENARIO ...]`: the scenarios on a broker of their own."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

import bench.pipeline
from bench.pipeline import latency, recovery, throughput, two_workers
from bench.pipeline.context import Bench
from bench.pipeline.output import say
from bench.pipeline.sizes import Sizes
from bench.speed import machine
from tests.support.kafka_helpers import free_port

__all__ = ["SCENARIOS", "figures_json", "main", "parse_sizes"]

# In the order they run: two-workers reads the topic throughput produced, when both run.
SCENARIOS: dict[str, Callable[[Bench], object]] = {
    "throughput": throughput.run,
    "two-workers": two_workers.run,
    "latency": latency.run,
    "recovery": recovery.run,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=bench.pipeline.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"one or more of {', '.join(SCENARIOS)} (default: all, in that order)",
    )
    defaults = Sizes()
    add = parser.add_argument
    add("--events", type=int, default=defaults.events, help="throughput, two workers")
    add("--series", type=int, default=defaults.series, help="throughput, two workers")
    add(
        "--envelope",
        type=int,
        default=defaults.envelope,
        help="events per pre-produced record, at most; 1: single events",
    )
    add("--river-warmup", type=int, default=defaults.river_warmup, help="untimed, per model")
    add("--rate", type=int, default=defaults.rate, help="latency: events/s")
    add("--seconds", type=float, default=defaults.seconds, help="latency: steady phase")
    add("--latency-series", type=int, default=defaults.latency_series)
    add(
        "--latency-envelope",
        type=int,
        action="append",
        help="events per record in the latency runs, repeatable; 1: single events (default: 1 "
        "and 20; the interval run uses the largest)",
    )
    add("--linger-ms", type=int, default=defaults.linger_ms, help="latency producer's linger")
    add("--probes", type=int, default=defaults.probes, help="probe series, spiked once")
    add("--probe-every-ms", type=int, default=defaults.probe_every_ms)
    add("--interval-series", type=int, default=defaults.interval_series)
    add("--interval-warmup", type=int, default=defaults.interval_warmup)
    add("--recovery-series", type=int, default=defaults.recovery_series)
    add("--recovery-points", type=int, default=defaults.recovery_points)
    add(
        "--recovery-snapshot-interval",
        type=float,
        default=defaults.recovery_snapshot_interval,
        help="seconds, recovery run",
    )
    add("--timeout", type=float, default=defaults.timeout, help="per wait, seconds")
    add("--seed", type=int, default=defaults.seed)
    add("--json", type=Path, help="write every scenario's figures to this file too")
    return parser


def parse_sizes(argv: Sequence[str] | None = None) -> tuple[list[str], Sizes, Path | None]:
    """The scenarios to run (in their order), the sizes, and the `--json` path."""
    parser = _parser()
    args = parser.parse_args(argv)
    options = {
        name: value
        for name, value in vars(args).items()
        if name not in ("scenarios", "json", "latency_envelope")
    }
    if args.latency_envelope:
        options["latency_envelopes"] = tuple(args.latency_envelope)
    try:
        sizes = Sizes(**options)
    except ValueError as error:
        parser.error(str(error).replace("_", "-"))
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"no scenario {unknown[0]!r}: choose from {', '.join(SCENARIOS)}")
    named = set(args.scenarios)
    return [name for name in SCENARIOS if name in named or not named], sizes, args.json


def figures_json(sizes: Sizes, results: dict[str, object]) -> bytes:
    """The `--json` file: the machine, the sizes, and each scenario's figures by name (a NaN,
    e.g. a quantile of an empty histogram, is null)."""
    document = {"machine": machine(), "sizes": sizes, "scenarios": results}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


def main(argv: Sequence[str] | None = None) -> None:
    names, sizes, json_path = parse_sizes(argv)
    say(f"machine: {machine()}")

    from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings

    root = Path(tempfile.mkdtemp(prefix="dexwatch-bench-"))
    broker = LocalKafkaBroker(
        LocalKafkaSettings(
            port=free_port(), controller_port=free_port(), state_dir=root / "kafka", heap="1g"
        )
    )
    status = broker.start()
    say(f"broker: Kafka {broker.settings.version} on {status.bootstrap_servers} (pid {status.pid})")
    run = Bench(sizes, status.bootstrap_servers, status.pid, root)
    results: dict[str, object] = {}
    try:
        for name in names:
            results[name] = SCENARIOS[name](run)
    finally:
        broker.stop()
        shutil.rmtree(root, ignore_errors=True)
        say("\nfigures:")
        for figure in run.figures:
            say(f"  {figure.describe()}")
        if json_path is not None:
            json_path.write_bytes(figures_json(sizes, results))
            say(f"figures written to {json_path}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
