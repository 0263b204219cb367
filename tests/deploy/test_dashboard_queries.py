"""Every query of the Grafana dashboard returns data from a real Prometheus that scrapes real
dexwatch processes, and the alert rules load and evaluate there.

On the shared test broker: a worker with one interval dataset, fed a simulator shock (so
anomalies, an incident and latency observations exist) and a record that is not JSON (so the
dead-letter series moves); `dexwatch sink` delivering that worker's incidents to a local webhook
receiver; `dexwatch connect thegraph` polling the local stand-in for The Graph; the console
reading the worker's topics, asked through its API. Prometheus scrapes them all under the job
names of deploy/prometheus.yml, with its rule file.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from dexwatch.connectors.dex_simulator import DexMarketSimulator, SimulatorConfig
from dexwatch.console.topics import ConsoleTopics
from tests.console.running_console import RunningConsole
from tests.deploy.deploy_files import PROMETHEUS_CONFIG, RULES, dashboard_queries, load_yaml
from tests.http_servers.running import ServerThread
from tests.http_servers.webhook_receiver import WebhookReceiver
from tests.prometheus_server import PrometheusServer, prometheus_binary, running_prometheus
from tests.sinks.sink_configs import fresh_settings, write_config
from tests.sinks.sink_process import SinkProcess
from tests.streams.incidents.test_shock_incident import DATASETS, SHOCK_STEP, STEPS
from tests.streams.incidents.worker_alerts import simulated_records, start_worker
from tests.support.kafka_helpers import (
    ProducedRecord,
    create_topic,
    free_port,
    produce_records,
    wait_for,
)
from tests.thegraph_server import RunningServer, ServerControl, TheGraphTestServer
from tests.thegraph_server.app import SUBGRAPHS

pytestmark = pytest.mark.kafka

# $__rate_interval as Grafana would set it for a range of a few minutes; long enough that the
# counters' moves during the test stay inside every rate window while the queries are asked.
RATE_INTERVAL = "5m"
SECRET = b"dashboard-secret-0123456789"
NOT_JSON = b"{this is not json"
QUERIES_PER_MONTH = 100_000  # the connector's default budget
TESTED_JOBS = {"dexwatch-worker", "dexwatch-sink", "dexwatch-thegraph", "dexwatch-console"}


@contextmanager
def _process(argv: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _connector(
    bootstrap: str, unique_name: Callable[[str], str], endpoint: str, port: int, tmp_path: Path
) -> list[str]:
    """`dexwatch connect thegraph` on fresh topics, polling rarely (its first poll is enough)."""
    topics = {
        flag: create_topic(bootstrap, unique_name(name))
        for flag, name in (
            ("--topic", "graph-metrics"),
            ("--transactions-topic", "graph-tx"),
            ("--dead-letter-topic", "graph-dead"),
        )
    }
    return [
        sys.executable,
        "-m",
        "dexwatch.cli.main",
        "connect",
        "thegraph",
        "--endpoint",
        endpoint,
        "--top-pools",
        "3",
        "--bootstrap-servers",
        bootstrap,
        *(part for flag, topic in topics.items() for part in (flag, topic)),
        "--checkpoint",
        str(tmp_path / "thegraph-checkpoint.json"),
        "--backfill-hours",
        "2",
        "--interval",
        "3600",
        "--metrics-port",
        str(port),
    ]


def _console_topics(
    bootstrap: str, unique_name: Callable[[str], str], worker_topics: dict[str, str]
) -> ConsoleTopics:
    """The worker's topics, and fresh ones for what this worker does not write here."""
    return ConsoleTopics(
        anomalies=worker_topics["anomalies"],
        alerts=worker_topics["alerts"],
        model_actions=worker_topics["model_actions"],
        feedback=worker_topics["feedback"],
        scores=create_topic(bootstrap, unique_name("scores")),
        incident_controls=create_topic(
            bootstrap, unique_name("controls"), 1, {"cleanup.policy": "compact"}
        ),
        partitions=1,
    )


def _prometheus_config(targets: dict[str, str]) -> str:
    """deploy/prometheus.yml with the test's targets, the rule file by its absolute path, and
    two-second scrape and evaluation intervals."""
    config = load_yaml(PROMETHEUS_CONFIG)
    # 2 s, not 1: a worker busy on two shared cores can take more than a second to answer.
    every = "2s"
    config["global"] = {
        "scrape_interval": every,
        "scrape_timeout": every,
        "evaluation_interval": every,
    }
    config["rule_files"] = [str(RULES)]
    jobs = [job for job in config["scrape_configs"] if job["job_name"] in targets]
    assert {job["job_name"] for job in jobs} == set(targets), "a tested job is not configured"
    for job in jobs:
        job.pop("scrape_interval", None)
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    config["scrape_configs"] = jobs
    return yaml.safe_dump(config)


def _value(sample: dict[str, Any]) -> float:
    return float(sample["value"][1])


def _total(server: PrometheusServer, promql: str) -> float:
    return sum(_value(sample) for sample in server.query(promql))


def _wait_positive(server: PrometheusServer, promql: str) -> None:
    def positive() -> bool:
        values = [_value(sample) for sample in server.query(promql)]
        return bool(values) and all(math.isfinite(value) for value in values) and sum(values) > 0

    try:
        wait_for(positive, 30, f"{promql} > 0")
    except AssertionError as error:
        raise AssertionError(f"{error}; last answer: {server.query(promql)}") from error


def test_every_dashboard_query_returns_data_from_real_processes(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    binary = prometheus_binary()
    configured = {job["job_name"] for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]}
    assert configured == TESTED_JOBS, "every scrape job's process runs here"
    queries = dashboard_queries()

    simulator = DexMarketSimulator(
        SimulatorConfig(
            pools=4, shock_pools=3, anomaly_kinds=("multi_pool_shock",), anomaly_at_step=SHOCK_STEP
        )
    )
    receiver = WebhookReceiver(SECRET)
    now = time.time()
    graph = TheGraphTestServer(
        start=int(now // 3600 * 3600) - 47 * 3600, hours=48, control=ServerControl(now=None)
    )
    sink_port, connector_port = free_port(), free_port()
    with ExitStack() as stack:
        worker, source = start_worker(kafka_bootstrap, unique_name, tmp_path, DATASETS)
        stack.callback(worker.stop)
        hook = stack.enter_context(ServerThread(receiver.app))
        settings = fresh_settings(
            kafka_bootstrap,
            unique_name,
            tmp_path / "sinks",
            alerts_topic=worker.topics["alerts"],
            metrics_port=sink_port,
            webhooks=[{"name": "dashboard", "url": hook.url("/hook"), "secret_env": "S"}],
        )
        sink = SinkProcess(
            write_config(tmp_path / "sinks.yaml", settings),
            tmp_path / "sink.log",
            env={"S": SECRET.decode()},
        )
        sink.start()
        stack.callback(sink.stop)
        running_graph = stack.enter_context(RunningServer(graph))
        endpoint = running_graph.url(next(iter(SUBGRAPHS)))
        connector_log = tmp_path / "connector.log"
        connector = stack.enter_context(
            _process(
                _connector(kafka_bootstrap, unique_name, endpoint, connector_port, tmp_path),
                connector_log,
            )
        )
        console = stack.enter_context(
            RunningConsole(
                kafka_bootstrap,
                _console_topics(kafka_bootstrap, unique_name, worker.topics),
                tmp_path / "console.sqlite3",
            )
        )
        targets = {
            "dexwatch-worker": f"127.0.0.1:{worker.web_port}",
            "dexwatch-sink": f"127.0.0.1:{sink_port}",
            "dexwatch-thegraph": f"127.0.0.1:{connector_port}",
            "dexwatch-console": f"127.0.0.1:{console.service.port}",
        }
        server = stack.enter_context(
            running_prometheus(binary, _prometheus_config(targets), tmp_path / "prometheus")
        )

        def all_up() -> bool:
            assert connector.poll() is None, connector_log.read_text(errors="replace")
            up = {s["metric"]["job"]: _value(s) for s in server.query("up")}
            return up == dict.fromkeys(TESTED_JOBS, 1.0)

        wait_for(all_up, 60, f"prometheus to scrape {sorted(TESTED_JOBS)}")

        # Prometheus has the counters at their start: every rate below sees the moves.
        bad = ProducedRecord(b"bad", NOT_JSON, partition=0)
        produce_records(kafka_bootstrap, source, [*simulated_records(simulator, STEPS), bad])
        wait_for(lambda: receiver.taken(), 180, f"an incident at the webhook:\n{worker.log_tail()}")
        wait_for(
            lambda: _total(server, "dexwatch_thegraph_query_budget_remaining") > 0,
            60,
            f"the connector's first poll:\n{connector_log.read_text(errors='replace')[-3000:]}",
        )

        # People use the console: its request latency has something to show.
        for path in ("/api/v1/datasets", "/api/v1/anomalies", "/api/v1/incidents"):
            console.get(path)

        def asked(expr: str) -> str:
            return expr.replace("$__rate_interval", RATE_INTERVAL)

        empty = {(title, ref): expr for title, ref, expr in queries}

        def every_query_answers() -> bool:
            for key, expr in list(empty.items()):
                if server.query(asked(expr)):
                    del empty[key]
            return not empty

        try:
            wait_for(every_query_answers, 60, "every dashboard query to return data")
        except AssertionError as error:
            shown = "\n".join(f"  {title} [{ref}]: {expr}" for (title, ref), expr in empty.items())
            raise AssertionError(f"{error}; empty:\n{shown}") from error

        # Not just present: the moves the test caused are what they show. (Waited on: a scrape
        # of a busy process can time out, and its series go stale until the next one.)
        rate = f"[{RATE_INTERVAL}]"
        for promql in (
            f"rate(dexwatch_events_consumed_total{rate})",
            f'increase(dexwatch_events_dead_lettered_total{{reason="invalid_json"}}{rate})',
            f"increase(dexwatch_anomalies_produced_total{rate})",
            # Its series start at 0 when the worker starts, before Prometheus' first scrape.
            f"increase(dexwatch_incident_events_total{rate})",
            f'increase(dexwatch_alerts_delivered_total{{sink="dashboard"}}{rate})',
            f"increase(dexwatch_console_records_consumed_total{rate})",
            "histogram_quantile(0.99, sum by (le) "
            f"(rate(dexwatch_processing_latency_seconds_bucket{rate})))",
        ):
            _wait_positive(server, promql)
        month = 'dexwatch_thegraph_query_budget_remaining{window="month"}'
        wait_for(
            lambda: 0 < _total(server, month) < QUERIES_PER_MONTH, 30, "a query spent from budget"
        )

        # The alert rules load and evaluate against these series without error.
        groups = server.api("rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        expected = sum(len(group["rules"]) for group in load_yaml(RULES)["groups"])
        assert len(rules) == expected
        wait_for(
            lambda: all(
                rule["health"] == "ok"
                for group in server.api("rules")["groups"]
                for rule in group["rules"]
            ),
            30,
            "every rule to be evaluated without error",
        )
