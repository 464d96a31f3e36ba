"""The README's timeline pictures are those the shipped content gives now: each PNG carries the
fingerprint of the timeline it shows, so a change to the content (or to the timeline's words)
that leaves them stale fails here, with the command that draws them again."""

from __future__ import annotations

import pytest

from bot.core.models import LANGS, Lang
from bot.core.picture import draw
from bot.core.text.timeline import Timeline, timeline_of
from bot.core.text.whosaid import QuoteIndex
from tests.conftest import REPO
from tests.pngs import read_png

PICTURES = REPO / "tests" / "readme"


@pytest.mark.parametrize("lang", LANGS)
def test_the_readmes_timeline_shows_the_shipped_content_as_it_stands(
    quote_index: QuoteIndex, lang: Lang
) -> None:
    path = PICTURES / f"timeline-{lang}.png"
    shown = timeline_of(quote_index, "", lang)
    assert isinstance(shown, Timeline)

    png = read_png(path.read_bytes())

    again = f"ringkas timeline --lang {lang} --out {path.relative_to(REPO)}"
    assert png.texts[draw.PNG_KEY] == draw.fingerprint(shown), f"out of date: {again}"
    assert png.width == draw.WIDTH
    assert f'src="{path.relative_to(REPO)}"' in (REPO / "README.md").read_text(encoding="utf-8")
