"""Receivables snapshots: taken per day (idempotent), back-filled from the ledger, read as a trend.

The ledger (Atelier Durand, EUR), collector Camille has C1, C2 has no collector:

    C1  A  issued 10/01/2026 due 09/02  1 000.00; 400.00 paid 20/02
    C1  B  issued 15/02 due 17/03         500.00
    C2  E  issued 01/03 due 31/03         300.00; a payment of 100.00 on 05/03 not allocated

On 31/01: A 1 000 not due.                                   open 1 000, overdue 0
On 28/02: A 600 (19 days late), B 500 not due.               open 1 100, overdue 600
On 31/03: A 600 (50 days), B 500 (14 days), E 300 not due;   open 1 400, overdue 1 100, credits -100
"""

import datetime as dt

import pytest
from django.core.management import call_command

from relance.accounts.models import User
from relance.finance.models import ReceivablesSnapshot, SnapshotSource
from relance.finance.snapshots import month_ends_before, snapshot_take, snapshot_trend, snapshots_backfill
from relance.ledger.selectors import aging_for_company, open_items
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory, settle

D = dt.date


@pytest.fixture
def ledger(company, other_company):
    camille = User.objects.create_user("camille")
    c1 = CustomerFactory(company=company, code="C1", collector=camille)
    c2 = CustomerFactory(company=company, code="C2")
    a = InvoiceFactory(customer=c1, number="A", issue_date=D(2026, 1, 10), due_date=D(2026, 2, 9), amount=1000_00)
    settle(a, 400_00, D(2026, 2, 20))
    InvoiceFactory(customer=c1, number="B", issue_date=D(2026, 2, 15), due_date=D(2026, 3, 17), amount=500_00)
    InvoiceFactory(customer=c2, number="E", issue_date=D(2026, 3, 1), due_date=D(2026, 3, 31), amount=300_00)
    PaymentFactory(customer=c2, date=D(2026, 3, 5), amount=100_00)
    other = CustomerFactory(company=other_company, code="X")
    InvoiceFactory(customer=other, number="X1", issue_date=D(2026, 1, 5), amount=9_999_00, currency="GBP")
    return {"camille": camille, "c1": c1, "c2": c2}


def totals(company, day):
    rows = ReceivablesSnapshot.objects.filter(company=company, date=day)
    return {
        name: sum(getattr(r, name) for r in rows)
        for name in ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90", "credits", "open", "overdue")
    }


def test_a_snapshot_splits_the_open_items_by_collector_and_age(company, ledger):
    rows = snapshot_take(company=company, as_of=D(2026, 3, 31))

    by_collector = {r.collector_id: r for r in rows}
    camille = by_collector[ledger["camille"].pk]
    assert (camille.not_due, camille.days_1_30, camille.days_31_60, camille.overdue, camille.open) == (
        0, 500_00, 600_00, 1100_00, 1100_00,
    )  # fmt: skip
    assert (camille.customers, camille.customers_overdue) == (1, 1)
    unassigned = by_collector[None]
    assert (unassigned.not_due, unassigned.credits, unassigned.open, unassigned.overdue) == (300_00, -100_00, 300_00, 0)
    assert (unassigned.customers, unassigned.customers_overdue) == (1, 0)
    assert all(r.currency == "EUR" and r.source == SnapshotSource.DAILY for r in rows)


def test_taking_the_same_day_twice_changes_nothing(company, ledger):
    snapshot_take(company=company, as_of=D(2026, 3, 31))
    first = totals(company, D(2026, 3, 31))
    snapshot_take(company=company, as_of=D(2026, 3, 31))

    assert ReceivablesSnapshot.objects.filter(company=company, date=D(2026, 3, 31)).count() == 2
    assert totals(company, D(2026, 3, 31)) == first


def test_a_day_with_nothing_open_still_counts_as_taken(company, ledger):
    rows = snapshot_take(company=company, as_of=D(2025, 12, 31))

    assert [(r.currency, r.open, r.overdue) for r in rows] == [("EUR", 0, 0)]


def test_snapshots_equal_the_aging_of_the_ledger(company, ledger):
    day = D(2026, 3, 31)
    snapshot_take(company=company, as_of=day)
    aging = aging_for_company(company=company, as_of=day)["EUR"]

    got = totals(company, day)
    assert got["overdue"] == aging.overdue.minor
    assert got["open"] + got["credits"] == aging.balance.minor
    assert got["days_over_90"] == aging.days_over_90.minor


def test_backfill_computes_past_month_ends_equal_to_the_open_items_at_those_dates(company, ledger):
    result = snapshots_backfill(company=company, as_of=D(2026, 4, 10), months=3)

    assert result.written == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31)]
    for day in result.written:
        items = open_items(company=company, as_of=day)
        debit = sum(i.open_amount.minor for i in items if not i.is_credit)
        overdue = sum(i.open_amount.minor for i in items if not i.is_credit and i.due_date < day)
        credits = sum(i.open_amount.minor for i in items if i.is_credit)
        got = totals(company, day)
        assert (got["open"], got["overdue"], got["credits"]) == (debit, overdue, credits), day
    assert totals(company, D(2026, 2, 28))["overdue"] == 600_00
    assert set(ReceivablesSnapshot.objects.values_list("source", flat=True)) == {SnapshotSource.BACKFILL}


def test_backfill_keeps_the_month_ends_already_taken_unless_asked(company, ledger):
    snapshot_take(company=company, as_of=D(2026, 2, 28))
    ReceivablesSnapshot.objects.filter(date=D(2026, 2, 28)).update(overdue=1)  # what was known then

    result = snapshots_backfill(company=company, as_of=D(2026, 4, 10), months=3)
    assert result.kept == [D(2026, 2, 28)]
    assert totals(company, D(2026, 2, 28))["overdue"] == 1

    again = snapshots_backfill(company=company, as_of=D(2026, 4, 10), months=3, replace=True)
    assert again.kept == []
    assert totals(company, D(2026, 2, 28))["overdue"] == 600_00
    assert ReceivablesSnapshot.objects.filter(company=company).count() == 4  # Jan and Feb: C1 only; Mar: C1, C2


def test_month_ends_before_crosses_the_year():
    assert month_ends_before(D(2026, 2, 14), 3) == [D(2025, 11, 30), D(2025, 12, 31), D(2026, 1, 31)]


def test_the_trend_takes_the_latest_snapshot_of_each_month(company, ledger):
    snapshots_backfill(company=company, as_of=D(2026, 4, 10), months=3)
    snapshot_take(company=company, as_of=D(2026, 4, 2))
    snapshot_take(company=company, as_of=D(2026, 4, 9))

    latest, points = snapshot_trend(company=company, end=D(2026, 4, 10), months=4)

    assert latest == {D(2026, 1, 1): D(2026, 1, 31), D(2026, 2, 1): D(2026, 2, 28), D(2026, 3, 1): D(2026, 3, 31),
                      D(2026, 4, 1): D(2026, 4, 9)}  # fmt: skip
    assert points[(D(2026, 3, 1), "EUR")].overdue == 1100_00
    assert points[(D(2026, 4, 1), "EUR")].date == D(2026, 4, 9)
    _, camille = snapshot_trend(company=company, end=D(2026, 4, 10), months=4, collector_id=ledger["camille"].pk)
    assert camille[(D(2026, 3, 1), "EUR")].open == 1100_00
    _, nobody = snapshot_trend(company=company, end=D(2026, 4, 10), months=4, unassigned=True)
    assert nobody[(D(2026, 3, 1), "EUR")].open == 300_00
    assert (D(2026, 1, 1), "EUR") not in nobody  # C2 owed nothing at the end of January


def test_snapshots_of_one_company_never_hold_another_companys_items(company, other_company, ledger):
    snapshot_take(company=company, as_of=D(2026, 3, 31))
    snapshot_take(company=other_company, as_of=D(2026, 3, 31))

    assert set(ReceivablesSnapshot.objects.filter(company=company).values_list("currency", flat=True)) == {"EUR"}
    assert ReceivablesSnapshot.objects.get(company=other_company).open == 9_999_00


def test_the_command_backfills_then_takes_the_day(company, ledger, capsys):
    call_command("snapshots", "--backfill", "--months", "2", "--date", "2026-03-15", "--company", str(company.pk))

    out = capsys.readouterr().out
    assert "2 month-ends computed from the ledger" in out
    assert "snapshot of 2026-03-15 taken" in out
    assert set(ReceivablesSnapshot.objects.filter(company=company).values_list("date", flat=True)) == {
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 15),
    }  # fmt: skip
