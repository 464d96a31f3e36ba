"""Load benchmark: command bursts, commands during a push, the paid broadcast, a send's CPU.

Under load, through the real adapters against strict stand-ins: is every reply given, do replies
go ahead of bulk sends, and can a push use Telegram's paid broadcast at 1,000 messages a second?

    python -m benchmarks.bench_load [--scenarios NAME ...] [--sender-cost] [--users 1000]
                                    [--chats 2000] [--paid-chats 5000] [--commanders 50]
                                    [--commands-per-second 1] [--in-flight 50]
                                    [--paid-in-flight 300] [--sends 2000] [--rounds 3]
                                    [--at-once 1 50] [--profile] [--json FILE]

Every scenario starts afresh: a new stand-in in a child process of its own (so that it neither
shares the bot's event loop nor its CPU figures), a new SQLite file, and the bot built and served
as `ringkas run` serves it: `platform_adapters` builds the real `TelegramAdapter` or
`DiscordAdapter`, `open_runtime` the store, services and dispatcher, and `serve` runs the
adapter, the scheduler and the dispatcher's loop. Commands reach the bot the way users' do: the
Telegram stand-in queues updates for the adapter's long polling (`feed_message`), the Discord
stand-in dispatches INTERACTION_CREATE on the gateway. A push is queued as an admin's confirmed
`/push` queues it (`Services.propose_push` + `confirm_push`, which wakes the dispatcher) over
subscriptions written in bulk. New subscriptions get a delivery time 12 hours away, so no
scheduled digest falls inside a run. Before the clock starts the adapter is serving (polling, or
its gateway session ready and its commands synced), a few Telegram connections are open (getMe)
and the stand-in's records are cleared and its buckets full. Times are `time.monotonic()` in the
stand-in's process (the same clock as the bot's on Linux); percentiles are nearest-rank. Bot CPU
is `time.process_time()` of the bot's process (all its threads) over the measured part.

Scenarios (`--scenarios`, default all but the "before" run, telegram-paid-httpx):

- **telegram-burst**: `--users` (1,000) distinct users each send `/subscribe` in their private
  chat, fed evenly over 1 s, with the stand-in at `limit(30, burst_seconds=0.1,
  per_chat_per_second=1)` and the bot's `telegram.rate_limits` at 30/s overall. Figures: chats
  answered (target all); the time from the first command fed to the last answer accepted, over
  the ideal N / 30 s (target ≤ 1.1×); 429s as a share of sendMessage requests (target ≤ 1%);
  chats answered more than once (0); each answer's latency and the bot's CPU per answer.
- **telegram-mix**: a push to `--chats` (2,000; half private, half supergroups) at 30/s while
  `--commanders` (50) users send commands (/digest, /settings, /help in turn) from their private
  chats. The issue's "50 users each send one command a second" asks for 50 replies a second on a
  budget of 30, which no pacer can answer within 2 s; so the 50 users take turns, one command a
  second in all (`--commands-per-second`, 1 by default: heavier variants on request), for the
  push's length at the limit (chats / 30 s). Figures: commands answered (all); reply latency
  p50 / p95 from the command fed to its answer accepted (p95 ≤ 2 s); sent rate / limit counting
  replies: every accepted sendMessage over the span from the first accepted to the last, over
  30/s (≥ 0.95); push chats lost (0) and duplicated (0), from the stand-in's records.
- **telegram-paid**: a push to `--paid-chats` (5,000) with `telegram.paid_broadcast: {enabled:
  true, overall: {count: 1000, seconds: 1}, for: [push]}`, the stand-in at `limit(30, 0.1, 1,
  paid_per_second=1000)`: paid sends draw on a bucket of 1,000/s (holding 100), the rest on
  30/s. `delivery.in_flight` is `--paid-in-flight` (300: at 1,000/s a send's slot comes within
  0.3 s of its claim). Figures: paid sent rate / 1,000 over the accepted span (≥ 0.95), 429s
  (≤ 1%), lost (0), duplicated (0), and the bot process's CPU per accepted send, from the push's
  confirmation to the outbox's last row settled.
- **telegram-paid-httpx** (the "before", run only when named): the same, with `make_bot`'s two
  `AiohttpRequest`s (bot/adapters/telegram/transport.py) replaced, for that run, by PTB's own
  `HTTPXRequest` with the same pool and timeouts, as the adapter shipped before this change.
- **sender-cost**: the CPU of one Telegram send, before and after this wave's send path, side by
  side in one process over the same `make_bot` ExtBot, the stand-in's flood control off:
  `bot.send_message(...)` exactly as commit 2124146's `TelegramSender.post` called it (PTB builds
  a full `Message` from the answer) against today's `TelegramSender.post` (`patches.post_json`:
  `Bot._post`, the JSON's `message_id` read). And Discord's: today's `DiscordSender.send`
  (`channel.send`, which builds a `discord.Message`) against the raw
  `client.http.send_message` with the same parameters (`handle_message_parameters`), the
  stand-in's buckets off. The two Telegram paths run over PTB's `HTTPXRequest` (the client
  before), and a third is today's whole path, `TelegramSender.post` over `AiohttpRequest`.
  Each path sends `--sends` (2,000) messages `--at-once` at a
  time (1 and 50), in `--rounds` (3) interleaved rounds after a warm-up; the figure is the median
  over the rounds of `time.process_time()` per send, in µs. `--sender-cost` runs it alone.
- **discord-burst**: `--users` (1,000) users each run `/subscribe` in their DMs, dispatched
  evenly over 1 s. An interaction's answer is its callback (type 4), or, deferred (type 5), its
  first follow-up; the stand-in refuses a callback after Discord's 3 s. Interaction responses
  are not paced and do not count against the global limit. Figures: answered (all), the time
  from the first interaction to the last answer, latency p50 / p95.
- **discord-mix**: a push to `--chats` (2,000) channels at Discord's 50/s (`limit_global(50)`
  at the stand-in, `discord.rate_limits` 50/s) while `--commanders` users run /digest,
  /settings, /help in their DMs in turns, `--commands-per-second` in all, for chats / 50 s.
  Figures: commands answered (all), latency p50 / p95 (≤ 2 s), channel messages' sent rate /
  50 (≥ 0.95; replies do not count there), lost (0), duplicated (0).

`--profile` runs cProfile over each scenario's measured part and prints its own time by package
and its costliest functions (cProfile's default timer is the wall clock: time the loop waits in
epoll shows under the C built-ins). It reports and never fails: the exit code is 0 whatever the
figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import logging
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from benchmarks.broadcast import ADMIN, NO_RATES
from benchmarks.common import (
    CONTENT,
    DISCORD_CHANNEL_BASE,
    TELEGRAM_PER_CHAT,
    TELEGRAM_PRIVATE_BASE,
    StandInProcess,
    discord_per_channel,
    discord_rates,
    guilds_for,
    load_average,
    machine,
    note_if_busy,
    percentile,
    print_meta,
    print_table,
    serve_commands,
    telegram_endpoints,
    telegram_rates,
    write_json,
)
from bot.app import Runtime, open_runtime, platform_adapters, serve
from bot.config import Settings
from bot.core.ports import Adapter, ChatRef, SystemClock
from bot.core.store.tables import OutboxState

TELEGRAM_TOKEN = "4242:bench-load-token"
DISCORD_TOKEN = "bench-load-discord-token"

SCENARIOS = (
    "telegram-burst",
    "telegram-mix",
    "telegram-paid",
    "telegram-paid-httpx",
    "sender-cost",
    "discord-burst",
    "discord-mix",
)
WHAT_IF = ("telegram-paid-httpx",)  # the client before this change: on request only
TELEGRAM_LIMIT = 30  # Telegram's free overall rate, messages a second
PAID_LIMIT = 1000  # Telegram's paid broadcast
DISCORD_LIMIT = 50  # Discord's global limit
BURST_SECONDS = 0.1  # the Telegram stand-in's bucket holds this much traffic

BURST_RATIO_TARGET = 1.1  # first command → last answer, over N / rate, at most
REJECTED_TARGET = 0.01  # 429s / send requests, at most
LATENCY_P95_TARGET = 2.0  # seconds, command fed → answer accepted
SENT_RATE_TARGET = 0.95  # sent rate / limit, at least

COMMANDS = ("/digest", "/settings", "/help")  # the mix's commands, each answered in one message
WARM_CONNECTIONS = 10  # Telegram connections opened (getMe) before the clock starts
COMMANDER_BASE = 30_000_000  # the mix's commanders' private chats (Telegram) and users (Discord)
BURST_USER_BASE = 40_000_000  # the burst's users
DISCORD_USER_BASE = 1_600_000_000_000_000_000
CALLBACK_DEADLINE = 3.0  # Discord refuses an interaction's callback after this many seconds


# --- the stand-ins, each in a child process ---


async def telegram_child() -> int:
    """Serve the Telegram stand-in on 127.0.0.1 and answer the parent's commands."""
    from tests.standins.telegram import TelegramStandIn

    async with TelegramStandIn(TELEGRAM_TOKEN, max_poll_seconds=0.5, auto_chats=True) as api:
        fed: list[tuple[int, float]] = []
        feeding: list[asyncio.Task[None]] = []
        cpu = time.process_time()

        async def feed(schedule: list[list[Any]]) -> None:
            """Each [offset, chat id, text] as a user's message, `offset` s after the start."""
            start = time.monotonic()
            for offset, chat_id, text in schedule:
                if (delay := start + offset - time.monotonic()) > 0:
                    await asyncio.sleep(delay)
                fed.append((int(chat_id), time.monotonic()))
                api.feed_message(int(chat_id), str(text))

        def answer(command: dict[str, Any]) -> dict[str, Any]:
            nonlocal cpu
            match command["do"]:
                case "reset":
                    api.calls.clear()
                    api.sent.clear()
                    api.edits.clear()
                    api.rejected_429 = 0
                    fed.clear()
                    api.limit(
                        command["overall"],
                        BURST_SECONDS,
                        command["per_chat"],
                        command.get("paid"),
                    )
                    cpu = time.process_time()
                case "seen":
                    return {"calls": sum(c.method == command["method"] for c in api.calls)}
                case "feed":
                    feeding.append(asyncio.create_task(feed(command["schedule"])))
                case "records":
                    sends = [c for c in api.calls if c.method == "sendMessage"]
                    requests = Counter(
                        f"{'paid' if c.params.get('allow_paid_broadcast') else 'free'} {c.status}"
                        for c in sends
                    )
                    return {
                        "sent": [[m.chat_id, m.at, m.paid] for m in api.sent],
                        "requests": requests,
                        "fed": fed,
                        "cpu_s": time.process_time() - cpu,
                    }
            return {"ok": True}

        await serve_commands({"port": api.port}, answer)
    return 0


async def discord_child(channels: int, bucket_limit: int) -> int:
    """Serve the Discord stand-in (gateway and REST, `channels` text channels) on 127.0.0.1 and
    answer the parent's commands."""
    from tests.standins.discord import DiscordStandIn, InteractionResponse, User

    per_channel = discord_per_channel()
    async with DiscordStandIn(
        DISCORD_TOKEN,
        guilds_for(channels),
        bucket_limit=bucket_limit,
        bucket_window=per_channel.seconds,
        callback_deadline=CALLBACK_DEADLINE,
    ) as dc:
        dispatched: list[tuple[int, str, float]] = []  # user id, token, when dispatched
        dispatching: list[asyncio.Task[None]] = []
        cpu = time.process_time()

        async def dispatch(schedule: list[list[Any]]) -> None:
            """Each [offset, user id, command] as a slash command in the user's DMs."""
            start = time.monotonic()
            for offset, user_id, name in schedule:
                if (delay := start + offset - time.monotonic()) > 0:
                    await asyncio.sleep(delay)
                user = User(int(user_id), f"user{user_id}")
                at = time.monotonic()
                sent = await dc.dispatch_interaction(str(name), dm=True, user=user)
                dispatched.append((int(user_id), sent.token, at))

        def answers() -> list[list[Any]]:
            """[user id, dispatched at, answered at or None, how] of every interaction."""
            responses: dict[str, InteractionResponse] = {}
            for each in dc.interaction_responses:
                responses.setdefault(each.token, each)
            followups: dict[str, float] = {}
            for followup in dc.followups:
                followups.setdefault(followup.token, followup.at)
            found = []
            for user_id, token, at in dispatched:
                response = responses.get(token)
                answered: float | None = None
                how = "none"
                if response is not None and response.type == 4:
                    answered, how = response.at, "response"
                elif response is not None and token in followups:
                    answered, how = followups[token], "deferred"
                found.append([user_id, at, answered, how])
            return found

        def answer(command: dict[str, Any]) -> dict[str, Any]:
            nonlocal cpu
            match command["do"]:
                case "reset":
                    for records in (
                        dc.requests, dc.messages, dc.interaction_responses, dc.followups,
                        dc.edits, dc.dispatched,
                    ):  # fmt: skip
                        records.clear()
                    dc.rejected_429 = 0
                    dispatched.clear()
                    dc.limit_global(command["overall"])
                    cpu = time.process_time()
                case "ready":
                    return {"connected": dc.connected, "commands": len(dc.commands())}
                case "dispatch":
                    dispatching.append(asyncio.create_task(dispatch(command["schedule"])))
                case "answered":
                    return {"answered": sum(a[2] is not None for a in answers())}
                case "records":
                    sends = dc.requests_to("POST", "/channels/*/messages")
                    return {
                        "messages": [[m.channel_id, m.at] for m in dc.messages],
                        "rejected_429": dc.rejected_429,
                        "send_requests": len(sends),
                        "interactions": answers(),
                        "cpu_s": time.process_time() - cpu,
                    }
            return {"ok": True}

        started = {"api_base": dc.api_base, "gateway_url": dc.gateway_url}
        await serve_commands(started, answer)
    return 0


def telegram_stand_in() -> StandInProcess:
    return StandInProcess("benchmarks.bench_load", "--stand-in-child", "telegram")


def discord_stand_in(channels: int, bucket_limit: int | None = None) -> StandInProcess:
    """A Discord stand-in whose route headers report `bucket_limit` messages per channel per
    window (None: Discord's 5 per 5 s, as configured)."""
    limit = discord_per_channel().count if bucket_limit is None else bucket_limit
    return StandInProcess(
        "benchmarks.bench_load", "--stand-in-child", "discord",
        "--channels", str(channels), "--bucket-limit", str(limit),
    )  # fmt: skip


# --- the bot, served as `ringkas run` serves it ---


def far_time() -> str:
    """A delivery time 12 hours from now in the default zone: no subscription made during a run
    falls due in it."""
    later = dt.datetime.now(ZoneInfo("Asia/Jakarta")) + dt.timedelta(hours=12)
    return later.strftime("%H:%M")


def settings_for(
    database: Path, in_flight: int, platform: str, section: dict[str, Any]
) -> Settings:
    """The defaults over the shipped content, `platform` configured with `section` (its stand-in's
    endpoints, its rate limits, …), new subscriptions due 12 hours on."""
    return Settings.model_validate(
        {
            "content": str(CONTENT),
            "database": str(database),
            platform: section,
            "delivery": {"in_flight": in_flight},
            "schedule": {"times": [far_time()]},
        }
    )


def telegram_settings(
    stand_in: StandInProcess, database: Path, in_flight: int, paid: bool = False
) -> Settings:
    section: dict[str, Any] = {
        **telegram_endpoints(int(stand_in.started["port"])),
        "rate_limits": telegram_rates(TELEGRAM_LIMIT),
    }
    if paid:
        section["paid_broadcast"] = {
            "enabled": True,
            "overall": {"count": PAID_LIMIT, "seconds": 1},
            "for": ["push"],
        }
    return settings_for(database, in_flight, "telegram", section)


def discord_settings(
    stand_in: StandInProcess, database: Path, in_flight: int, rates: dict[str, Any]
) -> Settings:
    endpoints = {key: stand_in.started[key] for key in ("api_base", "gateway_url")}
    return settings_for(database, in_flight, "discord", {**endpoints, "rate_limits": rates})


@dataclass(slots=True)
class Serving:
    runtime: Runtime
    adapter: Adapter
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def serving(settings: Settings, platform: str, token: str) -> AsyncIterator[Serving]:
    """The platform's adapter as `platform_adapters` builds it, served by `serve` over
    `open_runtime` (as `ringkas run` does) until the block ends."""
    [adapter] = platform_adapters(settings, {platform: token})
    done = asyncio.Event()
    async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
        task = asyncio.create_task(serve(runtime, [adapter], done))
        try:
            yield Serving(runtime, adapter, task)
        finally:
            done.set()
            await task


async def until(
    check: Callable[[], bool | Awaitable[bool]],
    timeout: float,
    what: str,
    serving: Serving | None = None,
    every: float = 0.05,
) -> bool:
    """Poll `check` until it is true (True), or `timeout` s pass (False, said); a bot that
    stopped serving raises what stopped it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return True
        if serving is not None and serving.task.done():
            serving.task.result()
            raise RuntimeError("the bot stopped serving")
        if time.monotonic() >= deadline:
            print(f"  note: gave up waiting for {what} after {timeout:g} s", flush=True)
            return False
        await asyncio.sleep(every)


async def outbox_idle(runtime: Runtime) -> bool:
    counts = await runtime.services.store.outbox.counts()
    return not counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.SENDING, 0)


def replies_done(runtime: Runtime) -> int:
    """Replies sent or given up so far."""
    counts = runtime.services.replies.counts
    return counts.sent + sum(counts.failed.values())


async def confirm_push(runtime: Runtime, rows: list[dict[str, Any]]) -> int:
    """A confirmed push of the first summary to `rows`' chats (stored first): the deliveries
    queued; the dispatcher is woken."""
    services = runtime.services
    await services.store.subscriptions.add_many(rows)
    push = await services.propose_push(ADMIN, summary_id=services.library.catalog.summaries[0].id)
    return await services.confirm_push(push, ADMIN) or 0


class Measure:
    """The bot process's wall and CPU time (`time.process_time`: all its threads) over a block,
    and with `profile` its cProfile."""

    def __init__(self, profile: bool) -> None:
        self.profiler = cProfile.Profile() if profile else None
        self.wall_s = self.cpu_s = 0.0

    def __enter__(self) -> Measure:
        if self.profiler is not None:
            self.profiler.enable()
        self.wall_s, self.cpu_s = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall_s = time.perf_counter() - self.wall_s
        self.cpu_s = time.process_time() - self.cpu_s
        if self.profiler is not None:
            self.profiler.disable()

    def print_profile(self, label: str, sends: int) -> None:
        """Own time by package, per send, then the costliest functions."""
        from benchmarks.bench_telegram import print_profile

        if self.profiler is not None:
            print_profile(label, self.profiler, sends)


# --- the figures ---


@dataclass(frozen=True, slots=True)
class Check:
    """One figure of a scenario: what it is, how it reads, its target and whether it met it
    (None: no target)."""

    figure: str
    value: float
    shown: str
    target: str = ""
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else "PASS" if self.passed else "FAIL"

    def row(self) -> tuple[str, ...]:
        return (self.figure, self.shown, self.target, self.verdict)


@dataclass(slots=True)
class Scenario:
    name: str
    setup: str  # one line: what ran
    checks: list[Check] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # the raw figures, for the JSON

    def add(
        self, figure: str, value: float, shown: str, target: str = "", passed: bool | None = None
    ) -> None:
        self.checks.append(Check(figure, value, shown, target, passed))

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "setup": self.setup,
            "figures": [{**asdict(c), "verdict": c.verdict} for c in self.checks],
            **self.extra,
        }


def seconds(values_us: Sequence[int], q: float) -> float:
    return percentile(values_us, q) / 1e6 if values_us else 0.0


def latencies_us(
    fed: Sequence[tuple[int, float]], answers: dict[int, list[float]]
) -> tuple[list[int], int]:
    """Each command's latency in µs, its chat's n-th command matched with the chat's n-th answer
    (a chat's commands are answered in turn, one message each); and the commands unanswered."""
    by_chat: dict[int, list[float]] = defaultdict(list)
    for chat, at in fed:
        by_chat[chat].append(at)
    latencies, unanswered = [], 0
    for chat, times in by_chat.items():
        answered = sorted(answers.get(chat, []))
        for number, at in enumerate(sorted(times)):
            if number < len(answered):
                latencies.append(round((answered[number] - at) * 1e6))
            else:
                unanswered += 1
    return latencies, unanswered


def add_latencies(scenario: Scenario, latencies: Sequence[int], target: bool) -> None:
    p50, p95, most = (seconds(latencies, q) for q in (50, 95, 100))
    scenario.add("reply latency", p50, f"p50 {p50:.3f} s", "")
    if target:
        scenario.add(
            "reply latency", p95, f"p95 {p95:.3f} s", f"≤ {LATENCY_P95_TARGET:g} s",
            p95 <= LATENCY_P95_TARGET,
        )  # fmt: skip
    else:
        scenario.add("reply latency", p95, f"p95 {p95:.3f} s")
    scenario.add("reply latency", most, f"max {most:.3f} s")


def add_rejected(
    scenario: Scenario, rejected: int, requests: int, what: str, target: bool = True
) -> None:
    share = rejected / requests if requests else 0.0
    shown = f"{rejected:,} / {requests:,} ({share:.1%})"
    if target:
        scenario.add(f"429s / {what}", share, shown, "≤ 1%", share <= REJECTED_TARGET)
    else:
        scenario.add(f"429s / {what}", share, shown)


def add_delivery(scenario: Scenario, chats: Sequence[int], sent_to: Counter[int]) -> None:
    """Lost and duplicated among `chats`, each of which was to get one message."""
    lost = sum(sent_to[chat] == 0 for chat in chats)
    duplicated = sum(sent_to[chat] > 1 for chat in chats)
    scenario.add("push chats lost", lost, f"{lost:,} of {len(chats):,}", "0", lost == 0)
    scenario.add("push chats duplicated", duplicated, f"{duplicated:,}", "0", duplicated == 0)


def add_rate(
    scenario: Scenario, what: str, times: Sequence[float], limit: int
) -> tuple[float, float]:
    """The sent rate over the accepted span (first to last accepted), over `limit`."""
    span = max(times) - min(times) if len(times) > 1 else 0.0
    rate = len(times) / span if span > 0 else 0.0
    ratio = rate / limit
    shown = f"{len(times):,} in {span:.1f} s = {rate:.1f}/s = {ratio:.3f} × {limit}/s"
    scenario.add(what, ratio, shown, f"≥ {SENT_RATE_TARGET:g}", ratio >= SENT_RATE_TARGET)
    return rate, span


def progress(scenario: Scenario) -> None:
    """The line printed as a scenario ends, so a long run shows it is moving."""
    failed = [c.figure for c in scenario.checks if c.passed is False]
    if failed:
        verdict = " (missed: " + ", ".join(dict.fromkeys(failed)) + ")"
    elif any(c.passed for c in scenario.checks):
        verdict = " (all targets met)"
    else:
        verdict = ""
    print(f"  {scenario.name}: done{verdict}", flush=True)


# --- Telegram ---


def reset_telegram(stand_in: StandInProcess, paid: int | None = None, on: bool = True) -> None:
    """Clear the stand-in's records and set its flood control: 30/s overall (`paid` a second for
    paid broadcasts), 1 a second per chat; `on` False: none."""
    stand_in.ask(
        do="reset",
        overall=TELEGRAM_LIMIT if on else None,
        per_chat=TELEGRAM_PER_CHAT if on else None,
        paid=paid,
    )


@contextlib.asynccontextmanager
async def telegram_bot(stand_in: StandInProcess, settings: Settings) -> AsyncIterator[Serving]:
    """The Telegram adapter serving the stand-in, polling, with a few connections open."""
    async with serving(settings, "telegram", TELEGRAM_TOKEN) as bot:
        await until(
            lambda: stand_in.ask(do="seen", method="getUpdates")["calls"] > 0,
            30, "the adapter's first getUpdates", bot, every=0.1,
        )  # fmt: skip
        sender: Any = bot.adapter.sender  # a TelegramSender
        await asyncio.gather(*(sender.bot.get_me() for _ in range(WARM_CONNECTIONS)))
        yield bot


def telegram_sent(records: dict[str, Any]) -> tuple[Counter[int], dict[int, list[float]]]:
    """Messages accepted by chat: how many, and when."""
    count: Counter[int] = Counter()
    times: dict[int, list[float]] = defaultdict(list)
    for chat, at, _ in records["sent"]:
        count[int(chat)] += 1
        times[int(chat)].append(float(at))
    return count, times


def rejected_of(records: dict[str, Any], kind: str | None = None) -> tuple[int, int]:
    """429s and requests of sendMessage (`kind` "paid" or "free": only those)."""
    requests: dict[str, int] = records["requests"]
    chosen = {k: n for k, n in requests.items() if kind is None or k.startswith(kind)}
    return sum(n for k, n in chosen.items() if k.endswith(" 429")), sum(chosen.values())


async def telegram_burst(work: Path, users: int, in_flight: int, profile: bool) -> Scenario:
    scenario = Scenario(
        "telegram-burst",
        f"{users:,} users' /subscribe in private chats, fed evenly over 1 s; stand-in "
        f"limit({TELEGRAM_LIMIT}, burst_seconds={BURST_SECONDS}, per_chat_per_second=1), "
        f"rate_limits overall {TELEGRAM_LIMIT}/s, in_flight {in_flight}",
    )
    stand_in = telegram_stand_in()
    try:
        settings = telegram_settings(stand_in, work / "telegram-burst.sqlite3", in_flight)
        async with telegram_bot(stand_in, settings) as bot:
            reset_telegram(stand_in)
            chats = [BURST_USER_BASE + n for n in range(users)]
            schedule = [[n / users, chat, "/subscribe"] for n, chat in enumerate(chats)]
            with Measure(profile) as measure:
                stand_in.ask(do="feed", schedule=schedule)
                budget = 60 + 3 * users / TELEGRAM_LIMIT
                done = lambda: replies_done(bot.runtime) >= users  # noqa: E731
                await until(done, budget, "the answers", bot)
            await asyncio.sleep(0.5)  # anything more would show now
            counts = bot.runtime.services.replies.counts
        records = stand_in.ask(do="records")
    finally:
        stand_in.close()
    measure.print_profile("telegram-burst", len(records["sent"]))
    cpu = measure.cpu_s
    sent_to, times = telegram_sent(records)
    fed = [(int(chat), float(at)) for chat, at in records["fed"]]
    answered = sum(sent_to[chat] > 0 for chat in chats)
    scenario.add("chats answered", answered, f"{answered:,} / {users:,}", "all", answered == users)
    last = max((max(t) for t in times.values()), default=0.0)
    first_fed = min(at for _, at in fed)
    took = last - first_fed
    ideal = users / TELEGRAM_LIMIT
    ratio = took / ideal
    scenario.add(
        "first command → last answer", ratio,
        f"{took:.2f} s = {ratio:.3f} × ideal {ideal:.2f} s (N / {TELEGRAM_LIMIT}/s)",
        f"≤ {BURST_RATIO_TARGET:g}×", ratio <= BURST_RATIO_TARGET,
    )  # fmt: skip
    rejected, requests = rejected_of(records)
    add_rejected(scenario, rejected, requests, "sendMessage requests")
    twice = sum(n > 1 for n in sent_to.values())
    scenario.add("chats answered more than once", twice, f"{twice:,}", "0", twice == 0)
    feed_span = max(at for _, at in fed) - first_fed
    scenario.add("commands fed over", feed_span, f"{feed_span:.3f} s")
    latencies, _ = latencies_us(fed, times)
    add_latencies(scenario, latencies, target=False)
    sent = sum(sent_to.values())
    scenario.add("bot CPU per answer", cpu / max(sent, 1), f"{cpu * 1e3 / max(sent, 1):.2f} ms")
    scenario.extra.update(
        users=users, in_flight=in_flight, answered=answered, first_to_last_s=took,
        ideal_s=ideal, rejected_429=rejected, send_requests=requests, bot_cpu_s=cpu,
        stand_in_cpu_s=records["cpu_s"], replies_given_up=dict(counts.failed),
        replies_retried=counts.retried, latency_us=summary(latencies),
    )  # fmt: skip
    return scenario


def summary(latencies: Sequence[int]) -> dict[str, int]:
    if not latencies:
        return {}
    return {f"p{q}": percentile(latencies, q) for q in (50, 90, 95, 99, 100)}


def mix_schedule(
    commanders: Sequence[int], per_second: float, duration: float, texts: Sequence[str]
) -> list[list[Any]]:
    """Commands `per_second` in all for `duration` s, the commanders taking turns (each
    command from the next commander, the texts in turn)."""
    count = max(1, round(per_second * duration))
    return [
        [n / per_second, commanders[n % len(commanders)], texts[n % len(texts)]]
        for n in range(count)
    ]


async def telegram_mix(
    work: Path, chats: int, commanders: int, per_second: float, in_flight: int, profile: bool
) -> Scenario:
    from benchmarks.bench_telegram import subscription_rows

    duration = chats / TELEGRAM_LIMIT
    scenario = Scenario(
        "telegram-mix",
        f"push to {chats:,} chats (half private, half supergroups) at {TELEGRAM_LIMIT}/s while "
        f"{commanders} users take turns sending {', '.join(COMMANDS)}, {per_second:g} a second "
        f"in all for {duration:.0f} s; stand-in limit({TELEGRAM_LIMIT}, {BURST_SECONDS}, 1), "
        f"in_flight {in_flight}",
    )
    stand_in = telegram_stand_in()
    try:
        settings = telegram_settings(stand_in, work / "telegram-mix.sqlite3", in_flight)
        async with telegram_bot(stand_in, settings) as bot:
            rows = subscription_rows(chats, 0.5, SystemClock().now())
            push_chats = [int(row["chat_id"]) for row in rows]
            reset_telegram(stand_in)
            users = [COMMANDER_BASE + n for n in range(commanders)]
            schedule = mix_schedule(users, per_second, duration, COMMANDS)

            async def finished() -> bool:
                done = replies_done(bot.runtime) >= len(schedule)
                return done and await outbox_idle(bot.runtime)

            with Measure(profile) as measure:
                stand_in.ask(do="feed", schedule=schedule)
                queued = await confirm_push(bot.runtime, rows)
                budget = 120 + 3 * (chats + len(schedule)) / TELEGRAM_LIMIT
                await until(finished, budget, "the push and the answers", bot, every=0.25)
            await asyncio.sleep(0.5)
            counts = bot.runtime.services.replies.counts
        records = stand_in.ask(do="records")
    finally:
        stand_in.close()
    measure.print_profile("telegram-mix", len(records["sent"]))
    cpu = measure.cpu_s
    sent_to, times = telegram_sent(records)
    fed = [(int(chat), float(at)) for chat, at in records["fed"]]
    latencies, unanswered = latencies_us(fed, times)
    answered = len(fed) - unanswered
    scenario.add(
        "commands answered", answered, f"{answered:,} / {len(fed):,}", "all",
        answered == len(fed) == len(schedule),
    )  # fmt: skip
    add_latencies(scenario, latencies, target=True)
    every = [at for chat_times in times.values() for at in chat_times]
    rate, span = add_rate(scenario, "sent rate / limit, replies counted", every, TELEGRAM_LIMIT)
    add_delivery(scenario, push_chats, sent_to)
    extra_replies = sum(max(0, sent_to[u] - sum(c == u for c, _ in fed)) for u in users)
    scenario.add("answers beyond one a command", extra_replies, f"{extra_replies:,}")
    rejected, requests = rejected_of(records)
    add_rejected(scenario, rejected, requests, "sendMessage requests", target=False)
    push_times = sorted(at for chat in push_chats for at in times.get(chat, []))
    push_span = push_times[-1] - push_times[0] if len(push_times) > 1 else 0.0
    scenario.add("push: first → last message", push_span, f"{push_span:.1f} s")
    per_message = cpu / max(len(every), 1)
    scenario.add("bot CPU per message", per_message, f"{per_message * 1e3:.2f} ms")
    scenario.extra.update(
        chats=chats, commanders=commanders, commands_per_second=per_second,
        commands=len(schedule), in_flight=in_flight, queued=queued, answered=answered,
        latency_us=summary(latencies), sent=len(every), sent_span_s=span, sent_rate=rate,
        rejected_429=rejected, send_requests=requests, push_span_s=push_span, bot_cpu_s=cpu,
        stand_in_cpu_s=records["cpu_s"], replies_given_up=dict(counts.failed),
        replies_retried=counts.retried,
    )  # fmt: skip
    return scenario


@contextlib.contextmanager
def http_client(name: str) -> Iterator[None]:
    """`make_bot`'s requests over `name`: "aiohttp" (`AiohttpRequest`, as shipped) or "httpx"
    (PTB's `HTTPXRequest`, the client before, put in its place while the block runs)."""
    if name == "aiohttp":
        yield
        return
    from bot.adapters.telegram import adapter

    with mock.patch.object(adapter, "AiohttpRequest", httpx_request):
        yield


def httpx_request(connections: int, **timeouts: Any) -> Any:
    """PTB's own client, built with what `make_bot` gives `AiohttpRequest`."""
    from telegram.request import HTTPXRequest

    return HTTPXRequest(connection_pool_size=connections, **timeouts)


async def telegram_paid(
    work: Path, chats: int, in_flight: int, profile: bool, http: str = "aiohttp"
) -> Scenario:
    from benchmarks.bench_telegram import subscription_rows

    name = "telegram-paid" if http == "aiohttp" else f"telegram-paid-{http}"
    scenario = Scenario(
        name,
        f"push to {chats:,} chats (half private, half supergroups), paid broadcast at "
        f"{PAID_LIMIT}/s for push; stand-in limit({TELEGRAM_LIMIT}, {BURST_SECONDS}, 1, "
        f"paid_per_second={PAID_LIMIT}), in_flight {in_flight}"
        + ("" if http == "aiohttp" else f"; before: PTB over {http}, not the shipped client"),
    )
    stand_in = telegram_stand_in()
    try:
        settings = telegram_settings(stand_in, work / f"{name}.sqlite3", in_flight, paid=True)
        with http_client(http):
            async with telegram_bot(stand_in, settings) as bot:
                rows = subscription_rows(chats, 0.5, SystemClock().now())
                push_chats = [int(row["chat_id"]) for row in rows]
                services = bot.runtime.services
                await services.store.subscriptions.add_many(rows)
                reset_telegram(stand_in, paid=PAID_LIMIT)
                summary_id = services.library.catalog.summaries[0].id
                push = await services.propose_push(ADMIN, summary_id=summary_id)
                with Measure(profile) as measure:
                    queued = await services.confirm_push(push, ADMIN) or 0
                    budget = 120 + 10 * chats / PAID_LIMIT
                    idle = lambda: outbox_idle(bot.runtime)  # noqa: E731
                    await until(idle, budget, "the push", bot, every=0.1)
        records = stand_in.ask(do="records")
    finally:
        stand_in.close()
    sent_to, _ = telegram_sent(records)
    measure.print_profile(f"{name}, in_flight {in_flight}", len(records["sent"]))
    wall, cpu = measure.wall_s, measure.cpu_s
    paid_times = sorted(float(at) for _, at, paid in records["sent"] if paid)
    rate, span = add_rate(scenario, "paid sent rate / limit", paid_times, PAID_LIMIT)
    rejected, requests = rejected_of(records)
    add_rejected(scenario, rejected, requests, "sendMessage requests")
    add_delivery(scenario, push_chats, sent_to)
    sent = sum(sent_to.values())
    unpaid = sent - len(paid_times)
    scenario.add("sent without allow_paid_broadcast", unpaid, f"{unpaid:,}")
    per_send = cpu / max(sent, 1)
    scenario.add(
        "bot CPU per send", per_send,
        f"{per_send * 1e6:,.0f} µs ({cpu:.1f} s of CPU in {wall:.1f} s = {cpu / wall:.0%})",
    )  # fmt: skip
    stand_in_per_send = records["cpu_s"] / max(sent, 1)
    scenario.add("stand-in CPU per send", stand_in_per_send, f"{stand_in_per_send * 1e6:,.0f} µs")
    scenario.extra.update(
        chats=chats, in_flight=in_flight, queued=queued, sent=sent, paid_sent=len(paid_times),
        sent_span_s=span, sent_rate=rate, rejected_429=rejected, send_requests=requests,
        wall_s=wall, bot_cpu_s=cpu, stand_in_cpu_s=records["cpu_s"],
    )  # fmt: skip
    return scenario


# --- the cost of one send, before and after ---


@dataclass(slots=True)
class Cost:
    platform: str
    path: str
    at_once: int
    sends: int
    cpu_us: list[float] = field(default_factory=list)  # per send, one a round
    rate: list[float] = field(default_factory=list)  # sends a second, one a round
    failed: int = 0

    @property
    def median_us(self) -> float:
        return statistics.median(self.cpu_us) if self.cpu_us else 0.0

    def row(self, baseline: Cost | None) -> tuple[str, ...]:
        saving = ""
        if baseline is not None and baseline is not self and baseline.median_us:
            change = self.median_us / baseline.median_us - 1
            saving = f"{-change:.0%} less" if change <= 0 else f"{change:.0%} more"
        return (
            self.platform,
            self.path,
            str(self.at_once),
            f"{self.sends:,} × {len(self.cpu_us)}",
            f"{self.median_us:,.0f} µs",
            " / ".join(f"{us:,.0f}" for us in self.cpu_us),
            f"{statistics.median(self.rate) if self.rate else 0:,.0f}/s",
            saving,
            str(self.failed) if self.failed else "",
        )


COST_HEADERS = (
    "platform", "path", "at once", "sends × rounds", "CPU/send (median)", "each round (µs)",
    "rate", "vs the first", "failed",
)  # fmt: skip

Send = Callable[[int], Awaitable[bool]]  # one send to the n-th chat: whether it was accepted


async def flood(send: Send, first: int, count: int, at_once: int) -> tuple[float, float, int]:
    """`count` sends to chats first…first+count−1, `at_once` at a time: CPU s, wall s, failed."""
    gate = asyncio.Semaphore(at_once)
    failed = 0

    async def one(number: int) -> None:
        nonlocal failed
        async with gate:
            if not await send(number):
                failed += 1

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(first + n) for n in range(count)))
    return time.process_time() - cpu, time.perf_counter() - start, failed


async def measure_paths(
    platform: str,
    paths: Mapping[str, Send],
    first: int,
    sends: int,
    rounds: int,
    at_once: Sequence[int],
    clear: Callable[[], object],
) -> list[Cost]:
    """Each path at each concurrency, in interleaved rounds after a warm-up of each."""
    costs: list[Cost] = []
    for concurrency in at_once:
        found = {name: Cost(platform, name, concurrency, sends) for name in paths}
        for send in paths.values():
            await flood(send, first, min(sends, 100), concurrency)  # warm-up
        clear()
        for _ in range(rounds):
            for name, send in paths.items():
                cpu, wall, failed = await flood(send, first, sends, concurrency)
                clear()
                cost = found[name]
                cost.cpu_us.append(cpu / sends * 1e6)
                cost.rate.append(sends / wall)
                cost.failed += failed
        costs.extend(found.values())
    return costs


async def telegram_costs(work: Path, sends: int, rounds: int, at_once: Sequence[int]) -> list[Cost]:
    from telegram.constants import ParseMode
    from telegram.ext import ExtBot

    from bot.adapters.telegram import TelegramSender, connected_sender
    from bot.adapters.telegram.sender import NO_PREVIEW

    stand_in = telegram_stand_in()
    try:
        reset_telegram(stand_in, on=False)
        settings = telegram_settings(stand_in, work / "cost.sqlite3", max(at_once))
        text = await digest_text("telegram")
        before = httpx_request(max(at_once) + 8)
        await before.initialize()
        old = ExtBot(TELEGRAM_TOKEN, base_url=settings.telegram.base_url, request=before)
        async with connected_sender(settings.telegram, TELEGRAM_TOKEN, max(at_once)) as sender:

            async def message_built(number: int) -> bool:
                # Commit 2124146's TelegramSender.post, less its error mapping, over its client.
                sent = await old.send_message(
                    chat_id=str(number),
                    text=text,
                    parse_mode=ParseMode.HTML,
                    message_thread_id=None,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=None,
                )
                return bool(sent.message_id)

            json_over_httpx = TelegramSender(old)

            async def json_only(number: int) -> bool:
                outcome = await json_over_httpx.post(ChatRef("telegram", str(number)), text)
                return bool(getattr(outcome, "message_id", ""))

            async def now(number: int) -> bool:
                outcome = await sender.post(ChatRef("telegram", str(number)), text)
                return bool(getattr(outcome, "message_id", ""))

            paths = {
                "bot.send_message over HTTPXRequest (before, 2124146)": message_built,
                "TelegramSender.post: post_json over HTTPXRequest": json_only,
                "TelegramSender.post over AiohttpRequest (now)": now,
            }
            try:
                return await measure_paths(
                    "telegram", paths, TELEGRAM_PRIVATE_BASE, sends, rounds, at_once,
                    lambda: reset_telegram(stand_in, on=False),
                )  # fmt: skip
            finally:
                await before.shutdown()
    finally:
        stand_in.close()


async def discord_costs(work: Path, sends: int, rounds: int, at_once: Sequence[int]) -> list[Cost]:
    import discord
    from discord.http import handle_message_parameters

    from bot.adapters.discord import patches
    from bot.adapters.discord.adapter import new_client
    from bot.adapters.discord.sender import NO_MENTIONS, DiscordSender
    from bot.core.ports import MessageKind, Outbound

    stand_in = discord_stand_in(sends, bucket_limit=1_000_000)  # the route buckets never bind
    try:
        stand_in.ask(do="reset", overall=None)
        settings = discord_settings(stand_in, work / "cost.sqlite3", max(at_once), NO_RATES)
        text = await digest_text("discord")
        patches.apply()
        patches.point_at(settings.discord)
        client = new_client()  # as connected_sender builds it, kept at hand for the raw path
        await client.login(DISCORD_TOKEN)
        try:
            sender = DiscordSender(client)
            nonces = iter(range(1, 1 << 62))

            async def message_built(number: int) -> bool:
                nonce = f"c{next(nonces)}"
                outbound = Outbound(text, MessageKind.DIGEST, nonce=nonce)
                outcome = await sender.send(ChatRef("discord", str(number)), outbound)
                return bool(getattr(outcome, "message_id", ""))

            async def raw(number: int) -> bool:
                with handle_message_parameters(
                    content=text,
                    nonce=f"c{next(nonces)}",
                    allowed_mentions=NO_MENTIONS,
                    previous_allowed_mentions=client.allowed_mentions,
                    flags=discord.MessageFlags(suppress_embeds=True),
                ) as params:
                    data = await client.http.send_message(number, params=params)
                return bool(data.get("id"))

            paths = {
                "DiscordSender.send: channel.send, a Message built (now)": message_built,
                "client.http.send_message: the JSON only": raw,
            }
            return await measure_paths(
                "discord", paths, DISCORD_CHANNEL_BASE, sends, rounds, at_once,
                lambda: stand_in.ask(do="reset", overall=None),
            )  # fmt: skip
        finally:
            await client.close()
    finally:
        stand_in.close()


async def digest_text(platform: str) -> str:
    """The first summary's digest as a push sends it (English)."""
    from bot.core.library import Library
    from bot.core.ports import Format
    from bot.core.text.compose import DigestOptions

    library = await Library.load(CONTENT, DigestOptions(), SystemClock().now())
    fmt = Format.TELEGRAM if platform == "telegram" else Format.DISCORD
    text = library.summary_digest(library.catalog.summaries[0].id, "en", fmt)
    assert text is not None
    return text


async def sender_cost(work: Path, sends: int, rounds: int, at_once: Sequence[int]) -> Scenario:
    scenario = Scenario(
        "sender-cost",
        f"{sends:,} sends a round through each path, {rounds} interleaved rounds, "
        f"{' and '.join(map(str, at_once))} at a time; stand-ins' flood control off",
    )
    costs = await telegram_costs(work, sends, rounds, at_once)
    costs += await discord_costs(work, sends, rounds, at_once)
    for cost in costs:
        scenario.add(
            f"{cost.platform}: {cost.path}, {cost.at_once} at a time", cost.median_us,
            f"{cost.median_us:,.0f} µs CPU a send (median of {len(cost.cpu_us)})",
        )  # fmt: skip
    scenario.extra["costs"] = [asdict(cost) for cost in costs]
    scenario.extra["table"] = [
        cost.row(next(c for c in costs if (c.platform, c.at_once) == (cost.platform, cost.at_once)))
        for cost in costs
    ]
    return scenario


# --- Discord ---


@contextlib.asynccontextmanager
async def discord_bot(stand_in: StandInProcess, settings: Settings) -> AsyncIterator[Serving]:
    """The Discord adapter serving the stand-in: logged in, its commands synced, the gateway
    ready."""
    async with serving(settings, "discord", DISCORD_TOKEN) as bot:

        def ready() -> bool:
            state = stand_in.ask(do="ready")
            return bool(state["connected"] and state["commands"])

        await until(ready, 30, "the gateway session and the commands", bot, every=0.1)
        shards = bot.adapter.shards  # type: ignore[attr-defined]  # ready: the guilds are in
        await until(lambda: bool(shards.ready), 30, "discord.py's ready", bot)
        yield bot


def interaction_figures(
    scenario: Scenario, interactions: list[list[Any]], target: bool
) -> tuple[list[int], int]:
    """Answered, latencies from dispatch to answer, how answers came: latencies, answered."""
    answered = [i for i in interactions if i[2] is not None]
    count = len(interactions)
    scenario.add(
        "commands answered", len(answered), f"{len(answered):,} / {count:,}", "all",
        len(answered) == count,
    )  # fmt: skip
    latencies = [round((i[2] - i[1]) * 1e6) for i in answered]
    add_latencies(scenario, latencies, target)
    how = Counter(i[3] for i in interactions)
    scenario.add(
        "answered by callback / deferred", how["deferred"],
        f"{how['response']:,} / {how['deferred']:,}",
    )  # fmt: skip
    return latencies, len(answered)


async def discord_burst(work: Path, users: int, in_flight: int, profile: bool) -> Scenario:
    scenario = Scenario(
        "discord-burst",
        f"{users:,} users' /subscribe in their DMs, dispatched evenly over 1 s; callbacks due "
        f"within {CALLBACK_DEADLINE:g} s; global limit {DISCORD_LIMIT}/s on channel messages",
    )
    stand_in = discord_stand_in(0)
    try:
        settings = discord_settings(
            stand_in, work / "discord-burst.sqlite3", in_flight, discord_rates(DISCORD_LIMIT)
        )
        async with discord_bot(stand_in, settings) as bot:
            stand_in.ask(do="reset", overall=DISCORD_LIMIT)
            ids = [DISCORD_USER_BASE + BURST_USER_BASE + n for n in range(users)]
            schedule = [[n / users, user, "subscribe"] for n, user in enumerate(ids)]
            with Measure(profile) as measure:
                stand_in.ask(do="dispatch", schedule=schedule)
                await until(
                    lambda: stand_in.ask(do="answered")["answered"] >= users,
                    60 + users / 50, "the answers", bot, every=0.25,
                )  # fmt: skip
        records = stand_in.ask(do="records")
    finally:
        stand_in.close()
    measure.print_profile("discord-burst", users)
    cpu = measure.cpu_s
    interactions = records["interactions"]
    latencies, answered = interaction_figures(scenario, interactions, target=False)
    if interactions and answered:
        first = min(i[1] for i in interactions)
        last = max(i[2] for i in interactions if i[2] is not None)
        scenario.add("first command → last answer", last - first, f"{last - first:.2f} s")
        dispatched_over = max(i[1] for i in interactions) - first
        scenario.add("commands dispatched over", dispatched_over, f"{dispatched_over:.3f} s")
    scenario.add("bot CPU per answer", cpu / max(answered, 1),
                 f"{cpu * 1e3 / max(answered, 1):.2f} ms")  # fmt: skip
    scenario.extra.update(
        users=users, answered=answered, latency_us=summary(latencies), bot_cpu_s=cpu,
        stand_in_cpu_s=records["cpu_s"],
    )  # fmt: skip
    return scenario


async def discord_mix(
    work: Path, channels: int, commanders: int, per_second: float, in_flight: int, profile: bool
) -> Scenario:
    from benchmarks.bench_discord import subscription_rows

    duration = channels / DISCORD_LIMIT
    texts = tuple(command.lstrip("/") for command in COMMANDS)
    scenario = Scenario(
        "discord-mix",
        f"push to {channels:,} channels at {DISCORD_LIMIT}/s (global limit at the stand-in and "
        f"the pacer) while {commanders} users take turns running {', '.join(COMMANDS)} in their "
        f"DMs, {per_second:g} a second in all for {duration:.0f} s; in_flight {in_flight}",
    )
    stand_in = discord_stand_in(channels)
    try:
        settings = discord_settings(
            stand_in, work / "discord-mix.sqlite3", in_flight, discord_rates(DISCORD_LIMIT)
        )
        async with discord_bot(stand_in, settings) as bot:
            rows = subscription_rows(channels, SystemClock().now())
            push_channels = [int(row["chat_id"]) for row in rows]
            stand_in.ask(do="reset", overall=DISCORD_LIMIT)
            users = [DISCORD_USER_BASE + COMMANDER_BASE + n for n in range(commanders)]
            schedule = mix_schedule(users, per_second, duration, texts)

            async def finished() -> bool:
                answered = stand_in.ask(do="answered")["answered"] >= len(schedule)
                return answered and await outbox_idle(bot.runtime)

            with Measure(profile) as measure:
                stand_in.ask(do="dispatch", schedule=schedule)
                queued = await confirm_push(bot.runtime, rows)
                budget = 120 + 3 * channels / DISCORD_LIMIT
                await until(finished, budget, "the push and the answers", bot, every=0.25)
        records = stand_in.ask(do="records")
    finally:
        stand_in.close()
    measure.print_profile("discord-mix", len(records["messages"]))
    cpu = measure.cpu_s
    interactions = records["interactions"]
    latencies, answered = interaction_figures(scenario, interactions, target=True)
    times = [float(at) for _, at in records["messages"]]
    rate, span = add_rate(scenario, "channel messages' rate / limit", times, DISCORD_LIMIT)
    sent_to = Counter(int(channel) for channel, _ in records["messages"])
    add_delivery(scenario, push_channels, sent_to)
    rejected, requests = records["rejected_429"], records["send_requests"]
    add_rejected(scenario, rejected, requests, "message requests", target=False)
    per_message = cpu / max(len(times), 1)
    shown = f"{per_message * 1e3:.2f} ms (the answers' CPU included)"
    scenario.add("bot CPU per message", per_message, shown)
    scenario.extra.update(
        channels=channels, commanders=commanders, commands_per_second=per_second,
        commands=len(schedule), in_flight=in_flight, queued=queued, answered=answered,
        latency_us=summary(latencies), sent=len(times), sent_span_s=span, sent_rate=rate,
        rejected_429=rejected, send_requests=requests, bot_cpu_s=cpu,
        stand_in_cpu_s=records["cpu_s"],
    )  # fmt: skip
    return scenario


# --- the run ---


async def run_all(args: argparse.Namespace) -> list[Scenario]:
    scenarios: list[Scenario] = []
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-load-") as tmp:
        work = Path(tmp)
        runs: dict[str, Callable[[], Awaitable[Scenario]]] = {
            "telegram-burst": lambda: telegram_burst(
                work, args.users, args.in_flight, args.profile
            ),
            "telegram-mix": lambda: telegram_mix(
                work,
                args.chats,
                args.commanders,
                args.commands_per_second,
                args.in_flight,
                args.profile,
            ),
            "telegram-paid": lambda: telegram_paid(
                work, args.paid_chats, args.paid_in_flight, args.profile
            ),
            "telegram-paid-httpx": lambda: telegram_paid(
                work, args.paid_chats, args.paid_in_flight, args.profile, http="httpx"
            ),
            "sender-cost": lambda: sender_cost(work, args.sends, args.rounds, args.at_once),
            "discord-burst": lambda: discord_burst(work, args.users, args.in_flight, args.profile),
            "discord-mix": lambda: discord_mix(
                work,
                args.chats,
                args.commanders,
                args.commands_per_second,
                args.in_flight,
                args.profile,
            ),
        }
        for name in SCENARIOS:
            if name in args.scenarios:
                print(f"  {name}: running", flush=True)
                scenario = await runs[name]()
                progress(scenario)
                scenarios.append(scenario)
    return scenarios


def report(scenarios: Sequence[Scenario]) -> None:
    for scenario in scenarios:
        print(f"\n{scenario.name}: {scenario.setup}\n")
        if scenario.name == "sender-cost":
            print_table(COST_HEADERS, scenario.extra["table"])
            continue
        print_table(("figure", "value", "target", ""), [c.row() for c in scenario.checks])


def positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not positive")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios", nargs="+", choices=SCENARIOS, metavar="NAME",
        default=[s for s in SCENARIOS if s not in WHAT_IF],
        help=f"which to run, of {', '.join(SCENARIOS)}, in that order (default: all but the "
        "before, telegram-paid-httpx)",
    )  # fmt: skip
    parser.add_argument("--sender-cost", action="store_true", help="only the sender-cost scenario")
    parser.add_argument(
        "--users", type=positive(int), default=1_000,
        help="the bursts' users, each sending /subscribe once (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--chats", type=positive(int), default=2_000,
        help="the mixes' push: chats / channels (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--paid-chats", type=positive(int), default=5_000,
        help="the paid broadcast's chats (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--commanders", type=positive(int), default=50,
        help="the mixes' users sending commands, in turns (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--commands-per-second", type=positive(float), default=1.0,
        help="the mixes' commands a second, all users together (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--in-flight", type=positive(int), default=50,
        help="delivery.in_flight of the bursts and mixes (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--paid-in-flight", type=positive(int), default=300,
        help="delivery.in_flight of the paid broadcast (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--sends", type=positive(int), default=2_000,
        help="sender-cost: sends a round through each path (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--rounds", type=positive(int), default=3,
        help="sender-cost: interleaved rounds of each path (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--at-once", type=positive(int), nargs="+", default=[1, 50],
        help="sender-cost: sends under way at once, a measurement each (default: 1 50)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--profile", action="store_true",
        help="cProfile each scenario's measured part (slows the bot) and print where its CPU "
        "goes",
    )  # fmt: skip
    parser.add_argument("--stand-in-child", choices=("telegram", "discord"), help=argparse.SUPPRESS)
    parser.add_argument("--channels", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--bucket-limit", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stand_in_child == "telegram":
        return asyncio.run(telegram_child())
    if args.stand_in_child == "discord":
        return asyncio.run(discord_child(args.channels, args.bucket_limit))
    if args.sender_cost:
        args.scenarios = ["sender-cost"]
    # discord.py logs every 429 it waits out; the figures count them.
    logging.getLogger("discord.http").setLevel(logging.ERROR)
    meta: dict[str, Any] = {
        "scenarios": " ".join(s for s in SCENARIOS if s in args.scenarios),
        "users": args.users,
        "chats": args.chats,
        "paid_chats": args.paid_chats,
        "commanders": args.commanders,
        "commands_per_second": args.commands_per_second,
        "in_flight": args.in_flight,
        "paid_in_flight": args.paid_in_flight,
        **machine(),
    }
    load_before = load_average()
    print_meta(meta)
    scenarios = asyncio.run(run_all(args))
    report(scenarios)
    meta.update(load_average_1min_before=load_before)
    note_if_busy(load_before, "rates, latencies and CPU figures may suffer")
    if args.json is not None:
        write_json(args.json, {"meta": meta, "scenarios": [s.as_json() for s in scenarios]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
