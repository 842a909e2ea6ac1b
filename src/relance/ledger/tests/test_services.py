"""Ledger services: company creation with validated identities, allocations that cannot over-apply."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from relance.core.models import AuditEvent
from relance.ledger.models import Invoice, InvoiceKind
from relance.ledger.services import AllocationError, allocation_create, company_create
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory


def test_company_identities_are_validated_and_normalised(db, actor):
    company = company_create(
        actor=actor,
        name="Atelier Durand SAS",
        vat_id="FR 40 303 265 045",
        iban="fr76 3000 6000 0112 3456 7890 189",
        bic="agrifrpp",
    )
    assert (company.vat_id, company.iban, company.bic) == ("FR40303265045", "FR7630006000011234567890189", "AGRIFRPP")
    assert AuditEvent.objects.filter(code="ledger.company.created", company=company).exists()
    with pytest.raises(ValidationError) as caught:
        company_create(actor=actor, name="Bad", iban="FR76 0000 0000 0000", vat_id="FR00000000000", country="XX")
    assert set(caught.value.message_dict) == {"iban", "vat_id", "country"}


def test_payment_allocation_reduces_the_open_amount_and_refuses_over_allocation(company, actor):
    customer = CustomerFactory(company=company)
    invoice = InvoiceFactory(customer=customer, amount=100_00)
    payment = PaymentFactory(customer=customer, amount=150_00)
    allocation_create(actor=actor, invoice=invoice, payment=payment, amount=60_00, date=dt.date(2026, 2, 1))
    with pytest.raises(AllocationError, match="has only 4000"):
        allocation_create(actor=actor, invoice=invoice, payment=payment, amount=40_01, date=dt.date(2026, 2, 2))
    other = InvoiceFactory(customer=customer, amount=500_00)
    with pytest.raises(AllocationError, match="only 9000"):
        allocation_create(actor=actor, invoice=other, payment=payment, amount=90_01, date=dt.date(2026, 2, 2))
    event = AuditEvent.objects.get(code="ledger.allocation.created")
    assert (event.customer, event.data["amount"]) == (customer, 6000)


def test_allocations_refuse_other_customers_currencies_and_credit_note_targets(company, actor):
    customer = CustomerFactory(company=company)
    invoice = InvoiceFactory(customer=customer, amount=100_00)
    credit = InvoiceFactory(customer=customer, kind=InvoiceKind.CREDIT_NOTE, amount=10_00)
    allocation_create(actor=actor, invoice=invoice, credit_note=credit, amount=10_00, date=dt.date(2026, 1, 5))
    with pytest.raises(AllocationError, match="another company or customer"):
        allocation_create(
            actor=actor, invoice=invoice, payment=PaymentFactory(company=company), amount=1, date=dt.date(2026, 1, 5)
        )
    with pytest.raises(AllocationError, match="cannot allocate GBP"):
        allocation_create(
            actor=actor,
            invoice=invoice,
            payment=PaymentFactory(customer=customer, currency="GBP"),
            amount=1,
            date=dt.date(2026, 1, 5),
        )
    with pytest.raises(AllocationError, match="cannot receive"):
        allocation_create(
            actor=actor, invoice=credit, payment=PaymentFactory(customer=customer), amount=1, date=dt.date(2026, 1, 5)
        )


def test_the_database_itself_refuses_impossible_invoices(company):
    customer = CustomerFactory(company=company)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(customer=customer, amount=-5)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(customer=customer, issue_date=dt.date(2026, 2, 1), due_date=dt.date(2026, 1, 1))
    InvoiceFactory(customer=customer, number="SAME")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(customer=customer, number="SAME")
    InvoiceFactory(customer=customer, number="SAME", kind=InvoiceKind.CREDIT_NOTE)  # another kind: allowed
    assert Invoice.objects.filter(number="SAME").count() == 2
