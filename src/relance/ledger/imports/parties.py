"""Import of customers and of their contacts (modest volumes: the ORM is fast enough)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from relance.ledger.imports.common import ImportContext
from relance.ledger.models import Contact, Customer, Tag

CUSTOMER_FIELDS = (
    "name",
    "legal_id",
    "vat_id",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "language",
    "currency",
    "payment_terms_days",
    "status",
)


class CustomerImporter:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.seen: dict[str, int] = {}
        self.tags: dict[str, Tag] = {t.name.lower(): t for t in Tag.objects.filter(company=ctx.company)}
        self.collectors: dict[str, Any] = {}

    def _collector(self, row: int, ref: str) -> Any:
        if ref not in self.collectors:
            user_model = get_user_model()
            user = (
                user_model.objects.filter(Q(email__iexact=ref) | Q(username=ref))
                .filter(Q(memberships__company=self.ctx.company) | Q(is_superuser=True))
                .distinct()
                .first()
            )
            self.collectors[ref] = user
        if self.collectors[ref] is None:
            self.ctx.error(row, self.ctx.reader.header_of("collector"), f"no user {ref!r} in this company")
        return self.collectors[ref]

    def process(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        ctx = self.ctx
        valid: list[tuple[int, dict[str, Any]]] = []
        for row, values in batch:
            code = values["code"]
            errors_before = len(ctx.errors)
            if code in self.seen:
                ctx.error(
                    row,
                    ctx.reader.header_of("code"),
                    f"{code} appears twice in the file (first on row {self.seen[code]})",
                )
            self.seen.setdefault(code, row)
            if values.get("collector"):
                values["collector"] = self._collector(row, values["collector"])
            if len(ctx.errors) == errors_before:
                valid.append((row, values))
        if not ctx.writing or not valid:
            return
        existing = {
            c.code: c for c in Customer.objects.filter(company=ctx.company, code__in=[v["code"] for _r, v in valid])
        }
        new_customers: list[tuple[Customer, list[str] | None]] = []
        for _row, values in valid:
            customer = existing.get(values["code"])
            if customer is None:
                # New customers are written together at the end of the batch (one INSERT for all).
                customer = Customer(company=ctx.company, code=values["code"], language=ctx.company.language)
                for name in (*CUSTOMER_FIELDS, "collector"):
                    if name in values:
                        setattr(customer, name, values[name])
                new_customers.append((customer, values.get("tags")))
                continue
            changed = False
            for name in (*CUSTOMER_FIELDS, "collector"):
                if name in values and getattr(customer, name) != values[name]:
                    setattr(customer, name, values[name])
                    changed = True
            if changed:
                customer.save()
            if "tags" in values:
                wanted = [self._tag(name) for name in values["tags"]]
                if {t.pk for t in customer.tags.all()} != {t.pk for t in wanted}:
                    customer.tags.set(wanted)
                    changed = True
            if changed:
                ctx.counters.updated += 1
            else:
                ctx.counters.unchanged += 1
        if new_customers:
            Customer.objects.bulk_create([customer for customer, _tags in new_customers], batch_size=1000)
            through = Customer.tags.through
            links = [
                through(customer_id=customer.pk, tag_id=self._tag(name).pk)
                for customer, tags in new_customers
                for name in dict.fromkeys(tags or ())
            ]
            through.objects.bulk_create(links, batch_size=2000)
            ctx.counters.created += len(new_customers)

    def note_bad_row(self, row: int, values: dict[str, Any]) -> None:
        if values.get("code"):
            self.seen.setdefault(values["code"], row)

    def _tag(self, name: str) -> Tag:
        key = name.lower()
        if key not in self.tags:
            self.tags[key] = Tag.objects.create(company=self.ctx.company, name=name)
        return self.tags[key]

    def finish(self) -> None:
        pass


class ContactImporter:
    """Contacts are identified by their ERP id when the file has one, else by customer + e-mail,
    else by customer + name."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.customers = dict(Customer.objects.filter(company=ctx.company).values_list("code", "pk"))
        self.seen: dict[tuple[str, str, str], int] = {}

    def note_bad_row(self, row: int, values: dict[str, Any]) -> None:
        identity = self._identity(values)
        if identity is not None and values.get("customer_code"):
            self.seen.setdefault((values["customer_code"], identity[0], identity[1]), row)

    def _identity(self, values: dict[str, Any]) -> tuple[str, str] | None:
        for field in ("external_ref", "email", "name"):
            if values.get(field):
                return field, str(values[field]).lower()
        return None

    def process(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        ctx = self.ctx
        valid = []
        for row, values in batch:
            errors_before = len(ctx.errors)
            customer_id = self.customers.get(values["customer_code"])
            if customer_id is None:
                ctx.error(
                    row, ctx.reader.header_of("customer_code"), f"unknown customer code {values['customer_code']!r}"
                )
            identity = self._identity(values)
            if identity is None:
                ctx.error(row, ctx.reader.header_of("email"), "a contact needs at least a name or an e-mail")
            else:
                key = (values["customer_code"], *identity)
                if key in self.seen:
                    ctx.error(
                        row,
                        ctx.reader.header_of(identity[0]),
                        f"the same contact appears twice (first on row {self.seen[key]})",
                    )  # type: ignore[index]
                self.seen.setdefault(key, row)  # type: ignore[arg-type]
            if len(ctx.errors) == errors_before and customer_id is not None and identity is not None:
                valid.append((customer_id, identity, values))
        if not ctx.writing:
            return
        for customer_id, identity, values in valid:
            field, value = identity
            lookup = {f"{field}__iexact": value}
            contact = Contact.objects.filter(company=ctx.company, customer_id=customer_id, **lookup).first()
            created = contact is None
            if contact is None:
                contact = Contact(company=ctx.company, customer_id=customer_id)
            data: dict[str, Any] = {
                k: values[k]
                for k in ("external_ref", "name", "email", "phone", "language", "is_primary")
                if k in values
            }
            if "roles" in values:
                roles = values["roles"]
                data |= {"is_accounts_payable": "accounts_payable" in roles, "is_buyer": "buyer" in roles,
                         "is_finance": "finance" in roles, "is_other": "other" in roles}  # fmt: skip
            changed = any(getattr(contact, k) != v for k, v in data.items())
            for k, v in data.items():
                setattr(contact, k, v)
            if created or changed:
                contact.save()
            if created:
                ctx.counters.created += 1
            elif changed:
                ctx.counters.updated += 1
            else:
                ctx.counters.unchanged += 1

    def finish(self) -> None:
        pass
