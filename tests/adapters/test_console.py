"""The console adapter: a chat in the terminal, as the local admin (or, by config, as an ordinary
reader), on the same core."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

from bot.adapters.console import LOCAL_CHAT, PLATFORM, ConsoleAdapter, ConsoleSender
from bot.app import open_runtime, serve
from bot.config import Settings
from bot.core.commands import Choice, Picture, Reply, Request
from bot.core.ports import ChatKind, ChatRef, Delivered, Format, MessageKind, Outbound, SystemClock
from bot.core.text.strings import say
from tests.conftest import CONTENT


async def test_the_sender_prints_each_message_with_its_tag_and_numbers_them() -> None:
    output = io.StringIO()
    sender = ConsoleSender(output)

    outcomes = [
        await sender.send(LOCAL_CHAT, Outbound("The digest", MessageKind.DIGEST)),
        await sender.send(LOCAL_CHAT, Outbound("Hello all", MessageKind.ANNOUNCEMENT)),
        await sender.send(
            ChatRef("console", "other", "7"), Outbound("2 problems", MessageKind.NOTICE)
        ),
    ]

    assert outcomes == [Delivered("1"), Delivered("2"), Delivered("3")]
    assert output.getvalue() == (
        "[digest → console:local]\nThe digest\n\n"
        "[announcement → console:local]\nHello all\n\n"
        "[notice → console:other/7]\n2 problems\n\n"
    )
    assert (sender.platform, sender.format) == (PLATFORM, Format.TEXT) == ("console", Format.TEXT)


async def test_each_sender_counts_from_one() -> None:
    first, second = ConsoleSender(io.StringIO()), ConsoleSender(io.StringIO())
    message = Outbound("x", MessageKind.DIGEST)

    await first.send(LOCAL_CHAT, message)

    assert await first.send(LOCAL_CHAT, message) == Delivered("2")
    assert await second.send(LOCAL_CHAT, message) == Delivered("1")


def test_a_line_becomes_an_admins_request_in_the_local_chat() -> None:
    adapter = ConsoleAdapter(io.StringIO(), io.StringIO(), "id", asyncio.Event())

    request = adapter.request("/whosaid Guterres\n", is_admin=True)

    assert request == Request(
        chat=ChatRef("console", "local"),
        chat_kind=ChatKind.PRIVATE,
        user="local",
        text="/whosaid Guterres",
        lang="id",
        fmt=Format.TEXT,
        can_manage=True,
        is_admin=True,
        chat_title="console",
    )
    assert adapter.sender.platform == "console"


def test_a_reply_prints_its_messages_then_its_choices_then_a_blank_line() -> None:
    output = io.StringIO()
    adapter = ConsoleAdapter(io.StringIO(), output, "en", asyncio.Event())

    adapter.show(
        Reply(
            ("Preview", "Send it?"),
            (Choice("Send", "/push confirm abc"), Choice("Cancel", "/push cancel abc")),
        )
    )

    assert output.getvalue() == (
        "Preview\nSend it?\n  [Send] /push confirm abc\n  [Cancel] /push cancel abc\n\n"
    )


def test_a_picture_is_written_to_a_file_of_its_own_and_its_path_printed(tmp_path: Path) -> None:
    output = io.StringIO()
    adapter = ConsoleAdapter(io.StringIO(), output, "en", asyncio.Event(), pictures=tmp_path)
    reply = Reply(("The caption",), picture=Picture(b"\x89PNG picture", "timeline-en.png"))

    adapter.show(reply)
    adapter.show(reply)

    first, second = tmp_path / "1-timeline-en.png", tmp_path / "2-timeline-en.png"
    assert output.getvalue() == (
        f"The caption\n[picture: {first}]\n\nThe caption\n[picture: {second}]\n\n"
    )
    assert first.read_bytes() == second.read_bytes() == b"\x89PNG picture"


async def test_a_conversation_answers_each_line_and_at_its_end_plans_what_is_due(
    tmp_path: Path,
) -> None:
    output = io.StringIO()
    done = asyncio.Event()
    adapter = ConsoleAdapter(
        io.StringIO("/subscribe instant\n\n   \n/settings\n"), output, "en", done
    )
    settings = Settings(content=CONTENT, database=str(tmp_path / "ringkas.sqlite3"))

    async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
        await adapter.start(runtime.services)
        await asyncio.wait_for(done.wait(), 10)  # set at the end of the input
        report = await runtime.dispatcher.drain()
        await adapter.stop()

    printed = output.getvalue()
    subscribed = [say("en", "subscribed"), "", "Language: English", say("en", "plan_instant")]
    assert printed.startswith("\n".join(subscribed))
    assert printed.count(say("en", "settings_title")) == 1  # blank lines are not messages
    assert say("en", "not_a_command") not in printed
    assert report.delivered == 1
    assert printed.count("[digest → console:local]") == 1


async def test_the_terminal_is_an_ordinary_reader_when_the_config_leaves_local_out(
    tmp_path: Path,
) -> None:
    settings = Settings.model_validate(
        {"content": str(CONTENT), "database": str(tmp_path / "db"), "admins": {"console": []}}
    )
    output = io.StringIO()
    done = asyncio.Event()
    adapter = ConsoleAdapter(io.StringIO("/status\n/reload\n/push first\n"), output, "en", done)
    async with open_runtime(settings, SystemClock(), [adapter.sender]) as runtime:
        await serve(runtime, [adapter], done, finish_deliveries=True)
        audit = await runtime.services.store.audit.recent(10)

    assert output.getvalue().count(say("en", "not_bot_admin")) == 3
    assert say("en", "status_title") not in output.getvalue()
    assert audit == []  # no push proposed, no reload


async def test_the_console_is_connected_while_it_reads_the_terminal(tmp_path: Path) -> None:
    done = asyncio.Event()
    read_end, write_end = os.pipe()  # a terminal no one types into, until it is closed
    settings = Settings(content=CONTENT, database=str(tmp_path / "ringkas.sqlite3"))
    with os.fdopen(read_end) as typed:
        terminal = ConsoleAdapter(typed, io.StringIO(), "en", done)
        before = terminal.connection()
        async with open_runtime(settings, SystemClock(), [terminal.sender]) as runtime:
            await terminal.start(runtime.services)
            reading = terminal.connection()
            os.close(write_end)  # end of input: the session ends
            await asyncio.wait_for(done.wait(), 10)
            await asyncio.sleep(0)  # its task, done, returns
            ended = terminal.connection()
            await terminal.stop()

    assert (before.up, before.detail) == (False, "not started")
    assert (reading.up, reading.detail) == (True, "reading the terminal")
    assert (ended.up, ended.detail) == (False, "the terminal's input has ended")
