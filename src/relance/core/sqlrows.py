"""Model instances from plain SQL rows, for a few hot reads where building an ORM query costs
more than running it (the customer's page is served on every click of a reminder's link).

    plan = model_plan(Customer, "cu")           # once per model, alias and database (cached)
    sql = f"SELECT {plan.columns} FROM ledger_customer cu WHERE cu.id = %s"
    customer = plan.load(row[plan_start : plan_start + plan.width])

The instance is what the ORM would have built: every concrete field, in order, each value passed
through the database backend's and the field's own converters (dates and booleans on SQLite,
JSON...), then `Model.from_db`. A test compares it with the ORM's instance field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True, slots=True)
class ModelPlan:
    model: type[Model]
    db: str
    columns: str  # "alias"."column", ... in the order of the model's concrete fields
    width: int
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, Any, tuple[Converter, ...]], ...]  # (position, column expression, converters)

    def load(self, values: Sequence[Any]) -> Any:
        """The model instance of these column values (exactly `width` of them)."""
        values = list(values)
        connection = connections[self.db]
        for position, expression, converters in self.converters:
            value = values[position]
            for converter in converters:
                value = converter(value, expression, connection)
            values[position] = value
        return self.model.from_db(self.db, self.attnames, values)


def model_plan(model: type[Model], alias: str) -> ModelPlan:
    """How to select and load `model` under a table alias, on the database the router reads it from."""
    return _plan(model, alias, router.db_for_read(model))


@cache
def _plan(model: type[Model], alias: str, db: str) -> ModelPlan:
    connection = connections[db]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    converters = []
    for position, field in enumerate(fields):
        expression = field.get_col(alias)
        found = tuple(connection.ops.get_db_converters(expression) + expression.get_db_converters(connection))
        if found:
            converters.append((position, expression, found))
    return ModelPlan(
        model=model,
        db=db,
        columns=", ".join(f"{quote(alias)}.{quote(str(field.column))}" for field in fields),
        width=len(fields),
        attnames=tuple(field.attname for field in fields),
        converters=tuple(converters),
    )


def load_one(model: type[Model], where: str, params: Sequence[Any]) -> Any:
    """The instance of `model` matching `where` (SQL on the alias `t`, on a unique key), or None."""
    plan = model_plan(model, "t")
    quote = connections[plan.db].ops.quote_name
    sql = f"SELECT {plan.columns} FROM {quote(model._meta.db_table)} t WHERE {where}"  # noqa: S608 - callers pass constant SQL
    with connections[plan.db].cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    return plan.load(row) if row is not None else None
