"""Discord's gateway, sharded, and the shards shared out among the instances.

Discord sends a server's events (its interactions included) to the session of shard
`(guild_id >> 22) % count`, and DMs to shard 0; past 2,500 servers a session is refused with
close code 4011 and the bot must shard. Each shard is a role (`core.roles`),
`shard:discord:<n>/<count>`, held by one instance at a time, which keeps one gateway connection
for it (`Shard`): so a server's interactions reach one instance, which answers them once.

- The count: "auto" (`discord.shards`) takes what GET /gateway/bot recommends, a number fixes it;
  every instance follows the count kept in the store (the `discord.shards` marker), which an
  instance refused with 4011 raises. The roles then change name, so each instance gives up the
  old count's shards and takes the new count's.
- The share: instances serving the gateway join a group; each takes at most its fair share,
  the count over the instances present (rounded up), and gives up the shards past it when
  another instance joins. A dead instance's shards are free the moment its lease connection
  ends, and the others, their share now larger, take them at their next round.
- IDENTIFYs: Discord starts at most one session per bucket (`shard % max_concurrency`) every 5
  seconds, across every process of the bot: before each IDENTIFY the shard waits for its bucket's
  turn (`Leases.turn`), which the store keeps for all instances.

Every client shares the adapter's REST client and command tree (`patches.SharedRest`): a shard
given up leaves the answers under way on its interactions to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import discord

from bot.adapters.discord import patches
from bot.core.roles import ROUND, Role
from bot.core.store import Store
from bot.core.store.leases import Census, Lease

log = logging.getLogger(__name__)

GROUP = "discord"  # the instances serving Discord's gateway (`Leases.join`)
COUNT = "discord.shards"  # the marker of the shard count every instance follows
IDENTIFY_WINDOW = 5.0  # seconds: one IDENTIFY per bucket in this long, set by Discord
# seconds a bucket's turn outlasts the window: an IDENTIFY leaves after its turn has begun, and
# may reach Discord sooner after the last one than it left.
IDENTIFY_LEEWAY = 0.25
SHARDING_REQUIRED = 4011  # the close code of a session that would have too many servers
# seconds: the longest wait before a new session after a failure. Each is an IDENTIFY, and
# Discord resets the token after 1,000 in a day.
NEW_SESSION_CAP = 60.0


def shard_role(shard: int, count: int) -> str:
    return f"shard:discord:{shard}/{count}"


class ShardClient(patches.SharedRest):
    """The gateway connection of shard `shard_id` of `shard_count`, whose IDENTIFYs wait for
    their bucket's turn (`identify`)."""

    def __init__(
        self,
        rest: discord.Client,
        identify: Callable[[int], Awaitable[None]],
        **options: Any,
    ) -> None:
        super().__init__(rest, **options)
        self._identify = identify

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        await self._identify(shard_id or 0)

    async def on_ready(self) -> None:
        log.info(
            "discord: shard %s/%s serving as %s in %d guilds",
            self.shard_id, self.shard_count, self.user, len(self.guilds),
        )  # fmt: skip


Build = Callable[[int, int], ShardClient]  # a client for shard n of count


class Shard:
    """One shard's gateway connection, kept while this instance holds the shard.

    discord.py reconnects and resumes by itself. What ends its connection for good (a close it
    does not resume, an unexpected error) is logged, and a new client identifies anew after a
    pause; a 4011 asks for a higher count first (`refused`), which gives this shard up soon.
    """

    def __init__(
        self, number: int, count: int, build: Build, refused: Callable[[int], Awaitable[None]]
    ) -> None:
        self.number = number
        self.count = count
        self._build = build
        self._refused = refused
        self.client: ShardClient | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Its session ready and its connection open: discord.py's `is_ready` stays true from
        the first READY on, through a lost connection and the reconnects after it."""
        client = self.client
        return client is not None and client.is_ready() and client.ws is not None and client.ws.open

    def start(self) -> None:
        self._task = asyncio.create_task(
            self._stay_connected(), name=f"discord shard {self.number}/{self.count}"
        )

    async def stop(self) -> None:
        """Leave no task of discord.py behind, and end the session (closed with 1000, which
        Discord does not resume), so that the next holder's is the shard's only one.

        After a READY, discord.py waits a moment for the guilds before it dispatches `ready`,
        in a task of its own that `close` does not end; once `close` has dropped the client's
        loop, that dispatch fails. So the gateway reader ends first (no READY can start another
        wait), then the wait, then the client closes."""
        if self._task is not None:
            await _cancel(self._task)
        if self.client is not None:
            if (ready := patches.ready_task(self.client)) is not None:
                await _cancel(ready)
            await self.client.close()

    async def _stay_connected(self) -> None:
        loop = asyncio.get_running_loop()
        pause = 1.0
        while True:
            client = self.client = self._build(self.number, self.count)
            began = loop.time()
            try:
                await client.start_gateway()
                return  # closed: only `stop` closes it
            except discord.ConnectionClosed as closed:
                if closed.code == SHARDING_REQUIRED:
                    await self._refused(self.count)
                else:
                    log.error(
                        "discord: the gateway ended shard %d/%d's session (%s %s); connecting "
                        "again", self.number, self.count, closed.code, closed.reason,
                    )  # fmt: skip
            except Exception:
                log.exception("discord: the gateway connection failed; connecting again")
            await client.close()  # its socket is not left open, nor its session alive
            if loop.time() - began >= NEW_SESSION_CAP:
                pause = 1.0  # it had lasted: a new trouble, not the last one again
            await asyncio.sleep(pause)
            pause = min(pause * 2, NEW_SESSION_CAP)


class Shards:
    """This instance's part of Discord's gateway: the count every instance follows, the roles it
    offers for the shards (within its share), and a `Shard` for each it holds."""

    def __init__(
        self,
        setting: Literal["auto"] | int,
        rest: discord.Client,
        build: Build,
        identify_window: float = IDENTIFY_WINDOW,
        refresh_seconds: float = ROUND,
    ) -> None:
        self._setting = setting
        self._rest = rest
        self._build = build
        self._identify_window = identify_window
        self._refresh_seconds = refresh_seconds
        self._store: Store | None = None
        self.count: int | None = None  # until `start`
        self._max_concurrency = 1
        self._census = Census(1, frozenset())
        self._held: dict[str, Shard] = {}  # by role
        self._refreshing: asyncio.Task[None] | None = None

    @property
    def store(self) -> Store:
        assert self._store is not None, "the shards have not started"
        return self._store

    def channel(self, channel_id: int) -> object | None:
        """A channel as the cache of a shard this instance holds knows it, if one does."""
        for shard in self._held.values():
            if shard.client is not None and (found := shard.client.get_channel(channel_id)):
                return found
        return None

    @property
    def held(self) -> list[tuple[int, int]]:
        """The shards (number, count) this instance holds."""
        return sorted((s.number, s.count) for s in self._held.values())

    @property
    def ready(self) -> list[tuple[int, int]]:
        """The shards (number, count) this instance holds whose session is ready."""
        return sorted((s.number, s.count) for s in self._held.values() if s.ready)

    async def start(self, store: Store) -> None:
        """Settle the count (Discord's recommendation, the configured number, the one the
        other instances follow), join the instances serving the gateway, and follow the store
        from then on."""
        self._store = store
        recommended = await self._ask_discord()
        stored = await self._stored()
        if isinstance(self._setting, int):
            self.count = self._setting
        else:
            # Never fewer than the instances follow: a 4011 may have raised it past Discord's
            # recommendation, which would only be refused again.
            self.count = max(recommended, stored or 0)
        if self.count != stored:
            await store.markers.put(COUNT, str(self.count))
        await store.leases.join(GROUP)
        await self._refresh()
        self._refreshing = asyncio.create_task(self._keep_refreshing(), name="discord shards")

    async def stop(self) -> None:
        if self._refreshing is not None:
            await _cancel(self._refreshing)
        for role in list(self._held):
            await self._held.pop(role).stop()

    def roles(self) -> list[Role]:
        """The shards this instance holds, up to its share, and free ones up to its share."""
        count = self.count
        if count is None:
            return []
        share = -(-count // max(1, self._census.present))
        mine = [n for n in range(count) if shard_role(n, count) in self._held][:share]
        free = [
            n
            for n in range(count)
            if shard_role(n, count) not in self._held
            and shard_role(n, count) not in self._census.held
        ]
        return [self._role(n, count) for n in [*mine, *free[: share - len(mine)]]]

    async def identify(self, shard: int) -> None:
        """Wait for the turn of the shard's IDENTIFY bucket, among every instance's."""
        bucket = f"identify:discord:{shard % self._max_concurrency}"
        turn = self._identify_window + IDENTIFY_LEEWAY
        while (wait := await self.store.leases.turn(bucket, turn)) > 0:
            await asyncio.sleep(wait)
        log.info("discord: identifying shard %d/%s", shard, self.count)

    async def reshard(self, refused: int) -> None:
        """Discord refused a shard of `refused` shards with 4011: too many servers for a session.
        Raise the count every instance follows, to Discord's recommendation and past `refused`."""
        if self.count != refused:
            return  # already moved on
        try:
            count = max(await self._ask_discord(), refused + 1)
            await self.store.markers.put(COUNT, str(count))
        except Exception:
            log.exception("discord: could not raise the shard count past %d", refused)
            return
        if isinstance(self._setting, int):
            log.error(
                "discord: Discord refused %d shards (4011: too many servers per shard); serving "
                "with %d: set discord.shards to %d or more, or to auto", refused, count, count,
            )  # fmt: skip
        else:
            log.warning(
                "discord: Discord refused %d shards (4011: too many servers per shard); "
                "resharding to %d", refused, count,
            )  # fmt: skip
        await self._refresh()

    def _role(self, shard: int, count: int) -> Role:
        name = shard_role(shard, count)

        async def gained(lease: Lease) -> None:
            self._held[name] = held = Shard(shard, count, self._build, self.reshard)
            held.start()

        async def lost() -> None:
            if (held := self._held.pop(name, None)) is not None:
                await held.stop()

        return Role(name, gained, lost)

    async def _ask_discord(self) -> int:
        shards, self._max_concurrency = await patches.recommended_shards(self._rest)
        return shards

    async def _stored(self) -> int | None:
        value = await self.store.markers.get(COUNT)
        return int(value) if value is not None and value.isdigit() and int(value) > 0 else None

    async def _refresh(self) -> None:
        """Follow the count in the store, and take a census of the instances and the shards."""
        stored = await self._stored()
        if stored is not None and stored != self.count:
            log.info("discord: resharding from %s to %d shards", self.count, stored)
            self.count = stored
        count = self.count or 0
        roles = [shard_role(n, count) for n in range(count)]
        self._census = await self.store.leases.census(GROUP, roles)

    async def _keep_refreshing(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self._refresh()
            except Exception:
                # The store is out of reach for now: the roles' beats find out too.
                log.warning("discord: could not read the shard count and census", exc_info=True)


async def _cancel(task: asyncio.Task[None]) -> None:
    """Cancel the task and wait until it has ended (a cancellation of the caller still
    reaches the caller); what had ended it before, if anything, is logged, not raised."""
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("discord: %s had ended with an error", task.get_name(), exc_info=error)
