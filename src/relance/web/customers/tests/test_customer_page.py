"""The customer page: what it shows (summary, statement with statuses, timeline of every kind,
contacts, notes, plan) and what each of its forms does, with the author on the audit trail."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from relance.collection.models import (
    Action,
    CollectionSettings,
    CustomerNote,
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
)
from relance.collection.services.actions import action_complete
from relance.collection.services.statuses import dispute_open, promise_create
from relance.core.audit import Actor
from relance.core.models import AuditEvent
from relance.ledger.models import Contact
from relance.messaging.models import OutboxMessage
from relance.payments.models import OnlinePayment
from relance.portal.models import PortalSubmission
from tests.factories import InvoiceFactory, PaymentFactory

from .conftest import TODAY, login

pytestmark = pytest.mark.django_db


def url(setup, path: str = "") -> str:
    return f"/customers/{setup.dupont.pk}/{path}"


def test_summary_and_statement(setup, as_camille):
    response = as_camille.get(url(setup))
    assert response.status_code == 200
    content = response.content.decode()
    (summary,) = response.context["account"].summaries
    assert summary.overdue.minor == 1164_20
    assert summary.not_due.minor == 1234_56
    assert summary.credits.minor == -48_00
    assert summary.balance.minor == 2350_76
    assert summary.penalties is None  # penalties are off for this company
    for text in ("1,164.20", "1,234.56", "2,350.76", "F-0107", "F-0131", "F-0158", "AV-0012", "20 days late"):
        assert text in content, text
    statuses = {row.item.number: row.status for row in response.context["account"].rows}
    assert statuses == {"F-0107": "overdue", "F-0131": "overdue", "F-0158": "not_due", "AV-0012": "credit"}


def test_statuses_promised_disputed_in_transit_and_penalties(setup, as_camille):
    actor = Actor.system("test")
    promise_create(actor=actor, customer=setup.dupont, invoices=[setup.later], promised_date=TODAY + dt.timedelta(5))
    dispute_open(actor=actor, customer=setup.dupont, invoices=[setup.late], reason="price")
    paid = OnlinePayment.objects.create(
        company=setup.company,
        customer=setup.dupont,
        provider="stripe",
        amount=1234_56,
        currency="EUR",
        status="succeeded",
    )
    paid.invoices.add(setup.soon)
    setup.company.penalties_enabled = True
    setup.company.save()
    response = as_camille.get(url(setup))
    statuses = {row.item.number: row.status for row in response.context["account"].rows}
    assert statuses == {"F-0107": "disputed", "F-0131": "promised", "F-0158": "in_transit", "AV-0012": "credit"}
    content = response.content.decode()
    assert "Payment promised" in content
    assert "Disputed" in content
    assert "Paid, in transit" in content
    (summary,) = response.context["account"].summaries
    assert summary.penalties is not None
    assert summary.penalties.minor > 40_00
    assert "Late-payment penalties" in content


def test_another_companys_customer_is_not_found(setup, as_camille, as_manager):
    assert as_manager.get(f"/customers/{setup.foreign.pk}/").status_code == 404
    assert as_manager.post(f"/customers/{setup.foreign.pk}/notes/", {"note-text": "x"}).status_code == 404
    assert as_manager.get(f"/customers/{setup.foreign.pk}/statement.pdf").status_code == 404
    # Not in Camille's portfolio either
    assert as_camille.get(f"/customers/{setup.leroy.pk}/").status_code == 404
    # Objects of another customer cannot be reached through this one
    dispute = dispute_open(
        actor=Actor.system("t"), customer=setup.leroy, invoices=[setup.leroy.invoices.first()], reason="price"
    )
    response = as_manager.post(
        url(setup, f"disputes/{dispute.pk}/resolve/"),
        {f"resolve-{dispute.pk}-resolution": "x", f"resolve-{dispute.pk}-rejected": "0"},
    )
    assert response.status_code == 404
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_record_a_promise_on_ticked_invoices(setup, as_camille):
    response = as_camille.post(
        url(setup, "promise/"),
        {
            "invoices": [setup.late.pk],
            "promise-date": "2026-03-20",
            "promise-amount": "300.00",
            "promise-means": "transfer",
            "promise-made_by": "Alice",
        },
    )
    assert response.status_code == 302
    promise = Promise.objects.get(customer=setup.dupont)
    assert list(promise.invoices.all()) == [setup.late]
    assert (promise.amount, promise.promised_date, promise.made_by) == (300_00, dt.date(2026, 3, 20), "Alice")
    event = AuditEvent.objects.get(code="collection.promise.created")
    assert event.actor_user == setup.camille


def test_a_promise_without_ticks_covers_the_overdue_invoices(setup, as_camille):
    as_camille.post(url(setup, "promise/"), {"promise-date": "2026-03-20", "promise-means": "transfer"})
    promise = Promise.objects.get(customer=setup.dupont)
    assert {i.number for i in promise.invoices.all()} == {"F-0107", "F-0131"}
    assert promise.amount == 1164_20


def test_a_bad_promise_is_refused_with_a_message(setup, as_camille):
    response = as_camille.post(
        url(setup, "promise/"), {"promise-date": "2025-01-01", "promise-means": "transfer"}, follow=True
    )
    assert "Not done: a promise date cannot be in the past" in response.content.decode()
    response = as_camille.post(url(setup, "promise/"), {"promise-date": "not a date"}, follow=True)
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert not Promise.objects.exists()


def test_cancel_a_promise(setup, as_camille):
    promise = promise_create(
        actor=Actor.system("t"), customer=setup.dupont, invoices=[setup.late], promised_date=TODAY + dt.timedelta(3)
    )
    as_camille.post(url(setup, f"promises/{promise.pk}/cancel/"))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED


def test_open_comment_and_resolve_a_dispute(setup, as_camille):
    response = as_camille.post(
        url(setup, "dispute/"),
        {"invoices": [setup.later.pk], "dispute-reason": "quantity", "dispute-comment": "2 pallets missing"},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(customer=setup.dupont)
    assert list(dispute.invoices.all()) == [setup.later]
    assert dispute.comment == "2 pallets missing"
    as_camille.post(url(setup, f"disputes/{dispute.pk}/comment/"), {f"comment-{dispute.pk}-text": "Asked logistics"})
    assert dispute.comments.get().text == "Asked logistics"
    as_camille.post(
        url(setup, f"disputes/{dispute.pk}/resolve/"),
        {f"resolve-{dispute.pk}-resolution": "Credit note issued", f"resolve-{dispute.pk}-rejected": "0"},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution) == (DisputeStatus.RESOLVED, "Credit note issued")
    assert AuditEvent.objects.get(code="collection.dispute.resolved").actor_user == setup.camille


def test_a_dispute_needs_ticked_invoices(setup, as_camille):
    response = as_camille.post(url(setup, "dispute/"), {"dispute-reason": "price"}, follow=True)
    assert "Tick the invoices that are disputed." in response.content.decode()
    assert not Dispute.objects.exists()


def test_ask_a_colleague_about_a_dispute(setup, as_camille):
    dispute = dispute_open(actor=Actor.system("t"), customer=setup.dupont, invoices=[setup.late], reason="quality")
    response = as_camille.post(
        url(setup, f"disputes/{dispute.pk}/colleague/"),
        {
            f"colleague-{dispute.pk}-email": "sales@durand.example",
            f"colleague-{dispute.pk}-name": "Sam",
            f"colleague-{dispute.pk}-question": "Did we deliver the right grade?",
        },
    )
    assert response.status_code == 302
    message = OutboxMessage.objects.get(template_code="portal_colleague_question")
    assert message.to == ["sales@durand.example"]
    link_start = reverse("portal:colleague", args=["token"]).removesuffix("token/")
    assert "Did we deliver the right grade?" in message.text
    assert link_start in message.text
    assert AuditEvent.objects.get(code="portal.colleague.invited").actor_user == setup.camille


def test_send_the_statement_of_ticked_invoices(setup, as_camille, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = as_camille.post(
            url(setup, "send/"), {"invoices": [setup.late.pk, setup.soon.pk], "send-template": "overdue_courteous"}
        )
    assert response.status_code == 302
    message = OutboxMessage.objects.get(customer=setup.dupont)
    assert message.to == ["Alice Payables <ap@dupont.example>"]
    assert message.status == "queued"
    assert message.reference == "statement"
    assert "F-0107" in message.text
    assert "F-0158" in message.text
    assert "F-0131" not in message.text  # only the ticked invoices
    assert "300.00" in message.text
    event = AuditEvent.objects.get(code="collection.email.queued")
    assert event.actor_user == setup.camille
    assert event.data["items"] == ["F-0107", "F-0158"]


def test_send_the_whole_statement(setup, as_camille):
    as_camille.post(url(setup, "send/"), {"send-template": "overdue_courteous"})
    message = OutboxMessage.objects.get(customer=setup.dupont)
    for number in ("F-0107", "F-0131", "F-0158"):
        assert number in message.text


@pytest.mark.send_window
def test_sent_outside_the_send_window_the_page_says_when_it_leaves(setup, as_camille):
    """At 19:30 on a Friday (Paris), with the window 08:00-18:00, the e-mail waits for Monday 08:00
    and the page says so; inside the window it says nothing more."""
    from zoneinfo import ZoneInfo

    import time_machine

    company = setup.dupont.company
    company.timezone, company.country = "Europe/Paris", "FR"
    company.save()
    CollectionSettings.objects.update_or_create(
        company=company, defaults={"send_window_start": dt.time(8, 0), "send_window_end": dt.time(18, 0)}
    )
    with time_machine.travel(dt.datetime(2026, 3, 6, 19, 30, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        response = as_camille.post(url(setup, "send/"), {"send-template": "overdue_courteous"}, follow=True)
    page = response.content.decode()
    assert "Outside the company&#x27;s send window: it will leave on" in page
    assert "March 9, 2026, 8 a.m." in page
    message = OutboxMessage.objects.get(customer=setup.dupont)
    assert message.not_before == dt.datetime(2026, 3, 9, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
    OutboxMessage.objects.all().delete()
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        response = as_camille.post(url(setup, "send/"), {"send-template": "overdue_courteous"}, follow=True)
    assert "send window" not in response.content.decode()


def test_send_without_an_address_says_why(setup, as_camille):
    Contact.objects.all().delete()
    response = as_camille.post(url(setup, "send/"), {"send-template": "overdue_courteous"}, follow=True)
    assert "no contact with a usable e-mail address" in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_log_a_call_with_a_promise(setup, as_camille):
    response = as_camille.post(
        url(setup, "call/"),
        {
            "call-reached": "1",
            "call-note": "Alice will pay Friday",
            "call-outcome": "promise",
            "call-promise_date": "2026-03-13",
            "call-promise_means": "transfer",
            "call-made_by": "Alice",
            "invoices": [setup.late.pk],
        },
    )
    assert response.status_code == 302
    call = Action.objects.get(customer=setup.dupont, channel="call")
    assert call.status == "done"
    assert call.outcome["reached"] is True
    promise = Promise.objects.get(customer=setup.dupont)
    assert promise.source == "call"
    assert list(promise.invoices.all()) == [setup.late]
    assert AuditEvent.objects.get(code="collection.call.logged").actor_user == setup.camille


def test_log_a_call_with_a_dispute_or_not_reached(setup, as_camille):
    as_camille.post(
        url(setup, "call/"),
        {
            "call-reached": "1",
            "call-outcome": "dispute",
            "call-dispute_reason": "price",
            "call-note": "Price was 5% off",
            "invoices": [setup.later.pk],
            "call-promise_means": "transfer",
        },
    )
    assert Dispute.objects.get(customer=setup.dupont).comment == "Price was 5% off"
    response = as_camille.post(
        url(setup, "call/"),
        {"call-reached": "0", "call-outcome": "note", "call-promise_means": "transfer"},
        follow=True,
    )
    assert "it stays on the list" in response.content.decode()
    response = as_camille.post(
        url(setup, "call/"),
        {"call-reached": "0", "call-outcome": "promise", "call-promise_means": "transfer"},
        follow=True,
    )
    assert "Give the promised payment date." in response.content.decode()


def test_pause_resume_and_litigation(setup, as_camille):
    response = as_camille.post(url(setup, "pause/"), {"pause-until": "2026-03-31", "pause-reason": "Holiday"})
    assert response.status_code == 302
    setup.dupont.refresh_from_db()
    assert (setup.dupont.status, setup.dupont.paused_until) == ("paused", dt.date(2026, 3, 31))
    assert "Resume collection" in as_camille.get(url(setup)).content.decode()
    as_camille.post(url(setup, "resume/"))
    setup.dupont.refresh_from_db()
    assert setup.dupont.status == "active"
    assert setup.dupont.paused_until is None
    response = as_camille.post(url(setup, "pause/"), {"pause-until": "2026-01-01"}, follow=True)
    assert "Choose a date after today." in response.content.decode()
    as_camille.post(url(setup, "litigation/"), {"litigation-reason": "Formal notice ignored"})
    setup.dupont.refresh_from_db()
    assert setup.dupont.status == "litigation"
    codes = list(AuditEvent.objects.filter(actor_user=setup.camille).values_list("code", flat=True))
    assert {"collection.customer.paused", "collection.customer.resumed", "collection.customer.litigation"} <= set(codes)


def test_notes_add_and_pin(setup, as_camille):
    as_camille.post(url(setup, "notes/"), {"note-text": "Pays on the 10th only", "note-pinned": "on"})
    note = CustomerNote.objects.get()
    assert (note.pinned, note.author, note.author_label) == (True, setup.camille, "camille")
    as_camille.post(url(setup, f"notes/{note.pk}/pin/"), {"pinned": "0"})
    note.refresh_from_db()
    assert not note.pinned
    response = as_camille.post(url(setup, "notes/"), {"note-text": "   "}, follow=True)
    assert "This field is required." in response.content.decode()
    assert CustomerNote.objects.count() == 1


def test_contacts_add_and_edit(setup, as_camille):
    as_camille.post(
        url(setup, "contacts/"),
        {
            "contact-name": "Bob Buyer",
            "contact-email": "bob@dupont.example",
            "contact-roles": ["is_buyer", "is_finance"],
            "contact-language": "fr",
        },
    )
    bob = Contact.objects.get(name="Bob Buyer")
    assert (bob.is_buyer, bob.is_finance, bob.is_accounts_payable, bob.language) == (True, True, False, "fr")
    contact = setup.contact
    contact.email_failed_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    contact.save()
    prefix = f"contact-{contact.pk}"
    as_camille.post(
        url(setup, f"contacts/{contact.pk}/"),
        {
            f"{prefix}-name": "Alice P.",
            f"{prefix}-email": "alice@dupont.example",
            f"{prefix}-roles": ["is_accounts_payable"],
            f"{prefix}-phone": "+33 4 00 00 00 00",
        },
    )
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.email_failed_at) == ("Alice P.", "alice@dupont.example", None)
    events = AuditEvent.objects.filter(code__startswith="ledger.contact.", actor_user=setup.camille)
    assert events.count() == 2
    response = as_camille.post(url(setup, "contacts/"), {"contact-phone": "123"}, follow=True)
    assert "Give the contact a name or an e-mail address." in response.content.decode()


def test_downloads(setup, as_camille):
    pdf = as_camille.get(url(setup, "statement.pdf"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    xlsx = as_camille.get(url(setup, "statement.xlsx"), {"lang": "fr"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert any("F-0107" in row for row in rows)
    assert "Numéro" in rows[4]


def test_plan_and_scenario(setup, as_camille):
    response = as_camille.get(url(setup))
    assert response.context["scenario"] is not None
    assert response.context["plan"], "the standard scenario plans something for an overdue account"
    assert all(TODAY <= line.date < TODAY + dt.timedelta(30) for line in response.context["plan"])


def test_the_timeline_shows_every_kind(setup, as_camille):
    actor = Actor.for_user(setup.camille)
    as_camille.post(url(setup, "send/"), {"send-template": "overdue_courteous"})  # e-mail
    as_camille.post(
        url(setup, "call/"),
        {"call-reached": "1", "call-note": "Spoke to Alice", "call-outcome": "note", "call-promise_means": "transfer"},
    )
    letter = Action.objects.create(
        company=setup.company,
        customer=setup.dupont,
        date=TODAY,
        family="message",
        channel="letter",
        status="to_confirm",
        step_label="Formal notice",
    )
    action_complete(actor=actor, action=letter)
    PortalSubmission.objects.create(
        company=setup.company,
        customer=setup.dupont,
        contact=setup.contact,
        kind="question",
        payload={"text": "Can we pay in two parts?"},
    )
    as_camille.post(url(setup, "pause/"), {"pause-until": "2026-03-20"})
    PaymentFactory(
        customer=setup.dupont, external_ref="VIR-889", date=dt.date(2026, 3, 5), amount=150_00, reference="DUPONT MARS"
    )
    as_camille.post(url(setup, "notes/"), {"note-text": "Ask for the PO next time"})
    as_camille.post(url(setup, "contacts/"), {"contact-name": "Bob", "contact-email": "bob@dupont.example"})
    timeline = as_camille.get(url(setup)).context["timeline"]
    kinds = {entry.kind for entry in timeline.entries}
    assert kinds >= {"email", "call", "letter", "portal", "status", "payment", "note", "other"}
    content = as_camille.get(url(setup)).content.decode()
    for text in (
        "payment reminder",
        "Spoke to Alice",
        "Letter sent",
        "Can we pay in two parts?",
        "Collection paused",
        "VIR-889",
        "Ask for the PO next time",
        "Contact added",
    ):
        assert text in content, text
    assert "Dear" in content or "Hello" in content  # the e-mail's content, not only its subject
    # newest first
    whens = [entry.when for entry in timeline.entries]
    assert whens == sorted(whens, reverse=True)
    # one kind only, through the htmx partial
    calls = as_camille.get(url(setup, "timeline/"), {"tl": "call"})
    assert {e.kind for e in calls.context["timeline"].entries} == {"call"}


def test_the_timeline_pages(setup, as_camille):
    for n in range(30):
        CustomerNote.objects.create(company=setup.company, customer=setup.dupont, author_label="x", text=f"note {n}")
    first = as_camille.get(url(setup)).context["timeline"]
    assert len(first.entries) == 25
    assert first.has_next
    second = as_camille.get(url(setup, "timeline/"), {"tl_page": 2}).context["timeline"]
    assert len(second.entries) == 5
    assert not second.has_next
    assert first.entries[0].text == "note 29"


QUERIES = 50  # 47 today, the same for 5 or 50 invoices and timeline entries


def _history(setup, count: int) -> None:
    actor = Actor.system("test")
    for n in range(count):
        invoice = InvoiceFactory(
            customer=setup.dupont,
            number=f"H-{n:03d}",
            issue_date=dt.date(2026, 1, 2),
            due_date=dt.date(2026, 2, 1) + dt.timedelta(days=n % 40),
            amount=100_00 + n,
        )
        CustomerNote.objects.create(company=setup.company, customer=setup.dupont, author_label="x", text=f"n{n}")
        PaymentFactory(customer=setup.dupont, external_ref=f"P-H{n}", date=dt.date(2026, 3, 1), amount=1_00)
        PortalSubmission.objects.create(
            company=setup.company, customer=setup.dupont, kind="question", payload={"text": f"q{n}"}
        )
        if n % 5 == 0:
            dispute_open(actor=actor, customer=setup.dupont, invoices=[invoice], reason="price")
            promise_create(
                actor=actor, customer=setup.dupont, invoices=[setup.soon], promised_date=TODAY + dt.timedelta(9)
            )
    Contact.objects.bulk_create(
        Contact(company=setup.company, customer=setup.dupont, email=f"c{n}@dupont.example") for n in range(count)
    )


@pytest.mark.parametrize("count", [5, 50])
def test_the_customer_page_costs_a_fixed_number_of_queries(setup, as_camille, django_assert_max_num_queries, count):
    _history(setup, count)
    as_camille.post(url(setup, "send/"), {"send-template": "overdue_courteous"})
    with django_assert_max_num_queries(QUERIES):
        response = as_camille.get(url(setup))
    assert response.status_code == 200
    assert len(response.context["account"].rows) == 2 * count + 4  # invoices and unapplied payments


def test_a_reader_sees_no_button_and_every_post_is_refused(setup, as_reader):
    dispute = dispute_open(actor=Actor.system("t"), customer=setup.dupont, invoices=[setup.late], reason="price")
    promise = promise_create(
        actor=Actor.system("t"), customer=setup.dupont, invoices=[setup.later], promised_date=TODAY + dt.timedelta(3)
    )
    note = CustomerNote.objects.create(company=setup.company, customer=setup.dupont, author_label="x", text="n")
    page = as_reader.get(url(setup))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'method="post"' not in content.replace('action="/logout/"', "").split("<main", 1)[1]
    for label in (
        "Send the statement now",
        "Log a call",
        "Record a promise",
        "Put in litigation",
        "Add the note",
        "Add a contact",
        "Resolve or reject",
        "Ask a colleague",
    ):
        assert label not in content, label
    posts = [
        "promise/",
        "dispute/",
        "send/",
        "call/",
        "pause/",
        "resume/",
        "litigation/",
        "notes/",
        f"notes/{note.pk}/pin/",
        "contacts/",
        f"contacts/{setup.contact.pk}/",
        f"promises/{promise.pk}/cancel/",
        f"disputes/{dispute.pk}/resolve/",
        f"disputes/{dispute.pk}/comment/",
        f"disputes/{dispute.pk}/colleague/",
    ]
    for path in posts:
        assert as_reader.post(url(setup, path), {"note-text": "x"}).status_code == 403, path
    assert not OutboxMessage.objects.exists()
    assert as_reader.get("/customers/").status_code == 200
    assert as_reader.get(url(setup, "statement.pdf")).status_code == 200


def test_every_post_needs_a_signed_in_member(setup):
    anonymous = login.__globals__["Client"]()
    response = anonymous.post(url(setup, "notes/"), {"note-text": "x"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert anonymous.get("/customers/").status_code == 302


def test_the_pages_speak_french(setup, as_camille):
    page = as_camille.get(url(setup), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Envoyer le relevé maintenant" in page
    assert "Historique" in page
    assert "1 164,20" in page.replace("\u202f", " ")
    listing = as_camille.get("/customers/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Exporter vers Excel" in listing
