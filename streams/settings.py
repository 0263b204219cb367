"""The worker's settings: typed, frozen, from `DEXWATCH_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import SettingsConfigDict

from dexwatch.detectors.series_model import SeriesModelSettings
from dexwatch.messaging.kafka_settings import KafkaSettings
from dexwatch.schemas.codec import describe_validation_error
from dexwatch.schemas.errors import ConfigError
from dexwatch.streams.datasets import DatasetConfig, load_datasets
from dexwatch.streams.datasets.event_time_window import EventTimeWindow

__all__ = ["WorkerSettings"]


class WorkerSettings(KafkaSettings):
    """Everything `dexwatch worker` needs. Nested detector fields: `DEXWATCH_DETECTOR__<FIELD>`.

    Kafka and the topic names are `KafkaSettings`' (`bootstrap_servers`, `topics`).
    """

    model_config = SettingsConfigDict(
        env_prefix="DEXWATCH_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    app_id: str = Field(default="dexwatch", pattern=r"^[A-Za-z0-9._\-]+$")
    dataset: str = Field(default="default", min_length=1, description="Name on anomaly events.")
    topic_partitions: int = Field(default=8, ge=1, le=1024)
    web_bind: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=1, le=65535)
    web_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of the web port's routes other than /metrics and /health "
        "(streams/web_access.py); needed there whenever `web_bind` is beyond loopback.",
    )
    web_token_file: Path | None = Field(
        default=None, description="A file holding `web_token` (a mounted secret), if not set."
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="Where incident links lead, `<public_url>/incidents/<id>`: the console "
        "(e.g. https://dexwatch.example.com, its page of the incident: docs/console-page.md), "
        "or this worker's web port (e.g. http://dexwatch-0.internal:6066, its JSON).",
    )
    data_dir: Path = Path(".dexwatch/worker")
    max_series: int = Field(default=100_000, ge=1, description="Cardinality guard.")
    detector: SeriesModelSettings = Field(default_factory=SeriesModelSettings)
    broker_session_timeout_s: float = Field(
        default=60.0,
        ge=1.0,
        le=3600.0,
        description="A worker silent this long leaves the group and its partitions move.",
    )
    group_instance_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._\-]{1,249}$",
        description="Kafka static membership (KIP-345): a stable name per worker (e.g. its host "
        "or ordinal). A restarted worker with the same name takes its partitions back at once "
        "instead of after the session timeout; a worker stopped for good keeps them unserved "
        "until that timeout. Each worker of a group needs its own.",
    )
    snapshot_interval_s: float = Field(
        default=300.0,
        ge=0.5,
        le=86_400.0,
        description="A series' model is snapshotted at most this often (and on rebalance/stop).",
    )
    snapshot_history: int = Field(
        default=3, ge=1, le=255, description="Snapshots kept per series (a rollback's choices)."
    )
    dead_letter_original_max_bytes: int = Field(
        default=64 * 1024,
        ge=0,
        le=512 * 1024,  # base64 makes it 4/3 larger: still under Kafka's 1 MiB request
        description="How much of a bad record a dead letter keeps (its size and SHA-256 always).",
    )
    max_envelope_events: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="Elements per batch record (a JSON array); a larger one is dead-lettered "
        "whole (`envelope_too_large`).",
    )
    event_times: EventTimeWindow = Field(
        default_factory=EventTimeWindow,
        description="The default dataset's window of event times (`DEXWATCH_EVENT_TIMES__"
        "EARLIEST`, `..._MAX_AHEAD`); datasets from a file set their own `event_times`.",
    )
    batch_intake: bool = Field(
        default=True,
        description="Hand the input topics' records to the handler in batches straight from "
        "the consumer's fetches instead of through faust's per-record stream "
        "(streams/engine/faust/batch_intake.py).",
    )
    datasets: Path | None = Field(
        default=None,
        description="A YAML file or folder of datasets (docs/datasets.md). Without it, one "
        "dataset named `dataset` scores every event of `topics.metrics` on its own, with "
        "`detector` and `max_series`.",
    )

    def dataset_configs(self) -> tuple[DatasetConfig, ...]:
        """The datasets this worker runs; a bad file raises `ConfigError` naming the field."""
        if self.datasets is not None:
            return load_datasets(self.datasets)
        try:
            return (
                DatasetConfig.model_validate(
                    {
                        "name": self.dataset,
                        "source": {"topic": self.topics.metrics},
                        "dimensions": "*",
                        "measures": "*",
                        "interval": "none",
                        "detector": self.detector,
                        "max_series": self.max_series,
                        "event_times": self.event_times,
                    }
                ),
            )
        except ValidationError as error:
            raise ConfigError(f"DEXWATCH_DATASET: {describe_validation_error(error)}") from error
