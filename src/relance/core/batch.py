"""Helpers for bulk work (imports, the daily run) over hundreds of thousands of rows."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during bulk work.

    Bulk work creates millions of small, long-lived, acyclic objects (rows, keys, records); the
    collector scans them again and again and frees nothing: measured, a quarter to a third of a
    million-row import. Reference counting still frees everything as usual; the collector is
    restored afterwards, exceptions included.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
