"""Loading content: the shipped digests are valid, and every kind of problem is reported as
`path:line: message`, all at once, in file and line order.

Line numbers in the expected messages are those of `MINIMAL` (tests/conftest.py), as edited.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from bot.core.content.loading import ContentInvalid, check_content, load_catalog
from bot.core.models import Catalog
from tests.conftest import CONTENT, MINIMAL, WriteContent

# --- helpers ---


def edited(old: str, new: str) -> str:
    """MINIMAL with one exact snippet replaced; the snippet must occur exactly once."""
    assert MINIMAL.count(old) == 1, f"ambiguous or missing snippet: {old!r}"
    return MINIMAL.replace(old, new)


def problems(folder: Path) -> list[str]:
    """Every reported problem, with paths made relative to `folder` so expectations stay short."""
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(folder)
    lines = [str(error) for error in caught.value.errors]
    assert str(caught.value) == "\n".join(lines)
    for line in lines:
        assert "Traceback" not in line
        assert 'File "' not in line
    return [line.replace(f"{folder}{os.sep}", "") for line in lines]


STATEMENT_TEXT = "text: {en: We will talk., id: Kami akan berunding.}"
STATEMENT_DATE = "        date: 2025-10-06\n"  # the statement's own; the summary's is less indented

# A second statement for MINIMAL's summary, to append at its end (line 29 onwards).
ANOTHER_STATEMENT = """\
      - id: ana-again
        speaker: ana-speaker
        kind: paraphrase
        original: en
        text: {en: Again., id: Lagi.}
        date: 2025-10-06
        source: report-en
"""

SECOND_SOURCE = """\
sources:
  - id: report-id
    language: id
    reports_on: 2025-10-07
"""

PERSON_AGAIN = """\
people:
  - id: ana-speaker
    name: Another Ana
    role: {en: Someone else, id: Orang lain}
"""
SUMMARY_AGAIN = """\
summaries:
  - id: first
    date: 2025-10-07
    title: {en: Again, id: Lagi}
    text: {en: Again., id: Lagi.}
    sources: [report-en]
"""
STATEMENT_AGAIN = """\
summaries:
  - id: second
    date: 2025-10-07
    title: {en: Again, id: Lagi}
    text: {en: Again., id: Lagi.}
    sources: [report-en]
    statements:
      - id: ana-said
        speaker: ana-speaker
        kind: paraphrase
        original: en
        text: {en: Again., id: Lagi.}
        date: 2025-10-06
        source: report-en
"""


# --- the shipped content ---


def test_the_shipped_content_is_valid_and_not_empty(catalog: Catalog) -> None:
    assert catalog.story.title.en and catalog.story.title.id
    assert len(catalog.summaries) >= 5
    assert len(catalog.statements) >= 10
    assert len(catalog.people) >= 5
    assert len(catalog.sources) >= 2


def test_every_reference_in_the_shipped_content_resolves(catalog: Catalog) -> None:
    summaries = {summary.id: summary for summary in catalog.summaries}
    for summary in catalog.summaries:
        assert set(summary.sources) <= set(catalog.sources)
        assert set(summary.statements) <= set(catalog.statements_by_id)
    for statement in catalog.statements:
        assert set(statement.speakers) <= set(catalog.people), statement.id
        assert statement.source in catalog.sources, statement.id
        assert statement.source in summaries[statement.summary].sources, statement.id
        assert statement.id in summaries[statement.summary].statements


def test_statements_by_id_holds_exactly_the_statements(catalog: Catalog) -> None:
    assert {s.id: s for s in catalog.statements} == dict(catalog.statements_by_id)


def test_the_catalog_cannot_be_changed(catalog: Catalog) -> None:
    assert isinstance(catalog.summaries, tuple)
    assert isinstance(catalog.statements, tuple)
    for mapping in (catalog.people, catalog.sources, catalog.statements_by_id):
        with pytest.raises(TypeError):
            mapping["intruder"] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.summaries[0].priority = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.story = catalog.story  # type: ignore[misc]


def test_shipped_summaries_are_newest_first_then_by_priority(catalog: Catalog) -> None:
    order = [(-s.date.toordinal(), -s.priority) for s in catalog.summaries]

    assert order == sorted(order)


def test_shipped_statements_are_newest_first(catalog: Catalog) -> None:
    dates = [statement.date for statement in catalog.statements]

    assert dates == sorted(dates, reverse=True)


# --- a small valid folder ---


def test_the_minimal_content_loads(write_content: WriteContent) -> None:
    catalog = load_catalog(write_content({"content.yaml": MINIMAL}))

    assert [s.id for s in catalog.summaries] == ["first"]
    assert catalog.summaries[0].statements == ("ana-said",)
    assert catalog.statements_by_id["ana-said"].speakers == ("ana-speaker",)
    assert catalog.people["ana-speaker"].name.id == "Ana Speaker"  # one name for both languages


def test_files_in_subfolders_and_with_the_yml_suffix_are_read(write_content: WriteContent) -> None:
    story, rest = MINIMAL.split("people:\n")
    folder = write_content({"story.yml": story, "more/people.yaml": "people:\n" + rest})

    assert load_catalog(folder).story.title.en == "Test story"


def test_summaries_are_ordered_by_date_then_priority_and_statements_follow_them(
    write_content: WriteContent,
) -> None:
    more = """\
    summaries:
      - id: older
        date: 2025-10-05
        priority: 5
        title: {en: Older, id: Lebih lama}
        text: {en: Older., id: Lebih lama.}
        sources: [report-en]
        statements:
          - {id: older-said, speaker: ana-speaker, kind: paraphrase, original: en,
             text: {en: Old., id: Lama.}, date: 2025-10-05, source: report-en}
      - id: minor
        date: 2025-10-06
        priority: 2
        title: {en: Minor, id: Kecil}
        text: {en: Minor., id: Kecil.}
        sources: [report-en]
        statements:
          - {id: minor-said, speaker: ana-speaker, kind: direct, original: en,
             text: {en: Minor., id: Kecil.}, date: 2025-10-06, source: report-en}
    """
    catalog = load_catalog(write_content({"content.yaml": MINIMAL, "more.yaml": more}))

    assert [s.id for s in catalog.summaries] == ["first", "minor", "older"]
    assert [s.id for s in catalog.statements] == ["ana-said", "minor-said", "older-said"]


# --- one problem at a time ---


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"content.yaml": edited("    priority: 4\n", "    priorty: 4\n")},
            "content.yaml:16: summaries[0]: unknown field 'priorty'",
            id="unknown-field",
        ),
        pytest.param(
            {"content.yaml": MINIMAL + "speakers: []\n"},
            "content.yaml:29: unknown section 'speakers' "
            "(story, groups, people, sources, summaries)",
            id="unknown-section",
        ),
        pytest.param(
            {"content.yaml": edited("        kind: direct\n", "")},
            "content.yaml:21: summaries[0].statements[0]: missing field 'kind'",
            id="missing-field-at-its-record",
        ),
        pytest.param(
            {"content.yaml": edited(STATEMENT_TEXT, "text: {en: We will talk.}")},
            "content.yaml:25: summaries[0].statements[0].text: missing language 'id'",
            id="missing-language",
        ),
        pytest.param(
            {"content.yaml": edited(STATEMENT_TEXT, "text: {en: Talk., id: Bicara., fr: Parler.}")},
            "content.yaml:25: summaries[0].statements[0].text: unknown language 'fr'",
            id="unknown-language",
        ),
        pytest.param(
            {
                "content.yaml": MINIMAL,
                "more.yaml": SECOND_SOURCE.replace("language: id", "language: fr"),
            },
            "more.yaml:3: sources[0].language: unknown language 'fr': expected 'en' or 'id'",
            id="unknown-source-language",
        ),
        pytest.param(
            {"content.yaml": edited(STATEMENT_TEXT, "text: {en: '  ', id: Kami akan berunding.}")},
            "content.yaml:25: summaries[0].statements[0].text.en: empty text",
            id="empty-text",
        ),
        pytest.param(
            {"content.yaml": MINIMAL, "more.yaml": PERSON_AGAIN.replace("ana-speaker", "Ana_2")},
            "more.yaml:2: people[0].id: bad id 'Ana_2': use lowercase letters, digits and hyphens",
            id="bad-id",
        ),
        pytest.param(
            {"content.yaml": edited("kind: direct", "kind: reported")},
            "content.yaml:21: summaries[0].statements[0]: "
            "a 'reported' statement needs 'reported_by' (who reports it)",
            id="reported-without-reported-by",
        ),
        pytest.param(
            {
                "content.yaml": edited(
                    "kind: direct\n", "kind: direct\n        reported_by: Egypt\n"
                )
            },
            "content.yaml:21: summaries[0].statements[0]: "
            "'reported_by' goes only with kind 'reported'",
            id="reported-by-on-a-direct-statement",
        ),
        pytest.param(
            {"content.yaml": MINIMAL, "more.yaml": "sources:\n  - id: undated\n    language: en\n"},
            "more.yaml:2: sources[0]: a source needs 'published' or 'reports_on'",
            id="source-without-any-date",
        ),
        pytest.param(
            {"content.yaml": MINIMAL, "more.yaml": "- just\n- a list\n"},
            "more.yaml:1: the top level must be a mapping",
            id="top-level-list",
        ),
        pytest.param(
            {"content.yaml": MINIMAL, "more.yaml": "sources: {}\n"},
            "more.yaml:1: 'sources': expected a list",
            id="section-that-is-not-a-list",
        ),
    ],
)
def test_a_schema_problem_is_reported_with_its_file_line_and_field(
    write_content: WriteContent, files: dict[str, str], expected: str
) -> None:
    assert problems(write_content(files)) == [expected]


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        pytest.param("2025-13-01", "'2025-13-01'", id="month-13"),
        pytest.param("2025-02-30", "'2025-02-30'", id="february-30"),
        pytest.param("yesterday", "'yesterday'", id="a-word"),
        pytest.param("20251006", "20251006", id="an-integer"),
        pytest.param("2025-10-6", "'2025-10-6'", id="one-digit-day"),
    ],
)
def test_a_bad_date_is_reported_with_its_line(
    write_content: WriteContent, bad: str, shown: str
) -> None:
    folder = write_content({"content.yaml": edited(STATEMENT_DATE, f"        date: {bad}\n")})

    assert problems(folder) == [
        f"content.yaml:26: summaries[0].statements[0].date: bad date {shown}: "
        "expected a real date as YYYY-MM-DD"
    ]


def test_a_yaml_syntax_error_is_reported_with_its_line(write_content: WriteContent) -> None:
    folder = write_content({"content.yaml": edited("    priority: 4\n", "    priority: 4: 5\n")})

    [problem] = problems(folder)
    # The wording after "YAML syntax:" is PyYAML's own and differs between its C and Python parsers.
    assert problem.startswith("content.yaml:16: YAML syntax: mapping values are not allowed")


def test_a_duplicate_key_is_reported_as_a_syntax_problem(write_content: WriteContent) -> None:
    folder = write_content({"content.yaml": edited("    priority: 4\n", "    priority: 4\n" * 2)})

    assert problems(folder) == ["content.yaml:17: YAML syntax: duplicate key 'priority'"]


def test_a_code_running_yaml_tag_runs_nothing_and_is_reported(
    write_content: WriteContent, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    tagged = f"    aliases: !!python/object/apply:os.system ['touch {marker}']\n"
    folder = write_content(
        {"content.yaml": edited("    aliases: [Speaker, Menteri Uji]\n", tagged)}
    )

    [problem] = problems(folder)
    assert problem.startswith("content.yaml:7: YAML syntax: could not determine a constructor")
    assert not marker.exists()


def test_a_file_that_is_not_utf8_is_reported_without_a_line(write_content: WriteContent) -> None:
    folder = write_content({"content.yaml": MINIMAL})
    (folder / "latin.yaml").write_bytes("people: []  # café\n".encode("latin-1"))

    assert problems(folder) == ["latin.yaml: not UTF-8 text (invalid continuation byte)"]


# --- references between records ---


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "speaker: ana-speaker",
            "speaker: ana-speakr",
            "content.yaml:22: unknown speaker 'ana-speakr' (did you mean 'ana-speaker'?)",
        ),
        (
            "source: report-en\n",
            "source: report-em\n",
            "content.yaml:27: unknown source 'report-em' (did you mean 'report-en'?)",
        ),
    ],
    ids=["speaker", "source"],
)
def test_an_unknown_reference_is_reported_with_its_line_and_a_suggestion(
    write_content: WriteContent, old: str, new: str, expected: str
) -> None:
    folder = write_content({"content.yaml": edited(old, new)})

    assert problems(folder) == [expected]


GROUPS = """\
groups:
  - id: test-side
    name: {en: Test side, id: Pihak uji}
  - id: other
    name: Other
"""


def test_a_speakers_group_may_be_defined_in_any_file(write_content: WriteContent) -> None:
    content = edited("    aliases: [Speaker, Menteri Uji]\n", "    group: test-side\n")
    catalog = load_catalog(write_content({"content.yaml": content, "z-groups.yaml": GROUPS}))

    assert catalog.people["ana-speaker"].group == "test-side"
    assert list(catalog.groups) == ["test-side", "other"]  # the curators' order
    assert catalog.groups["test-side"].name.id == "Pihak uji"
    assert catalog.groups["other"].name.id == "Other"  # one name for both languages


def test_an_unknown_group_is_reported_on_the_persons_line(write_content: WriteContent) -> None:
    content = edited("    aliases: [Speaker, Menteri Uji]\n", "    group: test-sde\n")
    folder = write_content({"content.yaml": content, "groups.yaml": GROUPS})

    assert problems(folder) == [
        "content.yaml:7: unknown group 'test-sde' (did you mean 'test-side'?)"
    ]


def test_an_unknown_speaker_far_from_any_id_gets_no_suggestion(
    write_content: WriteContent,
) -> None:
    folder = write_content({"content.yaml": edited("speaker: ana-speaker", "speaker: zz")})

    assert problems(folder) == ["content.yaml:22: unknown speaker 'zz'"]


def test_each_unknown_speaker_of_a_statement_is_reported(write_content: WriteContent) -> None:
    folder = write_content(
        {"content.yaml": edited("speaker: ana-speaker", "speaker: [ana-speaker, zz, yy]")}
    )

    assert problems(folder) == [
        "content.yaml:22: unknown speaker 'yy'",
        "content.yaml:22: unknown speaker 'zz'",
    ]


def test_a_statement_source_outside_its_summary_sources_is_reported(
    write_content: WriteContent,
) -> None:
    folder = write_content(
        {
            "content.yaml": edited("source: report-en\n", "source: report-id\n"),
            "more.yaml": SECOND_SOURCE,
        }
    )

    assert problems(folder) == [
        "content.yaml:27: source 'report-id' is not among the summary's sources"
    ]


def test_a_source_dated_statement_must_carry_its_source_date(write_content: WriteContent) -> None:
    folder = write_content(
        {
            "content.yaml": edited(
                STATEMENT_DATE, "        date: 2025-10-05\n        date_basis: source\n"
            )
        }
    )

    assert problems(folder) == [
        "content.yaml:26: date_basis is 'source' but the source is dated 2025-10-06"
    ]


def test_a_source_dated_statement_may_use_the_date_a_source_reports_on(
    write_content: WriteContent,
) -> None:
    statement = edited(STATEMENT_DATE, "        date: 2025-10-07\n        date_basis: source\n")
    content = statement.replace("source: report-en", "source: report-id").replace(
        "sources: [report-en]", "sources: [report-en, report-id]"
    )
    folder = write_content({"content.yaml": content, "more.yaml": SECOND_SOURCE})

    assert load_catalog(folder).statements[0].date.isoformat() == "2025-10-07"


@pytest.mark.parametrize(
    ("more", "expected"),
    [
        pytest.param(
            PERSON_AGAIN,
            "more.yaml:2: duplicate person id 'ana-speaker' (first at content.yaml:4)",
            id="person",
        ),
        pytest.param(
            SUMMARY_AGAIN,
            "more.yaml:2: duplicate summary id 'first' (first at content.yaml:14)",
            id="summary",
        ),
        pytest.param(
            STATEMENT_AGAIN,
            "more.yaml:8: duplicate statement id 'ana-said' (first at content.yaml:21)",
            id="statement",
        ),
    ],
)
def test_a_duplicate_id_points_to_where_it_was_first_defined(
    write_content: WriteContent, more: str, expected: str
) -> None:
    folder = write_content({"content.yaml": MINIMAL, "more.yaml": more})

    assert problems(folder) == [expected]


def test_a_duplicate_id_names_the_full_path_of_its_first_definition(
    write_content: WriteContent,
) -> None:
    folder = write_content({"content.yaml": MINIMAL, "more.yaml": PERSON_AGAIN})

    with pytest.raises(ContentInvalid) as caught:
        load_catalog(folder)

    [error] = caught.value.errors
    assert (error.path, error.line) == (str(folder / "more.yaml"), 2)
    assert error.message.endswith(f"(first at {folder / 'content.yaml'}:4)")


# --- the story and the folder ---


def test_a_second_story_section_is_reported(write_content: WriteContent) -> None:
    folder = write_content(
        {"content.yaml": MINIMAL, "more.yaml": "story:\n  title: {en: Other, id: Lain}\n"}
    )

    assert problems(folder) == ["more.yaml:1: a second 'story' section (first at content.yaml:1)"]


def test_content_without_a_story_is_reported_against_the_folder(
    write_content: WriteContent,
) -> None:
    without_story = "people:\n" + MINIMAL.split("people:\n", 1)[1]
    folder = write_content({"content.yaml": without_story})

    assert problems(folder) == [f"{folder}: no file has the top-level 'story' section"]


def test_a_missing_content_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "absent"

    assert problems(folder) == [f"{folder}: no such content folder"]


def test_a_folder_without_yaml_files_is_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("story: not yaml by name\n", encoding="utf-8")

    assert problems(tmp_path) == [f"{tmp_path}: no .yaml files"]


# --- many problems at once ---


def test_every_problem_in_every_file_is_reported_at_once_in_file_and_line_order(
    write_content: WriteContent,
) -> None:
    content = edited("speaker: ana-speaker", "speaker: zz") + "speakers: []\n"
    folder = write_content(
        {
            "content.yaml": content,
            "summaries/more.yaml": "summaries:\n  - id: Bad Id\n",
        }
    )
    (folder / "z-latin.yaml").write_bytes(b"people: []  # caf\xe9\n")

    assert problems(folder) == [
        # found last (a cross-reference), but on an earlier line than the unknown section
        "content.yaml:22: unknown speaker 'zz'",
        "content.yaml:29: unknown section 'speakers' (story, groups, people, sources, summaries)",
        "summaries/more.yaml:2: summaries[0].id: bad id 'Bad Id': "
        "use lowercase letters, digits and hyphens",
        "summaries/more.yaml:2: summaries[0]: missing field 'date'",
        "summaries/more.yaml:2: summaries[0]: missing field 'sources'",
        "summaries/more.yaml:2: summaries[0]: missing field 'text'",
        "summaries/more.yaml:2: summaries[0]: missing field 'title'",
        # unreadable files are found first, yet still sorted by their name
        "z-latin.yaml: not UTF-8 text (invalid continuation byte)",
    ]


def test_a_summary_with_a_bad_field_still_has_its_statements_checked(
    write_content: WriteContent,
) -> None:
    content = edited("    priority: 4\n", "    priority: 9\n").replace(
        "speaker: ana-speaker", "speaker: zz"
    )
    folder = write_content({"content.yaml": content})

    assert problems(folder) == [
        "content.yaml:16: summaries[0].priority: input should be less than or equal to 5",
        "content.yaml:22: unknown speaker 'zz'",
    ]


def test_one_bad_statement_does_not_hide_the_problems_of_the_next(
    write_content: WriteContent,
) -> None:
    content = edited("kind: direct", "kind: shouted") + ANOTHER_STATEMENT.replace(
        "speaker: ana-speaker", "speaker: zz"
    )
    folder = write_content({"content.yaml": content})

    reported = problems(folder)
    assert reported[0].startswith("content.yaml:23: summaries[0].statements[0].kind: ")
    assert reported[1:] == ["content.yaml:30: unknown speaker 'zz'"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("summaries:\n  - just a string\n", id="record-that-is-a-string"),
        pytest.param("summaries:\n  - id: x\n    statements: [[1, 2]]\n", id="nested-lists"),
        pytest.param("people:\n\t- id: tab\n", id="tab-indentation"),
        pytest.param("? [a, b]\n: complex key\n", id="complex-key"),
        pytest.param("people:\n  - &a {id: a}\n  - *a\n", id="alias"),
        pytest.param("--- 1\n--- 2\n", id="two-documents"),
    ],
)
def test_odd_input_is_reported_as_problems_never_as_a_traceback(
    write_content: WriteContent, text: str
) -> None:
    folder = write_content({"content.yaml": MINIMAL, "odd.yaml": text})

    reported = problems(folder)  # raises ContentInvalid, and checks there is no traceback text

    assert reported
    assert all(line.startswith("odd.yaml") for line in reported)


def test_statements_that_are_not_a_list_are_reported(write_content: WriteContent) -> None:
    without_statements = MINIMAL.split("    statements:\n")[0]
    folder = write_content(
        {"content.yaml": without_statements + "    statements: {id: ana-said}\n"}
    )

    [problem] = problems(folder)
    assert problem.startswith("content.yaml:20: summaries[0].statements")


def test_a_control_character_in_text_is_reported_by_its_code(write_content: WriteContent) -> None:
    folder = write_content(
        {"content.yaml": edited("en: We will talk.", 'en: "We will\\u0007 talk."')}
    )

    [problem] = problems(folder)
    assert problem == (
        "content.yaml:25: summaries[0].statements[0].text.en: control character U+0007 in text"
    )


def test_an_empty_file_is_refused_rather_than_its_content_dropped(
    write_content: WriteContent,
) -> None:
    # A save cut short leaves an empty file; taken as meant, it would drop what the file held.
    folder = write_content({"all.yaml": MINIMAL, "summaries/more.yaml": "# nothing yet\n"})

    with pytest.raises(ContentInvalid) as raised:
        load_catalog(folder)

    assert [str(error) for error in raised.value.errors] == [
        f"{folder / 'summaries' / 'more.yaml'}: the file is empty; delete it if that is meant"
    ]


# --- what a curator has left to do ---


def test_a_todo_left_in_any_field_is_a_problem_at_its_line(write_content: WriteContent) -> None:
    text = (
        MINIMAL.replace("id: Kami akan berunding.", 'id: "TODO: translate"')
        .replace("        date: 2025-10-06\n", "        date: TODO the article's date\n")
        .replace("      - id: ana-said", "      - id: TODO")
    )
    folder = write_content({"content.yaml": text})

    assert problems(folder) == [
        "content.yaml:21: summaries[0].statements[0].id: TODO left: TODO",
        "content.yaml:25: summaries[0].statements[0].text.id: TODO left: TODO: translate",
        "content.yaml:26: summaries[0].statements[0].date: TODO left: TODO the article's date",
    ]


def test_todo_inside_a_text_is_just_text(write_content: WriteContent) -> None:
    folder = write_content({"content.yaml": MINIMAL.replace("We will talk.", "Our TODO list.")})

    assert load_catalog(folder).statements[0].text.en == "Our TODO list."


# --- `ringkas check`: stricter syntax, and warnings ---


def test_check_refuses_a_file_only_the_fast_parser_reads(write_content: WriteContent) -> None:
    # A tab on the blank line before `people:`: yaml-rs reads past it, PyYAML refuses it.
    folder = write_content({"content.yaml": MINIMAL})
    tabbed = MINIMAL.replace("people:\n", "\t\npeople:\n")
    (folder / "content.yaml").write_text(tabbed, encoding="utf-8")  # not dedented: kept as is
    load_catalog(folder)  # the bot's loads read it as yaml-rs does

    with pytest.raises(ContentInvalid) as caught:
        check_content(folder)

    [error] = caught.value.errors
    assert error.line == 3
    assert error.message == "YAML syntax: found character that cannot start any token"


def test_check_warns_of_a_figure_in_one_language_with_both_texts_lines(
    write_content: WriteContent,
) -> None:
    text = MINIMAL.replace(
        "text: {en: We will talk., id: Kami akan berunding.}",
        "text:\n          en: We will free 20 hostages.\n"
        "          id: Kami akan membebaskan sandera.",
    )
    folder = write_content({"content.yaml": text})

    checked = check_content(folder)

    assert [str(w).replace(f"{folder}{os.sep}", "") for w in checked.warnings] == [
        "content.yaml:26: warning: summaries[0].statements[0].text: the number “20” in the en "
        "text is not in the id text (content.yaml:27)"
    ]
    assert len(checked.catalog.statements) == 1


def test_check_finds_no_warning_in_the_shipped_content() -> None:
    assert check_content(CONTENT).warnings == ()


def test_a_list_whose_only_item_is_bad_is_not_also_reported_empty(
    write_content: WriteContent,
) -> None:
    folder = write_content({"content.yaml": edited("sources: [report-en]", "sources: [Report]")})

    assert problems(folder) == [
        "content.yaml:19: summaries[0].sources[0]: bad id 'Report': use lowercase letters, "
        "digits and hyphens"
    ]
