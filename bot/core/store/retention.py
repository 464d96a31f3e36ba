"""Bounded storage: what the store no longer needs, deleted a small batch at a time.

Every delivery leaves an outbox row, and every digest, push and follow message a body: 100,000
subscriptions at two digests a day add some 200,000 rows a day. The retention pass deletes
- outbox rows finished (delivered, failed or cancelled) before the cutoff, by their last update:
  nothing reads them again but a push's progress, and a push that old is long done. Rows still
  pending or sending stay whatever their age: they are work;
- bodies no outbox row carries any more, stored before the cutoff. A body is stored (or touched
  again, `stored_at`) just before the rows that carry it are queued, and the planner stores its
  digest's body again every hour it keeps using it (`Broadcaster`): one younger than the cutoff
  may be about to be queued, so it stays even when nothing carries it yet;
- the commands of long buttons (`choices`) last drawn before the cutoff: a press on a button that
  old answers as an expired button does.

Each batch is its own short transaction, so that claims, settlements and commands wait for one
batch at most, never for the whole pass; a pass stops after its time budget and the next one
goes on. The relayed replies are bounded where they are answered (`Relay.purge`, an hour); the
audit log, the pushes, the markers, the statements seen, the chats and follows grow with what
people do or with the content, not with time, and are kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.store.tables import FINISHED, bodies, choices, outbox

# Rows one transaction deletes. At 6 million outbox rows a batch of 1,000 held the store up to
# 270 ms on a busy 2-core VM (each row leaves the table and six indexes); 500, up to 77 ms, for
# about the same rows a second (benchmarks/bench_retention.py).
BATCH = 500
BUDGET = 5.0  # seconds one pass may work before it leaves the rest to the next

OUT, B, CH = outbox.c, bodies.c, choices.c


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one pass deleted, in how many batches, the longest of them, and whether it got to
    the end (else its budget ran out, and the next pass goes on)."""

    deliveries: int = 0
    bodies: int = 0
    choices: int = 0
    batches: int = 0
    longest: float = 0.0  # seconds: the longest one transaction held the store
    complete: bool = True

    @property
    def rows(self) -> int:
        return self.deliveries + self.bodies + self.choices


class Retention:
    def __init__(self, engine: AsyncEngine, batch: int = BATCH) -> None:
        self._engine = engine
        self._batch = batch

    async def prune(self, cutoff: dt.datetime, budget: float = BUDGET) -> Pruned:
        """Delete what is older than `cutoff` and no longer needed, `batch` rows a transaction,
        for up to `budget` seconds. The deliveries go first, so that the bodies only they
        carried go in the same pass."""
        unused_body = and_(
            or_(B.stored_at.is_(None), B.stored_at < cutoff),
            ~exists().where(OUT.body_id == B.body_id),
        )
        steps: list[tuple[str, Any]] = [
            (
                "deliveries",
                delete(outbox).where(
                    OUT.id.in_(
                        select(OUT.id)
                        .where(OUT.state.in_(FINISHED), OUT.updated_at < cutoff)
                        .limit(self._batch)
                        .scalar_subquery()
                    )
                ),
            ),
            (
                "bodies",
                # By the whole key, so that a batch is `batch` rows (one body id has a row per
                # language and format). The condition again outside: on PostgreSQL, a body
                # touched by a store that committed meanwhile is checked again as found, and
                # stays.
                delete(bodies).where(
                    tuple_(B.body_id, B.lang, B.format).in_(
                        select(B.body_id, B.lang, B.format).where(unused_body).limit(self._batch)
                    ),
                    unused_body,
                ),
            ),
            (
                "choices",
                delete(choices).where(
                    CH.key.in_(
                        select(CH.key)
                        .where(CH.created_at < cutoff)
                        .limit(self._batch)
                        .scalar_subquery()
                    )
                ),
            ),
        ]
        counts = dict.fromkeys((name for name, _ in steps), 0)
        batches, longest = 0, 0.0

        def pruned(complete: bool) -> Pruned:
            deliveries, texts, commands = counts.values()
            return Pruned(deliveries, texts, commands, batches, longest, complete)

        until = time.monotonic() + budget
        for name, statement in steps:
            while True:
                if time.monotonic() >= until:
                    return pruned(complete=False)
                start = time.perf_counter()
                async with self._engine.begin() as connection:
                    deleted = max((await connection.execute(statement)).rowcount, 0)
                longest = max(longest, time.perf_counter() - start)
                batches += 1
                counts[name] += deleted
                await asyncio.sleep(0)  # what waits on the event loop goes between batches
                if deleted < self._batch:
                    break
        return pruned(complete=True)
