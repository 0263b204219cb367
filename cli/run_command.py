"""`dexwatch run`: the whole thing on one machine: broker, worker, simulator, alerts shown."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dexwatch.cli.run_clock import last_event_time, next_monday
from dexwatch.cli.run_state import RUN_SCOPED, RunPlaces, run_places
from dexwatch.deploy.local_kafka import LocalKafkaBroker, LocalKafkaSettings, broker_answers
from dexwatch.messaging.anomaly_reader import now_ms, read_anomalies, read_events
from dexwatch.messaging.kafka_settings import KafkaSettings
from dexwatch.messaging.topics import ensure_topics
from dexwatch.schemas.anomaly_text import describe_anomaly
from dexwatch.schemas.errors import DexwatchError, KafkaSetupError
from dexwatch.schemas.incident import IncidentEvent
from dexwatch.schemas.incident_text import describe_incident
from dexwatch.streams.settings_loading import load_settings

__all__ = ["register"]

log = logging.getLogger(__name__)

# The detector judges from a series' 30th point, but its daily profile needs a few simulated
# days (288 steps each) to be seen: the demo's anomaly comes after them.
_ANOMALY_AT_STEP = 700


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Everything on this machine: a real Kafka broker, the worker and the "
        "simulator, with anomalies printed as they arrive. Ctrl-C stops all of them."
    )
    parser.add_argument(
        "--duration", type=_positive, help="stop after S seconds (default: run until Ctrl-C)"
    )
    parser.add_argument(
        "--stop-after-anomalies", type=int, default=0, help="stop after N anomalies (0: never)"
    )
    parser.add_argument("--kafka-port", type=int, default=9092)
    parser.add_argument("--controller-port", type=int, default=9093)
    parser.add_argument("--web-port", type=int, default=6066, help="the worker's /metrics port")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path.home() / ".local" / "share" / "dexwatch",
        help=f"logs, and the run's broker data and worker state (in {RUN_SCOPED}/, cleared "
        "by the next run) (default: %(default)s)",
    )
    parser.add_argument(
        "--keep-state",
        action="store_true",
        help="keep the broker's topics and the worker's models between runs (in kafka/ and "
        "worker/ of --state-dir; an already running `dexwatch kafka start` broker is used): "
        "the simulator goes on after the last event on the metrics topic, and a burst the "
        "models have seen is no longer news",
    )
    parser.add_argument("--pools", type=int, default=4, help="simulated pools")
    parser.add_argument("--rate", type=_positive, default=40.0, help="simulated steps a second")
    parser.add_argument(
        "--keep-kafka",
        action="store_true",
        help="leave the broker running at the end (a fresh run stops it first; by hand: "
        f"`dexwatch kafka stop --state-dir STATE_DIR/{RUN_SCOPED}/kafka`)",
    )
    parser.set_defaults(handler=_run)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    def tail(self, lines: int = 25) -> str:
        self.log_file.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _run(args: argparse.Namespace) -> int:
    with run_places(args.state_dir, keep_state=args.keep_state) as places:
        return _run_in(places, args)


def _run_in(places: RunPlaces, args: argparse.Namespace) -> int:
    logs = places.logs
    broker = LocalKafkaBroker(
        load_settings(
            LocalKafkaSettings,
            port=args.kafka_port,
            controller_port=args.controller_port,
            state_dir=places.kafka,
        )
    )
    started_broker = not broker.status().running
    if started_broker and not args.keep_state:
        _refuse_a_foreign_broker(broker.settings.bootstrap_servers)
    broker.start()
    bootstrap = broker.settings.bootstrap_servers
    env = {
        **os.environ,
        "DEXWATCH_BOOTSTRAP_SERVERS": bootstrap,
        "DEXWATCH_WEB_PORT": str(args.web_port),
        "DEXWATCH_DATA_DIR": str(places.worker),
    }
    topics = load_settings(KafkaSettings, bootstrap_servers=bootstrap).topics  # the worker's
    metrics_topic, anomalies_topic = topics.metrics, topics.anomalies
    dead_letter_topic, alerts_topic = topics.dead_letter, topics.alerts
    ensure_topics(bootstrap, [metrics_topic, anomalies_topic, dead_letter_topic], 8)
    previous = last_event_time(bootstrap, metrics_topic)
    start = ["--start", next_monday(previous).isoformat()] if previous is not None else []
    since = now_ms()
    children: list[_Child] = []
    try:
        children.append(_spawn("worker", ["worker"], env, logs))
        children.append(
            _spawn(
                "simulator",
                [
                    "simulate",
                    "--bootstrap-servers",
                    bootstrap,
                    "--topic",
                    metrics_topic,
                    "--pools",
                    str(args.pools),
                    "--rate",
                    str(args.rate),
                    "--anomaly-at-step",
                    str(_ANOMALY_AT_STEP),
                    "--steps",
                    "0",
                    *start,
                ],
                env,
                logs,
            )
        )
        print(
            f"dexwatch is running: Kafka {bootstrap}, worker metrics "
            f"http://127.0.0.1:{args.web_port}/metrics, simulator -> {metrics_topic}.\n"
            f"Logs: {logs}. Anomalies from {anomalies_topic} and the incidents they make on "
            f"{alerts_topic} appear below; Ctrl-C stops.",
            flush=True,
        )
        _print_anomalies(bootstrap, anomalies_topic, alerts_topic, since, args, children)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        _stop(children)
        if started_broker and not args.keep_kafka:
            broker.stop()
        print("dexwatch stopped.", flush=True)
    return 0


def _refuse_a_foreign_broker(bootstrap: str) -> None:
    # Its topics and consumer groups would carry an earlier run into this one.
    if broker_answers(bootstrap, timeout_s=1.0):
        raise KafkaSetupError(
            f"a Kafka broker already answers on {bootstrap} (`dexwatch kafka start`, or another "
            "run); `dexwatch run` starts a fresh one for each run",
            "stop it (`dexwatch kafka stop`), choose another --kafka-port, or use it and "
            "what it holds with --keep-state",
        )


def _spawn(name: str, command: list[str], env: dict[str, str], logs: Path) -> _Child:
    log_path = logs / f"{name}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dexwatch.cli.main", *command],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Own session: ^C reaches only `dexwatch run`, which then stops children in order.
        start_new_session=True,
    )
    return _Child(name, process, log_path, log_file)


def _print_anomalies(
    bootstrap: str,
    topic: str,
    alerts_topic: str,
    since: int,
    args: argparse.Namespace,
    children: list[_Child],
) -> None:
    deadline = time.monotonic() + args.duration if args.duration else None
    shown = 0
    anomalies = read_anomalies(bootstrap, topic, since, poll_s=0.1)
    # The incidents the worker groups those anomalies into: what a Slack sink would post.
    incidents = read_events(bootstrap, alerts_topic, since, IncidentEvent, poll_s=0.1)
    while True:
        incident = next(incidents)
        if incident is not None:
            print(describe_incident(incident), flush=True)
        anomaly = next(anomalies)
        if anomaly is not None:
            print(describe_anomaly(anomaly), flush=True)
            shown += 1
            if args.stop_after_anomalies and shown >= args.stop_after_anomalies:
                return
        for child in children:
            if child.process.poll() is not None:
                raise DexwatchError(
                    f"the {child.name} exited with code {child.process.returncode}; "
                    f"last lines of {child.log_path}:\n{child.tail()}"
                )
        if deadline is not None and time.monotonic() > deadline:
            print(f"(--duration {args.duration:g} s reached; {shown} anomalies shown)")
            return


def _stop(children: list[_Child]) -> None:
    # The simulator first, so the worker can finish what was already produced.
    for child in reversed(children):
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
            try:
                child.process.wait(30)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within 30 s; killing it", child.name)
                child.process.kill()
                child.process.wait(10)
        with contextlib.suppress(OSError):
            child.log_file.close()
