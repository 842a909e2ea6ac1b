"""Formatting of the dashboard's figures for the reader's language (amounts, days, percentages)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relance.core.money import Money
from relance.finance.kpis import Kpi

register = template.Library()


def locale() -> str:
    return (get_language() or "en")[:2]


def number(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.0", locale=locale())


@register.filter
def money(value: Money | None) -> str:
    if value is None:
        return ""
    return value.format(locale())


@register.filter
def kpi_days(kpi: Kpi) -> str:
    """67.5 days, ≥ 365.0 days for a lower bound, an en dash when there is no figure."""
    if kpi.value is None:
        return "-"  # no figure
    text = _("%(n)s days") % {"n": number(kpi.value)}
    return f"≥ {text}" if kpi.at_least else text


@register.filter
def kpi_percent(kpi: Kpi) -> str:
    if kpi.value is None:
        return "-"  # no figure
    return number(kpi.value) + ("\u202f%" if locale() == "fr" else "%")


@register.filter
def month_label(value) -> str:  # type: ignore[no-untyped-def]
    return date_format(value, "M Y")


@register.filter
def get(mapping, key):  # type: ignore[no-untyped-def]
    return mapping.get(key, "") if mapping else ""
