"""Seventy days of one customer's account, run day by day: the exact actions of each date.

Company in France (working days and public holidays of 2026), standard scenario:
D-10 e-mail, D-3 call (accounts of 5,000.00+), D+3 e-mail, D+10 call, D+20 firm e-mail,
D+35 formal notice letter, D+50 litigation task, and an immediate-payment e-mail on a broken promise.

Account of customer C1:
    F-A  1,200.00 due Fri 13 March   partial payment of 400.00 on 18 March; promise on 8 April to pay
                                     the remaining 800.00 by 15 April: not kept -> broken on 19 April
    F-B    800.00 due Fri 20 March   promise on 27 March to pay by 3 April; paid on 2 April -> kept
    F-C  6,000.00 due Tue 31 March   (large: the D-3 call applies to the account)
    F-D    500.00 due Fri 10 April   disputed on 1 April (quality), resolved on 24 April

Holidays met on the way: Easter Monday 6 April, Labour Day Friday 1 May, Victory Day Friday 8 May.
"""

import datetime as dt

import pytest

from relance.collection.models import Action, Promise
from relance.collection.services.actions import action_complete
from relance.collection.services.run import collection_run
from relance.collection.services.statuses import dispute_open, dispute_resolve, promise_create
from relance.collection.standard import scenarios_install_standard
from relance.core.money import Money
from relance.ledger.models import REVIEW_NOW, Allocation, AllocationKind, Invoice
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory

D = dt.date
START = D(2026, 3, 2)

# date -> actions created that day: (channel, step, invoices covered). Nothing on other days.
EXPECTED = {
    D(2026, 3, 3): [("email", "D-10 Preventive e-mail", ["F-A"])],
    # F-B's D-10, and F-A's D-3 call: the account (8,500.00) is above the 5,000.00 threshold
    D(2026, 3, 10): [("email", "D-10 Preventive e-mail", ["F-B"]), ("call", "D-3 Preventive call", ["F-A"])],
    D(2026, 3, 16): [("email", "D+3 Courteous reminder", ["F-A"])],
    D(2026, 3, 17): [("call", "D-3 Preventive call", ["F-B"])],  # cancelled on 27 March by the promise
    # F-C's D-10 falls on Saturday 21 March -> Monday 23, merged into F-B's D+3 message (one e-mail a day,
    # the most advanced step); F-A's D+10 call the same day is a separate action
    D(2026, 3, 23): [("email", "D+3 Courteous reminder", ["F-B", "F-C"]), ("call", "D+10 Reminder call", ["F-A"])],
    D(2026, 3, 30): [("call", "D-3 Preventive call", ["F-C"])],  # D-3 is Saturday 28 -> Monday 30
    D(2026, 3, 31): [("email", "D-10 Preventive e-mail", ["F-D"])],
    D(2026, 4, 2): [("email", "D+20 Firm reminder with penalties", ["F-A"])],  # F-B (promised) left out
    D(2026, 4, 3): [("email", "D+3 Courteous reminder", ["F-C"])],
    # 6 April is Easter Monday; F-D is disputed (no D+3 on 13 April)
    D(2026, 4, 10): [("call", "D+10 Reminder call", ["F-C"])],
    # F-A's D+35 (17 April) waits under the promise (15 April + 3 days of grace); the promise is found
    # broken on Sunday 19, so on Monday the immediate-payment e-mail goes, carrying F-C's D+20 too...
    D(2026, 4, 20): [("email", "Broken promise: immediate payment", ["F-A", "F-C"])],
    # ...and the formal notice for F-A follows on the next working day
    D(2026, 4, 21): [("letter", "D+35 Formal notice letter", ["F-A"])],
    # dispute on F-D rejected on 24 April: it returns at its latest due step only (D+10, not D+3)
    D(2026, 4, 24): [("call", "D+10 Reminder call", ["F-D"])],
    D(2026, 4, 30): [("email", "D+20 Firm reminder with penalties", ["F-D"])],
    D(2026, 5, 4): [("task", "D+50 Hand over to litigation", ["F-A"])],  # D+50 is Saturday 2 May
    D(2026, 5, 5): [("letter", "D+35 Formal notice letter", ["F-C"])],
    # 1 and 8 May are holidays; F-D's D+35 (15 May) and F-C's D+50 (20 May) are beyond the 70 days
}


@pytest.fixture
def account(company, actor):
    scenarios_install_standard(company=company, actor=actor)
    customer = CustomerFactory(company=company, code="C1")

    def invoice(number, due, amount):
        return InvoiceFactory(customer=customer, number=number, issue_date=D(2026, 2, 1), due_date=due, amount=amount)

    invoices = {
        "F-A": invoice("F-A", D(2026, 3, 13), 1200_00),
        "F-B": invoice("F-B", D(2026, 3, 20), 800_00),
        "F-C": invoice("F-C", D(2026, 3, 31), 6000_00),
        "F-D": invoice("F-D", D(2026, 4, 10), 500_00),
    }
    return customer, invoices


def pay(customer, invoice, amount, day, ref):
    payment = PaymentFactory(customer=customer, external_ref=ref, date=day, amount=amount)
    Allocation.objects.create(
        company=customer.company, invoice=invoice, kind=AllocationKind.PAYMENT, payment=payment, amount=amount, date=day
    )


@pytest.mark.parametrize("review_everything", [False, True], ids=["review-dates", "every-invoice-every-day"])
def test_seventy_days_of_collection(company, actor, account, review_everything):
    """The daily run reads only invoices whose review date has come; forcing it to read every
    invoice every day must give exactly the same actions (the fast path changes nothing)."""
    customer, inv = account
    events = {
        D(2026, 3, 18): lambda: pay(customer, inv["F-A"], 400_00, D(2026, 3, 18), "P-1"),
        D(2026, 3, 27): lambda: promise_create(
            actor=actor, customer=customer, invoices=[inv["F-B"]], promised_date=D(2026, 4, 3), today=D(2026, 3, 27)
        ),
        D(2026, 4, 1): lambda: dispute_open(
            actor=actor, customer=customer, invoices=[inv["F-D"]], reason="quality", today=D(2026, 4, 1)
        ),
        D(2026, 4, 2): lambda: pay(customer, inv["F-B"], 800_00, D(2026, 4, 2), "P-2"),
        D(2026, 4, 8): lambda: promise_create(
            actor=actor,
            customer=customer,
            invoices=[inv["F-A"]],
            promised_date=D(2026, 4, 15),
            amount=Money.of("800.00", "EUR"),
            today=D(2026, 4, 8),
        ),
        D(2026, 4, 24): lambda: dispute_resolve(
            actor=actor,
            dispute=customer.disputes.get(),
            resolution="goods replaced",
            rejected=True,
            today=D(2026, 4, 24),
        ),
    }
    timeline = {}
    for offset in range(70):
        day = START + dt.timedelta(days=offset)
        if day in events:
            events[day]()
        if review_everything:
            Invoice.objects.update(review_on=REVIEW_NOW)
        result = collection_run(company=company, today=day, actor=actor)
        created = [
            (a.channel, a.step_label, sorted(a.items.values_list("invoice__number", flat=True))) for a in result.created
        ]
        if created:
            timeline[day] = created
        # The messaging layer sends automatic e-mails the day they are planned; calls and letters
        # stay on the collector's list (nobody works them in this example).
        for action in Action.objects.filter(status="planned"):
            action_complete(actor=actor, action=action, note="sent")
    assert timeline == EXPECTED
    assert list(Promise.objects.order_by("id").values_list("status", flat=True)) == ["kept", "broken"]
    # Calls left on the list were cancelled when a promise covered all of their invoices.
    cancelled = Action.objects.filter(status="cancelled").order_by("date", "id")
    assert list(cancelled.values_list("date", "channel", "status_reason")) == [
        (D(2026, 3, 10), "call", "payment promised for 2026-04-15"),
        (D(2026, 3, 17), "call", "payment promised for 2026-04-03"),
        (D(2026, 3, 23), "call", "payment promised for 2026-04-15"),
    ]
    # F-A's partial payment shows in the amounts the firm reminder was about
    assert Allocation.objects.filter(invoice=inv["F-A"]).count() == 1
