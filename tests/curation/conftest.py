"""What the curation tests share: the extractor run on a small article with the shipped registry."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable

import pytest

from bot.core.models import Catalog, Lang
from bot.curation import article as articles
from bot.curation.extract import Extraction, extract

Extract = Callable[..., Extraction]
DATED = dt.date(2025, 10, 9)


@pytest.fixture
def extracted(catalog: Catalog) -> Extract:
    """Extract the statements of an article given as text (paragraphs separated by blank
    lines, no headline), dated 9 October 2025 unless told otherwise."""

    def run(text: str, lang: Lang, dated: dt.date | None = DATED) -> Extraction:
        article = articles.read("Headline\n\n" + textwrap.dedent(text).strip(), lang)
        return extract(article, catalog.people.values(), dated=dated)

    return run
