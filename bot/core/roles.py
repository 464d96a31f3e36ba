"""Roles: the work one instance at a time does for the whole service, each held by lease
(`store.leases`) and taken over by another live instance when its holder dies.

- `sender:<platform>`: the platform's dispatcher and pacer, the only ones that claim its outbox
  rows, so its rate limits hold across instances;
- `planner`: queues the scheduled and instant digests, tells the admins of content problems, and
  prunes what the store no longer keeps (`store.retention`);
- `poller:telegram`: the one long poll Telegram allows per token (in polling mode);
- `shard:discord:<n>/<count>`: Discord's gateway shard n of count (`adapters.discord.shards`).

Every instance asks for every role it can play; a round every ROUND seconds renews the leases it
holds and tries the others. A role lost (the lease connection failed, or another instance holds a
newer epoch) is given up at once: `lost` runs before anything else happens.

The roles on offer may change while an instance runs: Discord's shards follow the shard count,
and an instance takes no more than its fair share of them. So the offer is asked for again before
each role is taken, and a role no longer offered is given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.core.store.leases import Lease, Leases

log = logging.getLogger(__name__)

# How often leases are renewed and free roles tried: a dead holder's role is taken within about
# this long of its death (plus the role's own start).
ROUND = 0.5

# A role taking longer than this to start is given back (and tried again later).
START_TIMEOUT = 5.0

PLANNER = "planner"


@dataclass(frozen=True, slots=True)
class Role:
    """A role this instance can play: what to do when it takes the role, and when it loses it."""

    name: str
    gained: Callable[[Lease], Awaitable[None]]
    lost: Callable[[], Awaitable[None]]


class Roles:
    def __init__(
        self,
        leases: Leases,
        roles: Iterable[Role] | Callable[[], Iterable[Role]],
        round_seconds: float = ROUND,
    ) -> None:
        """`roles`: the roles on offer, or what tells them each time (see the module's
        docstring)."""
        self._leases = leases
        self._offer = roles if callable(roles) else _fixed(list(roles))
        self._round = round_seconds
        # Roles whose `gained` ran and `lost` has not, in the order taken (given up in reverse).
        self._playing: dict[str, Role] = {}

    @property
    def playing(self) -> frozenset[str]:
        return frozenset(self._playing)

    async def run(self, done: asyncio.Event) -> None:
        """Hold what can be held until `done`; then give every role up."""
        try:
            while not done.is_set():
                await self.round()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), self._round)
        finally:
            await self.stop()

    async def round(self) -> None:
        """Renew the leases held, let go of the roles lost and of those no longer on offer, and
        try to take the others."""
        for name in await self._leases.beat():
            log.warning("lost the lease of the %s role: giving it up", name)
            await self._lose(name)
        offered = {role.name for role in self._offer()}
        for name in [name for name in self._playing if name not in offered]:
            log.info("the %s role is no longer on offer: giving it up", name)
            await self._lose(name)
            await self._leases.give_up(name)
        tried: set[str] = set()
        while role := next(
            (r for r in self._offer() if r.name not in self._playing and r.name not in tried),
            None,
        ):
            name = role.name
            tried.add(name)
            lease = await self._leases.take(name)
            if lease is None:
                continue
            try:
                # Bounded: the beats wait for this round, and a lease not renewed expires.
                await asyncio.wait_for(role.gained(lease), START_TIMEOUT)
            except TimeoutError:
                log.warning("the %s role did not start in %g s: given back", name, START_TIMEOUT)
                await self._leases.give_up(name)
                continue
            except Exception:
                # It may be the store: give the role back for another instance (or the next
                # round) to try.
                log.exception("could not take up the %s role", name)
                await self._leases.give_up(name)
                continue
            self._playing[name] = role
            # Among instances, which holds what is worth a line; alone, it holds everything.
            level = logging.INFO if self._leases.shared else logging.DEBUG
            log.log(level, "holding the %s role (epoch %d)", name, lease.epoch)

    async def stop(self) -> None:
        for name in list(reversed(self._playing)):
            await self._lose(name)
            await self._leases.give_up(name)

    async def _lose(self, name: str) -> None:
        if name not in self._playing:
            return
        role = self._playing.pop(name)
        try:
            await role.lost()
        except Exception:
            log.exception("could not stop the %s role cleanly", name)


def _fixed(roles: list[Role]) -> Callable[[], list[Role]]:
    return lambda: roles
