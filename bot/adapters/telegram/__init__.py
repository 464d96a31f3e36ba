"""The Telegram adapter: python-telegram-bot in front of the core."""

import os

# python-telegram-bot 22 warns on every RetryAfter it builds unless durations are timedeltas, the
# form its next major version will use; opting in keeps flood control from warning (and from
# raising, where warnings are errors). The sender reads either form.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.adapters.telegram.adapter import TelegramAdapter, connected_sender
from bot.adapters.telegram.sender import TelegramSender

__all__ = ["TelegramAdapter", "TelegramSender", "connected_sender"]
