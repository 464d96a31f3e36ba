"""The `ringkas` command line's digest and whosaid output, and its exit codes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import cli
from bot.core.models import LANGS, Catalog, Lang
from bot.core.text import wording
from bot.core.text.strings import say
from bot.core.text.whosaid import NothingFound, QuoteIndex, SpeakerFound
from tests.conftest import CONTENT
from tests.pngs import read_png


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def ringkas(capsys: pytest.CaptureFixture[str], command: str, *args: str) -> Run:
    """Run the command line on the shipped content and capture what it prints."""
    code = cli.main([command, *args, "--content", str(CONTENT)])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def bullets(output: str) -> int:
    return sum(line.startswith("• ") for line in output.splitlines())


# --- digest ---


@pytest.mark.parametrize("lang", LANGS)
def test_digest_prints_the_story_and_its_dates_in_the_chosen_language(
    capsys: pytest.CaptureFixture[str], catalog: Catalog, lang: Lang
) -> None:
    run = ringkas(capsys, "digest", "--lang", lang)
    assert run.code == cli.OK
    assert run.out.startswith(catalog.story.title.get(lang))
    assert catalog.newest_date is not None
    assert wording.day(catalog.newest_date, lang) in run.out.splitlines()[0]
    assert say(lang, "sources") in run.out
    assert run.err == ""


@pytest.mark.parametrize(("fmt", "bold"), [("text", None), ("telegram", "<b>"), ("discord", "**")])
def test_digest_marks_up_for_the_chosen_format(
    capsys: pytest.CaptureFixture[str], fmt: str, bold: str | None
) -> None:
    run = ringkas(capsys, "digest", "--format", fmt)
    assert run.code == cli.OK
    for marker in ("<b>", "**"):
        assert (marker in run.out) == (marker == bold)


def test_digest_keeps_to_the_days_asked_for(
    capsys: pytest.CaptureFixture[str], catalog: Catalog
) -> None:
    oldest = min(s.date for s in catalog.summaries)
    day = oldest.isoformat()
    run = ringkas(capsys, "digest", "--since", day, "--until", day, "--max-chars", "3000")
    assert run.code == cli.OK
    title = run.out.splitlines()[0]
    assert title == f"{catalog.story.title.en}: {wording.day(oldest, 'en')}"
    titles_that_day = [s.title.en for s in catalog.summaries if s.date == oldest]
    other_titles = [s.title.en for s in catalog.summaries if s.date != oldest]
    assert any(t in run.out for t in titles_that_day)
    assert not any(t in run.out for t in other_titles)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "No summaries for 1–2 January 2030.\n"),
        ("id", "Tidak ada ringkasan untuk 1–2 Januari 2030.\n"),
    ],
)
def test_digest_of_an_empty_window_says_so_and_exits_1(
    capsys: pytest.CaptureFixture[str], lang: Lang, expected: str
) -> None:
    run = ringkas(
        capsys, "digest", "--lang", lang, "--since", "2030-01-01", "--until", "2030-01-02"
    )
    assert (run.code, run.out) == (cli.NOTHING, expected)


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "2025-13-01"],
        ["--until", "yesterday"],
        ["--max-chars", "299"],
        ["--max-chars", "lots"],
        ["--format", "html"],
        ["--lang", "fr"],
    ],
)
def test_digest_with_a_bad_option_exits_2(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ringkas(capsys, "digest", *args)
    assert exit_info.value.code == cli.USAGE
    assert args[0] in capsys.readouterr().err


def test_a_bad_date_is_named_in_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        ringkas(capsys, "digest", "--since", "6/10/2025")
    assert "bad date '6/10/2025': expected YYYY-MM-DD" in capsys.readouterr().err


# --- whosaid ---


def test_whosaid_prints_the_speakers_statements_and_exits_0(
    capsys: pytest.CaptureFixture[str], quote_index: QuoteIndex
) -> None:
    run = ringkas(capsys, "whosaid", "Sekjen", "PBB")
    answer = quote_index.who_said("Sekjen PBB")
    assert isinstance(answer, SpeakerFound)
    person = answer.person
    header = say(
        "en",
        "whosaid_speaker",
        name=person.name.en,
        role=person.role.en,
        shown=len(answer.statements),
        total=answer.total,
    )
    assert run.code == cli.OK
    assert run.out.splitlines()[0] == header
    assert bullets(run.out) == len(answer.statements) >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_whosaid_finding_no_one_exits_1_with_the_closest_names(
    capsys: pytest.CaptureFixture[str], quote_index: QuoteIndex, lang: Lang
) -> None:
    run = ringkas(capsys, "whosaid", "xqzzyv", "--lang", lang)
    answer = quote_index.who_said("xqzzyv")
    assert isinstance(answer, NothingFound)
    assert run.code == cli.NOTHING
    assert say(lang, "whosaid_nothing", query="xqzzyv") in run.out
    names = ", ".join(p.name.get(lang) for p in answer.closest)
    assert say(lang, "whosaid_closest", names=names) in run.out


@pytest.mark.parametrize(("lang", "mark"), [("id", "(terjemahan)"), ("en", "(translated)")])
def test_whosaid_marks_statements_shown_in_another_language_than_said(
    capsys: pytest.CaptureFixture[str], catalog: Catalog, lang: Lang, mark: str
) -> None:
    other = "en" if lang == "id" else "id"
    said = next(s for s in catalog.statements if s.original == other and len(s.speakers) == 1)
    speaker = catalog.people[said.speakers[0]]
    run = ringkas(capsys, "whosaid", speaker.name.en, "--lang", lang, "--limit", "20")
    assert run.code == cli.OK
    assert said.text.get(lang) in run.out
    assert mark in run.out


def test_whosaid_leaves_statements_in_their_own_language_unmarked(
    capsys: pytest.CaptureFixture[str], catalog: Catalog
) -> None:
    english_only = next(
        p
        for p in catalog.people.values()
        if (said := [s for s in catalog.statements if p.id in s.speakers])
        and all(s.original == "en" for s in said)
    )
    run = ringkas(capsys, "whosaid", english_only.name.en, "--lang", "en")
    assert run.code == cli.OK
    assert say("en", "translated") not in run.out


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_whosaid_shows_no_more_statements_than_the_limit(
    capsys: pytest.CaptureFixture[str], limit: int
) -> None:
    run = ringkas(capsys, "whosaid", "trump", "--limit", str(limit))
    assert run.code == cli.OK
    assert bullets(run.out) == limit
    assert f"({limit} of " in run.out.splitlines()[0]


@pytest.mark.parametrize("limit", ["0", "21", "many"])
def test_whosaid_with_a_limit_out_of_range_exits_2(
    capsys: pytest.CaptureFixture[str], limit: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ringkas(capsys, "whosaid", "trump", "--limit", limit)
    assert exit_info.value.code == cli.USAGE


def test_whosaid_renders_for_telegram(capsys: pytest.CaptureFixture[str]) -> None:
    run = ringkas(capsys, "whosaid", "hostages", "--format", "telegram")
    assert run.code == cli.OK
    assert run.out.startswith("<b>")
    assert "<i>" in run.out


def test_a_reader_that_stops_early_ends_the_digest_quietly() -> None:
    """`ringkas digest | head -1`: the closed pipe is no error and prints no traceback."""
    command = [sys.executable, "-m", "bot", "digest", "--content", str(CONTENT)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as reader:
        assert reader.stdout is not None and reader.stderr is not None
        # Closed at once: the child is still starting, so its digest meets a closed pipe.
        reader.stdout.close()
        errors = reader.stderr.read().decode()
        assert reader.wait(timeout=30) == 0
    assert "Traceback" not in errors


# --- timeline ---


@pytest.mark.parametrize("lang", LANGS)
def test_timeline_writes_the_picture_and_says_what_it_shows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: Lang
) -> None:
    out = tmp_path / "timeline.png"

    run = ringkas(capsys, "timeline", "trump", "--lang", lang, "--out", str(out))

    png = read_png(out.read_bytes())
    assert run.code == 0 and run.err == ""
    role = {"en": "President of the United States, 7 statements"}
    role["id"] = "Presiden Amerika Serikat, 7 pernyataan"
    assert run.out == f"{out}: 1080×{png.height} px; Donald Trump, {role[lang]}\n"


def test_timeline_keeps_to_the_days_asked_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "t.png"

    window = ["--since", "2025-10-07", "--until", "2025-10-07"]
    run = ringkas(capsys, "timeline", *window, "--out", str(out))

    assert run.code == 0 and run.out.endswith("; 8 statements\n")
    assert read_png(out.read_bytes()).texts["Title"].endswith("7 October 2025")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["zzqx"], "No speaker or statement matches “zzqx”."),
        (["minister"], "“minister” could be more than one person. Which one?"),
        (["--since", "2025-10-09"], "No statements for 9 October 2025."),
    ],
)
def test_timeline_with_nothing_to_draw_says_so_writes_nothing_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], expected: str
) -> None:
    out = tmp_path / "t.png"

    run = ringkas(capsys, "timeline", *args, "--out", str(out))

    assert run.code == 1 and run.out.startswith(expected)
    assert not out.exists()


def test_timeline_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["timeline", "trump"])
    assert stopped.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_timeline_into_a_folder_that_does_not_exist_fails_with_its_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = ringkas(capsys, "timeline", "--out", str(tmp_path / "nowhere" / "t.png"))

    assert run.code == 1 and "No such file or directory" in run.err
