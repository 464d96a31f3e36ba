"""The cyclic garbage collector, paused for work that makes many objects at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection meanwhile: for work that makes a great many objects which live until
    it ends, so that the collector would walk them again and again and free none of them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
