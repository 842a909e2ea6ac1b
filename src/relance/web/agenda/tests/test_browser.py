"""In real Chromium: a collector signs in, works the agenda — logs a call with a promise — and sees
the call leave the list and the promise recorded.

The screenshot of the agenda is saved with the tests' artefacts (pytest's base temporary
directory); with RELANCE_SAVE_SCREENSHOTS=1 it also replaces docs/screenshots/workspace-agenda.png.
"""

from __future__ import annotations

import datetime as dt

import pytest

from relance.collection.models import Action, Promise
from relance.web.agenda.tests.conftest import TODAY
from tests.browser import screenshot

pytestmark = pytest.mark.browser


def _a_morning_of_work(book, collector):
    """Several customers: calls, e-mails to confirm, a letter, a broken promise, a promise due, an answer."""
    day = dt.timedelta(days=1)
    dupont = book.customer("Dupont Industrie", collector=collector, overdue=12_480_00, days=24, not_due=3_150_00,
                           phone="+33 1 44 55 66 77", number="F-2026-0112", contact="Jeanne Petit")  # fmt: skip
    moreau = book.customer("Garage Moreau & Fils", collector=collector, overdue=2_745_60, days=12,
                           phone="+33 4 78 12 34 56", number="F-2026-0187", contact="Luc Moreau")  # fmt: skip
    bati = book.customer("Bâti Sud Construction", collector=collector, overdue=8_920_00, days=41,
                         phone="+33 5 61 22 33 44", number="F-2026-0064", contact="Sophie Garnier")  # fmt: skip
    lumiere = book.customer("Lumière & Co", collector=collector, overdue=1_310_40, days=4, language="en",
                            number="F-2026-0241", contact="Emma Clarke", phone="+44 20 7946 0321")  # fmt: skip
    vert = book.customer("Jardins du Vert Galant", collector=collector, overdue=4_060_00, days=21,
                         number="F-2026-0150", contact="Paul Lefèvre", phone="+33 2 40 11 22 33")  # fmt: skip
    ferrand = book.customer("Transports Ferrand", collector=collector, overdue=6_200_00, days=18,
                            number="F-2026-0133", contact="Nadia Ferrand", phone="+33 3 80 44 55 66")  # fmt: skip
    nord = book.customer("Nordic Supplies Ltd", collector=collector, overdue=3_500_00, days=36, language="en",
                         number="F-2026-0041", contact="Erik Lund", phone="+46 8 123 456 78")  # fmt: skip
    book.action(dupont, "call", priority=12_480 * 24,
                reason="F-2026-0112: 24 days overdue, reminder call at +10 days")  # fmt: skip
    book.action(moreau, "call", priority=2_745 * 12, date=TODAY - day,
                reason="F-2026-0187: 11 days overdue, reminder call at +10 days")  # fmt: skip
    book.action(lumiere, "email", priority=1_310 * 4, label="Courteous reminder",
                reason="F-2026-0241: 4 days overdue, courteous reminder at +3 days (to confirm)")  # fmt: skip
    book.action(vert, "email", priority=4_060 * 21, date=TODAY - day, label="Firm reminder with penalties",
                template="overdue_firm", reason="F-2026-0150: 20 days overdue, firm reminder at +20 days")  # fmt: skip
    book.action(nord, "letter", priority=3_500 * 36,
                reason="F-2026-0041: 36 days overdue, formal notice at +35 days")  # fmt: skip
    book.promise(bati, date=TODAY - 5 * day, status="broken", evaluated_on=TODAY)
    book.action(bati, "email", priority=8_920 * 41 * 2, label="Broken promise: immediate payment",
                template="broken_promise", reason="promise of 7 March not kept: immediate payment")  # fmt: skip
    book.promise(ferrand, date=TODAY)
    book.submission(moreau, kind="dispute", payload={"reason": "missing_goods", "comment": "2 pallets missing"})
    return dupont


@pytest.mark.django_db(transaction=True)
def test_a_collector_logs_a_call_with_a_promise_from_the_agenda(live_server, page, book, collector, tmp_path_factory):
    artefacts = tmp_path_factory.getbasetemp()
    dupont = _a_morning_of_work(book, collector)
    call = Action.objects.get(customer=dupont, channel="call")
    page.set_viewport_size({"width": 1360, "height": 900})
    page.goto(f"{live_server.url}/login/?next=/agenda/")
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill("x-very-long-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/agenda/")
    assert page.get_by_role("heading", name="Agenda").is_visible()
    screenshot(page, "workspace-agenda.png", artefacts)

    row = page.locator(f"#task-action-{call.pk}")
    row.get_by_role("link", name="Log the call").click()
    panel = page.locator(f"#panel-action-{call.pk}")
    panel.get_by_role("heading", name="Call script").wait_for()
    assert panel.get_by_text("Dupont Industrie (K001)").first.is_visible()
    panel.get_by_label("Who did you speak to?").fill("Jeanne Petit")
    panel.get_by_label("Promise to pay").check()
    panel.get_by_label("Promised payment date").fill("2026-03-20")
    panel.get_by_label("Amount promised").fill("12480.00")
    panel.get_by_label("Means of payment").select_option("transfer")
    panel.get_by_label("Note", exact=True).fill("Invoices validated; transfer on the 20th.")
    screenshot(page, "workspace-agenda-call.png", artefacts)
    panel.get_by_role("button", name="Record the outcome").click()
    page.get_by_text("Call logged: promise of €12,480.00").wait_for()

    promise = Promise.objects.get(customer=dupont, status="open")
    assert (promise.promised_date, promise.amount, promise.made_by) == (dt.date(2026, 3, 20), 12_480_00, "Jeanne Petit")
    page.reload()
    assert page.locator(f"#task-action-{call.pk}").count() == 0
    assert page.get_by_text("Garage Moreau & Fils").first.is_visible()
