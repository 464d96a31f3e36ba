"""The composition root: builds the core services, the dispatcher and the adapters, and runs
them together until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.adapters import AdapterError
from bot.config import DISCORD_SEND_TIMEOUT, Settings, TimeoutSettings, token
from bot.core.delivery.dispatcher import Dispatcher
from bot.core.delivery.planning import Broadcaster
from bot.core.delivery.scheduler import Scheduler
from bot.core.library import Library
from bot.core.ports import Adapter, Clock, Sender
from bot.core.roles import PLANNER, Role, Roles
from bot.core.services import Defaults, Services
from bot.core.store import Store, StoreBusy, database_url, shown
from bot.core.store.leases import BEAT_TIMEOUT, Lease, sender_role
from bot.core.store.wakeups import listen
from bot.ops.health import Health
from bot.ops.metrics import Metrics, ServiceState

if TYPE_CHECKING:
    from bot.ops.http import OpsServer

log = logging.getLogger(__name__)

# The longest a clean stop (SIGTERM) takes with the default settings, which a supervisor must
# wait out before it kills the process (deploy/ringkas.service's TimeoutStopSec). `serve` claims
# nothing more and waits for the sends under way: a Telegram send is bounded by its four HTTP
# timeouts (a pooled connection, connecting, writing, reading: 30 s by default); a Discord send
# by DISCORD_SEND_TIMEOUT (the longest 429 discord.py waits out itself, and 10 s for its
# request: 40 s), which its sender sets. Then the roles' round under way ends and every role is
# given up, each lease call bounded by BEAT_TIMEOUT; then the adapters close (Telegram's long
# poll is cancelled, not waited out), with 15 s for the store's last commits and the
# connections' closing. Measured mid-push: the slowest send under way plus a fraction of a
# second (benchmarks/bench_stop.py).
_SEND_BOUND = max(sum(TimeoutSettings().model_dump().values()), DISCORD_SEND_TIMEOUT)
CLEAN_STOP_SECONDS = int(_SEND_BOUND + 2 * BEAT_TIMEOUT + 15)


def platform_tokens(settings: Settings) -> dict[str, str]:
    """The platform tokens set in the environment, by platform."""
    envs = {"telegram": settings.telegram.token_env, "discord": settings.discord.token_env}
    return {platform: value for platform, env in envs.items() if (value := token(env))}


def no_platform_token(settings: Settings) -> str:
    """Why `ringkas run` without a terminal does not start: one line naming the variables."""
    return (
        f"no platform token: set {settings.telegram.token_env} or {settings.discord.token_env} "
        "(or run `ringkas chat` for a terminal chat)"
    )


def secrets(settings: Settings) -> list[str]:
    """Every secret the environment gives the bot: what the logs must never show."""
    webhook = settings.telegram.webhook
    found = [*platform_tokens(settings).values()]
    if webhook is not None and (secret := token(webhook.secret_token_env)):
        found.append(secret)
    return found + _passwords(settings.database)


def _passwords(database: str) -> list[str]:
    """A database URL's password, as written (escaped) and as meant, if it has one."""
    if "://" not in database:
        return []
    written = urlsplit(database).password
    meant = make_url(database).password
    return list(dict.fromkeys(str(p) for p in (written, meant) if p))


def platform_adapters(settings: Settings, tokens: Mapping[str, str]) -> list[Adapter]:
    """An adapter for each platform with a token."""
    adapters: list[Adapter] = []
    webhook = settings.telegram.webhook
    shared = make_url(database_url(settings.database)).get_backend_name() == "postgresql"
    if "telegram" in tokens and webhook and shared and not token(webhook.secret_token_env):
        # Every instance registers the webhook with its secret: with a random one each,
        # Telegram would keep only the last, and the others would refuse its updates.
        raise AdapterError(
            f"telegram: set ${webhook.secret_token_env} to one webhook secret that every "
            "instance shares: several instances may serve this PostgreSQL store"
        )
    # Each platform's library is imported only when it is served: a command that serves none
    # (check, status, migrate…) starts without python-telegram-bot and discord.py, a quarter of
    # a second sooner.
    if "telegram" in tokens:
        from bot.adapters import telegram as telegram_adapter

        adapters.append(
            telegram_adapter.TelegramAdapter(
                settings.telegram,
                tokens["telegram"],
                settings.language,
                connections=settings.delivery.in_flight,
            )
        )
    if "discord" in tokens:
        from bot.adapters import discord as discord_adapter

        adapters.append(
            discord_adapter.DiscordAdapter(settings.discord, tokens["discord"], settings.language)
        )
    return adapters


@contextlib.asynccontextmanager
async def platform_senders(
    settings: Settings, tokens: Mapping[str, str]
) -> AsyncIterator[list[Sender]]:
    """Connected senders for the platforms with a token, without serving their chats: for
    one-off deliveries (`ringkas deliver --once`, `ringkas push`)."""
    async with contextlib.AsyncExitStack() as stack:
        senders: list[Sender] = []
        # Imported only when used, as in `platform_adapters`.
        if "telegram" in tokens:
            from bot.adapters import telegram as telegram_adapter

            connecting = telegram_adapter.connected_sender(
                settings.telegram, tokens["telegram"], settings.delivery.in_flight
            )
            senders.append(await stack.enter_async_context(connecting))
        if "discord" in tokens:
            from bot.adapters import discord as discord_adapter

            connected = discord_adapter.connected_sender(settings.discord, tokens["discord"])
            senders.append(await stack.enter_async_context(connected))
        yield senders


@dataclass(slots=True)
class Runtime:
    settings: Settings
    services: Services
    dispatcher: Dispatcher
    wake: asyncio.Event
    # Whether this process may serve from the store: on SQLite only if no other process does (its
    # lock); on PostgreSQL always, beside other instances, the roles shared out by lease.
    admitted: bool
    # Whether it holds every one of its platforms' sender leases now: then its dispatcher sends
    # for all of them (a one-off delivery); `serve` takes and gives them up as roles.
    sends: bool
    # What the dispatcher counts for /metrics, when `ops.listen` serves them.
    metrics: Metrics | None = None


class StoreUnreachable(Exception):
    """The store cannot be opened (no server there, a refused login): said in one line that
    names the database without its password."""

    def __init__(self, database: str, error: BaseException) -> None:
        cause = error.orig if isinstance(error, DBAPIError) else error
        reason = (str(cause).splitlines() or [type(cause).__name__])[0]
        for password in _passwords(database):
            reason = reason.replace(password, "***")
        super().__init__(f"cannot open the store {shown(database)}: {reason}")


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    clock: Clock,
    senders: Sequence[Sender],
    send: bool = True,
    upgrade: bool = False,
) -> AsyncIterator[Runtime]:
    """The store, the content (validated) and the dispatcher over `senders`. With `upgrade`
    (`ringkas run`), the store's schema is brought to this release's; else an older one is
    refused (see `store.migrations`).

    With `send`, this process asks to be admitted to the store (`Runtime.admitted`) and takes the
    sender lease of each platform no other instance holds (`Runtime.sends` if it took them all):
    the rows the last holder left in sending go back to pending, the only possible repeats.
    """
    now = clock.now()
    library = await Library.load(settings.content, settings.digest.options(), now)
    try:
        store = await Store.open(settings.database, upgrade)
    except (OSError, DBAPIError) as error:
        raise StoreUnreachable(settings.database, error) from None
    try:
        admitted = send and await store.leases.admit()
        wake = asyncio.Event()
        by_platform = {sender.platform: sender for sender in senders}
        services = Services(
            store=store,
            library=library,
            broadcaster=Broadcaster(store, library, settings.schedule.skip_unchanged),
            clock=clock,
            defaults=Defaults(settings.language, settings.timezone, settings.schedule.times),
            admins=settings.admin_ids(),
            wake=wake.set,
            alert_thresholds=settings.alerts.thresholds(),
            retention=settings.retention.period(),
        )
        # Alerts only to the admins on platforms with a sender here: none would send the rest.
        services.alerts = services.alerter(
            [chat for chat in services.admin_chats() if chat.platform in by_platform]
        )
        metrics = Metrics(by_platform) if settings.ops.listen else None
        dispatcher = Dispatcher(
            store,
            by_platform,
            settings.rate_limits(),
            clock,
            settings.delivery.policy(),
            settings.delivery.in_flight,
            epochs={},
            on_hold=services.alerts.held,
            observer=metrics,
        )
        services.replies = dispatcher.replies
        if admitted:
            for platform in by_platform:
                if (lease := await store.leases.take(sender_role(platform))) is not None:
                    await dispatcher.hold(platform, lease.epoch)
        sends = admitted and len(dispatcher.platforms) == len(by_platform)
        yield Runtime(settings, services, dispatcher, wake, admitted, sends, metrics)
    finally:
        await store.close()


async def serve(
    runtime: Runtime,
    adapters: Sequence[Adapter],
    done: asyncio.Event,
    finish_deliveries: bool = False,
    operations: bool = True,
) -> None:
    """Run the scheduler, the dispatcher and the adapters until `done` is set.

    On stop, nothing more is claimed and the sends under way are recorded before the store
    closes, so no delivery is left half-recorded. With `finish_deliveries` (a console session
    at end of input), what is ready to send goes out first. With `operations` and `ops.listen`
    set, the health and metrics endpoints listen from the start to the end.
    """
    if not runtime.admitted:
        raise StoreBusy(runtime.settings.database)
    settings = runtime.settings.schedule
    services = runtime.services
    scheduler = Scheduler(services, settings.tick_seconds, settings.watch_seconds)
    finish, leaving = asyncio.Event(), asyncio.Event()
    core = _core_roles(runtime)

    def offered() -> list[Role]:
        # Asked at every round: an adapter's roles may change (Discord's shards).
        return [*core, *(role for adapter in adapters for role in adapter.roles())]

    roles = Roles(services.store.leases, offered)
    started: list[Adapter] = []
    delivering: asyncio.Task[None] | None = None
    sharing: list[asyncio.Task[None]] = []  # the roles' rounds, and the wake-up listener
    ops: OpsServer | None = None
    try:
        if operations and runtime.metrics is not None:
            ops = await _operations(runtime, runtime.metrics, adapters, roles, offered, done)
        # The adapters connect first: their senders must be ready before the first delivery.
        for adapter in adapters:
            started.append(adapter)  # stopped in any case: a start cut short has things to close
            if not await _start_unless_done(adapter, services, done):
                return
        services.planner = False  # until this instance holds the role
        await roles.round()  # alone on the store, every role is this instance's from the start
        sharing = [
            asyncio.create_task(roles.run(leaving)),
            asyncio.create_task(listen(services.store.engine, runtime.wake.set, leaving)),
        ]
        delivering = asyncio.create_task(
            runtime.dispatcher.run(runtime.wake, settings.tick_seconds, finish)
        )
        scheduler.start()
        if ops is not None:
            ops.health.watch_task("dispatcher", delivering)
            ops.health.watch_task("roles", sharing[0])
            ops.health.watch_scheduler(scheduler)
        await done.wait()
        log.info("stopping")
    finally:
        await scheduler.stop()
        if delivering is not None:
            if finish_deliveries:
                finish.set()
            else:
                runtime.dispatcher.stop()
            await delivering  # the sends under way are recorded
        leaving.set()
        await asyncio.gather(*sharing)
        await roles.stop()  # if its rounds never ran; else they gave every role up already
        # Only then do the adapters close: the sends under way still need their connections.
        for adapter in reversed(started):
            await adapter.stop()
        if ops is not None:
            await ops.close()  # the last: a probe tells "stopping" to the end


async def _operations(
    runtime: Runtime,
    metrics: Metrics,
    adapters: Sequence[Adapter],
    roles: Roles,
    offered: Callable[[], Sequence[Role]],
    done: asyncio.Event,
) -> OpsServer:
    """The health and metrics endpoints, listening at `ops.listen`."""
    # Imported only when they listen: the server is aiohttp's, a tenth of a second to import.
    from bot.ops.http import OpsServer

    services = runtime.services
    address = runtime.settings.ops.address()
    assert address is not None, "metrics are kept only when ops.listen is set"
    state = ServiceState(
        services.store,
        services.library,
        services.clock,
        lambda: [role.name for role in offered()],
        lambda: roles.playing,
        adapters,
    )
    server = OpsServer(
        Health(services.store, services.library, adapters, done), metrics.registry, state
    )
    await server.start(*address)
    log.info(
        "health and metrics at http://%s/ (healthz, readyz, metrics)", runtime.settings.ops.listen
    )
    return server


def _core_roles(runtime: Runtime) -> list[Role]:
    """Each platform's sender, and the planner."""
    dispatcher, services = runtime.dispatcher, runtime.services

    def sender(platform: str) -> Role:
        async def gained(lease: Lease) -> None:
            await dispatcher.hold(platform, lease.epoch)

        async def lost() -> None:
            dispatcher.drop(platform)

        return Role(sender_role(platform), gained, lost)

    async def planning(lease: Lease) -> None:
        services.planner = True

    async def not_planning() -> None:
        services.planner = False

    senders = [sender(platform) for platform in dispatcher.senders]
    return [*senders, Role(PLANNER, planning, not_planning)]


async def _start_unless_done(adapter: Adapter, services: Services, done: asyncio.Event) -> bool:
    """Start the adapter; a stop asked for meanwhile (a platform unreachable at start, retried)
    cuts the start short. Whether it started."""
    starting = asyncio.ensure_future(adapter.start(services))
    stopping = asyncio.ensure_future(done.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if starting.done():
        starting.result()  # a failed start raises here
        return True
    starting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await starting
    return False


@contextlib.contextmanager
def stop_on_signals(done: asyncio.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `done` instead of killing the process: from the first moment of
    start-up, so a stop during start-up is clean too."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, done.set)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
