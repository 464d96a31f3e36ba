"""The content in service: the last good catalog, its quote index, and hot reload.

A reload that finds problems keeps the last good catalog serving and keeps the problems for the
admins; loading runs in a worker thread, so the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.content.loading import ContentInvalid, load_catalog
from bot.core.content.problems import ContentError
from bot.core.models import Catalog, Lang
from bot.core.picture.pictures import Pictures
from bot.core.ports import Format
from bot.core.text.compose import DigestOptions, Window
from bot.core.text.fitting import digest_message
from bot.core.text.whosaid import QuoteIndex

# What identifies the files on disk: path, modification time and size of each.
Fingerprint = frozenset[tuple[str, int, int]]


@dataclass(frozen=True, slots=True)
class Edition:
    """One loaded catalog with what is derived from it, swapped in as a whole."""

    catalog: Catalog
    index: QuoteIndex
    selection: str | None  # which summaries a digest shows now (a hash); None when there are none
    loaded_at: dt.datetime
    fingerprint: Fingerprint


@dataclass(frozen=True, slots=True)
class Reloaded:
    edition: Edition
    changed: bool  # the digest's summaries differ from the previous edition's


@dataclass(frozen=True, slots=True)
class ReloadFailed:
    errors: tuple[ContentError, ...]


def selection_of(catalog: Catalog, options: DigestOptions) -> str | None:
    """A short hash of the summaries the digest shows: new summaries give a new selection, while a
    curator's typo fix in one of them does not make every chat get the digest again."""
    shown = [summary.id for summary in catalog.summaries[: options.max_items]]
    if not shown:
        return None
    return hashlib.sha256("\n".join(shown).encode()).hexdigest()[:16]


def fingerprint(directory: Path) -> Fingerprint:
    found: set[tuple[str, int, int]] = set()
    for root, _dirs, files in os.walk(directory):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                stat = os.stat(os.path.join(root, name))
                found.add((os.path.join(root, name), stat.st_mtime_ns, stat.st_size))
    return frozenset(found)


def _load(directory: Path, options: DigestOptions, now: dt.datetime) -> Edition:
    before = fingerprint(directory)
    catalog = load_catalog(directory)
    return Edition(catalog, QuoteIndex(catalog), selection_of(catalog, options), now, before)


class Library:
    def __init__(self, directory: Path, options: DigestOptions, edition: Edition) -> None:
        self.directory = directory
        self.options = options
        self._edition = edition
        self.problems: tuple[ContentError, ...] = ()  # of the last reload, if it failed
        self._lock = asyncio.Lock()
        self._messages: dict[tuple[Lang, Format], str | None] = {}  # of the edition in service
        self.pictures = Pictures()  # timeline pictures, kept until the content changes

    @classmethod
    async def load(cls, directory: Path, options: DigestOptions, now: dt.datetime) -> Library:
        """The library over `directory`; ContentInvalid if its content has problems."""
        library = cls(directory, options, await asyncio.to_thread(_load, directory, options, now))
        _settle_heap()
        return library

    @property
    def edition(self) -> Edition:
        return self._edition

    @property
    def catalog(self) -> Catalog:
        return self._edition.catalog

    async def changed_on_disk(self) -> bool:
        return await asyncio.to_thread(fingerprint, self.directory) != self._edition.fingerprint

    async def reload(self, now: dt.datetime) -> Reloaded | ReloadFailed:
        async with self._lock:
            previous = self._edition
            try:
                edition = await asyncio.to_thread(_load, self.directory, self.options, now)
            except ContentInvalid as invalid:
                self.problems = invalid.errors
                # Remember the broken files, so the watcher reports them once, not every pass.
                seen = await asyncio.to_thread(fingerprint, self.directory)
                self._edition = replace(previous, fingerprint=seen)
                return ReloadFailed(invalid.errors)
            self._edition, self.problems = edition, ()
            self._messages.clear()
            self.pictures.clear()
            _settle_heap()
            return Reloaded(edition, changed=edition.selection != previous.selection)

    def digest(self, lang: Lang, fmt: Format) -> str | None:
        """The current digest as one message, or None when there are no summaries."""
        if (lang, fmt) not in self._messages:
            self._messages[lang, fmt] = digest_message(
                self.catalog, lang, fmt, Window(), self.options
            )
        return self._messages[lang, fmt]

    def summary_digest(self, summary_id: str, lang: Lang, fmt: Format) -> str | None:
        """A digest of one summary (an admin's push); None if there is no such summary."""
        chosen = [s for s in self.catalog.summaries if s.id == summary_id]
        if not chosen:
            return None
        only = replace(self.catalog, summaries=tuple(chosen))
        return digest_message(only, lang, fmt, Window(), self.options)


def _settle_heap() -> None:
    """Move the loaded catalog out of the garbage collector's sight: it lives until the next
    reload, and a full collection walking its objects stalled the scheduler's due-scan for
    tens of milliseconds. A replaced catalog is still freed, by reference counting."""
    gc.collect()
    gc.freeze()
