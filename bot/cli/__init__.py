"""The `ringkas` command line: check content, print a digest, ask who said what; draft content
from an article and start a new summary; run the bot,
chat with it in the terminal, deliver once, manage subscribers and push; migrate the store's
schema and back it up.

Exit codes: 0 done; 1 nothing to show, or the content or config has problems (each printed as
`path:line: message` on stderr); 2 a bad command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import TextIO

from bot.cli import content, curate, operate, operators, upkeep
from bot.cli.common import NOTHING, OK, USAGE, Failure

__all__ = ["NOTHING", "OK", "USAGE", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Failure as failure:
        for line in failure.lines:
            print(line, file=sys.stderr)
        return NOTHING
    except BrokenPipeError:
        # The reader went away (`ringkas digest | head`): not an error. Point stdout at
        # /dev/null so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ringkas",
        description="Short English and Indonesian digests of the curated summaries, "
        "and who said what.",
    )
    parser.add_argument("--version", action="version", version=f"ringkas {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    content.add_parsers(commands)
    curate.add_parsers(commands)
    operate.add_parsers(commands)
    operators.add_parsers(commands)
    upkeep.add_parsers(commands)
    return parser


def _version() -> str:
    """The installed package's version (pyproject.toml's, through `pip install`)."""
    try:
        return metadata.version("ringkas")
    except metadata.PackageNotFoundError:  # run from a source tree never installed
        return "unknown (not installed)"


def _utf8(stream: TextIO) -> None:
    # Digests are full of “quotes” and dashes: never fail on a terminal set to ASCII.
    if stream.encoding.lower().replace("-", "") != "utf8" and hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8")
