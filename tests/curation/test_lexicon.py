"""Verbs of saying and of reporting, by their Indonesian roots and their English forms."""

from __future__ import annotations

import pytest

from bot.curation import lexicon


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("mengatakan", "kata"), ("dikatakannya", "kata"), ("katanya", "kata"),
        ("menyatakan", "nyata"), ("menegaskan", "tegas"), ("mendesak", "desak"),
        ("menyambut", "sambut"), ("ujarnya", "ujar"), ("ungkapnya", "ungkap"),
        ("mengungkapkan", "ungkap"), ("menuturkan", "tutur"), ("tuturnya", "tutur"),
        ("membantah", "bantah"), ("menambahkan", "tambah"), ("berharap", "harap"),
    ],
)  # fmt: skip
def test_an_indonesian_verb_of_saying_is_known_by_its_root(word: str, root: str) -> None:
    assert lexicon.cue_of(word, "id") == root


def test_a_bare_root_is_a_verb_of_saying_only_right_after_a_quote() -> None:
    assert lexicon.cue_of("tegas", "id", after_quote=True) == "tegas"
    assert lexicon.cue_of("tegas", "id") is None  # "firm", as in "sikap tegas"
    assert lexicon.cue_of("jelas", "id") is None  # "clear"
    assert lexicon.cue_of("kata", "id") == "kata"  # "…, kata Guterres" goes anywhere


@pytest.mark.parametrize("word", ["pernyataan", "pernyataannya", "tersebut", "Mengatakan"])
def test_nouns_determiners_and_capitalised_words_are_not_verbs_of_saying(word: str) -> None:
    assert lexicon.cue_of(word, "id") is None


def test_english_verbs_of_saying_are_lower_case_words_in_any_tense() -> None:
    assert [lexicon.cue_of(w, "en") for w in ("said", "says", "told,", "warned")] == [
        "said", "says", "told", "warned",
    ]  # fmt: skip
    assert lexicon.cue_of("State", "en") is None  # "Secretary of State"
    assert lexicon.cue_of("statement", "en") is None


def test_reporting_verbs_in_both_languages() -> None:
    assert [lexicon.reporting_of(w, "id") for w in ("Dilansir", "melaporkan", "dikutip")] == [
        "lansir", "lapor", "kutip",
    ]  # fmt: skip
    assert lexicon.reporting_of("laporan", "id") is None  # a report, a noun
    assert lexicon.reporting_of("reported", "en") == "reported"
