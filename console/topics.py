"""The topics the console reads and writes, named by the worker's own topic settings."""

from __future__ import annotations

from dataclasses import dataclass

from dexwatch.streams.settings import WorkerSettings

__all__ = ["ConsoleTopics"]


@dataclass(frozen=True, slots=True)
class ConsoleTopics:
    anomalies: str
    alerts: str
    scores: str
    model_actions: str
    feedback: str
    incident_controls: str
    partitions: int  # for the topics the console creates when missing

    @classmethod
    def of(cls, settings: WorkerSettings) -> ConsoleTopics:
        return cls(
            anomalies=settings.anomalies_topic,
            alerts=settings.alerts_topic,
            scores=settings.scores_topic,
            model_actions=settings.model_actions_topic,
            feedback=settings.feedback_topic,
            incident_controls=settings.incident_controls_topic,
            partitions=settings.topic_partitions,
        )

    @property
    def read(self) -> tuple[str, ...]:
        return (
            self.anomalies,
            self.alerts,
            self.scores,
            self.model_actions,
            self.feedback,
            self.incident_controls,
        )
