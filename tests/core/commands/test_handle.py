"""The dispatcher: finding the command, admin checks, failures, and every reply's size."""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from bot.core.commands import ADMIN_ONLY, COMMANDS, MANAGING, Reply, menu, parse
from bot.core.commands.base import fit_messages
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.services import Services
from bot.core.text.document import Document, Span, Style
from bot.core.text.render import fits
from bot.core.text.strings import say
from tests.conftest import CONTENT
from tests.core.commands.conftest import (
    ADMINS,
    CHAT,
    DEFAULTS,
    START,
    Clock,
    ask,
    ask_admin,
    joined,
    subscribe,
)
from tests.fakes import services_over

# --- parse ---


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/help", ("help", "")),
        ("  /help  ", ("help", "")),
        ("/whosaid Guterres", ("whosaid", "Guterres")),
        ("/whosaid@RingkasBot Guterres", ("whosaid", "Guterres")),
        ("/digest@SomeBot", ("digest", "")),
        ("/DIGEST", ("digest", "")),
        ("/WhoSaid@SomeBot Sekjen PBB", ("whosaid", "Sekjen PBB")),
        ("/push\nline one\nline two", ("push", "line one\nline two")),
        ("/push line one\nline two", ("push", "line one\nline two")),
        ("/", ("", "")),
    ],
)
def test_parse(text: str, parsed: tuple[str, str]) -> None:
    assert parse(text) == parsed


@pytest.mark.parametrize("text", ["hello", "", "   ", "Guterres /whosaid", "\\help"])
def test_text_that_is_no_command(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize("space", ["\t", "\u00a0"])
def test_any_whitespace_ends_the_command_name(space: str) -> None:
    assert parse(f"/whosaid{space}Guterres") == ("whosaid", "Guterres")


# --- handle ---


async def test_a_bot_mention_is_no_part_of_the_command(services: Services) -> None:
    plain = await ask(services, "/digest")
    mentioned = await ask(services, "/digest@SomeBot")

    assert mentioned == plain
    assert mentioned.messages[0].startswith("<b>")


async def test_command_names_ignore_case(services: Services) -> None:
    plain = await ask(services, "/whosaid Guterres")

    assert await ask(services, "/WHOSAID Guterres") == plain
    assert await ask(services, "/WhoSaid@RingkasBot Guterres") == plain


async def test_subscribe_in_capitals_subscribes(services: Services) -> None:
    reply = await ask(services, "/SUBSCRIBE@RingkasBot ID 07.00 wib")

    assert "<b>Berlangganan.</b>" in joined(reply)
    stored = await services.store.subscriptions.get(CHAT)
    assert stored is not None and stored.plan.languages == "id"


async def test_an_unknown_command_is_echoed_escaped_and_localised(services: Services) -> None:
    en = await ask(services, "/frobnicate now")
    id_ = await ask(services, "/Frobnicate", lang="id")
    markup = await ask(services, "/<b>bold</b>&co")

    assert joined(en) == "Unknown command “/frobnicate”. /help lists the commands."
    assert joined(id_) == "Perintah “/frobnicate” tidak dikenal. /help menampilkan daftar perintah."
    assert joined(markup) == (
        "Unknown command “/&lt;b&gt;bold&lt;/b&gt;&amp;co”. /help lists the commands."
    )


async def test_an_unknown_command_on_discord_mentions_no_one(services: Services) -> None:
    reply = await ask(services, "/@everyone", fmt=Format.DISCORD)

    assert "@everyone" not in joined(reply)
    assert "Unknown command" in joined(reply)


async def test_a_very_long_unknown_command_is_echoed_short(services: Services) -> None:
    reply = await ask(services, "/" + "x" * 5000)

    assert len(reply.messages) == 1
    assert "x" * 80 not in reply.messages[0]
    assert "…" in reply.messages[0]


async def test_text_that_is_no_command_gets_the_hint(services: Services) -> None:
    en = await ask(services, "hello bot")
    id_ = await ask(services, "halo", lang="id")

    assert joined(en) == "Commands start with “/”: try /help, or /whosaid Guterres."
    assert joined(id_) == "Perintah diawali “/”: coba /help, atau /whosaid Guterres."


async def test_admin_commands_are_checked_before_they_run(services: Services) -> None:
    reply = await ask(services, "/reload", can_manage=True, user="42")

    assert joined(reply) == "This command is for the bot's admins."


async def test_a_failure_inside_a_command_becomes_a_localised_reply(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    async with services.store.engine.begin() as connection:
        await connection.execute(sql("DROP TABLE subscriptions"))

    with caplog.at_level(logging.ERROR, logger="bot.core.commands"):
        en = await ask(services, "/settings")
        id_ = await ask(services, "/subscribe", lang="id")

    assert joined(en) == (
        "Something went wrong on our side; nothing was changed. Please try again shortly."
    )
    assert joined(id_) == (
        "Terjadi gangguan di pihak kami; tidak ada yang diubah. Silakan coba lagi sebentar lagi."
    )
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "/settings failed in telegram:100",
        "/subscribe failed in telegram:100",
    ]
    assert all(r.exc_info for r in failures)


# --- every reply fits its platform ---


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the test if the block runs longer (a hang fails, not blocks)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("fmt", [Format.TELEGRAM, Format.DISCORD])
def test_fit_messages_cuts_a_single_span_line_that_is_too_long(fmt: Format) -> None:
    document: Document = (((Span("&*<" * 3000, Style.BOLD),),), ((Span("after"),),))

    with deadline(2):
        messages = fit_messages(document, fmt)

    assert all(fits(message, fmt) for message in messages)
    assert messages[-1].endswith("after")


def test_fit_messages_cuts_a_line_whose_first_span_is_too_long() -> None:
    line = (Span("x" * 5000, Style.BOLD), Span(" — tail"))

    with deadline(0.3):
        messages = fit_messages(((line,),), Format.TELEGRAM)

    assert all(fits(message, Format.TELEGRAM) for message in messages)


ASKED = [
    "/start",
    "/help",
    "/subscribe",
    "/subscribe id 07:00 19.00 WIB",
    "/subscribe both instant",
    "/subscribe " + ("junk&<>* " * 600)[:5000],
    "/subscribe " + " ".join(f"{h:02}:00" for h in range(24)),
    "/settings",
    "/digest",
    "/whosaid Trump",
    "/whosaid Netanyahu",
    "/whosaid Minister",
    "/whosaid hostages",
    "/whosaid sandera",
    "/whosaid " + "<b>&*_`@everyone " * 400,
    "/follow Trump",
    "/follow minister",
    "/follow hostages",
    "/follow qxzqxz",
    "/follow " + "<b>&*_`@everyone " * 400,
    "/following",
    "/unfollow",
    "/unfollow " + "<b>&*_`@everyone " * 400,
    "/lang",
    "/lang id",
    "/lang " + "<b>&*_`@everyone " * 400,
    "/start whosaid-donald-trump",
    "/timeline",
    "/timeline Minister",
    "/timeline hostages",
    "/timeline " + "<b>&*_`@everyone " * 400,
    "/push",
    "/push 2025-10-07-reactions-to-talks",
    "/push " + "An announcement with <markup> & *stars* " * 40,
    "/push " + "short & <sweet>",
    "/push confirm nothing-here",
    "/status",
    "/reload",
    "/unsubscribe",
    "/" + "y" * 5000,
    "x" * 5000,
]


def test_the_size_check_asks_every_command() -> None:
    asked = {parsed[0] for parsed in map(parse, ASKED) if parsed is not None}
    assert asked >= set(COMMANDS)


@pytest.mark.parametrize(("fmt", "limit"), [(Format.TELEGRAM, 4096), (Format.DISCORD, 2000)])
@pytest.mark.parametrize("lang", ["en", "id"])
async def test_every_reply_fits_one_platform_message(
    services: Services, fmt: Format, limit: int, lang: str
) -> None:
    for n in range(12):
        sub = await subscribe(services, ChatRef("telegram", f"5{n}"), "both")
        await services.store.subscriptions.pause(
            sub.id, "Forbidden: bot was blocked by the user <&> " * 20, services.clock.now()
        )
    await subscribe(services, CHAT, "both")
    for asked in ASKED:
        reply = await ask_admin(services, asked, fmt=fmt, lang=lang)
        assert reply.messages, asked
        for message in reply.messages:
            assert message, asked
            assert fits(message, fmt), (asked, len(message))
            assert len(message.encode("utf-16-le")) // 2 <= limit
        for choice in reply.choices:
            assert choice.label and choice.command.startswith("/")
        if reply.picture is not None:  # its first message is the caption: Telegram's 1,024
            assert len(reply.messages[0].encode("utf-16-le")) // 2 <= 1024, asked


# --- the command menus ---


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_menu_lists_every_public_command_once_in_order(lang: Lang) -> None:
    names = [name for name, _ in menu(lang)]

    assert names == [name for name in COMMANDS if name not in ADMIN_ONLY]
    assert len(set(names)) == len(names)
    assert not set(names) & ADMIN_ONLY


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_admin_menu_lists_only_the_admin_commands_in_order(lang: Lang) -> None:
    names = [name for name, _ in menu(lang, admin=True)]

    assert names == [name for name in COMMANDS if name in ADMIN_ONLY]
    assert set(names) == ADMIN_ONLY
    # Together the two menus are every command, each once.
    assert [name for name, _ in menu(lang) + menu(lang, admin=True)] == [
        *(n for n in COMMANDS if n not in ADMIN_ONLY),
        *(n for n in COMMANDS if n in ADMIN_ONLY),
    ]
    assert sorted(name for name, _ in menu(lang) + menu(lang, admin=True)) == sorted(COMMANDS)


@pytest.mark.parametrize("admin", [False, True])
def test_menu_descriptions_are_in_the_language_and_fit_both_platforms(admin: bool) -> None:
    english, indonesian = dict(menu("en", admin)), dict(menu("id", admin))

    assert english.keys() == indonesian.keys()
    for name in english:
        assert english[name] == say("en", f"help_{name}")
        assert indonesian[name] == say("id", f"help_{name}")
        assert english[name] != indonesian[name], name
        for description in (english[name], indonesian[name]):
            assert 3 <= len(description) <= 256, (name, description)  # Telegram
            assert 1 <= len(description) <= 100, (name, description)  # Discord
            assert description == description.strip()


# --- MANAGING: the commands that read can_manage ---


MANAGING_PROBES = {
    "whosaid": "Guterres",
    "push": "2025-10-07-reactions-to-talks",
    "subscribe": "id 07:00 WIB",
    "follow": "Guterres",
    "unfollow": "Guterres",
    "lang": "id",
}


async def fresh_reply(
    tmp_path: Path, migrated: Path, text: str, can_manage: bool, tag: str
) -> Reply:
    """The reply of a bot admin in a group to `text`, on a store of its own, new and empty."""
    database = tmp_path / f"{tag}.sqlite3"
    shutil.copyfile(migrated, database)
    async with services_over(
        CONTENT, database, Clock(START), defaults=DEFAULTS, admins=ADMINS
    ) as fresh:
        return await ask_admin(fresh, text, chat_kind=ChatKind.GROUP, can_manage=can_manage)


@pytest.mark.parametrize("name", list(COMMANDS))
async def test_only_the_managing_commands_answer_by_can_manage(
    tmp_path: Path, migrated: Path, name: str
) -> None:
    for text in {f"/{name}", f"/{name} {MANAGING_PROBES.get(name, '')}".strip()}:
        refused = await fresh_reply(tmp_path, migrated, text, False, f"{name}-no")
        allowed = await fresh_reply(tmp_path, migrated, text, True, f"{name}-yes")
        for path in tmp_path.glob(f"{name}-*.sqlite3*"):
            path.unlink()

        assert (refused != allowed) == (name in MANAGING), text
        if name in MANAGING:
            assert "admin" in joined(refused)


def test_managing_names_commands_that_exist() -> None:
    assert set(COMMANDS) >= MANAGING
    assert not MANAGING & ADMIN_ONLY


# --- Reply.lang and Reply.error ---


@pytest.mark.parametrize("lang", ["en", "id"])
async def test_without_a_subscription_the_reply_is_in_the_requests_language(
    services: Services, lang: Lang
) -> None:
    for text in ("/help", "/settings", "/digest", "/frobnicate", "hello"):
        assert (await ask(services, text, lang=lang)).lang == lang, text


@pytest.mark.parametrize(("chosen", "asked"), [("id", "en"), ("en", "id")])
async def test_a_chat_that_chose_a_language_gets_replies_marked_in_it(
    services: Services, chosen: Lang, asked: Lang
) -> None:
    await subscribe(services, CHAT, chosen)

    for text in ("/help", "/settings", "/digest", "/whosaid Guterres", "/frobnicate", "hello"):
        reply = await ask(services, text, lang=asked)
        assert reply.lang == chosen, text
    admin = await ask_admin(services, "/status", lang=asked)
    assert admin.lang == chosen
    assert joined(admin).startswith(f"<b>{say(chosen, 'status_title')}</b>")


@pytest.mark.parametrize("lang", ["en", "id"])
async def test_a_chat_reading_both_languages_gets_the_requests_language(
    services: Services, lang: Lang
) -> None:
    await subscribe(services, CHAT, "both")

    assert (await ask(services, "/settings", lang=lang)).lang == lang
    assert (await ask(services, "/frobnicate", lang=lang)).lang == lang


async def test_subscribing_in_a_language_marks_the_reply_in_it(services: Services) -> None:
    reply = await ask(services, "/subscribe id", lang="en")

    assert "<b>Berlangganan.</b>" in joined(reply)  # the text is Indonesian…
    assert reply.lang == "id"  # …and so should its language be


@pytest.mark.parametrize("lang", ["en", "id"])
async def test_requests_that_cannot_be_served_are_errors(services: Services, lang: Lang) -> None:
    unknown = await ask(services, "/frobnicate", lang=lang)
    no_command = await ask(services, "hello", lang=lang)
    not_admin = await ask(services, "/status", lang=lang)

    for reply, key in [
        (unknown, "unknown_command"),
        (no_command, "not_a_command"),
        (not_admin, "not_bot_admin"),
    ]:
        assert reply.error is True, key
        assert reply.lang == lang
        assert reply.choices == () and reply.push_id is None
    assert joined(no_command) == say(lang, "not_a_command")
    assert joined(not_admin) == say(lang, "not_bot_admin")
    assert joined(unknown) == say(lang, "unknown_command", command="/frobnicate")


def break_down(monkeypatch: pytest.MonkeyPatch, target: object, method: str) -> None:
    """`target.method` raises, as a store whose database went away does."""

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(target, method, broken)


def assert_internal_error(reply: Reply, lang: Lang) -> None:
    assert reply.error is True
    assert reply.lang == lang
    assert joined(reply) == say(lang, "internal_error")


async def test_a_failing_store_gives_an_error_reply(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    break_down(monkeypatch, services.store.subscriptions, "get")

    with caplog.at_level(logging.CRITICAL, logger="bot.core.commands"):
        reply = await ask(services, "/digest", lang="id")

    assert_internal_error(reply, "id")


async def test_a_failure_inside_a_command_is_an_error_in_the_chats_language(
    services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(services, CHAT, "id")
    break_down(monkeypatch, services.store.outbox, "counts")

    with caplog.at_level(logging.CRITICAL, logger="bot.core.commands"):
        reply = await ask_admin(services, "/status", lang="en")

    assert_internal_error(reply, "id")


async def test_ordinary_replies_are_no_errors(services: Services) -> None:
    for text in ("/start", "/help", "/digest", "/whosaid Guterres", "/whosaid minister"):
        assert (await ask(services, text)).error is False, text
    for text in ("/subscribe", "/settings", "/unsubscribe", "/settings"):
        assert (await ask(services, text)).error is False, text
    for text in ("/status", "/push", "/reload"):
        assert (await ask_admin(services, text)).error is False, text
