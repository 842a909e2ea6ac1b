"""Amounts and dates on the customers pages, in the reader's language."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.utils.translation import get_language

from relance.core.money import Money, format_minor

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    """An amount formatted for the active language (blank for None)."""
    if value is None:
        return ""
    return format_minor(value.minor, value.currency, (get_language() or "en")[:2])


@register.filter
def amount_of(value: object) -> Money | None:
    """The amount of a row that keeps minor units in `amount` and the currency in `currency`."""
    minor, currency = getattr(value, "amount", None), getattr(value, "currency", "")
    return Money(int(minor), currency) if isinstance(minor, int) and currency else None


@register.simple_tag
def query_with(query: QueryDict, **changes: object) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params = query.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def sort_query(query: QueryDict, column: str) -> str:
    """The query string that sorts by `column`, flipping the direction when it is already sorted by it."""
    params = query.copy()
    current = params.get("sort", "overdue")
    descending = params.get("dir", "desc" if current in ("overdue", "open") else "asc") == "desc"
    params["sort"] = column
    params["dir"] = ("asc" if descending else "desc") if current == column else _default_dir(column)
    params.pop("page", None)
    return "?" + params.urlencode()


def _default_dir(column: str) -> str:
    return "desc" if column in ("open", "overdue", "last_action") else "asc"
