"""The session's watch for secrets (tests/reliability/leaks.py) catches what it is there for: a
planted secret in a log line, a traceback, a program's output or a message to a stand-in, even
after `bot.logs.configure` took the root logger over; and a leak fails the run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot import logs
from tests.conftest import REPO
from tests.reliability import leaks
from tests.reliability.leaks import BLANK, Finding, LeakWatch
from tests.standins.telegram import Call, TelegramStandIn

PLANTED = "planted-0123456789-secret"
MADE = "made-by-the-bot-0123456789"


@pytest.fixture
def watch() -> LeakWatch:
    """A watch of the test's own, apart from the session's."""
    fresh = LeakWatch()
    fresh.begin("the test")
    return fresh


def test_a_secret_in_program_output_is_found_with_its_line_blanked(watch: LeakWatch) -> None:
    watch.register(PLANTED)

    watch.check("stderr of `ringkas`", f"starting\nGET https://x/bot{PLANTED}/getMe\ndone")

    assert watch.findings == [
        Finding("the test", "stderr of `ringkas`", f"GET https://x/bot{BLANK}/getMe")
    ]


def test_text_without_a_secret_and_values_too_short_to_be_secrets_find_nothing(
    watch: LeakWatch,
) -> None:
    watch.register(PLANTED, "", None, "abc")

    watch.check("stdout", "abc is an ordinary word; no token here")

    assert watch.findings == [] and watch.secrets == {PLANTED}


def test_a_log_line_is_judged_as_ringkas_would_print_it(watch: LeakWatch) -> None:
    """The secrets the program is given are blanked by its log filter: no finding. One the bot
    made itself (a random webhook secret) the filter cannot know: a finding at INFO and up,
    where `ringkas` logs; not at DEBUG, which it never prints."""
    watch.register(PLANTED)
    watch.register(MADE, made=True)

    watch.check("log httpx", f"INFO httpx: POST /bot{PLANTED}/getMe", logging.INFO)
    watch.check("log telegram", f"DEBUG telegram: secret_token={MADE}", logging.DEBUG)
    watch.check("log telegram", f"INFO telegram: secret_token={MADE}", logging.INFO)

    assert watch.findings == [
        Finding("the test", "log telegram", f"INFO telegram: secret_token={BLANK}")
    ]


def test_a_given_secret_stays_given_when_the_bot_also_hands_it_on(watch: LeakWatch) -> None:
    """A configured webhook secret is given to the bot, then seen in its setWebhook call."""
    watch.register(PLANTED)
    watch.register(PLANTED, made=True)

    assert (watch.given, watch.made) == ({PLANTED}, set())


def test_a_secret_registered_late_is_looked_for_in_the_whole_test(watch: LeakWatch) -> None:
    watch.check("log bot", f"WARNING bot: webhook secret {PLANTED}", logging.WARNING)
    watch.register(PLANTED, made=True)  # learnt from the stand-in only when the test ends

    watch.end()

    assert watch.findings == [
        Finding("the test", "log bot", f"WARNING bot: webhook secret {BLANK}")
    ]
    assert watch.test == leaks.OUTSIDE_A_TEST


@pytest.mark.usefixtures("restore_logging")
def test_the_session_watch_catches_a_planted_leak_after_logs_configure(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    """`configure` replaces the root logger's handlers and raises its level: the watch, which
    catches records where they are made, still sees every record that is made."""
    logs.configure([], logging.WARNING)
    log = logging.getLogger("bot.somewhere")

    with leaks.WATCH.planted(PLANTED, made=True) as caught:
        log.warning("token %s", PLANTED)
        try:
            raise RuntimeError(f"cannot reach https://api.example/bot{PLANTED}/getMe")
        except RuntimeError:
            log.exception("request failed")

    capsys.readouterr()  # what configure's handler printed
    lines = [(f.test, f.source, f.line) for f in caught]
    assert lines == [
        (request.node.nodeid, "log bot.somewhere", f"WARNING bot.somewhere: token {BLANK}"),
        (
            request.node.nodeid,
            "log bot.somewhere",
            f"RuntimeError: cannot reach https://api.example/bot{BLANK}/getMe",
        ),
    ]
    assert PLANTED not in leaks.WATCH.secrets


def test_the_session_watch_reads_what_the_bot_sent_a_stand_in_and_a_programs_output() -> None:
    api = TelegramStandIn()
    api.calls.append(Call("sendMessage", {"chat_id": 1, "text": f"error: {PLANTED}"}))
    api.calls.append(Call("setWebhook", {"url": "https://x", "secret_token": "webhook-secret-42"}))

    with leaks.WATCH.planted(PLANTED) as caught:
        leaks.check_standins([api, "not a stand-in"])
        leaks.check_program_output("", f"Error: token {PLANTED} refused")

    assert [f.source for f in caught] == ["telegram stand-in sendMessage", "stderr of `ringkas`"]
    assert "webhook-secret-42" in leaks.WATCH.made  # the webhook secret the bot gave Telegram
    assert all(PLANTED not in f.line for f in caught)


def test_a_leak_fails_the_run_naming_the_test_and_the_line(tmp_path: Path) -> None:
    """The session plugin in a pytest run of its own: one test leaks, and the run fails."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """\
            from tests.reliability import leaks

            def pytest_configure(config):
                config.pluginmanager.register(leaks.SessionPlugin(), "ringkas-leak-watch")
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "test_planted.py").write_text(
        textwrap.dedent(
            f"""\
            import logging
            from tests.reliability import leaks

            def test_leaks(monkeypatch):
                monkeypatch.setenv("RINGKAS_TELEGRAM_TOKEN", "{PLANTED}")  # seen at its end
                leaks.check_program_output("", "Error: token {PLANTED} refused")
                leaks.WATCH.register("{MADE}", made=True)
                logging.getLogger("somewhere").info("the webhook secret is {MADE}")

            def test_prints_nothing_secret():
                print("nothing to see")
            """
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_planted.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "secrets leaked" in done.stdout
    assert f"test_planted.py::test_leaks: stderr of `ringkas`: Error: token {BLANK} refused" in (
        done.stdout
    )
    assert (
        f"test_planted.py::test_leaks: log somewhere: INFO somewhere: the webhook secret is {BLANK}"
        in done.stdout
    )
    assert PLANTED not in done.stdout + done.stderr and MADE not in done.stdout + done.stderr
