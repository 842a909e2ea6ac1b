"""The agenda lists the collector's tasks (today and late), by priority, with counters; each task is
handled in place through the collection, messaging and portal services."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from relance.collection.models import Action, Dispute, Promise
from relance.core.models import AuditEvent
from relance.documents.tests.tools import flat, page_count, pdf_text
from relance.messaging.models import OutboxMessage
from relance.web.agenda.tests.conftest import TODAY

YESTERDAY = TODAY - dt.timedelta(days=1)


def keys(response) -> list[str]:
    """The tasks of the page, in their order."""
    return re.findall(r'<tbody id="task-([a-z_]+-\d+)"', response.content.decode())


def test_the_agenda_lists_the_collectors_portfolio_by_priority_with_late_and_today(signed_in, book, collector, member,
                                                                                company):  # fmt: skip
    other_collector = member(company, "collector", username="leo")
    big = book.customer("Dupont Industrie", collector=collector, overdue=4_500_00, days=25)
    small = book.customer("Garage Moreau", collector=collector, overdue=1_200_00, days=5)
    theirs = book.customer("Not mine SARL", collector=other_collector, overdue=9_000_00, days=40)
    call = book.action(big, "call", priority=112_500)
    late_email = book.action(small, "email", priority=6_000, date=YESTERDAY)
    book.action(theirs, "call", priority=360_000)
    book.action(small, "call", priority=1, date=TODAY + dt.timedelta(days=1))  # tomorrow: not yet
    book.action(big, "email", status="planned", priority=5, family="message", date=YESTERDAY)  # leaves on its own
    done = book.action(small, "letter", priority=999_999, status="done")
    due = book.promise(small, date=TODAY)
    response = signed_in.get("/agenda/")
    assert response.status_code == 200
    assert keys(response) == [f"action-{call.pk}", f"action-{late_email.pk}", f"promise-{due.pk}"]
    assert "Not mine SARL" not in response.content.decode()
    assert f"action-{done.pk}" not in keys(response)
    assert signed_in.get("/agenda/?when=late").context["agenda"].tasks[0].action == late_email
    assert [t.key for t in signed_in.get("/agenda/?when=today").context["agenda"].tasks] == [
        f"action-{call.pk}",
        f"promise-{due.pk}",
    ]
    counters = {c.kind: (c.today, c.late) for c in response.context["agenda"].counters}
    assert counters["call"] == (1, 0)
    assert counters["email"] == (0, 1)
    assert counters["promise_due"] == (1, 0)
    assert counters["letter"] == (0, 0)
    assert keys(signed_in.get("/agenda/?kind=email")) == [f"action-{late_email.pk}"]
    # the collector may not look at a colleague's tasks
    assert "Not mine SARL" not in signed_in.get(f"/agenda/?who={other_collector.pk}").content.decode()


def test_a_manager_sees_everyone_or_one_collector(client, book, collector, member, company):
    manager = member(company, "credit_manager")
    other = member(company, "collector", username="leo")
    mine = book.action(book.customer("Mine", collector=collector, overdue=100_00), "call", priority=10)
    theirs = book.action(book.customer("Theirs", collector=other, overdue=100_00), "call", priority=20)
    client.force_login(manager)
    assert keys(client.get("/agenda/")) == [f"action-{theirs.pk}", f"action-{mine.pk}"]
    assert keys(client.get(f"/agenda/?who={collector.pk}")) == [f"action-{mine.pk}"]
    assert keys(client.get("/agenda/?who=me")) == []


def test_broken_promises_and_portal_answers_are_on_the_list(signed_in, book, collector):
    customer = book.customer("Bati Sud", collector=collector, overdue=3_000_00, days=30)
    broken = book.promise(customer, date=TODAY - dt.timedelta(days=5), status="broken", evaluated_on=YESTERDAY)
    old = book.promise(customer, date=TODAY - dt.timedelta(days=30), status="broken",
                       evaluated_on=TODAY - dt.timedelta(days=20))  # fmt: skip
    answer = book.submission(customer, kind="question", payload={"message": "Please resend the invoice"})
    response = signed_in.get("/agenda/")
    found = keys(response)
    assert f"broken-{broken.pk}" in found
    assert f"broken-{old.pk}" not in found  # older than a week
    assert f"submission-{answer.pk}" in found
    assert "Please resend the invoice" in response.content.decode()
    # a new promise takes the broken one off the list
    book.promise(customer, date=TODAY + dt.timedelta(days=3))
    assert f"broken-{broken.pk}" not in keys(signed_in.get("/agenda/"))


def test_logging_a_call_with_a_promise_creates_it_and_completes_the_call(signed_in, book, collector):
    customer = book.customer("Dupont Industrie", collector=collector, overdue=4_500_00, days=25)
    invoice = customer.invoices.get()
    call = book.action(customer, "call", priority=100)
    panel = signed_in.get(f"/agenda/calls/{call.pk}/", HTTP_HX_REQUEST="true")
    assert "Call script" in panel.content.decode()
    assert "Dupont Industrie (K001)" in panel.content.decode()  # the script filled with the account
    response = signed_in.post(
        f"/agenda/calls/{call.pk}/",
        {"reached": "yes", "spoke_to": "Jeanne Petit", "outcome": "promise", "invoices": [invoice.pk],
         "promise_date": "2026-03-20", "promise_amount": "4500.00", "promise_means": "transfer", "note": "OK"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#task-action-{call.pk}"
    assert "promise of €4,500.00" in response.content.decode()
    promise = Promise.objects.get(customer=customer)
    assert (promise.promised_date, promise.amount, promise.means, promise.source, promise.made_by) == (
        dt.date(2026, 3, 20),
        4_500_00,
        "transfer",
        "call",
        "Jeanne Petit",
    )
    assert list(promise.invoices.all()) == [invoice]
    call.refresh_from_db()
    assert call.status == "done"
    assert call.done_by == "camille"
    logged = AuditEvent.objects.get(code="collection.call.logged", object_id=str(call.pk))
    assert logged.actor_label == "camille"
    assert logged.data["promise"] == promise.pk
    assert AuditEvent.objects.filter(code="collection.promise.created", customer=customer).exists()
    assert f"action-{call.pk}" not in keys(signed_in.get("/agenda/"))


def test_a_call_records_a_dispute_or_an_unanswered_attempt(signed_in, book, collector):
    customer = book.customer("Garage Moreau", collector=collector, overdue=1_200_00, days=12)
    invoice = customer.invoices.get()
    call = book.action(customer, "call", priority=100)
    url = f"/agenda/calls/{call.pk}/"
    # no answer: the call stays on the list with the attempt noted
    response = signed_in.post(url, {"reached": "no", "outcome": "note", "note": "voicemail"}, HTTP_HX_REQUEST="true")
    assert "stays on your list" in response.content.decode()
    call.refresh_from_db()
    assert call.status == "to_confirm"
    assert call.outcome["attempts"][0]["note"] == "voicemail"
    # a dispute needs its reason: the form says so and nothing is recorded
    response = signed_in.post(url, {"reached": "yes", "outcome": "dispute", "invoices": [invoice.pk]},
                              HTTP_HX_REQUEST="true")  # fmt: skip
    assert "Choose the reason of the dispute." in response.content.decode()
    assert not Dispute.objects.exists()
    signed_in.post(url, {"reached": "yes", "outcome": "dispute", "invoices": [invoice.pk],
                         "dispute_reason": "missing_goods", "dispute_comment": "2 pallets missing"},
                   HTTP_HX_REQUEST="true")  # fmt: skip
    dispute = Dispute.objects.get(customer=customer)
    assert (dispute.reason, dispute.comment, list(dispute.invoices.all())) == ("missing_goods", "2 pallets missing",
                                                                               [invoice])  # fmt: skip
    call.refresh_from_db()
    assert call.status == "done"


def test_a_promise_in_the_past_is_refused_with_a_clear_message(signed_in, book, collector):
    customer = book.customer("Garage Moreau", collector=collector, overdue=1_200_00, days=12)
    call = book.action(customer, "call", priority=100)
    response = signed_in.post(
        f"/agenda/calls/{call.pk}/",
        {"reached": "yes", "outcome": "promise", "invoices": [customer.invoices.get().pk], "promise_date": "2026-03-01",
         "promise_means": "transfer"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    assert "a promise date cannot be in the past" in response.content.decode()
    assert not Promise.objects.exists()


def test_an_email_to_confirm_is_previewed_edited_and_sent(signed_in, book, collector):
    customer = book.customer("Dupont Industrie", collector=collector, overdue=4_500_00, days=25, language="en")
    action = book.action(customer, "email", priority=100)
    panel = signed_in.get(f"/agenda/emails/{action.pk}/", HTTP_HX_REQUEST="true")
    html = panel.content.decode()
    assert "srcdoc=" in html
    assert "F-0011" in html
    subject = panel.context["form"].initial["subject"]
    body = panel.context["form"].initial["body_source"]
    preview = signed_in.post(f"/agenda/emails/{action.pk}/preview/",
                             {"subject": "About your account", "body_source": f"As agreed on the phone.\n\n{body}",
                              "body_format": "markdown"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert "As agreed on the phone." in preview.context["rendered"].text
    assert not OutboxMessage.objects.exists()
    bad = signed_in.post(f"/agenda/emails/{action.pk}/preview/",
                         {"subject": subject, "body_source": "#no_such_tag", "body_format": "markdown"},
                         HTTP_HX_REQUEST="true")  # fmt: skip
    assert "no_such_tag" in bad.context["error"]
    sent = signed_in.post(f"/agenda/emails/{action.pk}/send/",
                          {"subject": "About your account", "body_source": f"As agreed on the phone.\n\n{body}",
                           "body_format": "markdown"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert "queued for sending" in sent.content.decode()
    message = OutboxMessage.objects.get()
    assert message.subject == "About your account"
    assert "As agreed on the phone." in message.text
    assert message.reference == f"action:{action.pk}"
    event = AuditEvent.objects.get(code="collection.email.queued", object_id=str(action.pk))
    assert event.data["edited"] is True
    action.refresh_from_db()
    assert action.status == "planned"
    assert "outbox" in action.outcome


def test_an_email_sent_as_is_or_skipped(signed_in, book, collector):
    first = book.action(book.customer("A", collector=collector, overdue=100_00), "email", priority=2)
    second = book.action(book.customer("B", collector=collector, overdue=100_00), "email", priority=1)
    signed_in.post(f"/agenda/emails/{first.pk}/send/", HTTP_HX_REQUEST="true")
    message = OutboxMessage.objects.get()
    assert message.reference == f"action:{first.pk}"
    assert "edited" not in AuditEvent.objects.get(code="collection.email.queued").data
    response = signed_in.post(f"/agenda/actions/{second.pk}/skip/", {"reason": "customer paid by phone"},
                              HTTP_HX_REQUEST="true")  # fmt: skip
    assert "Skipped: customer paid by phone" in response.content.decode()
    second.refresh_from_db()
    assert (second.status, second.status_reason) == ("skipped", "customer paid by phone")
    assert AuditEvent.objects.filter(code="collection.action.skipped", object_id=str(second.pk)).exists()
    assert keys(signed_in.get("/agenda/")) == []


def test_the_letters_due_open_as_one_pdf_and_are_marked_sent(signed_in, book, collector):
    first = book.customer("Dupont Industrie", collector=collector, overdue=4_500_00, days=40)
    second = book.customer("Garage Moreau", collector=collector, overdue=1_200_00, days=38)
    letters = [book.action(first, "letter", priority=5), book.action(second, "letter", priority=4)]
    response = signed_in.get("/agenda/letters.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Letters-Printed"] == "2"
    text = flat(pdf_text(response.content))
    assert "Dupont Industrie" in text
    assert "Garage Moreau" in text
    assert page_count(response.content) >= 2
    only = signed_in.get(f"/agenda/letters.pdf?ids={letters[1].pk}")
    assert only["X-Letters-Printed"] == "1"
    signed_in.post("/agenda/bulk/", {"operation": "letters_sent", "ids": [a.pk for a in letters]})
    assert set(Action.objects.filter(channel="letter").values_list("status", flat=True)) == {"done"}
    assert AuditEvent.objects.filter(code="collection.letter.done").count() == 2


def test_bulk_skip_and_bulk_send(signed_in, book, collector):
    calls = [book.action(book.customer(f"Call {n}", collector=collector, overdue=100_00), "call") for n in range(3)]
    emails = [book.action(book.customer(f"Mail {n}", collector=collector, overdue=100_00), "email") for n in range(2)]
    response = signed_in.post("/agenda/bulk/", {"operation": "skip", "ids": [calls[0].pk, calls[1].pk]}, follow=True)
    assert "Say why the tasks are skipped." in response.content.decode()
    assert not Action.objects.filter(status="skipped").exists()
    data = {"operation": "skip", "reason": "paid", "ids": [calls[0].pk, calls[1].pk]}
    response = signed_in.post("/agenda/bulk/", data, follow=True)
    assert "2 task(s) skipped." in response.content.decode()
    assert set(Action.objects.filter(status="skipped").values_list("pk", flat=True)) == {calls[0].pk, calls[1].pk}
    signed_in.post("/agenda/bulk/", {"operation": "send_emails", "ids": [e.pk for e in emails] + [calls[2].pk]})
    assert OutboxMessage.objects.count() == 2
    calls[2].refresh_from_db()
    assert calls[2].status == "to_confirm"  # not an e-mail: untouched


def test_a_portal_answer_is_accepted_or_rejected_in_place(signed_in, book, collector):
    customer = book.customer("Bati Sud", collector=collector, overdue=3_000_00, days=30)
    question = book.submission(customer)
    other = book.submission(customer, kind="contact", payload={"phone": "+33 6 00 00 00 00"})
    response = signed_in.post(f"/agenda/answers/{question.pk}/", {"decision": "accept", "note": "resent"},
                              HTTP_HX_REQUEST="true")  # fmt: skip
    assert "Answer accepted." in response.content.decode()
    question.refresh_from_db()
    assert (question.status, question.handled_by) == ("accepted", collector)
    response = signed_in.post(f"/agenda/answers/{other.pk}/", {"decision": "reject"}, HTTP_HX_REQUEST="true")
    assert "Say why you reject it." in response.content.decode()
    signed_in.post(f"/agenda/answers/{other.pk}/", {"decision": "reject", "note": "not our customer's number"},
                   HTTP_HX_REQUEST="true")  # fmt: skip
    other.refresh_from_db()
    assert other.status == "rejected"
    assert AuditEvent.objects.filter(code="portal.submission.rejected", customer=customer).exists()


def test_without_htmx_the_forms_come_back_to_the_agenda(signed_in, book, collector):
    call = book.action(book.customer("A", collector=collector, overdue=100_00), "call")
    response = signed_in.post(f"/agenda/calls/{call.pk}/", {"reached": "yes", "outcome": "note", "note": "fine"},
                              follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == "/agenda/"
    assert "Call logged." in response.content.decode()
    page = signed_in.get(f"/agenda/calls/{book.action(book.customer('B', collector=collector), 'call').pk}/")
    assert page.status_code == 200
    assert "Back to the agenda" in page.content.decode()


def test_read_only_members_see_the_agenda_without_buttons_and_cannot_change_anything(client, book, collector, member,
                                                                                   company):  # fmt: skip
    viewer = member(company, "read_only")
    customer = book.customer("Dupont Industrie", collector=collector, overdue=4_500_00, days=40)
    call, email, letter = (book.action(customer, "call"), book.action(customer, "email"),
                           book.action(customer, "letter", family="task"))  # fmt: skip
    answer = book.submission(customer)
    client.force_login(viewer)
    page = client.get("/agenda/").content.decode()
    assert "Dupont Industrie" in page
    for label in (
        "Log the call",
        "Preview and send",
        "Mark sent",
        "Accept",
        "Apply to selected",
        "Skip…",
        '<form method="post" action="/agenda',
    ):
        assert label not in page
    posts = [
        (f"/agenda/calls/{call.pk}/", {"reached": "yes", "outcome": "note"}),
        (f"/agenda/emails/{email.pk}/send/", {}),
        (f"/agenda/emails/{email.pk}/preview/", {"subject": "x", "body_source": "y"}),
        (f"/agenda/actions/{call.pk}/skip/", {"reason": "x"}),
        (f"/agenda/actions/{letter.pk}/done/", {}),
        (f"/agenda/answers/{answer.pk}/", {"decision": "accept"}),
        ("/agenda/bulk/", {"operation": "skip", "reason": "x", "ids": [call.pk]}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert set(Action.objects.values_list("status", flat=True)) == {"to_confirm"}
    assert not OutboxMessage.objects.exists()


def test_another_companys_tasks_are_out_of_reach(signed_in, book, other_company, member):
    from tests.factories import CustomerFactory

    foreign = CustomerFactory(company=other_company, name="Northwind customer")
    action = Action.objects.create(company=other_company, customer=foreign, date=TODAY, family="call", channel="call",
                                   status="to_confirm", template_code="call_overdue")  # fmt: skip
    letter = Action.objects.create(company=other_company, customer=foreign, date=TODAY, family="message",
                                   channel="letter", status="to_confirm", template_code="formal_notice")  # fmt: skip
    from relance.portal.models import PortalSubmission

    answer = PortalSubmission.objects.create(company=other_company, customer=foreign, kind="question")
    assert "Northwind customer" not in signed_in.get("/agenda/?who=all").content.decode()
    assert signed_in.get(f"/agenda/calls/{action.pk}/").status_code == 404
    assert signed_in.post(f"/agenda/calls/{action.pk}/", {"reached": "yes", "outcome": "note"}).status_code == 404
    assert signed_in.post(f"/agenda/actions/{action.pk}/skip/", {"reason": "x"}).status_code == 404
    assert signed_in.post(f"/agenda/actions/{letter.pk}/done/").status_code == 404
    assert signed_in.post(f"/agenda/answers/{answer.pk}/", {"decision": "accept"}).status_code == 404
    signed_in.post("/agenda/bulk/", {"operation": "skip", "reason": "x", "ids": [action.pk]})
    action.refresh_from_db()
    assert action.status == "to_confirm"
    assert signed_in.get(f"/agenda/letters.pdf?ids={letter.pk}").status_code == 302  # nothing of theirs to print


@pytest.mark.parametrize("rows", [5, 50])
def test_the_agenda_reads_a_fixed_number_of_queries(signed_in, book, collector, rows, django_assert_max_num_queries):
    channels = ["call", "email", "letter", "task"]
    for n in range(rows):
        customer = book.customer(f"Customer {n}", collector=collector, overdue=(n + 1) * 100_00, days=10 + n % 20)
        book.action(customer, channels[n % 4], priority=n, date=TODAY - dt.timedelta(days=n % 3))
        if n % 5 == 0:
            book.promise(customer, date=TODAY)
        if n % 7 == 0:
            book.submission(customer)
        if n % 9 == 0:
            book.promise(customer, date=YESTERDAY, status="broken", evaluated_on=TODAY)
    with django_assert_max_num_queries(20):
        response = signed_in.get("/agenda/")
    assert len(response.context["agenda"].tasks) >= rows


def test_the_agenda_speaks_french(signed_in, book, collector):
    book.action(book.customer("Dupont Industrie", collector=collector, overdue=1_234_56), "call", priority=3)
    page = signed_in.get("/agenda/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Appels" in page
    assert "Saisir l" in page
    assert "1 tâche à traiter" in page
    assert "1\u202f234,56\xa0€" in page or "1 234,56 €" in page
