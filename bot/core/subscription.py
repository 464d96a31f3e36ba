"""What a chat asked for, and the subscription that holds it."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Literal, get_args

from bot.core.models import LANGS, Lang
from bot.core.ports import ChatKind, ChatRef

Languages = Literal["en", "id", "both"]
LANGUAGE_CHOICES: tuple[Languages, ...] = get_args(Languages)


def langs_of(languages: Languages) -> tuple[Lang, ...]:
    return LANGS if languages == "both" else (languages,)


class State(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # the chat went away; every setting is kept for when it comes back


@dataclass(frozen=True, slots=True)
class Plan:
    """Languages, local delivery times and zone; `instant` sends as soon as there is news."""

    languages: Languages
    times: tuple[dt.time, ...]
    instant: bool
    timezone: str  # an IANA name

    @property
    def langs(self) -> tuple[Lang, ...]:
        return langs_of(self.languages)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    chat: ChatRef
    chat_kind: ChatKind
    chat_title: str
    plan: Plan
    state: State
    paused_reason: str | None
    paused_at: dt.datetime | None
    subscribed_by: str
    subscribed_at: dt.datetime
    next_due: dt.datetime | None
    last_edition: str | None
    last_sent_at: dt.datetime | None
