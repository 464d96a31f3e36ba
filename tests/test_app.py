"""The composition root: `open_runtime` builds the store, the content and the dispatcher;
`serve` runs them until stopped."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import text

from bot.adapters import AdapterError
from bot.adapters.console import LOCAL_CHAT, ConsoleSender
from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import (
    StoreBusy,
    open_runtime,
    platform_adapters,
    platform_tokens,
    secrets,
    serve,
)
from bot.config import (
    AdminSettings,
    DiscordSettings,
    Settings,
    TelegramSettings,
    WebhookSettings,
)
from bot.core.content.loading import ContentInvalid
from bot.core.content.problems import ContentError
from bot.core.delivery.planning import Planned
from bot.core.ports import ChatKind, ChatRef, Delivered, Format, MessageKind, Outbound, SystemClock
from bot.core.services import Defaults, Services
from bot.core.store import Store
from bot.core.store.migrations import head
from bot.core.subscription import Plan
from bot.core.text.strings import say
from tests.conftest import CONTENT, MINIMAL, WriteContent
from tests.test_cli_run import ringkas, write_config

NOW = dt.datetime(2025, 10, 8, 0, 0, 30, tzinfo=dt.UTC)
BROKEN = MINIMAL.replace("speaker: ana-speaker", "speaker: ana-speakr")


class FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now


class Recorder:
    """A sender that keeps what it is given."""

    format = Format.TEXT

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.sent: list[tuple[ChatRef, Outbound]] = []

    async def send(self, chat: ChatRef, message: Outbound) -> Delivered:
        self.sent.append((chat, message))
        return Delivered(str(len(self.sent)))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(content=CONTENT, database=str(tmp_path / "store" / "ringkas.sqlite3"))


async def test_open_runtime_creates_the_database_at_the_head_revision(settings: Settings) -> None:
    settings = settings.model_copy(update={"admins": AdminSettings(telegram=("42",))})
    database = Path(settings.database)
    assert not database.parent.exists()

    async with open_runtime(settings, FixedClock(NOW), [Recorder("console")]) as runtime:
        assert database.is_file()
        async with runtime.services.store.engine.connect() as connection:
            versions = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert list(versions.scalars()) == [head()]
        assert runtime.settings is settings
        assert runtime.dispatcher.platforms == ("console",)
        assert runtime.services.library.catalog.summaries
        assert runtime.services.defaults == Defaults("en", "Asia/Jakarta", (dt.time(7, 0),))
        assert runtime.services.admins == {
            "telegram": frozenset({"42"}),
            "discord": frozenset(),
            "console": frozenset({"local"}),
        }
        await runtime.services.store.subscriptions.subscribe(
            LOCAL_CHAT, ChatKind.PRIVATE, Plan("id", (), True, "Asia/Jakarta"), "test", NOW
        )

    # Opened again, the database is kept as it was, not created anew.
    async with open_runtime(settings, FixedClock(NOW), []) as runtime:
        kept = await runtime.services.store.subscriptions.get(LOCAL_CHAT)
        assert kept is not None
        assert kept.plan.languages == "id"


async def test_open_runtime_resends_deliveries_a_crash_left_sending(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    store = await Store.open(settings.database)
    try:
        sub = await store.subscriptions.subscribe(
            LOCAL_CHAT, ChatKind.PRIVATE, Plan("en", (), True, "Asia/Jakarta"), "test", NOW
        )
        await store.outbox.put_text("digest:test", "en", Format.TEXT, "The digest", NOW)
        queued = await store.outbox.enqueue(
            [(sub, "instant:test")], "digest:test", MessageKind.DIGEST, NOW
        )
        assert queued == 1
        [claimed] = await store.outbox.claim("console", NOW, 10)
        assert await store.outbox.counts() == {"sending": 1}
    finally:
        await store.close()  # the process died while sending
    console = Recorder("console")

    with caplog.at_level(logging.WARNING, logger="bot.core.delivery.dispatcher"):
        async with open_runtime(settings, FixedClock(NOW), [console]) as runtime:
            assert await runtime.services.store.outbox.counts() == {"pending": 1}
            report = await runtime.dispatcher.drain()
            assert await runtime.services.store.outbox.counts() == {"delivered": 1}

    assert "console: resending 1 deliveries left in doubt by its last sender" in caplog.text
    assert report.delivered == 1
    assert console.sent == [(LOCAL_CHAT, Outbound("The digest", MessageKind.DIGEST, nonce="d1"))]
    assert claimed.occasion == "instant:test"


async def test_a_runtime_beside_one_that_sends_leaves_its_sending_rows_alone_and_cannot_serve(
    settings: Settings,
) -> None:
    # An operator's `ringkas push` beside `ringkas run`: resetting the running bot's rows in
    # flight would send them twice, and a second dispatcher would double the platforms' rate.
    console = Recorder("console")
    async with open_runtime(settings, FixedClock(NOW), [console]) as running:
        store = running.services.store
        sub = await store.subscriptions.subscribe(
            LOCAL_CHAT, ChatKind.PRIVATE, Plan("en", (), True, "Asia/Jakarta"), "test", NOW
        )
        await store.outbox.put_text("digest:test", "en", Format.TEXT, "The digest", NOW)
        await store.outbox.enqueue([(sub, "instant:test")], "digest:test", MessageKind.DIGEST, NOW)
        lease = store.leases.held["sender:console"]
        await store.outbox.claim("console", NOW, 10, lease.epoch)  # being sent by the running bot

        async with open_runtime(settings, FixedClock(NOW), [Recorder("console")]) as beside:
            assert (running.sends, beside.sends) == (True, False)
            assert await beside.services.store.outbox.counts() == {"sending": 1}
            with pytest.raises(StoreBusy, match="another Ringkas process is already sending"):
                await serve(beside, [], asyncio.Event())

        postgres = "postgresql+asyncpg://ringkas:hunter2@db.example/ringkas"
        assert "hunter2" not in str(StoreBusy(postgres))  # a URL's password is never shown

        async with open_runtime(settings, FixedClock(NOW), [], send=False) as reading:
            assert not reading.sends  # an operator's listing never asks for the lock

    async with open_runtime(settings, FixedClock(NOW), [console]) as after:
        assert after.sends  # the first one stopped: the next takes over at once
        assert await after.services.store.outbox.counts() == {"pending": 1}


async def test_open_runtime_with_broken_content_raises_content_invalid(
    settings: Settings, write_content: WriteContent
) -> None:
    folder = write_content({"content.yaml": BROKEN})
    settings = settings.model_copy(update={"content": folder})

    with pytest.raises(ContentInvalid) as caught:
        async with open_runtime(settings, FixedClock(NOW), []):
            pytest.fail("a runtime over broken content")

    assert [str(e) for e in caught.value.errors] == [
        f"{folder / 'content.yaml'}:22: unknown speaker 'ana-speakr' (did you mean 'ana-speaker'?)"
    ]


async def test_admins_hear_of_content_problems_through_the_outbox_where_a_sender_is(
    settings: Settings,
) -> None:
    admins = AdminSettings(telegram=("42", "7"), discord=("99",))
    settings = settings.model_copy(update={"admins": admins, "language": "id"})
    telegram = Recorder("telegram")  # no discord sender: discord admins cannot be told

    async with open_runtime(settings, FixedClock(NOW), [telegram]) as runtime:
        alerts = runtime.services.alerts
        problems = (ContentError("summaries/x.yaml", 3, "bad date"),)
        assert await alerts.content_problems(problems, "e1") == 2  # queued in the outbox
        assert await alerts.content_problems(problems, "e1") == 0  # once
        await runtime.dispatcher.drain()
        # Nothing was queued for the Discord admin, whom no sender here could reach.
        assert await runtime.services.store.outbox.counts() == {"delivered": 2}

    assert [chat for chat, _ in telegram.sent] == [
        ChatRef("telegram", "42"),
        ChatRef("telegram", "7"),
    ]
    for _, message in telegram.sent:
        assert message.kind is MessageKind.NOTICE
        assert (
            message.text
            == f"{say('id', 'content_problems', count=1)}\nsummaries/x.yaml:3: bad date"
        )


async def test_stopping_during_a_planning_pass_logs_no_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    began = asyncio.Event()
    ended: list[str] = []

    async def slow_plan(self: Services) -> Planned:
        began.set()
        try:
            await asyncio.sleep(0.3)
        finally:
            ended.append("ended")
        return Planned(0, 0)

    monkeypatch.setattr(Services, "plan", slow_plan)
    done = asyncio.Event()
    with caplog.at_level(logging.INFO):
        async with open_runtime(settings, SystemClock(), [ConsoleSender(io.StringIO())]) as rt:
            serving = asyncio.create_task(serve(rt, [], done))
            await asyncio.wait_for(began.wait(), 5)  # the pass the scheduler runs at start
            done.set()
            await asyncio.wait_for(serving, 5)
            for _ in range(100):  # let an orphaned pass end before the store and loop close
                if ended:
                    break
                await asyncio.sleep(0.02)

    assert ended
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def test_serving_broken_content_exits_1_with_each_problem(
    tmp_path: Path, write_content: WriteContent
) -> None:
    folder = write_content({"content.yaml": BROKEN})
    config = write_config(tmp_path, content=folder)

    # `chat`: `run` with stdin not a terminal and no token stops before reading the content.
    run = ringkas(tmp_path, "chat", "--config", str(config))

    assert (run.code, run.out) == (1, "")
    assert run.err.splitlines() == [
        f"{folder / 'content.yaml'}:22: unknown speaker 'ana-speakr' (did you mean 'ana-speaker'?)",
        "1 problem",
    ]


# --- platforms: tokens and secrets from the environment, an adapter per token ---


TOKEN_ENVS = ("RINGKAS_TELEGRAM_TOKEN", "RINGKAS_DISCORD_TOKEN", "RINGKAS_TELEGRAM_WEBHOOK_SECRET")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """None of the variables the bot reads secrets from is set, unless the test sets it."""
    for name in (*TOKEN_ENVS, "MY_TG", "MY_DC", "MY_HOOK"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def with_webhook(
    settings: Settings, secret_env: str = "RINGKAS_TELEGRAM_WEBHOOK_SECRET"
) -> Settings:
    webhook = WebhookSettings(url="https://bot.example.org/tg", secret_token_env=secret_env)
    telegram = settings.telegram.model_copy(update={"webhook": webhook})
    return settings.model_copy(update={"telegram": telegram})


def test_no_tokens_no_platforms_no_secrets(
    settings: Settings, environment: pytest.MonkeyPatch
) -> None:
    assert platform_tokens(settings) == {}
    assert secrets(settings) == []
    assert secrets(with_webhook(settings)) == []
    assert platform_adapters(settings, {}) == []


def test_tokens_are_read_from_the_variables_the_config_names(
    settings: Settings, environment: pytest.MonkeyPatch
) -> None:
    environment.setenv("MY_TG", " 123:abc\n")
    environment.setenv("MY_DC", "discord-token")
    environment.setenv("RINGKAS_TELEGRAM_TOKEN", "not-this-one")
    settings = settings.model_copy(
        update={
            "telegram": TelegramSettings(token_env="MY_TG"),
            "discord": DiscordSettings(token_env="MY_DC"),
        }
    )

    assert platform_tokens(settings) == {"telegram": "123:abc", "discord": "discord-token"}
    assert sorted(secrets(settings)) == ["123:abc", "discord-token"]


def test_the_database_password_is_a_secret(
    settings: Settings, environment: pytest.MonkeyPatch
) -> None:
    url = "postgresql+asyncpg://ringkas:pa%40ss@db.example.org/ringkas"  # "pa@ss", escaped
    with_password = settings.model_copy(update={"database": url})
    without = settings.model_copy(update={"database": "postgresql+asyncpg://db.example.org/r"})

    assert secrets(with_password) == ["pa%40ss", "pa@ss"]  # as a log line may show either
    assert secrets(without) == []


@pytest.mark.parametrize(
    ("telegram", "discord", "expected"),
    [
        ("tg-token", None, {"telegram": "tg-token"}),
        (None, "dc-token", {"discord": "dc-token"}),
        ("   ", "dc-token", {"discord": "dc-token"}),
    ],
)
def test_unset_or_blank_tokens_are_absent(
    settings: Settings,
    environment: pytest.MonkeyPatch,
    telegram: str | None,
    discord: str | None,
    expected: dict[str, str],
) -> None:
    for name, value in (("RINGKAS_TELEGRAM_TOKEN", telegram), ("RINGKAS_DISCORD_TOKEN", discord)):
        if value is not None:
            environment.setenv(name, value)

    assert platform_tokens(settings) == expected
    assert secrets(settings) == list(expected.values())


def test_the_webhook_secret_is_a_secret_only_with_a_webhook(
    settings: Settings, environment: pytest.MonkeyPatch
) -> None:
    environment.setenv("RINGKAS_TELEGRAM_TOKEN", "tg-token")
    environment.setenv("RINGKAS_TELEGRAM_WEBHOOK_SECRET", "hook-secret")
    environment.setenv("MY_HOOK", "my-hook-secret")

    assert secrets(settings) == ["tg-token"]  # polling: the secret is not the bot's
    assert secrets(with_webhook(settings)) == ["tg-token", "hook-secret"]
    assert secrets(with_webhook(settings, "MY_HOOK")) == ["tg-token", "my-hook-secret"]
    assert platform_tokens(with_webhook(settings)) == {"telegram": "tg-token"}


def test_an_unset_webhook_secret_is_absent(
    settings: Settings, environment: pytest.MonkeyPatch
) -> None:
    environment.setenv("RINGKAS_DISCORD_TOKEN", "dc-token")

    assert secrets(with_webhook(settings)) == ["dc-token"]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any attempt to resolve a name or open a connection fails the test (and is recorded)."""
    attempts: list[str] = []

    def refuse(what: str) -> Callable[..., NoReturn]:
        def refused(*args: object, **kwargs: object) -> NoReturn:
            attempts.append(what)
            raise AssertionError(f"network used: {what}{args!r}")

        return refused

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


@pytest.mark.parametrize(
    ("tokens", "kinds"),
    [
        ({"telegram": "123:abc"}, [TelegramAdapter]),
        ({"discord": "dc-token"}, [DiscordAdapter]),
        ({"discord": "dc-token", "telegram": "123:abc"}, [TelegramAdapter, DiscordAdapter]),
        ({}, []),
        ({"console": "x"}, []),
    ],
)
def test_one_adapter_per_platform_token_made_offline(
    settings: Settings, offline: list[str], tokens: dict[str, str], kinds: list[type]
) -> None:
    adapters = platform_adapters(settings, tokens)

    assert [type(adapter) for adapter in adapters] == kinds
    assert [adapter.sender.platform for adapter in adapters] == [
        k.__name__.removesuffix("Adapter").lower() for k in kinds
    ]
    assert offline == []


def test_a_webhook_on_a_postgresql_store_needs_a_secret_every_instance_shares(
    settings: Settings, environment: pytest.MonkeyPatch
) -> None:
    shared = with_webhook(settings).model_copy(
        update={"database": "postgresql+asyncpg://ringkas:pw@db.example/ringkas"}
    )
    with pytest.raises(AdapterError, match=r"set \$RINGKAS_TELEGRAM_WEBHOOK_SECRET to one"):
        platform_adapters(shared, {"telegram": "123:abc"})
    assert len(platform_adapters(with_webhook(settings), {"telegram": "123:abc"})) == 1  # SQLite
    environment.setenv("RINGKAS_TELEGRAM_WEBHOOK_SECRET", "one-for-all")
    assert len(platform_adapters(shared, {"telegram": "123:abc"})) == 1
