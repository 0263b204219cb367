"""`dexwatch feedback INCIDENT_ID --relevant | --not-relevant`: a verdict on an incident.

Finds the incident's latest version on the alerts topic, and sends a `FeedbackEvent` naming its
contributors (series and measures) to the feedback topic, keyed by its dataset. The worker then
makes those series and measures need a higher ('not relevant') or lower ('relevant') severity
to alert again, and records the verdict on the incident (docs/alerts.md).
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime

from dexwatch.cli.arguments import add_bootstrap_servers, kafka_settings, positive_float
from dexwatch.connectors.kafka_producer import EventProducer
from dexwatch.messaging.kafka_settings import KafkaSettings
from dexwatch.messaging.topic_names import DEFAULT_TOPICS
from dexwatch.schemas.feedback import FeedbackVerdict, feedback_on
from dexwatch.streams.incidents.lookup import find_incident

__all__ = ["register"]

_NOTE_LIMIT = 2000


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Send a verdict on an incident to the feedback topic. 'Not relevant' makes "
        "its series and measures need a higher severity to alert again, 'relevant' a lower "
        "one; the effect is bounded and wears off (docs/alerts.md)."
    )
    parser.add_argument("incident_id", type=_incident_id, metavar="INCIDENT_ID")
    verdict = parser.add_mutually_exclusive_group(required=True)
    verdict.add_argument(
        "--relevant", dest="verdict", action="store_const", const="relevant", help="it mattered"
    )
    verdict.add_argument(
        "--not-relevant",
        dest="verdict",
        action="store_const",
        const="not_relevant",
        help="it was noise: alert less on these series and measures",
    )
    parser.add_argument("--note", type=_note, help="a few words kept with the verdict")
    add_bootstrap_servers(parser)
    parser.add_argument(
        "--alerts-topic",
        help=f"where incidents are (default: $DEXWATCH_ALERTS_TOPIC or {DEFAULT_TOPICS.alerts})",
    )
    parser.add_argument(
        "--feedback-topic",
        help=f"where verdicts go (default: $DEXWATCH_FEEDBACK_TOPIC or {DEFAULT_TOPICS.feedback})",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=30.0,
        help="seconds to look for the incident (default: %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _incident_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an incident id (a UUID such as 5d0e7c3a-1b6f-5a28-9e4d-7f3c2a1b0e96, "
            f"as `dexwatch tail --alerts` shows), got {text!r}"
        ) from None


def _note(text: str) -> str:
    if not text.strip() or len(text) > _NOTE_LIMIT:
        raise argparse.ArgumentTypeError(
            f"expected a note of 1 to {_NOTE_LIMIT} characters, got {len(text)}"
        )
    return text


def where(args: argparse.Namespace) -> tuple[KafkaSettings, str, str]:
    """Kafka, the alerts topic and the feedback topic: the options', else the environment's."""
    kafka = kafka_settings(args)
    return (
        kafka,
        args.alerts_topic or kafka.topics.alerts,
        args.feedback_topic or kafka.topics.feedback,
    )


def _run(args: argparse.Namespace) -> int:
    kafka, alerts_topic, feedback_topic = where(args)
    incident = find_incident(kafka.bootstrap_servers, alerts_topic, args.incident_id, args.timeout)
    verdict: FeedbackVerdict = args.verdict
    given_at = datetime.now(UTC)
    feedback = feedback_on(incident, verdict, args.note, given_at)
    targets = feedback.targets
    with EventProducer(kafka.bootstrap_servers, source="feedback") as producer:
        producer.send_record(feedback_topic, incident.dataset.encode(), feedback)
    measures = sorted({target.measure or "no data" for target in targets})
    print(
        f"feedback {verdict} on incident {incident.incident_id} (v{incident.version}, "
        f"{incident.status}, dataset {incident.dataset}: {incident.title}) sent to "
        f"{feedback_topic}: {len(targets)} series-measures "
        f"({len({t.series for t in targets})} series; {', '.join(measures)}); "
        f"feedback id {feedback.feedback_id}"
    )
    return 0
