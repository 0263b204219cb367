"""Settings of the local broker: one version string, loopback ports, where things live."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dexwatch.deploy.local_kafka.sasl_ssl_listener import SaslSslListener

__all__ = ["LocalKafkaSettings"]

Port = Annotated[int, Field(ge=1, le=65535)]


def _cache_home() -> Path:
    return Path.home() / ".cache" / "dexwatch"


def _state_home() -> Path:
    return Path.home() / ".local" / "share" / "dexwatch" / "kafka"


class LocalKafkaSettings(BaseSettings):
    """Where and how the local single-node KRaft broker runs. Env prefix: `DEXWATCH_KAFKA_`."""

    model_config = SettingsConfigDict(env_prefix="DEXWATCH_KAFKA_", frozen=True, extra="forbid")

    version: str = Field(default="3.9.1", pattern=r"^\d+\.\d+\.\d+$")
    host: str = Field(default="127.0.0.1", pattern=r"^(127\.\d+\.\d+\.\d+|localhost)$")
    port: Port = 9092
    controller_port: Port = 9093
    partitions: int = Field(default=8, ge=1, le=1024, description="num.partitions (faust's).")
    heap: str = Field(default="512m", pattern=r"^\d+[mg]$")
    cache_dir: Path = Field(default_factory=_cache_home, description="Jars, outside the checkout.")
    state_dir: Path = Field(default_factory=_state_home, description="Data, logs, pid file.")
    start_timeout_s: float = Field(default=90.0, gt=0)
    sasl_ssl_listener: SaslSslListener | None = Field(
        default=None, description="A second client listener, SASL_SSL (tests of TLS and SASL)."
    )
    node_id: int = Field(default=1, ge=1, description="node.id; another per node of a cluster.")
    quorum_voters: str | None = Field(
        default=None,
        pattern=r"^\d+@[^:,@]+:\d+(,\d+@[^:,@]+:\d+)*$",
        description="controller.quorum.voters of a local cluster (`1@host:port,2@host:port,...`, "
        "every node's controller); default: this node alone.",
    )

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def libs_dir(self) -> Path:
        return self.cache_dir / f"kafka-{self.version}" / "libs"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / "server.log"
