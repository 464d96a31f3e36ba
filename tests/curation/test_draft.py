"""The draft: a content file that passes `ringkas check` but for its TODOs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.content.loading import ContentInvalid, check_content
from bot.core.models import Catalog
from bot.curation import article as articles
from bot.curation.draft import DraftError, draft
from bot.curation.extract import extract
from tests.conftest import CONTENT

ARTICLE = """\
Hamas says bodies will take weeks to recover

GAZA — Hamas said on Saturday it had begun searching for the bodies.

“We cannot work miracles under tonnes of concrete,” Hamas spokesman Samir Abu Nasser said.

The Wall Street Journal reported that al-Haddad had ordered units to hold fire. Al-Haddad has \
reportedly told commanders to observe the truce.

Smotrich and Ben-Gvir said in a joint statement that the deal was a mistake.
"""


def drafted(catalog: Catalog, text: str = ARTICLE, **options: object) -> str:
    article = articles.read(text, "en")
    extraction = extract(article, catalog.people.values(), dated=dt.date(2025, 10, 11))
    options = {"source": None, "dated": dt.date(2025, 10, 11), "name": "a.txt", **options}
    return draft(article, extraction, catalog, **options).text  # type: ignore[arg-type]


def test_the_draft_passes_the_check_but_for_its_todos(catalog: Catalog, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "summaries" / "draft.yaml").write_text(drafted(catalog), encoding="utf-8")

    with pytest.raises(ContentInvalid) as caught:
        check_content(content)

    messages = [error.message for error in caught.value.errors]
    assert messages and all("TODO left" in message for message in messages), messages


def test_the_draft_holds_each_statement_new_speaker_and_the_source(catalog: Catalog) -> None:
    data = yaml.safe_load(drafted(catalog))

    assert [p["id"] for p in data["people"]] == ["hamas", "samir-abu-nasser"]
    assert data["people"][1]["role"] == {"en": "Hamas spokesman", "id": "TODO: translate"}
    assert data["sources"] == [
        {"id": "report-en-2025-10-11", "language": "en", "published": dt.date(2025, 10, 11),
         "cites": ["The Wall Street Journal"]},
    ]  # fmt: skip
    statements = data["summaries"][0]["statements"]
    assert [(s["speaker"], s["kind"]) for s in statements] == [
        ("hamas", "paraphrase"),
        ("samir-abu-nasser", "direct"),
        ("izz-al-din-al-haddad", "reported"),
        ("izz-al-din-al-haddad", "reported"),
        (["bezalel-smotrich", "itamar-ben-gvir"], "paraphrase"),
    ]
    assert statements[1]["text"] == {
        "en": "We cannot work miracles under tonnes of concrete", "id": "TODO: translate",
    }  # fmt: skip
    assert [s.get("reported_by") for s in statements[2:4]] == [
        "The Wall Street Journal", "TODO: who reports it (the article does not say)",
    ]  # fmt: skip


def test_the_draft_says_what_it_judged_by_and_flags_a_relative_date(catalog: Catalog) -> None:
    text = drafted(catalog)

    assert "kind: direct  # cue: said" in text
    assert "# cue: said; the article's words: rewrite them" in text
    assert "date_basis: source  # the article says “on Saturday”: a relative date" in text


def test_an_existing_source_is_reused_and_its_date_wins(catalog: Catalog) -> None:
    data = yaml.safe_load(drafted(catalog, source="report-en-2025-10-06", dated=None))

    assert "sources" not in data
    assert data["summaries"][0]["sources"] == ["report-en-2025-10-06"]
    assert {s["date"] for s in data["summaries"][0]["statements"]} == {dt.date(2025, 10, 6)}
    with pytest.raises(DraftError, match="dated 2025-10-06"):
        drafted(catalog, source="report-en-2025-10-06", dated=dt.date(2025, 10, 11))


def test_an_undated_article_leaves_its_dates_to_the_curator(catalog: Catalog) -> None:
    text = drafted(catalog, dated=None, text=ARTICLE.replace("GAZA — ", ""))

    assert 'published: "TODO: the article\'s date, YYYY-MM-DD"' in text
    assert 'date: "TODO: the article\'s date, YYYY-MM-DD"' in text
