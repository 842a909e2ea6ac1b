"""Shared option for commands that work on one company."""

from __future__ import annotations

from django.core.management.base import CommandError

from relance.ledger.models import Company


def add_company_argument(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--company", help="company id or exact name (optional when there is only one)")


def resolve_company(value: str | None) -> Company:
    companies = Company.objects.all()
    if value:
        found = companies.filter(pk=int(value)) if value.isdigit() else companies.filter(name=value)
        company = found.first()
        if company is None:
            raise CommandError(f"no company {value!r}; companies: {', '.join(f'{c.pk}={c.name}' for c in companies)}")
        return company
    count = companies.count()
    if count == 1:
        return companies.get()
    if count == 0:
        raise CommandError("no company yet: create one with `relance createcompany` (or run `relance demo`)")
    raise CommandError(
        f"several companies, choose one with --company: {', '.join(f'{c.pk}={c.name}' for c in companies)}"
    )
