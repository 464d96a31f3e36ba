"""A watch over the whole test session for secrets where nobody may read them.

Every log record made while the suite runs (at DEBUG and up, whoever configured the root
logger), the output of every `ringkas` subprocess the helpers run, and the text the bot sent
the stand-ins, are checked against every secret the suite used: the stand-ins' tokens, the
webhook secrets the bot gave Telegram, and the RINGKAS_*TOKEN / *SECRET values tests set. A
leak fails the run at its end, naming the test and the line, with the secret blanked out.

Records are caught where they are made (the logging record factory), not by a handler: a
handler on the root logger is dropped whenever `bot.logs.configure` replaces the root's
handlers, and a handler sees a record only after the filters of the handlers before it. A
secret may also be registered only after a line that shows it (a stand-in's webhook secret,
an environment variable a test set): each test's text is kept until the test ends, and checked
again then against what it registered.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

BLANK = "[secret]"
SHORTEST = 8  # characters: a shorter "secret" would be found in ordinary text
SECRET_VARIABLES = ("TOKEN", "SECRET")  # RINGKAS_… variables whose values are secrets
OUTSIDE_A_TEST = "(outside any test)"
TELEGRAM_STANDIN, DISCORD_STANDIN = "tests.standins.telegram", "tests.standins.discord"


def blanked(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret in it replaced, the longest first (one may contain another)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, BLANK)
    return text


def secret_values(environment: dict[str, str] | os._Environ[str]) -> list[str]:
    """The values of the RINGKAS_ variables that hold a token or a secret."""
    return [
        value
        for name, value in environment.items()
        if name.startswith("RINGKAS_") and any(word in name for word in SECRET_VARIABLES)
    ]


def record_text(record: logging.LogRecord) -> str:
    """The record as a handler would print it: the message, its exception and stack."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the format: logging reports it elsewhere
        message = f"{record.msg!r} % {record.args!r}"
    parts = [f"{record.levelname} {record.name}: {message}"]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    test: str  # the test's node id
    source: str  # where the line was: a logger, a program's stderr, a stand-in
    line: str  # with the secret blanked out

    def __str__(self) -> str:
        return f"{self.test}: {self.source}: {self.line}"


@dataclass
class LeakWatch:
    """The secrets in use, and what showed one; `check` everything that might.

    A log record is judged as `ringkas` would print it: its log handler blanks out the secrets
    the program is given (`bot.logs.RedactSecrets` over `bot.app.secrets`), so those are
    blanked here too, at every level. A secret the bot makes itself (the random webhook secret)
    is one that filter cannot know: it must not be in any record `ringkas` prints, at INFO and
    up (it never logs DEBUG). Program output and what the bot sends are checked for every
    secret, as they are: nothing blanks them.
    """

    given: set[str] = field(default_factory=set)
    made: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    test: str = OUTSIDE_A_TEST
    # This test's text, checked again at its end against the secrets it registered since:
    # (source, text, level of the log record or None).
    _seen: list[tuple[str, str, int | None]] = field(default_factory=list)
    _known_at_start: frozenset[str] = frozenset()
    # While a test plants a secret on purpose, what shows it is handed to the test instead.
    _planted: dict[str, list[Finding]] = field(default_factory=dict)
    _reported: set[Finding] = field(default_factory=set)

    def register(self, *secrets: str | None, made: bool = False) -> None:
        """Secrets given to the program (a token, a configured webhook secret), or `made` by
        it; a value already given stays given."""
        fresh = {s for s in secrets if s and len(s) >= SHORTEST}
        if made:
            self.made.update(fresh - self.given)
        else:
            self.given.update(fresh)
            self.made -= fresh

    @property
    def secrets(self) -> set[str]:
        return self.given | self.made

    def check(self, source: str, text: str, level: int | None = None) -> None:
        """`text` must show no secret; `level`: it is a log record's, at that level."""
        if not text:
            return
        self._seen.append((source, text, level))
        self._report(source, text, level, self.secrets)

    def _report(self, source: str, text: str, level: int | None, secrets: set[str]) -> None:
        if not any(secret in text for secret in secrets):  # the common case, made cheap
            return
        if level is not None:
            blank = self.given | (self.made if level < logging.INFO else set())
            text, secrets = blanked(text, blank), secrets - blank
        for line in text.splitlines():
            shown = [secret for secret in secrets if secret in line]
            if not shown:
                continue
            finding = Finding(self.test, source, blanked(line, self.secrets))
            if finding in self._reported:  # seen again when the test ends, or logged twice
                continue
            self._reported.add(finding)
            planted = [self._planted[s] for s in shown if s in self._planted]
            for caught in planted:
                caught.append(finding)
            if len(planted) < len(shown):  # a secret no test planted
                self.findings.append(finding)

    def begin(self, test: str) -> None:
        self.test, self._seen, self._known_at_start = test, [], frozenset(self.secrets)

    def end(self) -> None:
        """Check this test's text against the secrets that came to light during it."""
        late = self.secrets - self._known_at_start
        if late:
            for source, text, level in self._seen:
                self._report(source, text, level, late)
        self.test, self._seen = OUTSIDE_A_TEST, []

    @contextmanager
    def planted(self, secret: str, made: bool = False) -> Iterator[list[Finding]]:
        """Within the block `secret` is one (given, or `made` by the bot) and what shows it is
        no failure of the run but collected in the list given: a test that plants a leak
        proves the watch catches it."""
        caught: list[Finding] = []
        self._planted[secret] = caught
        self.register(secret, made=made)
        try:
            yield caught
        finally:
            del self._planted[secret]
            self.given.discard(secret)
            self.made.discard(secret)


class RecordWatch:
    """Every log record checked as it is made, from a logging record factory that wraps the
    one in place; and the root logger kept at DEBUG, so that every record is made."""

    def __init__(self, watch: LeakWatch) -> None:
        self._watch = watch
        self._previous: Callable[..., logging.LogRecord] | None = None
        self._root_level = logging.getLogger().level

    def install(self) -> None:
        self._previous = previous = logging.getLogRecordFactory()
        watch = self._watch

        def checked(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            # Checked even before any secret is known: the test may register one at its end.
            watch.check(f"log {record.name}", record_text(record), record.levelno)
            return record

        logging.setLogRecordFactory(checked)
        self.lower_root()

    @staticmethod
    def lower_root() -> None:
        """Back to DEBUG: `bot.logs.configure` raises the root's level for the rest of a test."""
        logging.getLogger().setLevel(logging.DEBUG)

    def uninstall(self) -> None:
        if self._previous is not None:
            logging.setLogRecordFactory(self._previous)
        logging.getLogger().setLevel(self._root_level)


WATCH = LeakWatch()


def check_program_output(out: str, err: str) -> None:
    """The output of a `ringkas` subprocess a test helper ran."""
    WATCH.check("stdout of `ringkas`", out)
    WATCH.check("stderr of `ringkas`", err)


def register_environment(environment: dict[str, str]) -> None:
    """The token and secret values of an environment a `ringkas` subprocess is given."""
    WATCH.register(*secret_values(environment))


def check_standins(values: Iterable[object]) -> None:
    """Every stand-in among a test's fixture values: register its token (and the webhook
    secrets the bot gave it), and check everything the bot sent it."""
    # No stand-in can exist before its module is loaded: a test that uses none loads none.
    telegram, discord = sys.modules.get(TELEGRAM_STANDIN), sys.modules.get(DISCORD_STANDIN)
    for value in values:
        if telegram is not None and isinstance(value, telegram.TelegramStandIn):
            _check_telegram(value)
        elif discord is not None and isinstance(value, discord.DiscordStandIn):
            _check_discord(value)


def _check_telegram(api: Any) -> None:
    WATCH.register(api.token)
    for call in api.calls:
        params = dict(call.params)
        # The webhook secret the bot gave Telegram: configured, or made by the bot.
        WATCH.register(params.pop("secret_token", None), made=True)
        if params:
            WATCH.check(f"telegram stand-in {call.method}", repr(params))


def _check_discord(dc: Any) -> None:
    WATCH.register(dc.token)
    for message in dc.messages:
        WATCH.check("discord stand-in channel message", repr((message.content, message.embeds)))
    for response in dc.interaction_responses:
        WATCH.check("discord stand-in interaction response", repr(response.data))
    for followup in dc.followups:
        WATCH.check("discord stand-in follow-up", repr((followup.content, followup.embeds)))
    for edit in dc.edits:
        WATCH.check("discord stand-in edit", repr(edit.json))


class SessionPlugin:
    """The pytest side: the watch installed for the session, told which test runs, given the
    secrets a test set in the environment and its stand-ins, and failing the run on a leak."""

    def __init__(self) -> None:
        self._records = RecordWatch(WATCH)

    def pytest_configure(self, config: pytest.Config) -> None:
        """Installed before pytest's log capture starts: each of its phases puts the root's
        level back as it found it, DEBUG. That capture stays at WARNING, as without the watch
        (unless the run asks for a level): DEBUG is for the watch, not for the reports of
        failures, nor for what `caplog` holds."""
        if config.getoption("log_level", None) is None and not config.getini("log_level"):
            config.option.log_level = "WARNING"
        self._records.install()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        WATCH.begin(nodeid)
        RecordWatch.lower_root()  # a `bot.logs.configure` outside pytest's phases raised it

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        try:
            return (yield)
        finally:
            WATCH.register(*secret_values(os.environ))  # the test's monkeypatch still applies

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        try:
            return (yield)
        finally:
            check_standins((getattr(item, "funcargs", None) or {}).values())

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        WATCH.end()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._records.uninstall()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if WATCH.findings and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not WATCH.findings:
            return
        terminalreporter.section("secrets leaked", sep="=", red=True, bold=True)
        for finding in WATCH.findings:
            terminalreporter.line(str(finding))
