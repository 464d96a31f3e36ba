"""APScheduler drives two periodic jobs that only call services: planning what is due (one job
for every subscription, whatever their number) and watching the content folder."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.services import Services

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, services: Services, tick_seconds: float, watch_seconds: float) -> None:
        self._services = services
        self._running = False
        self._busy = asyncio.Lock()
        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        # One run at a time, and a run missed while busy or down is made once, not per miss.
        once = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        self._scheduler.add_job(
            self._plan,
            IntervalTrigger(seconds=tick_seconds, timezone=dt.UTC),
            id="plan",
            next_run_time=dt.datetime.now(dt.UTC),  # at start: what was missed while down
            **once,
        )
        if watch_seconds:
            self._scheduler.add_job(
                self._watch,
                IntervalTrigger(seconds=watch_seconds, timezone=dt.UTC),
                id="watch",
                **once,
            )

    def start(self) -> None:
        self._scheduler.start()
        self._running = True

    async def stop(self) -> None:
        """Start no new pass, let the one under way finish, then shut down."""
        # APScheduler's own `running` flag changes only in a later loop step; this one at once.
        if not self._running:
            return
        self._running = False
        self._scheduler.pause()
        async with self._busy:
            self._scheduler.shutdown(wait=False)

    async def _plan(self) -> None:
        await self._one_pass(self._plan_once)

    async def _watch(self) -> None:
        await self._one_pass(self._services.reload_if_changed)

    async def _plan_once(self) -> None:
        planned = await self._services.plan()
        if planned.queued or planned.skipped:
            log.info(
                "queued %d deliveries; %d chats had nothing new", planned.queued, planned.skipped
            )

    async def _one_pass(self, job: Callable[[], Awaitable[object]]) -> None:
        """One pass at a time, none after stop, and a failure logged, not raised: the next
        run tries again."""
        try:
            async with self._busy:
                if self._running:
                    await job()
        except asyncio.CancelledError:
            return  # shut down while waiting for the pass before it: this run never began
        except Exception:
            log.exception("a scheduled pass failed; the next one tries again")
