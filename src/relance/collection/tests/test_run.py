"""The daily run against the database: persisted actions, idempotence, catch-up, cancellation."""

import datetime as dt

import pytest

from relance.collection.models import Action, ActionItem, ActionStatus, CollectionRun, Scenario
from relance.collection.services.run import collection_run
from relance.collection.services.statuses import dispute_open, promise_create
from relance.collection.standard import scenarios_install_standard
from relance.core.models import AuditEvent
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date


@pytest.fixture
def setup(company, actor):
    scenarios_install_standard(company=company, actor=actor)
    customer = CustomerFactory(company=company, code="C1")
    return customer


def run(company, actor, today, dry_run=False):
    return collection_run(company=company, today=today, actor=actor, dry_run=dry_run)


def test_a_run_persists_one_action_with_its_items_reasons_and_audit(company, actor, setup):
    invoice = InvoiceFactory(customer=setup, number="F-1043", issue_date=D(2026, 2, 1), due_date=D(2026, 3, 16))
    result = run(company, actor, D(2026, 3, 6))
    assert [(a.channel, a.status, a.step_label) for a in result.created] == [
        ("email", "planned", "D-10 Preventive e-mail")
    ]
    action = Action.objects.get()
    assert action.reasons == ["F-1043 reached step D-10 (Preventive e-mail)"]
    assert list(ActionItem.objects.values_list("invoice_id", "action_id")) == [(invoice.pk, action.pk)]
    assert AuditEvent.objects.filter(code="collection.action.decided", customer=setup).count() == 1
    assert CollectionRun.objects.get().created == 1


def test_a_second_run_the_same_day_creates_nothing(company, actor, setup):
    InvoiceFactory(customer=setup, issue_date=D(2026, 2, 1), due_date=D(2026, 3, 16))
    run(company, actor, D(2026, 3, 6))
    again = run(company, actor, D(2026, 3, 6))
    assert again.created == []
    assert Action.objects.count() == 1
    # and the next days, until the next step (D+3 on 19 March), nothing either
    for day in (D(2026, 3, 9), D(2026, 3, 13), D(2026, 3, 18)):
        assert run(company, actor, day).created == []
    assert [a.step_label for a in run(company, actor, D(2026, 3, 19)).created] == ["D+3 Courteous reminder"]


def test_catch_up_after_downtime_sends_only_the_latest_step(company, actor, setup):
    InvoiceFactory(customer=setup, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    result = run(company, actor, D(2026, 3, 23))  # first run in weeks: D+21
    assert [a.step_label for a in result.created] == ["D+20 Firm reminder with penalties"]
    assert run(company, actor, D(2026, 3, 24)).created == []


def test_a_dry_run_shows_the_decisions_and_writes_nothing(company, actor, setup):
    InvoiceFactory(customer=setup, issue_date=D(2026, 2, 1), due_date=D(2026, 3, 16))
    result = run(company, actor, D(2026, 3, 6), dry_run=True)
    assert [d.step.name for d in result.decisions] == ["Preventive e-mail"]
    assert not Action.objects.exists()
    assert not CollectionRun.objects.exists()
    assert not AuditEvent.objects.filter(code__startswith="collection.action").exists()


def test_a_planned_action_for_an_invoice_paid_in_the_meantime_is_cancelled_with_its_reason(company, actor, setup):
    invoice = InvoiceFactory(customer=setup, number="F-7", issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    run(company, actor, D(2026, 3, 12))  # D+10: a call to make
    call = Action.objects.get()
    assert (call.channel, call.status) == ("call", "to_confirm")
    settle(invoice, invoice.amount, D(2026, 3, 13))
    result = run(company, actor, D(2026, 3, 13))
    call.refresh_from_db()
    assert (call.status, call.status_reason) == (ActionStatus.CANCELLED, "F-7 paid")
    assert [a for a, _ in result.cancelled] == [call]
    assert not ActionItem.objects.filter(active=True).exists()


def test_disputes_and_promises_stop_the_run_and_cancel_open_actions(company, actor, setup):
    disputed = InvoiceFactory(customer=setup, number="F-1", issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    promised = InvoiceFactory(customer=setup, number="F-2", issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    run(company, actor, D(2026, 3, 12))
    assert Action.objects.get().status == "to_confirm"
    dispute_open(actor=actor, customer=setup, invoices=[disputed], reason="quality", today=D(2026, 3, 12))
    assert Action.objects.get().status == "to_confirm"  # F-2 still needs the call
    promise_create(actor=actor, customer=setup, invoices=[promised], promised_date=D(2026, 3, 20), today=D(2026, 3, 12))
    assert Action.objects.get().status == "cancelled"
    result = run(company, actor, D(2026, 3, 23))  # D+21 but promised until 20+3 days grace
    assert result.created == []
    notes = [n for o in result.outcomes for n in o.notes]
    assert "F-1 skipped: disputed" in notes
    assert "F-2 skipped: payment promised, waiting until 2026-03-23" in notes


def test_one_company_run_never_touches_another(company, other_company, actor, setup):
    scenarios_install_standard(company=other_company, actor=actor)
    stranger = CustomerFactory(company=other_company)
    InvoiceFactory(customer=stranger, currency="GBP", issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    InvoiceFactory(customer=setup, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    run(company, actor, D(2026, 3, 23))
    assert set(Action.objects.values_list("customer__company", flat=True)) == {company.pk}


def test_customers_without_a_scenario_are_left_alone(company, actor):
    customer = CustomerFactory(company=company)
    InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    assert not Scenario.objects.exists()
    assert run(company, actor, D(2026, 3, 23)).created == []


def test_the_run_goes_through_customers_batch_by_batch(company, actor, setup, monkeypatch):
    import relance.collection.services.run as run_module

    monkeypatch.setattr(run_module, "CUSTOMERS_PER_BATCH", 2)
    customers = [setup, *(CustomerFactory(company=company, code=f"B{i}") for i in range(4))]
    for customer in customers:
        InvoiceFactory(customer=customer, issue_date=D(2026, 1, 1), due_date=D(2026, 3, 2))
    result = run(company, actor, D(2026, 3, 23))
    assert sorted(a.customer.code for a in result.created) == sorted(c.code for c in customers)
    assert CollectionRun.objects.get().customers == 5
    assert run(company, actor, D(2026, 3, 23)).created_count == 0
