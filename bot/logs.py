"""Logging for the long-running commands, with every secret blanked out of every line.

Secrets never go into log calls on purpose; the filter is for the libraries that do (an HTTP
client logging a Bot API URL, which carries the token). It runs before either format (text, or
JSON lines for a log collector), so both carry the same redaction.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from typing import Literal, get_args

REDACTED = "[secret]"
Level = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json"]
LEVELS: tuple[Level, ...] = get_args(Level)
FORMATS: tuple[LogFormat, ...] = get_args(LogFormat)

# Secrets made while running rather than read from the environment (a random webhook secret):
# every filter blanks them too, from the moment they are made.
_made: set[str] = set()


def keep_out_of_logs(secret: str) -> None:
    _made.add(secret)


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._given = frozenset(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._given and not _made:
            return True
        secrets = sorted(self._given | _made, key=len, reverse=True)  # a longer one first
        message = record.getMessage()
        exc_text = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        if any(secret in message or secret in exc_text for secret in secrets):
            for secret in secrets:
                message = message.replace(secret, REDACTED)
                exc_text = exc_text.replace(secret, REDACTED)
            record.msg, record.args = message, None
            record.exc_info, record.exc_text = None, exc_text or None
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, and the exception's
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # RedactSecrets leaves a blanked traceback as text in place of the exception itself.
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def level_number(level: Level) -> int:
    return logging.getLevelNamesMapping()[level.upper()]


def configure(secrets: Iterable[str], level: int = logging.INFO, fmt: LogFormat = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLines()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; the Bot API puts the token in it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every run of every job at INFO: twice a minute of noise.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic narrates every step of an upgrade at INFO; the store logs one line for it instead.
    logging.getLogger("alembic").setLevel(logging.WARNING)
