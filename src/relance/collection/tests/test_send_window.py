"""The company's send window: an automatic e-mail composed outside it waits for the next opening,
on a business day, in the company's time zone (`CollectionSettings.send_window_start/end`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from relance.collection.messages import _not_before, emails_dispatch
from relance.collection.models import CollectionSettings
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.ledger.models import Contact
from relance.messaging.models import OutboxMessage
from relance.messaging.services import templates_install_defaults
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = [pytest.mark.send_window, pytest.mark.django_db]

PARIS = ZoneInfo("Europe/Paris")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def window(company):
    company.timezone, company.country = "Europe/Paris", "FR"
    company.save()
    settings, _ = CollectionSettings.objects.update_or_create(
        company=company, defaults={"send_window_start": dt.time(8, 0), "send_window_end": dt.time(18, 0)}
    )
    return settings


def test_inside_the_window_an_email_leaves_at_once(company, window):
    assert _not_before(company, at(2026, 3, 6, 10, 0)) is None  # a Friday, 10:00
    assert _not_before(company, at(2026, 3, 6, 8, 0)) is None  # the opening itself


def test_after_the_window_it_waits_for_the_next_business_morning(company, window):
    assert _not_before(company, at(2026, 3, 5, 18, 0)) == at(2026, 3, 6, 8, 0)  # Thursday evening -> Friday
    assert _not_before(company, at(2026, 3, 6, 19, 30)) == at(2026, 3, 9, 8, 0)  # Friday evening -> Monday
    assert _not_before(company, at(2026, 3, 9, 6, 45)) == at(2026, 3, 9, 8, 0)  # Monday, too early -> 08:00
    assert _not_before(company, at(2026, 4, 30, 20, 0)) == at(2026, 5, 4, 8, 0)  # 1 May is a public holiday


def test_the_daily_run_queues_what_it_composes_in_the_evening_for_the_next_morning(company, actor, window):
    scenarios_install_standard(company=company, actor=actor)
    templates_install_defaults(company=company, actor=actor)
    window.send_window_start, window.send_window_end = dt.time(8, 0), dt.time(18, 0)
    window.save()
    customer = CustomerFactory(company=company, code="C1", language="fr")
    Contact.objects.create(company=company, customer=customer, email="ap@client.example", is_accounts_payable=True)
    InvoiceFactory(customer=customer, number="F-1", issue_date=dt.date(2026, 1, 10), due_date=dt.date(2026, 2, 14))
    with time_machine.travel(at(2026, 3, 6, 19, 0), tick=False):  # a Friday evening
        collection_run(company=company, today=dt.date(2026, 3, 6), actor=actor)
        assert emails_dispatch(company=company, today=dt.date(2026, 3, 6), actor=actor).queued == 1
    (message,) = OutboxMessage.objects.all()
    assert message.not_before == at(2026, 3, 9, 8, 0)  # Monday at the opening
