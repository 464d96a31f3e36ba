"""The config file: defaults without one, paths relative to it, and `path:line: message` errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT, ConfigInvalid, Settings, load_settings
from bot.core.compose import DigestOptions


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ringkas.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def config_errors(path: Path) -> list[str]:
    """Every problem of the config file, with its folder dropped so expectations stay short."""
    with pytest.raises(ConfigInvalid) as caught:
        load_settings(path)
    lines = [str(error) for error in caught.value.errors]
    assert str(caught.value) == "\n".join(lines)
    assert not any("Traceback" in line for line in lines)
    return [line.removeprefix(f"{path.parent}{os.sep}") for line in lines]


def test_no_config_file_gives_the_defaults() -> None:
    settings = load_settings(None)

    assert settings == Settings()
    assert settings.content == DEFAULT_CONTENT == Path("digests")
    assert settings.language == "en"
    assert settings.digest.options() == DigestOptions()


def test_a_valid_file_sets_every_field(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "content: stories\nlanguage: id\ndigest:\n  max_chars: 500\n  max_items: 2\n"
        "  max_quotes: 1\n",
    )

    settings = load_settings(path)

    assert settings.content == tmp_path / "stories"
    assert settings.language == "id"
    assert settings.digest.options() == DigestOptions(max_chars=500, max_items=2, max_quotes=1)


def test_fields_left_out_keep_their_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "digest:\n  max_items: 3\n"))

    assert settings.language == "en"
    assert settings.digest.options() == DigestOptions(max_items=3)


def test_a_relative_content_folder_resolves_against_the_config_files_folder(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path / "conf", "content: ../shared/digests\n")

    settings = load_settings(path)

    assert settings.content.resolve() == (tmp_path / "shared" / "digests").resolve()


def test_the_default_content_folder_is_next_to_the_config_file(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "# nothing set\n"))

    assert settings.content == tmp_path / "digests"


def test_an_absolute_content_folder_is_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"

    settings = load_settings(write_config(tmp_path / "conf", f"content: {elsewhere}\n"))

    assert settings.content == elsewhere


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "language: id\ncolour: red\n",
            "ringkas.yaml:2: unknown field 'colour'",
            id="unknown-key",
        ),
        pytest.param(
            "digest:\n  max_chars: 500\n  max_lines: 3\n",
            "ringkas.yaml:3: digest: unknown field 'max_lines'",
            id="unknown-nested-key",
        ),
        pytest.param(
            "language: fr\n",
            "ringkas.yaml:1: language: unknown language 'fr': expected 'en' or 'id'",
            id="bad-language",
        ),
        pytest.param(
            "language: id\ndigest:\n  max_chars: 5000\n",
            "ringkas.yaml:3: digest.max_chars: input should be less than or equal to 3000",
            id="max-chars-too-high",
        ),
        pytest.param(
            "digest:\n  max_chars: 299\n",
            "ringkas.yaml:2: digest.max_chars: input should be greater than or equal to 300",
            id="max-chars-too-low",
        ),
        pytest.param(
            "language: id\nlanguage: en\n",
            "ringkas.yaml:2: YAML syntax: duplicate key 'language'",
            id="duplicate-key",
        ),
    ],
)
def test_a_bad_setting_is_reported_with_its_line(tmp_path: Path, text: str, expected: str) -> None:
    assert config_errors(write_config(tmp_path, text)) == [expected]


def test_a_config_error_names_the_config_files_full_path(tmp_path: Path) -> None:
    path = write_config(tmp_path, "colour: red\n")

    with pytest.raises(ConfigInvalid) as caught:
        load_settings(path)

    [error] = caught.value.errors
    assert str(error) == f"{path}:1: unknown field 'colour'"


def test_every_bad_setting_is_reported_at_once(tmp_path: Path) -> None:
    path = write_config(tmp_path, "language: fr\ndigest:\n  max_quotes: 9\n")

    assert config_errors(path) == [
        "ringkas.yaml:1: language: unknown language 'fr': expected 'en' or 'id'",
        "ringkas.yaml:3: digest.max_quotes: input should be less than or equal to 3",
    ]


def test_a_yaml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    [problem] = config_errors(write_config(tmp_path, "language: id\ncontent: a: b\n"))

    # The wording after "YAML syntax:" is PyYAML's own and differs between its C and Python parsers.
    assert problem.startswith("ringkas.yaml:2: YAML syntax: mapping values are not allowed")


def test_a_missing_config_file_is_reported_without_a_line(tmp_path: Path) -> None:
    assert config_errors(tmp_path / "ringkas.yaml") == ["ringkas.yaml: No such file or directory"]


def test_a_config_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "ringkas.yaml"
    path.write_bytes(b"language: id  # caf\xe9\n")

    [problem] = config_errors(path)
    assert problem.startswith("ringkas.yaml: ")
