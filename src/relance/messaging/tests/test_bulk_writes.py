"""core.batch's bulk writers, on the outbox (the model with the most kinds of columns)."""

import pytest


def test_insert_instances_stores_what_bulk_create_would_and_reads_keys_back(company):
    """JSON, dates, defaults and auto_now_add come out as the ORM would store them; with a key the
    primary keys are set so the instances can be referenced afterwards."""
    from relance.core.batch import insert_instances, update_column
    from relance.messaging.models import OutboxMessage
    from tests.factories import CustomerFactory

    customer = CustomerFactory(company=company)
    rows = [
        OutboxMessage(company=company, customer=customer, message_id=f"<m{i}@test>", from_email="a@b.test",
                      to=[f"x{i}@y.test"], subject=f"Subject {i}", text="t", headers={"X-N": str(i)})
        for i in range(7)
    ]  # fmt: skip
    insert_instances(rows, key="uuid", batch_size=3)
    assert all(row.pk for row in rows)
    for row in rows:
        stored = OutboxMessage.objects.get(pk=row.pk)
        assert (stored.uuid, stored.to, stored.headers, stored.subject) == (row.uuid, row.to, row.headers, row.subject)
        assert stored.status == "queued"
        assert stored.created_at is not None
    update_column(OutboxMessage, "headers", [({"X-N": "changed"}, rows[0].pk), ({}, rows[1].pk)])
    assert OutboxMessage.objects.get(pk=rows[0].pk).headers == {"X-N": "changed"}
    assert OutboxMessage.objects.get(pk=rows[1].pk).headers == {}
    assert OutboxMessage.objects.get(pk=rows[2].pk).headers == {"X-N": "2"}


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
