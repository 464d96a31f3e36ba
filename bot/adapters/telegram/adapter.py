"""Telegram on python-telegram-bot: updates in as core requests, core replies out as messages.

Private chats, groups, supergroups (forum topics each their own subscription) and channels.
Commands go to the core's `handle`; this module only reads Telegram's shapes and writes them.
Where python-telegram-bot itself is changed (an update it cannot read, the webhook's handler):
`patches`, applied at construction.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Sequence
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    Chat,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import logs
from bot.adapters import AdapterError
from bot.adapters.telegram import patches
from bot.adapters.telegram.buttons import data
from bot.adapters.telegram.inline import answer_inline
from bot.adapters.telegram.ordering import PerChatOrder
from bot.adapters.telegram.requests import (
    addressed_elsewhere,
    chat_kind,
    chat_ref,
    chat_title,
    kind_by_id,
    language,
    may_manage,
)
from bot.adapters.telegram.sender import PLATFORM, TelegramSender
from bot.adapters.telegram.transport import AiohttpRequest
from bot.config import TelegramSettings, WebhookSettings, token
from bot.core.commands import MANAGING, Picture, Reply, Request, handle, menu, parse
from bot.core.commands.inline import InlineAnswers
from bot.core.delivery.pushes import PushStatus
from bot.core.models import Lang
from bot.core.ports import (
    ChatKind,
    ChatRef,
    Connection,
    Delivered,
    Format,
    ReplyCall,
    StatusDisplay,
    StatusPlace,
)
from bot.core.roles import Role
from bot.core.services import Services
from bot.core.store.leases import Lease
from bot.core.text.strings import say

log = logging.getLogger(__name__)

POLLER = "poller:telegram"  # the role of the one instance that polls (see `roles`)

UPDATES = [
    Update.MESSAGE,
    Update.CHANNEL_POST,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.INLINE_QUERY,
]
PRESENT = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR})
MENU_LANGUAGES: tuple[tuple[str | None, Lang], ...] = ((None, "en"), ("id", "id"))
ALERT_LIMIT = 200  # characters of a button's alert, set by the Bot API
START_ATTEMPTS = 5  # getMe tries at start before giving up: Telegram may be briefly unreachable


def make_bot(
    settings: TelegramSettings,
    bot_token: str,
    connections: int,
    polls: AiohttpRequest | None = None,
) -> ExtBot[None]:
    """A bot with a connection for each delivery in flight, and one for long polling (`polls`,
    if given), over aiohttp (see transport.py)."""
    return patches.LenientBot(  # skips an update it cannot read: see patches
        bot_token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        # The replies and edits have a few connections of their own.
        request=bot_request(settings, connections + 8),
        get_updates_request=polls or bot_request(settings, 1),
    )


def bot_request(settings: TelegramSettings, connections: int) -> AiohttpRequest:
    """Requests over a pool of `connections`, with the configured timeouts."""
    timeouts = settings.timeouts
    return AiohttpRequest(
        connections,
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
        write_timeout=timeouts.write,
        pool_timeout=timeouts.pool,
    )


@contextlib.asynccontextmanager
async def connected_sender(
    settings: TelegramSettings, bot_token: str, connections: int
) -> AsyncIterator[TelegramSender]:
    """A sender without the chat side: for `ringkas deliver --once` and `ringkas push`."""
    patches.apply()  # PTB is the same whether the bot serves or only sends
    bot = make_bot(settings, bot_token, connections)
    try:
        try:
            await bot.initialize()
        except TelegramError as error:
            raise start_failure(settings, error) from None
        yield TelegramSender(bot)
    finally:
        await bot.shutdown()


def start_failure(settings: TelegramSettings, error: TelegramError) -> AdapterError:
    """Why Telegram could not be reached, naming the token's variable, never the token (PTB's
    own message for a refused token quotes it)."""
    if isinstance(error, InvalidToken):
        return AdapterError(
            f"telegram: the Bot API refused the token in ${settings.token_env}; "
            "check it with @BotFather"
        )
    return AdapterError(
        f"telegram: cannot reach the Bot API at {settings.base_url}: {error.message}"
    )


class TelegramAdapter:
    def __init__(
        self,
        settings: TelegramSettings,
        bot_token: str,
        default_lang: Lang,
        connections: int = 50,
        progress_every: float = 2.0,
    ) -> None:
        patches.apply()  # before the webhook server builds its handler
        self._settings = settings
        self._default_lang = default_lang
        # The long poll's own requests: whether polling works is read from them (`connection`).
        self._polls = bot_request(settings, 1)
        self._application: Application = (  # type: ignore[type-arg]
            Application.builder()
            .bot(make_bot(settings, bot_token, connections, self._polls))
            .job_queue(None)  # the core's scheduler runs the schedule
            .concurrent_updates(PerChatOrder())  # chats at once, each chat's in turn
            .build()
        )
        self.sender = TelegramSender(self._application.bot)
        self._services: Services | None = None
        self._progress_every = progress_every
        self._status: PushStatus | None = None
        self._inline: InlineAnswers | None = None

    @property
    def services(self) -> Services:
        assert self._services is not None, "the adapter has not started"
        return self._services

    async def start(self, services: Services) -> None:
        self._services = services
        self._status = PushStatus(services, PLATFORM, Format.TELEGRAM, self._progress_every)
        self._inline = InlineAnswers(services.library)
        application = self._application
        private_or_command = (filters.ChatType.PRIVATE & filters.TEXT) | filters.COMMAND
        application.add_handler(
            MessageHandler(
                (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST) & private_or_command,
                self._on_message,
            )
        )
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(InlineQueryHandler(self._on_inline_query))
        application.add_handler(ChatMemberHandler(self._on_membership))
        application.add_error_handler(self._on_error)
        await self._initialize()
        await self._set_menus()
        await application.start()
        await self._status.resume(self._display_at)
        if self._settings.webhook is not None:
            await self._receive_by_webhook(self._settings.webhook)
        bot = application.bot
        log.info("telegram: serving as @%s", bot.username)
        if not bot.supports_inline_queries:
            log.info("telegram: inline mode is off; @BotFather's /setinline turns it on")

    def roles(self) -> Sequence[Role]:
        """In polling mode, the poller: Telegram answers one long poll per token at a time (a
        second gets 409 Conflict), so one instance polls and serves every update. A webhook
        reaches every instance behind the load balancer: no role."""
        if self._settings.webhook is not None:
            return ()
        return (Role(POLLER, self._start_polling, self._stop_polling),)

    def connection(self) -> Connection:
        """Started (getMe answered, the application running), and receiving updates if this
        instance is to: its webhook server up, or, while it holds the poller role, polling with
        no poll failed since the last one answered (a network error, a timeout, an answer other
        than 200: `patches.LenientBot` and PTB retry them by themselves). With a webhook,
        Telegram out of reach shows in the sends' outcomes, not here."""
        application, updater = self._application, self._application.updater
        if not application.running or updater is None:
            return Connection(False, "not started")
        if self._settings.webhook is not None:
            if updater.running:
                return Connection(True, "receiving updates by webhook")
            return Connection(False, "the webhook server is not running")
        if updater.running:
            failed, answered = self._polls.failed, self._polls.answered_at
            if failed is not None and (answered is None or answered < failed[0]):
                return Connection(False, f"polling fails: {failed[1]}")
            return Connection(True, "polling for updates")
        return Connection(True, "sending; another instance holds the poller role")

    async def stop(self) -> None:
        if self._status is not None:
            self._status.cancel_all()
        application = self._application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        await application.bot.shutdown()  # its connections, if a stop came before start ended

    async def _initialize(self) -> None:
        """getMe, retried briefly: a network hiccup at start does not stop the bot."""
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                await self._application.initialize()
                return
            except TelegramError as error:
                if attempt == START_ATTEMPTS or isinstance(error, InvalidToken):
                    await self._application.bot.shutdown()  # its connections, opened for getMe
                    raise start_failure(self._settings, error) from None
                log.warning("telegram: cannot reach the Bot API (%s); retrying", error.message)
                await asyncio.sleep(2**attempt)

    async def _set_menus(self) -> None:
        """The command menu in English, in Indonesian for apps set to Indonesian, and with the
        admin commands in each bot admin's private chat."""
        bot = self._application.bot
        try:
            for code, lang in MENU_LANGUAGES:
                await bot.set_my_commands(_commands(menu(lang)), language_code=code)
        except TelegramError as error:
            # The menu only helps users type: the commands work without it; the next start
            # sets it again.
            log.warning("telegram: could not set the command menu: %s", error.message)
            return
        for admin in sorted(self.services.admins.get("telegram", frozenset())):
            for code, lang in MENU_LANGUAGES:
                try:
                    await bot.set_my_commands(
                        _commands(menu(lang) + menu(lang, admin=True)),
                        scope=BotCommandScopeChat(int(admin)),
                        language_code=code,
                    )
                except (TelegramError, ValueError) as error:
                    # An admin who never opened a chat with the bot has no chat to scope to yet.
                    log.info("telegram: no admin menu for %s: %s", admin, error)
                    break

    async def _start_polling(self, lease: Lease) -> None:
        updater = self._application.updater
        assert updater is not None
        await updater.start_polling(
            timeout=self._settings.poll_timeout,
            allowed_updates=UPDATES,
            error_callback=_polling_error,
        )
        log.info("telegram: polling for updates")

    async def _stop_polling(self) -> None:
        updater = self._application.updater
        if updater is not None and updater.running:
            await updater.stop()
            log.info("telegram: stopped polling")

    async def _receive_by_webhook(self, webhook: WebhookSettings) -> None:
        updater = self._application.updater
        assert updater is not None
        secret = token(webhook.secret_token_env)
        if secret is None:
            # Telegram sends the secret with every update; a fresh one each run keeps forged
            # posts out all the same (`app.check_shared_setup` refuses this for several
            # instances, whose secrets would differ).
            secret = secrets.token_urlsafe(32)
            logs.keep_out_of_logs(secret)
            log.info(
                "telegram: %s is unset; using a random webhook secret", webhook.secret_token_env
            )
        await updater.start_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path=urlsplit(webhook.url).path.lstrip("/"),
            webhook_url=webhook.url,
            secret_token=secret,
            allowed_updates=UPDATES,
        )

    # --- updates ---

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        if addressed_elsewhere(message.text, self._application.bot.username):
            return
        chat = chat_ref(message)
        lang = language(message.from_user, self._default_lang)
        try:
            on_behalf = message.sender_chat
            actor = message.from_user if on_behalf is None else None
            request = await self._request(message, actor, on_behalf, message.text, lang)
        except TelegramError as error:  # getChatMember failed: say so rather than guess
            log.warning("telegram: could not check the admins of %s: %s", chat, error)
            await self._say(chat, chat_kind(message.chat), say(lang, "internal_error"))
            return
        reply = await handle(request, self.services)
        last = await self._answer(chat, request.chat_kind, reply)
        if reply.push_id and last is not None and self._status is not None:
            display = self._display_at(StatusPlace(chat, last))
            await self._status.follow(reply.push_id, reply.lang or self._default_lang, display)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        lang = language(query.from_user, self._default_lang)
        command = await self.services.buttons.command(query.data)
        message = query.message
        if command is None or not isinstance(message, Message) or not message.is_accessible:
            await _answer_button(query.answer(say(lang, "button_expired"), show_alert=True))
            return
        chat = chat_ref(message)
        try:
            # The message is the bot's own: the one who pressed the button is the one asking.
            request = await self._request(message, query.from_user, None, command, lang)
        except TelegramError as error:
            log.warning("telegram: could not check the admins of %s: %s", chat, error)
            await _answer_button(query.answer(say(lang, "internal_error"), show_alert=True))
            return
        reply = await handle(request, self.services)
        if reply.error:
            # Only the one who pressed learns why nothing happened; the message stays as it is
            # for the others in the chat (an admin's pending push keeps its buttons).
            await _answer_button(query.answer(_alert_text(reply.messages), show_alert=True))
            return
        await _answer_button(query.answer())
        if len(reply.messages) == 1 and not reply.choices and reply.picture is None:
            # The answer takes the place of the question: the pressed message becomes the status.
            await self._edit(chat, message.message_id, reply.messages[0])
            status: str | None = str(message.message_id)
        else:
            await self._edit(chat, message.message_id, None)  # the choice is made: no buttons
            status = await self._answer(chat, request.chat_kind, reply)
        if reply.push_id and status is not None and self._status is not None:
            display = self._display_at(StatusPlace(chat, status))
            await self._status.follow(reply.push_id, reply.lang or self._default_lang, display)

    async def _on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.inline_query is not None and self._inline is not None:
            await answer_inline(update.inline_query, self._inline, self._default_lang)

    async def _on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added back to a chat (or unblocked): a paused subscription resumes."""
        change = update.my_chat_member
        if change is None:
            return
        was, now = change.old_chat_member.status, change.new_chat_member.status
        if now in PRESENT and was not in PRESENT:
            await self.services.chat_returned(PLATFORM, str(change.chat.id))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A malformed update or a failing handler is logged and skipped; the bot keeps serving.
        log.error("telegram: could not handle an update", exc_info=context.error)

    async def _request(
        self, message: Message, actor: User | None, on_behalf: Chat | None, text: str, lang: Lang
    ) -> Request:
        """`actor` is the user who asked, None when the message was sent on behalf of a chat
        (`on_behalf`: a channel, or a group's anonymous admin)."""
        chat: Chat = message.chat
        parsed = parse(text)
        # Only commands that change the subscription ask Telegram who the chat's admins are.
        manages = parsed is not None and parsed[0] in MANAGING
        can_manage = manages and await may_manage(self._application.bot, chat, actor, on_behalf)
        user = actor.id if actor else on_behalf.id if on_behalf else ""
        return Request(
            chat=chat_ref(message),
            chat_kind=chat_kind(chat),
            user=str(user),
            text=text,
            lang=lang,
            fmt=Format.TELEGRAM,
            can_manage=can_manage,
            is_admin=actor is not None and self.services.is_admin(PLATFORM, str(actor.id)),
            chat_title=chat_title(chat),
        )

    # --- answers ---

    async def _answer(self, chat: ChatRef, kind: ChatKind, reply: Reply) -> str | None:
        """Send the reply's messages, the choices as buttons under the last, a picture as a
        photo with the first as its caption; the last one's id."""
        last: str | None = None
        for index, text in enumerate(reply.messages):
            final = index == len(reply.messages) - 1
            buttons = await data(reply.choices, self.services.buttons) if final else ()
            picture = reply.picture if index == 0 else None  # the first message is its caption
            last = await self._say(chat, kind, text, buttons, picture)
        return last

    async def _say(
        self,
        chat: ChatRef,
        kind: ChatKind,
        text: str,
        buttons: tuple[tuple[str, str], ...] = (),
        picture: Picture | None = None,
    ) -> str | None:
        """One message of a reply (with a picture, its caption), through the core's pacer ahead
        of the deliveries (a 429 waited out), wherever the sender's pacer is; its id, or None if
        it could not be sent or its id is unknown."""
        photo = (picture.png, picture.filename) if picture is not None else None
        outcome = await self.services.replies.send(chat, kind, ReplyCall.new(text, buttons, photo))
        return (outcome.message_id or None) if isinstance(outcome, Delivered) else None

    async def _edit(self, chat: ChatRef, message_id: int | str, text: str | None) -> None:
        """Replace a message's text, or with None only take its buttons away; paced as a reply
        (Telegram counts edits against its flood limits too)."""
        call = ReplyCall.edit(str(message_id), text)
        await self.services.replies.send(chat, kind_by_id(chat), call)

    def _display_at(self, place: StatusPlace) -> StatusDisplay:
        """A push's status in one of the bot's messages: Telegram lets the bot edit its own
        messages for as long as they exist, so the place is kept for a restart."""

        async def edit(text: str) -> None:
            await self._edit(place.chat, place.message_id, text)

        return StatusDisplay(edit, place=place)


def _alert_text(messages: tuple[str, ...]) -> str:
    """A reply in Telegram HTML as the plain text of a button's alert (at most 200 characters)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", "\n".join(messages)))
    return text if len(text) <= ALERT_LIMIT else text[: ALERT_LIMIT - 1] + "…"


def _commands(entries: tuple[tuple[str, str], ...]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in entries]


async def _answer_button(answering: Awaitable[bool]) -> None:
    """Stop the button's spinner; a query too old to answer does not matter."""
    try:
        await answering
    except TelegramError as error:
        log.info("telegram: could not answer a button press: %s", error.message)


def _polling_error(error: TelegramError) -> None:
    # PTB keeps polling with backoff; the log says why updates are late.
    log.warning("telegram: polling failed (%s); retrying", error.message)
