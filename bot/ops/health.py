"""Liveness and readiness: what `/healthz` and `/readyz` answer, each check named with its
detail.

Live: the process runs its loops. The event loop answers (else no answer comes at all), and the
dispatcher, the roles' rounds and the scheduler are running: one that ended while the process
serves means it no longer delivers, and a restart is the cure. Starting (the adapters
connecting) and stopping are live.

Ready: the store answers a query within `STORE_TIMEOUT`, the content is loaded with a summary
to make a digest of (a reload that finds problems keeps the last good content in service: still
ready), and each platform's adapter is connected (`Adapter.connection`); not while stopping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.core.delivery.scheduler import Scheduler
from bot.core.library import Library
from bot.core.ports import Adapter
from bot.core.store import Store
from bot.core.store.tables import schema_version

STORE_TIMEOUT = 2.0  # seconds the store's answer is waited for: a probe must not hang
DETAIL_CHARS = 300  # of an error's words in a check's detail


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def verdict(checks: Sequence[Check]) -> tuple[bool, dict[str, Any]]:
    """Whether every check passed, and the JSON body that shows each."""
    ok = all(check.ok for check in checks)
    body = {
        "status": "ok" if ok else "failing",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return ok, body


def task_check(name: str, task: asyncio.Task[None]) -> Check:
    """A loop's task: running, or how it ended."""
    if not task.done():
        return Check(name, True, "running")
    if task.cancelled():
        return Check(name, False, "cancelled")
    error = task.exception()
    if error is None:
        return Check(name, False, "ended")
    return Check(name, False, f"ended: {_words(error)}")


class Health:
    def __init__(
        self,
        store: Store,
        library: Library,
        adapters: Sequence[Adapter],
        stopping: asyncio.Event,
        store_timeout: float = STORE_TIMEOUT,
    ) -> None:
        self._store = store
        self._library = library
        self._adapters = adapters
        self._stopping = stopping
        self._store_timeout = store_timeout
        self._loops: dict[str, Callable[[], Check]] = {}

    def watch_task(self, name: str, task: asyncio.Task[None]) -> None:
        """A loop that runs as long as the process serves."""
        self._loops[name] = lambda: task_check(name, task)

    def watch_scheduler(self, scheduler: Scheduler) -> None:
        self._loops["scheduler"] = lambda: Check(
            "scheduler", scheduler.running, "running" if scheduler.running else "not running"
        )

    def liveness(self) -> list[Check]:
        if self._stopping.is_set():
            return [Check("process", True, "stopping")]
        if not self._loops:
            return [Check("process", True, "starting: the adapters are connecting")]
        return [check() for check in self._loops.values()]

    async def readiness(self) -> list[Check]:
        checks = [await self._store_check(), self._content_check()]
        for adapter in self._adapters:
            connection = adapter.connection()
            checks.append(Check(adapter.sender.platform, connection.up, connection.detail))
        if self._stopping.is_set():
            checks.append(Check("serving", False, "stopping"))
        return checks

    async def _store_check(self) -> Check:
        """A real query (the schema's version, through the pool as every query goes), within
        the timeout."""
        began = time.perf_counter()
        try:
            async with asyncio.timeout(self._store_timeout):
                async with self._store.engine.connect() as connection:
                    await connection.execute(select(func.max(schema_version.c.version)))
        except TimeoutError:
            return Check("store", False, f"no answer within {self._store_timeout:g} s")
        except Exception as error:
            return Check("store", False, _words(error))
        return Check("store", True, f"answered in {(time.perf_counter() - began) * 1000:.0f} ms")

    def _content_check(self) -> Check:
        library = self._library
        edition = library.edition
        detail = (
            f"{len(edition.catalog.summaries)} summaries, edition {edition.selection or 'none'}, "
            f"loaded {edition.loaded_at:%Y-%m-%d %H:%M:%S} UTC"
        )
        if not edition.catalog.summaries:
            return Check("content", False, detail + ": no digest to send")
        if library.problems:
            detail += (
                f"; the last reload found {len(library.problems)} problems, so this content "
                "stays in service"
            )
        return Check("content", True, detail)


def _words(error: BaseException) -> str:
    """An error in a line, for a check's detail."""
    words = " ".join(f"{type(error).__name__}: {error}".split())
    return words[:DETAIL_CHARS]
