"""Amounts in the reader's language for the agenda's templates."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from relance.core.money import Money, format_minor

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    if value is None:
        return ""
    return format_minor(value.minor, value.currency, (get_language() or "en")[:2])


@register.filter
def minor_money(minor: int, currency: str) -> str:
    return format_minor(int(minor), currency, (get_language() or "en")[:2])
