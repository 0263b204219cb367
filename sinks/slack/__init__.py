"""The Slack sink: Block Kit messages through an incoming webhook."""

from dexwatch.sinks.slack.message import slack_message, status_mark
from dexwatch.sinks.slack.slack_sink import SlackSink

__all__ = ["SlackSink", "slack_message", "status_mark"]
