"""Helpers for bulk work (imports, the daily run) over hundreds of thousands of rows."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import batched
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone


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


class RowInserter:
    """INSERT many rows of a model with one `executemany`, without building model instances.

    `fields` name the columns given per row, as values already prepared for the database (see
    `prepare`); every other concrete field gets its default (or "now" for `auto_now` fields), as
    `Model.objects.bulk_create` would give it. Measured on the daily run: bulk_create spends most
    of its time building and preparing instances (a third of a million rows on a first run).
    """

    def __init__(self, model: type[Model], fields: Sequence[str]) -> None:
        meta = model._meta
        concrete = {f.name: f for f in meta.concrete_fields}
        given = [concrete[name] for name in fields]
        others = [f for f in meta.concrete_fields if f.name not in fields and not f.primary_key]
        now = timezone.now()
        self._constants = tuple(
            f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                               else f.get_default(), connection)
            for f in others
        )  # fmt: skip
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in (*given, *others))
        marks = ", ".join(["%s"] * (len(given) + len(others)))
        self.sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self._fields = {f.name: f for f in given}

    def prepare(self, name: str, value: Any) -> Any:
        """A value of one of the given fields, adapted for the database (JSON, dates)."""
        field = self._fields[name]
        if isinstance(field, JSONField) and value is not None:  # what get_db_prep_save ends with, directly
            return connection.ops.adapt_json_value(value, field.encoder)
        return field.get_db_prep_save(value, connection)

    def insert(self, rows: Iterable[Sequence[Any]], *, batch_size: int = 5000) -> int:
        constants = self._constants
        count = 0
        with connection.cursor() as cursor:
            for batch in batched(rows, batch_size):
                cursor.executemany(self.sql, [(*row, *constants) for row in batch])
                count += len(batch)
        return count
