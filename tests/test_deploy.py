"""deploy/ringkas.service, the systemd unit the README installs: read as systemd reads it."""

from __future__ import annotations

import configparser
import re
import shlex

import pytest

from bot.app import CLEAN_STOP_SECONDS
from bot.config import Settings
from tests.conftest import REPO

UNIT = REPO / "deploy" / "ringkas.service"


@pytest.fixture(scope="module")
def unit() -> configparser.ConfigParser:
    # systemd allows a key more than once (strict=False keeps the last) and is case-sensitive.
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def seconds(value: str) -> float:
    """A systemd time span: a number of seconds, or with units (1min 30s)."""
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
    assert parts, value
    return sum(float(number) * units[unit] for number, unit in parts)


def test_it_runs_ringkas_run_with_a_config_from_the_virtual_environment(
    unit: configparser.ConfigParser,
) -> None:
    service = unit["Service"]
    program, command, *options = shlex.split(service["ExecStart"])

    assert program.endswith("/.venv/bin/ringkas") and program.startswith("/")
    assert command == "run"
    assert options[:1] == ["--config"] and options[1].startswith("/")
    assert service["Type"] == "simple"
    assert service["WorkingDirectory"].startswith("/")
    assert service["StandardInput"] == "null"  # as a supervisor runs it: no console chat


def test_it_restarts_on_failure_and_waits_longer_than_a_clean_stop(
    unit: configparser.ConfigParser,
) -> None:
    service = unit["Service"]

    assert service["Restart"] == "on-failure"
    assert seconds(service["RestartSec"]) > 0
    assert service["KillSignal"] == "SIGTERM"
    assert seconds(service["TimeoutStopSec"]) > CLEAN_STOP_SECONDS


def test_secrets_come_from_an_environment_file_never_the_unit(
    unit: configparser.ConfigParser,
) -> None:
    service = unit["Service"]
    settings = Settings()
    secret_names = {
        settings.telegram.token_env,
        settings.discord.token_env,
        "RINGKAS_DATABASE_URL",
        "RINGKAS_TELEGRAM_WEBHOOK_SECRET",
    }

    assert service["EnvironmentFile"].startswith("/")
    assert "Environment" not in service
    text = UNIT.read_text(encoding="utf-8")
    assert not any(f"{name}=" in text for name in secret_names)
    assert not re.search(r"\d{6,}:[\w-]{20,}", text)  # nothing shaped like a Telegram token
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text)  # nor a URL with a password


def test_it_runs_as_its_own_user_with_only_its_state_folder_writable(
    unit: configparser.ConfigParser,
) -> None:
    service = unit["Service"]

    assert service["User"] not in ("", "root")
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == service["WorkingDirectory"]
    assert service["PrivateTmp"] == "yes"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
