"""Helpers for bulk work (imports, the daily run) over hundreds of thousands of rows."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import batched
from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import Field


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


def _db_value(field: Any, value: Any) -> Any:
    if isinstance(field, JSONField) and value is not None:
        return connection.ops.adapt_json_value(value, field.encoder)
    return field.get_db_prep_save(value, connection)


@lru_cache(maxsize=64)
def insert_sql(model: type[Model], vendor: str) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """The INSERT of every stored column of `model` (an automatic primary key is left to the
    database) and the fields in column order; built once per model and database vendor."""
    meta = model._meta
    # An automatic primary key is given by the database; any other (a one-to-one key) is a value.
    fields = tuple(f for f in meta.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False)))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})", fields  # noqa: S608


def insert_instances(instances: Sequence[Model], *, key: str | None = None, batch_size: int = 500) -> None:
    """INSERT unsaved model instances with `executemany`, as `bulk_create` would store them.

    `bulk_create` runs its SQL compiler over every value (measured: half a millisecond per outbox
    row of 25 columns); this prepares each value once with its field and sends the rows in batches.
    With `key`, the name of a unique field already set on the instances (a UUID, a random key),
    the primary keys given by the database are read back onto the instances (one query a batch).
    """
    if not instances:
        return
    meta = type(instances[0])._meta
    sql, fields = insert_sql(type(instances[0]), connection.vendor)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        for batch in batched(instances, batch_size):
            rows = [tuple(_db_value(f, f.pre_save(obj, True)) for f in fields) for obj in batch]
            cursor.executemany(sql, rows)
            if key is not None:
                field = cast("Field[Any, Any]", meta.get_field(key))
                by_key = {_db_value(field, getattr(obj, field.attname)): obj for obj in batch}
                q = connection.ops.quote_name
                key_marks = ", ".join(["%s"] * len(by_key))
                select = f"SELECT {q(str(field.column))}, {q(str(meta.pk.column))} FROM {table}"  # type: ignore[union-attr]  # noqa: S608
                select += f" WHERE {q(str(field.column))} IN ({key_marks})"
                cursor.execute(select, list(by_key))
                for value, pk in cursor.fetchall():
                    obj = by_key[value]
                    obj.pk = pk
                    obj._state.adding = False
                    obj._state.db = connection.alias
    for obj in instances:
        if key is None:
            obj._state.adding = False


def update_column(model: type[Model], name: str, rows: Iterable[tuple[Any, Any]]) -> int:
    """UPDATE one column of many rows, `rows` being (value, primary key) pairs, in one executemany.

    What `bulk_update` does with a CASE expression per batch, for the common case of one column."""
    meta = model._meta
    field = meta.get_field(name)
    q = connection.ops.quote_name
    sql = f"UPDATE {q(meta.db_table)} SET {q(str(field.column))} = %s WHERE {q(str(meta.pk.column))} = %s"  # type: ignore[union-attr]  # noqa: S608
    params = [(_db_value(field, value), pk) for value, pk in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
