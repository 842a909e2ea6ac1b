"""A customer's whole history, newest first: e-mails (with their content), calls, letters, portal
answers, status changes, payments, internal notes and every other audit event.

Five sources, each read already sorted by the database and cut at what the page needs
(`page * size + 1` rows): the audit trail (`core.AuditEvent`), the outbox (`OutboxMessage`), the
payments, the portal submissions and the notes. They are merged in Python, so page N costs five
queries (plus one for the files of the submissions shown) whatever the length of the history.
The audit events that another source already shows better (an e-mail queued, a note added, a
portal answer) are left out so nothing appears twice.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from relance.collection.models import CustomerNote
from relance.core.models import AuditEvent
from relance.core.money import Money
from relance.ledger.models import Customer, Payment
from relance.messaging.models import OutboxMessage
from relance.portal.models import PortalSubmission

PAGE_SIZE = 25
KINDS = {
    "email": _("E-mails"),
    "call": _("Calls"),
    "letter": _("Letters"),
    "portal": _("Customer's page"),
    "status": _("Promises, disputes, statuses"),
    "payment": _("Payments"),
    "note": _("Notes"),
    "other": _("Other events"),
}
KIND_LABELS = {
    "email": _("E-mail"),
    "call": _("Call"),
    "letter": _("Letter"),
    "portal": _("Customer's page"),
    "status": _("Status"),
    "payment": _("Payment"),
    "note": _("Note"),
    "other": _("Event"),
}
# Audit codes shown by another source (the e-mail itself, the note, the submission with its files).
SHOWN_ELSEWHERE = Q(code__in=["collection.email.queued", "messaging.email.sent", "collection.note.added"]) | Q(
    code__startswith="portal.", code__endswith=".submitted"
)
LABELS = {
    "collection.action.decided": _("Action planned by the scenario"),
    "collection.action.skipped": _("Action skipped"),
    "collection.call.logged": _("Call logged"),
    "collection.call.done": _("Call done"),
    "collection.letter.done": _("Letter sent"),
    "collection.task.done": _("Task done"),
    "collection.email.done": _("E-mail confirmed"),
    "collection.email.failed": _("E-mail failed"),
    "messaging.email.failed": _("E-mail failed"),
    "messaging.email.retry": _("E-mail delayed, will retry"),
    "collection.promise.created": _("Promise to pay recorded"),
    "collection.promise.cancelled": _("Promise cancelled"),
    "collection.promise.kept": _("Promise kept"),
    "collection.promise.broken": _("Promise broken"),
    "collection.dispute.opened": _("Dispute opened"),
    "collection.dispute.commented": _("Dispute commented"),
    "collection.dispute.resolved": _("Dispute resolved"),
    "collection.dispute.rejected": _("Dispute rejected"),
    "collection.customer.paused": _("Collection paused"),
    "collection.customer.resumed": _("Collection resumed"),
    "collection.customer.litigation": _("Handed over to litigation"),
    "collection.note.pinned": _("Note pinned"),
    "collection.note.unpinned": _("Note unpinned"),
    "ledger.contact.added": _("Contact added"),
    "ledger.contact.changed": _("Contact changed"),
    "ledger.allocation.created": _("Payment allocated"),
    "portal.link.opened": _("The customer opened their page"),
    "portal.link.renewed": _("A new link was sent to the customer"),
    "portal.submission.accepted": _("Customer's answer accepted"),
    "portal.submission.rejected": _("Customer's answer rejected"),
    "portal.colleague.invited": _("A colleague was asked about a dispute"),
    "payments.online.created": _("Online payment started"),
    "payments.online.succeeded": _("Paid online (in transit)"),
    "payments.online.failed": _("Online payment failed"),
    "payments.online.confirmed": _("Online payment confirmed by the bank"),
    "messaging.link.revoked": _("Link to the customer's page revoked"),
}
PREFIXES: dict[str, tuple[str, ...]] = {
    "email": ("collection.email.", "messaging."),
    "call": ("collection.call.",),
    "letter": ("collection.letter.",),
    "portal": ("portal.",),
    "status": ("collection.promise.", "collection.dispute.", "collection.customer."),
    "payment": ("ledger.payment.", "payments."),
    "note": ("collection.note.",),
}


def _q(prefixes: tuple[str, ...]) -> Q:
    query = Q()
    for prefix in prefixes:
        query |= Q(code__startswith=prefix)
    return query


EVENT_KINDS: dict[str, Q] = {kind: _q(prefixes) for kind, prefixes in PREFIXES.items()}


@dataclass
class Entry:
    when: dt.datetime
    kind: str
    title: str
    actor: str = ""
    text: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)
    email: OutboxMessage | None = None
    submission: PortalSubmission | None = None
    note: CustomerNote | None = None
    payment: Payment | None = None
    code: str = ""
    sort_id: int = 0

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass
class TimelinePage:
    entries: list[Entry]
    page: int
    has_next: bool
    kind: str


def _event_kind(code: str) -> str:
    return next((kind for kind, prefixes in PREFIXES.items() if code.startswith(prefixes)), "other")


def _simple(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    return "" if value is None else str(value)


def _event_entry(event: AuditEvent) -> Entry:
    details = [(str(k), _simple(v)) for k, v in sorted(event.data.items()) if _simple(v)]
    return Entry(
        when=event.created_at,
        kind=_event_kind(event.code),
        title=str(LABELS.get(event.code, event.code)),
        actor=event.actor_label,
        details=details,
        code=event.code,
        sort_id=event.pk,
    )


def _email_entry(message: OutboxMessage) -> Entry:
    return Entry(when=message.created_at, kind="email", title=message.subject, text=message.text, email=message,
                 sort_id=message.pk)  # fmt: skip


def _payment_entry(payment: Payment, zone: ZoneInfo) -> Entry:
    when = dt.datetime.combine(payment.date, dt.time(12, 0), tzinfo=zone)
    amount = Money(payment.amount, payment.currency)
    return Entry(when=when, kind="payment", title=payment.external_ref, text=payment.reference, payment=payment,
                 details=[("amount", str(amount))], sort_id=payment.pk)  # fmt: skip


def _submission_entry(submission: PortalSubmission) -> Entry:
    details = [(str(k), _simple(v)) for k, v in sorted(submission.payload.items()) if _simple(v)]
    who = submission.contact
    return Entry(
        when=submission.created_at, kind="portal", title=submission.get_kind_display(),
        actor=(who.name or who.email) if who is not None else "", details=details, submission=submission,
        sort_id=submission.pk,
    )  # fmt: skip


def _note_entry(note: CustomerNote) -> Entry:
    return Entry(when=note.created_at, kind="note", title="", actor=note.author_label, text=note.text, note=note,
                 sort_id=note.pk)  # fmt: skip


def timeline_page(*, customer: Customer, page: int = 1, kind: str = "", size: int = PAGE_SIZE) -> TimelinePage:
    """Page `page` (from 1) of the customer's history, newest first, optionally one kind only."""
    page = max(page, 1)
    kind = kind if kind in KINDS else ""
    wanted = page * size + 1
    zone = ZoneInfo(customer.company.timezone)
    sources: list[list[Entry]] = []

    def want(name: str) -> bool:
        return not kind or kind == name

    events: QuerySet[AuditEvent] = AuditEvent.objects.filter(
        company_id=customer.company_id, customer_id=customer.pk
    ).exclude(SHOWN_ELSEWHERE)
    if kind == "other":
        for q in EVENT_KINDS.values():
            events = events.exclude(q)
    elif kind:
        events = events.filter(EVENT_KINDS[kind])
    sources.append([_event_entry(e) for e in events.order_by("-created_at", "-id")[:wanted]])
    if want("email"):
        emails = (
            OutboxMessage.objects.filter(company_id=customer.company_id, customer=customer)
            .select_related("content")
            .defer("content__html")
        )
        sources.append([_email_entry(m) for m in emails.order_by("-created_at", "-id")[:wanted]])
    if want("payment"):
        payments = Payment.objects.filter(company_id=customer.company_id, customer=customer)
        sources.append([_payment_entry(p, zone) for p in payments.order_by("-date", "-id")[:wanted]])
    if want("portal"):
        submissions = (
            PortalSubmission.objects.filter(company_id=customer.company_id, customer=customer)
            .select_related("contact")
            .prefetch_related("files")
        )
        sources.append([_submission_entry(s) for s in submissions.order_by("-created_at", "-id")[:wanted]])
    if want("note"):
        notes = CustomerNote.objects.filter(company_id=customer.company_id, customer=customer)
        sources.append([_note_entry(n) for n in notes.order_by("-created_at", "-id")[:wanted]])
    merged = list(heapq.merge(*sources, key=lambda e: (e.when, e.sort_id), reverse=True))
    start = (page - 1) * size
    return TimelinePage(entries=merged[start : start + size], page=page, has_next=len(merged) > start + size,
                        kind=kind)  # fmt: skip
