"""`ringkas check`: one line of counts when the content is valid, every problem when it is not."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import CONTENT, MINIMAL, REPO, WriteContent

COUNTS = re.compile(
    r"^(?P<folder>.+): (?P<summaries>\d+) summaries, \d+ statements, \d+ people, "
    r"\d+ sources: all valid$"
)


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    """Run `ringkas check ARGS`: the exit code, and the lines of stdout and of stderr."""
    code = main(["check", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out.splitlines(), err.splitlines()


def test_valid_content_passes_with_one_line_of_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--content", str(CONTENT))

    assert code == 0
    assert err == []
    [line] = out
    counts = COUNTS.match(line)
    assert counts is not None, line
    assert counts["folder"] == str(CONTENT)
    assert int(counts["summaries"]) >= 1


def test_bad_content_fails_with_every_problem_and_a_count(
    capsys: pytest.CaptureFixture[str], write_content: WriteContent
) -> None:
    folder = write_content(
        {
            "content.yaml": MINIMAL.replace("speaker: ana-speaker", "speaker: ana-speakr"),
            "more.yaml": "people:\n  - id: bob\n",
        }
    )

    code, out, err = check(capsys, "--content", str(folder))

    assert code == 1
    assert out == []
    assert err == [
        f"{folder / 'content.yaml'}:22: unknown speaker 'ana-speakr' (did you mean 'ana-speaker'?)",
        f"{folder / 'more.yaml'}:2: people[0]: missing field 'name'",
        f"{folder / 'more.yaml'}:2: people[0]: missing field 'role'",
        "3 problems",
    ]


def test_a_single_problem_is_counted_in_the_singular(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "absent"

    code, _, err = check(capsys, "--content", str(missing))

    assert code == 1
    assert err == [f"{missing}: no such content folder", "1 problem"]


def test_the_content_folder_comes_from_the_config_when_not_given(
    capsys: pytest.CaptureFixture[str], write_content: WriteContent, tmp_path: Path
) -> None:
    write_content({"content.yaml": MINIMAL})
    config = tmp_path / "ringkas.yaml"
    config.write_text("content: content\n", encoding="utf-8")

    code, out, _ = check(capsys, "--config", str(config))

    assert code == 0
    [line] = out
    assert line.startswith(f"{tmp_path / 'content'}: ")
    assert line.endswith(": all valid")


def test_a_bad_config_fails_with_the_configs_path_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "ringkas.yaml"
    config.write_text("language: id\ncolour: red\n", encoding="utf-8")

    code, out, err = check(capsys, "--config", str(config), "--content", str(CONTENT))

    assert code == 1
    assert out == []
    assert err == [f"{config}:2: unknown field 'colour'"]


# MINIMAL with a figure in the English text of its statement that the Indonesian lacks.
DISAGREEING = MINIMAL.replace(
    "text: {en: We will talk., id: Kami akan berunding.}",
    "text: {en: We will talk on 7 October., id: Kami akan berunding.}",
)


def test_warnings_are_listed_and_counted_and_the_check_passes(
    capsys: pytest.CaptureFixture[str], write_content: WriteContent
) -> None:
    folder = write_content({"content.yaml": DISAGREEING})

    code, out, err = check(capsys, "--content", str(folder))

    assert code == 0
    assert err == [
        f"{folder / 'content.yaml'}:25: warning: summaries[0].statements[0].text: the date "
        f"“7 October” in the en text is not in the id text ({folder / 'content.yaml'}:25)"
    ]
    [line] = out
    assert line.endswith(": all valid, 1 warning")


def test_strict_makes_warnings_fail_the_check(
    capsys: pytest.CaptureFixture[str], write_content: WriteContent
) -> None:
    folder = write_content({"content.yaml": DISAGREEING})

    code, out, err = check(capsys, "--content", str(folder), "--strict")

    assert code == 1
    assert out == []
    assert err[1:] == ["1 warning (--strict)"]
    assert "warning: summaries[0].statements[0].text" in err[0]


def test_the_shipped_content_passes_the_strict_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = check(capsys, "--content", str(CONTENT), "--strict")

    assert (code, err) == (0, [])
    assert COUNTS.match(out[0])


def test_a_file_pyyaml_refuses_is_refused_though_the_fast_parser_reads_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    # A tab on the blank line before `people:` (line 3): yaml-rs reads past it.
    (folder / "content.yaml").write_text(MINIMAL.replace("people:\n", "\t\npeople:\n"))

    code, _, err = check(capsys, "--content", str(folder))

    assert code == 1
    assert err == [
        f"{folder / 'content.yaml'}:3: YAML syntax: found character that cannot start any token",
        "1 problem",
    ]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-command"),
        pytest.param(["check", "--bogus"], id="unknown-option"),
        pytest.param(["check", "--content"], id="option-without-its-value"),
        pytest.param(["chekc"], id="unknown-command"),
    ],
)
def test_a_bad_command_line_exits_with_code_2_and_the_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)

    assert caught.value.code == 2
    assert "usage: ringkas" in capsys.readouterr().err


def test_python_dash_m_bot_runs_the_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--content", str(CONTENT)],
        cwd=REPO,
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert COUNTS.match(result.stdout.strip())
