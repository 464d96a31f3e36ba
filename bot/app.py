"""The composition root: builds the core services, the dispatcher and the adapters, and runs
them together until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.adapters import discord as discord_adapter
from bot.adapters import telegram as telegram_adapter
from bot.config import Settings, token
from bot.core.commands.admin import problems_notice
from bot.core.content.problems import ContentError
from bot.core.delivery.dispatcher import Dispatcher
from bot.core.delivery.planning import Broadcaster
from bot.core.delivery.scheduler import Scheduler
from bot.core.library import Library
from bot.core.ports import Adapter, Clock, Delivered, MessageKind, Outbound, Sender
from bot.core.services import Defaults, ProblemsNotice, Services
from bot.core.store import Store, shown

log = logging.getLogger(__name__)


def platform_tokens(settings: Settings) -> dict[str, str]:
    """The platform tokens set in the environment, by platform."""
    envs = {"telegram": settings.telegram.token_env, "discord": settings.discord.token_env}
    return {platform: value for platform, env in envs.items() if (value := token(env))}


def secrets(settings: Settings) -> list[str]:
    """Every secret the environment gives the bot: what the logs must never show."""
    webhook = settings.telegram.webhook
    found = [*platform_tokens(settings).values()]
    if webhook is not None and (secret := token(webhook.secret_token_env)):
        found.append(secret)
    return found


def platform_adapters(settings: Settings, tokens: Mapping[str, str]) -> list[Adapter]:
    """An adapter for each platform with a token."""
    adapters: list[Adapter] = []
    if "telegram" in tokens:
        adapters.append(
            telegram_adapter.TelegramAdapter(
                settings.telegram,
                tokens["telegram"],
                settings.language,
                connections=settings.delivery.in_flight,
            )
        )
    if "discord" in tokens:
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
        if "telegram" in tokens:
            connecting = telegram_adapter.connected_sender(
                settings.telegram, tokens["telegram"], settings.delivery.in_flight
            )
            senders.append(await stack.enter_async_context(connecting))
        if "discord" in tokens:
            connected = discord_adapter.connected_sender(settings.discord, tokens["discord"])
            senders.append(await stack.enter_async_context(connected))
        yield senders


@dataclass(slots=True)
class Runtime:
    settings: Settings
    services: Services
    dispatcher: Dispatcher
    wake: asyncio.Event
    # Whether this process holds the store's sending lock: only then may its dispatcher send.
    sends: bool


class StoreBusy(Exception):
    """Another process sends from the store; serving beside it could send messages twice."""

    def __init__(self, database: str) -> None:
        super().__init__(
            f"another Ringkas process is already sending from {shown(database)}: stop it first "
            "(one process at a time sends from a store, so no message goes out twice)"
        )


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, clock: Clock, senders: Sequence[Sender], send: bool = True
) -> AsyncIterator[Runtime]:
    """The store (migrated), the content (validated) and the dispatcher over `senders`.

    With `send`, this process takes the store's sending lock if no other process holds it
    (`Runtime.sends` says whether it did), and the rows a crash left in sending go back to pending:
    they are the only possible repeats.
    """
    now = clock.now()
    library = await Library.load(settings.content, settings.digest.options(), now)
    store = await Store.open(settings.database)
    try:
        sends = send and await store.sending_lock.acquire()
        if sends:
            recovered = await store.outbox.recover(now)
            if recovered:
                log.warning("resending %d deliveries interrupted by the last stop", recovered)
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
        )
        services.tell_admins = _admin_notice(services, by_platform, settings)
        dispatcher = Dispatcher(
            store,
            by_platform,
            settings.rate_limits(),
            clock,
            settings.delivery.policy(),
            settings.delivery.in_flight,
        )
        services.replies = dispatcher.replies
        yield Runtime(settings, services, dispatcher, wake, sends)
    finally:
        await store.close()


async def serve(
    runtime: Runtime,
    adapters: Sequence[Adapter],
    done: asyncio.Event,
    finish_deliveries: bool = False,
) -> None:
    """Run the scheduler, the dispatcher and the adapters until `done` is set.

    On stop, nothing more is claimed and the sends under way are recorded before the store
    closes, so no delivery is left half-recorded. With `finish_deliveries` (a console session
    at end of input), what is ready to send goes out first.
    """
    if not runtime.sends:
        raise StoreBusy(runtime.settings.database)
    settings = runtime.settings.schedule
    scheduler = Scheduler(runtime.services, settings.tick_seconds, settings.watch_seconds)
    finish = asyncio.Event()
    started: list[Adapter] = []
    worker: asyncio.Task[None] | None = None
    try:
        # The adapters connect first: their senders must be ready before the first delivery.
        for adapter in adapters:
            started.append(adapter)  # stopped in any case: a start cut short has things to close
            if not await _start_unless_done(adapter, runtime.services, done):
                return
        worker = asyncio.create_task(
            runtime.dispatcher.run(runtime.wake, settings.tick_seconds, finish)
        )
        scheduler.start()
        await done.wait()
        log.info("stopping")
    finally:
        await scheduler.stop()
        if worker is not None:
            if finish_deliveries:
                finish.set()
            else:
                runtime.dispatcher.stop()
            await worker
        # Only then do the adapters close: the sends under way still need their connections.
        for adapter in reversed(started):
            await adapter.stop()


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


def _admin_notice(
    services: Services, senders: dict[str, Sender], settings: Settings
) -> ProblemsNotice:
    async def tell(errors: tuple[ContentError, ...]) -> None:
        for chat in services.admin_chats():
            sender = senders.get(chat.platform)
            if sender is None:
                continue
            text = problems_notice(errors, settings.language, sender.format)
            outcome = await sender.send(chat, Outbound(text, MessageKind.NOTICE))
            if not isinstance(outcome, Delivered):
                log.warning("could not tell admin %s about the content problems: %s", chat, outcome)

    return tell
