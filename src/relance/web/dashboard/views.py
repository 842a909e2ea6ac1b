"""Workspace: the dashboard (DSO, aging, overdue trend, CEI, promises, disputes, collectors' work).

One GET renders everything; `export` gives the same figures as one Excel workbook. Both read only
through `request.ws` (the current company, the user's portfolio) and change nothing, so a
read-only member may use them; any other method is refused (403 for read-only members, by
`workspace_view`; 405 for the others).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from relance.accounts.models import Role, User
from relance.core.money import Money
from relance.ledger.models import Membership, Tag
from relance.ledger.selectors import company_today
from relance.web.access import workspace_view
from relance.web.dashboard.charts import Chart, bar_chart, compact, stacked_chart
from relance.web.dashboard.excel import dashboard_xlsx
from relance.web.dashboard.figures import (
    DEFAULT_PERIOD,
    OVERDUE_BUCKETS,
    CurrencyBlock,
    Dashboard,
    Scope,
    dashboard_figures,
)
from relance.web.dashboard.forms import UNASSIGNED, DashboardFilters

BUCKET_CSS = {"not_due": "nd", "days_1_30": "b1", "days_31_60": "b2", "days_61_90": "b3", "days_over_90": "b4"}


def _filters(request: HttpRequest) -> tuple[DashboardFilters, Scope, dt.date, int, str]:
    """The filter form, the scope it selects, the date, the period and a sentence describing the scope."""
    ws = request.ws  # type: ignore[attr-defined]
    company = ws.company
    today = company_today(company)
    restricted = not ws.sees_all
    collectors: list[User] | None = None
    if not restricted:
        collectors = [
            m.user
            for m in Membership.objects.filter(
                company=company, role__in=(Role.COLLECTOR, Role.CREDIT_MANAGER, Role.ADMINISTRATOR)
            )
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user__username")
        ]
    tags = list(Tag.objects.filter(company=company).order_by("name"))
    form = DashboardFilters(request.GET or None, company=company, today=today, collectors=collectors, tags=tags)
    as_of = form.choice("as_of", today)
    months = int(form.choice("period", DEFAULT_PERIOD))  # type: ignore[call-overload]
    customers = ws.customers(all_customers=True)
    collector: User | None = None
    unassigned = False
    parts = []
    if restricted:
        collector = ws.user
        parts.append(_("your portfolio"))
    else:
        wanted = str(form.choice("collector", ""))
        if wanted == UNASSIGNED:
            unassigned = True
            customers = customers.filter(collector__isnull=True)
            parts.append(_("customers without a collector"))
        elif wanted:
            collector = next(user for user in collectors or [] if str(user.pk) == wanted)
            customers = customers.filter(collector_id=collector.pk)
            parts.append(_("portfolio of %(name)s") % {"name": collector.get_full_name() or collector.username})
        else:
            parts.append(_("whole company"))
    tag: Tag | None = None
    wanted_tag = str(form.choice("tag", ""))
    if wanted_tag:
        tag = next(t for t in tags if str(t.pk) == wanted_tag)
        customers = customers.filter(tags=tag)
        parts.append(_("customers tagged “%(tag)s”") % {"tag": tag.name})
    scope = Scope(customers=customers, collector=collector, unassigned=unassigned, tag=tag)
    return form, scope, as_of, months, ", ".join(str(p) for p in parts)  # type: ignore[return-value]


def _locale() -> str:
    return (get_language() or "en")[:2]


def _aging_chart(block: CurrencyBlock) -> Chart:
    locale = _locale()
    return bar_chart(
        title=_("Receivables by age, %(currency)s") % {"currency": block.currency},
        desc=", ".join(f"{bar.label}: {bar.amount.format(locale)}" for bar in block.aging),
        bars=[
            (bar.label, bar.amount.minor, BUCKET_CSS[bar.key], compact(bar.amount.minor, block.currency, locale))
            for bar in block.aging
        ],
        currency=block.currency,
        locale=locale,
    )


def _trend_chart(block: CurrencyBlock) -> Chart:
    locale = _locale()
    columns = []
    for row in block.trend:
        label = date_format(row.month, "M y")
        parts = [
            (row.buckets[key].minor, BUCKET_CSS[key], f"{name}: {row.buckets[key].format(locale)}")
            for key, name in OVERDUE_BUCKETS
        ]
        columns.append((label, parts, compact(row.overdue.minor, block.currency, locale)))
    return stacked_chart(
        title=_("Overdue receivables at each month's end, %(currency)s") % {"currency": block.currency},
        desc=", ".join(f"{date_format(row.month, 'F Y')}: {row.overdue.format(locale)}" for row in block.trend),
        columns=columns,
        legend=[(BUCKET_CSS[key], str(name)) for key, name in OVERDUE_BUCKETS],
        currency=block.currency,
        locale=locale,
    )


def _example_money(amount: int) -> str:
    return Money(amount * 100, "EUR").format(_locale())


@workspace_view
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    form, scope, as_of, months, scope_label = _filters(request)
    board = dashboard_figures(company=request.ws.company, scope=scope, as_of=as_of, months=months)  # type: ignore[attr-defined]
    blocks = [
        {"block": block, "aging_chart": _aging_chart(block), "trend_chart": _trend_chart(block)}
        for block in board.blocks
    ]
    context: dict[str, Any] = {
        "section": "dashboard",
        "form": form,
        "board": board,
        "blocks": blocks,
        "scope_label": scope_label,
        "tag_filter": scope.tag is not None,
        "bucket_css": BUCKET_CSS,
        "query": request.GET.urlencode(),
        "example": {
            name: _example_money(value)
            for name, value in {
                "r": 405,
                "s1": 205,
                "s2": 158,
                "s3": 167,
                "left1": 200,
                "left2": 42,
                "total": 530,
                "current": 250,
            }.items()
        },
    }
    return render(request, "dashboard/index.html", context)


@workspace_view
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """Every figure of the page, as the page shows it, in one workbook (a sheet per group)."""
    _form, scope, as_of, months, scope_label = _filters(request)
    company = request.ws.company  # type: ignore[attr-defined]
    board: Dashboard = dashboard_figures(company=company, scope=scope, as_of=as_of, months=months)
    content = dashboard_xlsx(company=company, board=board, scope_label=scope_label, language=_locale())
    name = f"dashboard-{slugify(company.name) or 'company'}-{as_of.isoformat()}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
