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
import multiprocessing
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.domain.model import Channel, Family
from relance.collection.models import (
    Action,
    ActionStatus,
    CollectionSettings,
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
    Step,
)
from relance.collection.statements import StatementBundle, formal_notice_pdf_for, statement_pdf_for, without_items
from relance.core.audit import Actor, event, record, record_many
from relance.core.batch import column_index, insert_rows, prepare_rows, update_column
from relance.core.errors import RelanceError
from relance.core.models import AuditEvent
from relance.core.money import Money
from relance.documents.payment_qr import customer_rf_reference
from relance.finance.penalties import RateBook
from relance.finance.rates_store import load_rate_book
from relance.finance.selectors import invoice_allocations, penalties_enabled, statement_penalties
from relance.ledger.models import Company, Contact, Customer, Invoice
from relance.ledger.selectors import OpenItem, customer_statements
from relance.messaging.context import BankDetails, Line, MessageContext, Totals
from relance.messaging.hashtags import NEEDS
from relance.messaging.links import link_urls, new_link, token_for
from relance.messaging.mime import make_message_id
from relance.messaging.models import (
    AccessLink,
    InvoicePdfMode,
    MailSettings,
    OutboxAttachment,
    OutboxContent,
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
from relance.messaging.sending import SendReport, send_outbox
from relance.messaging.services import TemplateBook, mail_settings, template_preview

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


# --- one customer's data, read in batches ----------------------------------------------------


@dataclass
class Account:
    """What an e-mail needs about one customer, read for many customers at once by `_Composer.load`."""

    bundle: StatementBundle
    contacts: list[Contact]
    promised_ids: set[int]
    with_pdf: set[int]


def message_context(
    account: Account,
    *,
    language: str,
    contact: Contact | None,
    urls_token: str | None,
    promise: Promise | None = None,
    dispute_reason: str = "",
    disputed_ids: frozenset[int] = frozenset(),
    exclude_disputed: bool = False,
) -> MessageContext:
    """Everything a template may show about this customer today."""
    bundle = account.bundle
    company, customer, statement = bundle.company, bundle.customer, bundle.statement
    if exclude_disputed:
        statement = without_items(statement, bundle.disputed_invoice_ids)
    urls = link_urls(urls_token) if urls_token else None
    penalties_by_item = {
        invoice_id: sum((line.amount.minor for line in result.interest_lines), 0)
        + sum((line.amount.minor for line in result.indemnity_lines), 0)
        for invoice_id, result in bundle.penalties.by_invoice.items()
    }
    disputed_all, promised, with_pdf = bundle.disputed_invoice_ids, account.promised_ids, account.with_pdf
    enabled = bundle.penalties.enabled

    def line(item: OpenItem, status: str) -> Line:
        if item.item_id in disputed_all:
            status = "disputed"
        elif item.item_id in promised:
            status = "promised"
        penalty = penalties_by_item.get(item.item_id) if enabled else None
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
        penalties = bundle.penalties.total(currency) if enabled else Money.zero(currency)
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
        disputed=[line(i, "disputed") for i in statement.items if i.item_id in disputed_ids],
        totals=totals,
        penalties_shown=enabled,
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


# --- composing e-mails ----------------------------------------------------------------------


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


def _group(rows: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for key, value in rows:
        found[key].add(value)
    return found


class _Composer:
    """Composes the e-mails of one company on one day: settings, templates and rates read once,
    customers' accounts read in batches (a handful of queries per batch, not per customer)."""

    def __init__(self, company: Company, today: dt.date, now: dt.datetime | None = None) -> None:
        self.company, self.today = company, today
        self.now = now or timezone.now()
        self.mail = mail_settings(company)
        self.sender, self.domain = _sender(company, self.mail)
        self.not_before = _not_before(company, self.now)
        self.templates = TemplateBook(company, Channel.EMAIL)
        self.footer = _footer(company)
        self._rates: RateBook | None = None

    def rates(self) -> RateBook:
        if self._rates is None:
            self._rates = load_rate_book()
        return self._rates

    def load(self, customers: list[Customer]) -> dict[int, Account]:
        company = self.company
        ids = [c.pk for c in customers]
        statements = customer_statements(company=company, customers=customers, as_of=self.today)
        contacts: dict[int, list[Contact]] = defaultdict(list)
        for contact in Contact.objects.filter(customer_id__in=ids):
            contacts[contact.customer_id].append(contact)
        disputed = _group(
            Dispute.invoices.through.objects.filter(
                dispute__customer_id__in=ids, dispute__status=DisputeStatus.OPEN
            ).values_list("dispute__customer_id", "invoice_id")
        )
        promised = _group(
            Promise.invoices.through.objects.filter(
                promise__customer_id__in=ids, promise__status=PromiseStatus.OPEN
            ).values_list("promise__customer_id", "invoice_id")
        )
        item_ids = [i.item_id for s in statements.values() for i in s.items if i.item_type != "payment"]
        with_pdf: set[int] = set()
        if self.mail.invoice_pdfs == InvoicePdfMode.LINK and item_ids:
            with_pdf = set(
                Invoice.objects.filter(pk__in=item_ids).filter(~Q(pdf="") | ~Q(pdf_url="")).values_list("pk", flat=True)
            )
        enabled = {c.pk for c in customers if penalties_enabled(company, c)}
        overdue_ids = [i.item_id for pk in enabled for i in statements[pk].overdue]
        allocations = invoice_allocations(overdue_ids) if overdue_ids else {}
        accounts = {}
        for customer in customers:
            statement = statements[customer.pk]
            disputed_ids = frozenset(disputed.get(customer.pk, ()))
            penalties = statement_penalties(
                company=company, customer=customer, statement=statement, excluded_invoice_ids=disputed_ids,
                rates=self.rates() if customer.pk in enabled and statement.overdue else None,
                allocations=allocations,
            )  # fmt: skip
            accounts[customer.pk] = Account(
                bundle=StatementBundle(company, customer, statement, penalties, disputed_ids),
                contacts=contacts.get(customer.pk, []),
                promised_ids=promised.get(customer.pk, set()),
                with_pdf=with_pdf,
            )
        return accounts

    def compose(
        self,
        account: Account,
        *,
        template_code: str,
        reference: str = "",
        cc_buyer: bool = False,
        cc_finance: bool = False,
        promise: Promise | None = None,
        dispute_reason: str = "",
        disputed_ids: frozenset[int] = frozenset(),
        to_override: list[str] | None = None,
        extra_attachments: list[tuple[str, bytes]] | None = None,
        language: str | None = None,
    ) -> Composed:
        """`language` forces the template's language (a test of one language variant); by default
        it is the addressee's, else the customer's, else the company's."""
        company, mail, today = self.company, self.mail, self.today
        bundle = account.bundle
        customer = bundle.customer
        to, cc = recipients(account.contacts, cc_buyer=cc_buyer, cc_finance=cc_finance)
        if not to and not to_override:
            raise EmailError(f"{customer.name} has no contact with a usable e-mail address")
        first = to[0] if to else None
        language = language or ((first.language if first else "") or customer.language or company.language)[:2]
        template = self.templates.get(template_code, language)
        if template is None:
            raise EmailError(f"no e-mail template '{template_code}' for {company.name}")
        link = new_link(
            customer=customer, contact=first, days=mail.link_validity_days, reference=reference, now=self.now
        )
        context = message_context(
            account,
            language=template.language,
            contact=first,
            urls_token=token_for(link),
            promise=promise,
            dispute_reason=dispute_reason,
            disputed_ids=disputed_ids,
        )
        layout = EmailLayout(template.language, company.name, self.footer)
        compiled = compiled_email_for(
            subject=template.subject, body_source=template.body_source, body_format=template.body_format, layout=layout
        )
        rendered = render_email(compiled, context, where=f"template {template.code} ({template.language})")
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
            message_id=make_message_id(self.domain),
            from_email=self.sender,
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
            not_before=None if to_override else self.not_before,
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


def email_compose(
    *,
    company: Company,
    customer: Customer,
    template_code: str,
    today: dt.date,
    now: dt.datetime | None = None,
    **options: Any,
) -> Composed:
    """One e-mail for one customer, rendered and ready to queue (nothing saved). EmailError when
    the customer has no usable address (unless `to_override`) or no template exists."""
    composer = _Composer(company, today, now)
    account = composer.load([customer])[customer.pk]
    return composer.compose(account, template_code=template_code, **options)


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


@dataclass
class _Rows:
    """The INSERTs of some composed e-mails, their values prepared (see `core.batch.prepare_rows`)."""

    composed: list[Composed]
    links: list[list[Any]]
    messages: list[list[Any]]
    contents: list[list[Any]]
    attachments: list[tuple[OutboxAttachment, list[Any]]]
    events: list[list[Any]]


def _prepare(composed: list[Composed], events: Sequence[AuditEvent] = ()) -> _Rows:
    """Everything Python does for the INSERTs, done before the transaction (see `_write`)."""
    bodies = []
    for item in composed:
        item.message.__dict__.pop("_body_dirty", None)
        bodies.append(item.message.body)
    attachments = [attachment for item in composed for attachment in item.attachments]
    return _Rows(
        composed=composed,
        links=prepare_rows([c.link for c in composed]),
        messages=prepare_rows([c.message for c in composed]),
        contents=prepare_rows(bodies),
        attachments=list(zip(attachments, prepare_rows(attachments), strict=True)),
        events=prepare_rows(list(events)),
    )


def _write(rows: _Rows) -> None:
    """Links, messages, their parts and attachments, and audit events, in a few statements. Inside
    the caller's transaction, which (on SQLite) holds the one write lock only this long."""
    insert_rows(AccessLink, rows.links, instances=[c.link for c in rows.composed])
    insert_rows(OutboxMessage, rows.messages, instances=[c.message for c in rows.composed], key="uuid")
    slot = column_index(OutboxContent, "message")
    for row, item in zip(rows.contents, rows.composed, strict=True):
        item.message.body.message_id = row[slot] = item.message.pk
    insert_rows(OutboxContent, rows.contents, instances=[c.message.body for c in rows.composed])
    by_attachment = {id(a): item.message for item in rows.composed for a in item.attachments}
    slot = column_index(OutboxAttachment, "message")
    for attachment, row in rows.attachments:
        attachment.message = by_attachment[id(attachment)]
        row[slot] = attachment.message_id
    insert_rows(
        OutboxAttachment, [row for _a, row in rows.attachments], instances=[a for a, _row in rows.attachments],
        batch_size=50,
    )  # fmt: skip
    insert_rows(AuditEvent, rows.events, batch_size=1000)


def _save(composed: list[Composed]) -> None:
    _write(_prepare(composed))


# --- actions -> outbox ----------------------------------------------------------------------


@dataclass
class DispatchReport:
    queued: int = 0
    to_task: int = 0  # no address: the action became a task for the collector
    failed: int = 0
    errors: list[str] = field(default_factory=list)


DISPATCH_BATCH = 250
WRITE_BATCH = 25


def _ramped(items: list[int]) -> Iterable[list[int]]:
    """Batches of 10, 20, 40... up to DISPATCH_BATCH: the first e-mails are queued (and a sender
    working at the same time starts) after 10 are composed, not 250."""
    start, size = 0, 10
    while start < len(items):
        yield items[start : start + size]
        start += size
        size = min(size * 2, DISPATCH_BATCH)


def _compose_for_action(composer: _Composer, account: Account, action: Action, promise: Promise | None) -> Composed:
    step: Step | None = action.step
    return composer.compose(
        account,
        template_code=action.template_code,
        reference=f"action:{action.pk}",
        cc_buyer=bool(step and step.cc_buyer),
        cc_finance=bool(step and step.cc_finance),
        promise=promise,
    )


def _broken_promises(actions: list[Action]) -> dict[int, Promise]:
    """The latest promise each action follows up (broken-promise steps)."""
    through = Action.promises.through.objects.filter(action_id__in=[a.pk for a in actions]).select_related("promise")
    found: dict[int, Promise] = {}
    for row in through.order_by("promise__promised_date"):
        found[row.action_id] = row.promise
    return found


def _no_address(action: Action, actor: Actor, reason: str) -> None:
    action.status = ActionStatus.TO_CONFIRM
    action.status_reason = reason[:300]
    action.outcome = {**action.outcome, "needs": "address"}
    action.save(update_fields=["status", "status_reason", "outcome"])
    record(actor=actor, code="collection.email.no_address", company=action.company, customer=action.customer,
           obj=action, data={"reason": reason})  # fmt: skip


def _queued_event(action: Action, message: OutboxMessage, actor: Actor) -> AuditEvent:
    action.outcome = {**action.outcome, "outbox": str(message.uuid)}
    data = {"subject": message.subject, "to": message.to, "outbox": str(message.uuid)}
    return event(
        actor=actor, code="collection.email.queued", company=action.company, customer=action.customer, obj=action,
        data=data,
    )  # fmt: skip


def emails_dispatch(
    *, company: Company, today: dt.date, actor: Actor, on_written: Callable[[], None] | None = None
) -> DispatchReport:
    """Queue today's automatic e-mails (planned e-mail actions not yet queued), in batches;
    `on_written` is called after each batch is committed (a sender working beside wakes up)."""
    report = DispatchReport()
    pending = (
        Action.objects.filter(company=company, channel=Channel.EMAIL, status=ActionStatus.PLANNED, date__lte=today)
        .exclude(outcome__has_key="outbox")
        .order_by("pk")
    )
    action_ids = list(pending.values_list("pk", flat=True))
    if not action_ids:
        return report
    composer = _Composer(company, today)
    for chunk_ids in _ramped(action_ids):
        # The actions are read a batch at a time too: the first e-mails are written (and a sender
        # working beside starts) a few milliseconds after the start, not after reading them all.
        chunk = list(
            pending.filter(pk__in=chunk_ids).select_related("customer", "customer__collector", "step")
        )  # still pending: an action a collector cancelled meanwhile is left out
        for action in chunk:
            action.company = company
        # Accounts are read for a whole batch; e-mails are composed outside any transaction (reads
        # only; the rare failures below are saved one by one) and written every WRITE_BATCH, each with
        # its action and audit event in one short transaction: a sender working at the same time gets
        # e-mails as soon as they are written and waits for SQLite's write lock a few milliseconds at
        # most.
        customers = list({a.customer_id: a.customer for a in chunk}.values())
        accounts = composer.load(customers)
        promises = _broken_promises(chunk)
        composed: list[Composed] = []
        queued: list[Action] = []
        for action in chunk:
            try:
                item = _compose_for_action(composer, accounts[action.customer_id], action, promises.get(action.pk))
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
            composed.append(item)
            queued.append(action)
            if len(composed) == WRITE_BATCH:
                report.queued += _write_queued(composed, queued, actor)
                composed, queued = [], []
                if on_written is not None:
                    on_written()
        if composed:
            report.queued += _write_queued(composed, queued, actor)
            if on_written is not None:
                on_written()
    return report


def _write_queued(composed: list[Composed], queued: list[Action], actor: Actor) -> int:
    """The e-mails, their actions marked as queued and their audit events, in one transaction."""
    events = [_queued_event(action, item.message, actor) for action, item in zip(queued, composed, strict=True)]
    rows = _prepare(composed, events)
    outcomes = [(action.outcome, action.pk) for action in queued]
    with transaction.atomic():  # only the database's work: a sender waits for this lock on SQLite
        _write(rows)
        update_column(Action, "outcome", outcomes)
    return len(composed)


def _fail(action: Action, actor: Actor, reason: str) -> None:
    action.status = ActionStatus.FAILED
    action.status_reason = reason[:300]
    action.done_at = timezone.now()
    action.done_by = actor.label
    action.save(update_fields=["status", "status_reason", "done_at", "done_by"])
    record(actor=actor, code="collection.email.failed", company=action.company, customer=action.customer,
           obj=action, data={"reason": reason})  # fmt: skip


def _compose_one(action: Action, today: dt.date) -> Composed:
    composer = _Composer(action.company, today)
    account = composer.load([action.customer])[action.customer_id]
    return _compose_for_action(composer, account, action, _broken_promises([action]).get(action.pk))


def email_preview(*, action: Action, today: dt.date | None = None) -> RenderedEmail:
    """What the e-mail of this action would be now (nothing saved)."""
    return _compose_one(action, today or action.date).rendered


@transaction.atomic
def action_email_send(*, action: Action, actor: Actor, today: dt.date | None = None) -> OutboxMessage:
    """A collector confirms an e-mail waiting for confirmation: it is queued for sending."""
    if action.channel != Channel.EMAIL or action.status not in (ActionStatus.TO_CONFIRM, ActionStatus.PLANNED):
        raise EmailError("only an e-mail waiting to be sent can be confirmed")
    if "outbox" in action.outcome:
        raise EmailError("this e-mail is already queued")
    composed = _compose_one(action, today or action.date)
    _save([composed])
    action.status = ActionStatus.PLANNED
    action.status_reason = ""
    record_many([_queued_event(action, composed.message, actor)])
    action.save(update_fields=["status", "status_reason", "outcome"])
    return composed.message


@transaction.atomic
def email_send_now(
    *,
    company: Company,
    customer: Customer,
    template_code: str,
    today: dt.date,
    actor: Actor,
    to_override: list[str] | None = None,
    reference: str = "",
    promise: Promise | None = None,
    dispute_reason: str = "",
    disputed_ids: frozenset[int] = frozenset(),
    extra_attachments: list[tuple[str, bytes]] | None = None,
    language: str | None = None,
) -> OutboxMessage:
    """An e-mail outside the scenario: send the statement now, confirm a promise (with its written
    PDF in `extra_attachments`), acknowledge a dispute, a test to a given address (in a given
    `language`). EmailError when the customer has no usable address or the template is missing;
    queued, sent by the outbox."""
    composed = email_compose(
        company=company, customer=customer, template_code=template_code, today=today,
        reference=reference or "manual", to_override=to_override, promise=promise, dispute_reason=dispute_reason,
        disputed_ids=disputed_ids, extra_attachments=extra_attachments, language=language,
    )  # fmt: skip
    _save([composed])
    message = composed.message
    data = {"subject": message.subject, "to": message.to, "template": template_code, "test": bool(to_override)}
    record(actor=actor, code="collection.email.queued", company=company, customer=customer, obj=message, data=data)
    return message


# --- what the outbox reports back -----------------------------------------------------------


def _action_of(message: OutboxMessage) -> Action | None:
    kind, _, pk = message.reference.partition(":")
    if kind != "action" or not pk.isdigit():
        return None
    return Action.objects.select_related("company", "customer").filter(pk=int(pk)).first()


_DONE_SQL = "UPDATE collection_action SET status = %s, done_at = %s, done_by = %s WHERE id = %s AND status IN (%s, %s)"


def on_message_sent(message: OutboxMessage, **_: object) -> None:
    """The action of a sent e-mail is done: one plain UPDATE (this runs once per e-mail sent)."""
    kind, _, pk = message.reference.partition(":")
    if kind != "action" or not pk.isdigit():
        return
    done_at = connection.ops.adapt_datetimefield_value(message.sent_at or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _DONE_SQL,
            [ActionStatus.DONE, done_at, "outbox", int(pk), ActionStatus.PLANNED, ActionStatus.TO_CONFIRM],
        )


def on_message_failed(
    message: OutboxMessage, permanent: bool = False, reason: str = "", addresses: list[str] | None = None, **_: object
) -> None:
    """A permanent failure fails the action (unless the message reached its other recipients) and
    gives the collector a task to fix the address."""
    if not permanent:
        return
    action = _action_of(message)
    customer = message.customer
    delivered = message.status == OutboxStatus.SENT
    if not delivered and action is not None and action.status in (ActionStatus.PLANNED, ActionStatus.TO_CONFIRM):
        _fail(action, Actor.system("outbox"), f"e-mail failed: {reason}")
    if addresses:
        reason = f"{reason} ({', '.join(addresses)})"
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


def template_preview_for_customer(
    *, company: Company, customer: Customer, subject: str, body_source: str, body_format: str = "markdown",
    language: str | None = None, today: dt.date,
) -> RenderedEmail:  # fmt: skip
    """A template (saved or being edited) rendered with a real customer's account (nothing saved)."""
    composer = _Composer(company, today)
    account = composer.load([customer])[customer.pk]
    to, _cc = recipients(account.contacts)
    first = to[0] if to else None
    language = language or ((first.language if first else "") or customer.language or company.language)[:2]
    link = new_link(customer=customer, contact=first, days=1)
    context = message_context(account, language=language, contact=first, urls_token=token_for(link))
    return template_preview(
        subject=subject, body_source=body_source, body_format=body_format, language=language, context=context
    )


def _merge(total: SendReport, part: SendReport) -> None:
    for item in fields(SendReport):
        value = getattr(part, item.name)
        if isinstance(value, list):
            getattr(total, item.name).extend(value)
        else:
            setattr(total, item.name, getattr(total, item.name) + value)


class _Queued:
    """What the composer tells a sender working beside it: a batch was written (`written`, released
    once a batch), or it has finished (`finished`). A sender with nothing to send waits on it instead
    of polling, so it starts on each batch at once and keeps its SMTP connection."""

    def __init__(self, written: Any, finished: Any) -> None:
        self.written, self.finished = written, finished
        self.ended = False
        self.composer = os.getpid()

    def notify(self) -> None:
        self.written.release()

    def finish(self) -> None:
        self.finished.set()
        self.written.release()

    def __call__(self) -> bool:
        """Called by `send_outbox` when nothing is due: True to claim again, False when done."""
        if self.ended:
            return False
        if self.finished.is_set():  # one last claim after the end: the last batch may be just written
            self.ended = True
            return True
        while not self.written.acquire(timeout=1.0):
            if os.getppid() != self.composer and os.getpid() != self.composer:  # the composer was killed
                self.ended = True
                return True
        while self.written.acquire(block=False):  # batches already claimed meanwhile: one claim is enough
            pass
        return True


def _send_until_finished(company: Company, actor: Actor, queued: _Queued, report: SendReport) -> None:
    """Send what is queued as it is queued, until the composer has finished and nothing is left."""
    while not queued.ended:  # a new pass only after a stop (the server down: the rest waits its turn)
        _merge(report, send_outbox(company=company, actor=actor, more=queued))


def _sender_process(company_id: int, actor: Actor, queued: _Queued, results: Any) -> None:
    """The body of the forked sender: its own database connection, its report sent back whole."""
    connections.close_all()  # never the parent's connection: a fresh one in this process
    report = SendReport()
    try:
        _send_until_finished(Company.objects.get(pk=company_id), actor, queued, report)
        results.send(("ok", report))
    except BaseException as error:  # reported to the caller, never lost in the child
        results.send(("error", f"{type(error).__name__}: {error}", report))
    finally:
        connections.close_all()
        results.close()


def emails_dispatch_and_send(*, company: Company, today: dt.date, actor: Actor) -> tuple[DispatchReport, SendReport]:
    """Queue today's e-mails and send them as they are queued: a sender sends each batch over one
    SMTP connection while the next batch is being composed, so the first reminders leave while the
    last are still being written.

    The sender is a forked process where the system has `fork` (composing and sending are both
    CPU-bound: in one process they share one core under the interpreter's lock, and the thread
    that waits for the server's replies waits again for the lock), else a thread. Needs a database
    that two connections share (a file or a server): with an in-memory SQLite database, or inside a
    transaction, it composes first and sends after."""
    sent = SendReport()
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if in_memory or connection.in_atomic_block:
        report = emails_dispatch(company=company, today=today, actor=actor)
        _merge(sent, send_outbox(company=company, actor=actor))
        return report, sent
    if "fork" in multiprocessing.get_all_start_methods():
        return _dispatch_with_sender_process(company=company, today=today, actor=actor)
    queued = _Queued(threading.Semaphore(0), threading.Event())
    failure: list[BaseException] = []

    def send_loop() -> None:
        try:
            _send_until_finished(company, actor, queued, sent)
        except BaseException as error:  # reported to the caller, never lost in the thread
            failure.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=send_loop, name="relance-sender", daemon=True)
    thread.start()
    try:
        report = emails_dispatch(company=company, today=today, actor=actor, on_written=queued.notify)
    finally:
        queued.finish()
        thread.join()
    if failure:
        raise failure[0]
    return report, sent


def _dispatch_with_sender_process(
    *, company: Company, today: dt.date, actor: Actor
) -> tuple[DispatchReport, SendReport]:
    context = multiprocessing.get_context("fork")
    queued = _Queued(context.Semaphore(0), context.Event())
    receive, send = context.Pipe(duplex=False)
    connections.close_all()  # the child must not inherit an open connection
    child = context.Process(
        target=_sender_process, args=(company.pk, actor, queued, send), name="relance-sender", daemon=True
    )
    child.start()
    send.close()
    try:
        report = emails_dispatch(company=company, today=today, actor=actor, on_written=queued.notify)
    finally:
        queued.finish()
    try:
        outcome = receive.recv()
    except EOFError:
        outcome = ("error", f"the sender process ended with code {child.join() or child.exitcode}", SendReport())
    child.join()
    if outcome[0] != "ok":
        raise EmailError(f"sending stopped: {outcome[1]}")
    return report, outcome[1]


# --- the collector's agenda: call scripts, e-mails edited before they are confirmed ------------


@dataclass(frozen=True)
class EmailDraft:
    """The template an e-mail action would use (as the collector may edit it) and what it gives."""

    subject: str
    body_source: str
    body_format: str
    language: str
    rendered: RenderedEmail


class _EditedTemplates:
    """A template book that answers with the collector's edited subject and body for one message."""

    def __init__(self, book: TemplateBook, *, subject: str, body_source: str, body_format: str) -> None:
        self.book, self.subject, self.body_source, self.body_format = book, subject, body_source, body_format

    def get(self, code: str, language: str) -> Any:
        template = self.book.get(code, language)
        if template is None:
            return None
        return type(template)(
            company_id=template.company_id, code=template.code, channel=template.channel, language=template.language,
            name=template.name, subject=self.subject, body_source=self.body_source, body_format=self.body_format,
        )  # fmt: skip


def _compose_edited(action: Action, today: dt.date, *, subject: str, body_source: str, body_format: str) -> Composed:
    composer = _Composer(action.company, today)
    composer.templates = _EditedTemplates(  # type: ignore[assignment]
        composer.templates, subject=subject, body_source=body_source, body_format=body_format
    )
    account = composer.load([action.customer])[action.customer_id]
    return _compose_for_action(composer, account, action, _broken_promises([action]).get(action.pk))


def action_email_draft(*, action: Action, today: dt.date | None = None) -> EmailDraft:
    """The template of a waiting e-mail (in the addressee's language) and the e-mail it gives now,
    for the collector to read and edit before confirming. EmailError / RenderError as sending would."""
    today = today or action.date
    composer = _Composer(action.company, today)
    account = composer.load([action.customer])[action.customer_id]
    to, _cc = recipients(account.contacts)
    first = to[0] if to else None
    language = ((first.language if first else "") or action.customer.language or action.company.language)[:2]
    template = composer.templates.get(action.template_code, language)
    if template is None:
        raise EmailError(f"no e-mail template '{action.template_code}' for {action.company.name}")
    composed = _compose_for_action(composer, account, action, _broken_promises([action]).get(action.pk))
    return EmailDraft(template.subject, template.body_source, template.body_format, template.language,
                      composed.rendered)  # fmt: skip


def action_email_preview_edited(
    *, action: Action, subject: str, body_source: str, body_format: str = "markdown", today: dt.date | None = None
) -> RenderedEmail:
    """The e-mail this action would send with the collector's subject and body (nothing saved).
    TemplateError for an unknown hashtag, RenderError, EmailError as sending would."""
    today = today or action.date
    return _compose_edited(action, today, subject=subject, body_source=body_source, body_format=body_format).rendered


@transaction.atomic
def action_email_send_edited(
    *,
    action: Action,
    actor: Actor,
    subject: str,
    body_source: str,
    body_format: str = "markdown",
    today: dt.date | None = None,
) -> OutboxMessage:
    """Confirm an e-mail waiting for confirmation after the collector edited its subject or body
    (for this message only: the template is unchanged). Queued for sending like `action_email_send`;
    the audit event says it was edited."""
    if action.channel != Channel.EMAIL or action.status not in (ActionStatus.TO_CONFIRM, ActionStatus.PLANNED):
        raise EmailError("only an e-mail waiting to be sent can be confirmed")
    if "outbox" in action.outcome:
        raise EmailError("this e-mail is already queued")
    composed = _compose_edited(
        action, today or action.date, subject=subject, body_source=body_source, body_format=body_format
    )
    _save([composed])
    action.status = ActionStatus.PLANNED
    action.status_reason = ""
    queued = _queued_event(action, composed.message, actor)
    queued.data = {**queued.data, "edited": True}
    record_many([queued])
    action.save(update_fields=["status", "status_reason", "outcome"])
    return composed.message


def call_script_render(*, action: Action, today: dt.date | None = None) -> RenderedEmail | None:
    """The call script of a call action (the template of its step, channel "call") filled with the
    customer's account today; None when the company has no such script. The interactive-page link
    in it is a real one (kept for the action, reused when the script is shown again)."""
    from relance.messaging.models import TemplateChannel
    from relance.messaging.render import compile_template, render_body

    today = today or action.date
    composer = _Composer(action.company, today)
    scripts = TemplateBook(action.company, TemplateChannel.CALL)
    account = composer.load([action.customer])[action.customer_id]
    to, _cc = recipients(account.contacts)
    first = to[0] if to else None
    language = ((first.language if first else "") or action.customer.language or action.company.language)[:2]
    template = scripts.get(action.template_code, language)
    if template is None:
        return None
    reference = f"action:{action.pk}"
    link = (
        AccessLink.objects.filter(
            customer=action.customer,
            reference=reference,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now() + dt.timedelta(days=7),
        )
        .order_by("-expires_at")
        .first()
    )
    if link is None:
        link = new_link(customer=action.customer, contact=first, days=composer.mail.link_validity_days,
                        reference=reference)  # fmt: skip
        link.save()
    context = message_context(account, language=template.language, contact=first, urls_token=token_for(link))
    compiled = compile_template(subject=template.subject, body_source=template.body_source,
                                body_format=template.body_format)  # fmt: skip
    return render_body(compiled, context, where=f"call script {template.code} ({template.language})")
