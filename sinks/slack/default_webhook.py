"""`DefaultSlackWebhook`: the Slack webhook of `dexwatch sink` run without a configuration file.

Only whether it is set is read here; the sink's configuration reads the URL itself by the
variable's name (`webhook_url_env`), as a file's sinks do, and keeps it a secret.
"""

from __future__ import annotations

from typing import Final

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SLACK_URL_ENV", "DefaultSlackWebhook"]

SLACK_URL_ENV: Final = "DEXWATCH_SLACK_WEBHOOK_URL"


class DefaultSlackWebhook(BaseSettings):
    """Env: `DEXWATCH_SLACK_WEBHOOK_URL`."""

    model_config = SettingsConfigDict(
        env_prefix="DEXWATCH_",
        frozen=True,
        extra="ignore",
        env_ignore_empty=True,
        hide_input_in_errors=True,
    )

    slack_webhook_url: SecretStr | None = None

    @property
    def is_set(self) -> bool:
        return self.slack_webhook_url is not None
