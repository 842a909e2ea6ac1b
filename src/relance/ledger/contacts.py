"""A customer's contacts as collectors keep them: added or corrected from the customer's page.

    contact_save(actor=a, customer=k, data=ContactData(name="Alice", email="ap@x.example", ...))
    contact_save(actor=a, customer=k, data=..., contact=existing)   # an edit

One transaction and one audit event each (`ledger.contact.added` / `ledger.contact.changed`, with
the fields changed). Correcting an e-mail address clears its bounce mark, so reminders use it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.ledger.models import Contact, Customer

FIELDS = ("name", "email", "phone", "language", "is_accounts_payable", "is_buyer", "is_finance", "is_other",
          "is_primary")  # fmt: skip


class ContactError(RelanceError):
    code = "ledger.contact"


@dataclass(frozen=True, slots=True)
class ContactData:
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    is_accounts_payable: bool = False
    is_buyer: bool = False
    is_finance: bool = False
    is_other: bool = False
    is_primary: bool = False


@transaction.atomic
def contact_save(*, actor: Actor, customer: Customer, data: ContactData, contact: Contact | None = None) -> Contact:
    """Add a contact to the customer, or change one of theirs. ContactError when it has neither a
    name nor an e-mail address, or a value is invalid."""
    if contact is not None and (contact.customer_id != customer.pk or contact.company_id != customer.company_id):
        raise ContactError("this contact belongs to another customer")
    if not (data.name.strip() or data.email.strip()):
        raise ContactError("give the contact a name or an e-mail address")
    adding = contact is None
    target = contact or Contact(company=customer.company, customer=customer)
    changed = []
    for name in FIELDS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(target, name) != value:
            changed.append(name)
            setattr(target, name, value)
    if "email" in changed:
        target.email_failed_at, target.email_failed_reason = None, ""
    try:
        target.full_clean()
    except ValidationError as error:
        raise ContactError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from error
    if not adding and not changed:
        return target
    target.save()
    if data.is_primary:
        Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=target.pk).update(is_primary=False)
    record(
        actor=actor, code="ledger.contact.added" if adding else "ledger.contact.changed", company=customer.company,
        customer=customer, obj=target, data={"contact": target.name or target.email, "changed": changed},
    )  # fmt: skip
    return target
