"""The scheduler's jobs on a running event loop: planning at start, watching the content folder,
and the planner's retention pass every ten minutes; a clean stop that lets a pass under way
finish and may be called more than once; and the same jobs driven by `run_due` on a clock the
caller moves."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select

from bot.core.delivery.planning import Planned
from bot.core.delivery.scheduler import Scheduler
from bot.core.ports import ChatKind, ChatRef
from bot.core.services import Defaults, Services
from bot.core.store.outbox import Settlement
from bot.core.store.retention import Pruned
from bot.core.store.tables import bodies, outbox
from bot.core.subscription import Plan
from tests.core.test_library import add_summary, copy_content
from tests.fakes import SettableClock, services_over

NOW = dt.datetime(2025, 10, 6, 0, 30, tzinfo=dt.UTC)  # 07:30 WIB
DUE = dt.datetime(2025, 10, 7, 0, 0, tzinfo=dt.UTC)  # the next 07:00 WIB
SEVEN = (dt.time(7, 0),)
HOUR = 3600.0


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
async def services(tmp_path: Path, clock: SettableClock) -> AsyncIterator[Services]:
    content, database = copy_content(tmp_path), tmp_path / "ringkas.sqlite3"
    defaults = Defaults("en", "Asia/Jakarta", SEVEN)
    async with services_over(content, database, clock, defaults=defaults) as services:
        yield services


async def subscribe(services: Services, chat_id: str, plan: Plan) -> None:
    await services.store.subscriptions.subscribe(
        ChatRef("telegram", chat_id), ChatKind.PRIVATE, plan, "user:1", NOW
    )


async def keys(services: Services) -> list[str]:
    """The keys of the outbox rows, in the order they were queued."""
    async with services.store.engine.connect() as connection:
        result = await connection.execute(select(outbox.c.occasion).order_by(outbox.c.id))
        return [key for (key,) in result]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("did not happen in time")
        await asyncio.sleep(0.02)


async def stop(scheduler: Scheduler) -> None:
    await scheduler.stop()
    for _ in range(3):  # APScheduler's own shutdown runs as a callback on the loop
        await asyncio.sleep(0)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_plan_job_runs_at_start(
    services: Services, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(services, "1", Plan("en", SEVEN, False, "Asia/Jakarta"))
    clock.set(DUE)  # the bot starts when the chat's slot has come
    woken = asyncio.Event()
    services.wake = woken.set
    scheduler = Scheduler(services, tick_seconds=HOUR, watch_seconds=0)

    scheduler.start()
    try:
        await asyncio.wait_for(woken.wait(), 3)
    finally:
        await stop(scheduler)

    assert await keys(services) == ["scheduled:2025-10-07T00:00Z"]
    assert errors_logged(caplog) == []


async def test_shutdown_is_clean_and_ends_the_jobs(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(services, "1", Plan("en", (), True, "Asia/Jakarta"))
    scheduler = Scheduler(services, tick_seconds=HOUR, watch_seconds=0.05)
    scheduler.start()

    async def planned() -> bool:
        return len(await keys(services)) == 1

    await eventually(planned)
    await stop(scheduler)
    before = services.library.edition.selection

    add_summary(services.library.directory)
    await asyncio.sleep(0.2)  # four watch periods: a running watcher would reload

    assert services.library.edition.selection == before
    assert len(await keys(services)) == 1
    await stop(scheduler)  # a second stop, long after the first, is harmless
    assert errors_logged(caplog) == []


async def test_the_watch_job_picks_up_a_content_change(services: Services) -> None:
    await subscribe(services, "1", Plan("en", (), True, "Asia/Jakarta"))
    old_key = services.library.edition.selection
    scheduler = Scheduler(services, tick_seconds=HOUR, watch_seconds=0.2)
    scheduler.start()
    try:

        async def sent_first_edition() -> bool:
            return await keys(services) == [f"instant:{old_key}"]

        await eventually(sent_first_edition)
        add_summary(services.library.directory)

        async def sent_new_edition() -> bool:
            return len(await keys(services)) == 2

        await eventually(sent_new_edition)
    finally:
        await stop(scheduler)

    new_key = services.library.edition.selection
    assert new_key != old_key
    assert await keys(services) == [f"instant:{old_key}", f"instant:{new_key}"]


async def stop_twice_in_a_row(scheduler: Scheduler) -> None:
    # The second stop comes before APScheduler's own shutdown callback has run.
    await scheduler.stop()
    await scheduler.stop()


async def stop_from_three_places_at_once(scheduler: Scheduler) -> None:
    await asyncio.gather(scheduler.stop(), scheduler.stop(), scheduler.stop())
    await scheduler.stop()


@pytest.mark.parametrize(
    ("watch_seconds", "running_for", "stopping"),
    [
        pytest.param(0, 0.05, stop_twice_in_a_row, id="twice-in-a-row"),
        # With the watch job running too, and past its first period.
        pytest.param(0.05, 0.1, stop_from_three_places_at_once, id="at-once-from-three-places"),
    ],
)
async def test_stopping_more_than_once_logs_no_error(
    services: Services,
    caplog: pytest.LogCaptureFixture,
    watch_seconds: float,
    running_for: float,
    stopping: Callable[[Scheduler], Awaitable[None]],
) -> None:
    scheduler = Scheduler(services, tick_seconds=HOUR, watch_seconds=watch_seconds)
    scheduler.start()
    await asyncio.sleep(running_for)

    await stopping(scheduler)
    for _ in range(3):  # APScheduler's own shutdown runs as a callback on the loop
        await asyncio.sleep(0)

    assert errors_logged(caplog) == []


async def test_stop_before_start_is_harmless(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = Scheduler(services, tick_seconds=HOUR, watch_seconds=0)
    await stop(scheduler)
    assert await keys(services) == []
    assert errors_logged(caplog) == []


async def test_stop_lets_the_pass_under_way_finish_and_starts_no_other(
    services: Services, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(services, "1", Plan("en", (), True, "Asia/Jakarta"))
    started, release = asyncio.Event(), asyncio.Event()
    passes = 0
    plan_due = services.broadcaster.plan_due

    async def slow_plan_due(now: dt.datetime) -> Planned:
        nonlocal passes
        passes += 1
        started.set()
        await release.wait()
        return await plan_due(now)

    monkeypatch.setattr(services.broadcaster, "plan_due", slow_plan_due)
    scheduler = Scheduler(services, tick_seconds=0.05, watch_seconds=0)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 3)

    stopping = asyncio.create_task(scheduler.stop())
    await asyncio.sleep(0.2)  # four ticks: none starts another pass
    assert not stopping.done()  # waits for the pass under way
    release.set()
    await asyncio.wait_for(stopping, 3)
    await stop(scheduler)
    await asyncio.sleep(0.2)

    assert passes == 1
    assert len(await keys(services)) == 1  # the pass under way finished its work
    assert errors_logged(caplog) == []


# --- run_due: the same jobs, driven by a clock the caller moves ---


class Recorder:
    """What the scheduler's jobs call on the services, recorded in order; a pass may be held
    (`hold`) or made to fail (`failing`)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.active = 0
        self.most_active = 0
        self.hold: asyncio.Event | None = None
        self.failing: set[str] = set()
        self.planner = True  # the instance holds the planner role

    async def _call(self, job: str) -> None:
        self.calls.append(job)
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            if self.hold is not None:
                await self.hold.wait()
            if job in self.failing:
                raise RuntimeError(f"{job} broke")
        finally:
            self.active -= 1

    async def plan(self) -> Planned:
        await self._call("plan")
        return Planned(0, 0)

    async def reload_if_changed(self) -> None:
        await self._call("watch")

    async def prune(self) -> Pruned:
        await self._call("prune")
        return Pruned()


def driven(recorder: Recorder, tick: float = 30, watch: float = 10) -> Scheduler:
    return Scheduler(cast(Services, recorder), tick_seconds=tick, watch_seconds=watch)


def at(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


async def test_run_due_runs_each_job_when_its_trigger_is_due_and_not_otherwise() -> None:
    recorder = Recorder()
    scheduler = driven(recorder)
    ran = {}
    for seconds in (0, 5, 10, 20, 30, 35, 40, 50, 60):
        recorder.calls.clear()
        await scheduler.run_due(at(seconds))
        ran[seconds] = list(recorder.calls)

    # Planning at the first call (start) and every 30 s; the watch from 10 s on, every 10 s;
    # both due at once: planning first, as APScheduler orders them.
    assert ran == {
        0: ["plan"],
        5: [],
        10: ["watch"],
        20: ["watch"],
        30: ["plan", "watch"],
        35: [],
        40: ["watch"],
        50: ["watch"],
        60: ["plan", "watch"],
    }


async def test_run_due_makes_the_runs_missed_between_calls_once() -> None:
    recorder = Recorder()
    scheduler = driven(recorder)
    await scheduler.run_due(at(0))
    recorder.calls.clear()

    await scheduler.run_due(at(95))  # plan missed 3 times, the watch 9
    assert recorder.calls == ["watch", "plan"]  # earliest due first: the watch since 10 s

    recorder.calls.clear()
    for seconds in (100, 110):  # the next moments stay on the triggers' own grid
        await scheduler.run_due(at(seconds))
    assert recorder.calls == ["watch", "watch"]
    recorder.calls.clear()
    await scheduler.run_due(at(120))
    assert recorder.calls == ["plan", "watch"]


async def test_run_due_without_a_watch_plans_only() -> None:
    recorder = Recorder()
    scheduler = driven(recorder, watch=0)

    for seconds in (0, 10, 30):
        await scheduler.run_due(at(seconds))

    assert recorder.calls == ["plan", "plan"]


async def test_run_due_runs_one_pass_at_a_time_and_each_due_run_once() -> None:
    recorder = Recorder()
    recorder.hold = asyncio.Event()
    scheduler = driven(recorder)

    first = asyncio.create_task(scheduler.run_due(at(0)))
    await asyncio.sleep(0.01)  # the plan pass is under way, held
    again = asyncio.create_task(scheduler.run_due(at(0)))  # the same moment: nothing left due
    later = asyncio.create_task(scheduler.run_due(at(10)))  # the watch: waits for the pass
    await asyncio.sleep(0.05)
    assert recorder.calls == ["plan"]
    assert again.done()

    recorder.hold.set()
    await asyncio.wait_for(asyncio.gather(first, again, later), 3)

    assert recorder.calls == ["plan", "watch"]
    assert recorder.most_active == 1


async def test_a_failed_pass_under_run_due_is_logged_and_the_next_run_tries_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    recorder.failing = {"plan"}
    scheduler = driven(recorder, watch=0)

    await scheduler.run_due(at(0))  # does not raise
    assert errors_logged(caplog) == ["a scheduled pass failed; the next one tries again"]

    recorder.failing.clear()
    caplog.clear()
    await scheduler.run_due(at(30))

    assert recorder.calls == ["plan", "plan"]
    assert errors_logged(caplog) == []


async def test_run_due_runs_nothing_after_stop_and_refuses_a_started_scheduler() -> None:
    recorder = Recorder()
    stopped = driven(recorder)
    await stopped.run_due(at(0))
    await stopped.stop()
    await stopped.run_due(at(30))
    assert recorder.calls == ["plan"]

    started = driven(Recorder(), tick=HOUR, watch=0)
    started.start()
    try:
        with pytest.raises(RuntimeError):
            await started.run_due(at(0))
    finally:
        await stop(started)


async def test_run_due_drives_the_real_jobs_planning_and_the_content_watch(
    services: Services, clock: SettableClock
) -> None:
    await subscribe(services, "1", Plan("en", SEVEN, True, "Asia/Jakarta"))
    old_key = services.library.edition.selection
    scheduler = Scheduler(services, tick_seconds=30, watch_seconds=10)

    await scheduler.run_due(NOW)  # planning at start: the instant chat gets the edition
    add_summary(services.library.directory)
    clock.set(at(10))
    await scheduler.run_due(at(10))  # the watch: a new edition, sent at once
    clock.set(DUE)
    await scheduler.run_due(DUE)  # the slot: nothing new since the last edition

    new_key = services.library.edition.selection
    assert new_key != old_key
    assert await keys(services) == [f"instant:{old_key}", f"instant:{new_key}"]


async def test_the_planner_prunes_every_ten_minutes_and_another_instance_never() -> None:
    ran = {}
    for planner in (True, False):
        recorder = Recorder()
        recorder.planner = planner
        scheduler = driven(recorder, tick=HOUR, watch=0)
        for seconds in (0, 300, 599, 600, 900, 1200):
            await scheduler.run_due(at(seconds))
        ran[planner] = recorder.calls.count("prune")

    assert ran == {True: 2, False: 0}


async def test_the_retention_pass_under_run_due_deletes_what_is_older_than_the_period(
    services: Services, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(services, "1", Plan("en", SEVEN, False, "Asia/Jakarta"))
    clock.set(DUE)
    scheduler = Scheduler(services, tick_seconds=HOUR, watch_seconds=0)
    await scheduler.run_due(clock.now())  # planning at start: the digest is queued
    [delivery] = await services.store.outbox.claim("telegram", clock.now(), 10)
    await services.store.outbox.settle(Settlement(delivered=[(delivery.id, "m1")]), clock.now())
    services.retention = dt.timedelta(days=2)
    caplog.set_level(logging.INFO, logger="bot.core.services")

    await scheduler.run_due(clock.advance(dt.timedelta(minutes=10)))  # too young to go
    assert await keys(services) == ["scheduled:2025-10-07T00:00Z"]
    clock.set(DUE + dt.timedelta(days=2, minutes=1))  # older than the period now
    await scheduler.run_due(clock.now())

    assert await keys(services) == []
    # The digest's six texts (two languages, three formats) went too: nothing carried them, and
    # the planner had last stored them two days before. Planning, due after the pass, stored
    # them again before anything could be queued with them.
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retention")]
    assert len(logged) == 1
    assert logged[0].startswith("retention: deleted 1 deliveries, 6 texts and 0 button commands")
    async with services.store.engine.connect() as connection:
        stored = (await connection.execute(select(bodies.c.stored_at))).scalars().all()
    assert stored == [clock.now()] * 6
