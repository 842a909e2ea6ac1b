"""What the customer sends: stored first, then acted on, on the timeline, in the collector's tasks."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.accounts.models import User
from relance.collection.models import Action, ActionStatus, DisputeStatus, PromiseStatus
from relance.core.audit import Actor
from relance.core.models import AuditEvent
from relance.ledger.models import Membership
from relance.messaging.mime import Envelope, build_mime
from relance.messaging.models import OutboxAttachment, OutboxMessage
from relance.portal.models import PortalSettings, PortalSubmission, SubmissionFile, SubmissionStatus
from relance.portal.services import (
    PortalError,
    colleague_answer,
    colleague_invite,
    submission_accept,
    submission_reject,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","click")'

KINDS = ["acknowledge", "validated", "in_payment", "promise", "dispute", "question", "proof", "bank_confirmed",
         "bank_changed", "contact"]  # fmt: skip


def post(client, account, kind, data, **extra):
    return client.post(f"/p/{account.token}/send/{kind}/", data, **extra)


def test_a_promise_is_stored_recorded_confirmed_with_its_pdf_and_tasked(client, account):
    response = post(client, account, "promise", {
        "invoices": [account.late.pk, account.soon.pk], "promise-date": "2026-03-25", "promise-amount": "1534.56",
        "promise-means": "cheque", "promise-comment": "Paid with the March run",
    })  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].endswith("?sent=promise")
    submission = PortalSubmission.objects.get()
    assert submission.kind == "promise"
    assert submission.status == SubmissionStatus.PENDING
    assert submission.contact == account.contact
    assert submission.link == account.link
    assert sorted(submission.invoice_ids) == sorted([account.late.pk, account.soon.pk])
    assert submission.payload["date"] == "2026-03-25"
    assert submission.payload["means"] == "cheque"
    promise = account.customer.promises.get()
    assert promise.source == "portal"
    assert promise.means == "cheque"
    assert promise.amount == 153456
    assert promise.status == PromiseStatus.OPEN
    assert promise.made_by == "Alice Payables"
    assert submission.result["promise"] == promise.pk
    # the confirmation with the written promise attached, to the customer
    confirmation = OutboxMessage.objects.get(template_code="promise_confirmation")
    assert confirmation.to == ["Alice Payables <ap@dupont.example>"] or "ap@dupont.example" in confirmation.to[0]
    names = list(OutboxAttachment.objects.filter(message=confirmation).values_list("filename", flat=True))
    assert any(name.startswith("promise-C-42") for name in names)
    pdf = OutboxAttachment.objects.get(message=confirmation, filename__startswith="promise-").content
    assert bytes(pdf).startswith(b"%PDF")
    # the collector: an e-mail and a task
    notice = OutboxMessage.objects.get(template_code="portal_notification")
    assert notice.to == ["camille-c-42@durand.example"]
    assert "Promise to pay" in notice.subject
    task = Action.objects.get(customer=account.customer, family="task")
    assert task.status == ActionStatus.TO_CONFIRM
    assert task.assigned_to == account.collector
    assert task.outcome["portal_submissions"] == [submission.pk]
    # the timeline
    event = AuditEvent.objects.get(code="portal.promise.submitted")
    assert event.actor_kind == "customer"
    assert event.data["promise"] == promise.pk
    assert AuditEvent.objects.filter(code="collection.promise.created", actor_kind="customer").exists()


def test_the_promise_date_is_bounded_by_the_company_setting(client, account):
    PortalSettings.objects.create(company=account.customer.company, max_promise_days=10)
    response = post(client, account, "promise", {"invoices": [account.late.pk], "promise-date": "2026-03-20",
                                                  "promise-means": "transfer"})  # fmt: skip
    assert response.status_code == 400
    assert "within 10 days" in response.content.decode()
    assert not PortalSubmission.objects.exists()
    response = post(client, account, "promise", {"invoices": [account.late.pk], "promise-date": "2026-03-01",
                                                  "promise-means": "transfer"})  # fmt: skip
    assert "cannot be in the past" in response.content.decode()


def test_a_dispute_with_an_attachment_stores_the_file_privately_and_acknowledges(client, account):
    upload = SimpleUploadedFile("delivery-note.pdf", PDF, content_type="application/pdf")
    photo = SimpleUploadedFile("damaged.png", PNG, content_type="image/png")
    response = post(client, account, "dispute", {"invoices": [account.late.pk], "dispute-reason": "quality",
                                                 "dispute-comment": "Broken on arrival",
                                                 "dispute-attachments": [upload, photo]})  # fmt: skip
    assert response.status_code == 302
    submission = PortalSubmission.objects.get()
    dispute = account.customer.disputes.get()
    assert dispute.status == DisputeStatus.OPEN
    assert dispute.reason == "quality"
    assert list(dispute.invoices.all()) == [account.late]
    files = list(SubmissionFile.objects.filter(submission=submission).order_by("original_name"))
    assert [f.original_name for f in files] == ["damaged.png", "delivery-note.pdf"]
    stored = Path(files[1].file.path)
    assert stored.read_bytes() == PDF
    assert str(stored).startswith(str(Path(settings.MEDIA_ROOT) / "private"))
    with pytest.raises(ValueError, match="no public URL"):
        _ = files[1].file.url
    ack = OutboxMessage.objects.get(template_code="dispute_acknowledgement")
    assert "C-42-LATE" in ack.html
    assert "delivery-note.pdf" in OutboxMessage.objects.get(template_code="portal_notification").text


def test_the_attachment_is_served_only_to_members_of_the_company(client, account, other_account):
    upload = SimpleUploadedFile("note.pdf", PDF)
    post(client, account, "dispute", {"invoices": [account.late.pk], "dispute-reason": "price",
                                      "dispute-comment": "Wrong price", "dispute-attachments": [upload]})  # fmt: skip
    stored = SubmissionFile.objects.get()
    url = f"/portal/files/{stored.pk}/"
    assert Client().get(url).status_code == 302  # to the login page
    outsider = Client()
    outsider.force_login(other_account.collector)
    assert outsider.get(url).status_code == 404
    insider = Client()
    insider.force_login(account.collector)
    response = insider.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100, "does not contain what its name says"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "does not contain what its name says"),
        ("report.docx", b"PK\x03\x04not really a zip", "does not contain what its name says"),
        ("tool.exe", b"MZ\x90\x00", "this type of file is not accepted"),
        ("page.html", b"<html></html>", "this type of file is not accepted"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_a_wrong_attachment_is_refused_with_a_clear_message(client, account, name, content, message):
    upload = SimpleUploadedFile(name, content)
    response = post(client, account, "dispute", {"invoices": [account.late.pk], "dispute-reason": "price",
                                                 "dispute-comment": "x", "dispute-attachments": [upload]})  # fmt: skip
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PortalSubmission.objects.exists()
    assert not account.customer.disputes.exists()


def test_a_too_large_attachment_is_refused(client, account):
    PortalSettings.objects.create(company=account.customer.company, max_upload_bytes=1000)
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
    response = post(client, account, "proof", {"proof-attachments": [upload]})
    assert response.status_code == 400
    assert "is too large" in response.content.decode()
    assert "limit is 1000" in response.content.decode()


def test_office_files_images_and_emails_are_accepted(client, account):
    import io
    import zipfile

    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    eml = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: delivery\r\n\r\nHello\r\n"
    files = [SimpleUploadedFile("a.docx", docx.getvalue()), SimpleUploadedFile("b.eml", eml),
             SimpleUploadedFile("c.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20)]  # fmt: skip
    response = post(client, account, "proof", {"proof-attachments": files, "proof-payment_date": "2026-03-05"})
    assert response.status_code == 302
    kinds = set(SubmissionFile.objects.values_list("content_type", flat=True))
    assert kinds == {"message/rfc822", "image/jpeg",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}  # fmt: skip


@pytest.mark.parametrize("kind", ["acknowledge", "validated", "in_payment"])
def test_simple_answers_need_invoices_and_are_stored(client, account, kind):
    response = post(client, account, kind, {f"{kind}-comment": "ok"})
    assert response.status_code == 400
    assert "Select at least one invoice" in response.content.decode()
    response = post(client, account, kind, {"invoices": [account.soon.pk], f"{kind}-comment": "ok"})
    assert response.status_code == 302
    submission = PortalSubmission.objects.get(kind=kind)
    assert submission.invoice_ids == [account.soon.pk]
    assert AuditEvent.objects.filter(code=f"portal.{kind}.submitted").exists()


def test_every_answer_of_a_day_lands_in_one_task(client, account):
    post(client, account, "question", {"question-comment": "Can I get a copy?"})
    post(client, account, "bank_confirmed", {})
    post(client, account, "bank_changed", {"bank_changed-account_holder": "Dupont", "bank_changed-iban":
                                           "DE89 3704 0044 0532 0130 00"})  # fmt: skip
    assert PortalSubmission.objects.count() == 3
    (task,) = Action.objects.filter(customer=account.customer, family="task")
    assert len(task.reasons) == 3
    assert len(task.outcome["portal_submissions"]) == 3
    assert PortalSubmission.objects.get(kind="bank_changed").payload["iban"] == "DE89370400440532013000"
    assert OutboxMessage.objects.filter(template_code="portal_notification").count() == 3


def test_a_bad_iban_is_refused(client, account):
    response = post(client, account, "bank_changed", {"bank_changed-account_holder": "D", "bank_changed-iban": "FR00"})
    assert response.status_code == 400
    assert "This IBAN is not valid" in response.content.decode()


def test_a_submission_is_kept_even_when_its_effect_fails(client, account, monkeypatch):
    from relance.collection.services import statuses

    def refuse(**kwargs):
        raise statuses.StatusError("the ledger says no")

    monkeypatch.setattr("relance.portal.services.promise_create", refuse)
    response = post(client, account, "promise", {"invoices": [account.late.pk], "promise-date": "2026-03-20",
                                                 "promise-means": "transfer"})  # fmt: skip
    assert response.status_code == 302
    submission = PortalSubmission.objects.get()
    assert submission.error == "the ledger says no"
    assert Action.objects.filter(family="task").exists()
    assert "Could not be applied" in OutboxMessage.objects.get(template_code="portal_notification").text


@pytest.mark.parametrize("kind", KINDS)
def test_every_form_is_csrf_protected(account, kind):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/p/{account.token}/send/{kind}/", {"invoices": [account.late.pk]})
    assert response.status_code == 403
    assert not PortalSubmission.objects.exists()


def test_csrf_token_on_the_page_lets_the_form_through(account):
    client = Client(enforce_csrf_checks=True)
    page = client.get(account.url).content.decode()
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(f"/p/{account.token}/send/question/",
                           {"csrfmiddlewaretoken": token, "question-comment": "hello"})  # fmt: skip
    assert response.status_code == 302


def test_renewal_and_decisions_are_csrf_protected(account):
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/p/{account.token}/renew/").status_code == 403
    client.force_login(account.collector)
    assert client.post("/portal/submissions/1/decide/", {"decision": "reject"}).status_code == 403


def test_html_and_formulas_typed_by_the_customer_come_out_escaped(client, account):
    post(client, account, "question", {"question-comment": XSS + FORMULA})
    post(client, account, "dispute", {"invoices": [account.late.pk], "dispute-reason": "other",
                                      "dispute-comment": XSS})  # fmt: skip
    # the collector's list
    collector = Client()
    collector.force_login(account.collector)
    body = collector.get("/portal/submissions/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "onerror=alert(1)>" not in body
    # the e-mails: the collector's notice is plain text; no HTML e-mail carries the raw payload
    for message in OutboxMessage.objects.all():
        assert "<script>alert" not in message.html
        assert "<img src=x" not in message.html
    notice = OutboxMessage.objects.filter(template_code="portal_notification").first()
    assert notice.html == ""
    parsed = email.message_from_bytes(
        build_mime(Envelope(from_email=notice.from_email, to=notice.to, subject=notice.subject, text=notice.text)),
        policy=email.policy.default,
    )
    assert parsed.get_content_type() == "text/plain"
    # the customer's page after a failed form: the typed text is escaped back into the field
    response = post(client, account, "dispute", {"dispute-reason": "other", "dispute-comment": XSS})
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # the Excel file of the statement holds no formula, whatever the page received
    import io
    import zipfile

    xlsx = client.get(f"/p/{account.token}/statement.xlsx").content
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/worksheets/sheet1.xml")


def test_htmx_submission_returns_the_updated_statement(client, account):
    response = post(client, account, "dispute", {"invoices": [account.late.pk], "dispute-reason": "price",
                                                 "dispute-comment": "too high"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<form id="answers"')
    assert "Thank you" in body
    assert "badge disputed" in body
    response = post(client, account, "question", {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Please correct the errors" in response.content.decode()


# --- the collector decides ---------------------------------------------------------------------------


def test_rejecting_a_promise_cancels_it_and_rejecting_a_dispute_resumes_the_scenario(client, account):
    post(client, account, "promise", {"invoices": [account.soon.pk], "promise-date": "2026-03-20",
                                      "promise-means": "transfer"})  # fmt: skip
    post(client, account, "dispute", {"invoices": [account.late.pk], "dispute-reason": "price",
                                      "dispute-comment": "no"})  # fmt: skip
    promise_sub = PortalSubmission.objects.get(kind="promise")
    dispute_sub = PortalSubmission.objects.get(kind="dispute")
    actor = Actor.for_user(account.collector)
    submission_reject(actor=actor, submission=promise_sub, reason="we need a firm date")
    submission_reject(actor=actor, submission=dispute_sub, reason="price was agreed")
    assert account.customer.promises.get().status == PromiseStatus.CANCELLED
    assert account.customer.disputes.get().status == DisputeStatus.REJECTED
    promise_sub.refresh_from_db()
    assert promise_sub.status == "rejected"
    assert promise_sub.handled_by == account.collector
    assert promise_sub.handled_at is not None
    with pytest.raises(PortalError):
        submission_accept(actor=actor, submission=promise_sub)
    assert AuditEvent.objects.filter(code="portal.submission.rejected").count() == 2


def test_accepting_a_contact_update_applies_it(client, account):
    post(client, account, "contact", {"contact-name": "Bob Newman", "contact-email": "bob@dupont.example",
                                      "contact-phone": "+33 6 00 00 00 00"})  # fmt: skip
    submission = PortalSubmission.objects.get()
    account.contact.refresh_from_db()
    assert account.contact.email == "ap@dupont.example"  # not before the collector agrees
    submission_accept(actor=Actor.for_user(account.collector), submission=submission, note="checked by phone")
    account.contact.refresh_from_db()
    assert (account.contact.name, account.contact.email) == ("Bob Newman", "bob@dupont.example")


def test_the_collector_decides_from_the_list(client, account, other_account):
    post(client, account, "question", {"question-comment": "When?"})
    submission = PortalSubmission.objects.get()
    outsider = Client()
    outsider.force_login(other_account.collector)
    assert "When?" not in outsider.get("/portal/submissions/").content.decode()
    assert outsider.post(f"/portal/submissions/{submission.pk}/decide/", {"decision": "accept"}).status_code == 404
    insider = Client()
    insider.force_login(account.collector)
    assert "When?" in insider.get("/portal/submissions/").content.decode()
    insider.post(f"/portal/submissions/{submission.pk}/decide/", {"decision": "accept", "note": "answered"})
    submission.refresh_from_db()
    assert submission.status == "accepted"
    assert submission.handled_note == "answered"


# --- a colleague answers about a dispute -----------------------------------------------------------------


def test_a_colleague_answers_through_a_signed_link(client, account, actor):
    from relance.collection.services.statuses import dispute_open

    dispute = dispute_open(actor=actor, customer=account.customer, invoices=[account.late], reason="quantity")
    url = colleague_invite(actor=Actor.for_user(account.collector), dispute=dispute, email="sales@durand.example",
                           name="Sam", question="Did we deliver 10 or 12?")  # fmt: skip
    message = OutboxMessage.objects.get(template_code="portal_colleague_question")
    assert message.to == ["sales@durand.example"]
    assert url in message.text
    path = url.split("testserver", 1)[-1].split("8000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200
    assert b"C-42-LATE" in page.content
    response = client.post(path, {"text": "We delivered 10 " + XSS})
    assert response.status_code == 200
    assert b"<script>alert" not in response.content
    comment = dispute.comments.get()
    assert comment.text.startswith("We delivered 10")
    assert "sales@durand.example" in comment.author
    assert AuditEvent.objects.filter(code="collection.dispute.commented", customer=account.customer).exists()
    tampered = path[:-3] + "xx/"
    assert client.get(tampered).status_code == 403


def test_a_colleague_link_expires_and_is_bound_to_its_dispute(account, actor):
    import time_machine

    from relance.collection.services.statuses import dispute_open

    dispute = dispute_open(actor=actor, customer=account.customer, invoices=[account.late], reason="quantity")
    url = colleague_invite(actor=actor, dispute=dispute, email="ops@durand.example")
    token = url.rstrip("/").rsplit("/", 1)[-1]
    with time_machine.travel(dt.datetime(2026, 4, 30, tzinfo=dt.UTC)), pytest.raises(PortalError, match="expired"):
        colleague_answer(token=token, text="late")
    assert not dispute.comments.exists()


def test_users_of_another_company_are_not_members(account, other_account):
    assert not Membership.objects.filter(user=other_account.collector, company=account.customer.company).exists()
    assert User.objects.count() == 2


def test_the_collectors_task_is_done_once_every_answer_in_it_is_handled(client, account):
    post(client, account, "question", {"question-comment": "When is F-1 due?"})
    post(client, account, "acknowledge", {"invoices": [account.late.pk]})
    first, second = PortalSubmission.objects.order_by("pk")
    task = Action.objects.get(customer=account.customer, family="task")
    assert task.status == "to_confirm"
    actor = Actor.for_user(account.collector)
    submission_accept(actor=actor, submission=first, note="answered by phone")
    task.refresh_from_db()
    assert task.status == "to_confirm"  # one answer still waits
    submission_reject(actor=actor, submission=second, reason="not about our invoices")
    task.refresh_from_db()
    assert task.status == "done"
    assert "every answer" in task.status_reason
