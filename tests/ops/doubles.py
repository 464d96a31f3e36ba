"""An adapter that only says whether it is connected: what health and metrics ask of one."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.ports import ChatRef, Connection, Format, Outbound, Outcome, Transient
from bot.core.roles import Role
from bot.core.services import Services


class StubSender:
    format = Format.TEXT

    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def send(self, chat: ChatRef, message: Outbound) -> Outcome:
        return Transient("a stub sends nothing")


class StubAdapter:
    def __init__(self, platform: str, up: bool, detail: str = "") -> None:
        self.sender = StubSender(platform)
        self.up = up
        self.detail = detail or ("connected" if up else "not connected")

    async def start(self, services: Services) -> None:
        pass

    def roles(self) -> Sequence[Role]:
        return ()

    def connection(self) -> Connection:
        return Connection(self.up, self.detail)

    async def stop(self) -> None:
        pass
