"""One HTTP POST for a sink, and the answers every HTTP destination means the same way.

Connection failures and timeouts come back as `RetryLater`, never as exceptions; messages name
the destination by its host only (`target`), because a Slack webhook's path is its secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from dexwatch.sinks.base import RetryLater
from dexwatch.sinks.retry_after import parse_retry_after

__all__ = ["HttpAnswer", "post", "transient_failure"]

_BODY_LIMIT = 2048  # enough for Slack's one-word errors and a receiver's short reason


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """What the destination answered: status, the start of the body, its Retry-After."""

    status: int
    body: str
    retry_after_s: float | None = None


async def post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout_s: float,
    target: str,
) -> HttpAnswer | RetryLater:
    """POST `body`; redirects are not followed (an answer of their own, like any 3xx)."""
    try:
        async with session.post(
            url,
            data=body,
            headers=dict(headers),
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            allow_redirects=False,
        ) as response:
            text = (await response.content.read(_BODY_LIMIT)).decode("utf-8", "replace")
            return HttpAnswer(
                response.status,
                " ".join(text.split())[:300],
                parse_retry_after(response.headers.get("Retry-After")),
            )
    except TimeoutError:
        return RetryLater("timeout", f"{target} did not answer within {timeout_s:g} s")
    except aiohttp.ClientConnectorError as error:
        why = error.os_error.strerror or type(error.os_error).__name__
        return RetryLater("unreachable", f"cannot connect to {target}: {why}")
    except aiohttp.ClientError as error:
        # Never str(error): some aiohttp errors print the whole URL, secret path included.
        return RetryLater("unreachable", f"{target} broke the exchange: {type(error).__name__}")


def transient_failure(answer: HttpAnswer, target: str) -> RetryLater | None:
    """429, 408 and 5xx: the destination may take the alert later; None for other statuses."""
    said = f"{target} answered {answer.status} {answer.body}".rstrip()
    if answer.status == 429:
        wait = "" if answer.retry_after_s is None else f" (Retry-After {answer.retry_after_s:g} s)"
        return RetryLater("rate_limited", said + wait, answer.retry_after_s, answer.status)
    if answer.status == 408:
        return RetryLater("timeout", said, answer.retry_after_s, answer.status)
    if answer.status >= 500:
        return RetryLater("server_error", said, answer.retry_after_s, answer.status)
    return None
