"""Ledger models: who is owed what by whom, exactly, at any date."""

from relance.ledger.models.company import Company, Membership, Tag
from relance.ledger.models.customers import Contact, Customer, CustomerStatus
from relance.ledger.models.imports import ImportKind, ImportMapping, ImportMode, ImportRun, ImportStatus
from relance.ledger.models.items import (
    REVIEW_NEVER,
    REVIEW_NOW,
    Allocation,
    AllocationKind,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
)

__all__ = [
    "REVIEW_NEVER",
    "REVIEW_NOW",
    "Allocation",
    "AllocationKind",
    "Company",
    "Contact",
    "Customer",
    "CustomerStatus",
    "ImportKind",
    "ImportMapping",
    "ImportMode",
    "ImportRun",
    "ImportStatus",
    "Invoice",
    "InvoiceKind",
    "Membership",
    "Payment",
    "PaymentMethod",
    "Tag",
]
