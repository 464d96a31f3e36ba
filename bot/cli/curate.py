"""`ringkas draft` and `ringkas new summary`: curators' tools that write content to finish."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import OK, Failure, count
from bot.cli.content import catalog_of, content_options, iso_date
from bot.core.models import LANGS, Kind
from bot.curation import article as articles
from bot.curation.draft import DraftError, draft
from bot.curation.extract import extract
from bot.curation.scaffold import new_summary


def add_parsers(commands: Any) -> None:
    drafting = commands.add_parser(
        "draft", help="a news article → a content file of its statements to check and finish"
    )
    drafting.add_argument("article", type=Path, metavar="ARTICLE.txt", help="the article as text")
    drafting.add_argument("--lang", choices=LANGS, help="the article's language (default: guessed)")
    drafting.add_argument(
        "--source", metavar="ID", help="the article as a source: an existing id, or a new one's"
    )
    drafting.add_argument("--date", type=iso_date, metavar="D", help="the article's date")
    drafting.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
    content_options(drafting)
    drafting.set_defaults(run=_draft)

    new = commands.add_parser("new", help="a new content file to fill in")
    kinds = new.add_subparsers(required=True, metavar="WHAT")
    summary = kinds.add_parser("summary", help="a summary with every field marked TODO")
    summary.add_argument("--date", type=iso_date, metavar="D", help="its date (default: today)")
    summary.add_argument("--id", metavar="ID", help="its id (default: DATE-new, or the next free)")
    summary.add_argument(
        "--out", type=Path, metavar="FILE", help="default: CONTENT/summaries/ID.yaml"
    )
    content_options(summary)
    summary.set_defaults(run=_new_summary)


def _draft(args: argparse.Namespace) -> int:
    try:
        text = args.article.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure([f"{args.article}: cannot read it as UTF-8 text ({exc})"]) from None
    catalog = catalog_of(args)
    article = articles.read(text, args.lang)
    known = catalog.sources.get(args.source) if args.source else None
    dated = known.date if known is not None else args.date or article.dated
    cited = {outlet for source in catalog.sources.values() for outlet in source.cites}
    extraction = extract(article, catalog.people.values(), dated=dated, outlets=cited)
    try:
        result = draft(
            article, extraction, catalog, source=args.source, dated=args.date,
            name=args.article.name,
        )  # fmt: skip
    except DraftError as exc:
        raise Failure([str(exc)]) from None
    _write(result.text, args.out)
    counts = result.counts
    found = ", ".join(f"{counts[kind]} {kind}" for kind in map(str, Kind) if counts[kind])
    summary = [
        count(sum(counts[str(kind)] for kind in Kind), "statement", "statements")
        + (f" ({found})" if found else ""),
        count(counts["new speakers"], "new speaker", "new speakers"),
        count(counts["relative dates"], "relative date", "relative dates") + " flagged",
    ]
    print(f"{args.out or 'draft'}: {', '.join(summary)}", file=sys.stderr)
    return OK


def _new_summary(args: argparse.Namespace) -> int:
    catalog = catalog_of(args)
    summary_id, text = new_summary(catalog, args.date or dt.date.today(), args.id)
    out = args.out or Path(args.settings.content) / "summaries" / f"{summary_id}.yaml"
    _write(text, out)
    print(f"{out}: summary {summary_id}: replace every TODO, then run `ringkas check`")
    return OK


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    if out.exists():
        raise Failure([f"{out}: exists already; choose another file or delete it"])
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure([f"{out}: cannot write it ({exc.strerror or exc})"]) from None
