"""What every `ringkas` command shares: exit codes, worded failures, settings loading."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import logs
from bot.adapters import AdapterError
from bot.app import StoreUnreachable, secrets
from bot.config import (
    ConfigInvalid,
    DatabaseUnset,
    Settings,
    load_settings,
    with_database_from_env,
)
from bot.core.content.loading import ContentInvalid
from bot.core.store import SchemaOutdated, SchemaTooNew, StoreBusy
from bot.ops import OpsUnavailable

OK, NOTHING, USAGE = 0, 1, 2


class Failure(Exception):
    """Problems already worded for the user; the command stops with exit code 1."""

    def __init__(self, lines: Sequence[object]) -> None:
        self.lines = lines


def settings_of(args: argparse.Namespace, store: bool = False) -> Settings:
    """The settings the command line names; with `store`, for a command that opens the store:
    its database from `database_env` when the config names one."""
    try:
        settings = load_settings(args.config)
        if store:
            settings = with_database_from_env(settings)
    except ConfigInvalid as exc:
        raise Failure(exc.errors) from None
    except DatabaseUnset as exc:
        raise Failure([str(exc)]) from None
    if getattr(args, "content", None) is not None:
        settings = settings.model_copy(update={"content": args.content})
    return settings


def config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (YAML)")


def store_options(parser: argparse.ArgumentParser) -> None:
    """The options of the commands that open the store, which log: `--config`, and
    `--log-level` and `--log-format`, which win over the config's `logging` section."""
    parser.add_argument(
        "--log-level", choices=logs.LEVELS, help="least severe level logged (default: config)"
    )
    parser.add_argument(
        "--log-format", choices=logs.FORMATS, help="text, or json lines (default: config, text)"
    )
    config_option(parser)


def configure_logs(args: argparse.Namespace, settings: Settings, default: int) -> None:
    """Log to stderr at the level and in the format the command line, else the config, names;
    else at the command's `default` level, as text."""
    level = args.log_level or settings.logging.level
    logs.configure(
        secrets(settings),
        default if level is None else logs.level_number(level),
        args.log_format or settings.logging.format,
    )


def count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}")
        return number

    return parse


def run_async(main: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine; problems it meets become worded failures, not tracebacks."""
    try:
        return asyncio.run(main)
    except ContentInvalid as exc:
        raise Failure([*exc.errors, count(len(exc.errors), "problem", "problems")]) from None
    except (
        SchemaOutdated,
        SchemaTooNew,
        AdapterError,
        StoreBusy,
        StoreUnreachable,
        OpsUnavailable,
    ) as exc:
        raise Failure([str(exc)]) from None
    except KeyboardInterrupt:
        return OK


def moment(value: str) -> dt.datetime:
    """An ISO 8601 time from the command line; an offset-less one is UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad time {value!r}: expected ISO 8601, e.g. 2025-10-07T07:00+07:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
