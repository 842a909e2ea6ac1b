"""Workspace: the customers list (search, filters, sort, Excel) and a customer's page.

The changes made from the customer page are in `actions.py`; both read only through
`request.ws` (the current company and the user's portfolio).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from relance.accounts.models import Role
from relance.collection.models import Action, Scenario
from relance.collection.models.actions import OPEN_STATUSES
from relance.collection.statements import statement_bundle, statement_pdf_for, statement_xlsx_for
from relance.ledger.models import CustomerStatus, Membership, Tag
from relance.ledger.selectors import company_today
from relance.web.access import workspace_view
from relance.web.customers import forms, page
from relance.web.customers.excel import customers_xlsx
from relance.web.customers.queries import SORTS, Filters, customer_rows
from relance.web.customers.timeline import KINDS, timeline_page

PAGE_SIZE = 50


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(int(value or default), 1)
    except ValueError:
        return default


def _show_all(request: HttpRequest) -> tuple[bool, bool]:
    """(the user may ask for every customer, they asked). Managers always see every customer."""
    ws = request.ws  # type: ignore[attr-defined]
    may = ws.role == Role.COLLECTOR and ws.sees_all_customers
    return may, may and request.GET.get("all") == "1"


def _filter_form(request: HttpRequest) -> tuple[forms.FilterForm, Filters]:
    ws = request.ws  # type: ignore[attr-defined]
    company = ws.company
    form = forms.FilterForm(request.GET or None)
    collectors = (
        Membership.objects.filter(company=company).select_related("user").order_by("user__first_name", "user__username")
    )
    form.fields["collector"].choices = [
        ("", _("Anyone")),
        ("none", _("Nobody")),
        *[(str(m.user_id), m.user.get_full_name() or m.user.get_username()) for m in collectors],
    ]
    form.fields["status"].choices = [("", _("Any")), *CustomerStatus.choices]
    form.fields["scenario"].choices = [
        ("", _("Any")),
        ("none", _("None")),
        *[(str(s.pk), s.name) for s in Scenario.objects.filter(company=company).order_by("name")],
    ]
    form.fields["tags"].choices = [(str(t.pk), t.name) for t in Tag.objects.filter(company=company).order_by("name")]
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sort = request.GET.get("sort", "overdue")
    sort = sort if sort in SORTS else "overdue"
    default_desc = sort in ("overdue", "open", "last_action")
    direction = request.GET.get("dir", "desc" if default_desc else "asc")
    filters = Filters(
        q=data.get("q", ""),
        collector=data.get("collector", ""),
        status=data.get("status", ""),
        scenario=data.get("scenario", ""),
        tags=tuple(int(t) for t in data.get("tags", [])),
        overdue=data.get("overdue", ""),
        sort=sort,
        desc=direction == "desc",
    )
    return form, filters


@workspace_view
def customer_list(request: HttpRequest) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    may_show_all, show_all = _show_all(request)
    form, filters = _filter_form(request)
    today = company_today(ws.company)
    number = _int(request.GET.get("page"))
    total, rows = customer_rows(
        company=ws.company, customers=ws.customers(all_customers=show_all), filters=filters, as_of=today,
        limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
    )  # fmt: skip
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    columns = [
        ("code", _("Code")), ("name", _("Customer")), ("open", _("Open")), ("overdue", _("Overdue")),
        ("oldest_due", _("Oldest due")), ("last_action", _("Last action")), ("next_action", _("Next action")),
    ]  # fmt: skip
    context = {
        "section": "customers",
        "form": form,
        "filters": filters,
        "rows": rows,
        "total": total,
        "page": number,
        "pages": pages,
        "has_previous": number > 1,
        "has_next": number < pages,
        "today": today,
        "may_show_all": may_show_all,
        "show_all": show_all,
        "columns": columns,
    }
    return render(request, "customers/list.html", context)


@workspace_view
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered list, every page, as an Excel file."""
    ws = request.ws  # type: ignore[attr-defined]
    _may, show_all = _show_all(request)
    _form, filters = _filter_form(request)
    today = company_today(ws.company)
    _total, rows = customer_rows(
        company=ws.company, customers=ws.customers(all_customers=show_all), filters=filters, as_of=today
    )
    content = customers_xlsx(company_name=ws.company.name, rows=rows, as_of=today)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="customers-{today.isoformat()}.xlsx"'
    return response


def _detail_context(request: HttpRequest, pk: int) -> dict[str, object]:
    ws = request.ws  # type: ignore[attr-defined]
    company = ws.company
    customer = ws.customer(pk)
    today = company_today(company)
    account = page.account_for(company=company, customer=customer, today=today)
    receivable = sum(
        (r.item.open_amount.minor for r in account.rows if r.selectable and r.item.open_amount.minor > 0), 0
    )
    numbers = {r.item.item_id: r.item.number for r in account.rows if r.selectable}
    pinned, recent_notes = page.notes_for(customer)
    contacts = page.contacts_for(customer)
    open_call = (
        Action.objects.filter(customer=customer, channel="call", status__in=OPEN_STATUSES, date__lte=today)
        .order_by("-date")
        .first()
    )
    default_template = "overdue_courteous" if account.bundle.statement.overdue else "preventive"
    templates = page.email_templates(company)
    return {
        "section": "customers",
        "customer": customer,
        "tags": list(customer.tags.all()),
        "today": today,
        "account": account,
        "scenario": page.scenario_for(customer=customer, open_minor=receivable),
        "plan": page.plan_for(company=company, customer=customer, today=today, numbers=numbers),
        "plan_days": page.PLAN_DAYS,
        "disputes": [
            (
                d,
                forms.ResolveForm(prefix=f"resolve-{d.pk}"),
                forms.CommentForm(prefix=f"comment-{d.pk}"),
                forms.ColleagueForm(prefix=f"colleague-{d.pk}"),
            )
            for d in page.disputes_for(customer)
        ],
        "promises": page.promises_for(customer),
        "contacts": contacts,
        "pinned_notes": pinned,
        "recent_notes": recent_notes,
        "open_call": open_call,
        "timeline": timeline_page(
            customer=customer, page=_int(request.GET.get("tl_page")), kind=request.GET.get("tl", "")
        ),
        "timeline_kinds": list(KINDS.items()),
        "can_write": ws.can_write,
        "promise_form": forms.PromiseForm(prefix="promise", initial={"date": today + dt.timedelta(days=7)}),
        "dispute_form": forms.DisputeForm(prefix="dispute"),
        "send_form": forms.SendForm(
            prefix="send",
            templates=templates,
            initial={"template": default_template if any(c == default_template for c, _n in templates) else ""},
        ),
        "call_form": forms.CallForm(prefix="call"),
        "pause_form": forms.PauseForm(prefix="pause"),
        "litigation_form": forms.LitigationForm(prefix="litigation"),
        "note_form": forms.NoteForm(prefix="note"),
        "contact_form": forms.ContactForm(prefix="contact"),
        "contact_forms": [
            (contact, forms.ContactForm(prefix=f"contact-{contact.pk}", initial=_contact_initial(contact)))
            for contact in contacts
        ],
        "is_paused": customer.status == CustomerStatus.PAUSED,
        "is_litigation": customer.status == CustomerStatus.LITIGATION,
    }


def _contact_initial(contact: object) -> dict[str, object]:
    from relance.web.customers.forms import ROLES

    return {
        "name": contact.name,  # type: ignore[attr-defined]
        "email": contact.email,  # type: ignore[attr-defined]
        "phone": contact.phone,  # type: ignore[attr-defined]
        "language": contact.language,  # type: ignore[attr-defined]
        "is_primary": contact.is_primary,  # type: ignore[attr-defined]
        "roles": [role for role, _label in ROLES if getattr(contact, role)],
    }


@workspace_view
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "customers/detail.html", _detail_context(request, pk))


@workspace_view
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of the timeline (htmx asks for it when paging or filtering)."""
    customer = request.ws.customer(pk)  # type: ignore[attr-defined]
    context = {
        "customer": customer,
        "timeline": timeline_page(
            customer=customer, page=_int(request.GET.get("tl_page")), kind=request.GET.get("tl", "")
        ),
        "timeline_kinds": list(KINDS.items()),
    }
    return render(request, "customers/_timeline.html", context)


def _language(request: HttpRequest, default: str) -> str:
    wanted = request.GET.get("lang", "")
    return wanted if wanted in ("en", "fr") else default


@workspace_view
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    customer = ws.customer(pk)
    today = company_today(ws.company)
    bundle = statement_bundle(company=ws.company, customer=customer, as_of=today)
    content = statement_pdf_for(bundle, language=_language(request, customer.language))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{customer.code}-{today.isoformat()}.pdf"'
    return response


@workspace_view
def statement_excel(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    customer = ws.customer(pk)
    today = company_today(ws.company)
    bundle = statement_bundle(company=ws.company, customer=customer, as_of=today)
    content = statement_xlsx_for(bundle, language=_language(request, customer.language))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="statement-{customer.code}-{today.isoformat()}.xlsx"'
    return response
