"""What commands and scheduler jobs work with: the store, the content, the clock, and the few
operations that span them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.buttons import ButtonData
from bot.core.delivery.alerts import Alerter, Thresholds
from bot.core.delivery.follows import FollowNews
from bot.core.delivery.planning import Broadcaster, Planned
from bot.core.delivery.pushes import Pusher
from bot.core.delivery.replies import Replies
from bot.core.library import Library, Reloaded, ReloadFailed
from bot.core.models import Lang
from bot.core.ports import ChatRef, Clock
from bot.core.store import Store
from bot.core.store.records import Push
from bot.core.store.retention import Pruned
from bot.core.subscription import Plan, State, Subscription

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Defaults:
    """A new subscription's plan where the user gives no value."""

    language: Lang
    timezone: str
    times: tuple[dt.time, ...]

    def plan(self, lang: Lang | None = None) -> Plan:
        """No times configured means instant delivery."""
        return Plan(lang or self.language, self.times, not self.times, self.timezone)


@dataclass(slots=True)
class Services:
    store: Store
    library: Library
    broadcaster: Broadcaster
    clock: Clock
    defaults: Defaults
    # Bot admins' user ids per platform; a user id is also the admin's private chat.
    admins: Mapping[str, frozenset[str]] = field(default_factory=dict)
    wake: Callable[[], None] = lambda: None  # tells the dispatcher something was queued
    # When the admins are alerted (`delivery.alerts`): through the outbox, to their chats.
    alert_thresholds: Thresholds = field(default_factory=Thresholds)
    # Answers to commands: the dispatcher's, sharing its pacers (none until it exists).
    replies: Replies = field(default_factory=lambda: Replies({}))
    # Whether this instance holds the planner role (`core.roles`): it plans at every tick and acts
    # on a content change (plans, tells the admins). Other instances keep their copy of the
    # content current and nothing more. Planning twice would still queue each delivery once
    # (the outbox's unique key): the role only saves doing the work on every instance.
    planner: bool = True
    # How long finished deliveries, unused texts and long buttons' commands are kept (config
    # `retention.days`): the planner's holder prunes what is older (`prune`).
    retention: dt.timedelta = dt.timedelta(days=30)
    pusher: Pusher = field(init=False)
    buttons: ButtonData = field(init=False)  # what the buttons of a reply's choices carry
    follow_news: FollowNews = field(init=False)
    # To every admin's chat; an app whose senders cover only some platforms narrows it to them.
    alerts: Alerter = field(init=False)

    def __post_init__(self) -> None:
        self.pusher = Pusher(self.store, self.library)
        self.buttons = ButtonData(self.store.choices, self.clock)
        self.follow_news = FollowNews(self.store, self.library)
        self.alerts = self.alerter(self.admin_chats())

    def alerter(self, admins: Sequence[ChatRef]) -> Alerter:
        """The alerts to these admins' chats."""
        return Alerter(
            self.store,
            self.clock,
            admins,
            self.defaults.language,
            self.alert_thresholds,
            lambda: self.wake(),
        )

    def is_admin(self, platform: str, user_id: str) -> bool:
        return user_id in self.admins.get(platform, frozenset())

    def admin_chats(self) -> list[ChatRef]:
        return [ChatRef(p, user) for p, users in self.admins.items() for user in sorted(users)]

    async def plan(self) -> Planned:
        """Queue what is due now, scheduled and instant, and the new statements for the chats
        following them, and wake the dispatcher; then alert the admins if the store shows many
        chats paused or deliveries failed (the alerts are not counted as planned)."""
        now = self.clock.now()
        due = await self.broadcaster.plan_due(now)
        instant = await self.broadcaster.plan_instant(now)
        follows = await self.follow_news.plan(now)
        if due.queued or instant.queued or follows:
            self.wake()
        await self.alerts.check()
        return Planned(due.queued + instant.queued + follows, due.skipped)

    async def prune(self) -> Pruned:
        """Delete what is older than the retention period and no longer needed, a batch at a
        time (`store.retention`); logged when anything went."""
        pruned = await self.store.retention.prune(self.clock.now() - self.retention)
        if pruned.rows or not pruned.complete:
            log.info(
                "retention: deleted %d deliveries, %d texts and %d button commands in %d "
                "batches (the longest %.0f ms)%s",
                pruned.deliveries,
                pruned.bodies,
                pruned.choices,
                pruned.batches,
                pruned.longest * 1000,
                "" if pruned.complete else "; more at the next pass",
            )
        return pruned

    async def reload(self) -> Reloaded | ReloadFailed:
        """Load the content again; new summaries go to instant subscribers at once, new
        statements to their followers."""
        result = await self.library.reload(self.clock.now())
        if isinstance(result, ReloadFailed):
            log.warning(
                "content has problems (%d); keeping the last good content", len(result.errors)
            )
            for error in result.errors:
                log.warning("%s", error)
            if self.planner:  # the admins hear of it once, not from every instance
                await self.alerts.content_problems(result.errors, self.library.edition.selection)
        else:
            if result.changed:
                log.info("content reloaded: new edition %s", result.edition.selection)
            # New summaries go to instant subscribers, new statements to the chats following
            # them (a statement added to a summary already shown changes no digest).
            if self.planner:
                await self.plan()
        return result

    async def propose_push(
        self,
        actor: str,
        summary_id: str | None = None,
        text_en: str | None = None,
        text_id: str | None = None,
    ) -> Push:
        """A push as stored: a new draft, or the earlier one with the same content (which may
        have been sent). With no summary and no text, the digest as it stands. AnnouncementTooLong
        if the text fits no single message; NothingToPush for a digest without summaries."""
        now = self.clock.now()
        draft = self.pusher.draft(actor, now, summary_id, text_en, text_id)
        return await self.store.pushes.draft(draft)

    async def confirm_push(self, push: Push, actor: str) -> int | None:
        """Queue the push for every active subscription; None if it was sent or cancelled
        already. Marking it sent and queueing it are one transaction: a second confirmation,
        a stale button or a crash never sends it twice or half."""
        now = self.clock.now()
        queued = await self.pusher.send(push, now)
        if queued is None:
            return None
        if push.is_digest:
            what = "the digest"
        else:
            what = push.summary_id or f"announcement “{(push.text_en or '')[:60]}”"
        await self.store.audit.record(actor, "push", f"{push.id}: {what}, {queued} deliveries", now)
        self.wake()
        return queued

    async def cancel_push(self, push: Push, actor: str) -> bool:
        if not await self.store.pushes.cancel(push.id):
            return False
        await self.store.audit.record(actor, "push-cancel", push.id, self.clock.now())
        return True

    async def chat_returned(self, platform: str, chat_id: str) -> list[Subscription]:
        """The bot is back in a chat that had gone (re-added, unblocked): its paused
        subscriptions, the chat's own and its topics', resume as they were. Adapters call this
        on the platform's membership events; returns the chat's subscriptions as they now are."""
        await self.store.chats.returned(platform, chat_id)  # its follows are served again
        found = []
        for current in await self.store.subscriptions.in_chat(platform, chat_id):
            if current.state is State.PAUSED:
                log.info("%s is back: subscription resumed", current.chat)
                current = await self.store.subscriptions.subscribe(
                    current.chat,
                    current.chat_kind,
                    current.plan,
                    current.subscribed_by,
                    self.clock.now(),
                )
            found.append(current)
        return found

    async def menu_is_current(self, menu: str, fingerprint: str) -> bool:
        """Whether a platform's command menu was last published with this fingerprint (a hash of
        what it shows): publishing it again would be wasted, and Discord limits command updates
        per day."""
        return await self.store.markers.get(menu) == fingerprint

    async def menu_published(self, menu: str, fingerprint: str) -> None:
        await self.store.markers.put(menu, fingerprint)

    async def reload_if_changed(self) -> Reloaded | ReloadFailed | None:
        """The watcher's pass: reload only when files under the content folder changed."""
        if not await self.library.changed_on_disk():
            return None
        return await self.reload()
