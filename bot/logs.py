"""Logging for the long-running commands, with every secret blanked out of every line.

Secrets never go into log calls on purpose; the filter is for the libraries that do (an HTTP
client logging a Bot API URL, which carries the token).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[secret]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        exc_text = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        if any(secret in message or secret in exc_text for secret in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, REDACTED)
                exc_text = exc_text.replace(secret, REDACTED)
            record.msg, record.args = message, None
            record.exc_info, record.exc_text = None, exc_text or None
        return True


def configure(secrets: Iterable[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; the Bot API puts the token in it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every run of every job at INFO: twice a minute of noise.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
