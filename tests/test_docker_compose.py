"""docker-compose.yml and the files it names: the wiring that matters, and a compose tool's check.

The structural tests need nothing but PyYAML. The last test asks a real compose implementation
(`docker compose`, or the older `docker-compose`) to validate the file; neither needs a Docker
engine for `config`. When neither is installed the test is skipped, saying why, except under
CI=true, where it fails: .ci/run installs one, so its absence there is a broken setup.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.system_tools import missing_tool

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
PROMETHEUS_FILE = REPO_ROOT / "deploy" / "prometheus.yml"
KAFKA_IMAGE = "apache/kafka:3.9.1"
SERVICES = {"kafka", "worker", "simulator", "prometheus"}
DEFAULT_WEB_PORT = 6066
# faust's default topic_partitions; the broker's num.partitions must match it.
FAUST_TOPIC_PARTITIONS = 8


def _load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{path.name} is not a YAML mapping"
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load_yaml(COMPOSE_FILE)


def _service(compose: Mapping[str, Any], name: str) -> dict[str, Any]:
    services = compose["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    service = services[name]
    assert isinstance(service, dict)
    return service


def _environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, from either the mapping or the list syntax."""
    raw = service.get("environment", {})
    if isinstance(raw, list):
        pairs = (str(item).partition("=") for item in raw)
        return {key: value for key, _, value in pairs}
    assert isinstance(raw, dict)
    return {str(key): str(value) for key, value in raw.items()}


def _listeners(spec: str) -> dict[str, tuple[str, int]]:
    """`NAME://host:port,...` (Kafka's listener syntax) as {NAME: (host, port)}."""
    parsed: dict[str, tuple[str, int]] = {}
    for entry in spec.split(","):
        name, separator, address = entry.strip().partition("://")
        assert separator, f"not a Kafka listener: {entry!r}"
        host, _, port = address.rpartition(":")
        parsed[name] = (host, int(port))
    return parsed


def _volume_mounts(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's volumes as {target path in the container: source}."""
    mounts: dict[str, str] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts[str(volume["target"])] = str(volume["source"])
        else:
            source, target, *_mode = str(volume).split(":")
            mounts[target] = source
    return mounts


def _published_container_ports(service: Mapping[str, Any]) -> set[int]:
    ports: set[int] = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports.add(int(port["target"]))
        else:
            container_port = str(port).rsplit(":", 1)[-1].split("/")[0]
            ports.add(int(container_port))
    return ports


def _command(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def _option(arguments: list[str], name: str) -> str:
    assert name in arguments, f"{name} missing from {arguments}"
    return arguments[arguments.index(name) + 1]


def _internal_kafka_address(compose: Mapping[str, Any]) -> str:
    """The advertised address of the listener that other containers (and brokers) use."""
    kafka_env = _environment(_service(compose, "kafka"))
    advertised = _listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    internal = kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"]
    assert internal in advertised, f"listener {internal} is not advertised"
    host, port = advertised[internal]
    return f"{host}:{port}"


def _web_port(compose: Mapping[str, Any]) -> int:
    env = _environment(_service(compose, "worker"))
    return int(env.get("DEXWATCH_WEB_PORT", DEFAULT_WEB_PORT))


def test_all_services_are_defined(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= SERVICES


def test_kafka_image_is_pinned_to_the_projects_kafka_version(compose: dict[str, Any]) -> None:
    assert _service(compose, "kafka")["image"] == KAFKA_IMAGE


def test_kafka_is_a_single_node_kraft_broker(compose: dict[str, Any]) -> None:
    env = _environment(_service(compose, "kafka"))
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}

    listeners = _listeners(env["KAFKA_LISTENERS"])
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert controller in listeners
    assert controller not in _listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    protocol_map = dict(
        pair.split(":") for pair in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert set(listeners) <= set(protocol_map), "every listener needs a security protocol"

    # The only voter is this node, on its own controller listener.
    voter_id, _, voter_address = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].partition("@")
    assert voter_id == env["KAFKA_NODE_ID"]
    assert voter_address == f"kafka:{listeners[controller][1]}"

    for setting in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert env[setting] == "1", setting
    assert int(env["KAFKA_NUM_PARTITIONS"]) == FAUST_TOPIC_PARTITIONS
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"


def test_kafka_has_a_listener_for_the_host_and_publishes_it(compose: dict[str, Any]) -> None:
    kafka = _service(compose, "kafka")
    env = _environment(kafka)
    advertised = _listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    host_listeners = {
        name: port for name, (host, port) in advertised.items() if host == "localhost"
    }
    assert host_listeners, "no listener advertised to clients on the host"
    assert set(host_listeners.values()) <= _published_container_ports(kafka)


def test_kafka_healthcheck_lists_topics_on_the_internal_listener(compose: dict[str, Any]) -> None:
    kafka = _service(compose, "kafka")
    check = [str(part) for part in kafka["healthcheck"]["test"]]
    assert check[0] in {"CMD", "CMD-SHELL"}
    assert "/opt/kafka/bin/kafka-topics.sh" in check
    assert "--list" in check
    internal_port = _internal_kafka_address(compose).rsplit(":", 1)[1]
    assert _option(check, "--bootstrap-server") == f"localhost:{internal_port}"


def test_worker_and_simulator_use_the_kafka_services_internal_listener(
    compose: dict[str, Any],
) -> None:
    internal = _internal_kafka_address(compose)
    assert internal.split(":")[0] == "kafka", "containers must reach the broker by service name"

    worker_env = _environment(_service(compose, "worker"))
    assert worker_env["DEXWATCH_BOOTSTRAP_SERVERS"].split(",") == [internal]
    simulator_command = _command(_service(compose, "simulator"))
    assert _option(simulator_command, "--bootstrap-servers") == internal


def test_worker_and_simulator_wait_for_a_healthy_broker(compose: dict[str, Any]) -> None:
    for name in ("worker", "simulator"):
        depends_on = _service(compose, name)["depends_on"]
        assert depends_on["kafka"]["condition"] == "service_healthy", name


def test_worker_runs_the_worker_command_and_serves_metrics(compose: dict[str, Any]) -> None:
    worker = _service(compose, "worker")
    env = _environment(worker)
    # The image's ENTRYPOINT is `dexwatch`, so the command is the sub-command only.
    assert _command(worker) == ["worker"]
    assert env["DEXWATCH_WEB_BIND"] == "0.0.0.0", "127.0.0.1 is unreachable from other containers"
    assert _web_port(compose) in _published_container_ports(worker)


def test_simulator_feeds_the_topic_the_worker_reads(compose: dict[str, Any]) -> None:
    worker_env = _environment(_service(compose, "worker"))
    command = _command(_service(compose, "simulator"))
    assert command[0] == "simulate"
    assert _option(command, "--topic") == worker_env["DEXWATCH_METRICS_TOPIC"]
    assert float(_option(command, "--rate")) > 0
    assert worker_env["DEXWATCH_ANOMALIES_TOPIC"] == "dexwatch.anomalies"
    assert worker_env["DEXWATCH_DEAD_LETTER_TOPIC"] == "dexwatch.dead-letter"


def test_simulator_command_is_accepted_by_the_dexwatch_cli(compose: dict[str, Any]) -> None:
    command = _command(_service(compose, "simulator"))
    # Imported by name so that type-checking this file does not pull in the whole CLI (the full
    # `mypy` run checks that); at run time this is the parser the image's ENTRYPOINT uses.
    cli = importlib.import_module("streams.cli.main")
    parser: argparse.ArgumentParser = cli.build_parser()
    args = parser.parse_args(command)
    assert args.command == "simulate"
    assert args.bootstrap_servers == _internal_kafka_address(compose)
    assert args.rate == pytest.approx(20.0)


def test_worker_data_dir_is_a_named_volume(compose: dict[str, Any]) -> None:
    worker = _service(compose, "worker")
    data_dir = _environment(worker)["DEXWATCH_DATA_DIR"]
    mounts = _volume_mounts(worker)
    assert data_dir in mounts, "the worker's data dir would be lost with its container"
    assert mounts[data_dir] in (compose.get("volumes") or {}), "not a declared named volume"


def test_worker_and_simulator_build_the_same_image_from_the_dockerfile(
    compose: dict[str, Any],
) -> None:
    builds = [_service(compose, name)["build"] for name in ("worker", "simulator")]
    assert builds[0] == builds[1]
    build = builds[0]
    context = REPO_ROOT / build["context"]
    assert context.resolve() == REPO_ROOT
    assert (context / build["dockerfile"]).resolve() == REPO_ROOT / "deploy" / "Dockerfile"


def test_dockerfile_installs_every_package_and_runs_dexwatch_as_non_root() -> None:
    instructions = [
        line.strip()
        for line in (REPO_ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert instructions[0] == "FROM python:3.11-slim"
    assert 'ENTRYPOINT ["dexwatch"]' in instructions

    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0"}

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {
        pattern.rstrip("*").rstrip(".")
        for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {line.split()[1] for line in instructions if line.startswith("COPY ")}
    assert packages <= copied, f"packages not copied into the image: {packages - copied}"


def test_dockerignore_keeps_local_environments_out_of_the_build_context() -> None:
    ignored = {
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv"} <= ignored


def test_prometheus_mounts_the_scrape_config(compose: dict[str, Any]) -> None:
    prometheus = _service(compose, "prometheus")
    image, _, tag = str(prometheus["image"]).partition(":")
    assert image == "prom/prometheus"
    assert tag.startswith("v3."), f"prom/prometheus must be pinned to a v3.x tag, not {tag!r}"
    mounts = _volume_mounts(prometheus)
    assert (REPO_ROOT / mounts["/etc/prometheus/prometheus.yml"]).resolve() == PROMETHEUS_FILE
    assert 9090 in _published_container_ports(prometheus)


def test_prometheus_scrapes_the_worker_service_on_its_web_port(compose: dict[str, Any]) -> None:
    config = _load_yaml(PROMETHEUS_FILE)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    job = jobs["dexwatch-worker"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    assert job.get("scrape_interval", config["global"]["scrape_interval"]) == "15s"
    targets = [target for group in job["static_configs"] for target in group["targets"]]
    assert f"worker:{_web_port(compose)}" in targets


def _compose_tool() -> list[str] | None:
    """`docker compose` (v2 plugin) when it works, else `docker-compose`, else None."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False, timeout=60
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy is not None else None


def test_compose_tool_accepts_the_file() -> None:
    tool = _compose_tool()
    if tool is None:
        missing = (
            "no compose implementation: neither the `docker compose` plugin nor `docker-compose` "
            "is installed (Debian: apt-get install --no-install-recommends docker-compose)"
        )
        missing_tool(missing)  # .ci/run installs one
    result = subprocess.run(
        [*tool, "--file", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"{' '.join(tool)} config rejected the file:\n{result.stderr}"
