"""Workspace: the agenda, the collector's home page.

The page lists the tasks of `worklist.agenda_for` with counters and filters; each row opens a panel
in place (htmx): the call script with the outcome form, the e-mail preview with its editor, the
answer sent from the customer's page. Every change goes through a service of `collection`,
`collection.messages` or `portal` (each with its audit event) and the row is replaced by what
happened. Without JavaScript the same forms post normally and come back to the page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import nh3
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relance.accounts.models import Role
from relance.collection.messages import (
    action_email_draft,
    action_email_preview_edited,
    action_email_send,
    action_email_send_edited,
    call_script_render,
)
from relance.collection.models import Action, ActionStatus, CollectionSettings
from relance.collection.models.actions import OPEN_STATUSES
from relance.collection.services.actions import (
    CallDispute,
    CallPromise,
    action_complete,
    action_skip,
    call_outcome_record,
)
from relance.core.errors import RelanceError
from relance.core.money import format_minor
from relance.ledger.selectors import company_today, customer_statement
from relance.messaging.render import ALLOWED_TAGS
from relance.portal.models import PortalSubmission, SubmissionStatus
from relance.portal.services import submission_accept, submission_reject
from relance.web.access import Workspace, workspace_view
from relance.web.agenda import forms as agenda_forms
from relance.web.agenda.letters import letters_merged
from relance.web.agenda.worklist import (
    CALL,
    EMAIL,
    KINDS,
    LETTER,
    Scope,
    agenda_for,
    collectors_of,
    customer_url,
    open_actions,
)


def _ws(request: HttpRequest) -> Workspace:
    return request.ws  # type: ignore[attr-defined,no-any-return]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _scope(request: HttpRequest, ws: Workspace) -> Scope:
    """Whose tasks: a collector sees their own (and may look at everyone's when allowed to see all);
    the other roles see everyone's by default and may pick one collector."""
    wanted = request.GET.get("who", "")
    if not ws.sees_all:
        return Scope("me")
    if wanted in ("me", "all", "none") or (wanted.isdigit() and int(wanted) > 0):
        return Scope(wanted)
    return Scope("me" if ws.role == Role.COLLECTOR else "all")


def _money(request: HttpRequest, minor: int, currency: str) -> str:
    return format_minor(minor, currency, (get_language() or "en")[:2])


@workspace_view
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    ws = _ws(request)
    today = company_today(ws.company)
    scope = _scope(request, ws)
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    when = request.GET.get("when", "")
    when = when if when in ("late", "today") else ""
    agenda = agenda_for(ws, today=today, scope=scope, kind=kind, when=when)
    filters = {k: v for k, v in (("who", request.GET.get("who", "")), ("kind", kind), ("when", when)) if v}
    letters_query = urlencode({"who": scope.who})
    context = {
        "section": "agenda",
        "agenda": agenda,
        "kinds": KINDS,
        "kind": kind,
        "when": when,
        "scope": scope,
        "collectors": collectors_of(ws) if ws.sees_all else [],
        "filters": filters,
        "this_page": request.get_full_path(),
        "letters_query": letters_query,
        "letters_due": next(c.total for c in agenda.counters if c.kind == LETTER),
        "bulk_form": agenda_forms.BulkForm(),
        "can_write": ws.can_write,
    }
    return render(request, "agenda/index.html", context)


# --- one action --------------------------------------------------------------------------------


def _action(request: HttpRequest, pk: int, *, channel: str | None = None) -> Action:
    """An open action of the current company, of a customer this user may see (404 otherwise)."""
    ws = _ws(request)
    queryset = Action.objects.filter(company=ws.company, customer__in=ws.customers(all_customers=True))
    action = get_object_or_404(queryset.select_related("company", "customer", "customer__collector", "step"), pk=pk)
    if channel is not None and action.channel != channel:
        raise Http404("not this kind of action")
    return action


def _done(request: HttpRequest, key: str, text: str, *, customer_pk: int, status: str = "ok") -> HttpResponse:
    """The row of a task just handled: replaces the whole task (htmx), or back to the page."""
    if not _is_htmx(request):
        (messages.error if status == "error" else messages.success)(request, text)
        return _back(request)
    html = render_to_string(
        "agenda/_done.html",
        {"key": key, "text": text, "status": status, "customer_url": customer_url(customer_pk)},
        request=request,
    )
    response = HttpResponse(html)
    response["HX-Retarget"] = f"#task-{key}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("agenda:index")


def _panel(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """A row's panel; without htmx, the same panel on a page of its own."""
    context = {**context, "can_write": _ws(request).can_write, "next": request.GET.get("next", "")}
    if _is_htmx(request):
        return render(request, template, context, status=status)
    return render(request, "agenda/panel_page.html", {**context, "panel": template, "section": "agenda"}, status=status)


SCRIPT_TAGS = ALLOWED_TAGS | {"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "col", "colgroup"}


def _fragment(html: str) -> SafeString:
    """The call script as rendered by the messaging renderer (template sanitised when saved, values
    escaped), cleaned once more with the e-mail tag list before it is placed in the page."""
    cleaned = nh3.clean(
        html,
        tags=SCRIPT_TAGS,
        attributes={"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 just above


# --- calls -------------------------------------------------------------------------------------


def _call_context(action: Action, form: agenda_forms.CallOutcomeForm | None, today: Any) -> dict[str, Any]:
    statement = customer_statement(company=action.company, customer=action.customer, as_of=today)
    items = [*statement.overdue, *statement.not_due]
    currency = items[0].open_amount.currency if items else action.customer.currency or action.company.currency
    if form is None:
        form = agenda_forms.CallOutcomeForm(items=items, currency=currency, auto_id=f"call{action.pk}_%s")
    try:
        script = call_script_render(action=action, today=today)
    except RelanceError as problem:
        script, script_error = None, str(problem)
    else:
        script_error = ""
    settings_row = CollectionSettings.objects.filter(company=action.company).first()
    max_days = settings_row.promise_max_days if settings_row else 60
    return {
        "action": action,
        "key": f"action-{action.pk}",
        "form": form,
        "items": items,
        "script": _fragment(script.html) if script is not None else None,
        "script_error": script_error,
        "today": today,
        "latest": agenda_forms.latest_promise_date(today, max_days),
        "attempts": action.outcome.get("attempts", []),
        "selected": [str(v) for v in (form["invoices"].value() or [])],
        "skip_form": agenda_forms.SkipForm(),
    }


@workspace_view
def call(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the call script and the outcome form. POST: the outcome recorded in one step."""
    action = _action(request, pk, channel=CALL)
    ws = _ws(request)
    today = company_today(ws.company)
    key = f"action-{action.pk}"
    if action.status not in OPEN_STATUSES:
        return _done(request, key, _("This call was already handled."), customer_pk=action.customer_id)
    if request.method != "POST":
        return _panel(request, "agenda/_call.html", _call_context(action, None, today))
    statement = customer_statement(company=action.company, customer=action.customer, as_of=today)
    items = [*statement.overdue, *statement.not_due]
    currency = items[0].open_amount.currency if items else action.customer.currency or action.company.currency
    form = agenda_forms.CallOutcomeForm(request.POST, items=items, currency=currency, auto_id=f"call{action.pk}_%s")
    if not form.is_valid():
        return _panel(request, "agenda/_call.html", _call_context(action, form, today))
    data = form.cleaned_data
    reached = data["reached"] == "yes"
    invoices = agenda_forms.invoices_for(form.chosen_invoice_ids(), customer_id=action.customer_id)
    promise = dispute = None
    if data["outcome"] == agenda_forms.PROMISE:
        promise = CallPromise(
            invoices=invoices, date=data["promise_date"], amount=data.get("promise_money"),
            means=data["promise_means"], made_by=data.get("spoke_to", ""),
        )  # fmt: skip
    elif data["outcome"] == agenda_forms.DISPUTE:
        dispute = CallDispute(invoices=invoices, reason=data["dispute_reason"], comment=data.get("dispute_comment", ""))
    note = data.get("note", "")
    if data.get("spoke_to") and reached:
        note = f"Spoke to {data['spoke_to']}. {note}".strip()
    try:
        done, made, opened = call_outcome_record(
            actor=ws.actor, action=action, reached=reached, note=note, promise=promise, dispute=dispute, today=today
        )
    except RelanceError as problem:
        form.add_error(None, str(problem))
        return _panel(request, "agenda/_call.html", _call_context(action, form, today))
    if made is not None:
        text = _("Call logged: promise of %(amount)s for %(date)s recorded.") % {
            "amount": _money(request, made.amount, made.currency),
            "date": formats.date_format(made.promised_date, "SHORT_DATE_FORMAT"),
        }
    elif opened is not None:
        text = _("Call logged: dispute opened (%(reason)s).") % {"reason": opened.get_reason_display()}
    elif done.status == ActionStatus.DONE:
        text = _("Call logged.")
    else:
        text = _("Attempt noted: the call stays on your list.")
        if not _is_htmx(request):
            messages.info(request, text)
            return _back(request)
        context = _call_context(action, None, today)
        context["notice"] = text
        return _panel(request, "agenda/_call.html", context)
    return _done(request, key, text, customer_pk=action.customer_id)


# --- e-mails to confirm ------------------------------------------------------------------------


def _email_context(action: Action, today: Any, *, form: agenda_forms.EmailEditForm | None = None,
                   rendered: Any = None, error: str = "") -> dict[str, Any]:  # fmt: skip
    context: dict[str, Any] = {"action": action, "key": f"action-{action.pk}", "error": error,
                               "skip_form": agenda_forms.SkipForm()}  # fmt: skip
    if form is None or rendered is None:
        try:
            draft = action_email_draft(action=action, today=today)
        except RelanceError as problem:
            context["error"] = error or str(problem)
            context["form"] = form
            context["rendered"] = rendered
            return context
        if form is None:
            form = agenda_forms.EmailEditForm(
                auto_id=f"mail{action.pk}_%s",
                initial={"subject": draft.subject, "body_source": draft.body_source, "body_format": draft.body_format},
            )
        rendered = rendered or draft.rendered
        context["language"] = draft.language
    context["form"] = form
    context["rendered"] = rendered
    return context


@workspace_view
@require_GET
def email(request: HttpRequest, pk: int) -> HttpResponse:
    """The e-mail as the customer would receive it, and its template to edit for this one message."""
    action = _action(request, pk, channel=EMAIL)
    if action.status != ActionStatus.TO_CONFIRM:
        return _done(request, f"action-{action.pk}", _("This e-mail was already handled."),
                     customer_pk=action.customer_id)  # fmt: skip
    today = company_today(_ws(request).company)
    return _panel(request, "agenda/_email.html", _email_context(action, today))


@workspace_view
@require_POST
def email_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The edited e-mail rendered for this customer (nothing saved)."""
    action = _action(request, pk, channel=EMAIL)
    today = company_today(_ws(request).company)
    form = agenda_forms.EmailEditForm(request.POST, auto_id=f"mail{action.pk}_%s")
    if not form.is_valid():
        return _panel(request, "agenda/_email.html", _email_context(action, today, form=form))
    data = form.cleaned_data
    try:
        rendered = action_email_preview_edited(
            action=action, subject=data["subject"], body_source=data["body_source"],
            body_format=data["body_format"] or "markdown", today=today,
        )  # fmt: skip
    except RelanceError as problem:
        return _panel(request, "agenda/_email.html", _email_context(action, today, form=form, error=str(problem)))
    return _panel(request, "agenda/_email.html", _email_context(action, today, form=form, rendered=rendered))


@workspace_view
@require_POST
def email_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the e-mail: as the template gives it, or with the collector's changes."""
    action = _action(request, pk, channel=EMAIL)
    ws = _ws(request)
    today = company_today(ws.company)
    key = f"action-{action.pk}"
    if action.status != ActionStatus.TO_CONFIRM:
        return _done(request, key, _("This e-mail was already handled."), customer_pk=action.customer_id)
    form = (
        agenda_forms.EmailEditForm(request.POST, auto_id=f"mail{action.pk}_%s") if "subject" in request.POST else None
    )
    try:
        if form is not None:
            if not form.is_valid():
                return _panel(request, "agenda/_email.html", _email_context(action, today, form=form))
            data = form.cleaned_data
            draft = action_email_draft(action=action, today=today)
            edited = (data["subject"], _lines(data["body_source"])) != (draft.subject, _lines(draft.body_source))
        else:
            edited = False
        if edited and form is not None:
            edit = form.cleaned_data
            message = action_email_send_edited(
                action=action, actor=ws.actor, subject=edit["subject"], body_source=edit["body_source"],
                body_format=edit["body_format"] or "markdown", today=today,
            )  # fmt: skip
        else:
            message = action_email_send(action=action, actor=ws.actor, today=today)
    except RelanceError as problem:
        if not _is_htmx(request):
            messages.error(request, str(problem))
            return _back(request)
        return _panel(request, "agenda/_email.html", _email_context(action, today, form=form, error=str(problem)))
    text = _("E-mail “%(subject)s” queued for sending to %(to)s.") % {
        "subject": message.subject, "to": ", ".join(message.to),
    }  # fmt: skip
    return _done(request, key, text, customer_pk=action.customer_id)


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


# --- skip, done --------------------------------------------------------------------------------


@workspace_view
@require_POST
def skip(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    ws = _ws(request)
    key = f"action-{action.pk}"
    form = agenda_forms.SkipForm(request.POST)
    if not form.is_valid():
        return _done(request, key, _("Say why the task is skipped."), customer_pk=action.customer_id, status="error")
    try:
        action_skip(actor=ws.actor, action=action, reason=form.cleaned_data["reason"])
    except RelanceError as problem:
        return _done(request, key, str(problem), customer_pk=action.customer_id, status="error")
    return _done(request, key, _("Skipped: %(reason)s") % {"reason": form.cleaned_data["reason"]},
                 customer_pk=action.customer_id)  # fmt: skip


@workspace_view
@require_POST
def done(request: HttpRequest, pk: int) -> HttpResponse:
    """A letter printed and sent, or another task done."""
    action = _action(request, pk)
    ws = _ws(request)
    key = f"action-{action.pk}"
    if action.channel in (CALL, EMAIL):
        raise Http404("calls are logged, e-mails are sent")
    form = agenda_forms.NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if action.channel == LETTER and not note:
        note = _("printed and sent")
    try:
        action_complete(actor=ws.actor, action=action, note=note)
    except RelanceError as problem:
        return _done(request, key, str(problem), customer_pk=action.customer_id, status="error")
    text = _("Letter marked printed and sent.") if action.channel == LETTER else _("Task done.")
    return _done(request, key, text, customer_pk=action.customer_id)


# --- letters -----------------------------------------------------------------------------------


def _letters(request: HttpRequest, ws: Workspace, ids: list[int]) -> QuerySet[Action]:
    today = company_today(ws.company)
    customers = _scope(request, ws).customers(ws) if not ids else ws.customers(all_customers=True)
    queryset = open_actions(ws, customers, today).filter(channel=LETTER, status=ActionStatus.TO_CONFIRM)
    if ids:
        queryset = queryset.filter(pk__in=ids)
    return queryset.select_related("company", "customer").order_by("customer__name", "date", "pk")


@workspace_view
@require_GET
def letters_pdf(request: HttpRequest) -> HttpResponse:
    """Every letter due (or the selected ones) in one PDF to print."""
    ws = _ws(request)
    ids = [int(v) for v in request.GET.getlist("ids") if v.isdigit()]
    today = company_today(ws.company)
    merged = letters_merged(actions=_letters(request, ws, ids), today=today)
    if not merged.pdf:
        messages.info(request, _("No letter to print."))
        return redirect("agenda:index")
    response = HttpResponse(merged.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="letters-{today.isoformat()}.pdf"'
    response["X-Letters-Printed"] = str(len(merged.printed))
    response["X-Letters-Left-Out"] = str(len(merged.left_out))
    return response


# --- customer answers from the portal ----------------------------------------------------------


@workspace_view
@require_POST
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    ws = _ws(request)
    found = get_object_or_404(
        PortalSubmission.objects.select_related("company", "customer"),
        pk=pk, company=ws.company, customer__in=ws.customers(all_customers=True),
    )  # fmt: skip
    key = f"submission-{found.pk}"
    if found.status != SubmissionStatus.PENDING:
        return _done(request, key, _("This answer was already handled."), customer_pk=found.customer_id)
    form = agenda_forms.DecisionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return _done(request, key, errors, customer_pk=found.customer_id, status="error")
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "reject":
            submission_reject(actor=ws.actor, submission=found, reason=note)
            text = _("Answer rejected: %(note)s") % {"note": note}
        else:
            submission_accept(actor=ws.actor, submission=found, note=note)
            text = _("Answer accepted.")
    except RelanceError as problem:
        return _done(request, key, str(problem), customer_pk=found.customer_id, status="error")
    return _done(request, key, text, customer_pk=found.customer_id)


# --- bulk --------------------------------------------------------------------------------------


@workspace_view
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Skip, mark letters sent or send e-mails for the selected tasks, each through its service."""
    ws = _ws(request)
    form = agenda_forms.BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    today = company_today(ws.company)
    operation = form.cleaned_data["operation"]
    actions = list(
        open_actions(ws, ws.customers(all_customers=True), today)
        .filter(pk__in=form.cleaned_data["ids"])
        .select_related("company", "customer", "customer__collector", "step")
        .order_by("pk")
    )
    done_count, problems = 0, []
    for action in actions:
        try:
            if operation == agenda_forms.BULK_SKIP:
                action_skip(actor=ws.actor, action=action, reason=form.cleaned_data["reason"])
            elif operation == agenda_forms.BULK_LETTERS_SENT:
                if action.channel != LETTER:
                    continue
                action_complete(actor=ws.actor, action=action, note=_("printed and sent"))
            elif operation == agenda_forms.BULK_SEND:
                if action.channel != EMAIL or action.status != ActionStatus.TO_CONFIRM:
                    continue
                action_email_send(action=action, actor=ws.actor, today=today)
        except RelanceError as problem:
            problems.append(f"{action.customer.name}: {problem}")
            continue
        done_count += 1
    labels = {
        agenda_forms.BULK_SKIP: _("%(count)d task(s) skipped."),
        agenda_forms.BULK_LETTERS_SENT: _("%(count)d letter(s) marked printed and sent."),
        agenda_forms.BULK_SEND: _("%(count)d e-mail(s) queued for sending."),
    }
    messages.success(request, labels[operation] % {"count": done_count})
    for problem in problems:
        messages.error(request, problem)
    return _back(request)
