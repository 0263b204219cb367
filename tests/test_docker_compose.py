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

from tests.makefile_variables import make_variable
from tests.system_tools import missing_tool

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
PROMETHEUS_FILE = REPO_ROOT / "deploy" / "prometheus.yml"
KAFKA_IMAGE = "apache/kafka:3.9.1"
SERVICES = {
    "kafka",
    "worker",
    "simulator",
    "sinks",
    "console",
    "connector",
    "prometheus",
    "grafana",
}
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


def _host_path(compose: Mapping[str, Any], service: str, container_path: str) -> Path:
    """The file or folder of the repository that is `container_path` in `service`: the bind
    mount of the longest prefix of that path."""
    mounts = _volume_mounts(_service(compose, service))
    for target in sorted(mounts, key=len, reverse=True):
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            source = mounts[target]
            assert source.startswith("./"), f"{service}: {container_path} is not a bind mount"
            return (REPO_ROOT / source / container_path[len(target) :].lstrip("/")).resolve()
    raise AssertionError(f"{service} mounts nothing at {container_path}")


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
    cli = importlib.import_module("dexwatch.cli.main")
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
    # The image is the last stage; an earlier one only fetches the page's uPlot.
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert stages[-1] == "FROM python:3.11-slim"
    assert 'ENTRYPOINT ["dexwatch"]' in instructions

    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0"}

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {*pyproject["tool"]["setuptools"]["package-dir"].values(), "dexwatch"}
    copies = [line.split() for line in instructions if line.startswith("COPY ")]
    copied = {parts[1] for parts in copies if not parts[1].startswith("--from")}
    assert packages <= copied, f"packages not copied into the image: {packages - copied}"


def test_the_image_fetches_the_same_pinned_uplot_as_make_setup() -> None:
    dockerfile = (REPO_ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    arguments = dict(
        line.removeprefix("ARG ").split("=", 1)
        for line in dockerfile.splitlines()
        if line.startswith("ARG ")
    )
    assert arguments["UPLOT_VERSION"] == make_variable("UPLOT_VERSION")
    assert arguments["UPLOT_INTEGRITY"] == make_variable("UPLOT_INTEGRITY")
    assert "COPY --from=console-vendor /vendor/out ./console/static/vendor" in dockerfile


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


def _dexwatch_services(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the dexwatch image (its ENTRYPOINT is `dexwatch`)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == "dexwatch:local"
    }


def test_every_dexwatch_service_runs_a_real_dexwatch_command(compose: dict[str, Any]) -> None:
    cli = importlib.import_module("dexwatch.cli.main")
    parser: argparse.ArgumentParser = cli.build_parser()
    services = _dexwatch_services(compose)
    assert set(services) >= SERVICES - {"kafka", "prometheus", "grafana"}
    for name, service in services.items():
        # Files the command names are read in the container: here, their mounted originals.
        command = [
            str(_host_path(compose, name, part)) if part.startswith("/etc/") else part
            for part in _command(service)
        ]
        args = parser.parse_args(command)
        assert callable(getattr(args, "handler", None)), f"{name}: not a runnable command"
        assert service["build"] == services["worker"]["build"], f"{name} builds another image"


def test_every_mounted_file_of_the_repository_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for target, source in _volume_mounts(service).items():
            if source.startswith("."):
                assert (REPO_ROOT / source).exists(), f"{name} mounts {source} at {target}"
            else:
                assert source in (compose.get("volumes") or {}), f"{name}: undeclared {source}"


def test_every_published_port_listens_on_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_the_worker_runs_the_shipped_datasets(compose: dict[str, Any]) -> None:
    datasets_module = importlib.import_module("dexwatch.streams.datasets")
    env = _environment(_service(compose, "worker"))
    folder = _host_path(compose, "worker", env["DEXWATCH_DATASETS"])
    assert folder == REPO_ROOT / "deploy" / "datasets"
    loaded = datasets_module.load_datasets(folder)  # a bad file fails the worker at start
    assert {dataset.source.topic for dataset in loaded} >= {env["DEXWATCH_METRICS_TOPIC"]}


def _sinks_config(compose: Mapping[str, Any]) -> Any:
    sinks = _service(compose, "sinks")
    command = _command(sinks)
    path = _host_path(compose, "sinks", _option(command, "--config"))
    config_module = importlib.import_module("dexwatch.sinks.config")
    env = _environment(sinks)
    assert env["DEXWATCH_SLACK_WEBHOOK_URL"] == "${DEXWATCH_SLACK_WEBHOOK_URL:-}"
    with pytest.MonkeyPatch.context() as patch:  # the secret the host would give
        patch.setenv("DEXWATCH_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/x")
        return config_module.load_sinks_config(path)


def test_the_sinks_read_the_workers_alerts_and_serve_metrics_to_prometheus(
    compose: dict[str, Any],
) -> None:
    config = _sinks_config(compose)
    assert config.bootstrap_servers == _internal_kafka_address(compose)
    assert config.metrics_bind == "0.0.0.0"
    assert config.sinks, "no sink to deliver to"
    data_dir = str(config.data_dir)
    assert any(data_dir.startswith(target) for target in _volume_mounts(_service(compose, "sinks")))


def test_the_connector_is_an_opt_in_profile_with_secrets_from_the_host(
    compose: dict[str, Any],
) -> None:
    connector = _service(compose, "connector")
    assert connector["profiles"] == ["thegraph"]
    env = _environment(connector)
    assert env["DEXWATCH_BOOTSTRAP_SERVERS"] == _internal_kafka_address(compose)
    for name in ("DEXWATCH_THEGRAPH_ENDPOINT", "DEXWATCH_THEGRAPH_API_KEY"):
        assert env[name] == f"${{{name}:-}}", f"{name} must come from the host, never the file"
    checkpoint = _option(_command(connector), "--checkpoint")
    assert any(checkpoint.startswith(target) for target in _volume_mounts(connector))


def _metrics_ports(compose: Mapping[str, Any]) -> dict[str, int]:
    """{service: the port its /metrics listens on in its container}."""
    ports = {
        "worker": _web_port(compose),
        "sinks": int(_sinks_config(compose).metrics_port),
        "connector": int(_option(_command(_service(compose, "connector")), "--metrics-port")),
    }
    console_env = _environment(_service(compose, "console"))
    ports["console"] = int(console_env["DEXWATCH_CONSOLE__PORT"])
    return ports


def test_prometheus_scrapes_every_dexwatch_service_where_it_listens(
    compose: dict[str, Any],
) -> None:
    config = _load_yaml(PROMETHEUS_FILE)
    targets = {
        target
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    expected = {f"{name}:{port}" for name, port in _metrics_ports(compose).items()}
    assert targets == expected


def test_prometheus_loads_the_alert_rules_from_a_mounted_folder(compose: dict[str, Any]) -> None:
    config = _load_yaml(PROMETHEUS_FILE)
    in_container = Path("/etc/prometheus")
    for rule_file in config["rule_files"]:
        host = _host_path(compose, "prometheus", str(in_container / rule_file))
        assert host == REPO_ROOT / "deploy" / "prometheus" / "rules.yml"


def test_grafana_is_provisioned_with_the_datasource_and_the_dashboard(
    compose: dict[str, Any],
) -> None:
    grafana = _service(compose, "grafana")
    image, _, tag = str(grafana["image"]).partition(":")
    assert image == "grafana/grafana"
    assert tag[:1].isdigit(), f"grafana must be pinned to a version, not {tag!r}"
    provisioning = _host_path(compose, "grafana", "/etc/grafana/provisioning")
    assert provisioning == REPO_ROOT / "deploy" / "grafana" / "provisioning"
    [provider] = _load_yaml(provisioning / "dashboards" / "dexwatch.yml")["providers"]
    dashboards = _host_path(compose, "grafana", provider["options"]["path"])
    assert (dashboards / "dexwatch.json").is_file()
    home = _environment(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert _host_path(compose, "grafana", home) == dashboards / "dexwatch.json"
    [source] = _load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert source["url"] == "http://prometheus:9090"
    assert 9090 in _published_container_ports(_service(compose, "prometheus"))
    assert 3000 in _published_container_ports(grafana)


def test_the_console_reads_the_workers_topics_and_incident_links_lead_to_it(
    compose: dict[str, Any],
) -> None:
    worker_env = _environment(_service(compose, "worker"))
    console = _service(compose, "console")
    env = _environment(console)
    topics = {name: value for name, value in worker_env.items() if name.endswith("_TOPIC")}
    assert topics, "the worker names no topics"
    assert {name: env.get(name) for name in topics} == topics
    assert env["DEXWATCH_BOOTSTRAP_SERVERS"] == worker_env["DEXWATCH_BOOTSTRAP_SERVERS"]
    assert env["DEXWATCH_DATASETS"] == worker_env["DEXWATCH_DATASETS"]
    assert _host_path(compose, "console", env["DEXWATCH_DATASETS"]).is_dir()
    assert env["DEXWATCH_CONSOLE__BIND"] == "0.0.0.0"
    port = int(env["DEXWATCH_CONSOLE__PORT"])
    assert f"127.0.0.1:{port}:{port}" in console["ports"]
    # The worker's incident links open the console's page, on the port the host reaches.
    assert worker_env["DEXWATCH_PUBLIC_URL"] == env["DEXWATCH_CONSOLE__PUBLIC_URL"]
    assert worker_env["DEXWATCH_PUBLIC_URL"].endswith(f"http://localhost:{port}}}")
    for name in ("TOKEN", "WRITE_TOKEN"):  # secrets come from the host, never the file
        assert env[f"DEXWATCH_CONSOLE__{name}"] == f"${{DEXWATCH_CONSOLE_{name}:-}}"
    store = env["DEXWATCH_CONSOLE__STORE_PATH"]
    assert any(store.startswith(target) for target in _volume_mounts(console))
