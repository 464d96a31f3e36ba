"""`ringkas check`, `digest`, `whosaid` and `timeline`: the content, read without running the
bot."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.cli.common import NOTHING, OK, Failure, config_option, count, int_range, settings_of
from bot.core.content.loading import ContentInvalid, check_content, load_catalog
from bot.core.models import LANGS, Catalog, Lang
from bot.core.picture import draw
from bot.core.ports import Format
from bot.core.text.compose import Window
from bot.core.text.fitting import answer_message, digest_message, no_digest_message, whosaid_message
from bot.core.text.timeline import Timeline, nothing_to_draw, timeline_of
from bot.core.text.whosaid import NothingFound, QuoteIndex


def add_parsers(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="validate the content; list every problem, then every warning"
    )
    content_options(check)
    check.add_argument(
        "--strict", action="store_true", help="warnings fail the check too (exit code 1)"
    )
    check.set_defaults(run=_check)

    digest = commands.add_parser("digest", help="print a digest")
    content_options(digest)
    _output_options(digest)
    digest.add_argument("--since", type=iso_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    digest.add_argument("--until", type=iso_date, metavar="DATE", help="last day (YYYY-MM-DD)")
    digest.add_argument(
        "--max-chars", type=int_range(300, 3000), metavar="N", help="visible characters (300–3000)"
    )
    digest.set_defaults(run=_digest)

    whosaid = commands.add_parser("whosaid", help="who said what: a name, alias or topic")
    whosaid.add_argument(
        "query", nargs="+", metavar="QUERY", help="e.g. Guterres, Sekjen PBB, hostages"
    )
    content_options(whosaid)
    _output_options(whosaid)
    whosaid.add_argument(
        "--limit", type=int_range(1, 20), default=5, metavar="N", help="statements (1–20)"
    )
    whosaid.set_defaults(run=_whosaid)

    timeline = commands.add_parser(
        "timeline", help="draw who said what, by day and by speakers' group, as a PNG"
    )
    timeline.add_argument(
        "query", nargs="*", metavar="QUERY", help="a person or a topic (default: everyone)"
    )
    content_options(timeline)
    timeline.add_argument("--lang", choices=LANGS, help="en or id (default: from config, else en)")
    timeline.add_argument("--since", type=iso_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    timeline.add_argument("--until", type=iso_date, metavar="DATE", help="last day (YYYY-MM-DD)")
    timeline.add_argument(
        "--out", type=Path, required=True, metavar="FILE.png", help="where to write the picture"
    )
    timeline.set_defaults(run=_timeline)


def _check(args: argparse.Namespace) -> int:
    args.settings = settings_of(args)
    try:
        checked = check_content(args.settings.content)
    except ContentInvalid as exc:
        raise Failure([*exc.errors, count(len(exc.errors), "problem", "problems")]) from None
    catalog, warnings = checked.catalog, checked.warnings
    if warnings and args.strict:
        raise Failure([*warnings, f"{count(len(warnings), 'warning', 'warnings')} (--strict)"])
    for warning in warnings:
        print(warning, file=sys.stderr)
    counts = ", ".join(
        count(len(records), *names)
        for records, *names in (
            (catalog.summaries, "summary", "summaries"),
            (catalog.statements, "statement", "statements"),
            (catalog.people, "person", "people"),
            (catalog.sources, "source", "sources"),
        )
    )
    valid = f"all valid, {count(len(warnings), 'warning', 'warnings')}" if warnings else "all valid"
    print(f"{args.settings.content}: {counts}: {valid}")
    return OK


def _digest(args: argparse.Namespace) -> int:
    catalog = catalog_of(args)
    options = args.settings.digest.options()
    if args.max_chars is not None:
        options = replace(options, max_chars=args.max_chars)
    window = Window(args.since, args.until)
    lang = args.lang or args.settings.language
    message = digest_message(catalog, lang, args.format, window, options)
    if message is None:
        print(no_digest_message(lang, args.format, window))
        return NOTHING
    print(message)
    return OK


def _whosaid(args: argparse.Namespace) -> int:
    catalog = catalog_of(args)
    lang: Lang = args.lang or args.settings.language
    answer, message = whosaid_message(
        QuoteIndex(catalog), " ".join(args.query), lang, args.format, args.limit
    )
    print(message)
    return NOTHING if isinstance(answer, NothingFound) else OK


def _timeline(args: argparse.Namespace) -> int:
    catalog = catalog_of(args)
    lang: Lang = args.lang or args.settings.language
    window = Window(args.since, args.until)
    found = timeline_of(QuoteIndex(catalog), " ".join(args.query), lang, window)
    if found is None:
        print(nothing_to_draw(catalog, window, lang))
        return NOTHING
    if not isinstance(found, Timeline):  # in words, as `whosaid` answers
        print(answer_message(catalog, found, lang, Format.TEXT)[1])
        return NOTHING
    picture = draw.png(found)
    try:
        args.out.write_bytes(picture)
    except OSError as error:
        raise Failure([f"{args.out}: {error.strerror or error}"]) from None
    width, height = draw.png_size(picture)
    print(f"{args.out}: {width}×{height} px; {found.what}")
    return OK


def catalog_of(args: argparse.Namespace) -> Catalog:
    args.settings = settings_of(args)
    try:
        return load_catalog(args.settings.content)
    except ContentInvalid as exc:
        raise Failure([*exc.errors, count(len(exc.errors), "problem", "problems")]) from None


def content_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content", type=Path, metavar="DIR", help="content folder (default: digests)"
    )
    config_option(parser)


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGS, help="en or id (default: from config, else en)")
    parser.add_argument(
        "--format", type=Format, choices=list(Format), default=Format.TEXT, help="output markup"
    )


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {value!r}: expected YYYY-MM-DD") from None
