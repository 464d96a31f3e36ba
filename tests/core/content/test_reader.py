"""The YAML reader: dates left as text, duplicate keys refused, exact lines for every path."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.content import reader
from bot.core.content.loading import ContentInvalid, check_content
from bot.core.content.reader import YamlSyntaxError
from tests.conftest import MINIMAL

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


# --- strict: what PyYAML refuses is refused, whichever parser would read the file ---

# yaml-rs alone reads each of these; PyYAML refuses them, and so does a strict parse.
PYYAML_REFUSES = [
    pytest.param("\tstory:\n  title: x\n", 1, id="tab-before-the-first-key"),
    pytest.param("a:\n  - b\n\t\n  - c\n", 3, id="tab-on-a-blank-line"),
    pytest.param("a:\n  -\tb\n", 2, id="tab-after-a-dash"),
    pytest.param("a: b\n\x01c: d\n", 2, id="control-character"),
    pytest.param("a: b\x9b\n", 1, id="c1-control-character"),
    pytest.param("a: b\n\ufeffc: d\n", 2, id="byte-order-mark-past-the-start"),
    pytest.param("a: [|b]\n", 1, id="indicator-opening-a-plain-scalar-in-a-flow"),
    pytest.param("%FOO bar\n---\na: b\n", 1, id="unknown-directive"),
    pytest.param("a: b\n...\nc: d\n", 3, id="text-after-the-end-of-the-document"),
]


@pytest.mark.parametrize(("text", "line"), PYYAML_REFUSES)
def test_strict_refuses_a_file_pyyaml_refuses_with_its_line(text: str, line: int) -> None:
    reader.parse(text)  # the bot's loads read it as yaml-rs does
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse(text, strict=True)

    assert caught.value.line == line
    assert caught.value.problem


def test_a_line_pyyaml_breaks_at_a_line_separator_is_counted_as_an_editor_does() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse("a: one\u2028two: three\nb: [\n", strict=True)

    assert caught.value.line == 3  # PyYAML counts 4 lines


def test_a_mapping_as_a_key_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(YamlSyntaxError):
        reader.parse("? {a: [1]}\n: b\n")


def test_an_anchor_defined_twice_is_refused_where_it_is_defined_again() -> None:
    # yaml-rs reads it (the second wins); PyYAML's composer refuses it (found by hypothesis).
    text = "&a a: 1\nb: [x, &a y]\n"
    assert reader.parse(text) == {"a": 1, "b": ["x", "y"]}
    with pytest.raises(YamlSyntaxError) as caught:
        reader.parse(text, strict=True)
    assert (caught.value.line, caught.value.problem) == (
        2, "the anchor &a is defined again (first on line 1)"
    )  # fmt: skip


def test_a_byte_order_mark_at_the_start_is_not_part_of_the_first_key() -> None:
    assert reader.parse("\ufeffa: 40% of 2,000\n") == {"a": "40% of 2,000"}
    assert reader.parse("\ufeffa: b\n", strict=True) == {"a": "b"}


# Characters and pieces that YAML gives a meaning to, and those PyYAML treats apart.
_PIECES = ["\t", " ", "\n", ":", "- ", "? ", "[", "]", "{", "}", ",", "#", "'", '"', "%", "&a ",
           "*a", "|", ">", "\x01", "\x85", "\u2028", "\ufeff", "\\ud800", "---\n", "\n...\n",
           "@", "`", "!"]  # fmt: skip


def _pyyaml_refuses(text: str) -> bool:
    try:
        yaml.load(text, Loader=reader.ContentLoader)
    except yaml.YAMLError:
        return True
    return False


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(MINIMAL)), st.sampled_from(_PIECES)), max_size=3))
def test_whatever_the_edit_a_file_pyyaml_refuses_is_refused_by_the_check(
    edits: list[tuple[int, str]],
) -> None:
    text = MINIMAL
    for position, piece in sorted(edits, reverse=True):
        text = text[:position] + piece + text[position:]
    assume(_pyyaml_refuses(text))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "content.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(ContentInvalid):
            check_content(folder)
