"""Promises kept or broken, call outcomes, tasks for collectors, the plan ahead and the scheduler."""

import datetime as dt

import pytest
import time_machine

from relance.accounts.models import User
from relance.collection.models import Action, CollectionRun, Promise
from relance.collection.selectors import plan_ahead, tasks_for
from relance.collection.services.actions import CallDispute, CallPromise, action_skip, call_outcome_record
from relance.collection.services.run import collection_run
from relance.collection.services.statuses import (
    StatusError,
    customer_pause,
    customer_resume,
    customer_to_litigation,
    promise_create,
    promises_evaluate,
)
from relance.collection.standard import scenario_copy, scenarios_install_standard
from relance.collection.tasks import schedule_due_runs
from relance.core.models import AuditEvent
from relance.core.money import Money
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date


@pytest.fixture
def customer(company, actor):
    scenarios_install_standard(company=company, actor=actor)
    return CustomerFactory(company=company, code="C1")


def test_a_promise_paid_by_its_date_is_kept_and_an_unpaid_one_broken(company, actor, customer):
    paid = InvoiceFactory(customer=customer, number="P-1", issue_date=D(2026, 1, 1), due_date=D(2026, 2, 1))
    unpaid = InvoiceFactory(customer=customer, number="P-2", issue_date=D(2026, 1, 1), due_date=D(2026, 2, 1))
    kept = promise_create(actor=actor, customer=customer, invoices=[paid], promised_date=D(2026, 3, 10),
                          today=D(2026, 3, 1))  # fmt: skip
    broken = promise_create(actor=actor, customer=customer, invoices=[unpaid], promised_date=D(2026, 3, 10),
                            today=D(2026, 3, 1))  # fmt: skip
    settle(paid, paid.amount, D(2026, 3, 12))  # within the 3 days of grace
    assert promises_evaluate(company_id=company.pk, today=D(2026, 3, 13), actor=actor) == (0, 0)  # grace not over
    assert promises_evaluate(company_id=company.pk, today=D(2026, 3, 14), actor=actor) == (1, 1)
    kept.refresh_from_db()
    broken.refresh_from_db()
    assert (kept.status, broken.status) == ("kept", "broken")
    assert AuditEvent.objects.filter(code="collection.promise.broken", customer=customer).exists()


def test_promise_validation(company, actor, customer):
    invoice = InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1))
    with pytest.raises(StatusError, match="in the past"):
        promise_create(
            actor=actor, customer=customer, invoices=[invoice], promised_date=D(2026, 2, 1), today=D(2026, 3, 1)
        )
    with pytest.raises(StatusError, match="within 60 days"):
        promise_create(
            actor=actor, customer=customer, invoices=[invoice], promised_date=D(2026, 6, 1), today=D(2026, 3, 1)
        )
    stranger = InvoiceFactory(customer=CustomerFactory(company=company))
    with pytest.raises(StatusError, match="is not an invoice of"):
        promise_create(
            actor=actor, customer=customer, invoices=[stranger], promised_date=D(2026, 3, 5), today=D(2026, 3, 1)
        )
    promise = promise_create(actor=actor, customer=customer, invoices=[invoice], promised_date=D(2026, 3, 5),
                             today=D(2026, 3, 1))  # fmt: skip
    assert Money(promise.amount, promise.currency) == Money.of("100.00", "EUR")  # the open amount by default


def test_a_call_outcome_records_the_promise_and_the_dispute_in_one_step(company, actor, customer):
    a = InvoiceFactory(customer=customer, number="A", issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    b = InvoiceFactory(customer=customer, number="B", issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    collection_run(company=company, today=D(2026, 3, 12), actor=actor)
    call = Action.objects.get(channel="call")
    action, promise, dispute = call_outcome_record(
        actor=actor, action=call, reached=True, note="spoke to the AP clerk",
        promise=CallPromise(invoices=[a], date=D(2026, 3, 20), means="transfer", made_by="J. Petit"),
        dispute=CallDispute(invoices=[b], reason="missing_goods", comment="2 pallets missing"), today=D(2026, 3, 12),
    )  # fmt: skip
    assert action.status == "done"
    assert action.outcome["reached"] is True
    assert (promise.source, promise.made_by) == ("call", "J. Petit")
    assert dispute.reason == "missing_goods"
    codes = set(AuditEvent.objects.filter(customer=customer).values_list("code", flat=True))
    assert {"collection.call.logged", "collection.promise.created", "collection.dispute.opened"} <= codes
    # The step is kept as given: tomorrow's run does not call again.
    assert collection_run(company=company, today=D(2026, 3, 13), actor=actor).created == []


def test_an_unanswered_call_stays_on_the_list_with_the_attempt(company, actor, customer):
    InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    collection_run(company=company, today=D(2026, 3, 12), actor=actor)
    call = Action.objects.get(channel="call")
    call_outcome_record(actor=actor, action=call, reached=False, note="voicemail")
    call.refresh_from_db()
    assert call.status == "to_confirm"
    assert [a["note"] for a in call.outcome["attempts"]] == ["voicemail"]
    action_skip(actor=actor, action=call, reason="customer unreachable, e-mail will follow")
    call.refresh_from_db()
    assert call.status == "skipped"


def test_tasks_are_assigned_to_the_customers_collector_by_priority(company, actor):
    scenarios_install_standard(company=company, actor=actor)
    camille = User.objects.create_user("camille")
    small = CustomerFactory(company=company, code="S", collector=camille)
    big = CustomerFactory(company=company, code="B", collector=camille)
    other = CustomerFactory(company=company, code="O")
    for customer, amount in ((small, 100_00), (big, 9000_00), (other, 500_00)):
        InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2), amount=amount)
    collection_run(company=company, today=D(2026, 3, 12), actor=actor)
    mine = tasks_for(company=company, user=camille, as_of=D(2026, 3, 12))
    assert [a.customer.code for a in mine] == ["B", "S"]
    assert [a.priority for a in mine] == [9000 * 10, 100 * 10]
    assert tasks_for(company=company, as_of=D(2026, 3, 12)).count() == 3


def test_pause_and_litigation_stop_and_resume_the_run(company, actor, customer):
    InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    collection_run(company=company, today=D(2026, 3, 12), actor=actor)
    customer_pause(actor=actor, customer=customer, until=D(2026, 3, 20))
    assert Action.objects.get().status == "cancelled"
    assert collection_run(company=company, today=D(2026, 3, 19), actor=actor).created == []
    assert [a.step_label for a in collection_run(company=company, today=D(2026, 3, 23), actor=actor).created] == [
        "D+20 Firm reminder with penalties"
    ]
    customer_to_litigation(actor=actor, customer=customer)
    assert collection_run(company=company, today=D(2026, 4, 6 + 1), actor=actor).created == []
    customer_resume(actor=actor, customer=customer)
    assert customer.status == "active"


def test_plan_ahead_lists_the_next_steps_day_by_day(company, actor, customer):
    InvoiceFactory(customer=customer, number="F-1", issue_date=D(2026, 2, 1), due_date=D(2026, 3, 16))
    planned = plan_ahead(company=company, start=D(2026, 3, 2), days=30)
    assert [(p.date, p.decision.step.label) for p in planned] == [
        (D(2026, 3, 6), "D-10"),
        (D(2026, 3, 19), "D+3"),
        (D(2026, 3, 26), "D+10"),
    ]
    assert not Action.objects.exists()  # planning writes nothing


def test_a_copied_scenario_can_be_edited_and_assigned(company, actor, customer):
    standard = company.scenarios.get(name="Standard")
    copy = scenario_copy(scenario=standard, name="Standard (ours)", actor=actor)
    assert copy.steps.count() == standard.steps.count()
    copy.steps.filter(offset_days=-10).update(offset_days=-7)
    from relance.collection.models import CustomerScenario

    CustomerScenario.objects.create(customer=customer, scenario=copy)
    InvoiceFactory(customer=customer, issue_date=D(2026, 2, 1), due_date=D(2026, 3, 16))
    assert collection_run(company=company, today=D(2026, 3, 6), actor=actor).created == []  # no longer D-10
    assert [a.step_label for a in collection_run(company=company, today=D(2026, 3, 9), actor=actor).created] == [
        "D-7 Preventive e-mail"
    ]


def test_the_scheduler_enqueues_each_company_once_a_day_at_its_local_time(company, actor, customer):
    InvoiceFactory(customer=customer, issue_date=D(2026, 2, 1), due_date=D(2026, 3, 16))
    with time_machine.travel(dt.datetime(2026, 3, 6, 5, 30, tzinfo=dt.UTC)):  # 06:30 in Paris: too early
        assert schedule_due_runs() == []
    with time_machine.travel(dt.datetime(2026, 3, 6, 6, 5, tzinfo=dt.UTC)):  # 07:05 in Paris
        assert schedule_due_runs() == [(company.pk, D(2026, 3, 6))]
        assert schedule_due_runs() == []
    run = CollectionRun.objects.get()
    assert (run.date, run.created) == (D(2026, 3, 6), 1)
    assert Promise.objects.count() == 0
