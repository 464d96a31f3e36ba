"""`ringkas draft` and `ringkas new summary` from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import CONTENT

ARTICLE = """\
Rubio says talks will go on

WASHINGTON — “We have a timetable,” US Secretary of State Marco Rubio told reporters.

Hamas spokesman Samir Abu Nasser said on Friday the group had asked for equipment.
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_draft_writes_the_file_and_says_what_it_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "draft.yaml"

    code, stdout, stderr = run(
        capsys, "draft", str(article), "--date", "2025-10-10", "--out", str(out),
        "--content", str(CONTENT),
    )  # fmt: skip

    assert (code, stdout) == (0, "")
    assert stderr == (
        f"{out}: 2 statements (1 direct, 1 paraphrase), 1 new speaker, 1 relative date flagged\n"
    )
    assert "speaker: marco-rubio" in out.read_text(encoding="utf-8")


def test_draft_prints_to_stdout_and_guesses_the_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    article = tmp_path / "artikel.txt"
    article.write_text('"Kami siap," kata Guterres.\n', encoding="utf-8")

    code, stdout, _ = run(capsys, "draft", str(article), "--content", str(CONTENT))

    assert code == 0
    assert "original: id" in stdout and "speaker: antonio-guterres" in stdout


def test_draft_never_overwrites_and_says_why_it_cannot_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    taken = tmp_path / "taken.yaml"
    taken.write_text("mine\n", encoding="utf-8")

    code, _, stderr = run(capsys, "draft", str(article), "--out", str(taken))
    assert (code, stderr) == (1, f"{taken}: exists already; choose another file or delete it\n")
    assert taken.read_text() == "mine\n"

    article.write_bytes(b"\xff\xfe not text")
    code, _, stderr = run(capsys, "draft", str(article))
    assert code == 1 and stderr.startswith(f"{article}: cannot read it as UTF-8 text")


def test_new_summary_writes_into_the_content_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)

    code, stdout, _ = run(
        capsys, "new", "summary", "--date", "2025-10-09", "--content", str(content)
    )

    written = content / "summaries" / "2025-10-09-new.yaml"
    assert code == 0
    assert (
        stdout
        == f"{written}: summary 2025-10-09-new: replace every TODO, then run `ringkas check`\n"
    )
    code, _, stderr = run(capsys, "check", "--content", str(content))
    assert code == 1
    assert all("TODO left" in line for line in stderr.splitlines()[:-1])
