"""`ringkas status [--json]`, `ringkas --version`, and the database named by `database_env`: run
as the real program against a database in a folder of its own."""

from __future__ import annotations

import asyncio
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot import cli
from bot.core.delivery.pushes import push_id
from tests.core.store.conftest import POSTGRES, empty_schema
from tests.test_cli_operators import operator, pause
from tests.test_cli_run import DATABASE, environment, ringkas, write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with an active and a paused subscription, and an announcement pushed."""
    config = write_config(tmp_path_factory.mktemp("busy"))
    operator(config, "subscribers", "add", "console:local", "en", "--kind", "private")
    operator(config, "subscribers", "add", "telegram:-100123", "id", "07:00", "WIB")
    pause(config.parent / DATABASE, "telegram:-100123", "bot was kicked")
    operator(config, "push", "--text-en", "Hi", "--text-id", "Halo", "--yes")
    return config


def status_json(config: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    run = ringkas(config.parent, "status", "--json", "--config", str(config), env=env)
    assert run.code == 0, run.err
    assert run.err == ""
    found = json.loads(run.out)
    assert isinstance(found, dict)
    return found


def test_status_json_has_the_documented_keys_and_what_status_shows(busy: Path) -> None:
    found = status_json(busy)

    assert list(found) == ["subscriptions", "deliveries", "content", "paused", "pushes", "audit"]
    assert found["subscriptions"] == {
        "console": {"active": 1, "paused": 0},
        "telegram": {"active": 0, "paused": 1},
    }
    assert found["deliveries"] == {
        "pending": 0, "sending": 0, "delivered": 1, "failed": 0, "cancelled": 0,
    }  # fmt: skip
    content = found["content"]
    assert list(content) == ["summaries", "statements", "loaded_at", "problems"]
    assert content["summaries"] > 0 and content["statements"] > 0
    assert content["loaded_at"].endswith("+00:00") and content["problems"] == []
    [paused] = found["paused"]
    assert paused == {
        "chat": "telegram:-100123",
        "since": paused["since"],
        "reason": "bot was kicked",
    }
    assert paused["since"].endswith("+00:00")
    assert found["pushes"] == [
        {"id": push_id(None, "Hi", "Halo"), "total": 1, "delivered": 1, "failed": 0, "waiting": 0}
    ]
    newest, *_ = found["audit"]
    assert list(newest) == ["at", "actor", "action", "detail"]
    assert (newest["actor"], newest["action"]) == ("operator", "push")
    assert [entry["action"] for entry in found["audit"]] == [
        "push", "subscribers-add", "subscribers-add",
    ]  # fmt: skip


def test_status_as_text_is_what_the_admins_status_shows(busy: Path) -> None:
    run = ringkas(busy.parent, "status", "--config", str(busy))

    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[:3] == [
        "Ringkas status",
        "console: 1 active, 0 paused",
        "telegram: 0 active, 1 paused",
    ]
    assert "Deliveries: 0 waiting, 0 sending; in the last 24 hours 1 delivered, 0 failed" in lines
    assert "Paused chats" in lines
    assert any(line.startswith("telegram:-100123") and "bot was kicked" in line for line in lines)
    assert f"Push {push_id(None, 'Hi', 'Halo')}: delivered 1/1, failed 0." in lines
    assert "Recent admin actions" in lines


def test_status_of_an_empty_store_says_there_are_no_subscriptions(config: Path) -> None:
    run = ringkas(config.parent, "status", "--config", str(config))

    assert run.code == 0
    assert run.out.splitlines()[:2] == ["Ringkas status", "No subscriptions yet."]


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"ringkas {metadata.version('ringkas')}\n"


# --- database_env ---

PASSWORD = "pw-7d1c-never-shown"


def with_database_env(config: Path) -> Path:
    with config.open("a", encoding="utf-8") as file:
        file.write("database_env: RINGKAS_DATABASE_URL\n")
    return config


def test_a_store_out_of_reach_is_one_line_naming_it_without_its_password(config: Path) -> None:
    url = f"postgresql+asyncpg://ringkas:{PASSWORD}@127.0.0.1:9/ringkas"  # nothing listens
    env = environment(RINGKAS_DATABASE_URL=url)
    config = with_database_env(config)

    run = ringkas(
        config.parent, "deliver", "--once", "--log-level", "debug", "--config", str(config), env=env
    )

    assert run.code == 1
    *logged, line = run.err.splitlines()
    assert all(" DEBUG " in entry for entry in logged)  # at --log-level debug
    assert line.startswith(
        "cannot open the store postgresql+asyncpg://ringkas:***@127.0.0.1:9/ringkas: "
    )
    assert PASSWORD not in run.out + run.err
    assert not (config.parent / DATABASE).exists()  # not the file's database


def test_database_env_naming_an_unset_variable_is_one_line(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RINGKAS_DATABASE_URL", raising=False)
    config = with_database_env(config)

    code = cli.main(["status", "--config", str(config)])

    assert code == cli.NOTHING
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("database_env: $RINGKAS_DATABASE_URL is not set: ")
    assert len(err.splitlines()) == 1
    assert not (config.parent / DATABASE).exists()


def test_the_content_commands_need_no_database(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RINGKAS_DATABASE_URL", raising=False)

    assert cli.main(["check", "--config", str(with_database_env(config))]) == cli.OK


@pytest.mark.skipif(not POSTGRES, reason="set RINGKAS_TEST_POSTGRES to a database URL")
def test_database_env_serves_a_postgresql_store_and_never_shows_its_password(
    config: Path,
) -> None:
    asyncio.run(empty_schema(POSTGRES))
    # The test server trusts local users: the password is sent and ignored.
    url = make_url(POSTGRES).set(password=PASSWORD).render_as_string(hide_password=False)
    env = environment(RINGKAS_DATABASE_URL=url)
    config = with_database_env(config)

    added = ringkas(
        config.parent, "subscribers", "add", "telegram:-100123", "id",
        "--log-level", "debug", "--config", str(config), env=env,
    )  # fmt: skip
    found = status_json(config, env)

    assert added.code == 0 and PASSWORD not in added.out + added.err
    assert found["subscriptions"] == {"telegram": {"active": 1, "paused": 0}}
    assert not (config.parent / DATABASE).exists()
