"""Reading an article: headline, dateline, language, quotations and sentences."""

from __future__ import annotations

import datetime as dt

from bot.curation import article


def test_the_headline_and_the_dateline_are_not_the_text() -> None:
    read = article.read(
        'Trump says hostages will be home "very soon"\n\n'
        "WASHINGTON — The president spoke.\n\nA second paragraph.",
        "en",
    )

    assert read.headline == 'Trump says hostages will be home "very soon"'
    assert read.paragraphs == ("The president spoke.", "A second paragraph.")
    assert read.dated is None


def test_a_first_line_that_ends_a_sentence_is_no_headline_and_a_dateline_dates_the_article() -> (
    None
):
    read = article.read("JAKARTA, 8 Oktober 2025 - Guterres berbicara.\n\nLagi.", "id")

    assert read.headline is None
    assert read.paragraphs[0] == "Guterres berbicara."
    assert read.dated == dt.date(2025, 10, 8)


def test_the_language_is_guessed_when_not_given() -> None:
    assert article.read("Dia mengatakan bahwa perundingan itu akan dilanjutkan.").lang == "id"
    assert article.read("He said that the talks would go on in Cairo.").lang == "en"


def test_quotations_pair_up_and_the_last_may_stay_open() -> None:
    text = '“One,” he said. "Two." "Three'

    found = [(q.words(text), q.closed) for q in article.quotes(text)]

    assert found == [("One", True), ("Two.", True), ("Three", False)]


def test_a_quotation_never_ends_a_sentence_inside_itself_nor_does_a_title() -> None:
    text = "“We came. We saw,” Dr. Voss said. “Then we left.” She went home."
    spans = article.sentences(text, article.quotes(text))

    assert [text[s:e].strip() for s, e in spans] == [
        "“We came. We saw,” Dr. Voss said.",
        "“Then we left.”",
        "She went home.",
    ]
