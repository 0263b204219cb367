"""Real local HTTP servers that stand in for the sinks' destinations in tests.

`SlackLikeServer` answers like Slack's incoming webhooks; `WebhookReceiver` verifies dexwatch's
signatures with the documented receiver code. Both run on a thread with `ServerThread`, can be
scripted from Python or through `POST /admin`, and record what they received.
"""

from tests.http_servers.running import ServerThread
from tests.http_servers.scripted_answers import Answer, ScriptedAnswers
from tests.http_servers.slack_like_server import SLACK_ANSWERS, SlackAnswerKind, SlackLikeServer
from tests.http_servers.webhook_receiver import WebhookReceiver

__all__ = [
    "SLACK_ANSWERS",
    "Answer",
    "ScriptedAnswers",
    "ServerThread",
    "SlackAnswerKind",
    "SlackLikeServer",
    "WebhookReceiver",
]
