"""The agenda's test data: a collector's portfolio with calls, e-mails to confirm, letters,
promises and portal answers, on a fixed day (12 March 2026, Paris)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from relance.collection.models import Action, Promise
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.ledger.models import Contact, Customer
from relance.messaging.services import templates_install_defaults
from relance.portal.models import PortalSubmission
from tests.factories import CustomerFactory, InvoiceFactory

D = dt.date
TODAY = D(2026, 3, 12)


@pytest.fixture
def frozen():
    """Thursday 12 March 2026, 09:00 in Paris."""
    with time_machine.travel(dt.datetime(2026, 3, 12, 8, 0, tzinfo=dt.UTC), tick=False):
        yield TODAY


@dataclass
class Book:
    """Builds realistic agenda data for one company."""

    company: object
    counter: int = 0

    def customer(self, name: str, *, collector=None, overdue: int = 0, days: int = 20, not_due: int = 0,
                 phone: str = "+33 1 42 00 00 00", email: str | None = "ap@example.test", language: str = "fr",
                 number: str | None = None, contact: str = "") -> Customer:  # fmt: skip
        self.counter += 1
        customer = CustomerFactory(company=self.company, name=name, code=f"K{self.counter:03d}", collector=collector,
                                   language=language)  # fmt: skip
        Contact.objects.create(company=self.company, customer=customer, name=contact or f"AP of {name}",
                               email=email or "", phone=phone, is_accounts_payable=True)  # fmt: skip
        if overdue:
            due = TODAY - dt.timedelta(days=days)
            InvoiceFactory(customer=customer, number=number or f"F-{self.counter:03d}1", amount=overdue,
                           issue_date=due - dt.timedelta(days=30), due_date=due)  # fmt: skip
        if not_due:
            InvoiceFactory(customer=customer, number=f"F-{self.counter:03d}2", amount=not_due,
                           issue_date=TODAY - dt.timedelta(days=20),
                           due_date=TODAY + dt.timedelta(days=10))  # fmt: skip
        return customer

    def action(self, customer: Customer, channel: str, *, date: dt.date = TODAY, priority: int = 0,
               status: str = "to_confirm", template: str | None = None, label: str = "",
               family: str | None = None, reason: str = "") -> Action:  # fmt: skip
        templates = {"call": "call_overdue", "email": "overdue_courteous", "letter": "formal_notice",
                     "task": "litigation_handover"}  # fmt: skip
        labels = {"call": "Reminder call", "email": "Courteous reminder", "letter": "Formal notice letter",
                  "task": "Hand over to litigation"}  # fmt: skip
        families = {"call": "call", "email": "message", "letter": "message", "task": "task"}
        return Action.objects.create(
            company=self.company, customer=customer, date=date, family=family or families[channel], channel=channel,
            status=status, priority=priority, template_code=template or templates[channel],
            step_label=label or labels[channel], reasons=[reason or f"{labels[channel]} for {customer.name}"],
            assigned_to=customer.collector,
        )  # fmt: skip

    def promise(self, customer: Customer, *, date: dt.date, status: str = "open", evaluated_on=None) -> Promise:
        invoices = list(customer.invoices.all())
        promise = Promise.objects.create(
            company=self.company, customer=customer, promised_date=date, amount=sum(i.amount for i in invoices),
            currency="EUR", status=status, evaluated_on=evaluated_on, made_by="M. Petit",
        )  # fmt: skip
        promise.invoices.set(invoices)
        return promise

    def submission(
        self, customer: Customer, *, kind: str = "question", payload: dict | None = None
    ) -> PortalSubmission:
        return PortalSubmission.objects.create(
            company=self.company, customer=customer, kind=kind, payload=payload or {"message": "Can you resend F-1?"},
            invoice_ids=list(customer.invoices.values_list("pk", flat=True)),
        )  # fmt: skip


@pytest.fixture
def book(company, frozen):
    actor = Actor.system("test")
    company.email = "compta@durand.example"
    company.iban = "FR7630006000011234567890189"
    company.bic = "AGRIFRPP"
    company.save()
    scenarios_install_standard(company=company, actor=actor)
    templates_install_defaults(company=company, actor=actor)
    return Book(company)


@pytest.fixture
def collector(company, member):
    user = member(company, "collector", username="camille")
    user.first_name, user.last_name = "Camille", "Martin"
    user.save()
    return user


@pytest.fixture
def signed_in(client, collector):
    client.force_login(collector)
    return client
