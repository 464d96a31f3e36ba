"""Logging for the long-running commands: secrets blanked out of every line, whoever logs it."""

from __future__ import annotations

import logging
import sys

import pytest

from bot import logs
from bot.logs import REDACTED, RedactSecrets, keep_out_of_logs

SECRET = "123456:secret-token"
URL = f"https://api.telegram.org/bot{SECRET}/getMe"


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, msg, args, exc_info)


def formatted(entry: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(name)s: %(message)s").format(entry)


def raised(message: str) -> BaseException:
    try:
        raise RuntimeError(message)
    except RuntimeError as exc:
        return exc


def test_a_secret_in_the_message_is_blanked_out() -> None:
    entry = record(f"GET {URL} 200")

    assert RedactSecrets([SECRET]).filter(entry) is True
    assert entry.getMessage() == f"GET https://api.telegram.org/bot{REDACTED}/getMe 200"


def test_a_secret_in_the_arguments_is_blanked_out() -> None:
    entry = record("HTTP Request: %s %s %r", "POST", URL, {"token": SECRET})

    RedactSecrets([SECRET]).filter(entry)

    assert SECRET not in formatted(entry)
    assert entry.getMessage() == (
        f"HTTP Request: POST https://api.telegram.org/bot{REDACTED}/getMe {{'token': '{REDACTED}'}}"
    )


def test_a_secret_in_the_exception_is_blanked_out_and_the_exception_kept() -> None:
    entry = record("request failed", exc=raised(f"cannot reach {URL}"))

    RedactSecrets([SECRET]).filter(entry)

    text = formatted(entry)
    assert SECRET not in text
    assert text.startswith("INFO httpx: request failed\nTraceback (most recent call last):")
    assert f"RuntimeError: cannot reach https://api.telegram.org/bot{REDACTED}/getMe" in text


def test_lines_without_a_secret_are_left_as_they_are() -> None:
    exc = raised("timed out")
    entry = record("GET %s", "https://example.org/", exc=exc)

    assert RedactSecrets([SECRET]).filter(entry) is True

    assert (entry.msg, entry.args) == ("GET %s", ("https://example.org/",))
    assert entry.exc_info is not None and entry.exc_info[1] is exc


def test_the_longest_secret_is_blanked_out_first_and_empty_ones_are_ignored() -> None:
    entry = record("tokens: abc, abcdef, x")

    RedactSecrets(["", "abc", "abcdef"]).filter(entry)

    assert entry.getMessage() == f"tokens: {REDACTED}, {REDACTED}, x"


def test_no_secrets_blanks_out_nothing() -> None:
    entry = record("GET %s", URL)

    assert RedactSecrets([]).filter(entry) is True
    assert entry.getMessage() == f"GET {URL}"


@pytest.mark.usefixtures("restore_logging")
def test_configure_logs_to_stderr_through_the_filter(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure([SECRET, ""], logging.INFO)

    root = logging.getLogger()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    assert handler.stream is sys.stderr
    assert any(isinstance(f, RedactSecrets) for f in handler.filters)
    assert root.level == logging.INFO
    # httpx logs every request URL at INFO, with the Bot API token in it.
    assert logging.getLogger("httpx").level == logging.WARNING
    # APScheduler logs every run of every job at INFO.
    assert logging.getLogger("apscheduler").level == logging.WARNING

    logging.getLogger("httpx").info("GET %s", URL)  # below httpx's level: not shown
    logging.getLogger("telegram.ext").warning("retrying %s", URL)
    logging.getLogger("ringkas").debug("below the level")

    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.endswith(
        f" WARNING telegram.ext: retrying https://api.telegram.org/bot{REDACTED}/getMe"
    )


@pytest.mark.usefixtures("restore_logging")
def test_configure_replaces_earlier_handlers() -> None:
    logs.configure([], logging.WARNING)
    logs.configure([SECRET], logging.INFO)

    assert len(logging.getLogger().handlers) == 1


def test_a_secret_made_while_running_is_blanked_by_filters_made_before() -> None:
    redact = RedactSecrets(["given-token"])
    keep_out_of_logs("made-secret-3f9a")

    entry = record("posting with %s and %s", "given-token", "made-secret-3f9a")
    redact.filter(entry)

    assert entry.getMessage() == f"posting with {REDACTED} and {REDACTED}"
