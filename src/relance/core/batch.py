"""Helpers for bulk work (imports, the daily run) over hundreds of thousands of rows."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import batched
from typing import Any, cast

from django.db import connection
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    EmailField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    OneToOneField,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallIntegerField,
    TextField,
    URLField,
)
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


# Field classes whose database value is the Python value itself when it has exactly this type (what
# their get_db_prep_save returns after its generic dispatch, measured at 5 µs a value).
_PLAIN: dict[type[Any], type[Any]] = {
    CharField: str, TextField: str, EmailField: str, SlugField: str, URLField: str,
    IntegerField: int, BigIntegerField: int, SmallIntegerField: int, PositiveIntegerField: int,
    PositiveSmallIntegerField: int, PositiveBigIntegerField: int, AutoField: int, BigAutoField: int,
    BooleanField: bool,
}  # fmt: skip


def preparer(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """A function giving `field.get_db_prep_save(value, connection)` with a fast path for the values
    most rows hold (a `str` for a text field, an `int` for an integer or a foreign key, an aware
    datetime, a date); anything else goes through the field as the ORM would send it."""
    target = field
    if type(field) in (ForeignKey, OneToOneField):
        target = cast("Field[Any, Any]", field.target_field)  # type: ignore[attr-defined]
    kind = type(target)
    plain = _PLAIN.get(kind)
    slow = field.get_db_prep_save
    if plain is str or plain is bool or kind in (AutoField, BigAutoField):  # an automatic key: the int itself
        return lambda value: value if value is None or type(value) is plain else slow(value, connection)
    if plain is int:  # PostgreSQL wraps integers in their exact type (psycopg's Int4, Int8...)
        internal = target.get_internal_type()
        return lambda value: (
            connection.ops.adapt_integerfield_value(value, internal)
            if type(value) is int
            else value
            if value is None
            else slow(value, connection)
        )
    if type(field) is JSONField:  # (a subclass may prepare its values its own way)
        return lambda value: (
            connection.ops.adapt_json_value(value, field.encoder)
            if type(value) in (dict, list)
            else slow(value, connection)
        )
    if kind is DateTimeField:
        return lambda value: (
            connection.ops.adapt_datetimefield_value(value)
            if type(value) is dt.datetime and value.utcoffset() is not None
            else slow(value, connection)
        )
    if kind is DateField:
        return lambda value: (
            connection.ops.adapt_datefield_value(value) if type(value) is dt.date else slow(value, connection)
        )
    return lambda value: slow(value, connection)


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


@lru_cache(maxsize=64)
def _row_plan(model: type[Model], vendor: str) -> tuple[tuple[Any, ...], ...]:
    """Per column of `insert_sql`: the field, its attribute, whether its `pre_save` must run (an
    `auto_now` date, a file), and its preparer."""
    _sql, fields = insert_sql(model, vendor)
    plan = []
    for f in fields:
        custom_pre_save = type(f).pre_save is not Field.pre_save
        if isinstance(f, DateField) and not (f.auto_now or f.auto_now_add):
            custom_pre_save = False
        plan.append((f, f.attname, custom_pre_save, preparer(f)))
    return tuple(plan)


def prepare_rows(instances: Sequence[Model]) -> list[list[Any]]:
    """The database values of unsaved instances of one model, in `insert_sql` column order.

    The Python half of an INSERT: done before the transaction that writes them (`insert_rows`), so
    that the transaction holds the database's write lock only for the database's own work (on
    SQLite, one writer at a time: another process waits for it)."""
    if not instances:
        return []
    plan = _row_plan(type(instances[0]), connection.vendor)
    return [
        [prepare(f.pre_save(obj, True) if custom else getattr(obj, attname)) for f, attname, custom, prepare in plan]
        for obj in instances
    ]


def column_index(model: type[Model], name: str) -> int:
    """The position of field `name` in a row of `prepare_rows`."""
    _sql, fields = insert_sql(model, connection.vendor)
    return next(i for i, f in enumerate(fields) if f.name == name)


def insert_rows(
    model: type[Model],
    rows: Sequence[Sequence[Any]],
    *,
    instances: Sequence[Model] | None = None,
    key: str | None = None,
    batch_size: int = 500,
) -> None:
    """INSERT rows made by `prepare_rows` with `executemany`. With `key`, the name of a unique field
    already set on the `instances` (a UUID, a random key), the primary keys given by the database
    are read back onto them (one query a batch)."""
    if not rows:
        return
    meta = model._meta
    sql, _fields = insert_sql(model, connection.vendor)
    position = column_index(model, key) if key is not None else -1
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            cursor.executemany(sql, batch)
            if instances is None or key is None:
                continue
            by_key = {row[position]: obj for row, obj in zip(batch, instances[start : start + batch_size], strict=True)}
            column = quote(str(cast("Field[Any, Any]", meta.get_field(key)).column))
            marks = ", ".join(["%s"] * len(by_key))
            select = f"SELECT {column}, {quote(str(meta.pk.column))} FROM {quote(meta.db_table)}"  # type: ignore[union-attr]  # noqa: S608
            cursor.execute(f"{select} WHERE {column} IN ({marks})", list(by_key))
            for value, pk in cursor.fetchall():
                obj = by_key[value]
                obj.pk = pk
    for obj in instances or ():
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_instances(instances: Sequence[Model], *, key: str | None = None, batch_size: int = 500) -> None:
    """INSERT unsaved model instances with `executemany`, as `bulk_create` would store them.

    `bulk_create` runs its SQL compiler over every value (measured: half a millisecond per outbox
    row of 25 columns); this prepares each value once with its field and sends the rows in batches.
    With `key`, the primary keys given by the database are read back (see `insert_rows`).
    """
    if instances:
        insert_rows(type(instances[0]), prepare_rows(instances), instances=instances, key=key, batch_size=batch_size)


def update_column(model: type[Model], name: str, rows: Iterable[tuple[Any, Any]]) -> int:
    """UPDATE one column of many rows, `rows` being (value, primary key) pairs, in one executemany.

    What `bulk_update` does with a CASE expression per batch, for the common case of one column."""
    meta = model._meta
    field = meta.get_field(name)
    q = connection.ops.quote_name
    sql = f"UPDATE {q(meta.db_table)} SET {q(str(field.column))} = %s WHERE {q(str(meta.pk.column))} = %s"  # type: ignore[union-attr]  # noqa: S608
    prepare = preparer(cast("Field[Any, Any]", field))
    params = [(prepare(value), pk) for value, pk in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
