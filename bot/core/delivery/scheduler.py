"""APScheduler drives three periodic jobs that only call services: planning what is due (one job
for every subscription, whatever their number), watching the content folder, and pruning what
the store no longer keeps. A driver that keeps time itself (the soak benchmark's stepped clock)
runs the same jobs with `run_due`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.services import Services

log = logging.getLogger(__name__)

# How often the planner's holder runs the retention pass. Each pass stops after a few seconds
# (`retention.BUDGET`): an hour of a large store's deliveries takes well under one, and a
# backlog (a store older than the retention period, the first time) goes a pass at a time
# without holding up planning for long.
PRUNE_EVERY = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: what it runs, how often, and whether its first run is at start (else
    one period after). Both ways of running the jobs read these, so they cannot drift apart."""

    name: str
    work: Callable[[], Awaitable[object]]
    every: dt.timedelta
    at_start: bool = False  # planning: at start it catches up on what was missed while down

    def trigger(self, start: dt.datetime) -> IntervalTrigger:
        """Its moments from `start` on: `start` itself if it runs at start, then every period."""
        first = start if self.at_start else start + self.every
        return IntervalTrigger(
            seconds=self.every.total_seconds(), start_date=first, timezone=dt.UTC
        )


@dataclass(slots=True)
class _Due:
    """Where `run_due` is with one job: its trigger and its next moment (None: never again)."""

    trigger: IntervalTrigger
    next_run: dt.datetime | None

    @classmethod
    def starting(cls, job: Job, now: dt.datetime) -> _Due:
        trigger = job.trigger(now)
        first: dt.datetime | None = trigger.get_next_fire_time(None, now)
        return cls(trigger, first)

    def take(self, now: dt.datetime) -> dt.datetime | None:
        """The moment the job fell due, if it is due at `now`, having moved past every moment
        up to `now`: runs missed since the last call are made once, as APScheduler coalesces
        them. None if it is not due."""
        due = self.next_run
        if due is None or due > now:
            return None
        last = due
        following: dt.datetime | None = self.trigger.get_next_fire_time(last, now)
        while following is not None and following <= now:
            last = following
            following = self.trigger.get_next_fire_time(last, now)
        self.next_run = following
        return due


class Scheduler:
    def __init__(self, services: Services, tick_seconds: float, watch_seconds: float) -> None:
        self._services = services
        self._running = False  # APScheduler started, and not stopped yet
        self._stopped = False  # no pass begins after a stop, whoever runs the jobs
        self._busy = asyncio.Lock()
        plan = Job("plan", self._plan_once, dt.timedelta(seconds=tick_seconds), at_start=True)
        watch = Job("watch", services.reload_if_changed, dt.timedelta(seconds=watch_seconds))
        prune = Job("prune", self._prune_once, PRUNE_EVERY)
        self._jobs: tuple[Job, ...] = (plan, watch, prune) if watch_seconds else (plan, prune)
        self._due: dict[str, _Due] | None = None  # `run_due`'s own progress, from its first call
        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        # One run at a time, and a run missed while busy or down is made once, not per miss.
        once = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        now = dt.datetime.now(dt.UTC)
        for job in self._jobs:
            # APScheduler works out a trigger's first moment only when it starts, after the
            # adapters have connected: a job run at start gets that first run outright.
            first = {"next_run_time": now} if job.at_start else {}
            self._scheduler.add_job(
                self._one_pass, job.trigger(now), args=(job.work,), id=job.name, **first, **once
            )

    def start(self) -> None:
        self._scheduler.start()
        self._running = True

    @property
    def running(self) -> bool:
        """Started and not stopped: its jobs come round (liveness asks)."""
        return self._running and self._scheduler.running

    async def stop(self) -> None:
        """Start no new pass, let the one under way finish, then shut down."""
        self._stopped = True
        # APScheduler's own `running` flag changes only in a later loop step; this one at once.
        if not self._running:
            return
        self._running = False
        self._scheduler.pause()
        async with self._busy:
            self._scheduler.shutdown(wait=False)

    async def run_due(self, now: dt.datetime) -> None:
        """Run the jobs due at `now`, instead of `start`, for a driver that keeps time itself
        (the soak benchmark's stepped clock): APScheduler's triggers follow the real clock. The
        jobs and their triggers are the ones `start` schedules.

        Time starts at the first call, as at `start`: planning is due then, the watch one
        period later. A job's runs missed between two calls are made once, as APScheduler
        coalesces them. The jobs due run one after the other, earliest first; as under
        APScheduler, one pass at a time, none after `stop`, and a failure is logged, not
        raised: the next run tries again."""
        if self._running:
            raise RuntimeError("the scheduler runs on the real clock: its jobs would run twice")
        if self._due is None:
            self._due = {job.name: _Due.starting(job, now) for job in self._jobs}
        # Every job due is taken before the first pass: a caller coming meanwhile finds them
        # taken and does not run them again.
        taken = [
            (moment, job.name, job.work)
            for job in self._jobs
            if (moment := self._due[job.name].take(now)) is not None
        ]
        # Earliest first, and jobs due at the same moment by name, as APScheduler's job store
        # orders them: planning, the retention pass ("prune"), then the watch.
        taken.sort(key=lambda due: (due[0], due[1]))
        for _, _, work in taken:
            await self._pass(work)  # not `_one_pass`: a driver cancelled mid-pass hears of it

    async def _plan_once(self) -> None:
        if not self._services.planner:
            return  # another instance holds the planner role
        planned = await self._services.plan()
        if planned.queued or planned.skipped:
            log.info(
                "queued %d deliveries; %d chats had nothing new", planned.queued, planned.skipped
            )

    async def _prune_once(self) -> None:
        if self._services.planner:  # else another instance holds the planner role, and prunes
            await self._services.prune()

    async def _one_pass(self, job: Callable[[], Awaitable[object]]) -> None:
        """A pass APScheduler runs."""
        try:
            await self._pass(job)
        except asyncio.CancelledError:
            return  # shut down while waiting for the pass before it: this run never began

    async def _pass(self, job: Callable[[], Awaitable[object]]) -> None:
        """One pass at a time, none after stop, and a failure logged, not raised: the next
        run tries again."""
        async with self._busy:
            if self._stopped:
                return
            try:
                await job()
            except Exception:
                log.exception("a scheduled pass failed; the next one tries again")
