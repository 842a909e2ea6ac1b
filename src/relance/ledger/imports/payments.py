"""Import of payments, each optionally allocated to the invoice the file names."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, Sum

from relance.core.money import MoneyError, to_minor
from relance.ledger.imports.common import ImportContext
from relance.ledger.models import Allocation, AllocationKind, Customer, Invoice, InvoiceKind, Payment

PAYMENT_FIELDS = ("customer_id", "date", "amount", "currency", "method", "reference")


class PaymentImporter:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        company = ctx.company
        self.customers = {
            code: (pk, currency or company.currency)
            for code, pk, currency in Customer.objects.filter(company=company).values_list("code", "pk", "currency")
        }
        self.seen: dict[str, int] = {}

    def process(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        ctx, header = self.ctx, self.ctx.reader.header_of
        invoices = {
            inv.number: inv
            for inv in Invoice.objects.filter(
                company=ctx.company,
                kind__in=[InvoiceKind.INVOICE, InvoiceKind.DEBIT_NOTE],
                number__in=[v["invoice_number"] for _r, v in batch if v.get("invoice_number")],
            )
        }
        valid = []
        for row, values in batch:
            errors_before = len(ctx.errors)
            ref = values["external_ref"]
            if ref in self.seen:
                ctx.error(
                    row, header("external_ref"), f"{ref} appears twice in the file (first on row {self.seen[ref]})"
                )
            self.seen.setdefault(ref, row)
            customer = self.customers.get(values["customer_code"])
            if customer is None:
                ctx.error(row, header("customer_code"), f"unknown customer code {values['customer_code']!r}")
                customer = (0, ctx.company.currency)
            currency = values.get("currency") or customer[1]
            amount = 0
            try:
                amount = to_minor(values["amount"], currency)
            except MoneyError as exc:
                ctx.error(row, header("amount"), str(exc))
            if amount <= 0 and len(ctx.errors) == errors_before:
                ctx.error(row, header("amount"), "a payment amount must be positive")
            if values["date"] > ctx.as_of:
                ctx.error(row, header("date"), f"payment date {values['date'].isoformat()} is in the future")
            invoice = None
            if values.get("invoice_number"):
                invoice = invoices.get(values["invoice_number"])
                if invoice is None:
                    ctx.error(row, header("invoice_number"), f"unknown invoice {values['invoice_number']!r}")
                elif invoice.customer_id != customer[0] or invoice.currency != currency:
                    ctx.error(row, header("invoice_number"),
                              f"invoice {invoice.number} belongs to another customer or currency")  # fmt: skip
            if len(ctx.errors) == errors_before:
                data = {
                    "customer_id": customer[0],
                    "date": values["date"],
                    "amount": amount,
                    "currency": currency,
                    "method": values.get("method", "transfer"),
                    "reference": values.get("reference", ""),
                }
                valid.append((ref, data, invoice))
        if not ctx.writing:
            return
        existing = {
            p.external_ref: p
            for p in Payment.objects.filter(company=ctx.company, external_ref__in=[r for r, _d, _i in valid])
        }
        for ref, data, invoice in valid:
            payment = existing.get(ref)
            if payment is None:
                payment = Payment.objects.create(company=ctx.company, external_ref=ref, **data)
                ctx.counters.created += 1
            elif any(getattr(payment, k) != v for k, v in data.items()):
                for k, v in data.items():
                    setattr(payment, k, v)
                payment.save()
                ctx.counters.updated += 1
            else:
                ctx.counters.unchanged += 1
            if invoice is not None:
                self._allocate(payment, invoice)

    def note_bad_row(self, row: int, values: dict[str, Any]) -> None:
        if values.get("external_ref"):
            self.seen.setdefault(values["external_ref"], row)

    def _allocate(self, payment: Payment, invoice: Invoice) -> None:
        if Allocation.objects.filter(payment=payment, invoice=invoice).exists():
            return
        used = Allocation.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] or 0
        paid = Allocation.objects.filter(Q(invoice=invoice)).aggregate(s=Sum("amount"))["s"] or 0
        amount = min(payment.amount - used, invoice.amount - paid)
        if amount > 0:
            Allocation.objects.create(
                company=self.ctx.company, invoice=invoice, kind=AllocationKind.PAYMENT, payment=payment,
                amount=amount, date=max(payment.date, invoice.issue_date),
            )  # fmt: skip

    def finish(self) -> None:
        pass
