"""A backup of a SQLite store, taken while a push is being sent from it, and the deliveries
waiting in a restored copy."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.core.delivery.dispatcher import Dispatcher, RetryPolicy
from bot.core.delivery.pacing import PlatformLimits
from bot.core.delivery.pushes import Pusher
from bot.core.library import Library
from bot.core.ports import ChatRef, Outbound
from bot.core.store import Store
from bot.core.store.backup import back_up, contents
from bot.core.store.migrations import Revision, head
from bot.core.store.tables import OutboxState
from bot.core.text.compose import DigestOptions
from tests.conftest import CONTENT
from tests.core.store.conftest import HOUR, NOW, subscribe
from tests.core.store.legacy import EXPECTED, restore_release_4
from tests.fakes import RecordingSender, SettableClock

CHATS = 200
QUEUED = dt.datetime(2025, 10, 7, 0, 30, tzinfo=dt.UTC)  # when the fixture's deliveries were
SECOND = dt.timedelta(seconds=1)


async def test_a_backup_taken_while_a_push_is_sent_holds_every_subscription(
    tmp_path: Path,
) -> None:
    database, copy = tmp_path / "ringkas.sqlite3", tmp_path / "backup" / "copy.sqlite3"
    copy.parent.mkdir()
    async with await Store.open(database) as store:
        subs = [await subscribe(store, f"telegram:{i}") for i in range(1, CHATS + 1)]
        library = await Library.load(CONTENT, DigestOptions(), NOW)
        pusher = Pusher(store, library)
        push = await store.pushes.draft(pusher.draft("admin", NOW, text_en="Hi", text_id="Hai"))
        assert await pusher.send(push, NOW) == CHATS
        sender = RecordingSender(delay=0.002)  # a slow network: the push takes a while
        taken: list[Revision] = []
        started = asyncio.Event()

        async def back_up_midway(_chat: ChatRef, _message: Outbound) -> None:
            if len(sender.sent) >= CHATS // 2 and not started.is_set():
                started.set()
                # In a thread, as `ringkas backup` is another process: the sends go on meanwhile.
                taken.append((await asyncio.to_thread(back_up, database, copy)).revision)

        sender.hook = back_up_midway
        dispatcher = Dispatcher(
            store,
            {"telegram": sender},
            {"telegram": PlatformLimits()},
            SettableClock(NOW),
            RetryPolicy(),
            in_flight=20,
        )
        assert (await dispatcher.drain()).delivered == CHATS

    assert taken == [Revision(head())]
    copied = contents(copy)
    assert copied.subscriptions == CHATS
    # Taken mid-push: some deliveries were made, some not yet, and the copy adds up.
    assert 0 < copied.deliveries[OutboxState.DELIVERED] < CHATS
    assert copied.deliveries.total() == CHATS
    with closing(sqlite3.connect(copy)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
    async with await Store.open(copy) as restored:  # at the head: no migration asked
        assert restored.upgraded_from is None
        assert [sub async for sub in restored.subscriptions.all()] == subs


async def test_a_backup_replaces_its_target_only_once_whole(tmp_path: Path) -> None:
    database, copy = tmp_path / "ringkas.sqlite3", tmp_path / "copy.sqlite3"
    copy.write_bytes(b"an older copy")
    await restore_release_4(database)

    copied = back_up(database, copy)

    assert copied.revision == Revision(legacy=4)  # a copy as it is: migrated when restored
    assert copied.subscriptions == EXPECTED["subscriptions"]
    assert copied.follows == EXPECTED["follows"]
    assert copied.deliveries == {"delivered": 1, "failed": 1, "sending": 1, "pending": 3}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["copy.sqlite3", "ringkas.sqlite3"]


async def test_after_a_restore_the_deliveries_waiting_in_the_copy_can_be_cancelled(
    tmp_path: Path,
) -> None:
    database = tmp_path / "ringkas.sqlite3"
    await restore_release_4(database)  # 3 deliveries pending and 1 sending, queued at QUEUED
    async with await Store.open(database, upgrade=True) as store:
        assert await store.outbox.cancel_waiting(QUEUED, "queued before the backup", NOW) == 0
        cancelled = await store.outbox.cancel_waiting(QUEUED + SECOND, "before the backup", NOW)
        sender = RecordingSender()
        dispatcher = Dispatcher(
            store,
            {"telegram": sender},
            {"telegram": PlatformLimits()},
            SettableClock(QUEUED + HOUR),
            RetryPolicy(),
            in_flight=20,
        )
        await store.outbox.release("telegram", 99, QUEUED + HOUR)  # as a new sender would
        report = await dispatcher.drain()
        counts = await store.outbox.counts()
    assert cancelled == 4
    assert (report.delivered, sender.sent) == (0, [])
    assert counts == {OutboxState.DELIVERED: 1, OutboxState.FAILED: 1, OutboxState.CANCELLED: 4}
