"""The broker's `server.properties` and `log4j.properties` for one local KRaft node."""

from __future__ import annotations

from pathlib import Path

from dexwatch.deploy.local_kafka.settings import LocalKafkaSettings

__all__ = ["CLUSTER_ID", "write_log4j_properties", "write_server_properties"]

# Any 22 url-safe base64 characters; a fixed id lets the data dir be reused across starts.
CLUSTER_ID = "ZGV4d2F0Y2gtbG9jYWwtMQ"


def write_server_properties(settings: LocalKafkaSettings, path: Path) -> Path:
    host = settings.host
    lines = {
        "process.roles": "broker,controller",
        "node.id": str(settings.node_id),
        "controller.quorum.voters": settings.quorum_voters
        or f"{settings.node_id}@{host}:{settings.controller_port}",
        "listeners": f"PLAINTEXT://{host}:{settings.port},CONTROLLER://{host}:{settings.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{settings.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(settings.state_dir / "data"),
        "num.partitions": str(settings.partitions),
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        # One node: no reason to wait for other members before the first rebalance.
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
    }
    secure = settings.sasl_ssl_listener
    if secure is not None:
        listener = f"SASL_SSL://{host}:{secure.port}"
        lines["listeners"] += f",{listener}"
        lines["advertised.listeners"] += f",{listener}"
        lines["listener.security.protocol.map"] += ",SASL_SSL:SASL_SSL"
        lines |= secure.server_properties()
    path.write_text("".join(f"{key}={value}\n" for key, value in lines.items()))
    return path


def write_log4j_properties(settings: LocalKafkaSettings, path: Path) -> Path:
    settings.log_file.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "log4j.rootLogger=INFO, file\n"
        "log4j.appender.file=org.apache.log4j.RollingFileAppender\n"
        f"log4j.appender.file.File={settings.log_file}\n"
        "log4j.appender.file.MaxFileSize=50MB\n"
        "log4j.appender.file.MaxBackupIndex=2\n"
        "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        # The controller's state-change chatter drowns the lines people need.
        "log4j.logger.state.change.logger=WARN\n"
        "log4j.logger.kafka.controller=WARN\n"
    )
    return path
