import gc

import pytest

from relance.core.batch import no_cyclic_gc


def test_the_collector_is_paused_inside_and_restored_after_even_on_error():
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), no_cyclic_gc():
        _ = 1 / 0
    assert gc.isenabled()


@pytest.mark.django_db
def test_the_fast_preparers_give_what_the_fields_give():
    """Every field kind of the models written in bulk, with the values rows hold (and odd ones that
    must take the field's own path): the same database value as `get_db_prep_save`."""
    import datetime as dt
    import decimal
    from enum import StrEnum

    from django.db import connection, models

    from relance.core.batch import preparer
    from relance.messaging.models import OutboxMessage

    class Status(StrEnum):
        SENT = "sent"

    paris = dt.timezone(dt.timedelta(hours=1))
    cases = [
        (models.CharField(max_length=10), ["abc", "", None, Status.SENT, 12]),
        (models.TextField(), ["x" * 3000, None, 3.5]),
        (models.EmailField(), ["a@b.example"]),
        (models.IntegerField(), [0, -5, None, "7", True, decimal.Decimal("3")]),
        (models.BigIntegerField(), [2**40]),
        (models.PositiveSmallIntegerField(), [3]),
        (models.BooleanField(), [True, False, None, 1, 0]),
        (models.DateField(), [dt.date(2026, 11, 24), None, dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)]),
        (models.DateTimeField(), [dt.datetime(2026, 11, 24, 9, 30, tzinfo=paris), None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]),  # noqa: E501
        (models.JSONField(null=True), [{"a": [1, "é"]}, [], None, "text"]),
        (OutboxMessage._meta.get_field("company"), [1, None]),
        (OutboxMessage._meta.get_field("uuid"), [OutboxMessage().uuid]),
    ]  # fmt: skip
    for field, values in cases:
        prepare = preparer(field)
        for value in values:
            expected = field.get_db_prep_save(value, connection)
            got = prepare(value)
            if isinstance(field, models.JSONField) and value is not None:  # psycopg's Jsonb wraps the value
                got, expected = getattr(got, "obj", got), getattr(expected, "obj", expected)
            assert (type(got), got) == (type(expected), expected), (field, value)
