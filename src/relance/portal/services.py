"""The portal's writes: what a customer sends, what a collector decides about it, fresh links.

Every customer submission follows the same path (DESIGN: "nothing the customer sends is lost"):

1. `submission_store`: the row (and its files) in its own transaction, before anything else;
2. `submission_process`: the effect (a promise, a dispute and their e-mails), the customer's
   timeline (`portal.<kind>.submitted`), an e-mail to the collector and a task in their list.
   When the effect fails (a promise date out of bounds since the form was shown...), the
   submission stays stored with its error and still reaches the collector.

The collector then accepts or rejects it (`submission_accept`, `submission_reject`); a rejected
promise is cancelled and a rejected dispute is closed as rejected: the items return to the
scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from relance.collection.domain.model import Channel, Family
from relance.collection.messages import EmailError, email_send_now, recipients
from relance.collection.models import Action, ActionStatus, Dispute, DisputeStatus, Promise, PromiseStatus
from relance.collection.services.statuses import (
    dispute_comment,
    dispute_open,
    dispute_resolve,
    promise_cancel,
    promise_create,
)
from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.core.models import ActorKind
from relance.core.money import Money
from relance.ledger.models import Company, Contact, Customer, Invoice
from relance.ledger.selectors import company_today
from relance.messaging.links import issue_link, link_urls
from relance.messaging.mime import make_message_id
from relance.messaging.models import AccessLink, MailSettings, OutboxMessage, OutboxStatus
from relance.portal.models import PortalSubmission, SubmissionFile, SubmissionKind, SubmissionStatus
from relance.portal.uploads import CheckedFile

OPENED_EVERY = 3600  # seconds: "portal.link.opened" at most once an hour per link
COLLEAGUE_SALT = "relance.portal.colleague-answer"
COLLEAGUE_DAYS = 14


class PortalError(RelanceError):
    code = "portal.error"


def portal_actor(link: AccessLink) -> Actor:
    """The customer acting through the page: the contact the link was sent to, else the customer."""
    contact = link.contact
    who = (contact.name or contact.email) if contact is not None else ""
    return Actor(kind=ActorKind.CUSTOMER, label=f"{who or link.customer.name} (portal)")


def link_opened(*, link: AccessLink, client_ip: str | None = None) -> bool:
    """Log that the page was opened: once per link and hour (the cache remembers the last one)."""
    if not cache.add(f"portal:opened:{link.pk}", 1, OPENED_EVERY):
        return False
    record(
        actor=portal_actor(link), code="portal.link.opened", company=link.company, customer=link.customer, obj=link,
        data={"contact": link.contact_id, "ip": client_ip or ""},
    )  # fmt: skip
    return True


# --- e-mails to a collector or a colleague (short plain-text messages) ----------------------------


def _sender(company: Company) -> tuple[str, str]:
    mail = MailSettings.objects.filter(company=company).first()
    address = (mail.from_email if mail else "") or company.email or settings.DEFAULT_FROM_EMAIL
    name = (mail.from_name if mail else "") or company.name
    return f"{name} <{address}>", address.rpartition("@")[2]


def _plain_email(
    *, company: Company, customer: Customer | None, to: list[str], subject: str, text: str, reference: str,
    code: str, language: str = "",
) -> OutboxMessage:  # fmt: skip
    sender, domain = _sender(company)
    message = OutboxMessage(
        company=company, customer=customer, reference=reference[:60], template_code=code, language=language,
        status=OutboxStatus.QUEUED, message_id=make_message_id(domain), from_email=sender, to=to,
        subject=" ".join(subject.split())[:500],
        headers={"Auto-Submitted": "auto-generated", **({"X-Relance-Customer": customer.code} if customer else {})},
    )  # fmt: skip
    message.text, message.html = text, ""
    message.save()
    return message


# --- expired links: a fresh one to the contacts on file ---------------------------------------------


def link_renew(*, link: AccessLink) -> int:
    """An expired link was used: send a fresh link to the customer's contacts on file (never to an
    address typed on the page). Returns the number of e-mails queued."""
    customer = link.customer
    to, _cc = recipients(Contact.objects.filter(customer=customer))
    if not to:
        return 0
    mail = MailSettings.objects.filter(company=link.company).first()
    days = mail.link_validity_days if mail else 60
    with transaction.atomic():
        for contact in to:
            _new, token = issue_link(customer=customer, contact=contact, days=days, reference=f"renew:{link.pk}")
            url = link_urls(token).page
            french = (contact.language or customer.language or link.company.language).startswith("fr")
            if french:
                subject = f"{link.company.name} : votre nouveau lien vers votre relevé de compte"
                text = (
                    f"Bonjour,\n\nVoici un nouveau lien vers votre relevé de compte chez {link.company.name} :\n"
                    f"{url}\n\nIl est valable {days} jours. Si vous n'avez rien demandé, ignorez ce message.\n"
                )  # fmt: skip
            else:
                subject = f"{link.company.name}: your new link to your account statement"
                text = (
                    f"Hello,\n\nHere is a new link to your account statement with {link.company.name}:\n{url}\n\n"
                    f"It is valid for {days} days. If you did not ask for it, ignore this message.\n"
                )  # fmt: skip
            _plain_email(company=link.company, customer=customer, to=[contact.email], subject=subject, text=text,
                         reference=f"renew:{link.pk}", code="portal_link_renewal",
                         language="fr" if french else "en")  # fmt: skip
        record(actor=portal_actor(link), code="portal.link.renewed", company=link.company, customer=customer,
               obj=link, data={"sent_to": len(to)})  # fmt: skip
    return len(to)


# --- submissions -----------------------------------------------------------------------------------


def submission_store(
    *,
    link: AccessLink,
    kind: str,
    payload: dict[str, Any],
    invoice_ids: Sequence[int] = (),
    files: Sequence[CheckedFile] = (),
    client_ip: str | None = None,
) -> PortalSubmission:
    """Store what the customer sent, in its own transaction, before anything else happens."""
    if kind not in SubmissionKind.values:
        raise PortalError(f"unknown submission kind {kind!r}")
    with transaction.atomic(durable=True):
        submission = PortalSubmission.objects.create(
            company=link.company, customer=link.customer, contact=link.contact, link=link, kind=kind,
            payload=payload, invoice_ids=list(invoice_ids), client_ip=client_ip or None,
        )  # fmt: skip
        for checked in files:
            SubmissionFile.objects.create(
                submission=submission, file=ContentFile(checked.content, name=checked.name),
                original_name=checked.name, content_type=checked.content_type, size=len(checked.content),
                sha256=checked.sha256,
            )  # fmt: skip
    return submission


def _invoices(submission: PortalSubmission) -> list[Invoice]:
    return list(
        Invoice.objects.filter(
            pk__in=submission.invoice_ids, customer=submission.customer, company=submission.company
        ).order_by("due_date", "number")
    )


def _promise(submission: PortalSubmission, actor: Actor, invoices: list[Invoice], today: dt.date) -> dict[str, Any]:
    data = submission.payload
    currency = invoices[0].currency if invoices else submission.company.currency
    amount = Money.of(data["amount"], currency) if data.get("amount") else None
    promise = promise_create(
        actor=actor, customer=submission.customer, invoices=invoices, promised_date=dt.date.fromisoformat(data["date"]),
        amount=amount, means=data.get("means", "transfer"), source="portal",
        made_by=(submission.contact.name if submission.contact else "") or actor.label, note=data.get("comment", ""),
        today=today,
    )  # fmt: skip
    result: dict[str, Any] = {"promise": promise.pk}
    attachments = []
    if promise.document:
        with promise.document.open("rb") as handle:
            attachments.append((f"promise-{submission.customer.code}-{promise.promised_date}.pdf", handle.read()))
    try:
        message = email_send_now(
            company=submission.company, customer=submission.customer, template_code="promise_confirmation",
            today=today, actor=actor, reference=f"portal:{submission.pk}", promise=promise,
            extra_attachments=attachments,
        )  # fmt: skip
        result["email"] = message.pk
    except EmailError as error:
        result["email_error"] = str(error)
    return result


def _dispute(submission: PortalSubmission, actor: Actor, invoices: list[Invoice], today: dt.date) -> dict[str, Any]:
    data = submission.payload
    dispute = dispute_open(
        actor=actor, customer=submission.customer, invoices=invoices, reason=data["reason"],
        comment=data.get("comment", ""), owner=submission.customer.collector, today=today,
    )  # fmt: skip
    result: dict[str, Any] = {"dispute": dispute.pk}
    try:
        message = email_send_now(
            company=submission.company, customer=submission.customer, template_code="dispute_acknowledgement",
            today=today, actor=actor, reference=f"portal:{submission.pk}",
            dispute_reason=str(dispute.get_reason_display()), disputed_ids=frozenset(i.pk for i in invoices),
        )  # fmt: skip
        result["email"] = message.pk
    except EmailError as error:
        result["email_error"] = str(error)
    return result


def _summary(submission: PortalSubmission, invoices: list[Invoice]) -> str:
    lines = [f"{submission.get_kind_display()} — {submission.customer.name} ({submission.customer.code})"]
    who = submission.contact
    if who is not None:
        lines.append(f"From: {who.name} <{who.email}>".replace("\n", " "))
    if invoices:
        lines.append("Invoices: " + ", ".join(i.number for i in invoices))
    for key, value in sorted(submission.payload.items()):
        lines.append(f"{key}: {value}")
    files = list(submission.files.values_list("original_name", flat=True))
    if files:
        lines.append("Files: " + ", ".join(files))
    if submission.error:
        lines.append(f"Could not be applied: {submission.error}")
    return "\n".join(lines)


def _notify_collector(submission: PortalSubmission, text: str) -> OutboxMessage | None:
    collector = submission.customer.collector
    address = (collector.email if collector is not None else "") or submission.company.email
    if not address:
        return None
    subject = f"[Relance] {submission.customer.name}: {submission.get_kind_display()}"
    body = f"{text}\n\nSubmission #{submission.pk}, received {submission.created_at:%Y-%m-%d %H:%M} UTC.\n"
    return _plain_email(
        company=submission.company, customer=submission.customer, to=[address], subject=subject, text=body,
        reference=f"portal:{submission.pk}", code="portal_notification",
    )  # fmt: skip


def _task(submission: PortalSubmission, text: str, today: dt.date) -> Action:
    """The collector's task of the day for this customer: created, or the open one extended."""
    reason = f"Portal #{submission.pk}: {text.splitlines()[0]}"[:500]
    action = (
        Action.objects.select_for_update().filter(customer=submission.customer, date=today, family=Family.TASK).first()
    )
    if action is None:
        return Action.objects.create(
            company=submission.company, customer=submission.customer, date=today, family=Family.TASK,
            channel=Channel.TASK, status=ActionStatus.TO_CONFIRM, step_label="Customer portal",
            status_reason="answer from the customer's page", reasons=[reason],
            assigned_to=submission.customer.collector, outcome={"portal_submissions": [submission.pk]},
        )  # fmt: skip
    action.reasons = [*action.reasons, reason]
    action.outcome = {**action.outcome, "portal_submissions": [*action.outcome.get("portal_submissions", []),
                                                               submission.pk]}  # fmt: skip
    fields = ["reasons", "outcome"]
    if action.status not in (ActionStatus.PLANNED, ActionStatus.TO_CONFIRM):
        action.status, action.status_reason = ActionStatus.TO_CONFIRM, "new answer from the customer's page"
        fields += ["status", "status_reason"]
    if action.assigned_to_id is None and submission.customer.collector_id is not None:
        action.assigned_to_id = submission.customer.collector_id
        fields.append("assigned_to")
    action.save(update_fields=fields)
    return action


@dataclass(frozen=True, slots=True)
class Processed:
    submission: PortalSubmission
    error: str = ""


def submission_process(*, submission: PortalSubmission, today: dt.date | None = None) -> Processed:
    """Act on a stored submission: its effect, the timeline, the collector's e-mail and task."""
    link = submission.link
    actor = portal_actor(link) if link is not None else Actor(kind=ActorKind.CUSTOMER, label="portal")
    today = today or company_today(submission.company)
    invoices = _invoices(submission)
    result: dict[str, Any] = {}
    error = ""
    try:
        with transaction.atomic():
            if submission.kind == SubmissionKind.PROMISE:
                result = _promise(submission, actor, invoices, today)
            elif submission.kind == SubmissionKind.DISPUTE:
                result = _dispute(submission, actor, invoices, today)
    except (RelanceError, ValueError, KeyError) as problem:
        error = str(problem)[:300] or problem.__class__.__name__
    with transaction.atomic():
        submission.result, submission.error = result, error
        submission.save(update_fields=["result", "error"])
        text = _summary(submission, invoices)
        record(
            actor=actor, code=f"portal.{submission.kind}.submitted", company=submission.company,
            customer=submission.customer, obj=submission,
            data={"submission": submission.pk, "invoices": [i.number for i in invoices], "payload": submission.payload,
                  "files": list(submission.files.values_list("original_name", flat=True)), "error": error,
                  **result},
        )  # fmt: skip
        _notify_collector(submission, text)
        _task(submission, text, today)
    return Processed(submission, error)


def _close_tasks_when_handled(submission: PortalSubmission, actor: Actor) -> None:
    """A collector's task created for portal answers is done once every answer in it is handled."""
    tasks = Action.objects.select_for_update().filter(
        customer=submission.customer, family=Family.TASK, status__in=(ActionStatus.PLANNED, ActionStatus.TO_CONFIRM)
    )
    for task in tasks:
        listed = task.outcome.get("portal_submissions", [])
        if submission.pk not in listed:
            continue
        if PortalSubmission.objects.filter(pk__in=listed, status=SubmissionStatus.PENDING).exists():
            continue
        task.status, task.status_reason = ActionStatus.DONE, "every answer from the customer's page was handled"
        task.done_at, task.done_by = timezone.now(), actor.label[:200]
        task.save(update_fields=["status", "status_reason", "done_at", "done_by"])


def _pending(submission: PortalSubmission) -> None:
    if submission.status != SubmissionStatus.PENDING:
        raise PortalError("this submission was already handled")


@transaction.atomic
def submission_accept(*, actor: Actor, submission: PortalSubmission, note: str = "") -> PortalSubmission:
    """The collector agrees. A contact-details update is applied to the contact now."""
    submission = PortalSubmission.objects.select_for_update().get(pk=submission.pk)
    _pending(submission)
    if submission.kind == SubmissionKind.CONTACT and submission.contact is not None:
        contact = submission.contact
        for field in ("name", "email", "phone"):
            value = str(submission.payload.get(field, "")).strip()
            if value:
                setattr(contact, field, value)
        if submission.payload.get("email"):
            contact.email_failed_at, contact.email_failed_reason = None, ""
        contact.full_clean()
        contact.save()
    submission.status = SubmissionStatus.ACCEPTED
    submission.handled_by_id = actor.user.pk if actor.user is not None else None
    submission.handled_at = timezone.now()
    submission.handled_note = note
    submission.save(update_fields=["status", "handled_by", "handled_at", "handled_note"])
    record(actor=actor, code="portal.submission.accepted", company=submission.company, customer=submission.customer,
           obj=submission, data={"kind": submission.kind, "note": note})  # fmt: skip
    _close_tasks_when_handled(submission, actor)
    return submission


@transaction.atomic
def submission_reject(*, actor: Actor, submission: PortalSubmission, reason: str) -> PortalSubmission:
    """The collector disagrees: a promise made on the page is cancelled, a dispute closed as rejected;
    their items return to the scenario."""
    submission = PortalSubmission.objects.select_for_update().get(pk=submission.pk)
    _pending(submission)
    promise_id, dispute_id = submission.result.get("promise"), submission.result.get("dispute")
    if promise_id:
        promise = Promise.objects.filter(pk=promise_id, company=submission.company).first()
        if promise is not None and promise.status == PromiseStatus.OPEN:
            promise_cancel(actor=actor, promise=promise, reason=f"rejected by the collector: {reason}")
    if dispute_id:
        dispute = Dispute.objects.filter(pk=dispute_id, company=submission.company).first()
        if dispute is not None and dispute.status == DisputeStatus.OPEN:
            dispute_resolve(actor=actor, dispute=dispute, resolution=reason, rejected=True)
    submission.status = SubmissionStatus.REJECTED
    submission.handled_by_id = actor.user.pk if actor.user is not None else None
    submission.handled_at = timezone.now()
    submission.handled_note = reason
    submission.save(update_fields=["status", "handled_by", "handled_at", "handled_note"])
    record(actor=actor, code="portal.submission.rejected", company=submission.company, customer=submission.customer,
           obj=submission, data={"kind": submission.kind, "reason": reason})  # fmt: skip
    _close_tasks_when_handled(submission, actor)
    return submission


# --- a colleague without an account answers about a dispute -------------------------------------------


def colleague_token(*, dispute: Dispute, email: str, name: str = "") -> str:
    return signing.TimestampSigner(salt=COLLEAGUE_SALT).sign_object(
        {"d": dispute.pk, "c": dispute.company_id, "e": email, "n": name}
    )


def colleague_resolve(token: str, *, max_age_days: int = COLLEAGUE_DAYS) -> tuple[Dispute, str, str]:
    """(dispute, e-mail, name); PortalError when the token is altered or expired."""
    try:
        data = signing.TimestampSigner(salt=COLLEAGUE_SALT).unsign_object(
            token, max_age=dt.timedelta(days=max_age_days)
        )
    except signing.SignatureExpired:
        raise PortalError("expired") from None
    except signing.BadSignature:
        raise PortalError("invalid") from None
    dispute = Dispute.objects.select_related("company", "customer").filter(pk=data["d"], company_id=data["c"]).first()
    if dispute is None:
        raise PortalError("invalid")
    return dispute, str(data["e"]), str(data.get("n", ""))


@transaction.atomic
def colleague_invite(*, actor: Actor, dispute: Dispute, email: str, name: str = "", question: str = "") -> str:
    """E-mail a colleague (sales, logistics) a link to answer about a dispute; returns the URL."""
    from relance.messaging.links import COLLEAGUE, portal_url

    token = colleague_token(dispute=dispute, email=email, name=name)
    url = portal_url(COLLEAGUE, token)
    invoices = ", ".join(dispute.invoices.values_list("number", flat=True))
    text = (
        f"Hello{' ' + name if name else ''},\n\n{actor.label} needs your answer about a dispute of "
        f"{dispute.customer.name} ({dispute.get_reason_display()}) on {invoices}.\n\n"
        f"{question}\n\nAnswer here (no account needed; valid {COLLEAGUE_DAYS} days):\n{url}\n"
    )
    _plain_email(company=dispute.company, customer=dispute.customer, to=[email],
                 subject=f"[Relance] Dispute {dispute.pk}: {dispute.customer.name}", text=text,
                 reference=f"dispute:{dispute.pk}", code="portal_colleague_question")  # fmt: skip
    record(actor=actor, code="portal.colleague.invited", company=dispute.company, customer=dispute.customer,
           obj=dispute, data={"email": email, "name": name, "question": question})  # fmt: skip
    return url


def colleague_answer(*, token: str, text: str) -> Any:
    dispute, email, name = colleague_resolve(token)
    if dispute.status != DisputeStatus.OPEN:
        raise PortalError("closed")
    actor = Actor(
        kind=ActorKind.USER, label=f"{name} <{email}> (by e-mail link)" if name else f"{email} (by e-mail link)"
    )
    return dispute_comment(actor=actor, dispute=dispute, text=text)
