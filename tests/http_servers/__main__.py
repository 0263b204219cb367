"""`python -m tests.http_servers`: the Slack look-alike and the webhook receiver, by hand.

Script the Slack look-alike with `POST /admin` (see slack_like_server.py); the receiver prints
nothing but answers 401 to a bad signature. Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Sequence

from tests.http_servers.running import ServerThread
from tests.http_servers.slack_like_server import SlackLikeServer
from tests.http_servers.webhook_receiver import WebhookReceiver

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.http_servers")
    parser.add_argument("--slack-port", type=int, default=8101)
    parser.add_argument("--receiver-port", type=int, default=8102)
    parser.add_argument("--secret", default="s3cr3t-of-16-chars", help="the receiver's secret")
    args = parser.parse_args(argv)
    slack = SlackLikeServer()
    receiver = WebhookReceiver(args.secret.encode())
    with (
        ServerThread(slack.app, port=args.slack_port) as slack_thread,
        ServerThread(receiver.app, port=args.receiver_port) as receiver_thread,
    ):
        print(f"Slack webhook: {slack_thread.url(slack.path)}", file=sys.stderr)
        print(f"  Slack admin: {slack_thread.url('/admin')}", file=sys.stderr)
        print(f"     receiver: {receiver_thread.url('/hook')}", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
