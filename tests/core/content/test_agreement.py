"""The two languages of a text agree: numbers, dates and names of one are in the other, in
whichever form each language writes them."""

from __future__ import annotations

import pytest

from bot.core.content.agreement import Agreement
from bot.core.models import Localized, Person

PEOPLE = (
    Person(
        "antonio-guterres",
        Localized("António Guterres", "António Guterres"),
        Localized("UN Secretary-General", "Sekretaris Jenderal PBB"),
        ("Guterres", "UN chief", "Sekjen PBB"),
    ),
    Person(
        "israeli-officials",
        Localized("Israeli officials", "Pejabat Israel"),
        Localized("Not named", "Tidak disebutkan"),
        ("pejabat Israel",),
    ),
)
AGREEMENT = Agreement(PEOPLE)


def gaps(en: str, id_: str) -> list[tuple[str, str]]:
    """What is missing: (the language that has it, as written there)."""
    return [(lang, m.shown) for lang, _, m in AGREEMENT.missing(Localized(en, id_))]


@pytest.mark.parametrize(
    ("en", "id_"),
    [
        pytest.param("1,968 prisoners", "1.968 tawanan", id="thousands-separators"),
        pytest.param("2.5 percent", "2,5 persen", id="decimal-commas"),
        pytest.param("about 67,000 killed", "sekitar 67 ribu tewas", id="a-scale-word"),
        pytest.param("1.2 million people", "1,2 juta orang", id="millions"),
        pytest.param("the 20-point plan", "rencana dua puluh poin", id="indonesian-words"),
        pytest.param("twenty hostages", "20 sandera", id="english-words-and-digits"),
        pytest.param("twenty-five trucks", "dua puluh lima truk", id="compound-words"),
        pytest.param("seven hostages", "7 sandera", id="a-small-number-answers-for-digits"),
        pytest.param("on 7 October 2025", "pada 7 Oktober 2025", id="day-month-year"),
        pytest.param("on October 7, 2025", "pada 7 Oktober 2025", id="month-day-year"),
        pytest.param("on Monday, 6 October", "pada Senin (6/10)", id="indonesian-brackets"),
        pytest.param("at 07:00 WIB", "pukul 07.00 WIB", id="times"),
        pytest.param("since October", "sejak Oktober", id="a-month"),
        pytest.param("talks in Cairo, Egypt", "perundingan di Kairo, Mesir", id="exonyms"),
        pytest.param("the United States and the UN", "Amerika Serikat dan PBB", id="phrases"),
        pytest.param("Guterres said so.", "Sekjen PBB mengatakan demikian.", id="alias-and-role"),
        pytest.param("The UN chief agreed.", "António Guterres setuju.", id="role-and-name"),
        pytest.param("Israeli officials said so.", "Pejabat Israel berkata.", id="a-body"),
        pytest.param("Palestinian prisoners", "tawanan Palestina", id="a-near-spelling"),
    ],
)
def test_equivalent_forms_agree(en: str, id_: str) -> None:
    assert gaps(en, id_) == []


def test_a_figure_missing_from_either_text_is_reported_as_written_there() -> None:
    assert gaps("About 67,000 killed and 170,000 hurt.", "Sekitar 67.000 tewas.") == [
        ("en", "170,000")
    ]
    assert gaps("About 67,000 killed.", "Sekitar 76.000 tewas.") == [
        ("en", "67,000"),
        ("id", "76.000"),
    ]


def test_a_different_date_or_weekday_is_reported() -> None:
    assert gaps("on 7 October", "pada 8 Oktober") == [("en", "7 October"), ("id", "8 Oktober")]
    assert gaps("on Monday", "pada Selasa") == [("en", "Monday"), ("id", "Selasa")]
    # The year is a figure of its own.
    assert gaps("since 7 October 2023", "sejak 7 Oktober") == [("en", "2023")]


def test_a_name_or_person_in_one_text_only_is_reported() -> None:
    assert gaps("Guterres spoke in Doha.", "Ia berbicara di Doha.") == [("en", "Guterres")]
    assert gaps("He spoke in Doha.", "Ia berbicara di Kairo.") == [
        ("en", "Doha"),
        ("id", "Kairo"),
    ]


def test_small_numbers_in_words_and_words_opening_a_sentence_are_not_required() -> None:
    assert gaps("Both sides met two times.", "Kedua pihak bertemu.") == []
    assert gaps("Hostages were freed.", "Sandera dibebaskan.") == []


def test_a_shouted_post_has_no_names_but_keeps_its_figures() -> None:
    assert gaps("I am asking everyone to MOVE FAST.", "Saya meminta semua BERGERAK CEPAT.") == []
    assert gaps("TIME IS OF THE ESSENCE, 20 DAYS", "WAKTU SANGAT MENDESAK") == [("en", "20")]


def test_an_indonesian_thousands_group_is_not_a_decimal_in_english() -> None:
    assert gaps("1.968 tonnes", "1.968 ton") == [("en", "1.968"), ("id", "1.968")]


def test_a_name_counts_only_where_it_is_capitalised() -> None:
    sisi = Person(
        "abdel-fattah-el-sisi",
        Localized("Abdel Fattah el-Sisi", "Abdel Fattah el-Sisi"),
        Localized("President of Egypt", "Presiden Mesir"),
        ("Sisi",),
    )

    # "di sisi lain" is "on the other hand", not el-Sisi.
    assert Agreement([sisi]).missing(Localized("Meanwhile, talks went on.", "Di sisi lain,")) == []
