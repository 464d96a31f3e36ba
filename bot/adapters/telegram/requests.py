"""What a Telegram update says about who asked what, where: the parts of a core `Request`."""

from __future__ import annotations

from telegram import Bot, Chat, Message, User
from telegram.constants import ChatMemberStatus, ChatType

from bot.adapters.telegram.sender import PLATFORM
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef

CHAT_ADMINS = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


def chat_ref(message: Message) -> ChatRef:
    """The chat, and in a forum supergroup the topic: a subscription belongs to its topic."""
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatRef(PLATFORM, str(message.chat.id), str(thread) if thread else "")


def chat_kind(chat: Chat) -> ChatKind:
    if chat.type == ChatType.PRIVATE:
        return ChatKind.PRIVATE
    if chat.type == ChatType.CHANNEL:
        return ChatKind.CHANNEL
    return ChatKind.GROUP


def kind_by_id(chat: ChatRef) -> ChatKind:
    """A chat's kind as far as pacing needs it, from its id alone (Telegram gives users positive
    ids, groups and channels negative ones): for a message found again by its place."""
    return ChatKind.GROUP if chat.chat_id.startswith("-") else ChatKind.PRIVATE


def chat_title(chat: Chat) -> str:
    return chat.title or chat.full_name or chat.username or str(chat.id)


def language(user: User | None, default: Lang) -> Lang:
    """The language of the user's Telegram app, if Ringkas speaks it ("id", "en-GB")."""
    primary = ((user.language_code if user else None) or "").partition("-")[0].casefold()
    if primary == "id":
        return "id"
    if primary == "en":
        return "en"
    return default


def addressed_elsewhere(text: str, bot_username: str) -> bool:
    """ "/digest@OtherBot" in a group is for another bot, not for this one."""
    head = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    _, at, target = head.partition("@")
    return head.startswith("/") and bool(at) and target.casefold() != bot_username.casefold()


async def may_manage(bot: Bot, chat: Chat, user: User | None, sender_chat: Chat | None) -> bool:
    """Whether the sender may change the chat's subscription.

    A private chat is the user's own. A message sent on behalf of the chat itself is an
    administrator's: only a channel's administrators can post in it, and only a group's
    administrators can write anonymously as the group. Anyone else is asked about.
    """
    if chat.type == ChatType.PRIVATE:
        return True
    if sender_chat is not None and sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    member = await bot.get_chat_member(chat.id, user.id)
    return member.status in CHAT_ADMINS
