"""What the soak measures of its own process: the resident set, SQLite's own heap, and the open
file descriptors, read at the measured window's two ends and once per simulated minute."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sqlite3
from dataclasses import dataclass
from functools import cache

from benchmarks.common import current_rss_bytes


@dataclass(frozen=True, slots=True)
class Reading:
    rss_bytes: int
    sqlite_bytes: int | None  # None where SQLite's figures are not reachable
    fds: int  # -1 where they cannot be counted


def read(collected: bool = False) -> Reading:
    """The process now. `collected`: after a full collection first, for the window's two ends,
    since garbage waiting for the collector is not what a soak looks for; the samples of each
    minute are read as they are, without a collection's pause in the run."""
    if collected:
        gc.collect()
    return Reading(current_rss_bytes() or 0, sqlite_memory_bytes(), open_fds())


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux
        return -1


@cache
def _sqlite_library() -> ctypes.CDLL | None:
    """The libsqlite3 Python's sqlite3 module uses, if it is a shared library this finds (the
    same version): a statically linked SQLite keeps its figures to itself."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.sqlite3_libversion.restype = ctypes.c_char_p
    library.sqlite3_memory_used.restype = ctypes.c_int64
    if library.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        return None
    return library


def sqlite_memory_bytes() -> int | None:
    """SQLite's own heap in this process, mostly the page caches of the store's connections
    (each up to `cache_size`, 2 MB by default): the part of the RSS that grows with the
    database file until every pooled connection's cache is full. None where unavailable."""
    library = _sqlite_library()
    return None if library is None else int(library.sqlite3_memory_used())
