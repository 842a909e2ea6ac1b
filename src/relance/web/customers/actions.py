"""What a collector changes from the customer page. Each view checks the form, calls the service
with `_actor(request)` (the audit trail names the author) and comes back to the page with a
message. Read-only members never get here: `workspace_view` refuses their POSTs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.collection.models import CustomerNote, Dispute, Promise
from relance.collection.services.actions import CallDispute, CallPromise
from relance.collection.services.customers import call_log, note_add, note_pin, statement_send
from relance.collection.services.statuses import (
    customer_pause,
    customer_resume,
    customer_to_litigation,
    dispute_comment,
    dispute_open,
    dispute_resolve,
    promise_cancel,
    promise_create,
)
from relance.core.audit import Actor
from relance.core.errors import RelanceError
from relance.core.money import Money
from relance.ledger.contacts import ContactData, contact_save
from relance.ledger.models import Contact, Customer, Invoice, InvoiceKind
from relance.ledger.selectors import company_today, open_items
from relance.messaging.models import OutboxMessage
from relance.messaging.tasks import send_outbox_task
from relance.portal.services import colleague_invite
from relance.web.access import workspace_view
from relance.web.customers import forms
from relance.web.customers.page import email_templates


def _back(customer: Customer, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("customers:detail", args=[customer.pk])
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _run(request: HttpRequest, work: Callable[[], Any], done: str) -> bool:
    """Run a service; a business error becomes a message on the page, never an error page."""
    try:
        work()
    except (RelanceError, ValueError) as error:
        messages.error(request, _("Not done: %(reason)s") % {"reason": getattr(error, "message", str(error))})
        return False
    messages.success(request, done)
    return True


def _selected(request: HttpRequest, customer: Customer) -> list[Invoice]:
    """The invoices ticked in the statement (only this customer's; anything else is ignored)."""
    ids = [int(v) for v in request.POST.getlist("invoices") if v.isdigit()]
    if not ids:
        return []
    return list(
        Invoice.objects.filter(pk__in=ids, customer=customer, company_id=customer.company_id)
        .exclude(kind=InvoiceKind.CREDIT_NOTE)
        .order_by("due_date", "number")
    )


def _overdue_else_open(customer: Customer) -> list[Invoice]:
    """No invoice ticked: a promise covers the overdue invoices, else every open one."""
    items = [
        i
        for i in open_items(company=customer.company, customer=customer, as_of=company_today(customer.company))
        if not i.is_credit and i.open_amount.minor > 0
    ]
    chosen = [i.item_id for i in items if i.is_overdue] or [i.item_id for i in items]
    return list(Invoice.objects.filter(pk__in=chosen, customer=customer).order_by("due_date", "number"))


def _money(amount: Any, invoices: list[Invoice], customer: Customer) -> Money | None:
    if amount is None:
        return None
    currency = invoices[0].currency if invoices else (customer.currency or customer.company.currency)
    return Money.of(amount, currency)


def _actor(request: HttpRequest) -> Actor:
    return request.ws.actor  # type: ignore[attr-defined,no-any-return]


def _customer(request: HttpRequest, pk: int) -> Customer:
    return request.ws.customer(pk)  # type: ignore[attr-defined,no-any-return]


# --- the statement: promise, dispute, send ----------------------------------------------------------


@require_POST
@workspace_view
def promise(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.PromiseForm(request.POST, prefix="promise")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "statement")
    invoices = _selected(request, customer) or _overdue_else_open(customer)
    data = form.cleaned_data
    _run(
        request,
        lambda: promise_create(
            actor=_actor(request),
            customer=customer,
            invoices=invoices,
            promised_date=data["date"],
            amount=_money(data["amount"], invoices, customer),
            means=data["means"],
            source="collector",
            made_by=data["made_by"],
            note=data["note"],
        ),
        _("Promise to pay recorded for %(date)s.") % {"date": data["date"].isoformat()},
    )
    return _back(customer, "statement")


@require_POST
@workspace_view
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.DisputeForm(request.POST, prefix="dispute")
    invoices = _selected(request, customer)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "statement")
    if not invoices:
        messages.error(request, _("Tick the invoices that are disputed."))
        return _back(customer, "statement")
    data = form.cleaned_data
    _run(
        request,
        lambda: dispute_open(
            actor=_actor(request),
            customer=customer,
            invoices=invoices,
            reason=data["reason"],
            comment=data["comment"],
            owner=customer.collector or request.user,
        ),
        _("Dispute opened on %(invoices)s.") % {"invoices": ", ".join(i.number for i in invoices)},
    )
    return _back(customer, "disputes")


@require_POST
@workspace_view
def send_statement(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.SendForm(request.POST, prefix="send", templates=email_templates(customer.company))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "statement")
    invoices = _selected(request, customer)
    which = (
        _("the statement of %(invoices)s") % {"invoices": ", ".join(i.number for i in invoices)}
        if invoices
        else _("the whole statement")
    )
    queued: list[OutboxMessage] = []
    done = _run(
        request,
        lambda: queued.append(
            statement_send(
                actor=_actor(request),
                customer=customer,
                template_code=form.cleaned_data["template"],
                invoice_ids={i.pk for i in invoices},
            )
        ),
        _("E-mail with %(which)s queued for sending.") % {"which": which},
    )
    if done and queued and queued[0].not_before is not None:  # composed outside the company's send window
        leaves = timezone.localtime(queued[0].not_before, ZoneInfo(customer.company.timezone))
        when = date_format(leaves, "DATETIME_FORMAT")
        messages.info(request, _("Outside the company's send window: it will leave on %(when)s.") % {"when": when})
    return _back(customer, "timeline")


# --- a call with its outcome ------------------------------------------------------------------------


@require_POST
@workspace_view
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.CallForm(request.POST, prefix="call")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "call")
    data = form.cleaned_data
    promised = disputed = None
    if data["outcome"] == "promise":
        invoices = _selected(request, customer) or _overdue_else_open(customer)
        promised = CallPromise(
            invoices=invoices, date=data["promise_date"], amount=_money(data["promise_amount"], invoices, customer),
            means=data["promise_means"], made_by=data["made_by"],
        )  # fmt: skip
    elif data["outcome"] == "dispute":
        invoices = _selected(request, customer)
        if not invoices:
            messages.error(request, _("Tick the invoices that are disputed."))
            return _back(customer, "call")
        disputed = CallDispute(invoices=invoices, reason=data["dispute_reason"], comment=data["note"])
    done = _("Call logged.") if data["reached"] else _("Call logged as not reached: it stays on the list to try again.")
    _run(
        request,
        lambda: call_log(
            actor=_actor(request),
            customer=customer,
            reached=data["reached"],
            note=data["note"],
            promise=promised,
            dispute=disputed,
        ),
        done,
    )
    return _back(customer, "timeline")


# --- promises and disputes --------------------------------------------------------------------------


@require_POST
@workspace_view
def promise_cancel_view(request: HttpRequest, pk: int, promise_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    found = get_object_or_404(Promise, pk=promise_id, customer=customer, company_id=customer.company_id)
    reason = request.POST.get("reason", "").strip()[:300] or "cancelled by the collector"
    _run(request, lambda: promise_cancel(actor=_actor(request), promise=found, reason=reason),
         _("Promise cancelled: its invoices are back in the scenario."))  # fmt: skip
    return _back(customer, "promises")


def _dispute(customer: Customer, dispute_id: int) -> Dispute:
    return get_object_or_404(Dispute, pk=dispute_id, customer=customer, company_id=customer.company_id)


@require_POST
@workspace_view
def dispute_resolve_view(request: HttpRequest, pk: int, dispute_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    found = _dispute(customer, dispute_id)
    form = forms.ResolveForm(request.POST, prefix=f"resolve-{dispute_id}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "disputes")
    data = form.cleaned_data
    _run(
        request,
        lambda: dispute_resolve(
            actor=_actor(request),
            dispute=found,
            resolution=data["resolution"],
            rejected=data["rejected"],
        ),
        _("Dispute closed: its invoices are back in the scenario."),
    )
    return _back(customer, "disputes")


@require_POST
@workspace_view
def dispute_comment_view(request: HttpRequest, pk: int, dispute_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    found = _dispute(customer, dispute_id)
    form = forms.CommentForm(request.POST, prefix=f"comment-{dispute_id}")
    if not form.is_valid():
        _form_errors(request, form)
    else:
        text = form.cleaned_data["text"]
        _run(request, lambda: dispute_comment(actor=_actor(request), dispute=found, text=text),
             _("Comment added."))  # fmt: skip
    return _back(customer, "disputes")


@require_POST
@workspace_view
def colleague(request: HttpRequest, pk: int, dispute_id: int) -> HttpResponse:
    """Ask a colleague without an account (sales, logistics) about a dispute: they get a link."""
    customer = _customer(request, pk)
    found = _dispute(customer, dispute_id)
    form = forms.ColleagueForm(request.POST, prefix=f"colleague-{dispute_id}")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "disputes")
    data = form.cleaned_data
    if found.status != "open":
        messages.error(request, _("This dispute is closed."))
        return _back(customer, "disputes")

    def invite() -> None:
        colleague_invite(actor=_actor(request), dispute=found, email=data["email"], name=data["name"],
                         question=data["question"])  # fmt: skip
        transaction.on_commit(lambda: send_outbox_task.enqueue(company_id=customer.company_id))

    _run(request, invite, _("%(email)s will receive a link to answer.") % {"email": data["email"]})
    return _back(customer, "disputes")


# --- the customer's status --------------------------------------------------------------------------


@require_POST
@workspace_view
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.PauseForm(request.POST, prefix="pause", today=company_today(customer.company))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer)
    until, reason = form.cleaned_data["until"], form.cleaned_data["reason"]
    done = (
        _("Collection paused until %(date)s.") % {"date": until.isoformat()}
        if until
        else _("Collection paused until resumed.")
    )
    _run(request, lambda: customer_pause(actor=_actor(request), customer=customer, until=until, reason=reason), done)
    return _back(customer)


@require_POST
@workspace_view
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    _run(request, lambda: customer_resume(actor=_actor(request), customer=customer), _("Collection resumed."))
    return _back(customer)


@require_POST
@workspace_view
def litigation(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.LitigationForm(request.POST, prefix="litigation")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _run(request, lambda: customer_to_litigation(actor=_actor(request), customer=customer, reason=reason),
         _("The customer is handed over to litigation: the scenario stops."))  # fmt: skip
    return _back(customer)


# --- notes and contacts -----------------------------------------------------------------------------


@require_POST
@workspace_view
def note(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = forms.NoteForm(request.POST, prefix="note")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "notes")
    data = form.cleaned_data
    _run(request, lambda: note_add(actor=_actor(request), customer=customer, text=data["text"], pinned=data["pinned"]),
         _("Note added."))  # fmt: skip
    return _back(customer, "notes")


@require_POST
@workspace_view
def note_pin_view(request: HttpRequest, pk: int, note_id: int) -> HttpResponse:
    customer = _customer(request, pk)
    found = get_object_or_404(CustomerNote, pk=note_id, customer=customer, company_id=customer.company_id)
    pinned = request.POST.get("pinned") == "1"
    _run(request, lambda: note_pin(actor=_actor(request), note=found, pinned=pinned),
         _("Note pinned.") if pinned else _("Note unpinned."))  # fmt: skip
    return _back(customer, "notes")


@require_POST
@workspace_view
def contact(request: HttpRequest, pk: int, contact_id: int | None = None) -> HttpResponse:
    customer = _customer(request, pk)
    existing = None
    if contact_id is not None:
        existing = Contact.objects.filter(pk=contact_id, customer=customer, company_id=customer.company_id).first()
        if existing is None:
            raise Http404
    form = forms.ContactForm(request.POST, prefix=f"contact-{contact_id}" if contact_id else "contact")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(customer, "contacts")
    data = form.cleaned_data
    roles = set(data["roles"])
    values = ContactData(
        name=data["name"], email=data["email"], phone=data["phone"], language=data["language"],
        is_accounts_payable="is_accounts_payable" in roles, is_buyer="is_buyer" in roles,
        is_finance="is_finance" in roles, is_other="is_other" in roles, is_primary=data["is_primary"],
    )  # fmt: skip
    _run(request, lambda: contact_save(actor=_actor(request), customer=customer, data=values, contact=existing),
         _("Contact saved.") )  # fmt: skip
    return _back(customer, "contacts")
