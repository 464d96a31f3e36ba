"""The YAML reader: dates left as text, duplicate keys refused, exact lines for every path."""

from __future__ import annotations

import textwrap

import pytest

from bot.core.content import reader
from bot.core.content.reader import YamlSyntaxError

# The line numbers the tests expect are this text's, counting from 1.
DOCUMENT = """\
# A comment line, so that line numbers are not simply indices.
story:
  title: {en: A story, id: Sebuah cerita}
people:
  - id: first-person
    name: First Person

  - id: second-person
    aliases:
      - One
      - Two
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_dates_and_timestamps_stay_strings() -> None:
    data = reader.parse("date: 2025-10-06\nwhen: 2025-10-06 09:48:00\n")

    assert data == {"date": "2025-10-06", "when": "2025-10-06 09:48:00"}


def test_a_date_that_does_not_exist_is_left_for_validation_to_report() -> None:
    assert reader.parse("date: 2025-13-01") == {"date": "2025-13-01"}


def test_other_scalars_keep_their_yaml_types() -> None:
    data = reader.parse("priority: 4\nkey: true\nvenue: null\ntime: '09:48'\n")

    assert data == {"priority": 4, "key": True, "venue": None, "time": "09:48"}


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        pytest.param("a: 1\nb: 2\na: 3\n", "a", 3, id="top-level"),
        pytest.param(
            dedent(
                """
                people:
                  - id: one
                    name: One
                    id: two
                """
            ),
            "id",
            4,
            id="inside-a-list-item",
        ),
        pytest.param("title: {en: A, id: B, en: C}\n", "en", 1, id="flow-mapping"),
    ],
)
def test_a_duplicate_key_is_refused_with_the_line_of_its_second_occurrence(
    text: str, key: str, line: int
) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse(text)

    assert caught.value.problem == f"duplicate key '{key}'"
    assert caught.value.line == line


def test_the_same_key_in_different_mappings_is_not_a_duplicate() -> None:
    data = reader.parse("- id: one\n- id: two\n")

    assert data == [{"id": "one"}, {"id": "two"}]


def test_bad_syntax_raises_a_syntax_error_with_its_line() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse("a: 1\nb: [2\n")

    assert caught.value.line in (2, 3)  # where the bracket opens, or where the text ends
    assert caught.value.problem


def test_unsafe_tags_are_refused_with_their_line() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse("a: 1\nx: !!python/object/apply:os.system [echo hi]\n")

    assert caught.value.line == 2
    assert "constructor" in caught.value.problem


def test_an_exclamation_mark_in_text_is_just_text() -> None:
    data = reader.parse("a: MOVE FAST!\nb: Hey !important\nc: '!x'\n")

    assert data == {"a": "MOVE FAST!", "b": "Hey !important", "c": "!x"}


def test_a_nul_byte_is_a_syntax_error_not_an_empty_file() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse("a: 1\n\x00\nb: 2\n")

    assert caught.value.line == 2
    assert caught.value.problem == "character U+0000 is not allowed"


@pytest.mark.parametrize(
    ("path", "line"),
    [
        pytest.param(("story",), 2, id="top-level-key"),
        pytest.param(("story", "title"), 3, id="nested-key"),
        pytest.param(("story", "title", "id"), 3, id="flow-mapping-key"),
        pytest.param(("people",), 4, id="list-section"),
        pytest.param(("people", 0), 5, id="first-list-item"),
        pytest.param(("people", 0, "name"), 6, id="key-in-list-item"),
        pytest.param(("people", 1), 8, id="list-item-after-a-blank-line"),
        pytest.param(("people", 1, "aliases", 1), 11, id="item-of-a-nested-list"),
    ],
)
def test_line_map_gives_the_1_based_line_of_each_key_and_list_item(
    path: reader.Path, line: int
) -> None:
    assert reader.line_map(DOCUMENT)[path] == line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        pytest.param(("people", 1, "name"), 8, id="missing-key-points-to-its-record"),
        pytest.param(("people", 0, "role", "en"), 5, id="missing-nested-key"),
        pytest.param(("people", 7), 4, id="missing-list-item-points-to-its-list"),
        pytest.param(("sources", 0), 2, id="missing-section-points-to-the-document"),
    ],
)
def test_line_of_a_missing_path_is_the_line_of_its_nearest_existing_parent(
    path: reader.Path, line: int
) -> None:
    assert reader.line_of(reader.line_map(DOCUMENT), path) == line


def test_line_of_an_existing_path_is_its_own_line() -> None:
    lines = reader.line_map(DOCUMENT)

    assert reader.line_of(lines, ("people", 1, "aliases")) == 9


def test_an_empty_document_has_no_lines_and_everything_falls_back_to_line_1() -> None:
    lines = reader.line_map("# only a comment\n")

    assert lines == {}
    assert reader.line_of(lines, ("story", "title")) == 1
