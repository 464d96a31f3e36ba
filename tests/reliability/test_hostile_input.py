"""Hostile input everywhere text enters the bot: commands and their arguments from any chat,
/whosaid queries, the curators' content, and content files broken during a hot reload.

Whatever comes in, every message that goes out is one the platform accepts as it is (see
`strategies.check_message`), no command ever ends in an exception or the internal-error reply,
and broken content never takes the last good content out of service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.commands import ADMIN_ONLY, COMMANDS, Reply, handle, inline, parse
from bot.core.commands.arguments import parse_language, parse_subscribe
from bot.core.commands.inline import InlineAnswers, statement_result
from bot.core.content.loading import load_catalog
from bot.core.content.names import normalize
from bot.core.content.problems import ContentError
from bot.core.delivery.pushes import announcement
from bot.core.follow import Target
from bot.core.library import Library, Reloaded, ReloadFailed
from bot.core.models import LANGS, Catalog, Lang
from bot.core.ports import ChatKind, ChatRef, Format
from bot.core.services import Services
from bot.core.store import Store
from bot.core.text.compose import DigestOptions, Window
from bot.core.text.fitting import (
    digest_message,
    follow_news_message,
    no_digest_message,
    whosaid_message,
)
from bot.core.text.layout import target_label
from bot.core.text.notices import problems_notice
from bot.core.text.render import fits
from bot.core.text.strings import say
from bot.core.text.whosaid import QuoteIndex
from tests.conftest import CONTENT, MINIMAL, WriteContent
from tests.core import conftest as core_fixtures
from tests.core.commands.conftest import ADMIN, Clock, make_services, request
from tests.reliability.strategies import (
    LONG,
    catalogs,
    check_message,
    check_messages,
    control_characters,
    fmts,
    hostile_text,
    langs,
)

# Moderate example counts keep the module within its time budget on a busy 2-core machine; the
# strategies put a hostile fragment in nearly every example, so few examples still cover a lot.
FEW = settings(max_examples=40, deadline=None)
# The commands share one store and one content folder across examples, on purpose: the store
# fills with what hostile requests left behind (subscriptions, drafts, audit entries), which is
# hostile input too for the next command. Each example uses its own chat, so one example's
# subscription language does not decide the next example's.
SHARED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Asked once per command and role (twenty variants): fewer examples each.
PER_COMMAND = settings(SHARED, max_examples=8)

# The commands' SQLite store, as tests/core has it (a copy of one migrated file per test).
migrated = core_fixtures.migrated
store = core_fixtures.store

START = dt.datetime(2025, 10, 7, 12, 0, tzinfo=dt.UTC)
_chat_ids = itertools.count(1_000)


def fresh_chat(platform: str = "telegram") -> ChatRef:
    return ChatRef(platform, str(next(_chat_ids)))


@pytest.fixture
async def services(store: Store) -> Services:
    return await make_services(store, CONTENT, Clock(START))


@pytest.fixture
def pushed() -> list[str]:
    """What the examples of one test pushed so far: /status shows them all."""
    return []


def error_words(lang: Lang, key: str) -> str:
    """The longest fixed part of a reply template: what any reply made from it shows."""
    return max(re.split(r"\{\w+\}", say(lang, key)), key=len)


INTERNAL_ERROR = {error_words(lang, "internal_error") for lang in LANGS}


def check_reply(reply: Reply, fmt: Format, asked: str) -> list[str]:
    """Every message valid for the platform, and none of them the internal-error reply."""
    assert isinstance(reply, Reply)
    shown = check_messages(reply.messages, fmt)
    for text in shown:
        assert not any(words in text for words in INTERNAL_ERROR), text
    return shown


# --- the command line of a chat message ---

SEPARATORS = (" ", "  ", "\t", "\n", "\xa0", "\u3000", "\u2028", "@RingkasBot ", "@Other\t")
command_names = st.one_of(
    st.sampled_from(sorted(COMMANDS)),
    st.sampled_from(sorted(COMMANDS)).map(str.upper),
    hostile_text(long=False),
)
command_lines = st.one_of(
    st.builds(
        lambda name, separator, args: f"/{name}{separator}{args}",
        command_names,
        st.sampled_from(SEPARATORS),
        hostile_text(),
    ),
    hostile_text(),  # not a command at all, or one by chance
)


@FEW
@given(command_lines)
def test_parse_takes_any_text_apart_without_failing(text: str) -> None:
    parsed = parse(text)
    if not text.strip().startswith("/"):
        assert parsed is None
        return
    assert parsed is not None
    name, args = parsed
    assert name == name.casefold() and not any(char.isspace() for char in name)
    assert "@" not in name
    assert args == args.strip()


# --- every command, with hostile arguments, on every platform ---


def expected_lang(text: str, asked: Lang, can_manage: bool) -> Lang:
    """/subscribe naming one language (before any mistake) answers in it, as the README says,
    and so does a /lang that sets one; anything else in the asker's language."""
    parsed = parse(text)
    if parsed and parsed[0] == "subscribe":
        named = parse_subscribe(parsed[1]).languages
        if named == "en" or named == "id":
            return named
    if parsed and parsed[0] == "lang" and can_manage and len(parsed[1].split()) == 1:
        chosen = parse_language(parsed[1])
        if chosen == "en" or chosen == "id":
            return chosen
    return asked


@SHARED
@given(
    text=command_lines,
    lang=langs(),
    fmt=fmts(),
    is_admin=st.booleans(),
    can_manage=st.booleans(),
    kind=st.sampled_from(list(ChatKind)),
)
async def test_any_message_gets_a_valid_localised_reply_never_an_internal_error(
    services: Services,
    text: str,
    lang: Lang,
    fmt: Format,
    is_admin: bool,
    can_manage: bool,
    kind: ChatKind,
) -> None:
    asked = request(
        text,
        chat=fresh_chat(),
        chat_kind=kind,
        lang=lang,
        fmt=fmt,
        is_admin=is_admin,
        user=ADMIN if is_admin else "7",
        can_manage=can_manage,
        chat_title=text[:100],
    )
    reply = await handle(asked, services)
    shown = check_reply(reply, fmt, text)
    assert reply.lang == expected_lang(text, lang, can_manage)
    parsed = parse(text)
    if parsed is None or parsed[0] not in COMMANDS or (parsed[0] in ADMIN_ONLY and not is_admin):
        key = (
            "not_a_command"
            if parsed is None
            else "not_bot_admin"
            if parsed[0] in ADMIN_ONLY
            else "unknown_command"
        )
        assert reply.error
        assert error_words(lang, key) in shown[0]
    # Otherwise an error is the command's own refusal or a bad argument: see the tests below.


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("is_admin", [True, False])
@PER_COMMAND
@given(args=hostile_text(), lang=langs(), fmt=fmts())
async def test_every_command_takes_any_argument(
    services: Services, name: str, is_admin: bool, args: str, lang: Lang, fmt: Format
) -> None:
    """The same property, command by command, so no command is left to chance; admin commands
    from a non-admin are refused in the asker's language."""
    asked = request(
        f"/{name} {args}",
        chat=fresh_chat(),
        lang=lang,
        fmt=fmt,
        is_admin=is_admin,
        user=ADMIN if is_admin else "7",
    )
    reply = await handle(asked, services)
    shown = check_reply(reply, fmt, args)
    if name in ADMIN_ONLY and not is_admin:
        assert reply.error and reply.lang == lang
        assert shown == [say(lang, "not_bot_admin")]


@SHARED
@given(text=hostile_text(), lang=langs(), fmt=fmts())
async def test_a_hostile_announcement_previewed_confirmed_and_shown_in_status_stays_valid(
    services: Services, pushed: list[str], text: str, lang: Lang, fmt: Format
) -> None:
    """The one way an admin's text reaches every subscriber and the audit log: /push, its
    Send button, and /status listing what was done (this example's and the earlier ones')."""
    pushed.append(text)

    async def admin(command: str) -> Reply:
        asked = request(command, lang=lang, fmt=fmt, is_admin=True, user=ADMIN)
        reply = await handle(asked, services)
        check_reply(reply, fmt, "".join(pushed))
        return reply

    preview = await admin(f"/push {text}")
    for choice in preview.choices:
        if "confirm" in choice.command:
            await admin(choice.command)
    await admin("/status")


# --- who said what ---

queries = st.one_of(
    hostile_text(),
    st.sampled_from(["Guterres", "guteres", "trump sandera", "hostages", "Sekjen PBB", "el sisi"]),
    st.builds(
        "{}{}{}".format,
        hostile_text(long=False),
        st.sampled_from(["Guterres", "trump", "sandera", "Benjamin"]),
        hostile_text(long=False),
    ),
)


@FEW
@given(query=queries, lang=langs(), fmt=fmts(), limit=st.integers(0, 20))
def test_whosaid_answers_any_query_with_a_valid_message(
    quote_index: QuoteIndex, query: str, lang: Lang, fmt: Format, limit: int
) -> None:
    answer = quote_index.who_said(query, limit)
    _, message = whosaid_message(quote_index, query, lang, fmt, max(limit, 1))
    check_message(message, fmt)
    assert type(answer).__name__ in {"SpeakerFound", "TopicFound", "Ambiguous", "NothingFound"}
    assert quote_index.suggest(query, 10) is not None


# --- inline mode and follows ---

offsets = st.one_of(st.just(""), st.integers(0, 60).map(str), hostile_text(long=False))


@FEW
@given(query=queries, lang=langs(), fmt=fmts(), offset=offsets)
def test_inline_mode_answers_any_query_and_offset_with_valid_results(
    inline_answers: InlineAnswers, query: str, lang: Lang, fmt: Format, offset: str
) -> None:
    answer = inline_answers.answer(query, lang, fmt, offset)
    assert len(answer.results) <= 50  # Telegram's limit
    assert len({r.id for r in answer.results}) == len(answer.results)
    for result in answer.results:
        check_message(result.message, fmt)
        check_plain_line(result.title, inline.TITLE_LIMIT)
        check_plain_line(result.description, inline.DESCRIPTION_LIMIT)
        assert 1 <= len(result.id.encode()) <= inline.ID_LIMIT
    assert answer.next_offset == "" or answer.next_offset.isdigit()


@pytest.fixture(scope="module")
def inline_answers() -> InlineAnswers:
    library = asyncio.run(Library.load(CONTENT, DigestOptions(), START))
    return InlineAnswers(library)


@SHARED
@given(args=queries, lang=langs(), fmt=fmts(), kind=st.sampled_from(list(ChatKind)))
async def test_hostile_follows_then_following_and_unfollow_stay_valid(
    services: Services, args: str, lang: Lang, fmt: Format, kind: ChatKind
) -> None:
    """Whatever is followed, the lists of what a chat follows and its buttons stay valid."""
    chat = fresh_chat()
    for text in (f"/follow {args}", "/following", "/unfollow", f"/unfollow {args}"):
        asked = request(text, chat=chat, chat_kind=kind, lang=lang, fmt=fmt)
        reply = await handle(asked, services)
        check_reply(reply, fmt, text)
        for choice in reply.choices:
            assert choice.label.strip() and choice.command.startswith("/")
            check_message(choice.label, Format.TEXT)


# --- hostile content, rendered in every format ---

ALL = [(lang, fmt) for lang in LANGS for fmt in Format]


def every_rendering(catalog: Catalog, query: str) -> list[tuple[Format, str]]:
    """Every message the bot makes from content, in every language and format: digests at the
    budgets the config allows, each summary's push, who-said answers about each person and each
    word, the no-news line and an announcement."""
    index = QuoteIndex(catalog)
    queries = [query, *(p.name.en for p in catalog.people.values()), *catalog.people]
    queries += [word for s in catalog.statements for word in s.text.en.split()[:2]]
    made: list[tuple[Format, str]] = []
    for lang, fmt in ALL:
        for budget in (300, 1200, 3000):
            options = DigestOptions(max_chars=budget)
            made.append((fmt, digest_message(catalog, lang, fmt, Window(), options) or ""))
        for summary in catalog.summaries:
            only = replace(catalog, summaries=(summary,))
            made.append((fmt, digest_message(only, lang, fmt) or ""))
        made += [(fmt, whosaid_message(index, q, lang, fmt)[1]) for q in queries]
        made.append((fmt, no_digest_message(lang, fmt, Window(since=dt.date(2025, 10, 6)))))
        made += _follow_and_inline_renderings(catalog, query, lang, fmt)
        text = announcement(query, lang, fmt)
        if fits(text, fmt):  # a longer one is refused at /push (AnnouncementTooLong), unsent
            made.append((fmt, text))
    return made


def _follow_and_inline_renderings(
    catalog: Catalog, query: str, lang: Lang, fmt: Format
) -> list[tuple[Format, str]]:
    """What follows and inline mode make of content: the message for new statements (all of
    them, for a follow of each person and of a topic the query names), and each statement as an
    inline result (its plain title and description checked here, its message returned)."""
    targets = [Target(person) for person in catalog.people]
    topic = " ".join(normalize(query).split()[:5])
    if topic:
        targets.append(
            Target(catalog.statements[0].speakers[0] if catalog.statements else "", topic)
        )
    labels = tuple(target_label(catalog, target, lang) for target in targets)
    made = [(fmt, follow_news_message(catalog, catalog.statements, labels, lang, fmt))]
    for statement in catalog.statements:
        result = statement_result(catalog, statement, lang, fmt)
        check_plain_line(result.title, inline.TITLE_LIMIT)
        check_plain_line(result.description, inline.DESCRIPTION_LIMIT)
        assert 1 <= len(result.id.encode()) <= inline.ID_LIMIT
        made.append((fmt, result.message))
    return made


def check_plain_line(text: str, limit: int) -> None:
    """An inline result's title or description: one line of plain text, within its limit."""
    assert text.strip() and len(text) <= limit, text
    assert "\n" not in text and not control_characters(text), text


@FEW
@given(catalog=catalogs(), query=hostile_text(long=False))
def test_hostile_content_renders_to_valid_messages_in_every_format(
    catalog: Catalog, query: str
) -> None:
    for fmt, message in every_rendering(catalog, query):
        check_message(message, fmt)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalog=catalogs(max_size=2 * LONG), query=hostile_text())
def test_long_hostile_content_renders_to_valid_markup_in_every_format(
    catalog: Catalog, query: str
) -> None:
    """Fields of 10,000 characters and more: valid markup, no mention, within the limit (the
    longest lines cut), no failure."""
    for fmt, message in every_rendering(catalog, query):
        check_message(message, fmt)


LONG_FIELD = "a" * 4_200  # past both platforms' limits, whatever the markup


@pytest.mark.parametrize(
    "written", ["Test story", "First development", "Wire", "We will talk.", "Ana Speaker",
                "Test minister"],
)  # fmt: skip
@pytest.mark.parametrize("fmt", [Format.TELEGRAM, Format.DISCORD])
def test_one_long_content_field_still_gives_messages_that_fit(
    write_content: WriteContent, written: str, fmt: Format
) -> None:
    catalog = load_catalog(write_content({"all.yaml": MINIMAL.replace(written, LONG_FIELD)}))
    for lang in LANGS:
        check_message(digest_message(catalog, lang, fmt) or "", fmt)
        check_message(whosaid_message(QuoteIndex(catalog), "ana-speaker", lang, fmt)[1], fmt)


@pytest.mark.parametrize(
    ("text", "is_admin"),
    [
        ("/\x1b", False),  # unknown command, echoed
        ("/subscribe \x1b[2J", False),  # a bad argument, echoed
        ("/whosaid \x00", False),  # nothing found, echoed
        ("/push cancel \x00", True),  # an unknown push id, echoed
        ("/push hello\x00world", True),  # an announcement's preview, then every subscriber
    ],
)
async def test_control_characters_a_user_types_are_not_passed_on(
    services: Services, text: str, is_admin: bool
) -> None:
    """In the console's text format, where an ESC sequence would reach the terminal as is."""
    asked = request(text, fmt=Format.TEXT, is_admin=is_admin, user=ADMIN if is_admin else "7")
    reply = await handle(asked, services)
    assert [control_characters(message) for message in reply.messages] == [
        [] for _ in reply.messages
    ]


def test_rendering_a_run_of_blank_lines_for_discord_takes_linear_time() -> None:
    """8,000 line breaks (an announcement, or a curator's text) once took about a second of CPU
    to escape (each line start scanned the rest of the run), and each /push renders its text
    several times; a few milliseconds do."""
    started = time.process_time()
    announcement("\n" * 8_000, "en", Format.DISCORD)
    assert time.process_time() - started < 0.1


# --- content broken during a hot reload ---


def _one_file_per_section(text: str) -> dict[str, str]:
    """The minimal content split into a file per top-level section, as curators keep it, so a
    corruption hits one part and the others refer to it (speakers, sources)."""
    sections = [part for part in re.split(r"^(?=\S)", text, flags=re.MULTILINE) if part]
    names = {"summaries": "summaries/first.yaml"}
    return {names.get(name := part.partition(":")[0], f"{name}.yaml"): part for part in sections}


GOOD = _one_file_per_section(MINIMAL)
assert sorted(GOOD) == ["people.yaml", "sources.yaml", "story.yaml", "summaries/first.yaml"]

Corruption = Callable[[bytes], bytes | None]  # the file's new bytes; None deletes it


def _first(pattern: bytes, new: bytes) -> Corruption:
    return lambda data: re.sub(pattern, new, data, count=1)


# Corruptions that always make the folder invalid, whichever file they hit.
CERTAIN: dict[str, Corruption] = {
    "invalid UTF-8": lambda data: data[:10] + b"\xff\xfe\xc3(" + data[10:],
    "empty file": lambda data: b"",
    "deleted file": lambda data: None,
    "a tab indenting a line": _first(rb"\n  ", b"\n\t"),
    # The section's items (or the story's fields) once more: every id (or key) twice.
    "a duplicate record": lambda data: data + b"\n" + data.partition(b"\n")[2],
    "a required field missing": _first(rb"\n *(title|name|language|date): [^\n]*", b""),
    "a wrong type": _first(rb"(title|name|language|date): [^\n]*", rb"\1: {wrong: [type]}"),
    "a control character": _first(rb": ", b": \x00"),
}


def certain(name: str, file: str) -> bool:
    """Whether the corruption must be refused. An emptied file always is (a save cut short);
    deleting the only summaries file leaves a valid folder with no summaries (nothing refers to
    them, and deleting is meant), which is served."""
    deleted = name == "deleted file" and file.startswith("summaries/")
    return name in CERTAIN and not deleted


def _truncated(at: float) -> tuple[str, Corruption]:
    return "truncated", lambda data: data[: int(len(data) * at)]


def _inserted(at: float, junk: bytes) -> tuple[str, Corruption]:
    def insert(data: bytes) -> bytes:
        cut = int(len(data) * at)
        return data[:cut] + junk + data[cut:]

    return "bytes inserted", insert


# A named corruption: a certain one, or damage at a drawn place (a cut at any byte, even inside
# a character; random bytes inserted) that may or may not leave the folder valid.
corruptions = st.one_of(
    st.sampled_from(sorted(CERTAIN.items())),
    st.builds(_truncated, st.floats(0, 1)),
    st.builds(_inserted, st.floats(0, 1), st.binary(min_size=1, max_size=12)),
)


PROBLEM_LINE = re.compile(r"^(?P<path>[^\n]+?)(?::(?P<line>\d+))?: (?P<message>[^\n]+)$")


def check_problems(errors: tuple[ContentError, ...], folder: Path) -> None:
    """Each problem a `path:line: message` line (`path: message` when it has no line) naming a
    file of the folder; never a traceback; and the admins' notice valid on every platform."""
    assert errors
    for error in errors:
        line = str(error)
        match = PROBLEM_LINE.match(line)
        assert match, line
        assert Path(match["path"]).is_relative_to(folder), line
        assert "Traceback" not in line and 'File "' not in line, line
    for lang, fmt in ALL:
        check_message(problems_notice(errors, lang, fmt), fmt)


def write_folder(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


NEW_SUMMARY = (
    GOOD["summaries/first.yaml"]
    .replace("id: first", "id: fixed")
    .replace("id: ana-said", "id: ana-said-again")
)


@settings(max_examples=30, deadline=None)
@given(file=st.sampled_from(sorted(GOOD)), corruption=corruptions)
def test_broken_content_keeps_the_last_good_catalog_until_it_is_fixed(
    file: str, corruption: tuple[str, Corruption]
) -> None:
    name, corrupt = corruption
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_folder(folder, GOOD)
        asyncio.run(_break_and_fix(folder, file, name, corrupt))


async def _break_and_fix(folder: Path, file: str, name: str, corrupt: Corruption) -> None:
    library = await Library.load(folder, DigestOptions(), START)
    good = library.catalog
    good_digest = library.digest("en", Format.TELEGRAM)

    path = folder / file
    damaged = corrupt(path.read_bytes())
    if damaged is None:
        path.unlink()
    else:
        path.write_bytes(damaged)
    result = await library.reload(START)

    if isinstance(result, ReloadFailed):
        assert library.catalog is good
        assert library.digest("en", Format.TELEGRAM) == good_digest
        assert library.problems == result.errors
        check_problems(result.errors, folder)
    else:  # damage that happened to leave valid content: it is served, as any valid change
        assert not certain(name, file), f"{name} in {file} was accepted"
        assert isinstance(result, Reloaded) and library.problems == ()

    write_folder(folder, {file: GOOD[file], "summaries/fixed.yaml": NEW_SUMMARY})
    fixed = await library.reload(START)
    assert isinstance(fixed, Reloaded), fixed
    assert library.problems == ()
    assert {s.id for s in library.catalog.summaries} == {"first", "fixed"}
