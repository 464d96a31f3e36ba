"""`ringkas new summary`'s file: a free id, the choices, and TODO in every field to write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.core.content.loading import ContentInvalid, check_content
from bot.core.models import Catalog
from bot.curation.scaffold import new_summary
from tests.conftest import CONTENT

DAY = dt.date(2025, 10, 9)


def test_a_new_summary_fails_the_check_only_on_its_todos(catalog: Catalog, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    summary_id, text = new_summary(catalog, DAY)
    (content / "summaries" / f"{summary_id}.yaml").write_text(text, encoding="utf-8")

    with pytest.raises(ContentInvalid) as caught:
        check_content(content)

    messages = [error.message for error in caught.value.errors]
    assert summary_id == "2025-10-09-new"
    assert len(messages) >= 10 and all("TODO left" in m for m in messages), messages


def test_the_id_is_free_and_the_choices_are_listed(catalog: Catalog) -> None:
    taken = dataclasses.replace(catalog.summaries[0], id="2025-10-09-new")
    with_one = dataclasses.replace(catalog, summaries=(*catalog.summaries, taken))

    summary_id, text = new_summary(with_one, DAY)

    assert summary_id == "2025-10-09-new-2"
    assert "# report-id-2025-10-07  (id, 2025-10-07, cites: BBC)" in text
    assert "# antonio-guterres  (António Guterres: UN Secretary-General)" in text
    assert "date: 2025-10-09" in text
    assert new_summary(catalog, DAY, "2025-10-09-my-own")[0] == "2025-10-09-my-own"
