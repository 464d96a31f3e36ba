"""Commands in a private chat, and the command menu, as a Telegram user sees them: the real
adapter and runtime against the stand-in Bot API."""

from __future__ import annotations

import pytest
from telegram import BotCommandScopeChat

from bot.core.commands import ADMIN_ONLY, COMMANDS
from bot.core.commands.base import when
from bot.core.commands.subscriptions import SUBSCRIBE_USAGE
from bot.core.models import Lang
from bot.core.ports import ChatKind, Format
from bot.core.subscription import Plan, State
from bot.core.text.fitting import whosaid_message
from bot.core.text.strings import say
from tests.adapters.telegram.conftest import (
    ADMIN,
    ANA,
    BUDI,
    SEVEN,
    StartBot,
    digest,
    subscription,
)
from tests.standins.telegram import SentMessage, TelegramStandIn, User

NO_PREVIEW = {"is_disabled": True}


def command_line(lang: Lang, usage: str, key: str) -> str:
    """One line of the /start and /help command list, as Telegram HTML."""
    return f"• <b>{usage}</b> — {say(lang, key)}"


def plain(answer: SentMessage) -> None:
    """Every answer is HTML without a preview card and without buttons unless it offers some."""
    assert answer.parse_mode == "HTML"
    assert answer.link_preview_options == NO_PREVIEW
    assert answer.message_thread_id is None


async def test_start_answers_in_the_language_of_the_users_app(start_bot: StartBot) -> None:
    bot = await start_bot()

    [indonesian] = await bot.say(BUDI.id, "/start", user=BUDI)
    [english] = await bot.say(ANA.id, "/start", user=ANA)

    for answer, lang, heading in ((indonesian, "id", "Perintah"), (english, "en", "Commands")):
        plain(answer)
        assert answer.reply_markup is None
        assert answer.text.startswith(f"{say(lang, 'welcome')}\n\n<b>{heading}</b>\n")
        assert command_line(lang, "/digest", "help_digest") in answer.text
        whosaid = f"/whosaid &lt;{say(lang, 'arg_name_or_topic')}&gt;"  # "<" escaped
        assert command_line(lang, whosaid, "help_whosaid") in answer.text
        assert say(lang, "help_push") not in answer.text  # not a bot admin
    assert command_line("id", SUBSCRIBE_USAGE, "help_subscribe") in indonesian.text
    assert say("id", "help_example") in indonesian.text


async def test_start_lists_the_admin_commands_to_a_bot_admin(start_bot: StartBot) -> None:
    bot = await start_bot()

    [answer] = await bot.say(ADMIN.id, "/start", user=ADMIN)

    assert "<b>Untuk admin bot</b>" in answer.text
    assert command_line("id", "/status", "help_status") in answer.text
    assert command_line("id", "/reload", "help_reload") in answer.text


async def test_subscribe_stores_the_plan_and_answers_in_the_chosen_language(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()

    [answer] = await bot.say(ANA.id, "/subscribe id 07:00 Asia/Jakarta", user=ANA)

    stored = await subscription(bot, ANA.id)
    assert stored is not None
    assert stored.plan == Plan("id", SEVEN, False, "Asia/Jakarta")
    assert (stored.chat_kind, stored.state, stored.subscribed_by) == (
        ChatKind.PRIVATE,
        State.ACTIVE,
        str(ANA.id),
    )
    assert stored.next_due is not None
    # Ana's app is in English, but she chose Indonesian: the answer is in Indonesian.
    plain(answer)
    assert answer.text == "\n".join(
        [
            f"<b>{say('id', 'subscribed')}</b>",
            "",
            say("id", "plan_languages", languages="Indonesia"),
            say("id", "plan_times", times="07.00", zone="WIB"),
            say("id", "plan_next", when=when(stored.next_due, "Asia/Jakarta", "id")),
        ]
    )


async def test_first_contacts_app_language_is_the_subscriptions_default(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    portuguese = User(7010, "Inês", "ines", language_code="pt-BR")
    british = User(7011, "Ed", "ed", language_code="en-GB")

    [budi] = await bot.say(BUDI.id, "/subscribe 07:00 WIB", user=BUDI)
    [ana] = await bot.say(ANA.id, "/subscribe 07:00", user=ANA)
    await bot.say(portuguese.id, "/subscribe", user=portuguese)
    await bot.say(british.id, "/subscribe", user=british)

    languages = {
        user.first_name: stored.plan.languages
        for user in (BUDI, ANA, portuguese, british)
        if (stored := await subscription(bot, user.id)) is not None
    }
    # Neither Portuguese nor a region of English is lost: the config's language, and English.
    assert languages == {"Budi": "id", "Ana": "en", "Inês": "en", "Ed": "en"}
    assert budi.text.startswith(f"<b>{say('id', 'subscribed')}</b>")
    assert ana.text.startswith(f"<b>{say('en', 'subscribed')}</b>")


async def test_once_a_chat_chose_a_language_every_answer_is_in_it(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.say(ANA.id, "/subscribe id", user=ANA)

    [help_] = await bot.say(ANA.id, "/help", user=ANA)
    [unknown] = await bot.say(ANA.id, "/frobnicate", user=ANA)

    assert help_.text.startswith("<b>Perintah</b>\n")
    assert unknown.text == say("id", "unknown_command", command="/frobnicate")


async def test_whosaid_names_the_speaker_of_a_role(start_bot: StartBot) -> None:
    bot = await start_bot()

    [answer] = await bot.say(BUDI.id, "/whosaid Sekjen PBB", user=BUDI)

    index = bot.runtime.services.library.edition.index
    _, expected = whosaid_message(index, "Sekjen PBB", "id", Format.TELEGRAM)
    plain(answer)
    assert answer.text == expected
    assert answer.text.startswith("<b>Siapa mengatakan apa: António Guterres, ")
    assert answer.reply_markup is None  # one person: no choice to make


async def test_settings_shows_the_subscription_or_says_there_is_none(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    [before] = await bot.say(BUDI.id, "/settings", user=BUDI)
    await bot.say(BUDI.id, "/subscribe id 07:00 19:00 WITA", user=BUDI)

    [after] = await bot.say(BUDI.id, "/settings", user=BUDI)

    assert before.text == say("id", "not_subscribed")
    stored = await subscription(bot, BUDI.id)
    assert stored is not None and stored.next_due is not None
    assert after.text == "\n".join(
        [
            f"<b>{say('id', 'settings_title')}</b>",
            "",
            say("id", "plan_languages", languages="Indonesia"),
            say("id", "plan_times", times="07.00 dan 19.00", zone="WITA"),
            say("id", "plan_next", when=when(stored.next_due, "Asia/Makassar", "id")),
            "",
            say("id", "plan_change"),
        ]
    )


async def test_digest_is_sent_without_link_previews(start_bot: StartBot) -> None:
    bot = await start_bot()

    [english] = await bot.say(ANA.id, "/digest", user=ANA)
    await bot.say(BUDI.id, "/subscribe both", user=BUDI)
    both = await bot.say(BUDI.id, "/digest", user=BUDI, expect=2)

    plain(english)
    assert english.text == digest(bot, "en")
    assert "<b>" in english.text and "<a " not in english.text
    # A chat reading both languages gets the digest in each, each without a preview card.
    assert [m.text for m in both] == [digest(bot, "en"), digest(bot, "id")]
    for message in both:
        plain(message)


async def test_unknown_commands_and_plain_text_are_answered_with_a_hint(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()

    [unknown] = await bot.say(ANA.id, "/frobnicate now", user=ANA)
    [text] = await bot.say(BUDI.id, "halo", user=BUDI)

    assert unknown.text == say("en", "unknown_command", command="/frobnicate")
    assert text.text == say("id", "not_a_command")


async def test_a_bad_argument_is_explained_in_the_users_language_and_nothing_is_stored(
    start_bot: StartBot,
) -> None:
    bot = await start_bot()

    [english] = await bot.say(ANA.id, "/subscribe 25:99", user=ANA)
    [indonesian] = await bot.say(BUDI.id, "/subscribe 25:99", user=BUDI)
    [chosen] = await bot.say(ANA.id, "/subscribe id 25:99", user=ANA)
    [zone] = await bot.say(ANA.id, "/subscribe 07:00 Mars/Olympus", user=ANA)

    assert english.text == say("en", "bad_time", value="25:99")
    assert indonesian.text == say("id", "bad_time", value="25:99")
    assert chosen.text == say("id", "bad_time", value="25:99")  # the language named first
    assert zone.text == say("en", "bad_zone", value="Mars/Olympus")
    assert await subscription(bot, ANA.id) is None
    assert await subscription(bot, BUDI.id) is None


async def test_what_a_user_types_is_escaped_in_the_answer(start_bot: StartBot) -> None:
    bot = await start_bot()

    # Telegram refuses an unknown tag: had the query gone out unescaped, nothing would arrive.
    [answer] = await bot.say(ANA.id, "/whosaid <script>alert(1)</script> & co", user=ANA)

    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in answer.text
    assert "<script>" not in answer.text


async def test_the_command_menu_is_set_in_english_and_indonesian(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    await start_bot()

    def menu(lang: Lang, admin: bool = False) -> list[dict[str, str]]:
        return [
            {"command": name, "description": say(lang, f"help_{name}")}
            for name in COMMANDS
            if admin or name not in ADMIN_ONLY
        ]

    everyone = {name for name in COMMANDS if name not in ADMIN_ONLY}
    assert everyone == {
        "start",
        "help",
        "subscribe",
        "unsubscribe",
        "settings",
        "digest",
        "whosaid",
        "follow",
        "unfollow",
        "following",
        "lang",
        "timeline",
    }
    assert api.commands_for() == menu("en")
    assert api.commands_for(language_code="id") == menu("id")
    # The admin commands only in the bot admin's own chat, in both languages.
    admin_chat = BotCommandScopeChat(ADMIN.id)
    assert api.commands_for(admin_chat) == menu("en", admin=True)
    assert api.commands_for(admin_chat, language_code="id") == menu("id", admin=True)
    assert set(api.commands) == {
        (None, ""),
        (None, "id"),
        (api.scope_key(admin_chat), ""),
        (api.scope_key(admin_chat), "id"),
    }


async def test_a_menu_telegram_refuses_leaves_the_bot_serving(
    api: TelegramStandIn, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("setMyCommands", status=500, description="Internal Server Error")

    bot = await start_bot()
    [answer] = await bot.say(ANA.id, "/settings", user=ANA)

    assert answer.text == say("en", "not_subscribed")
    assert "could not set the command menu" in caplog.text
