"""`dexwatch simulate`: stream simulated DEX pool metrics, with labelled anomalies, to Kafka."""

from __future__ import annotations

import argparse
import logging
import math
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from connectors.dex_simulator import MAX_POOLS, DexMarketSimulator, SimulatorConfig
from connectors.kafka_producer import EventProducer
from schemas.codec import describe_validation_error
from schemas.errors import ConfigError

__all__ = ["register", "run"]

_LOG = logging.getLogger("connectors.simulate")

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092"
DEFAULT_METRICS_TOPIC = "dexwatch.metrics"
_DELIVERY_TIMEOUT_MS = 30_000
_FAILING_FLUSH_TIMEOUT_S = 2.0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `simulate` sub-command."""
    parser = commands.add_parser(
        "simulate",
        help="stream simulated DEX pool metrics (with a labelled anomaly) to Kafka",
        description=(
            "Produce deterministic, seeded DEX pool metrics (TVL, volume, fees, trades) to a "
            "Kafka topic, one event per pool per step, with an injected volume burst whose "
            "ground truth can be written to a labels file."
        ),
    )
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("DEXWATCH_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS),
        help="Kafka bootstrap servers (default: $DEXWATCH_BOOTSTRAP_SERVERS or %(default)s)",
    )
    parser.add_argument(
        "--topic",
        default=os.environ.get("DEXWATCH_METRICS_TOPIC", DEFAULT_METRICS_TOPIC),
        help="topic to produce to (default: $DEXWATCH_METRICS_TOPIC or %(default)s)",
    )
    parser.add_argument(
        "--pools",
        type=_int_between(1, MAX_POOLS),
        default=4,
        help=f"how many pools to simulate, 1 to {MAX_POOLS} (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=_int_between(0, 2**63 - 1), default=7, help="seed (default: %(default)s)"
    )
    parser.add_argument(
        "--steps",
        type=_int_between(0, None),
        default=0,
        help="how many steps to produce; 0 runs until Ctrl-C (default: %(default)s)",
    )
    parser.add_argument(
        "--rate",
        type=_non_negative_float,
        default=20.0,
        help="steps per second of wall time; 0 is as fast as possible (default: %(default)s)",
    )
    parser.add_argument(
        "--anomaly-at-step",
        type=_step_or_none,
        default=300,
        help="first step of the injected volume burst, or 'none' (default: %(default)s)",
    )
    parser.add_argument(
        "--anomaly-pool",
        type=_int_between(0, MAX_POOLS - 1),
        default=None,
        help="index of the pool that gets the anomaly (default: 1, or 0 with a single pool)",
    )
    parser.add_argument(
        "--labels-out",
        type=Path,
        default=None,
        metavar="PATH",
        help="write the injected anomalies as JSON lines to PATH",
    )
    parser.add_argument(
        "--progress-every",
        type=_int_between(1, None),
        default=100,
        metavar="N",
        help="log progress every N steps (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Produce the simulated steps; Ctrl-C stops cleanly after flushing."""
    anomaly_pool = args.anomaly_pool if args.anomaly_pool is not None else min(1, args.pools - 1)
    if args.anomaly_at_step is not None and anomaly_pool >= args.pools:
        raise ConfigError(
            f"--anomaly-pool {anomaly_pool} does not exist with --pools {args.pools} "
            f"(expected 0 to {args.pools - 1})"
        )
    try:
        config = SimulatorConfig(
            pools=args.pools,
            seed=args.seed,
            anomaly_at_step=args.anomaly_at_step,
            anomaly_pool=anomaly_pool,
        )
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error)) from error
    simulator = DexMarketSimulator(config)
    labels = simulator.labels()
    starts = {label.start: label for label in labels}
    step_count: int | None = args.steps or None
    rate: float = args.rate

    _LOG.info(
        "simulating %d pools (seed=%d, %ds per step) to topic=%s at %s, %s, %s",
        config.pools,
        config.seed,
        config.step_seconds,
        args.topic,
        args.bootstrap_servers,
        f"{step_count} steps" if step_count else "until Ctrl-C",
        f"{rate:g} steps/s" if rate > 0 else "as fast as possible",
    )
    steps_done = 0
    events = 0
    began = time.monotonic()
    # A missing broker shows within 30 s as failed deliveries, not after librdkafka's 5 minutes.
    producer_config = {"message.timeout.ms": _DELIVERY_TIMEOUT_MS}
    with EventProducer(args.bootstrap_servers, extra_config=producer_config) as producer:
        try:
            for step, step_events in enumerate(simulator.steps(step_count)):
                if rate > 0:
                    # Scheduled against the start: a slow step is caught up, not carried over.
                    delay = began + step / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                label = starts.get(simulator.event_time(step))
                if label is not None:
                    _LOG.info(
                        "injected %s on pool=%s (%s %s) from %s to %s",
                        label.kind,
                        label.dimensions["pool"],
                        label.dimensions["dex"],
                        label.dimensions["pair"],
                        label.start.isoformat(),
                        label.end.isoformat(),
                    )
                for event in step_events:
                    producer.send(args.topic, event)
                    events += 1
                steps_done = step + 1
                if producer.failed:
                    _LOG.error("deliveries are failing; stopping after %d steps", steps_done)
                    break
                if steps_done % args.progress_every == 0:
                    _LOG.info(
                        "progress: %d steps, %d events (simulated time %s, %d delivered)",
                        steps_done,
                        events,
                        simulator.event_time(step).isoformat(),
                        producer.delivered,
                    )
        except KeyboardInterrupt:
            _LOG.info("interrupted after %d steps; flushing", steps_done)
        # Once deliveries fail, the rest of the queue is not going anywhere: say so quickly.
        producer.flush(_FAILING_FLUSH_TIMEOUT_S if producer.failed else None)
    elapsed = time.monotonic() - began
    written = _write_labels(args.labels_out, simulator, steps_done)
    _LOG.info(
        "done: %d steps, %d events produced, %d delivered, in %.1fs%s",
        steps_done,
        events,
        producer.delivered,
        elapsed,
        f"; {written} label(s) written to {args.labels_out}" if args.labels_out else "",
    )
    return 0


def _write_labels(path: Path | None, simulator: DexMarketSimulator, steps_done: int) -> int:
    """The anomalies that were (at least partly) produced, clipped to the produced range."""
    if path is None:
        return 0
    produced_end: datetime = simulator.event_time(steps_done)
    lines = []
    for label in simulator.labels():
        if label.start < produced_end:
            clipped = label.model_copy(update={"end": min(label.end, produced_end)})
            lines.append(clipped.model_dump_json() + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")
    _LOG.info("wrote %d label(s) to %s", len(lines), path)
    return len(lines)


def _int_between(low: int, high: int | None) -> Callable[[str], int]:
    """An argparse `type=` that accepts integers in [low, high] and says so otherwise."""
    expected = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a finite number >= 0 (0 means as fast as possible), got {text!r}"
        )
    return value


def _step_or_none(text: str) -> int | None:
    if text.strip().lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a step number >= 0, or 'none' for no anomaly, got {text!r}"
        )
    return value
