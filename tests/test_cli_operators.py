"""`ringkas subscribers list|add|remove` and `ringkas push`: the operators' tools, run as the real
program against a database in a folder of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot import cli
from bot.core.delivery.pushes import push_id
from bot.core.follow import Target
from bot.core.models import Catalog
from bot.core.ports import ChatKind, ChatRef
from bot.core.store import Store
from bot.core.store.migrations import head
from bot.core.text.strings import say
from tests.test_cli_run import (
    CONSOLE_ANNOUNCEMENT,
    DATABASE,
    Run,
    another_process_sending,
    ringkas,
    write_config,
)

ROW = re.compile(
    r"^(?P<chat>\S+)\t(?P<kind>\w+)\t(?P<languages>\w+)\t(?P<times>[^\t]+)\t(?P<zone>[^\t]+)"
    r"\t(?P<state>\w+)\t(?P<when>.+)$"
)
NEXT_UTC = re.compile(r"next \d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path)


def operator(config: Path, *args: str, stdin: str = "") -> Run:
    return ringkas(config.parent, *args, "--config", str(config), stdin=stdin)


def rows(out: str) -> list[dict[str, str]]:
    parsed = [ROW.match(line) for line in out.splitlines()]
    assert all(parsed), out
    return [match.groupdict() for match in parsed if match]


def pause(database: Path, chat: str, reason: str) -> None:
    """Pause a chat's subscription as the dispatcher does when the chat is gone."""

    async def paused() -> None:
        store = await Store.open(database)
        try:
            subscription = await store.subscriptions.get(ChatRef.parse(chat))
            assert subscription is not None
            await store.subscriptions.pause(subscription.id, reason, dt.datetime.now(dt.UTC))
        finally:
            await store.close()

    asyncio.run(paused())


def outbox_states(database: Path) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(database)) as connection:
        query = "SELECT platform || ':' || chat_id, key, state FROM outbox ORDER BY id"
        return list(connection.execute(query))


# --- subscribers ---


def test_subscribers_add_list_filter_and_remove(config: Path) -> None:
    added = operator(config, "subscribers", "add", "telegram:-100123", "id", "07:00", "WIB")
    operator(config, "subscribers", "add", "discord:42/7", "en", "18:30", "WITA")
    pause(config.parent / DATABASE, "discord:42/7", "bot was removed from the channel")

    everyone = operator(config, "subscribers", "list")
    paused = operator(config, "subscribers", "list", "--state", "paused")

    assert added.code == 0
    [row] = rows(added.out)
    assert row == {
        "chat": "telegram:-100123",
        "kind": "group",
        "languages": "id",
        "times": "07:00",
        "zone": "Asia/Jakarta",
        "state": "active",
        "when": row["when"],
    }
    assert NEXT_UTC.fullmatch(row["when"])
    assert row["when"].endswith(" 00:00 UTC")  # 07:00 in Jakarta
    assert everyone.code == 0
    assert [r["chat"] for r in rows(everyone.out)] == ["telegram:-100123", "discord:42/7"]
    assert rows(everyone.out)[0] == row
    assert everyone.err == "2 subscriptions\n"
    assert paused.code == 0
    [only] = rows(paused.out)
    assert only["chat"] == "discord:42/7"
    assert (only["times"], only["zone"], only["state"]) == ("18:30", "Asia/Makassar", "paused")
    assert re.fullmatch(
        r"since \d{4}-\d\d-\d\d \d\d:\d\d UTC: bot was removed from the channel", only["when"]
    )

    removed = operator(config, "subscribers", "remove", "telegram:-100123")
    again = operator(config, "subscribers", "remove", "telegram:-100123")
    active = operator(config, "subscribers", "list", "--state", "active")

    assert (removed.code, removed.out) == (0, "telegram:-100123: removed\n")
    assert (again.code, again.out) == (1, "")
    assert again.err == "telegram:-100123: no such subscription\n"
    assert (active.code, active.out, active.err) == (1, "", "0 subscriptions\n")


def test_subscribers_list_shows_the_chats_that_follow(config: Path) -> None:
    operator(config, "subscribers", "add", "telegram:-100123", "id", "07:00", "WIB")

    async def follows() -> None:
        async with await Store.open(config.parent / DATABASE) as store:
            now = dt.datetime.now(dt.UTC)
            for chat, target in (
                ("telegram:5", Target("antonio-guterres")),
                ("telegram:5", Target("donald-trump", "sandera")),
                ("discord:42", Target(topic="hostages")),
            ):
                kind = ChatKind.PRIVATE if chat == "telegram:5" else ChatKind.GROUP
                await store.follows.add(ChatRef.parse(chat), kind, "id", target, "u", now, 20)

    asyncio.run(follows())
    listed = operator(config, "subscribers", "list")
    discord_only = operator(config, "subscribers", "list", "--platform", "discord")

    assert listed.code == 0
    lines = listed.out.splitlines()
    assert lines[0].startswith("telegram:-100123\tgroup\tid\t07:00\t")
    assert lines[1:] == [
        "telegram:5\tprivate\tid\tfollows António Guterres; Donald Trump on “sandera”\t-\tactive",
        "discord:42\tgroup\tid\tfollows “hostages”\t-\tactive",
    ]
    assert listed.err == "1 subscription, 2 chats following\n"
    assert discord_only.out == "discord:42\tgroup\tid\tfollows “hostages”\t-\tactive\n"
    assert discord_only.err == "0 subscriptions, 1 chat following\n"


def test_subscribers_add_with_a_bad_plan_exits_1_and_adds_nothing(config: Path) -> None:
    run = operator(config, "subscribers", "add", "telegram:1", "id", "25:99", "WIB")

    assert (run.code, run.out) == (1, "")
    assert run.err == say("en", "bad_time", value="25:99") + "\n"
    with closing(sqlite3.connect(config.parent / DATABASE)) as connection:
        assert connection.execute("SELECT count(*) FROM subscriptions").fetchone() == (0,)


def test_subscribers_with_a_malformed_chat_exits_2(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["subscribers", "add", "nocolon", "en", "--config", str(config)])

    assert exit_info.value.code == cli.USAGE
    assert "expected PLATFORM:CHAT_ID[/THREAD], got 'nocolon'" in capsys.readouterr().err
    assert not (config.parent / DATABASE).exists()


def test_a_database_from_a_newer_ringkas_is_refused_without_a_traceback(config: Path) -> None:
    database = config.parent / DATABASE
    database.parent.mkdir()
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('f00d')")
        connection.commit()

    run = operator(config, "subscribers", "list")

    assert run.code == 1
    assert run.err == (
        f"the database {database} is at revision f00d, newer than this Ringkas knows "
        f"(up to revision {head()}): run the Ringkas that migrated it\n"
    )


# --- push ---


def test_push_delivers_an_announcement_once(config: Path) -> None:
    operator(config, "subscribers", "add", "console:local", "en", "--kind", "private")
    expected_id = push_id(None, "Hi", "Halo")

    first = operator(config, "push", "--text-en", "Hi", "--text-id", "Halo", "--yes")
    second = operator(config, "push", "--text-en", "Hi", "--text-id", "Halo", "--yes")

    assert first.code == 0
    preview = "Announcement\n\nHi\n"
    assert first.out == f"{preview}{CONSOLE_ANNOUNCEMENT}\n{preview}\n"
    assert f"push {expected_id}: delivered 1/1, failed 0 [{'#' * 30}]" in first.err
    assert "wait for the running bot" not in first.err
    assert second.code == 0
    assert second.out == ""  # neither previewed nor sent again
    # (The final progress line starts with "\r", even when stderr is not a terminal.)
    assert [line.lstrip("\r") for line in second.err.split("\n")] == [
        f"push {expected_id} was already sent; it is not sent twice",
        f"push {expected_id}: delivered 1/1, failed 0 [{'#' * 30}]",
        "",
    ]
    assert outbox_states(config.parent / DATABASE) == [
        ("console:local", f"push:{expected_id}", "delivered")
    ]


def test_push_with_no_option_pushes_the_digest_once(config: Path, catalog: Catalog) -> None:
    operator(config, "subscribers", "add", "console:local", "id", "--kind", "private")

    first = operator(config, "push", "--yes")
    second = operator(config, "push", "--yes")

    assert first.code == 0
    [(chat, occasion, state)] = outbox_states(config.parent / DATABASE)
    assert (chat, state) == ("console:local", "delivered")
    pushed = occasion.removeprefix("push:")
    assert f"push {pushed}: delivered 1/1, failed 0" in first.err
    title = catalog.story.title
    assert first.out.startswith(title.en)  # the preview: the digest, in the config's language
    assert first.out.count(title.id) == 1  # then delivered in the chat's language
    assert second.code == 0
    assert f"push {pushed} was already sent; it is not sent twice" in second.err
    assert len(outbox_states(config.parent / DATABASE)) == 1


def test_push_leaves_other_platforms_to_the_running_bot(config: Path) -> None:
    operator(config, "subscribers", "add", "telegram:-100123", "both")
    expected_id = push_id(None, "Hi", "Halo")

    run = operator(config, "push", "--text-en", "Hi", "--text-id", "Halo", "--yes")
    deliver = operator(config, "deliver", "--once")

    assert run.code == 0
    assert CONSOLE_ANNOUNCEMENT not in run.out
    assert f"push {expected_id}: delivered 0/2, failed 0 [{' ' * 30}]" in run.err
    assert "2 deliveries wait for the running bot (`ringkas run`) to send" in run.err
    assert outbox_states(config.parent / DATABASE) == [
        ("telegram:-100123", f"push:{expected_id}", "pending"),
        ("telegram:-100123", f"push:{expected_id}", "pending"),
    ]
    # `deliver --once` sends for the console only; the telegram rows keep waiting.
    assert deliver.out == ""
    assert deliver.err.endswith("; 2 waiting\n")


def test_push_beside_a_running_bot_is_queued_for_that_bot_to_send(config: Path) -> None:
    operator(config, "subscribers", "add", "console:local", "en", "--kind", "private")
    expected_id = push_id(None, "Hi", "Halo")

    with another_process_sending(config.parent):
        run = operator(config, "push", "--text-en", "Hi", "--text-id", "Halo", "--yes")

    assert run.code == 0
    assert CONSOLE_ANNOUNCEMENT not in run.out
    assert "1 deliveries wait for the running bot (`ringkas run`) to send" in run.err
    assert outbox_states(config.parent / DATABASE) == [
        ("console:local", f"push:{expected_id}", "pending")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--text-en", "Hi"],
            "--text-en needs --text-id: announcements go out in both languages",
        ),
        (["--summary", "no-such-summary", "--yes"], "no summary 'no-such-summary' in "),
    ],
    ids=["text-en-alone", "unknown-summary"],
)
def test_push_with_an_incomplete_or_unknown_push_exits_1(
    config: Path, args: list[str], message: str
) -> None:
    run = operator(config, "push", *args)

    assert (run.code, run.out) == (1, "")
    assert run.err.startswith(message)


def test_push_of_a_summary_asks_first_and_no_cancels_it(config: Path, catalog: Catalog) -> None:
    summary = catalog.summaries[0]
    operator(config, "subscribers", "add", "console:local", "en", "--kind", "private")
    expected_id = push_id(summary.id, None, None)

    run = operator(config, "push", "--summary", summary.id, stdin="n\n")

    assert run.code == 1
    assert summary.title.en in run.out  # the preview
    assert "[digest →" not in run.out
    assert run.err == (
        f"Send push {expected_id} to every subscriber? [y/N] "
        f"push {expected_id} cancelled: nothing was sent\n"
    )
    assert outbox_states(config.parent / DATABASE) == []
