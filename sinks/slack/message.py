"""An incident version as a Slack message in Block Kit.

Incoming webhooks cannot thread replies, so every version stands alone and says what it is in
its first words: `NEW`, `UPDATED v3` or `RESOLVED`, with the incident id and version at the
bottom so the versions of one incident are easy to find. The message holds the severity, what
happened in one line (the incident's title), when, the contributors with their value against
the expected band, and a button to the incident's page when the worker publishes links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dexwatch.schemas.anomaly_text import compact_number
from dexwatch.schemas.incident import IncidentContributor, IncidentEvent

__all__ = ["HEADER_LIMIT", "SECTION_LIMIT", "slack_message", "status_mark"]

# Block Kit's limits (https://api.slack.com/reference/block-kit/blocks).
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
_EMOJI = {
    "open": ":red_circle:",
    "updated": ":large_orange_circle:",
    "resolved": ":white_check_mark:",
}


def status_mark(incident: IncidentEvent) -> str:
    """`NEW`, `UPDATED v3` or `RESOLVED`: what this version is, in a word or two."""
    if incident.status == "open":
        return "NEW"
    if incident.status == "updated":
        return f"UPDATED v{incident.version}"
    return "RESOLVED"


def slack_message(incident: IncidentEvent, *, max_contributors: int = 5) -> dict[str, Any]:
    """The webhook payload: `text` (the notification's words) and `blocks`."""
    mark = status_mark(incident)
    header = f"{_EMOJI[incident.status]} {mark} · sev {incident.severity} · {incident.title}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(_cut(header, HEADER_LIMIT))},
        {
            "type": "section",
            "text": _mrkdwn(_cut(_summary(incident), SECTION_LIMIT)),
            "fields": [_mrkdwn(text) for text in _fields(incident)],
        },
        {"type": "section", "text": _mrkdwn(_contributors(incident, max_contributors))},
    ]
    if incident.link is not None and incident.link.startswith(("https://", "http://")):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": _plain("Open incident"),
                        "url": incident.link,
                        "action_id": "open_incident",
                    }
                ],
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                _mrkdwn(
                    f"dexwatch · incident `{_code(incident.incident_id)}` v{incident.version}"
                    f" · first anomaly {_date(incident.first_interval_start)}"
                )
            ],
        }
    )
    # `text` is what notifications show, read as mrkdwn: a title of `<!channel>` must not ping.
    text = f"{mark}: sev {incident.severity} · {_escape(incident.title)}"
    return {"text": _cut(text, SECTION_LIMIT), "blocks": blocks}


def _summary(incident: IncidentEvent) -> str:
    lines = [f"*{_escape(incident.title)}*"]
    if incident.group:
        lines.append(" · ".join(f"{name}=`{_code(v)}`" for name, v in incident.group.items()))
    return "\n".join(lines)


def _fields(incident: IncidentEvent) -> list[str]:
    fields = [
        f"*Severity*\n{incident.severity} / 100",
        f"*Dataset*\n`{_code(incident.dataset)}`",
        f"*Interval*\n{_date(incident.interval_start)} → {_date(incident.interval_end)}",
    ]
    if incident.resolved_at is not None:
        fields.append(f"*Resolved*\n{_date(incident.resolved_at)}")
    else:
        fields.append(f"*Open since*\n{_date(incident.first_interval_start)}")
    return fields


def _contributors(incident: IncidentEvent, limit: int) -> str:
    lines = ["*What moved*"]
    shown = 0
    for contributor in incident.contributors[:limit]:
        line = _contributor(contributor)
        if sum(len(text) + 1 for text in lines) + len(line) > SECTION_LIMIT - 40:
            break
        lines.append(line)
        shown += 1
    if len(incident.contributors) > shown:
        lines.append(f"…and {len(incident.contributors) - shown} more")
    return "\n".join(lines)


def _contributor(contributor: IncidentContributor) -> str:
    series = f"`{_code(_cut(contributor.series, 300))}`"
    share = f"{contributor.share:.0%} of it"
    if contributor.kind == "no_data" or contributor.measure is None:
        return f"• {series} sent no data (sev {contributor.severity}, {share})"
    moved = f"• {series} *{_escape(contributor.measure)}* {_number(contributor.value)}"
    if contributor.expected_low is not None or contributor.expected_high is not None:
        band = f"{_number(contributor.expected_low)} to {_number(contributor.expected_high)}"
        moved += f" vs expected {band}"
    details = [f"sev {contributor.severity}", share]
    if contributor.deviation is not None:
        details.insert(0, f"{contributor.deviation:+.1f} band widths")
    return f"{moved} ({', '.join(details)})"


def _number(value: float | None) -> str:
    return "n/a" if value is None else compact_number(value)


def _date(when: datetime) -> str:
    """Slack shows it in the reader's time zone; the fallback is UTC."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _escape(text: str) -> str:
    """Slack's three control characters; anything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    """Text inside `inline code`: escaped, without backticks that would end it."""
    return _escape(text.replace("`", "'"))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
