"""The timeline drawn: a valid PNG a phone can show (width, text size, Telegram's limits), whose
labels are the statements' own speakers and words, in English and Indonesian."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from bot.core.content.loading import load_catalog
from bot.core.models import LANGS, Lang
from bot.core.picture import draw
from bot.core.text.timeline import MAX_DAYS, Timeline, timeline_of
from bot.core.text.whosaid import QuoteIndex
from tests.conftest import WriteContent
from tests.made_up import made_up_content
from tests.pngs import read_png
from tests.reliability.strategies import hostile_text


def timeline(index: QuoteIndex, query: str = "", lang: Lang = "en") -> Timeline:
    found = timeline_of(index, query, lang)
    assert isinstance(found, Timeline)
    return found


def texts(timeline: Timeline) -> list[Text]:
    return [t for t in draw.figure(timeline).findobj(Text) if t.get_text()]


@pytest.mark.parametrize("lang", LANGS)
def test_the_shipped_timeline_is_a_valid_png_a_phone_can_show(
    quote_index: QuoteIndex, lang: Lang
) -> None:
    drawn = timeline(quote_index, lang=lang)

    picture = draw.png(drawn)

    png = read_png(picture)
    assert png.width == draw.WIDTH <= 1280
    assert 1000 < png.height <= draw.MAX_HEIGHT  # Telegram: width + height ≤ 10,000
    assert png.height / png.width <= 20  # Telegram: at most 20 times as tall as wide
    assert len(picture) < 10 * 1024 * 1024  # Telegram's and Discord's upload limit
    assert png.texts["Title"] == drawn.title
    assert png.texts[draw.PNG_KEY] == draw.fingerprint(drawn)
    assert draw.png_size(picture) == (png.width, png.height)


@pytest.mark.parametrize("lang", LANGS)
def test_each_statement_is_labelled_with_its_speakers(quote_index: QuoteIndex, lang: Lang) -> None:
    drawn = timeline(quote_index, lang=lang)

    speakers: dict[str, list[str]] = {}
    for text in texts(drawn):
        gid = text.get_gid()
        if gid is not None:
            speakers.setdefault(gid.removeprefix("speaker:"), []).append(text.get_text())

    assert {key: " ".join(runs) for key, runs in speakers.items()} == {
        entry.statement_id: entry.speaker for entry in drawn.entries
    }


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_drawn_is_the_timelines_own(quote_index: QuoteIndex, lang: Lang) -> None:
    """Nothing is characterised anew: every text drawn comes from the timeline's words."""
    drawn = timeline(quote_index, lang=lang)
    words = {
        drawn.title, drawn.what, drawn.sources,
        *(lane.name for lane in drawn.lanes), *(word for _, word in drawn.kinds),
        *(day.label for day in drawn.days),
        *(part for e in drawn.entries
          for part in (e.speaker, e.attribution, e.excerpt, e.translated, e.note)),
    }  # fmt: skip
    vocabulary = set(re.findall(r"\w+", " ".join(words)))

    for text in texts(drawn):
        assert set(re.findall(r"\w+", text.get_text())) <= vocabulary, text.get_text()


def test_no_text_is_smaller_than_a_chat_message_or_runs_off_the_picture(
    quote_index: QuoteIndex,
) -> None:
    drawn = timeline(quote_index, lang="id")
    figure = draw.figure(drawn)
    renderer = FigureCanvasAgg(figure).get_renderer()
    drawn_texts = [t for t in figure.findobj(Text) if t.get_text()]

    assert drawn_texts
    for text in drawn_texts:
        assert text.get_fontsize() >= draw.TEXT  # pixels: the picture is drawn at 72 dpi
        box = text.get_window_extent(renderer)
        assert box.x0 >= draw.MARGIN - 1 and box.x1 <= draw.WIDTH - draw.MARGIN + 1, text


def test_a_timeline_too_tall_gives_its_labels_fewer_lines_and_keeps_every_statement(
    write_content: WriteContent,
) -> None:
    # 50 statements on as many days as a timeline takes, each long, by speakers with long names:
    # at three lines a label, the picture would pass Telegram's limit.
    content = made_up_content(50, 6, MAX_DAYS, words=40, name="Speaker With A Long Name")
    drawn = timeline(QuoteIndex(load_catalog(write_content({"c.yaml": content}))))

    placed = draw.layout(drawn)
    png = read_png(draw.png(drawn))

    assert png.height == placed.height <= draw.MAX_HEIGHT
    assert {t.gid for t in placed.texts if t.gid} == {
        f"speaker:{e.statement_id}" for e in drawn.entries
    }


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=hostile_text(long=False))
def test_any_text_is_drawn_as_text_and_never_fails_the_drawing(
    quote_index: QuoteIndex, words: str
) -> None:
    """A topic query repeats the reader's words in the picture, and content is text too:
    markup, "$" (matplotlib's mathematics), control characters, right-to-left text and emoji
    are drawn as they are (or as a missing glyph), never fail the drawing."""
    shown = timeline(quote_index, "rubio")
    [day] = shown.days
    entry = dataclasses.replace(day.entries[0], speaker=words or "x", excerpt=words)
    hostile = dataclasses.replace(
        shown, subject=words, days=(dataclasses.replace(day, entries=(entry,)),)
    )

    png = read_png(draw.png(hostile))

    assert png.width == draw.WIDTH and png.height <= draw.MAX_HEIGHT
