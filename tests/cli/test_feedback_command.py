"""`dexwatch feedback`: its arguments, and what a bad one says it expected.

Finding the incident and sending the verdict run against the real broker in
`tests/streams/incidents/test_feedback_loop.py`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pytest

from dexwatch.cli import feedback_command

INCIDENT = "5d0e7c3a-1b6f-5a28-9e4d-7f3c2a1b0e96"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dexwatch")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    feedback_command.register(commands.add_parser("feedback"))
    return parser.parse_args(argv)


def refused(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_a_verdict_with_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEXWATCH_ALERTS_TOPIC", raising=False)
    monkeypatch.delenv("DEXWATCH_FEEDBACK_TOPIC", raising=False)
    args = parse(["feedback", INCIDENT.upper(), "--not-relevant", "--note", "a known burst"])
    assert (args.incident_id, args.verdict, args.note) == (
        INCIDENT,
        "not_relevant",
        "a known burst",
    )
    _, alerts_topic, feedback_topic = feedback_command.where(args)
    assert (alerts_topic, feedback_topic, args.timeout) == (
        "dexwatch.alerts",
        "dexwatch.feedback",
        30.0,
    )
    assert parse(["feedback", INCIDENT, "--relevant"]).verdict == "relevant"


def test_topics_come_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXWATCH_ALERTS_TOPIC", "mine.alerts")
    monkeypatch.setenv("DEXWATCH_FEEDBACK_TOPIC", "mine.feedback")
    monkeypatch.setenv("DEXWATCH_BOOTSTRAP_SERVERS", "broker:29092")
    kafka, alerts, feedback = feedback_command.where(parse(["feedback", INCIDENT, "--relevant"]))
    assert (kafka.bootstrap_servers, alerts, feedback) == (
        "broker:29092",
        "mine.alerts",
        "mine.feedback",
    )
    given = parse(
        ["feedback", INCIDENT, "--relevant", "--alerts-topic", "a", "--feedback-topic", "f"]
    )
    assert feedback_command.where(given)[1:] == ("a", "f")


def test_bad_arguments_say_what_was_expected(capsys: pytest.CaptureFixture[str]) -> None:
    assert "expected an incident id (a UUID" in refused(["feedback", "42", "--relevant"], capsys)
    missing = refused(["feedback", INCIDENT], capsys)
    assert "one of the arguments --relevant --not-relevant is required" in missing
    both = refused(["feedback", INCIDENT, "--relevant", "--not-relevant"], capsys)
    assert "not allowed with argument" in both
    assert "expected a note of 1 to 2000" in refused(
        ["feedback", INCIDENT, "--relevant", "--note", " "], capsys
    )
    assert "expected a finite number > 0" in refused(
        ["feedback", INCIDENT, "--relevant", "--timeout", "0"], capsys
    )
