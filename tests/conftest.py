"""Shared fixtures: the real curated content, and small content folders written per test."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.content.loading import load_catalog
from bot.core.models import Catalog
from bot.core.text.whosaid import QuoteIndex
from tests import network_guard
from tests.reliability import leaks

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "digests"

# A complete, valid content folder in one file: the smallest catalog worth testing against.
MINIMAL = """\
story:
  title: {en: Test story, id: Cerita uji}
people:
  - id: ana-speaker
    name: Ana Speaker
    role: {en: Test minister, id: Menteri uji}
    aliases: [Speaker, Menteri Uji]
sources:
  - id: report-en
    language: en
    published: 2025-10-06
    cites: [Wire]
summaries:
  - id: first
    date: 2025-10-06
    priority: 4
    title: {en: First development, id: Perkembangan pertama}
    text: {en: One sentence here. Another one there., id: Satu kalimat. Kalimat lain.}
    sources: [report-en]
    statements:
      - id: ana-said
        speaker: ana-speaker
        kind: direct
        original: en
        text: {en: We will talk., id: Kami akan berunding.}
        date: 2025-10-06
        source: report-en
        key: true
"""

WriteContent = Callable[..., Path]


def pytest_configure(config: pytest.Config) -> None:
    """The whole session is watched for secrets in logs, program output and what the bot sends
    (tests/reliability/leaks.py): a leak fails the run. And it is kept off the network."""
    config.pluginmanager.register(leaks.SessionPlugin(), "ringkas-leak-watch")
    # The run stays offline: a connection past loopback fails the test that made it
    # (tests/network_guard.py).
    config.pluginmanager.register(network_guard.SessionPlugin(), "ringkas-network-guard")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The root logger's handlers and level, and the libraries' levels `logs.configure` sets,
    as they were before the test configured logging."""
    root = logging.getLogger()
    quieted = [logging.getLogger(name) for name in ("httpx", "apscheduler")]
    saved = (root.handlers[:], root.level, [logger.level for logger in quieted])
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for logger, level in zip(quieted, saved[2], strict=True):
        logger.setLevel(level)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The project's own curated content, as shipped."""
    return load_catalog(CONTENT)


@pytest.fixture(scope="session")
def quote_index(catalog: Catalog) -> QuoteIndex:
    return QuoteIndex(catalog)


@pytest.fixture
def write_content(tmp_path: Path) -> WriteContent:
    """Write files (name → YAML text, dedented) into a fresh content folder and return it."""

    def write(files: dict[str, str] | None = None, **named: str) -> Path:
        folder = tmp_path / "content"
        folder.mkdir(exist_ok=True)
        for name, text in {**(files or {}), **named}.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return folder

    return write
