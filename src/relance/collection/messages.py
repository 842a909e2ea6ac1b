"""Reminder e-mails: from a decided action to an outbox row, with the whole account in it.

    report = emails_dispatch(company=c, today=d, actor=actor)   # today's automatic e-mails -> outbox
    action_email_send(action=a, actor=actor)                    # a "to confirm" e-mail, confirmed
    preview = email_preview(action=a)                           # what would be sent (no side effect)
    email_compose(company=c, customer=k, template_code="preventive", today=d) -> Composed

The message covers the customer's whole account (overdue and not yet due, credits, penalties
when enabled), links to the interactive page, the statement (PDF, Excel) and each invoice PDF
through a fresh signed link, and attaches the statement PDF as the company chooses. Recipients
are the accounts-payable contacts (buyer and finance in copy when the step says so); a customer
without any usable address gets a task for the collector instead. The outbox sends it (see
docs/sending.md) and reports back through signals, connected at the end of this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.model import Channel, Family
from relance.collection.models import Action, ActionStatus, CollectionSettings, Promise, PromiseStatus, Step
from relance.collection.statements import (
    StatementBundle,
    formal_notice_pdf_for,
    statement_bundle,
    statement_pdf_for,
    without_items,
)
from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.core.money import Money
from relance.documents.payment_qr import customer_rf_reference
from relance.ledger.models import Company, Contact, Customer, Invoice
from relance.messaging.context import BankDetails, Line, MessageContext, Totals
from relance.messaging.hashtags import NEEDS
from relance.messaging.links import link_urls, new_link, token_for
from relance.messaging.mime import make_message_id
from relance.messaging.models import (
    AccessLink,
    InvoicePdfMode,
    MailSettings,
    OutboxAttachment,
    OutboxMessage,
    OutboxStatus,
)
from relance.messaging.render import (
    EmailLayout,
    RenderedEmail,
    RenderError,
    compiled_email_for,
    render_email,
)
from relance.messaging.services import mail_settings, template_for

PAYMENT_DEADLINE_DAYS = 8


class EmailError(RelanceError):
    code = "collection.email.failed"


# --- recipients -----------------------------------------------------------------------------


def _usable(contact: Contact) -> bool:
    return bool(contact.email) and contact.email_failed_at is None


def recipients(contacts: Iterable[Contact], *, cc_buyer: bool = False, cc_finance: bool = False):  # type: ignore[no-untyped-def]
    """(to, cc): the accounts-payable contacts, else the other contacts with an address; buyer and
    finance in copy when asked. Addresses that bounced are left out."""
    usable = [c for c in contacts if _usable(c)]
    to = [c for c in usable if c.is_accounts_payable]
    if not to:
        to = sorted((c for c in usable if not (c.is_buyer and not c.is_primary)), key=lambda c: not c.is_primary)
    if not to:
        to = usable[:1]
    chosen = {c.email.lower() for c in to}
    cc = []
    for contact in usable:
        if contact.email.lower() in chosen:
            continue
        if (cc_buyer and contact.is_buyer) or (cc_finance and contact.is_finance):
            cc.append(contact)
            chosen.add(contact.email.lower())
    return to, cc


def _address(contact: Contact) -> str:
    return f"{contact.name} <{contact.email}>" if contact.name else contact.email


# --- the context ----------------------------------------------------------------------------


def _footer(company: Company) -> tuple[str, ...]:
    lines = [company.legal_name or company.name]
    address = ", ".join(
        p for p in (company.address_line1, company.address_line2, company.postal_code, company.city) if p
    )
    if address:
        lines.append(address)
    ids = " · ".join(p for p in (company.legal_id, company.vat_id and f"VAT {company.vat_id}") if p)
    if ids:
        lines.append(ids)
    contact = " · ".join(p for p in (company.phone, company.email, company.website) if p)
    if contact:
        lines.append(contact)
    return tuple(lines)


def _promised_invoice_ids(customer: Customer) -> set[int]:
    return set(
        Promise.invoices.through.objects.filter(
            promise__customer=customer, promise__status=PromiseStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )


def message_context(
    bundle: StatementBundle,
    *,
    language: str,
    contact: Contact | None,
    urls_token: str | None,
    invoice_pdfs: bool = True,
    promise: Promise | None = None,
    dispute_reason: str = "",
    disputed_ids: frozenset[int] = frozenset(),
    exclude_disputed: bool = False,
) -> MessageContext:
    """Everything a template may show about this customer today."""
    company, customer, statement = bundle.company, bundle.customer, bundle.statement
    if exclude_disputed:
        statement = without_items(statement, bundle.disputed_invoice_ids)
    urls = link_urls(urls_token) if urls_token else None
    with_pdf: set[int] = set()
    if urls is not None and invoice_pdfs:
        ids = [item.item_id for item in statement.items if item.item_type != "payment"]
        with_pdf = set(
            Invoice.objects.filter(pk__in=ids).filter(~Q(pdf="") | ~Q(pdf_url="")).values_list("pk", flat=True)
        )
    promised = _promised_invoice_ids(customer)
    penalties_by_item = {
        invoice_id: sum((line.amount.minor for line in result.interest_lines), 0)
        + sum((line.amount.minor for line in result.indemnity_lines), 0)
        for invoice_id, result in bundle.penalties.by_invoice.items()
    }

    def line(item, status: str) -> Line:  # type: ignore[no-untyped-def]
        if item.item_id in bundle.disputed_invoice_ids:
            status = "disputed"
        elif item.item_id in promised:
            status = "promised"
        penalty = penalties_by_item.get(item.item_id) if bundle.penalties.enabled else None
        return Line(
            number=item.number,
            issue_date=item.issue_date,
            due_date=item.due_date,
            amount=item.amount,
            open_amount=item.open_amount,
            days_overdue=item.days_overdue,
            status=status,
            po_number=item.po_number,
            pdf_url=urls.invoice_pdf(item.item_id) if urls is not None and item.item_id in with_pdf else "",
            penalties=Money(penalty, item.open_amount.currency) if penalty else None,
        )

    totals = []
    for currency, t in statement.totals.items():
        penalties = bundle.penalties.total(currency) if bundle.penalties.enabled else Money.zero(currency)
        totals.append(Totals(currency, t.overdue, t.not_due, t.credits, penalties))
    collector = customer.collector
    provides = {"customer", "collector", "statement", "bank", "deadline"}
    if contact is not None:
        provides.add("contact")
    if urls is not None:
        provides.add("links")
    if promise is not None:
        provides.add("promise")
    if disputed_ids or dispute_reason:
        provides.add("dispute")
    disputed = [line(i, "disputed") for i in statement.items if i.item_id in disputed_ids]
    return MessageContext(
        language=language,
        today=statement.as_of,
        company_name=company.name,
        customer_name=customer.name,
        customer_code=customer.code,
        contact_name=contact.name if contact else "",
        collector_name=(collector.get_full_name() or collector.get_username()) if collector else company.name,
        collector_email=(collector.email if collector else "") or company.email,
        collector_phone=(getattr(collector, "phone", "") if collector else "") or company.phone,
        overdue=[line(i, "overdue") for i in statement.overdue],
        not_due=[line(i, "not_due") for i in statement.not_due],
        credits=[line(i, "credit") for i in statement.credits],
        disputed=disputed,
        totals=totals,
        penalties_shown=bundle.penalties.enabled,
        bank=BankDetails(
            holder=company.legal_name or company.name,
            iban=company.iban,
            bic=company.bic,
            reference=customer_rf_reference(company, customer),
        )
        if company.iban
        else None,
        page_url=urls.page if urls else "",
        payment_url=urls.pay if urls else "",
        statement_pdf_url=urls.statement_pdf if urls else "",
        statement_excel_url=urls.statement_xlsx if urls else "",
        promise_date=promise.promised_date if promise else None,
        promise_amount=Money(promise.amount, promise.currency) if promise else None,
        dispute_reason=dispute_reason,
        payment_deadline=statement.as_of + dt.timedelta(days=PAYMENT_DEADLINE_DAYS),
        company_footer=list(_footer(company)),
        provides=frozenset(provides & set(NEEDS)),
    )


# --- composing one e-mail -------------------------------------------------------------------


@dataclass
class Composed:
    message: OutboxMessage
    attachments: list[OutboxAttachment]
    link: AccessLink
    rendered: RenderedEmail


def _sender(company: Company, mail: MailSettings) -> tuple[str, str]:
    address = mail.from_email or company.email or settings.DEFAULT_FROM_EMAIL
    name = mail.from_name or company.name
    return f"{name} <{address}>", address.rpartition("@")[2]


def _not_before(company: Company, now: dt.datetime) -> dt.datetime | None:
    """The send window: an e-mail decided outside it waits for the next opening (a business day)."""
    window = CollectionSettings.objects.filter(company=company).first()
    if window is None:
        return None
    zone = ZoneInfo(company.timezone)
    local = now.astimezone(zone)
    start, end = window.send_window_start, window.send_window_end
    if start <= local.time() < end:
        return None
    day = local.date()
    calendar = BusinessCalendar(company.country)
    if local.time() >= end or not calendar.is_business_day(day):
        day = calendar.next_business_day(day + dt.timedelta(days=1))
    return dt.datetime.combine(day, start, tzinfo=zone)


def email_compose(
    *,
    company: Company,
    customer: Customer,
    template_code: str,
    today: dt.date,
    reference: str = "",
    cc_buyer: bool = False,
    cc_finance: bool = False,
    promise: Promise | None = None,
    dispute_reason: str = "",
    disputed_ids: frozenset[int] = frozenset(),
    to_override: list[str] | None = None,
    extra_attachments: list[tuple[str, bytes]] | None = None,
    now: dt.datetime | None = None,
) -> Composed:
    """One e-mail for one customer, rendered and ready to queue (nothing saved). EmailError when
    the customer has no usable address (unless `to_override`) or no template exists."""
    mail = mail_settings(company)
    contacts = list(customer.contacts.all())
    to, cc = recipients(contacts, cc_buyer=cc_buyer, cc_finance=cc_finance)
    if not to and not to_override:
        raise EmailError(f"{customer.name} has no contact with a usable e-mail address")
    first = to[0] if to else None
    language = ((first.language if first else "") or customer.language or company.language)[:2]
    template = template_for(company=company, code=template_code, channel=Channel.EMAIL, language=language)
    if template is None:
        raise EmailError(f"no e-mail template '{template_code}' for {company.name}")
    now = now or timezone.now()
    link = new_link(customer=customer, contact=first, days=mail.link_validity_days, reference=reference, now=now)
    bundle = statement_bundle(company=company, customer=customer, as_of=today)
    context = message_context(
        bundle,
        language=template.language,
        contact=first,
        urls_token=token_for(link),
        invoice_pdfs=mail.invoice_pdfs == InvoicePdfMode.LINK,
        promise=promise,
        dispute_reason=dispute_reason,
        disputed_ids=disputed_ids,
    )
    layout = EmailLayout(template.language, company.name, tuple(context.company_footer))
    compiled = compiled_email_for(
        subject=template.subject, body_source=template.body_source, body_format=template.body_format, layout=layout
    )
    rendered = render_email(compiled, context, where=f"template {template.code} ({template.language})")
    sender, domain = _sender(company, mail)
    collector = customer.collector
    reply_to = ""
    if mail.reply_to_collector and collector is not None and collector.email:
        reply_to = f"{collector.get_full_name() or collector.get_username()} <{collector.email}>"
    message = OutboxMessage(
        company=company,
        customer=customer,
        reference=reference[:60],
        template_code=template.code,
        language=template.language,
        status=OutboxStatus.QUEUED,
        message_id=make_message_id(domain),
        from_email=sender,
        to=to_override or [_address(c) for c in to],
        cc=[] if to_override else [_address(c) for c in cc],
        bcc=[mail.archive_bcc] if mail.archive_bcc and not to_override else [],
        reply_to=reply_to,
        contact_ids=[] if to_override else [c.pk for c in [*to, *cc]],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Relance-Customer": customer.code,
            **({"X-Relance-Reference": reference} if reference else {}),
        },
        not_before=None if to_override else _not_before(company, now),
    )
    attachments = []
    if mail.attach_statement_pdf:
        attachments.append(
            OutboxAttachment(
                filename=f"statement-{customer.code}-{today.isoformat()}.pdf",
                mimetype="application/pdf",
                content=statement_pdf_for(bundle, language=template.language),
            )
        )
    if template_code == "formal_notice_cover":
        attachments.append(
            OutboxAttachment(
                filename=f"formal-notice-{customer.code}-{today.isoformat()}.pdf",
                mimetype="application/pdf",
                content=formal_notice_pdf_for(bundle, language=template.language),
            )
        )
    if mail.invoice_pdfs == InvoicePdfMode.ATTACH:
        attachments += _invoice_attachments(bundle, limit=mail.max_attachment_bytes)
    for filename, content in extra_attachments or []:
        attachments.append(OutboxAttachment(filename=filename, mimetype="application/pdf", content=content))
    return Composed(message, attachments, link, rendered)


def _invoice_attachments(bundle: StatementBundle, *, limit: int) -> list[OutboxAttachment]:
    ids = [item.item_id for item in bundle.statement.items if item.item_type != "payment"]
    found, size = [], 0
    for invoice in Invoice.objects.filter(pk__in=ids).exclude(pdf=""):
        with invoice.pdf.open("rb") as handle:
            content = handle.read()
        if size + len(content) > limit:
            break  # the rest stay reachable through the links on the page
        size += len(content)
        found.append(OutboxAttachment(filename=f"{invoice.number}.pdf", mimetype="application/pdf", content=content))
    return found


def _queue(composed: Composed) -> OutboxMessage:
    composed.link.save()
    composed.message.save()
    for attachment in composed.attachments:
        attachment.message = composed.message
    OutboxAttachment.objects.bulk_create(composed.attachments)
    return composed.message


# --- actions -> outbox ----------------------------------------------------------------------


@dataclass
class DispatchReport:
    queued: int = 0
    to_task: int = 0  # no address: the action became a task for the collector
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _broken_promise(action: Action) -> Promise | None:
    return action.promises.order_by("-promised_date").first()


def _compose_for_action(action: Action, today: dt.date, now: dt.datetime | None = None) -> Composed:
    step: Step | None = action.step
    return email_compose(
        company=action.company,
        customer=action.customer,
        template_code=action.template_code,
        today=today,
        reference=f"action:{action.pk}",
        cc_buyer=bool(step and step.cc_buyer),
        cc_finance=bool(step and step.cc_finance),
        promise=_broken_promise(action),
        now=now,
    )


def _no_address(action: Action, actor: Actor, reason: str) -> None:
    action.status = ActionStatus.TO_CONFIRM
    action.status_reason = reason[:300]
    action.outcome = {**action.outcome, "needs": "address"}
    action.save(update_fields=["status", "status_reason", "outcome"])
    record(actor=actor, code="collection.email.no_address", company=action.company, customer=action.customer,
           obj=action, data={"reason": reason})  # fmt: skip


def _queued(action: Action, message: OutboxMessage, actor: Actor) -> None:
    action.outcome = {**action.outcome, "outbox": str(message.uuid)}
    action.save(update_fields=["outcome"])
    record(actor=actor, code="collection.email.queued", company=action.company, customer=action.customer,
           obj=action, data={"subject": message.subject, "to": message.to, "outbox": str(message.uuid)})  # fmt: skip


def emails_dispatch(*, company: Company, today: dt.date, actor: Actor) -> DispatchReport:
    """Queue today's automatic e-mails (planned actions not yet queued), one transaction per e-mail."""
    report = DispatchReport()
    actions = (
        Action.objects.filter(company=company, channel=Channel.EMAIL, status=ActionStatus.PLANNED, date__lte=today)
        .exclude(outcome__has_key="outbox")
        .select_related("company", "customer", "customer__collector", "step")
        .order_by("pk")
    )
    now = timezone.now()
    for action in actions:
        with transaction.atomic():
            try:
                composed = _compose_for_action(action, today, now)
            except EmailError as error:
                if "usable e-mail" in str(error):
                    _no_address(action, actor, str(error))
                    report.to_task += 1
                else:
                    _fail(action, actor, str(error))
                    report.failed += 1
                report.errors.append(str(error))
                continue
            except RenderError as error:
                _fail(action, actor, str(error))
                report.failed += 1
                report.errors.append(str(error))
                continue
            _queued(action, _queue(composed), actor)
            report.queued += 1
    return report


def _fail(action: Action, actor: Actor, reason: str) -> None:
    action.status = ActionStatus.FAILED
    action.status_reason = reason[:300]
    action.done_at = timezone.now()
    action.done_by = actor.label
    action.save(update_fields=["status", "status_reason", "done_at", "done_by"])
    record(actor=actor, code="collection.email.failed", company=action.company, customer=action.customer,
           obj=action, data={"reason": reason})  # fmt: skip


def email_preview(*, action: Action, today: dt.date | None = None) -> RenderedEmail:
    """What the e-mail of this action would be now (nothing saved)."""
    return _compose_for_action(action, today or action.date).rendered


@transaction.atomic
def action_email_send(*, action: Action, actor: Actor, today: dt.date | None = None) -> OutboxMessage:
    """A collector confirms an e-mail waiting for confirmation: it is queued for sending."""
    if action.channel != Channel.EMAIL or action.status not in (ActionStatus.TO_CONFIRM, ActionStatus.PLANNED):
        raise EmailError("only an e-mail waiting to be sent can be confirmed")
    if "outbox" in action.outcome:
        raise EmailError("this e-mail is already queued")
    composed = _compose_for_action(action, today or action.date)
    message = _queue(composed)
    action.status = ActionStatus.PLANNED
    action.status_reason = ""
    action.save(update_fields=["status", "status_reason"])
    _queued(action, message, actor)
    return message


@transaction.atomic
def email_send_now(
    *, company: Company, customer: Customer, template_code: str, today: dt.date, actor: Actor,
    to_override: list[str] | None = None, reference: str = "",
) -> OutboxMessage:  # fmt: skip
    """An e-mail outside the scenario (send the statement now, a test to a given address)."""
    composed = email_compose(
        company=company, customer=customer, template_code=template_code, today=today,
        reference=reference or "manual", to_override=to_override,
    )  # fmt: skip
    message = _queue(composed)
    data = {"subject": message.subject, "to": message.to, "template": template_code, "test": bool(to_override)}
    record(actor=actor, code="collection.email.queued", company=company, customer=customer, obj=message, data=data)
    return message


# --- what the outbox reports back -----------------------------------------------------------


def _action_of(message: OutboxMessage) -> Action | None:
    kind, _, pk = message.reference.partition(":")
    if kind != "action" or not pk.isdigit():
        return None
    return Action.objects.select_related("company", "customer").filter(pk=int(pk)).first()


def on_message_sent(message: OutboxMessage, **_: object) -> None:
    action = _action_of(message)
    if action is None or action.status not in (ActionStatus.PLANNED, ActionStatus.TO_CONFIRM):
        return
    action.status = ActionStatus.DONE
    action.done_at = message.sent_at or timezone.now()
    action.done_by = "outbox"
    action.outcome = {**action.outcome, "sent": True, "message_id": message.message_id}
    action.save(update_fields=["status", "done_at", "done_by", "outcome"])


def on_message_failed(message: OutboxMessage, permanent: bool = False, reason: str = "", **_: object) -> None:
    """A permanent failure fails the action and gives the collector a task to fix the address."""
    if not permanent:
        return
    action = _action_of(message)
    customer = message.customer
    if action is not None and action.status in (ActionStatus.PLANNED, ActionStatus.TO_CONFIRM):
        _fail(action, Actor.system("outbox"), f"e-mail failed: {reason}")
    if customer is None:
        return
    today = timezone.now().astimezone(ZoneInfo(message.company.timezone)).date()
    task, created = Action.objects.get_or_create(
        customer=customer,
        date=today,
        family=Family.TASK,
        defaults={
            "company": message.company,
            "channel": Channel.TASK,
            "status": ActionStatus.TO_CONFIRM,
            "step_label": "E-mail failed: check the address",
            "reasons": [f"the e-mail '{message.subject}' to {', '.join(message.to)} failed: {reason}"],
            "assigned_to": customer.collector,
            "priority": 1,
        },
    )
    if not created and task.status in (ActionStatus.PLANNED, ActionStatus.TO_CONFIRM):
        task.reasons = [*task.reasons, f"the e-mail '{message.subject}' failed: {reason}"]
        task.save(update_fields=["reasons"])
