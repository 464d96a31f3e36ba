"""Timeline pictures for the content in service: drawn in the worker thread while the event loop
goes on, drawn once for readers asking at once, cached, and dropped when the content changes."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import pytest

from bot.core.library import Library
from bot.core.picture import draw, pictures
from bot.core.picture.pictures import Pictures
from bot.core.text.compose import DigestOptions
from bot.core.text.timeline import Timeline, timeline_of
from bot.core.text.whosaid import QuoteIndex
from tests.conftest import CONTENT
from tests.pngs import read_png


def shipped(index: QuoteIndex, query: str = "") -> Timeline:
    found = timeline_of(index, query, "en")
    assert isinstance(found, Timeline)
    return found


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread each drawing ran in; each drawing takes at least 0.2 s."""
    threads: list[str] = []
    real = draw.png

    def slow_png(timeline: Timeline) -> bytes:
        threads.append(threading.current_thread().name)
        time.sleep(0.2)
        return real(timeline)

    monkeypatch.setattr(pictures.draw, "png", slow_png)
    return threads


async def test_a_picture_is_drawn_in_the_worker_while_the_loop_goes_on(
    quote_index: QuoteIndex, drawings: list[str]
) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(tick())
    picture = await Pictures().timeline(shipped(quote_index))
    ticking.cancel()

    assert read_png(picture).width == draw.WIDTH
    assert drawings == ["ringkas-picture_0"]
    assert ticks >= 10  # the loop ran all along the 0.2 s and more the drawing took


async def test_readers_asking_at_once_share_one_drawing_and_later_ones_the_cache(
    quote_index: QuoteIndex, drawings: list[str]
) -> None:
    service = Pictures()
    timeline = shipped(quote_index)

    first = await asyncio.gather(*(service.timeline(timeline) for _ in range(5)))
    later = await service.timeline(shipped(quote_index))  # an equal timeline, built anew

    assert len(drawings) == 1
    assert len(set(first)) == 1 and later == first[0]
    assert (service.cache.hits, service.cache.misses) == (1, 5)


async def test_a_reader_giving_up_leaves_the_drawing_to_the_others(
    quote_index: QuoteIndex, drawings: list[str]
) -> None:
    service = Pictures()
    timeline = shipped(quote_index)
    impatient = asyncio.create_task(service.timeline(timeline))
    patient = asyncio.create_task(service.timeline(timeline))
    await asyncio.sleep(0.05)

    impatient.cancel()

    assert read_png(await patient).width == draw.WIDTH
    assert len(drawings) == 1 and len(service.cache) == 1


async def test_a_failed_drawing_reaches_its_readers_and_is_not_cached(
    quote_index: QuoteIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(timeline: Timeline) -> bytes:
        raise RuntimeError("no ink")

    monkeypatch.setattr(pictures.draw, "png", broken)
    service = Pictures()

    with pytest.raises(RuntimeError, match="no ink"):
        await service.timeline(shipped(quote_index))
    assert len(service.cache) == 0


async def test_a_reload_drops_the_pictures_of_the_content_before(
    tmp_path: Path, drawings: list[str]
) -> None:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    now = dt.datetime(2025, 10, 8, tzinfo=dt.UTC)
    library = await Library.load(folder, DigestOptions(), now)
    await library.pictures.timeline(shipped(library.edition.index))
    assert len(library.pictures.cache) == 1

    people = folder / "people.yaml"
    people.write_text(people.read_text().replace("Donald Trump", "Donald J. Trump", 1))
    await library.reload(now)

    assert len(library.pictures.cache) == 0
    redrawn = shipped(library.edition.index)
    await library.pictures.timeline(redrawn)
    assert len(drawings) == 2
