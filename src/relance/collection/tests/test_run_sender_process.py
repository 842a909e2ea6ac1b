"""`relance run` composes and sends at the same time, the sender in a forked process: run as a
real command on a SQLite file, with a real SMTP server on loopback, every customer due a reminder
receives exactly one, and every outbox row ends SENT."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from relance.messaging.tests.test_sending import SmtpServer
from relance.messaging.tests.test_sending_kill import RELANCE, environment, relance

CUSTOMERS = 60

SEED = f"""
import datetime as dt
from relance.collection.models import CollectionSettings
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.ledger.models import Company, Contact, Customer, Invoice
from relance.messaging.services import templates_install_defaults
actor = Actor.system("test")
company = Company.objects.create(name="Atelier Durand SAS", email="compta@durand.example")
scenarios_install_standard(company=company, actor=actor)
templates_install_defaults(company=company, actor=actor)
# The send window (08:00-18:00 by default) would hold the e-mails when the suite runs in the evening.
CollectionSettings.objects.update_or_create(
    company=company, defaults={{"send_window_start": dt.time.min, "send_window_end": dt.time.max}}
)
for i in range({CUSTOMERS}):
    customer = Customer.objects.create(company=company, code=f"C{{i:03d}}", name=f"Client {{i}}",
                                       language="fr" if i % 2 else "en")
    Contact.objects.create(company=company, customer=customer, name="AP", email=f"ap{{i}}@client.example",
                           is_accounts_payable=True)
    Invoice.objects.create(company=company, customer=customer, number=f"F-{{i:03d}}-A", currency="EUR",
                           issue_date=dt.date(2026, 2, 14), due_date=dt.date(2026, 3, 16), amount=123456)
    Invoice.objects.create(company=company, customer=customer, number=f"F-{{i:03d}}-B", currency="EUR",
                           issue_date=dt.date(2026, 1, 10), due_date=dt.date(2026, 3, 3), amount=50000)
"""

pytestmark = pytest.mark.skipif(not RELANCE.exists(), reason="the relance command is not installed in this venv")


def test_relance_run_sends_each_reminder_once_while_composing(tmp_path: Path) -> None:
    database = tmp_path / "run.sqlite3"
    with SmtpServer() as server:
        env = environment(database, tmp_path, server.port)
        relance("manage", "migrate", "--noinput", "-v", "0", env=env)
        relance("manage", "shell", "-c", SEED, env=env)
        done = relance("run", "--date", "2026-03-06", env=env)
        received = list(server.received)
        connections = server.handler.connections
    assert f"e-mails queued: {CUSTOMERS}" in done.stdout, done.stdout
    per_address = Counter(address for item in received for address in item.rcpt_tos)
    assert per_address == {f"ap{i}@client.example": 1 for i in range(CUSTOMERS)}
    with sqlite3.connect(database) as db:
        statuses = Counter(status for (status,) in db.execute("SELECT status FROM messaging_outboxmessage"))
        parts = db.execute("SELECT COUNT(*) FROM messaging_outboxcontent").fetchone()[0]
    assert statuses == {"sent": CUSTOMERS}
    assert connections == 1  # the sender waits for each batch with its connection open
    assert parts == CUSTOMERS
    subjects = {item.message["Subject"] for item in received}
    assert len(subjects) >= 2  # French and English customers
