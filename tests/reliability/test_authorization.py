"""Who may do what, beyond the cases the adapters' own tests show: anyone the adapter does not
call a bot admin is refused /push, /status and /reload whatever they type, wherever, and
nothing changes; members without the right never change a chat's subscription, by command or
by button, forged or not; and the person at the terminal is an admin only when the config
says so.

The core is checked for every admin command with any arguments, platform, chat kind and
`can_manage` (hypothesis); Telegram and Discord end to end, with the real client libraries
against the stand-ins; the console through `ConsoleAdapter` on the real runtime.
"""

# The adapters' end-to-end fixtures are imported below for pytest to find here, and the tests
# take them as arguments by the same names: not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import functools
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.console import ConsoleAdapter
from bot.app import open_runtime, serve
from bot.config import Settings
from bot.core.commands import ADMIN_ONLY, Reply, Request, handle
from bot.core.commands.base import plain_line
from bot.core.library import Reloaded, ReloadFailed
from bot.core.models import LANGS, Lang
from bot.core.ports import ChatKind, ChatRef, Format, SystemClock
from bot.core.services import Defaults, Services
from bot.core.store.records import PushState
from bot.core.subscription import Plan, Subscription
from bot.core.text.render import render
from bot.core.text.strings import say
from tests.adapters.discord import conftest as on_discord
from tests.adapters.discord.conftest import dc  # noqa: F401  (a fixture)
from tests.adapters.discord.conftest import start_bot as discord_bot  # noqa: F401
from tests.adapters.running import push_state
from tests.adapters.telegram import conftest as on_telegram
from tests.adapters.telegram.conftest import (
    api,  # noqa: F401  (a fixture)
    start_bot,  # noqa: F401  (a fixture)
)
from tests.conftest import CONTENT, REPO
from tests.core.commands.conftest import START, Clock, audit_actions, outbox_rows, push_rows
from tests.fakes import services_over
from tests.reliability import leaks
from tests.standins.discord import DiscordStandIn
from tests.standins.discord import User as DiscordUser
from tests.standins.telegram import SentMessage, TelegramStandIn, User

StartBot = Callable[..., Awaitable[Any]]

# --- what an admin command could change, and the proof it did not ---


# Telegram's per-chat and per-group pacing lifted: these tests wait for each answer in turn,
# and at a second a chat (three in a group) they would spend a minute on it. Pacing is tested
# where it is the point (tests/core/delivery, tests/adapters/telegram/test_replies.py).
UNPACED = {"rate_limits": {"overall": None, "per_chat": None, "per_group": None}}


@pytest.fixture
def telegram_bot(start_bot: StartBot) -> StartBot:
    """Start the Telegram bot against the stand-in, unpaced (UNPACED)."""
    return functools.partial(start_bot, telegram=UNPACED)


async def what_admins_change(services: Services) -> tuple[object, ...]:
    """Everything /push, /status and /reload could leave behind: the audit log, the pushes,
    the outbox, the subscriptions, and the content in service."""
    store = services.store
    return (
        await audit_actions(store),
        await push_rows(store),
        await outbox_rows(store),
        await store.subscriptions.counts(),
        services.library.edition.selection,
    )


def count_reloads(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The times the content is loaded again from now on: a refused /reload loads nothing."""
    reloads: list[dt.datetime] = []
    load = services.library.reload

    async def counted(now: dt.datetime) -> Reloaded | ReloadFailed:
        reloads.append(now)
        return await load(now)

    monkeypatch.setattr(services.library, "reload", counted)
    return reloads


def refusal(lang: Lang, fmt: Format) -> tuple[str, ...]:
    return (render(plain_line(say(lang, "not_bot_admin")), fmt),)


# --- the core: whoever the adapter does not call a bot admin is refused, whatever they ask ---

ADMIN_ID = "42"
PLATFORMS = ("telegram", "discord", "console")
CHOSE_INDONESIAN = "900"  # a chat subscribed in Indonesian on every platform: refused in it
DEFAULTS = Defaults("en", "Asia/Jakarta", (dt.time(7),))
# Arguments that name something real: a pending push (PUSH), a summary in service (SUMMARY).
MEANINGFUL = (
    "confirm PUSH",
    "cancel PUSH",
    "  confirm   PUSH  ",
    "CONFIRM PUSH",
    "SUMMARY",
    "confirm",
    "confirm not-a-push",
    "Talks resume on Thursday",
)


@dataclass(frozen=True)
class Core:
    services: Services
    push_id: str  # a bot admin's push, previewed and not yet decided
    reloads: list[dt.datetime]  # see `count_reloads`


@pytest.fixture
async def core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Core]:
    """The real services on a fresh store, with one bot admin per platform, a chat that chose
    Indonesian on each, and a push an admin proposed and nobody decided yet."""
    admins = {platform: frozenset({ADMIN_ID}) for platform in PLATFORMS}
    database = tmp_path / "ringkas.sqlite3"
    async with services_over(
        CONTENT, database, Clock(START), defaults=DEFAULTS, admins=admins
    ) as services:
        plan = Plan("id", (dt.time(7),), False, "Asia/Jakarta")
        for platform in PLATFORMS:
            chat = ChatRef(platform, CHOSE_INDONESIAN)
            await services.store.subscriptions.subscribe(chat, ChatKind.GROUP, plan, "1", START)
        asked = Request(
            ChatRef("telegram", ADMIN_ID), ChatKind.PRIVATE, ADMIN_ID, "/push Talks resume",
            "en", Format.TELEGRAM, can_manage=True, is_admin=True,
        )  # fmt: skip
        proposed = await handle(asked, services)
        push_id = proposed.choices[0].command.removeprefix("/push confirm ")
        yield Core(services, push_id, count_reloads(services, monkeypatch))


def admin_command_texts(push_id: str, summary_id: str) -> st.SearchStrategy[str]:
    """An admin command as anyone might type it: any case, a bot mention or none, any white
    space, and arguments that mean something or anything at all."""
    name = st.sampled_from(sorted(ADMIN_ONLY)).flatmap(
        lambda n: st.sampled_from([n, n.upper(), n.capitalize()])
    )
    mention = st.sampled_from(["", "@RingkasBot", "@AnotherBot"])
    space = st.sampled_from([" ", "\t", "\n", "\u00a0", "  "])
    meaningful = st.sampled_from(MEANINGFUL).map(
        lambda a: a.replace("PUSH", push_id).replace("SUMMARY", summary_id)
    )
    arguments = st.one_of(st.just(""), meaningful, st.text(max_size=40))
    return st.builds(lambda *p: "/" + "".join(p), name, mention, space, arguments)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_no_admin_command_does_anything_for_someone_who_is_not_a_bot_admin(
    core: Core, data: st.DataObject
) -> None:
    """Whoever the adapter says is no bot admin (even one whose user id is an admin's, even a
    chat admin, anywhere) gets the localised refusal and nothing else: no preview, no button,
    no progress, no figures; no push proposed, confirmed or cancelled, no reload, no audit."""
    services = core.services
    before = await what_admins_change(services)
    summary_id = services.library.catalog.summaries[0].id
    chat_id = data.draw(st.sampled_from([CHOSE_INDONESIAN, "901", ADMIN_ID]), "chat")
    request = Request(
        chat=ChatRef(data.draw(st.sampled_from(PLATFORMS), "platform"), chat_id),
        chat_kind=data.draw(st.sampled_from(ChatKind), "chat kind"),
        user=data.draw(st.sampled_from([ADMIN_ID, "7", "", "-1001"]), "user"),
        text=data.draw(admin_command_texts(core.push_id, summary_id), "text"),
        lang=data.draw(st.sampled_from(LANGS), "lang"),
        fmt=data.draw(st.sampled_from(Format), "format"),
        can_manage=data.draw(st.booleans(), "can manage"),
        is_admin=False,
        chat_title=data.draw(st.text(max_size=10), "title"),
    )

    reply = await handle(request, services)

    lang = "id" if chat_id == CHOSE_INDONESIAN else request.lang
    assert reply == Reply(refusal(lang, request.fmt), lang=lang, error=True)
    assert await what_admins_change(services) == before  # the push still a draft, among all
    assert core.reloads == []


# A member's attempts to change a subscribed chat's settings, and the language of the refusal:
# a /subscribe naming a language is answered in it, the others in the chat's (English).
MANAGING_ATTEMPTS: tuple[tuple[str, Lang], ...] = (
    ("/subscribe id 08:00 WIT", "id"),
    ("/subscribe", "en"),
    ("/unsubscribe", "en"),
)

# --- Telegram, end to end ---

TG = on_telegram
RESTRICTED = User(7004, "Citra", "citra", language_code="en")  # restricted in the groups
BASIC_GROUP = -1004  # a basic group ("group", not a supergroup): Budi a member, Citra restricted


def telegram_groups(api: TelegramStandIn) -> None:
    """A basic group beside the conftest's supergroup; Citra restricted in both."""
    api.add_chat(BASIC_GROUP, "group", "Kabar Kampung")
    api.set_member(BASIC_GROUP, TG.ANA.id, "administrator")
    api.set_member(BASIC_GROUP, TG.BUDI.id, "member")
    for group in (TG.GROUP, BASIC_GROUP):
        api.set_member(group, RESTRICTED.id, "restricted")


def app_language(user: User) -> Lang:
    """The language the bot answers a Telegram user in, where the chat chose none."""
    return "id" if user.language_code == "id" else "en"


async def telegram_state(bot: TG.Running) -> tuple[object, ...]:
    """What admins change, and whether the bot edited or sent anything beyond the replies."""
    return (await what_admins_change(bot.runtime.services), len(bot.api.edits))


async def press(
    api: TelegramStandIn, user: User, message: SentMessage, data: str, edits: bool = False
) -> str:
    """`user` presses a button carrying `data` under `message` (offered by the bot, or forged
    by a client): what the one who pressed is shown, as an alert or in the edited message
    (with `edits`, waited for: an edit is paced like any send, a second after the last)."""
    answered, edited = len(api.callback_answers), len(api.edits)
    api.feed_callback(user, message, data)
    await api.wait_for(lambda: len(api.callback_answers) > answered)
    if edits:
        await api.wait_for(lambda: len(api.edits) > edited)
    await asyncio.sleep(0.1)  # an edit after the answer
    [answer] = api.callback_answers[answered:]
    shown = [answer.text or ""] + [edit.text or "" for edit in api.edits[edited:]]
    return "\n".join(shown)


@pytest.mark.parametrize(
    "user", [TG.BUDI, RESTRICTED, TG.ANA], ids=["member", "restricted", "group-admin"]
)
async def test_telegram_users_who_are_no_bot_admins_are_refused_admin_commands_anywhere(
    api: TelegramStandIn, telegram_bot: StartBot, monkeypatch: pytest.MonkeyPatch, user: User
) -> None:
    """In their private chat, a supergroup and a basic group, whatever their standing in the
    group: refused, and nothing happened behind the refusal."""
    telegram_groups(api)
    bot = await telegram_bot()
    reloads = count_reloads(bot.runtime.services, monkeypatch)
    before = await telegram_state(bot)

    mentioned = f"/STATUS@{api.bot_user.username}"
    for chat in (user.id, TG.GROUP, BASIC_GROUP):
        for command in ("/push Talks resume", "/status", "/reload", "/push confirm x", mentioned):
            [refused] = await bot.say(chat, command, user=user)
            assert refused.text == say(app_language(user), "not_bot_admin"), (chat, command)
            assert refused.reply_markup is None

    assert await telegram_state(bot) == before and reloads == []


async def admins_push_question(bot: TG.Running, chat_id: int) -> tuple[SentMessage, str]:
    """The bot admin's /push in `chat_id`: the question with Send and Cancel, and the push id."""
    _, question = await bot.say(chat_id, "/push Talks resume on Thursday", user=TG.ADMIN, expect=2)
    assert question.reply_markup is not None
    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    return question, data.removeprefix("/push confirm ")


@pytest.mark.parametrize(
    "user", [TG.BUDI, TG.ANA, RESTRICTED], ids=["member", "group-admin", "restricted"]
)
@pytest.mark.parametrize("verb", ["confirm", "cancel"])
async def test_telegram_only_a_bot_admin_decides_a_push_another_admin_opened(
    api: TelegramStandIn, telegram_bot: StartBot, user: User, verb: str
) -> None:
    """Send and Cancel under an admin's push, pressed by anyone else in the group: refused to
    them alone, the push still pending with its buttons, nothing sent, nothing audited."""
    telegram_groups(api)
    bot = await telegram_bot()
    await TG.subscribe_directly(bot, TG.CHANNEL, ChatKind.CHANNEL)
    question, push_id = await admins_push_question(bot, TG.GROUP)
    before = await telegram_state(bot)

    shown = await press(api, user, question, f"/push {verb} {push_id}")

    assert shown == say(app_language(user), "not_bot_admin")
    assert api.callback_answers[-1].show_alert
    assert await push_state(bot, push_id) is PushState.DRAFT
    assert await telegram_state(bot) == before
    assert api.sent_to(TG.CHANNEL) == []
    # The admin's buttons still work.
    assert await press(api, TG.ADMIN, question, f"/push {verb} {push_id}", edits=True) != ""
    expected = PushState.SENT if verb == "confirm" else PushState.CANCELLED
    assert await push_state(bot, push_id) is expected


@pytest.mark.parametrize(
    "forged",
    ["/status", "/reload", "/push Talks resume", "/push confirm PUSH", "/push cancel PUSH"],
)
async def test_telegram_forged_button_data_gives_a_non_admin_no_admin_command(
    api: TelegramStandIn, telegram_bot: StartBot, monkeypatch: pytest.MonkeyPatch, forged: str
) -> None:
    """Button data is the client's to send: data the bot never offered, under a message of the
    bot's that has buttons (a /whosaid question), is a request like any other."""
    bot = await telegram_bot()
    _, push_id = await admins_push_question(bot, TG.ADMIN.id)
    [question] = await bot.say(TG.GROUP, "/whosaid minister", user=TG.BUDI)
    reloads = count_reloads(bot.runtime.services, monkeypatch)
    before = await telegram_state(bot)

    shown = await press(api, TG.BUDI, question, forged.replace("PUSH", push_id))

    assert shown == say("id", "not_bot_admin")
    assert await telegram_state(bot) == before and reloads == []
    assert await push_state(bot, push_id) is PushState.DRAFT


async def subscribed_groups(bot: TG.Running) -> dict[int, Subscription]:
    """Both groups subscribed by their admin: the subscriptions as stored."""
    for group in (TG.GROUP, BASIC_GROUP):
        await TG.subscribe_directly(bot, group, ChatKind.GROUP, "en")
    found = {group: await TG.subscription(bot, group) for group in (TG.GROUP, BASIC_GROUP)}
    return {group: s for group, s in found.items() if s is not None}


@pytest.mark.parametrize("user", [TG.BUDI, RESTRICTED], ids=["member", "restricted"])
async def test_telegram_members_never_change_a_groups_subscription(
    api: TelegramStandIn, telegram_bot: StartBot, user: User
) -> None:
    """/subscribe (new settings, or a resume) and /unsubscribe, typed or sent as button data
    under the bot's own message, in a supergroup and a basic group: refused, and the stored
    subscription is as it was. (Unsubscribed groups: test_groups_and_channels.)"""
    telegram_groups(api)
    bot = await telegram_bot()
    subscribed = await subscribed_groups(bot)

    for group in (TG.GROUP, BASIC_GROUP):
        for command, lang in MANAGING_ATTEMPTS:
            [typed] = await bot.say(group, command, user=user)
            assert typed.text == say(lang, "not_chat_admin"), (group, command)
            [settings_answer] = await bot.say(group, "/settings", user=user)
            pressed = await press(api, user, settings_answer, command)
            assert say(lang, "not_chat_admin") in pressed, (group, command)
            assert await TG.subscription(bot, group) == subscribed[group], (group, command)


async def test_telegram_a_members_refused_press_leaves_an_admins_push_question_as_it_was(
    api: TelegramStandIn, telegram_bot: StartBot
) -> None:
    bot = await telegram_bot()
    question, push_id = await admins_push_question(bot, TG.GROUP)

    await press(api, TG.BUDI, question, "/unsubscribe")

    shown = api.message(TG.GROUP, question.message_id)
    assert shown["text"] == question.text and shown["reply_markup"] == question.reply_markup
    assert api.callback_answers[-1].show_alert  # the refusal for the one who pressed alone
    assert await push_state(bot, push_id) is PushState.DRAFT


# --- Discord, end to end ---

DC = on_discord


async def discord_state(bot: DC.Running) -> tuple[object, ...]:
    return (await what_admins_change(bot.runtime.services), len(bot.dc.edits))


@pytest.mark.parametrize(
    ("command", "options"),
    [("push", {"what": "Talks resume on Thursday"}), ("status", None), ("reload", None)],
)
async def test_discord_admin_commands_are_refused_to_members_and_in_dms_and_change_nothing(
    dc: DiscordStandIn,
    discord_bot: StartBot,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    options: dict[str, str] | None,
) -> None:
    """A plain member in a channel and in a thread, anyone in a DM (a manager of the channel:
    test_permissions): refused privately, and nothing changed behind the refusal."""
    bot = await discord_bot()
    reloads = count_reloads(bot.runtime.services, monkeypatch)
    before = await discord_state(bot)

    for where in ({"channel_id": DC.GENERAL}, {"channel_id": DC.THREAD}, {"dm": True}):
        _, response = await DC.ask(dc, command, options, user=DC.BUDI, **where)
        assert response.content == say("en", "not_bot_admin"), where
        assert response.ephemeral and not (response.data or {}).get("components")

    assert await discord_state(bot) == before and reloads == []
    assert dc.messages == [] and dc.followups == []


async def discord_push_question(dc: DiscordStandIn) -> tuple[int, str]:
    """The bot admin's /push in #general: the question's message id, and the push id."""
    sent, _ = await DC.ask(
        dc, "push", {"what": "Talks resume on Thursday"}, channel_id=DC.GENERAL, user=DC.ADMIN
    )
    [question] = await dc.wait_for(lambda: dc.followups_for(sent), what="the push question")
    send, _ = DC.buttons(question.components)
    return question.id, send[1].removeprefix("/push confirm ")


@pytest.mark.parametrize("user", [DC.BUDI, DC.ANA], ids=["member", "channel-manager"])
@pytest.mark.parametrize("verb", ["confirm", "cancel"])
async def test_discord_only_a_bot_admin_decides_a_push_another_admin_opened(
    dc: DiscordStandIn, discord_bot: StartBot, user: DiscordUser, verb: str
) -> None:
    """The question is the admin's alone to see, but a client can press by its id: refused
    privately, the push still pending, its message untouched, nothing sent."""
    bot = await discord_bot()
    await DC.subscribe_directly(bot, DC.NEWS)
    question_id, push_id = await discord_push_question(dc)
    before = await discord_state(bot)

    _, response = await on_discord.press(dc, question_id, f"/push {verb} {push_id}", user=user)

    assert response.content == say("en", "not_bot_admin") and response.ephemeral
    assert await push_state(bot, push_id) is PushState.DRAFT
    assert await discord_state(bot) == before
    assert dc.messages_in(DC.NEWS) == []


@pytest.mark.parametrize(
    "forged", ["/status", "/reload", "/push Talks resume", "/push confirm PUSH"]
)
async def test_discord_a_forged_button_gives_a_non_admin_no_admin_command(
    dc: DiscordStandIn, discord_bot: StartBot, monkeypatch: pytest.MonkeyPatch, forged: str
) -> None:
    """A custom id the bot never offered, under a message of the bot's with buttons."""
    bot = await discord_bot()
    _, push_id = await discord_push_question(dc)
    question_id = await whosaid_question(dc)
    reloads = count_reloads(bot.runtime.services, monkeypatch)
    before = await discord_state(bot)

    custom_id = forged.replace("PUSH", push_id)
    _, response = await on_discord.press(dc, question_id, custom_id, user=DC.BUDI)

    assert response.content == say("en", "not_bot_admin") and response.ephemeral
    assert await discord_state(bot) == before and reloads == []
    assert await push_state(bot, push_id) is PushState.DRAFT


async def whosaid_question(dc: DiscordStandIn) -> int:
    """Budi's public /whosaid with a button per minister: the message's id."""
    sent, _ = await DC.ask(
        dc, "whosaid", {"query": "minister"}, channel_id=DC.GENERAL, user=DC.BUDI
    )
    original = dc.original_response(sent)
    assert original is not None and DC.buttons(original["components"])
    return int(original["id"])


@pytest.mark.parametrize(("forged", "lang"), MANAGING_ATTEMPTS)
async def test_discord_members_without_manage_channels_never_change_a_subscription_by_button(
    dc: DiscordStandIn, discord_bot: StartBot, forged: str, lang: Lang
) -> None:
    """Button data the bot never offers (it has no settings buttons) sent by a plain member,
    in a subscribed channel: refused, the subscription as it was. (Slash commands:
    test_permissions.)"""
    bot = await discord_bot()
    before = await DC.subscribe_directly(bot, DC.GENERAL)
    question_id = await whosaid_question(dc)

    _, response = await on_discord.press(dc, question_id, forged, user=DC.BUDI)

    assert response.content == say(lang, "not_chat_admin")
    assert await DC.subscription(bot, DC.GENERAL) == before


async def test_discord_a_members_refused_press_is_private_and_leaves_the_message(
    dc: DiscordStandIn, discord_bot: StartBot
) -> None:
    await discord_bot()
    question_id = await whosaid_question(dc)
    before = copy.deepcopy(dc.stored_message(question_id))

    _, response = await on_discord.press(dc, question_id, "/unsubscribe", user=DC.BUDI)

    assert dc.stored_message(question_id) == before
    assert response.ephemeral


# --- the console ---


def console_settings(tmp_path: Path, admins: list[str] | None) -> Settings:
    data: dict[str, Any] = {
        "content": str(CONTENT),
        "database": str(tmp_path / "ringkas.sqlite3"),
        "schedule": {"watch_seconds": 0},
    }
    if admins is not None:
        data["admins"] = {"console": admins}
    return Settings.model_validate(data)


async def converse(
    settings: Settings, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, tuple[object, ...], int]:
    """A console session on the real runtime, each line typed at the terminal: what it printed,
    what admins change before and after it, and the reloads it made."""
    output = io.StringIO()
    done = asyncio.Event()
    typed = io.StringIO("".join(f"{line}\n" for line in lines))
    adapter = ConsoleAdapter(typed, output, "en", done)
    async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
        reloads = count_reloads(runtime.services, monkeypatch)
        before = await what_admins_change(runtime.services)
        await asyncio.wait_for(serve(runtime, [adapter], done), 20)
        after = await what_admins_change(runtime.services)
    return output.getvalue(), (before, after), len(reloads)


ADMIN_LINES = ["/push Talks resume on Thursday", "/push confirm 0123456789ab", "/status", "/reload"]


async def test_the_console_user_left_out_of_admins_console_is_refused_and_nothing_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other names listed, "local" not (`[]`: tests/adapters/test_console.py), and a confirm of
    a push besides: refused, and nothing behind the refusals."""
    printed, (before, after), reloads = await converse(
        console_settings(tmp_path, ["someone-else"]), ADMIN_LINES, monkeypatch
    )

    refusals = printed.count(say("en", "not_bot_admin"))
    assert refusals == len(ADMIN_LINES), printed
    assert say("en", "status_title") not in printed and "[" not in printed  # no figures, no button
    assert after == before and reloads == 0


@pytest.mark.parametrize(
    "admins", [None, ["local"], ["local", "someone-else"]], ids=["default", "local", "with-others"]
)
async def test_the_console_user_is_an_admin_when_local_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admins: list[str] | None
) -> None:
    printed, (before, after), reloads = await converse(
        console_settings(tmp_path, admins), ["/status", "/reload"], monkeypatch
    )

    assert say("en", "not_bot_admin") not in printed
    assert say("en", "status_title") in printed and reloads == 1
    assert after != before  # the reload is in the audit log


async def test_console_is_a_private_chat_the_user_manages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ordinary reader at the terminal still manages the terminal's own subscription."""
    printed, (before, after), _ = await converse(
        console_settings(tmp_path, []), ["/subscribe en 07:00"], monkeypatch
    )

    assert say("en", "subscribed") in printed and after != before


def test_ringkas_chat_with_an_empty_admins_console_refuses_the_terminal(tmp_path: Path) -> None:
    """The real program, its config read from a file, its input piped."""
    config = tmp_path / "ringkas.yaml"
    config.write_text(
        f"content: {CONTENT}\ndatabase: ringkas.sqlite3\nadmins:\n  console: []\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGKAS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))

    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--config", str(config)],
        cwd=tmp_path,
        env=env,
        input="\n".join(ADMIN_LINES) + "\n/settings\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    leaks.check_program_output(done.stdout, done.stderr)

    assert done.returncode == 0, done.stderr
    assert done.stdout.count(say("en", "not_bot_admin")) == len(ADMIN_LINES), done.stdout
    assert say("en", "not_subscribed") in done.stdout  # the reader's own commands still answer
    assert say("en", "status_title") not in done.stdout
