"""Workspace: the scenario editor (scenarios, their steps, assignment rules, calendar preview).

Views are thin: forms parse what was typed (amounts exactly, in minor units), the services of
`collection.services.scenarios` decide and record. Steps are edited in place with htmx (the
steps section is re-rendered after each change and tells the calendar to refresh); every form
also works as a plain POST without JavaScript. Only administrators and credit managers come here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.collection.models import Scenario, ScenarioRule, Step
from relance.collection.services.scenarios import (
    RuleData,
    ScenarioError,
    StepData,
    ordered_steps,
    rule_delete,
    rule_save,
    scenario_copy,
    scenario_create,
    scenario_delete,
    scenario_set_default,
    scenario_update,
    step_delete,
    step_move,
    step_save,
)
from relance.core.money import format_minor
from relance.ledger.models import Tag
from relance.ledger.selectors import company_today
from relance.messaging.models import MessageTemplate
from relance.web.access import workspace_view
from relance.web.editors.calendar import preview_for
from relance.web.editors.errors import message_for
from relance.web.editors.forms import (
    CHANNEL_LABELS,
    MODE_LABELS,
    CopyForm,
    RuleForm,
    ScenarioForm,
    StepForm,
)

SEARCH_LIMIT = 15


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    """One scenario of the current company (404 for another company's)."""
    return get_object_or_404(Scenario, pk=pk, company=request.ws.company)  # type: ignore[attr-defined]


def _form_error(form: Any, error: ScenarioError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, message_for(error))


# --- the list: scenarios and assignment rules ------------------------------------------------


@workspace_view(manager=True)
def scenarios(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(
    request: HttpRequest,
    *,
    create_form: ScenarioForm | None = None,
    rule_form: RuleForm | None = None,
    rule_forms: dict[int, RuleForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    company = ws.company
    rows = list(
        Scenario.objects.filter(company=company)
        .annotate(
            step_count=Count("steps", distinct=True),
            rule_count=Count("rules", distinct=True),
            customer_count=Count("customer_assignments", distinct=True),
        )
        .order_by("-is_default", "is_builtin", "name")
    )
    tags = list(Tag.objects.filter(company=company))
    rules = list(
        ScenarioRule.objects.filter(company=company).select_related("scenario", "tag").order_by("priority", "id")
    )
    language = get_language() or "en"
    rule_forms = rule_forms or {}
    rule_rows = []
    for rule in rules:
        form = rule_forms.get(rule.pk) or RuleForm(
            company=company, scenarios=rows, tags=tags, prefix=f"rule{rule.pk}",
            initial={"priority": rule.priority, "scenario": rule.scenario_id, "tag": rule.tag_id,
                     "country": rule.country, "min_open_minor": rule.min_open_minor},
        )  # fmt: skip
        amount = (
            format_minor(rule.min_open_minor, company.currency, language) if rule.min_open_minor is not None else ""
        )
        rule_rows.append({"rule": rule, "form": form, "amount": amount})
    return render(
        request,
        "editors/scenario_list.html",
        {
            "section": "scenarios",
            "scenarios": rows,
            "rule_rows": rule_rows,
            "create_form": create_form or ScenarioForm(),
            "rule_form": rule_form or RuleForm(company=company, scenarios=rows, tags=tags, prefix="new"),
        },
        status=status,
    )


@require_POST
@workspace_view(manager=True)
def scenario_new(request: HttpRequest) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    form = ScenarioForm(request.POST)
    if form.is_valid():
        try:
            scenario = scenario_create(
                company=ws.company, name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                actor=ws.actor,
            )  # fmt: skip
        except ScenarioError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Scenario “%(name)s” created: add its steps.") % {"name": scenario.name})
            return redirect("editors:scenario", pk=scenario.pk)
    return _list_page(request, create_form=form, status=400)


@require_POST
@workspace_view(manager=True)
def scenario_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    source = _scenario(request, pk)
    form = CopyForm(request.POST)
    if form.is_valid():
        try:
            copy = scenario_copy(scenario=source, name=form.cleaned_data["name"], actor=ws.actor)
        except ScenarioError as error:
            messages.error(request, message_for(error))
        else:
            messages.success(request, _("“%(name)s” is your copy: edit it freely.") % {"name": copy.name})
            return redirect("editors:scenario", pk=copy.pk)
    else:
        messages.error(request, _("Give the copy a name."))
    if request.POST.get("next") == "list":
        return redirect("editors:scenarios")
    return redirect("editors:scenario", pk=pk)


@require_POST
@workspace_view(manager=True)
def scenario_default(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    scenario_set_default(scenario=scenario, actor=request.ws.actor)  # type: ignore[attr-defined]
    messages.success(
        request, _("“%(name)s” is now the scenario of customers no rule covers.") % {"name": scenario.name}
    )
    return redirect("editors:scenarios")


@require_POST
@workspace_view(manager=True)
def scenario_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    try:
        scenario_delete(scenario=scenario, actor=request.ws.actor)  # type: ignore[attr-defined]
    except ScenarioError as error:
        messages.error(request, message_for(error))
        return redirect("editors:scenario", pk=pk)
    messages.success(request, _("Scenario deleted."))
    return redirect("editors:scenarios")


# --- rules ------------------------------------------------------------------------------------


def _rule_data(form: RuleForm) -> RuleData:
    data = form.cleaned_data
    return RuleData(
        scenario_id=data["scenario"].pk, priority=data["priority"], tag_id=data["tag"].pk if data["tag"] else None,
        country=data["country"] or "", min_open_minor=data["min_open_minor"],
    )  # fmt: skip


@require_POST
@workspace_view(manager=True)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    rule = get_object_or_404(ScenarioRule, pk=pk, company=ws.company) if pk is not None else None
    prefix = f"rule{pk}" if pk is not None else "new"
    form = RuleForm(request.POST, company=ws.company, prefix=prefix)
    if form.is_valid():
        try:
            rule_save(company=ws.company, rule=rule, data=_rule_data(form), actor=ws.actor)
        except ScenarioError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Assignment rule saved."))
            return redirect(reverse("editors:scenarios") + "#rules")
    if rule is None:
        return _list_page(request, rule_form=form, status=400)
    return _list_page(request, rule_forms={rule.pk: form}, status=400)


@require_POST
@workspace_view(manager=True)
def rule_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    rule = get_object_or_404(ScenarioRule.objects.select_related("scenario"), pk=pk, company=ws.company)
    rule_delete(rule=rule, actor=ws.actor)
    messages.success(request, _("Assignment rule deleted."))
    return redirect(reverse("editors:scenarios") + "#rules")


# --- one scenario: its steps --------------------------------------------------------------------


def _steps_context(
    request: HttpRequest, scenario: Scenario, *, editing: int | None = None, adding: bool = False,
    form: StepForm | None = None, error: str = "",
) -> dict[str, Any]:  # fmt: skip
    ws = request.ws  # type: ignore[attr-defined]
    company = ws.company
    language = get_language() or "en"
    steps = ordered_steps(scenario)
    names = {}
    for code, channel, name in MessageTemplate.objects.filter(company=company).values_list("code", "channel", "name"):
        names.setdefault((code, channel), name)
    rows = []
    for index, step in enumerate(steps):
        day = (step.trigger, step.offset_days)
        above = index > 0 and (steps[index - 1].trigger, steps[index - 1].offset_days) == day
        below = index + 1 < len(steps) and (steps[index + 1].trigger, steps[index + 1].offset_days) == day
        step_form = None
        if editing == step.pk:
            step_form = form or StepForm(company=company, initial=_step_initial(step))
        rows.append(
            {
                "step": step,
                "form": step_form,
                "channel": CHANNEL_LABELS.get(step.channel, step.channel),
                "mode": MODE_LABELS.get(step.mode, step.mode),
                "template_name": names.get((step.template_code, step.channel), ""),
                "template_missing": bool(step.template_code) and (step.template_code, step.channel) not in names,
                "min_overdue": format_minor(step.min_overdue_minor, company.currency, language)
                if step.min_overdue_minor else "",
                "min_open": format_minor(step.min_open_minor, company.currency, language)
                if step.min_open_minor else "",
                "tags": [t.name for t in step.tags.all()],
                "up": above,
                "down": below,
            }
        )  # fmt: skip
    return {
        "scenario": scenario,
        "rows": rows,
        "editable": ws.can_write and not scenario.is_builtin,
        "adding": adding,
        "add_form": form if adding else None,
        "error": error,
    }


def _step_initial(step: Step) -> dict[str, Any]:
    return {
        "name": step.name, "trigger": step.trigger, "offset_days": step.offset_days, "channel": step.channel,
        "template_code": step.template_code, "mode": step.mode, "min_overdue_minor": step.min_overdue_minor or "",
        "min_open_minor": step.min_open_minor or "", "min_days_since_contact": step.min_days_since_contact,
        "tags": [t.pk for t in step.tags.all()], "cc_buyer": step.cc_buyer, "cc_finance": step.cc_finance,
    }  # fmt: skip


def _scenario_queryset(request: HttpRequest) -> Any:
    return Scenario.objects.filter(company=request.ws.company).prefetch_related(  # type: ignore[attr-defined]
        Prefetch("steps", queryset=Step.objects.prefetch_related("tags"))
    )


@workspace_view(manager=True)
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    editing = request.GET.get("edit")
    adding = request.GET.get("add") == "1" and ws.can_write and not scenario.is_builtin
    form = StepForm(company=ws.company) if adding else None
    edit_id = int(editing) if editing and editing.isdigit() and ws.can_write and not scenario.is_builtin else None
    return _detail_page(request, scenario, editing=edit_id, adding=adding, form=form)


def _detail_page(
    request: HttpRequest, scenario: Scenario, *, status: int = 200, scenario_form: ScenarioForm | None = None,
    **steps: Any,
) -> HttpResponse:  # fmt: skip
    customer_id = request.GET.get("customer", "")
    context = {
        "section": "scenarios",
        "scenario_form": scenario_form
        or ScenarioForm(initial={"name": scenario.name, "description": scenario.description}),
        "copy_form": CopyForm(initial={"name": _("%(name)s (copy)") % {"name": scenario.name}}),
        "customer_id": customer_id if customer_id.isdigit() else "",
        **_steps_context(request, scenario, **steps),
    }
    return render(request, "editors/scenario_detail.html", context, status=status)


@require_POST
@workspace_view(manager=True)
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    form = ScenarioForm(request.POST)
    if form.is_valid():
        try:
            scenario_update(
                scenario=scenario, name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                actor=ws.actor,
            )  # fmt: skip
        except ScenarioError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Scenario saved."))
            return redirect("editors:scenario", pk=pk)
    return _detail_page(request, scenario, scenario_form=form, status=400)


def _steps_response(request: HttpRequest, scenario: Scenario, *, changed: bool, status: int = 200,
                    **steps: Any) -> HttpResponse:  # fmt: skip
    """After a step change: the steps section for htmx (and a signal for the calendar), else the page."""
    if not _is_htmx(request):
        if changed:
            return redirect("editors:scenario", pk=scenario.pk)
        return _detail_page(request, scenario, status=400, **steps)
    response = render(request, "editors/_steps.html", _steps_context(request, scenario, **steps))
    if changed:
        response["HX-Trigger"] = "steps-changed"
    return response


def _step_data(form: StepForm) -> StepData:
    data = form.cleaned_data
    return StepData(
        name=data["name"], trigger=data["trigger"], offset_days=data["offset_days"] or 0, channel=data["channel"],
        template_code=data["template_code"] or "", mode=data["mode"],
        min_overdue_minor=data["min_overdue_minor"] or 0, min_open_minor=data["min_open_minor"] or 0,
        min_days_since_contact=data["min_days_since_contact"] or 0, tag_ids=tuple(t.pk for t in data["tags"]),
        cc_buyer=data["cc_buyer"], cc_finance=data["cc_finance"],
    )  # fmt: skip


@workspace_view(manager=True)
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the empty step form (htmx). POST: add the step."""
    ws = request.ws  # type: ignore[attr-defined]
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    if request.method != "POST":
        if not _is_htmx(request):
            return redirect(reverse("editors:scenario", args=[pk]) + "?add=1#steps")
        return render(request, "editors/_steps.html",
                      _steps_context(request, scenario, adding=True, form=StepForm(company=ws.company)))  # fmt: skip
    form = StepForm(request.POST, company=ws.company)
    if form.is_valid():
        try:
            step_save(scenario=scenario, data=_step_data(form), actor=ws.actor)
        except ScenarioError as error:
            _form_error(form, error)
        else:
            scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
            return _steps_response(request, scenario, changed=True)
    return _steps_response(request, scenario, changed=False, adding=True, form=form)


@workspace_view(manager=True)
def step_edit(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    """GET: the step's form in place of its row (htmx). POST: save it."""
    ws = request.ws  # type: ignore[attr-defined]
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    step = next((s for s in scenario.steps.all() if s.pk == step_id), None)
    if step is None:
        raise Http404
    if request.method != "POST":
        if not _is_htmx(request):
            return redirect(reverse("editors:scenario", args=[pk]) + f"?edit={step_id}#steps")
        return render(request, "editors/_steps.html", _steps_context(request, scenario, editing=step_id))
    form = StepForm(request.POST, company=ws.company)
    if form.is_valid():
        try:
            step_save(scenario=scenario, step=step, data=_step_data(form), actor=ws.actor)
        except ScenarioError as error:
            _form_error(form, error)
        else:
            scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
            return _steps_response(request, scenario, changed=True)
    return _steps_response(request, scenario, changed=False, editing=step_id, form=form)


@workspace_view(manager=True)
def steps_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The steps table alone (htmx: cancel an edit)."""
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    return render(request, "editors/_steps.html", _steps_context(request, scenario))


def _step_of(request: HttpRequest, pk: int, step_id: int) -> Step:
    return get_object_or_404(
        Step.objects.select_related("scenario__company"), pk=step_id, scenario_id=pk,
        scenario__company=request.ws.company,  # type: ignore[attr-defined]
    )  # fmt: skip


@require_POST
@workspace_view(manager=True)
def step_remove(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    step = _step_of(request, pk, step_id)
    error = ""
    try:
        step_delete(step=step, actor=request.ws.actor)  # type: ignore[attr-defined]
    except ScenarioError as exc:
        error = message_for(exc)
        if not _is_htmx(request):
            messages.error(request, error)
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    if not _is_htmx(request):
        return redirect("editors:scenario", pk=pk)
    return _steps_response(request, scenario, changed=not error, error=error)


@require_POST
@workspace_view(manager=True)
def step_reorder(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    step = _step_of(request, pk, step_id)
    error = ""
    try:
        step_move(step=step, direction=1 if request.POST.get("direction") == "down" else -1,
                  actor=request.ws.actor)  # type: ignore[attr-defined]  # fmt: skip
    except ScenarioError as exc:
        error = message_for(exc)
        if not _is_htmx(request):
            messages.error(request, error)
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    if not _is_htmx(request):
        return redirect("editors:scenario", pk=pk)
    return _steps_response(request, scenario, changed=not error, error=error)


# --- the calendar preview -----------------------------------------------------------------------


@workspace_view(manager=True)
def customer_search(request: HttpRequest) -> HttpResponse:
    """Customers matching the search (code or name): to preview a scenario or a template on one."""
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        customers = request.ws.customers(all_customers=True)  # type: ignore[attr-defined]
        found = list(
            customers.filter(Q(code__icontains=query) | Q(name__icontains=query)).order_by("name")[:SEARCH_LIMIT]
        )
    return render(request, "editors/_customer_results.html", {"customers": found, "query": query})


@workspace_view(manager=True)
def scenario_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    scenario = get_object_or_404(_scenario_queryset(request), pk=pk)
    raw = request.GET.get("customer", "")
    customer = ws.customer(raw) if raw.isdigit() else None
    context: dict[str, Any] = {"scenario": scenario, "customer": customer, "section": "scenarios"}
    if customer is not None:
        context["preview"] = preview_for(
            company=ws.company, customer=customer, scenario=scenario, start=company_today(ws.company),
            language=(get_language() or "en")[:2],
        )  # fmt: skip
    query = request.GET.get("q", "").strip()
    if query and not _is_htmx(request):  # the page without JavaScript: customers to choose from
        customers = ws.customers(all_customers=True)
        context["found"] = list(
            customers.filter(Q(code__icontains=query) | Q(name__icontains=query)).order_by("name")[:SEARCH_LIMIT]
        )
    context["view"] = "list" if request.GET.get("view") == "list" else "grid"
    template = "editors/_calendar.html" if _is_htmx(request) else "editors/calendar_page.html"
    return render(request, template, context)
