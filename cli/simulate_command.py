"""`dexwatch simulate`: stream simulated DEX pool metrics, with labelled anomalies, to Kafka."""

from __future__ import annotations

import argparse
import logging
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from dexwatch.cli.arguments import (
    add_bootstrap_servers,
    int_between,
    kafka_settings,
    non_negative_float,
    positive_float,
    time_argument,
)
from dexwatch.connectors.anomaly_labels import (
    ANOMALY_KINDS,
    AnomalyKind,
    InjectedAnomaly,
    write_labels,
)
from dexwatch.connectors.dex_simulator import (
    MAX_ANOMALIES,
    MAX_POOLS,
    SOURCE,
    DexMarketSimulator,
    SimulatorConfig,
)
from dexwatch.connectors.kafka_producer import EventProducer
from dexwatch.connectors.pacing import Pacer
from dexwatch.messaging.topic_names import DEFAULT_TOPICS
from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError

__all__ = ["destination", "register", "run"]

_LOG = logging.getLogger("dexwatch.connectors.simulate")

_DELIVERY_TIMEOUT_MS = 30_000
_FAILING_FLUSH_TIMEOUT_S = 2.0


def register(parser: argparse.ArgumentParser) -> None:
    """Add the `simulate` sub-command."""
    parser.description = (
        "Produce deterministic, seeded DEX pool metrics (TVL, volume, fees, trades, price) "
        "to a Kafka topic, one event per pool per step, with injected anomalies whose "
        "ground truth can be written to a labels file (JSON lines)."
    )
    add_bootstrap_servers(parser)
    parser.add_argument(
        "--topic",
        help=f"topic to produce to (default: $DEXWATCH_METRICS_TOPIC or {DEFAULT_TOPICS.metrics})",
    )
    parser.add_argument(
        "--pools",
        type=int_between(1, MAX_POOLS),
        default=4,
        help=f"how many pools to simulate, 1 to {MAX_POOLS} (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int_between(0, 2**63 - 1), default=7, help="seed (default: %(default)s)"
    )
    parser.add_argument(
        "--start",
        type=time_argument,
        default=None,
        metavar="TIME",
        help="event time of the first step, ISO 8601 (default: Monday 2026-01-05 00:00 UTC)",
    )
    parser.add_argument(
        "--steps",
        type=int_between(0, None),
        default=0,
        help="how many steps to produce; 0 runs until Ctrl-C (default: %(default)s)",
    )
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--rate",
        type=non_negative_float,
        default=20.0,
        help="steps per second of wall time; 0 is as fast as possible (default: %(default)s)",
    )
    pace.add_argument(
        "--speed",
        type=positive_float,
        metavar="FACTOR",
        help="simulated seconds per second of wall time instead of --rate (1 is real time: "
        "one 5-minute step every 5 minutes)",
    )
    pace.add_argument(
        "--as-fast-as-possible", action="store_true", help="no pacing (the same as --rate 0)"
    )
    anomalies = parser.add_argument_group("anomalies")
    anomalies.add_argument(
        "--anomalies",
        type=_kinds,
        default=("volume_burst",),
        metavar="KIND[,KIND...]",
        help=f"kinds to inject, taken in turn: {', '.join(ANOMALY_KINDS)} (default: volume_burst)",
    )
    anomalies.add_argument(
        "--anomaly-count",
        type=int_between(1, MAX_ANOMALIES),
        default=None,
        metavar="N",
        help="how many anomalies in all (default: one of each kind)",
    )
    anomalies.add_argument(
        "--anomaly-at-step",
        type=_step_or_none,
        default=300,
        help="first anomalous step, after a clean warm-up; 'none' injects nothing "
        "(default: %(default)s)",
    )
    anomalies.add_argument(
        "--anomaly-spacing",
        type=int_between(1, None),
        default=288,
        metavar="STEPS",
        help="steps from one anomaly's start to the next (default: %(default)s, a day)",
    )
    anomalies.add_argument(
        "--anomaly-steps",
        type=int_between(1, 100_000),
        default=3,
        metavar="N",
        help="how many steps each anomaly lasts (default: %(default)s)",
    )
    anomalies.add_argument(
        "--anomaly-magnitude",
        type=_magnitude,
        default=8.0,
        metavar="X",
        help="strength of each anomaly, e.g. the volume multiplier (default: %(default)s)",
    )
    anomalies.add_argument(
        "--anomaly-pool",
        type=int_between(0, MAX_POOLS - 1),
        default=None,
        help="pool of the first anomaly when its kind can happen there (default: 1, or 0 "
        "with a single pool); the others go to pools the seed picks",
    )
    anomalies.add_argument(
        "--shock-pools",
        type=int_between(2, MAX_POOLS),
        default=3,
        metavar="N",
        help="pools hit by each multi_pool_shock (default: %(default)s)",
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
        type=int_between(1, None),
        default=100,
        metavar="N",
        help="log progress every N steps (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def destination(args: argparse.Namespace) -> tuple[str, str]:
    """The bootstrap servers and the topic: the options', else the environment's."""
    kafka = kafka_settings(args)
    return kafka.bootstrap_servers, args.topic or kafka.topics.metrics


def run(args: argparse.Namespace) -> int:
    """Produce the simulated steps; Ctrl-C stops cleanly after flushing."""
    config = _config(args)
    simulator = DexMarketSimulator(config)
    starts: defaultdict[datetime, list[InjectedAnomaly]] = defaultdict(list)
    for label in simulator.labels():
        starts[label.start].append(label)
    step_count: int | None = args.steps or None
    rate = _steps_per_second(args, config)
    bootstrap_servers, topic = destination(args)

    _LOG.info(
        "simulating %d pools (seed=%d, %ds per step) to topic=%s at %s, %s, %s",
        config.pools,
        config.seed,
        config.step_seconds,
        topic,
        bootstrap_servers,
        f"{step_count} steps" if step_count else "until Ctrl-C",
        f"{rate:g} steps/s" if rate > 0 else "as fast as possible",
    )
    steps_done = 0
    events = 0
    pacer = Pacer()
    # A missing broker shows within 30 s as failed deliveries, not after librdkafka's 5 minutes.
    producer_config = {"message.timeout.ms": _DELIVERY_TIMEOUT_MS}
    with EventProducer(bootstrap_servers, source=SOURCE, extra_config=producer_config) as producer:
        try:
            for step, step_events in enumerate(simulator.steps(step_count)):
                if rate > 0:
                    pacer.wait_until(step / rate)
                for label in starts.get(simulator.event_time(step), ()):
                    _log_injection(label)
                for event in step_events:
                    producer.send(topic, event)
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
    written = 0
    if args.labels_out is not None:
        # Only what was (at least partly) produced, clipped to the produced range.
        written = write_labels(args.labels_out, simulator.labels(steps_done))
        _LOG.info("wrote %d label(s) to %s", written, args.labels_out)
    _LOG.info(
        "done: %d steps, %d events produced, %d delivered, in %.1fs%s",
        steps_done,
        events,
        producer.delivered,
        pacer.elapsed(),
        f"; {written} label(s) written to {args.labels_out}" if args.labels_out else "",
    )
    return 0


def _config(args: argparse.Namespace) -> SimulatorConfig:
    anomaly_pool = args.anomaly_pool if args.anomaly_pool is not None else min(1, args.pools - 1)
    if args.anomaly_at_step is not None and anomaly_pool >= args.pools:
        raise ConfigError(
            f"--anomaly-pool {anomaly_pool} does not exist with --pools {args.pools} "
            f"(expected 0 to {args.pools - 1})"
        )
    try:
        return SimulatorConfig(
            pools=args.pools,
            seed=args.seed,
            anomaly_kinds=args.anomalies,
            anomaly_count=args.anomaly_count,
            anomaly_at_step=args.anomaly_at_step,
            anomaly_spacing_steps=args.anomaly_spacing,
            anomaly_steps=args.anomaly_steps,
            anomaly_magnitude=args.anomaly_magnitude,
            anomaly_pool=anomaly_pool,
            shock_pools=args.shock_pools,
            **({"start": args.start} if args.start is not None else {}),
        )
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error)) from error


def _steps_per_second(args: argparse.Namespace, config: SimulatorConfig) -> float:
    if args.as_fast_as_possible:
        return 0.0
    if args.speed is not None:
        return float(args.speed) / config.step_seconds
    return float(args.rate)


def _log_injection(label: InjectedAnomaly) -> None:
    _LOG.info(
        "injected %s on pool=%s (%s %s) from %s to %s%s",
        label.kind,
        label.dimensions["pool"],
        label.dimensions["dex"],
        label.dimensions["pair"],
        label.start.isoformat(),
        label.end.isoformat(),
        f" (shock {label.shock_id})" if label.shock_id else "",
    )


def _kinds(text: str) -> tuple[AnomalyKind, ...]:
    names = [name.strip() for name in text.split(",")]
    kinds = tuple(kind for name in names for kind in ANOMALY_KINDS if kind == name)
    if len(kinds) != len(names):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated kinds from {', '.join(ANOMALY_KINDS)}, got {text!r}"
        )
    return kinds


def _magnitude(text: str) -> float:
    value = positive_float(text)
    if not 1.0 < value <= 1000.0:
        raise argparse.ArgumentTypeError(f"expected a number above 1 and up to 1000, got {text!r}")
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
