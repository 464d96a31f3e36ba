"""The content in service: editions, hot reload of a copy of the real content, and what a broken
reload leaves in place."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import textwrap
from pathlib import Path

from bot.core.library import Library, Reloaded, ReloadFailed, selection_of
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions
from tests.conftest import CONTENT

NOW = dt.datetime(2025, 10, 8, 6, 0, tzinfo=dt.UTC)
NEW_ID = "2025-10-08-new-development"
NEW_TITLE = "Talks resume for a second day"


def copy_content(tmp_path: Path) -> Path:
    """The real content folder, copied where a test may edit it."""
    return Path(shutil.copytree(CONTENT, tmp_path / "content"))


def add_summary(
    content: Path, summary_id: str = NEW_ID, date: str = "2025-10-08", title: str = NEW_TITLE
) -> Path:
    """A new summary modelled on an existing one, dated after all the others."""
    path = content / "summaries" / f"{summary_id}.yaml"
    path.write_text(
        textwrap.dedent(f"""\
            summaries:
              - id: {summary_id}
                date: {date}
                priority: 4
                title:
                  en: "{title}"
                  id: "Perundingan berlanjut hari kedua"
                text:
                  en: >-
                    Per the English report, the delegations met again in Sharm el-Sheikh.
                  id: >-
                    Menurut laporan berbahasa Inggris, delegasi bertemu lagi di Sharm el-Sheikh.
                sources:
                  - report-en-2025-10-06
            """),
        encoding="utf-8",
    )
    return path


def add_statement(
    content: Path,
    statement_id: str,
    speaker: str,
    text_en: str,
    text_id: str,
    summary_id: str | None = None,
) -> Path:
    """A test fixture, never content: a summary (dated after all the others) holding one new
    statement, paraphrased from the English report of 6 October."""
    summary_id = summary_id or f"2025-10-06-fixture-{statement_id}"
    path = content / "summaries" / f"{summary_id}.yaml"
    path.write_text(
        textwrap.dedent(f"""\
            summaries:
              - id: {summary_id}
                date: 2025-10-06
                priority: 1
                title: {{en: "Test fixture {statement_id}", id: "Uji {statement_id}"}}
                text: {{en: "A test fixture.", id: "Data uji."}}
                sources: [report-en-2025-10-06]
                statements:
                  - id: {statement_id}
                    speaker: {speaker}
                    kind: paraphrase
                    original: en
                    text: {{en: "{text_en}", id: "{text_id}"}}
                    date: 2025-10-06
                    source: report-en-2025-10-06
            """),
        encoding="utf-8",
    )
    return path


BROKEN = """\
summaries:
  - id: broken-one
    date: 2025-10-09
    priority: 4
    title: {en: Broken, id: Rusak}
    text: {en: One sentence., id: Satu kalimat.}
    sources: [no-such-source]
"""


def break_content(content: Path) -> Path:
    path = content / "summaries" / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


async def load(directory: Path) -> Library:
    return await Library.load(directory, DigestOptions(), NOW)


async def test_reload_of_unchanged_files_is_no_change() -> None:
    library = await load(CONTENT)
    before = library.edition

    result = await library.reload(NOW + dt.timedelta(minutes=1))

    assert isinstance(result, Reloaded)
    assert result.changed is False
    assert result.edition.selection == before.selection is not None
    assert library.problems == ()
    assert await library.changed_on_disk() is False


async def test_a_new_summary_is_a_new_edition(tmp_path: Path) -> None:
    library = await load(copy_content(tmp_path))
    before = library.edition
    assert await library.changed_on_disk() is False

    add_summary(library.directory)
    assert await library.changed_on_disk() is True
    result = await library.reload(NOW)

    assert isinstance(result, Reloaded)
    assert result.changed is True
    assert result.edition is library.edition
    assert library.edition.selection not in (None, before.selection)
    assert library.catalog.summaries[0].id == NEW_ID
    assert await library.changed_on_disk() is False


async def test_the_digest_follows_the_new_edition(tmp_path: Path) -> None:
    library = await load(copy_content(tmp_path))
    old = library.digest("en", Format.TEXT)
    assert old is not None and NEW_TITLE not in old

    add_summary(library.directory)
    await library.reload(NOW)

    new = library.digest("en", Format.TEXT)
    assert new is not None and NEW_TITLE in new


async def test_a_typo_fix_in_a_summary_keeps_the_edition(tmp_path: Path) -> None:
    library = await load(copy_content(tmp_path))
    before = library.edition.selection
    path = library.directory / "summaries" / "2025-10-07-reactions-to-talks.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("urges speed", "urges haste"), encoding="utf-8"
    )

    result = await library.reload(NOW)

    assert isinstance(result, Reloaded)
    assert result.changed is False
    assert library.edition.selection == before
    assert any("urges haste" in s.title.en for s in library.catalog.summaries)


async def test_edition_key_names_the_summaries_the_digest_shows() -> None:
    library = await load(CONTENT)
    catalog, options = library.catalog, library.options
    assert selection_of(catalog, options) == library.edition.selection
    assert selection_of(catalog, options) == selection_of(catalog, options)
    # Only the summaries the digest shows count: dropping one beyond them changes nothing.
    shown = catalog.summaries[: options.max_items]
    assert selection_of(dataclasses.replace(catalog, summaries=shown), options) == (
        library.edition.selection
    )
    assert selection_of(dataclasses.replace(catalog, summaries=shown[1:]), options) != (
        library.edition.selection
    )
    assert selection_of(dataclasses.replace(catalog, summaries=()), options) is None


async def test_a_broken_file_keeps_the_last_good_catalog(tmp_path: Path) -> None:
    library = await load(copy_content(tmp_path))
    catalog, key = library.catalog, library.edition.selection
    broken = break_content(library.directory)

    result = await library.reload(NOW)

    assert isinstance(result, ReloadFailed)
    assert [str(e) for e in result.errors] == [f"{broken}:7: unknown source 'no-such-source'"]
    assert all(e.path == str(broken) and e.line > 0 for e in result.errors)
    assert library.catalog is catalog
    assert library.edition.selection == key
    assert library.problems == result.errors


async def test_changed_on_disk_stays_false_after_a_failed_reload_until_files_change(
    tmp_path: Path,
) -> None:
    library = await load(copy_content(tmp_path))
    broken = break_content(library.directory)
    assert await library.changed_on_disk() is True
    assert isinstance(await library.reload(NOW), ReloadFailed)

    assert await library.changed_on_disk() is False

    broken.write_text(BROKEN.replace("[no-such-source]", "[report-en-2025-10-06]"), "utf-8")
    assert await library.changed_on_disk() is True
    result = await library.reload(NOW)
    assert isinstance(result, Reloaded)
    assert result.changed is True
    assert library.problems == ()
    assert library.catalog.summaries[0].id == "broken-one"
