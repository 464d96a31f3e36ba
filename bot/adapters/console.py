"""A chat in the terminal on the same core as Telegram and Discord: each input line is a message
from the local user, a bot admin unless the config's `admins.console` leaves "local" out; replies
and the digests delivered here print to the output, and a reply's picture is written to a file
whose path is printed."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.core.commands import Picture, Reply, Request, handle
from bot.core.models import Lang
from bot.core.ports import ChatKind, ChatRef, Connection, Delivered, Format, Outbound, Outcome
from bot.core.roles import Role
from bot.core.services import Services

PLATFORM = "console"
LOCAL_USER = "local"
LOCAL_CHAT = ChatRef(PLATFORM, LOCAL_USER)


class ConsoleSender:
    """Prints deliveries for console chats; always succeeds."""

    platform = PLATFORM
    format = Format.TEXT

    def __init__(self, output: TextIO) -> None:
        self._output = output
        self._ids = itertools.count(1)

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        print(f"[{message.kind} → {chat}]\n{message.text}\n", file=self._output, flush=True)
        return Delivered(str(next(self._ids)))


class ConsoleAdapter:
    def __init__(
        self,
        input: TextIO,
        output: TextIO,
        lang: Lang,
        done: asyncio.Event,
        pictures: Path | None = None,
    ) -> None:
        """Pictures are written to `pictures` (by default a new temporary folder)."""
        self._input = input
        self._output = output
        self._lang = lang
        self._done = done
        self._pictures = pictures
        self._picture_numbers = itertools.count(1)
        self.sender = ConsoleSender(output)
        self._task: asyncio.Task[None] | None = None

    async def start(self, services: Services) -> None:
        self._task = asyncio.create_task(self._converse(services))

    def roles(self) -> Sequence[Role]:
        return ()

    def connection(self) -> Connection:
        if self._task is None:
            return Connection(False, "not started")
        if self._task.done():
            return Connection(False, "the terminal's input has ended")
        return Connection(True, "reading the terminal")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _converse(self, services: Services) -> None:
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            # A daemon thread: a terminal read cannot be interrupted, and must not hold up exit.
            for line in self._input:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        try:
            while (line := await lines.get()) is not None:
                if line.strip():
                    request = self.request(line, services.is_admin(PLATFORM, LOCAL_USER))
                    self.show(await handle(request, services))
            # End of input: deliver what is due for this chat now, then end the session.
            await services.plan()
        finally:
            self._done.set()

    def request(self, line: str, is_admin: bool) -> Request:
        return Request(
            chat=LOCAL_CHAT,
            chat_kind=ChatKind.PRIVATE,
            user=LOCAL_USER,
            text=line.rstrip("\n"),
            lang=self._lang,
            fmt=Format.TEXT,
            can_manage=True,
            is_admin=is_admin,
            chat_title="console",
        )

    def show(self, reply: Reply) -> None:
        for index, message in enumerate(reply.messages):
            print(message, file=self._output)
            if index == 0 and reply.picture is not None:
                print(f"[picture: {self._save(reply.picture)}]", file=self._output)
        for choice in reply.choices:
            print(f"  [{choice.label}] {choice.command}", file=self._output)
        print(file=self._output, flush=True)

    def _save(self, picture: Picture) -> Path:
        """The picture in a file of its own (numbered: an earlier one is not overwritten)."""
        if self._pictures is None:
            self._pictures = Path(tempfile.mkdtemp(prefix="ringkas-pictures-"))
        path = self._pictures / f"{next(self._picture_numbers)}-{picture.filename}"
        path.write_bytes(picture.png)
        return path
