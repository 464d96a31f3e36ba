"""The `ringkas` command line: check content, print a digest, ask who said what.

Exit codes: 0 done; 1 nothing to show, or the content or config has problems (each printed as
`path:line: message` on stderr); 2 a bad command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.config import ConfigInvalid, Settings, load_settings
from bot.core.compose import Window
from bot.core.content import ContentInvalid, load_catalog
from bot.core.messages import digest_message, no_digest_message, whosaid_message
from bot.core.models import LANGS, Catalog, Lang
from bot.core.quotes import NothingFound, QuoteIndex
from bot.core.render import Format

OK, NOTHING, USAGE = 0, 1, 2


class _Failure(Exception):
    """Problems already worded for the user; the command stops with exit code 1."""

    def __init__(self, lines: Sequence[object]) -> None:
        self.lines = lines


def main(argv: Sequence[str] | None = None) -> int:
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except _Failure as failure:
        for line in failure.lines:
            print(line, file=sys.stderr)
        return NOTHING
    except BrokenPipeError:
        # The reader went away (`ringkas digest | head`): not an error. Point stdout at
        # /dev/null so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK


def _check(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    counts = ", ".join(
        _count(len(records), *names)
        for records, *names in (
            (catalog.summaries, "summary", "summaries"),
            (catalog.statements, "statement", "statements"),
            (catalog.people, "person", "people"),
            (catalog.sources, "source", "sources"),
        )
    )
    print(f"{args.content_dir}: {counts}: all valid")
    return OK


def _digest(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    settings: Settings = args.settings
    options = settings.digest.options()
    if args.max_chars is not None:
        options = replace(options, max_chars=args.max_chars)
    window = Window(args.since, args.until)
    lang = args.lang or settings.language
    message = digest_message(catalog, lang, args.format, window, options)
    if message is None:
        print(no_digest_message(lang, args.format, window))
        return NOTHING
    print(message)
    return OK


def _whosaid(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    lang: Lang = args.lang or args.settings.language
    answer, message = whosaid_message(
        QuoteIndex(catalog), " ".join(args.query), lang, args.format, args.limit
    )
    print(message)
    return NOTHING if isinstance(answer, NothingFound) else OK


def _catalog(args: argparse.Namespace) -> Catalog:
    try:
        settings = load_settings(args.config)
    except ConfigInvalid as exc:
        raise _Failure(exc.errors) from None
    args.settings = settings
    args.content_dir = args.content or settings.content
    try:
        return load_catalog(args.content_dir)
    except ContentInvalid as exc:
        raise _Failure([*exc.errors, _count(len(exc.errors), "problem", "problems")]) from None


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


# --- the command line ---


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ringkas",
        description="Short English and Indonesian digests of the curated summaries, "
        "and who said what.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate the content; list every problem")
    _content_options(check)
    check.set_defaults(run=_check)

    digest = commands.add_parser("digest", help="print a digest")
    _content_options(digest)
    _output_options(digest)
    digest.add_argument("--since", type=_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    digest.add_argument("--until", type=_date, metavar="DATE", help="last day (YYYY-MM-DD)")
    digest.add_argument(
        "--max-chars", type=_int_range(300, 3000), metavar="N", help="visible characters (300–3000)"
    )
    digest.set_defaults(run=_digest)

    whosaid = commands.add_parser("whosaid", help="who said what: a name, alias or topic")
    whosaid.add_argument(
        "query", nargs="+", metavar="QUERY", help="e.g. Guterres, Sekjen PBB, hostages"
    )
    _content_options(whosaid)
    _output_options(whosaid)
    whosaid.add_argument(
        "--limit", type=_int_range(1, 20), default=5, metavar="N", help="statements (1–20)"
    )
    whosaid.set_defaults(run=_whosaid)
    return parser


def _content_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content", type=Path, metavar="DIR", help="content folder (default: digests)"
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (YAML)")


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, help="en or id (default: from config, else en)")
    parser.add_argument(
        "--format", type=Format, choices=list(Format), default=Format.TEXT, help="output markup"
    )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {value!r}: expected YYYY-MM-DD") from None


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}")
        return number

    return parse


def _utf8(stream: TextIO) -> None:
    # Digests are full of “quotes” and dashes: never fail on a terminal set to ASCII.
    if stream.encoding.lower().replace("-", "") != "utf8" and hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8")
