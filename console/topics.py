"""The topics the console reads and writes, named by the same `TopicNames` as the worker's."""

from __future__ import annotations

from dataclasses import dataclass

from dexwatch.messaging.topic_names import TopicNames

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
    def of(cls, names: TopicNames, partitions: int) -> ConsoleTopics:
        return cls(
            anomalies=names.anomalies,
            alerts=names.alerts,
            scores=names.scores,
            model_actions=names.model_actions,
            feedback=names.feedback,
            incident_controls=names.incident_controls,
            partitions=partitions,
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
