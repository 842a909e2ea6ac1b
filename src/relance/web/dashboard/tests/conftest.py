"""A small ledger whose figures are computed by hand (the worked example of docs/kpis.md on the
calendar of early 2024), two collectors, a tag, promises, disputes and actions.

Atelier Durand, EUR, at 31/03/2024 (months of 31, 29 and 31 days):

    Camille's customer K1 (tag "key account")
      J  issued 10/01 due 09/02  167.00; 125.00 paid 20/02 -> 42.00 open, 51 days late
      F  issued 10/02 due 11/03  158.00                    -> 20 days late
    James's customer K2
      M  issued 05/03 due 04/04  205.00                    -> not due

Receivables 405.00; credit sales: March 205, February 158, January 167.
Count-back DSO = 31 + 29 + 42/167 x 31 = 67.8 days. Simple DSO (3 months, 91 days):
405/530 x 91 = 69.5; best possible 205/530 x 91 = 35.2; days delinquent 34.3;
CEI (nothing open at 31/12/2023) = (0 + 530 - 405) / (0 + 530 - 205) = 38.5 %.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from relance.accounts.models import User
from relance.collection.models import Action, ActionStatus, Dispute, Promise
from relance.ledger.models import Membership, Tag
from tests.factories import CustomerFactory, InvoiceFactory, settle

D = dt.date
AS_OF = D(2024, 3, 31)


@pytest.fixture
def ledger(company):
    camille = User.objects.create_user("camille", first_name="Camille", last_name="Martin")
    james = User.objects.create_user("james", first_name="James", last_name="Smith")
    for user in (camille, james):
        Membership.objects.create(user=user, company=company, role="collector")
    key = Tag.objects.create(company=company, name="key account")
    k1 = CustomerFactory(company=company, code="K1", name="Boulangerie Dupont", collector=camille)
    k1.tags.add(key)
    k2 = CustomerFactory(company=company, code="K2", name="Garage Leroy", collector=james)
    j = InvoiceFactory(customer=k1, number="J", issue_date=D(2024, 1, 10), due_date=D(2024, 2, 9), amount=167_00)
    settle(j, 125_00, D(2024, 2, 20))
    f = InvoiceFactory(customer=k1, number="F", issue_date=D(2024, 2, 10), due_date=D(2024, 3, 11), amount=158_00)
    InvoiceFactory(customer=k2, number="M", issue_date=D(2024, 3, 5), due_date=D(2024, 4, 4), amount=205_00)
    for status, day in (("kept", 5), ("kept", 10), ("broken", 12), ("open", 30)):
        Promise.objects.create(
            company=company, customer=k1, promised_date=D(2024, 3, day), amount=10_00, currency="EUR", status=status
        )
    Dispute.objects.create(company=company, customer=k1, reason="price", opened_on=D(2024, 3, 1))
    Dispute.objects.create(company=company, customer=k2, reason="quantity", opened_on=D(2024, 3, 21))
    Dispute.objects.create(
        company=company, customer=k2, reason="price", opened_on=D(2024, 2, 20), resolved_on=D(2024, 3, 1),
        status="resolved",
    )  # fmt: skip
    done_at = timezone.make_aware(dt.datetime(2024, 3, 15, 10, 0))
    for customer, channel, family, by in ((k1, "call", "call", "camille"), (k1, "email", "message", "outbox"),
                                          (k2, "letter", "message", "james")):  # fmt: skip
        Action.objects.create(
            company=company, customer=customer, date=D(2024, 3, 15), family=family, channel=channel,
            status=ActionStatus.DONE, done_at=done_at, done_by=by,
        )  # fmt: skip
    return {"camille": camille, "james": james, "key": key, "k1": k1, "k2": k2, "f": f}


@pytest.fixture
def manager_client(client, company, member):
    client.force_login(member(company, role="credit_manager", username="manon"))
    return client
