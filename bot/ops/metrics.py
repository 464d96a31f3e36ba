"""The Prometheus metrics, in a registry of the process's own (tests and several runtimes in one
process do not share counters).

Two kinds: what the dispatcher and the pacers report as it happens (`Metrics`, their observer:
counters and a histogram), and what is read when Prometheus scrapes (`ServiceState`:
the outbox, the paused chats, the content, the roles and the platforms' connections), from the
store by a few grouped queries over its indexes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.metrics_core import Metric

from bot.core.delivery.dispatcher import DispatchReport
from bot.core.library import Library
from bot.core.ports import Adapter, Clock, Outcome
from bot.core.store import Store
from bot.core.store.tables import OutboxState

log = logging.getLogger(__name__)

# The outbox states a scrape counts: the queue, and what was given up, few rows read through the
# index on state. Delivered and cancelled rows are most of the outbox, its whole history: counting
# them at every scrape would grow with it; the deliveries' counter tells how many are delivered.
QUEUE_STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.FAILED)
# The outcomes a settled delivery is counted under: the fields of `DispatchReport`.
OUTCOMES = ("delivered", "retried", "failed", "paused", "moved")
# Seconds a send to a platform takes: a Bot API call is ~0.1–0.5 s, a slow one up to its timeout.
SEND_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# A paused chat's reason is the platform's own words; a label takes one of a few kinds, so that
# free text never becomes a label (each distinct value is a time series). First match wins.
REASON_SIGNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "blocked",  # the person blocked the bot, closed their DMs, or left the platform
        ("blocked", "deactivated", "initiate conversation", "cannot send messages to this user"),
    ),
    (
        "not_found",  # the chat, topic or channel is gone
        ("not found", "deleted", "unknown channel", "not a discord channel", "404"),
    ),
    (
        "removed",  # the bot was removed, or lost the right to post there
        ("kicked", "not a member", "missing access", "missing permissions", "rights", "closed",
         "403", "forbidden"),
    ),
)  # fmt: skip
REASONS = (*(kind for kind, _ in REASON_SIGNS), "other")


def reason_kind(reason: str) -> str:
    """The kind of a pause's recorded reason: one of `REASONS`."""
    folded = reason.casefold()
    for kind, signs in REASON_SIGNS:
        if any(sign in folded for sign in signs):
            return kind
    return "other"


class Metrics:
    """The process's registry, and in it the counts of what the dispatcher and the pacers
    report (it is their `DeliveryObserver`)."""

    def __init__(self, platforms: Iterable[str]) -> None:
        self.registry = registry = CollectorRegistry()
        self._deliveries = Counter(
            "ringkas_deliveries",
            "Deliveries settled, by platform and outcome (delivered, retried, failed: given up, "
            "paused: the chat is gone, moved: the chat has a new id).",
            ["platform", "outcome"],
            registry=registry,
        )
        self._rate_limited = Counter(
            "ringkas_rate_limited",
            "429 answers (retry after) from the platform, replies' and deliveries' alike.",
            ["platform"],
            registry=registry,
        )
        self._held = Counter(
            "ringkas_rate_limit_held_seconds",
            "Seconds the platform's whole pace stood still for its 429s (overlapping holds "
            "counted once).",
            ["platform"],
            registry=registry,
        )
        self._send = Histogram(
            "ringkas_send_duration_seconds",
            "Seconds a delivery's send to the platform took, from its slot to the answer.",
            ["platform"],
            buckets=SEND_BUCKETS,
            registry=registry,
        )
        for platform in platforms:  # every series from 0, so that rate() sees the first one
            for outcome in OUTCOMES:
                self._deliveries.labels(platform, outcome)
            self._rate_limited.labels(platform)
            self._held.labels(platform)
            self._send.labels(platform)

    def sent(self, platform: str, outcome: Outcome, seconds: float) -> None:
        self._send.labels(platform).observe(seconds)

    def settled(self, platform: str, report: DispatchReport) -> None:
        for outcome in OUTCOMES:
            if count := getattr(report, outcome):
                self._deliveries.labels(platform, outcome).inc(count)

    def held(self, platform: str, seconds: float) -> None:
        self._rate_limited.labels(platform).inc()
        self._held.labels(platform).inc(seconds)


@dataclass(frozen=True, slots=True)
class StoreFigures:
    """What a scrape reads from the store."""

    outbox: Mapping[OutboxState, int]
    oldest_pending: Mapping[str, dt.datetime]  # by platform
    paused: Mapping[tuple[str, str], int]  # by platform and reason kind

    @classmethod
    async def read(cls, store: Store) -> StoreFigures:
        paused: dict[tuple[str, str], int] = {}
        for (platform, reason), count in (await store.subscriptions.paused_reasons()).items():
            key = (platform, reason_kind(reason))
            paused[key] = paused.get(key, 0) + count
        outbox = await store.outbox.counts(QUEUE_STATES)
        return cls(outbox, await store.outbox.oldest_pending(), paused)


class ServiceState:
    """The gauges read at scrape time: a prometheus-client collector over the figures last
    read from the store (`refresh`, awaited before each scrape; the collector itself cannot
    await) and the process's own state, read as it is collected."""

    def __init__(
        self,
        store: Store,
        library: Library,
        clock: Clock,
        roles: Callable[[], Iterable[str]],
        held: Callable[[], frozenset[str]],
        adapters: Sequence[Adapter],
    ) -> None:
        """`roles`: the roles this instance offers to play; `held`: those it holds now."""
        self._store = store
        self._library = library
        self._clock = clock
        self._roles = roles
        self._held = held
        self._adapters = adapters
        self._figures: StoreFigures | None = None

    async def refresh(self) -> None:
        """Read the store's figures; if it fails, the scrape goes on without them and says so
        (`ringkas_store_up` 0)."""
        try:
            self._figures = await StoreFigures.read(self._store)
        except Exception as error:
            log.warning("metrics: could not read the store: %s", error)
            self._figures = None

    def collect(self) -> Iterator[Metric]:
        yield from self._store_metrics()
        yield from self._content_metrics()
        held = self._held()
        roles = GaugeMetricFamily(
            "ringkas_role_held",
            "1 for each role (#9: senders, planner, poller, Discord shards) this instance holds, "
            "0 for those it offers and another instance holds.",
            labels=["role"],
        )
        for role in sorted({*self._roles(), *held}):
            roles.add_metric([role], 1 if role in held else 0)
        yield roles
        connected = GaugeMetricFamily(
            "ringkas_platform_connected",
            "1 while the platform's adapter is connected (as /readyz checks it), else 0.",
            labels=["platform"],
        )
        for adapter in self._adapters:
            connected.add_metric([adapter.sender.platform], int(adapter.connection().up))
        yield connected

    def _store_metrics(self) -> Iterator[Metric]:
        figures = self._figures
        yield GaugeMetricFamily(
            "ringkas_store_up",
            "1 if the store answered this scrape's queries, else 0 (and the outbox and paused "
            "figures are left out).",
            value=int(figures is not None),
        )
        if figures is None:
            return
        depth = GaugeMetricFamily(
            "ringkas_outbox_deliveries",
            "Deliveries in the outbox by state: pending, sending, failed (given up).",
            labels=["state"],
        )
        for state in QUEUE_STATES:
            depth.add_metric([state.value], figures.outbox.get(state, 0))
        yield depth
        oldest = GaugeMetricFamily(
            "ringkas_outbox_oldest_pending_age_seconds",
            "Seconds since the oldest pending delivery was queued, by platform (0 when none is "
            "pending).",
            labels=["platform"],
        )
        now = self._clock.now()
        platforms = {adapter.sender.platform for adapter in self._adapters}
        for platform in sorted(platforms | set(figures.oldest_pending)):
            queued = figures.oldest_pending.get(platform)
            age = 0.0 if queued is None else max(0.0, (now - queued).total_seconds())
            oldest.add_metric([platform], age)
        yield oldest
        paused = GaugeMetricFamily(
            "ringkas_paused_subscriptions",
            "Chats paused because the platform refused a delivery, by platform and kind of "
            "reason: blocked, not_found, removed, other.",
            labels=["platform", "reason"],
        )
        for (platform, kind), count in sorted(figures.paused.items()):
            paused.add_metric([platform, kind], count)
        yield paused

    def _content_metrics(self) -> Iterator[Metric]:
        edition = self._library.edition
        info = InfoMetricFamily(
            "ringkas_content_edition",
            "The content edition in service: the hash of the summaries a digest shows.",
            labels=["edition"],
        )
        info.add_metric([edition.selection or "none"], {})
        yield info
        yield GaugeMetricFamily(
            "ringkas_content_problems",
            "Problems the last reload of the content found (0: it loaded; else the last good "
            "content stays in service).",
            value=len(self._library.problems),
        )
        yield GaugeMetricFamily(
            "ringkas_content_loaded_timestamp_seconds",
            "When the content in service was loaded (Unix time).",
            value=edition.loaded_at.timestamp(),
        )
