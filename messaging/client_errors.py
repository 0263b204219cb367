"""The first error librdkafka reports for a client, to say why a request failed.

A refused password or certificate surfaces from a request only as "Broker transport failure";
librdkafka says what really happened to the client's `error_cb` ("SASL authentication error:
Authentication failed ..."). Kept so the failure names the cause.
"""

from __future__ import annotations

from confluent_kafka import KafkaError

__all__ = ["FirstClientError"]


class FirstClientError:
    """An `error_cb` that keeps the first error; `describe()` for a message."""

    def __init__(self) -> None:
        self.error: KafkaError | None = None

    def __call__(self, error: KafkaError) -> None:
        if self.error is None:
            self.error = error

    def describe(self) -> str:
        return "" if self.error is None else f" ({self.error.str()})"
