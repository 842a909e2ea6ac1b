"""Writes to the ledger. Each service: keyword-only arguments, an actor, one transaction, an audit event.

Imports have their own module (`ledger.imports.service.import_file`); it is re-exported here so
callers find every ledger write in one place.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from relance.core.audit import Actor, record
from relance.core.changes import fields_update
from relance.core.errors import RelanceError
from relance.ledger.imports.service import ImportResult, import_file
from relance.ledger.models import Allocation, AllocationKind, Company, Invoice, InvoiceKind, Payment
from relance.ledger.validators import LOGO_TYPES, logo_format

__all__ = [
    "COMPANY_EDITABLE_FIELDS",
    "ImportResult",
    "allocation_create",
    "company_create",
    "company_logo_set",
    "company_update",
    "import_file",
]


class AllocationError(RelanceError):
    code = "ledger.allocation"


@transaction.atomic
def company_create(*, actor: Actor, name: str, **fields: str) -> Company:
    company = Company(name=name, **{k: v for k, v in fields.items() if v})
    company.full_clean()
    company.save()
    record(actor=actor, code="ledger.company.created", company=company, obj=company, data={"name": name})
    return company


# What the workspace's settings page may change (never created_at, never the logo: see company_logo_set).
COMPANY_EDITABLE_FIELDS = frozenset(
    {
        "name", "legal_name", "legal_id", "vat_id", "address_line1", "address_line2", "postal_code", "city",
        "country", "currency", "timezone", "language", "email", "phone", "website", "iban", "bic",
        "default_payment_terms_days", "penalties_enabled", "penalty_rule", "penalty_contract_rate",
        "penalty_contract_fee", "penalty_rate_of_delay_start",
    }
)  # fmt: skip


def company_update(*, company: Company, values: dict[str, object], actor: Actor) -> list[str]:
    """Change a company's identity, bank details or penalty options. Returns the changed fields
    (an audit event `ledger.company.updated` names them with their old and new values)."""
    unknown = set(values) - COMPANY_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    values = dict(values)
    if "iban" in values:
        values["iban"] = "".join(str(values["iban"]).split()).upper()
    if "bic" in values:
        values["bic"] = str(values["bic"]).replace(" ", "").upper()
    if "vat_id" in values:
        values["vat_id"] = str(values["vat_id"]).replace(" ", "").upper()
    return fields_update(
        instance=company, values=values, actor=actor, code="ledger.company.updated", company=company,
        exclude_from_validation=("logo",),
    )  # fmt: skip


@transaction.atomic
def company_logo_set(*, company: Company, upload: object | None, actor: Actor) -> Company:
    """Replace (or with None remove) the logo printed on the company's PDFs. PNG or JPEG only,
    1 MB at most (ValidationError otherwise); the previous file is deleted once committed."""
    old_name = company.logo.name if company.logo else ""
    if upload is None:
        if not old_name:
            return company
        company.logo = None  # type: ignore[assignment]
        company.save(update_fields=["logo"])
        data: dict[str, object] = {"removed": old_name}
    else:
        found = logo_format(upload)
        company.logo.save(f"company-{company.pk}{LOGO_TYPES[found][1]}", upload, save=False)  # type: ignore[arg-type]
        company.save(update_fields=["logo"])
        data = {"file": company.logo.name, "format": found, "size": getattr(upload, "size", 0)}
    if old_name and old_name != company.logo.name:
        storage = company.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    record(actor=actor, code="ledger.company.logo_changed", company=company, obj=company, data=data)
    return company


def _used(queryset: object) -> int:
    return int(queryset.aggregate(total=Sum("amount"))["total"] or 0)  # type: ignore[attr-defined]


@transaction.atomic
def allocation_create(
    *,
    actor: Actor,
    invoice: Invoice,
    amount: int,
    date: dt.date,
    payment: Payment | None = None,
    credit_note: Invoice | None = None,
) -> Allocation:
    """Apply part of a payment or of a credit note to an invoice or debit note, on a date.

    Refuses mixing companies, customers or currencies, and over-allocation of either side.
    """
    if (payment is None) == (credit_note is None):
        raise AllocationError("give either a payment or a credit note")
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise AllocationError("a credit note cannot receive an allocation")
    source = payment if payment is not None else credit_note
    assert source is not None
    if credit_note is not None and credit_note.kind != InvoiceKind.CREDIT_NOTE:
        raise AllocationError(f"{credit_note} is not a credit note")
    if source.company_id != invoice.company_id or source.customer_id != invoice.customer_id:
        raise AllocationError("the payment or credit note belongs to another company or customer")
    if source.currency != invoice.currency:
        raise AllocationError(f"cannot allocate {source.currency} to an invoice in {invoice.currency}")
    if amount <= 0:
        raise AllocationError("an allocation amount must be positive")
    invoice_open = invoice.amount - _used(Allocation.objects.select_for_update().filter(invoice=invoice))
    if payment is not None:
        source_left = payment.amount - _used(Allocation.objects.select_for_update().filter(payment=payment))
    else:
        source_left = source.amount - _used(Allocation.objects.select_for_update().filter(credit_note=credit_note))
    if amount > invoice_open:
        raise AllocationError(f"{invoice} has only {invoice_open} (minor units) open")
    if amount > source_left:
        raise AllocationError(f"only {source_left} (minor units) of {source} is left to allocate")
    allocation = Allocation(
        company_id=invoice.company_id, invoice=invoice, amount=amount, date=date, payment=payment,
        credit_note=credit_note, kind=AllocationKind.PAYMENT if payment is not None else AllocationKind.CREDIT_NOTE,
    )  # fmt: skip
    try:
        allocation.full_clean()
    except ValidationError as exc:
        raise AllocationError(str(exc)) from exc
    allocation.save()
    record(
        actor=actor, code="ledger.allocation.created", company=invoice.company, customer=invoice.customer,
        obj=allocation, data={"invoice": invoice.number, "amount": amount, "date": date.isoformat(),
                              "source": getattr(source, "number", None) or getattr(source, "external_ref", "")},
    )  # fmt: skip
    return allocation
