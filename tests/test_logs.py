"""Logging for the long-running commands: secrets blanked out of every line, whoever logs it."""

from __future__ import annotations

import datetime as dt
import json
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


# --- JSON lines ---


def json_lines(err: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in err.splitlines()]


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_time_level_logger_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure([], logging.INFO, "json")

    logging.getLogger("ringkas").info("serving %s", "telegram\n“kutipan”")
    logging.getLogger("ringkas").debug("below the level")

    [entry] = json_lines(capsys.readouterr().err)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert (entry["level"], entry["logger"]) == ("INFO", "ringkas")
    assert entry["message"] == "serving telegram\n“kutipan”"  # one line: JSON escapes the break
    moment = dt.datetime.fromisoformat(entry["time"])
    assert moment.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - moment) < dt.timedelta(minutes=1)


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_the_same_redaction_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure([SECRET], logging.INFO, "json")
    log = logging.getLogger("telegram.ext")

    log.warning(f"GET {URL}")  # in the message
    log.warning("retrying %s", URL)  # in an argument
    try:
        raise RuntimeError(f"cannot reach {URL}")
    except RuntimeError:
        log.exception("request failed")  # in the traceback

    err = capsys.readouterr().err
    assert SECRET not in err
    assert SECRET.partition(":")[2] not in err
    blanked = f"https://api.telegram.org/bot{REDACTED}/getMe"
    first, second, third = json_lines(err)
    assert first["message"] == f"GET {blanked}"
    assert second["message"] == f"retrying {blanked}"
    assert third["message"] == "request failed"
    assert third["exception"].startswith("Traceback (most recent call last):")
    assert third["exception"].endswith(f"RuntimeError: cannot reach {blanked}")


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_keep_an_exception_without_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure([SECRET], logging.INFO, "json")

    try:
        raise ValueError("timed out")
    except ValueError:
        logging.getLogger("ringkas").error("send failed", exc_info=True)

    [entry] = json_lines(capsys.readouterr().err)
    assert entry["level"] == "ERROR"
    assert entry["exception"].endswith("ValueError: timed out")


def test_a_level_name_gives_its_number() -> None:
    assert [logs.level_number(name) for name in logs.LEVELS] == [
        logging.DEBUG,
        logging.INFO,
        logging.WARNING,
        logging.ERROR,
    ]
