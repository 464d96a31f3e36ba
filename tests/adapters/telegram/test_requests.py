"""What a Telegram update says about who asked what, where; and the core's choices as inline
buttons. Pure functions over python-telegram-bot's objects: no network, no stand-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from telegram import Bot, Chat, Message, User
from telegram.constants import ChatMemberStatus

from bot.adapters.telegram.buttons import CALLBACK_DATA_LIMIT, markup
from bot.adapters.telegram.requests import (
    addressed_elsewhere,
    chat_kind,
    chat_ref,
    chat_title,
    language,
    may_manage,
)
from bot.core.buttons import KEY_PREFIX, ButtonData
from bot.core.commands import Choice
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef
from bot.core.store import Store
from tests.fakes import SettableClock

GROUP_ID = -1001234567890


def message(chat: dict[str, Any], **fields: Any) -> Message:
    data: dict[str, Any] = {"message_id": 1, "date": 1_760_000_000, "chat": chat, **fields}
    return Message.de_json(data, bot=None)


def supergroup(forum: bool = False) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": GROUP_ID, "type": "supergroup", "title": "Newsroom"}
    if forum:
        chat["is_forum"] = True
    return chat


def user(language_code: str | None = None, user_id: int = 7) -> User:
    return User(user_id, "Ana", is_bot=False, language_code=language_code)


# --- chat_ref ---


def test_a_private_chat_is_the_chat() -> None:
    ref = chat_ref(message({"id": 7, "type": "private", "first_name": "Ana"}, text="/digest"))

    assert ref == ChatRef("telegram", "7")


def test_a_message_in_a_forum_topic_belongs_to_the_topic() -> None:
    ref = chat_ref(
        message(supergroup(forum=True), message_thread_id=42, is_topic_message=True, text="/d")
    )

    assert ref == ChatRef("telegram", str(GROUP_ID), "42")
    assert str(ref) == f"telegram:{GROUP_ID}/42"


def test_the_general_topic_of_a_forum_is_the_chat() -> None:
    assert chat_ref(message(supergroup(forum=True), text="/digest")) == ChatRef(
        "telegram", str(GROUP_ID)
    )


def test_a_reply_thread_in_a_supergroup_without_topics_is_the_chat() -> None:
    # Replies carry the thread of the message they answer, but no topic: one subscription.
    in_thread = message(supergroup(), message_thread_id=99, text="/subscribe")

    assert in_thread.message_thread_id == 99
    assert chat_ref(in_thread) == ChatRef("telegram", str(GROUP_ID))


# --- chat_kind and chat_title ---


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("private", ChatKind.PRIVATE),
        ("group", ChatKind.GROUP),
        ("supergroup", ChatKind.GROUP),
        ("channel", ChatKind.CHANNEL),
    ],
)
def test_chat_kind(kind: str, expected: ChatKind) -> None:
    assert chat_kind(Chat(GROUP_ID, kind)) is expected


@pytest.mark.parametrize(
    ("chat", "title"),
    [
        (Chat(GROUP_ID, "supergroup", title="Newsroom"), "Newsroom"),
        (Chat(-5, "channel", title="Ringkas Daily", username="ringkasdaily"), "Ringkas Daily"),
        (Chat(7, "private", first_name="Ana", last_name="Putri", username="ana"), "Ana Putri"),
        (Chat(7, "private", first_name="Ana"), "Ana"),
        (Chat(7, "private", username="ana"), "ana"),
        (Chat(7, "private"), "7"),
    ],
)
def test_chat_title(chat: Chat, title: str) -> None:
    assert chat_title(chat) == title


# --- language ---


@pytest.mark.parametrize(
    ("code", "default", "expected"),
    [
        ("id", "en", "id"),
        ("id-ID", "en", "id"),
        ("ID", "en", "id"),
        ("en", "id", "en"),
        ("en-GB", "id", "en"),
        ("en-us", "id", "en"),
        ("ms", "en", "en"),
        ("ms", "id", "id"),
        ("ind", "en", "en"),
        ("", "id", "id"),
        (None, "en", "en"),
        (None, "id", "id"),
    ],
)
def test_language_of_the_users_app(code: str | None, default: Lang, expected: Lang) -> None:
    assert language(user(code), default) == expected


@pytest.mark.parametrize("default", ["en", "id"])
def test_no_user_gets_the_default_language(default: Lang) -> None:
    assert language(None, default) == default


# --- addressed_elsewhere ---


@pytest.mark.parametrize(
    ("text", "elsewhere"),
    [
        ("/digest@OtherBot", True),
        ("/whosaid@OtherBot Guterres", True),
        ("  /digest@OtherBot  ", True),
        ("/digest@RingkasBot", False),
        ("/digest@ringkasbot", False),
        ("/DIGEST@RINGKASBOT now", False),
        ("/digest", False),
        ("/whosaid Guterres", False),
        ("/whosaid someone@example.org", False),
        ("hello @OtherBot", False),
        ("mail me@OtherBot", False),
        ("", False),
        ("   ", False),
    ],
)
def test_addressed_elsewhere(text: str, elsewhere: bool) -> None:
    assert addressed_elsewhere(text, "RingkasBot") is elsewhere


# --- may_manage ---


@dataclass(frozen=True)
class Member:
    status: str


class MembersBot:
    """Just enough of a Bot: get_chat_member answers from a table, and records the question."""

    def __init__(self, statuses: dict[int, str]) -> None:
        self.statuses = statuses
        self.asked: list[tuple[int, int]] = []

    async def get_chat_member(self, chat_id: int, user_id: int) -> Member:
        self.asked.append((chat_id, user_id))
        return Member(self.statuses[user_id])


def as_bot(fake: MembersBot) -> Bot:
    return cast(Bot, fake)


async def test_a_private_chat_is_managed_by_its_user_without_asking() -> None:
    bot = MembersBot({})

    assert await may_manage(as_bot(bot), Chat(7, "private"), user(), None) is True
    assert bot.asked == []


@pytest.mark.parametrize("kind", ["channel", "supergroup", "group"])
async def test_a_message_on_behalf_of_the_chat_itself_may_manage(kind: str) -> None:
    bot = MembersBot({})
    chat = Chat(GROUP_ID, kind, title="Newsroom")

    assert await may_manage(as_bot(bot), chat, None, Chat(GROUP_ID, kind)) is True
    assert bot.asked == []


async def test_a_message_on_behalf_of_another_chat_may_not_manage() -> None:
    bot = MembersBot({})
    group = Chat(GROUP_ID, "supergroup", title="Newsroom")
    linked_channel = Chat(-1009, "channel", title="Elsewhere")

    assert await may_manage(as_bot(bot), group, None, linked_channel) is False
    assert bot.asked == []


async def test_no_user_and_no_chat_may_not_manage() -> None:
    bot = MembersBot({})

    assert await may_manage(as_bot(bot), Chat(GROUP_ID, "supergroup"), None, None) is False
    assert bot.asked == []


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (ChatMemberStatus.OWNER, True),
        (ChatMemberStatus.ADMINISTRATOR, True),
        ("creator", True),
        ("administrator", True),
        (ChatMemberStatus.MEMBER, False),
        (ChatMemberStatus.RESTRICTED, False),
        (ChatMemberStatus.LEFT, False),
        (ChatMemberStatus.BANNED, False),
        ("member", False),
    ],
)
async def test_in_a_group_telegram_is_asked_whether_the_user_is_an_admin(
    status: str, allowed: bool
) -> None:
    bot = MembersBot({7: status})

    assert await may_manage(as_bot(bot), Chat(GROUP_ID, "supergroup"), user(), None) is allowed
    assert bot.asked == [(GROUP_ID, 7)]


# --- buttons.markup ---


@pytest.fixture
async def data(tmp_path: Path) -> AsyncIterator[ButtonData]:
    async with await Store.open(tmp_path / "ringkas.sqlite3") as store:
        yield ButtonData(store.choices, SettableClock(dt.datetime(2025, 10, 9, tzinfo=dt.UTC)))


async def test_no_choices_no_markup(data: ButtonData) -> None:
    assert await markup((), data) is None


async def test_one_button_per_row_carrying_its_command(data: ButtonData) -> None:
    choices = (
        Choice("Benjamin Netanyahu", "/whosaid benjamin-netanyahu"),
        Choice("Bezalel Smotrich", "/whosaid bezalel-smotrich"),
        Choice("Itamar Ben-Gvir", "/whosaid itamar-ben-gvir"),
    )

    drawn = await markup(choices, data)

    assert drawn is not None
    rows = drawn.inline_keyboard
    assert [len(row) for row in rows] == [1, 1, 1]
    assert [row[0].text for row in rows] == [c.label for c in choices]
    assert [row[0].callback_data for row in rows] == [c.command for c in choices]
    assert [await data.command(str(row[0].callback_data)) for row in rows] == [
        c.command for c in choices
    ]


@pytest.mark.parametrize(
    "command",
    [
        "/push confirm " + "x" * 51,  # 65 bytes
        "/whosaid " + "é" * 28,  # 37 characters, 65 bytes
        "/push " + "an announcement " * 20,
        "/whosaid " + "🙂" * 30,
    ],
)
async def test_callback_data_is_never_over_64_bytes_and_maps_back(
    data: ButtonData, command: str
) -> None:
    drawn = await markup((Choice("Send", command), Choice("Cancel", "/push cancel x")), data)

    assert drawn is not None
    [long], [short] = drawn.inline_keyboard
    carried = str(long.callback_data)
    assert len(carried.encode()) <= CALLBACK_DATA_LIMIT == 64
    assert carried.startswith(KEY_PREFIX)
    assert await data.command(carried) == command
    assert short.callback_data == "/push cancel x"


async def test_a_command_of_exactly_64_bytes_is_carried_as_itself(data: ButtonData) -> None:
    command = "/whosaid " + "é" * 27 + "a"
    assert len(command.encode()) == 64

    drawn = await markup((Choice("x", command),), data)

    assert drawn is not None
    assert drawn.inline_keyboard[0][0].callback_data == command
