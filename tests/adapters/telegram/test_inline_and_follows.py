"""Telegram end to end, what issue 16 added: inline mode ("@RingkasBot trump" in any chat), a
follow that fires once when a curator adds a statement while the bot runs (and not for an
unrelated one), /lang then /help in Indonesian, and a deep link."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.core.commands import inline
from bot.core.ports import Format
from tests.adapters.telegram.conftest import ANA, BUDI, GROUP, Running, StartBot
from tests.core.test_library import add_statement, copy_content
from tests.core.text.test_render import telegram_text
from tests.standins.telegram import InlineAnswer, TelegramStandIn, User


async def ask_inline(
    api: TelegramStandIn, user: User, query: str, offset: str = ""
) -> InlineAnswer:
    fed = api.feed_inline_query(user, query, offset, chat_type="supergroup")
    [answer] = await api.wait_for(lambda: api.inline_answers_to(fed))
    return answer


def shown(answer: InlineAnswer) -> list[tuple[str, str]]:
    """Each result's title, and the text its message shows (valid Telegram HTML, or this
    fails)."""
    return [
        (r["title"], telegram_text(r["input_message_content"]["message_text"]))
        for r in answer.results
    ]


@pytest.mark.parametrize(
    ("user", "query", "speaker", "words"),
    [
        (ANA, "trump", "Donald Trump: ", "Source: "),
        (BUDI, "trump", "Donald Trump: ", "Sumber: "),
        (ANA, "guteres", "António Guterres: ", "Source: "),  # a typo
        (BUDI, "Sekjen PBB", "António Guterres: ", "Sumber: "),
    ],
)
async def test_inline_results_for_a_name_in_the_users_language(
    api: TelegramStandIn, start_bot: StartBot, user: User, query: str, speaker: str, words: str
) -> None:
    await start_bot()
    answer = await ask_inline(api, user, query)
    assert answer.results and answer.is_personal and answer.cache_time == inline.CACHE_SECONDS
    for title, text in shown(answer):
        assert title.startswith(speaker)
        assert words in text
    for result in answer.results:
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert content["link_preview_options"] == {"is_disabled": True}


@pytest.mark.parametrize(("user", "query"), [(ANA, "hostages"), (BUDI, "sandera")])
async def test_inline_results_for_a_topic(
    api: TelegramStandIn, start_bot: StartBot, user: User, query: str
) -> None:
    bot = await start_bot()
    answer = await ask_inline(api, user, query)
    statements = bot.runtime.services.library.catalog.statements_by_id
    lang = "en" if user is ANA else "id"
    assert answer.results
    for result in answer.results:
        assert query[:6] in statements[result["id"]].text.get(lang).casefold()


@pytest.mark.parametrize(("user", "title"), [(ANA, "The digest, now"), (BUDI, "Ringkasan terkini")])
async def test_an_empty_inline_query_offers_the_digest_and_the_newest_statements_by_page(
    api: TelegramStandIn,
    start_bot: StartBot,
    monkeypatch: pytest.MonkeyPatch,
    user: User,
    title: str,
) -> None:
    monkeypatch.setattr(inline, "PAGE", 5)
    bot = await start_bot()
    first = await ask_inline(api, user, "")
    assert shown(first)[0][0] == title
    lang = "en" if user is ANA else "id"
    assert first.results[0]["input_message_content"]["message_text"] == (
        bot.runtime.services.library.digest(lang, Format.TELEGRAM)
    )
    assert "<blockquote expandable>" in first.results[0]["input_message_content"]["message_text"]
    newest = [s.id for s in bot.runtime.services.library.catalog.statements]
    assert [r["id"] for r in first.results[1:]] == newest[:5]
    assert first.next_offset == "5"
    second = await ask_inline(api, user, "", first.next_offset)
    assert [r["id"] for r in second.results] == newest[5:10]


async def test_an_inline_query_that_finds_nothing_gets_no_results(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    await start_bot()
    answer = await ask_inline(api, ANA, "qxzqxz zzqx")
    assert (answer.results, answer.next_offset) == ([], "")


# --- follows, while the bot runs ---


async def test_a_follow_fires_once_for_a_statement_added_while_running(
    api: TelegramStandIn, start_bot: StartBot, tmp_path: Path
) -> None:
    content = copy_content(tmp_path)
    bot = await start_bot(content=str(content), schedule={"watch_seconds": 1})
    [followed] = await bot.say(ANA.id, "/follow Guterres", user=ANA)
    assert "Following António Guterres" in followed.text
    [topic] = await bot.say(BUDI.id, "/follow sandera", user=BUDI)
    assert "Mengikuti “sandera”" in topic.text

    add_statement(
        content, "fixture-lapid-budget", "yair-lapid",
        "The budget vote is next week.", "Pemungutan suara anggaran pekan depan.",
    )  # fmt: skip
    await _reloaded(bot, "fixture-lapid-budget")
    add_statement(
        content, "fixture-guterres-hostages", "antonio-guterres",
        "The hostages must be freed now.", "Para sandera harus dibebaskan sekarang.",
    )  # fmt: skip
    ana = await api.wait_for(lambda: api.sent_to(ANA.id)[1:], timeout=10)
    budi = await api.wait_for(lambda: api.sent_to(BUDI.id)[1:], timeout=10)
    await asyncio.sleep(2.5)  # two more watch passes and scheduler ticks: nothing more comes

    assert [m.text for m in api.sent_to(ANA.id)[1:]] == [ana[0].text]
    assert [m.text for m in api.sent_to(BUDI.id)[1:]] == [budi[0].text]
    english = telegram_text(ana[0].text)
    assert english.startswith("New statements: António Guterres\n\n")
    assert "The hostages must be freed now." in english and "budget" not in english
    indonesian = telegram_text(budi[0].text)
    assert indonesian.startswith("Pernyataan baru: “sandera”\n\n")
    assert "Para sandera harus dibebaskan sekarang." in indonesian
    assert ana[0].link_preview_options == {"is_disabled": True}


async def _reloaded(bot: Running, statement_id: str) -> None:
    library = bot.runtime.services.library

    async def has_it() -> bool:
        return statement_id in library.catalog.statements_by_id

    deadline = asyncio.get_running_loop().time() + 10
    while not await has_it():
        assert asyncio.get_running_loop().time() < deadline, "the content was not reloaded"
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # the pass that matched it, and a tick after


async def test_a_groups_follows_are_its_administrators_to_change(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    [refused] = await bot.say(GROUP, "/follow Guterres", user=BUDI)
    assert "admin" in refused.text
    [done] = await bot.say(GROUP, "/follow Guterres", user=ANA)
    assert "Following António Guterres" in done.text
    [listed] = await bot.say(GROUP, "/following", user=BUDI)
    assert "António Guterres" in listed.text


# --- language and deep links ---


async def test_lang_then_help_is_answered_in_indonesian(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    [set_] = await bot.say(ANA.id, "/lang id", user=ANA)  # Ana's app is in English
    assert set_.text == "Balasan di obrolan ini kini dalam bahasa Indonesia."
    [help_] = await bot.say(ANA.id, "/help", user=ANA)
    assert "<b>Perintah</b>" in help_.text
    assert "/follow &lt;nama atau topik&gt;" in help_.text


async def test_a_whosaid_deep_link_answers_at_once(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    bot = await start_bot()
    [linked] = await bot.say(ANA.id, "/start whosaid-antonio-guterres", user=ANA)
    [asked] = await bot.say(ANA.id, "/whosaid antonio-guterres", user=ANA)
    assert linked.text == asked.text
    assert "António Guterres" in linked.text


async def test_the_menu_lists_the_new_commands(api: TelegramStandIn, start_bot: StartBot) -> None:
    await start_bot()
    names: list[Any] = [c["command"] for c in api.commands_for(language_code="id") or []]
    assert {"follow", "unfollow", "following", "lang"} <= set(names)


async def test_hostile_inline_queries_get_answers_telegram_accepts(
    api: TelegramStandIn, start_bot: StartBot
) -> None:
    await start_bot()
    for query in ("<b>&amp;", "trump <script>&", "@everyone \x00\x1b sandera", "x" * 300, "ß😀"):
        answer = await ask_inline(api, ANA, query)  # the stand-in refuses what Telegram would
        for result in answer.results:
            assert result["title"] and "\n" not in result["title"]
    for offset in ("-1", "abc", "99999"):
        answer = await ask_inline(api, BUDI, "", offset)
        assert answer.next_offset in ("", "20")
