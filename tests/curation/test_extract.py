"""The rules that find statements, each on a small text in English and in Indonesian."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.models import Kind, Lang
from bot.curation.extract import Statement
from tests.curation.conftest import Extract


def found(extraction: object) -> list[tuple[tuple[str, ...], Kind, str | None, str]]:
    statements: tuple[Statement, ...] = extraction.statements  # type: ignore[attr-defined]
    return [(s.speakers, s.kind, s.cue, s.text) for s in statements]


GUTERRES, RUBIO = ("antonio-guterres",), ("marco-rubio",)

# --- direct ---


def test_a_quotation_and_its_attribution_after_or_before_it(extracted: Extract) -> None:
    english = extracted(
        """
        “We have a timetable,” US Secretary of State Marco Rubio told reporters.

        In a post, Guterres wrote: “The guns must fall silent.”
        """,
        "en",
    )
    indonesian = extracted('"Semua sandera harus dibebaskan," kata Guterres, Kamis.', "id")

    assert found(english) == [
        (RUBIO, Kind.DIRECT, "told", "We have a timetable"),
        (GUTERRES, Kind.DIRECT, "wrote", "The guns must fall silent."),
    ]
    assert found(indonesian) == [(GUTERRES, Kind.DIRECT, "kata", "Semua sandera harus dibebaskan")]


def test_quoted_sentences_in_a_row_and_quotes_continued_over_paragraphs_are_one_statement(
    extracted: Extract,
) -> None:
    joined = extracted("“We are ready,” Rubio said. “The rest is up to them.”", "en")
    continued = extracted(
        """
        Guterres mengatakan: "Ini hari yang penting.

        "Kita harus menjaga gencatan senjata ini."
        """,
        "id",
    )

    assert found(joined) == [(RUBIO, Kind.DIRECT, "said", "We are ready. The rest is up to them.")]
    assert found(continued) == [
        (GUTERRES, Kind.DIRECT, "mengatakan",
         "Ini hari yang penting. Kita harus menjaga gencatan senjata ini."),
    ]  # fmt: skip


def test_a_quotation_in_a_paragraph_of_its_own_is_the_last_speakers(extracted: Extract) -> None:
    result = extracted(
        """
        “We have a timetable,” Rubio said.

        “Nobody should mistake it for peace.”
        """,
        "en",
    )

    assert found(result)[1] == (RUBIO, Kind.DIRECT, None, "Nobody should mistake it for peace.")


def test_scare_quotes_and_quoted_names_are_not_statements(extracted: Extract) -> None:
    english = extracted("Troops pulled back to the so-called “yellow line” on Monday.", "en")
    indonesian = extracted('Pasukan Israel mundur ke "garis kuning" sesuai kesepakatan.', "id")

    assert found(english) == found(indonesian) == []


def test_a_few_quoted_words_inside_a_sentence_keep_it_a_paraphrase(extracted: Extract) -> None:
    result = extracted("Guterres called the deal “a historic step”.", "en")

    assert found(result) == [(GUTERRES, Kind.PARAPHRASE, "called", "the deal “a historic step”")]


# --- paraphrase ---


@pytest.mark.parametrize(
    ("text", "cue", "said"),
    [
        ("Guterres said that the crossings must open.", "said", "the crossings must open"),
        ("Aid must flow now, Guterres said on Friday.", None, "Aid must flow now"),
        ("According to Guterres, aid must flow.", "According to", "aid must flow"),
        ("The UN chief told reporters he was hopeful.", "told", "he was hopeful"),
        ("Guterres urged Israel to open the crossings.", "urged", "Israel to open the crossings"),
    ],
)  # fmt: skip
def test_english_paraphrases(extracted: Extract, text: str, cue: str | None, said: str) -> None:
    assert found(extracted(text, "en")) == [(GUTERRES, Kind.PARAPHRASE, cue, said)]


# The Indonesian verbs of saying the issue names, each in a sentence of its own.
INDONESIAN = [
    ("Guterres mengatakan perlintasan harus dibuka.", "mengatakan"),
    ("Guterres menyatakan perlintasan harus dibuka.", "menyatakan"),
    ("Guterres menegaskan bahwa perlintasan harus dibuka.", "menegaskan"),
    ("Guterres mendesak Israel membuka perlintasan.", "mendesak"),
    ("Guterres menyambut baik pembukaan perlintasan.", "menyambut"),
    ("Menurut Guterres, perlintasan harus dibuka.", "Menurut"),
    ("Guterres juga mengungkapkan perlintasan harus dibuka.", "mengungkapkan"),
    ("Guterres menuturkan, perlintasan harus dibuka.", "menuturkan"),
]


@pytest.mark.parametrize(("text", "cue"), INDONESIAN)
def test_indonesian_verbs_of_saying_beyond_kata(extracted: Extract, text: str, cue: str) -> None:
    [(speakers, kind, found_cue, said)] = found(extracted(text, "id"))

    assert (speakers, kind, found_cue) == (GUTERRES, Kind.PARAPHRASE, cue)
    assert "perlintasan" in said and "Guterres" not in said and not said.startswith("bahwa")


def test_ujar_ungkap_tutur_after_a_quote_and_pronouns(extracted: Extract) -> None:
    result = extracted(
        """
        Rubio tiba di Kairo. "Kami siap," ujarnya.

        "Semua pihak harus menahan diri," ungkap Guterres. "Ini penting," tutur dia.
        """,
        "id",
    )

    assert [(s, c) for s, _, c, _ in found(result)] == [
        (RUBIO, "ujarnya"), (GUTERRES, "ungkap"), (GUTERRES, "tutur"),
    ]  # fmt: skip


def test_what_is_denied_or_not_said_is_no_statement(extracted: Extract) -> None:
    assert found(extracted("Rubio did not say when the force would deploy.", "en")) == []
    assert found(extracted("Netanyahu tidak mengatakan kapan pasukan ditarik.", "id")) == []


# --- reported ---


def test_reports_of_other_outlets_name_who_reports(extracted: Extract) -> None:
    english = extracted(
        """
        Reuters reported that Netanyahu had assured both men.

        Al-Haddad has reportedly told commanders to hold fire.

        According to the Associated Press, Hamas officials promised safe passage.
        """,
        "en",
    )
    indonesian = extracted(
        """
        Dilansir dari BBC, pejabat Mesir menyebut penandatanganan akan dilakukan pekan ini.

        "Kami tidak akan menyerah," kata Smotrich seperti dikutip dari The Times of Israel.
        """,
        "id",
    )

    assert [(s.speakers, s.kind, s.reported_by) for s in english.statements] == [
        (("benjamin-netanyahu",), Kind.REPORTED, "Reuters"),
        (("izz-al-din-al-haddad",), Kind.REPORTED, None),
        (("hamas-officials",), Kind.REPORTED, "Associated Press"),
    ]
    assert [(s.speakers, s.kind, s.reported_by, s.text) for s in indonesian.statements] == [
        (("egyptian-officials",), Kind.REPORTED, "BBC",
         "penandatanganan akan dilakukan pekan ini"),
        (("bezalel-smotrich",), Kind.REPORTED, "The Times of Israel",
         "Kami tidak akan menyerah"),
    ]  # fmt: skip


# --- speakers and dates ---


def test_an_unknown_speaker_becomes_a_new_speaker(extracted: Extract) -> None:
    result = extracted(
        '"We will stay," said Khalid al-Mansouri, a spokesman for the foreign ministry.', "en"
    )

    [speaker] = result.new_speakers
    assert (speaker.id, speaker.name, speaker.role) == (
        "khalid-al-mansouri", "Khalid al-Mansouri", "spokesman for the foreign ministry",
    )  # fmt: skip
    assert result.statements[0].speakers == ("khalid-al-mansouri",)


def test_a_date_the_attribution_gives_dates_the_statement(extracted: Extract) -> None:
    indonesian = extracted('"Semua sandera harus dibebaskan," kata Guterres, Rabu (8/10).', "id")
    english = extracted("Rubio said on 7 October that the talks were going well.", "en")

    assert [s.when.said for s in indonesian.statements] == [dt.date(2025, 10, 8)]
    assert found(english) == [(RUBIO, Kind.PARAPHRASE, "said", "the talks were going well")]
    assert [s.when.said for s in english.statements] == [dt.date(2025, 10, 7)]


def test_a_relative_date_is_flagged_and_never_turned_into_one(extracted: Extract) -> None:
    english = extracted("Guterres told the BBC last week that he was hopeful.", "en")
    indonesian = extracted("Kemarin, Guterres mengatakan perundingan berjalan baik.", "id")

    assert [(s.when.said, s.when.relative) for s in english.statements] == [(None, "last week")]
    assert [(s.when.said, s.when.relative) for s in indonesian.statements] == [(None, "Kemarin")]


def test_what_the_statement_itself_dates_does_not_date_it(extracted: Extract) -> None:
    result = extracted("Netanyahu said his cabinet would meet on Thursday.", "en")

    assert result.statements[0].when.said is None
    assert result.statements[0].when.relative is None


def test_a_date_without_a_year_after_the_article_is_from_the_year_before(
    extracted: Extract,
) -> None:
    result = extracted("Guterres said on 20 December that aid was blocked.", "en")

    assert result.statements[0].when.said == dt.date(2024, 12, 20)


@pytest.mark.parametrize(
    ("sentence", "lang", "reporter"),
    [
        ("The state-run Al-Ahram newspaper reported that Egyptian officials were ready.", "en",
         "Al-Ahram"),
        ("Channel 12 reported that Netanyahu had assured both men.", "en", "Channel 12"),
        ("Harian The New York Times melaporkan pejabat Mesir siap.", "id", "The New York Times"),
        ("According to Haaretz, Lapid reportedly backed the plan.", "en", "Haaretz"),
    ],
)  # fmt: skip
def test_who_reports_is_named_as_the_outlet_alone(
    extracted: Extract, sentence: str, lang: Lang, reporter: str
) -> None:
    [statement] = extracted(sentence, lang).statements

    assert (statement.kind, statement.reported_by) == (Kind.REPORTED, reporter)
