"""The Slack message: valid Block Kit holding what a person needs, each version marked."""

from __future__ import annotations

from typing import Any

import pytest

from dexwatch.schemas.incident import IncidentContributor
from dexwatch.sinks.slack.message import HEADER_LIMIT, slack_message, status_mark
from tests.http_servers.slack_like_server import block_kit_problem
from tests.sinks.incidents import incident, incident_versions

LINK = "https://dexwatch.example/incidents/abc"


def blocks_of(kind: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in message["blocks"] if block["type"] == kind]


def all_text(message: dict[str, Any]) -> str:
    texts: list[str] = [message["text"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                texts.append(node["text"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(message["blocks"])
    return "\n".join(texts)


@pytest.mark.parametrize("event", incident_versions(1, 3, link=LINK), ids=["open", "upd", "res"])
def test_every_version_is_valid_block_kit(event: Any) -> None:
    assert block_kit_problem(slack_message(event)) is None


def test_the_header_says_what_the_version_is_and_its_severity() -> None:
    opened, updated, resolved = incident_versions(4, 3)
    heads = [
        blocks_of("header", slack_message(e))[0]["text"]["text"] for e in incident_versions(4, 3)
    ]
    assert "NEW" in heads[0]
    assert "sev 88" in heads[0]
    assert "UPDATED v2" in heads[1]
    assert "RESOLVED" in heads[2]
    assert [status_mark(e) for e in (opened, updated, resolved)] == [
        "NEW",
        "UPDATED v2",
        "RESOLVED",
    ]
    assert slack_message(resolved)["text"].startswith("RESOLVED: sev 88 · ")


def test_the_incident_id_and_version_are_on_every_message() -> None:
    for event in incident_versions(5, 3):
        context = blocks_of("context", slack_message(event))[0]["elements"][0]["text"]
        assert f"`{event.incident_id}` v{event.version}" in context


def test_what_happened_in_one_line_and_when() -> None:
    event = incident(6)
    text = all_text(slack_message(event))
    assert f"*{event.title}*" in text
    assert "chain=`ethereum`" in text
    timestamp = int(event.interval_start.timestamp())
    assert f"<!date^{timestamp}^{{date_short_pretty}} {{time}}|2026-01-06 11:06 UTC>" in text


def test_contributors_show_value_against_the_expected_band() -> None:
    text = all_text(slack_message(incident(7)))
    assert "*What moved*" in text
    assert (
        "`chain=ethereum,dex=uniswap-v3,pool=0x000700` *volume_usd* 7.4k vs expected 278 to 1.8k"
        in text
    )
    assert "(+4.2 band widths, sev 90, 60% of it)" in text
    assert "*fees_usd* 7.4k vs expected 278 to 1.8k (+3.2 band widths, sev 89, 40% of it)" in text


def test_a_no_data_contributor_says_so() -> None:
    silent = IncidentContributor(
        series="pool=0xdead",
        dimensions={"pool": "0xdead"},
        measure=None,
        kind="no_data",
        severity=70,
        share=1.0,
        anomaly_id="a",
        interval_start=incident(8).interval_start,
    )
    text = all_text(slack_message(incident(8, contributors=[silent])))
    assert "`pool=0xdead` sent no data (sev 70, 100% of it)" in text


def test_many_contributors_are_cut_with_a_count() -> None:
    many = incident(9).contributors * 6
    message = slack_message(incident(9, contributors=many), max_contributors=5)
    assert block_kit_problem(message) is None
    assert "…and 7 more" in all_text(message)


def test_the_link_is_a_button_when_there_is_one() -> None:
    with_link = slack_message(incident(10, link=LINK))
    (actions,) = blocks_of("actions", with_link)
    assert actions["elements"][0]["url"] == LINK
    assert blocks_of("actions", slack_message(incident(10))) == []


def test_a_resolved_incident_says_when() -> None:
    resolved = incident_versions(11, 2)[-1]
    assert resolved.resolved_at is not None
    assert "*Resolved*" in all_text(slack_message(resolved))
    assert "*Open since*" in all_text(slack_message(incident(11)))


def test_long_titles_fit_the_header_and_markup_is_escaped() -> None:
    event = incident(12, title="<!channel> & " + "x" * 280)
    message = slack_message(event)
    assert block_kit_problem(message) is None
    header = blocks_of("header", message)[0]["text"]["text"]
    assert len(header) == HEADER_LIMIT
    assert header.endswith("…")
    assert "*&lt;!channel&gt; &amp; x" in all_text(message)
    # Only the header is plain text (shown as written, never a mention); all else is escaped.
    assert "<!channel>" in header
    assert "<!channel>" not in all_text(message).replace(header, "")
