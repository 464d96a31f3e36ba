"""Both loopback stand-ins for the soak, in one child process so that their records (every
message) neither grow the measured process's memory nor share its event loop: Telegram's Bot
API with chats made on first use, and Discord's REST API with the channels in guilds.

    python -m benchmarks.soak.standins --discord-channels N   (started by the soak itself)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import (
    StandInProcess,
    discord_per_channel,
    discord_rates,
    guilds_for,
    serve_commands,
    settings_for,
    telegram_endpoints,
    telegram_rates,
)
from bot.config import Settings

TELEGRAM_TOKEN = "4242:soak-token"
DISCORD_TOKEN = "soak-discord-token"


def text_hash(text: str) -> str:
    """What identifies a message's text across the pipe, without sending the text back."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def serve(discord_channels: int) -> int:
    """Serve both stand-ins on 127.0.0.1 and answer the parent's commands: "records" gives
    every message each has accepted (its chat, thread and text hash) and their 429s."""
    from tests.standins.discord import DiscordStandIn
    from tests.standins.telegram import TelegramStandIn

    per_channel = discord_per_channel()
    async with (
        TelegramStandIn(TELEGRAM_TOKEN, max_poll_seconds=0.5, auto_chats=True) as telegram,
        DiscordStandIn(
            DISCORD_TOKEN,
            guilds_for(discord_channels),
            bucket_limit=per_channel.count,
            bucket_window=per_channel.seconds,
        ) as discord,
    ):

        def answer(command: dict[str, Any]) -> dict[str, Any]:
            if command["do"] != "records":
                return {"ok": True}
            return {
                "telegram": [
                    [str(m.chat_id), str(m.message_thread_id or ""), text_hash(m.text)]
                    for m in telegram.sent
                ],
                "discord": [
                    [str(m.channel_id), "", text_hash(m.text or "")] for m in discord.messages
                ],
                "rejected_429": {
                    "telegram": telegram.rejected_429,
                    "discord": discord.rejected_429,
                },
                "discord_nonce_replays": discord.nonce_replays,
                "cpu_s": time.process_time(),
            }

        started = {
            "port": telegram.port,
            "api_base": discord.api_base,
            "gateway_url": discord.gateway_url,
        }
        await serve_commands(started, answer)
    return 0


class StandIns(StandInProcess):
    """The parent's handle on the child serving both stand-ins."""

    def __init__(self, discord_channels: int) -> None:
        super().__init__("benchmarks.soak.standins", "--discord-channels", str(discord_channels))

    def settings_for(self, content: Path, database: Path, rate: int, in_flight: int) -> Settings:
        """The defaults over `content`, both platforms pointed at their stand-in, each paced
        overall at `rate` a second and per chat (and group) as configured for the real
        platforms."""
        telegram = telegram_endpoints(int(self.started["port"]))
        discord = {"api_base": self.started["api_base"], "gateway_url": self.started["gateway_url"]}
        platforms = {
            "telegram": (telegram, telegram_rates(rate)),
            "discord": (discord, discord_rates(rate)),
        }
        return settings_for(content, database, in_flight, platforms)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--discord-channels", type=int, required=True)
    args = parser.parse_args(argv)
    return asyncio.run(serve(args.discord_channels))


if __name__ == "__main__":
    raise SystemExit(main())
