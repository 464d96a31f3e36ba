"""The Discord adapter: discord.py in front of the core."""

import warnings

with warnings.catch_warnings():
    # discord.py imports audioop for voice, which Ringkas does not use; Python 3.11 warns of it.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from bot.adapters.discord.adapter import DiscordAdapter, connected_sender
from bot.adapters.discord.sender import DiscordSender

__all__ = ["DiscordAdapter", "DiscordSender", "connected_sender"]
