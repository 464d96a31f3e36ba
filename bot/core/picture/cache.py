"""The pictures drawn, kept for the next reader who asks the same: least recently used out
first, within a bound on their bytes and on their number."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

MAX_BYTES = 32 * 1024 * 1024  # a timeline of the shipped content is 0.7 MB: dozens fit
MAX_ENTRIES = 128  # the keys take memory too (a timeline's words: tens of kilobytes at most)


class PictureCache(Generic[K]):
    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._pictures: OrderedDict[K, bytes] = OrderedDict()
        self.bytes = 0  # of the pictures held
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._pictures)

    def get(self, key: K) -> bytes | None:
        picture = self._pictures.get(key)
        if picture is None:
            self.misses += 1
            return None
        self._pictures.move_to_end(key)
        self.hits += 1
        return picture

    def put(self, key: K, picture: bytes) -> None:
        """Keep `picture`, dropping the least recently used ones it has no room for; one larger
        than the whole bound is not kept."""
        if len(picture) > self.max_bytes:
            return
        old = self._pictures.pop(key, None)
        if old is not None:
            self.bytes -= len(old)
        self._pictures[key] = picture
        self.bytes += len(picture)
        while self.bytes > self.max_bytes or len(self._pictures) > self.max_entries:
            _, dropped = self._pictures.popitem(last=False)
            self.bytes -= len(dropped)

    def clear(self) -> None:
        self._pictures.clear()
        self.bytes = 0
