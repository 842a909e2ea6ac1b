"""core.batch's bulk writers, on the outbox (the model with the most kinds of columns)."""


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
