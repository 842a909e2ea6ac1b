"""What the daily run's fast path reads, and that what it leaves out changes no decision.

Standard scenario: the D-3 preventive call is for accounts of 5,000.00 or more. An invoice whose
D-3 has come is read; the customer's other invoices are not (their review dates are later).
"""

import datetime as dt

import pytest

import relance.collection.facts as facts_module
from relance.collection.domain.engine import decide
from relance.collection.facts import candidate_batches, load_candidate_facts, load_company_facts
from relance.collection.models import Action, Scenario, ScenarioRule, Step
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.core.models import AuditEvent
from relance.ledger.models import Invoice
from tests.factories import CustomerFactory, InvoiceFactory

D = dt.date
D_MINUS_3 = D(2026, 3, 13)  # a Friday: D-3 of invoices due on Monday 16 March
LATER = D(2026, 5, 19)


@pytest.fixture
def standard(company, actor):
    scenarios_install_standard(company=company, actor=actor)


@pytest.fixture
def totals_read(monkeypatch):
    """The customers whose account totals the loader reads."""
    seen: list[int] = []
    original = facts_module._account_totals

    def spy(customer_ids, today):
        seen.extend(customer_ids)
        return original(customer_ids, today)

    monkeypatch.setattr(facts_module, "_account_totals", spy)
    return seen


def account(company, *amounts_due_later):
    """A customer with 1,200.00 due on 16 March (read on 13 March) and invoices reviewed later."""
    customer = CustomerFactory(company=company, code="C1")
    InvoiceFactory(customer=customer, number="F-1", due_date=D(2026, 3, 16), amount=1200_00)
    for n, amount in enumerate(amounts_due_later, start=2):
        invoice = InvoiceFactory(customer=customer, number=f"F-{n}", due_date=D(2026, 5, 29), amount=amount)
        Invoice.objects.filter(pk=invoice.pk).update(review_on=LATER)
    return customer


def call_steps(company, actor, today):
    collection_run(company=company, today=today, actor=actor)
    return sorted(Action.objects.filter(channel="call", date=today).values_list("step_label", flat=True))


def test_an_amount_condition_the_items_read_reach_needs_no_account_totals(company, actor, standard, totals_read):
    customer = CustomerFactory(company=company)
    InvoiceFactory(customer=customer, number="F-9", due_date=D(2026, 3, 16), amount=6000_00)
    facts = load_candidate_facts(company=company, today=D_MINUS_3)
    assert totals_read == []
    (customer_facts,) = facts.customers
    assert customer_facts.totals_known
    assert customer_facts.open_by_currency is None
    assert call_steps(company, actor, D_MINUS_3) == ["D-3 Preventive call"]


@pytest.mark.parametrize(("later", "called"), [(6000_00, True), (1000_00, False)])
def test_account_totals_are_read_when_the_items_read_fall_short(company, actor, standard, totals_read, later, called):
    customer = account(company, later)
    facts = load_candidate_facts(company=company, today=D_MINUS_3)
    assert [item.number for c in facts.customers for item in c.items] == ["F-1"]
    assert totals_read == [customer.pk]
    assert facts.customers[0].open_by_currency == {"EUR": 1200_00 + later}
    assert call_steps(company, actor, D_MINUS_3) == (["D-3 Preventive call"] if called else [])


def test_the_fast_path_decides_like_the_whole_accounts(company, standard):
    account(company, 6000_00)
    fast = load_candidate_facts(company=company, today=D_MINUS_3)
    whole = load_company_facts(company=company, today=D_MINUS_3)

    def decisions(facts):
        return [
            (d.family, d.step.id, d.item_steps, d.reasons)
            for c in facts.customers
            for d in decide(
                customer=c, scenario=facts.scenario_of[c.id], calendar=facts.calendar, today=D_MINUS_3
            ).decisions
        ]

    assert decisions(fast) == decisions(whole)
    assert decisions(fast)[0][1] == Step.objects.get(scenario__name="Standard", offset_days=-3).pk


def test_a_rule_by_open_amount_weighs_the_whole_account(company, standard):
    """Only F-1 (1,200.00) is read, but the account is 7,200.00: the rule applies."""
    risky = Scenario.objects.get(company=company, name="Risky customers")
    ScenarioRule.objects.create(company=company, priority=1, scenario=risky, min_open_minor=5000_00)
    customer = account(company, 6000_00)
    facts = load_candidate_facts(company=company, today=D_MINUS_3)
    assert facts.scenario_of[customer.pk].name == "Risky customers"


def test_the_last_contact_is_read_only_when_a_step_waits_for_one(company, standard, monkeypatch):
    account(company)
    statements: list[str] = []
    original = facts_module._select_in

    def spy(sql, ids, **kwargs):
        statements.append(sql)
        return original(sql, ids, **kwargs)

    monkeypatch.setattr(facts_module, "_select_in", spy)
    assert load_candidate_facts(company=company, today=D_MINUS_3).customers[0].last_contact is None
    assert not any("FROM collection_action " in sql for sql in statements)
    Step.objects.filter(scenario__company=company, offset_days=-3).update(min_days_since_contact=5)
    load_candidate_facts(company=company, today=D_MINUS_3)
    assert any("FROM collection_action " in sql for sql in statements)


def test_written_actions_get_the_model_defaults(company, actor, standard):
    customer = CustomerFactory(company=company)
    InvoiceFactory(customer=customer, number="F-9", due_date=D(2026, 3, 16), amount=6000_00)
    result = collection_run(company=company, today=D_MINUS_3, actor=actor)
    (call,) = result.created
    assert (call.status, call.status_reason, call.outcome, call.done_at, call.done_by) == (
        "to_confirm",
        "",
        {},
        None,
        "",
    )
    assert call.created_at is not None
    assert call.reasons == ["F-9 reached step D-3 (Preventive call)"]
    event = AuditEvent.objects.get(code="collection.action.decided")
    assert event.created_at is not None
    assert event.object_id == str(call.pk)
    assert event.data["reasons"] == call.reasons
    assert event.data["status"] == "to_confirm"


def test_batches_hold_whole_customers_within_the_limits(company, standard):
    big, small, other = (CustomerFactory(company=company, code=code) for code in ("B", "S", "O"))
    for customer, count in ((big, 3), (small, 1), (other, 2)):
        for _ in range(count):
            InvoiceFactory(customer=customer, due_date=D(2026, 3, 16))
    batches = list(candidate_batches(company=company, today=D_MINUS_3, customers=10, invoices=2))
    ids_of = {c.pk: set(Invoice.objects.filter(customer=c).values_list("pk", flat=True)) for c in (big, small, other)}
    # three invoices of one customer stay together although the limit is two; then two customers of 1 + 2
    assert [set(batch.invoice_ids) for batch in batches] == [ids_of[big.pk], ids_of[small.pk] | ids_of[other.pk]]
    assert [batch.customer_range for batch in batches] == [(big.pk, big.pk), (small.pk, other.pk)]
    one_by_one = candidate_batches(company=company, today=D_MINUS_3, customers=1, invoices=9)
    assert [len(batch.invoice_ids) for batch in one_by_one] == [3, 1, 2]


def test_an_invoice_not_issued_yet_waits_for_its_issue_date(company, actor, standard):
    customer = CustomerFactory(company=company)
    invoice = InvoiceFactory(customer=customer, issue_date=D(2026, 3, 20), due_date=D(2026, 3, 26))
    collection_run(company=company, today=D(2026, 3, 16), actor=actor)  # its D-10, but not issued yet
    invoice.refresh_from_db()
    assert invoice.review_on == D(2026, 3, 20)
    assert not Action.objects.exists()
    collection_run(company=company, today=D(2026, 3, 20), actor=actor)
    assert list(Action.objects.values_list("step_label", flat=True)) == ["D-10 Preventive e-mail"]
