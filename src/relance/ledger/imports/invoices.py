"""Import of invoices, credit notes and debit notes: the high-volume path.

Rows are checked, then written per batch with plain `executemany` statements (the ORM's
per-object overhead would cost 5x at a million rows). Identity is company + kind + number, so
re-importing a file changes nothing. An `open_amount` column or a `settled_date` column records
what the ERP says was settled, as a dated *settlement* allocation. In snapshot mode every item
open before the import and absent from the file is closed the same way, dated the import day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from relance.core.money import MoneyError, to_minor
from relance.ledger.imports.common import ImportContext
from relance.ledger.models import REVIEW_NOW, Customer, InvoiceKind
from relance.ledger.selectors import open_item_rows

INVOICE_COLUMNS = (
    "company_id",
    "customer_id",
    "kind",
    "number",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "po_number",
    "pdf",
    "pdf_url",
    "review_on",
    "created_at",
    "updated_at",
)
ALLOCATION_COLUMNS = (
    "company_id",
    "invoice_id",
    "kind",
    "payment_id",
    "credit_note_id",
    "amount",
    "date",
    "note",
    "created_at",
)
UPDATABLE = ("customer_id", "issue_date", "due_date", "amount", "currency", "po_number", "pdf_url")


class InvoiceImporter:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        company = ctx.company
        self.customers: dict[str, tuple[int, str, int]] = {
            code: (pk, currency or company.currency, terms if terms is not None else company.default_payment_terms_days)
            for pk, code, currency, terms in Customer.objects.filter(company=company).values_list(
                "pk", "code", "currency", "payment_terms_days"
            )
        }
        self.kind_mapped = any(c.field == "kind" for c in ctx.reader.columns)
        self.seen: dict[tuple[str, str], int] = {}
        self.bad_numbers: set[str] = set()
        self.new_customers: dict[str, tuple[int, str]] = {}
        self.created_customers = 0
        # Snapshot: what was open before the import; whatever the file does not mention is closed.
        self.open_before: dict[int, tuple[str, str, int]] = {}
        if ctx.snapshot:
            for kind, pk, number, open_minor in open_item_rows(company=company, as_of=ctx.as_of):
                if kind != "payment":
                    self.open_before[pk] = (kind, number, abs(open_minor))
        self.ops = connection.ops

    # --- validation -----------------------------------------------------------------------------
    def _check(self, row: int, v: dict[str, Any]) -> dict[str, Any] | None:
        ctx, header = self.ctx, self.ctx.reader.header_of
        number = v["number"]
        ok = True
        kind = str(v.get("kind") or InvoiceKind.INVOICE)  # a plain str: a million enum keys would slow the GC
        key = (kind, number)
        if key in self.seen:
            ctx.error(row, header("number"), f"{number} appears twice in the file (first on row {self.seen[key]})")
            ok = False
        else:
            self.seen[key] = row
        code = v["customer_code"]
        customer = self.customers.get(code)
        if customer is None and ctx.create_customers:
            customer = (0, ctx.company.currency, ctx.company.default_payment_terms_days)
            self.new_customers.setdefault(code, (row, v.get("customer_name") or code))
        if customer is None:
            ctx.error(row, header("customer_code"), f"unknown customer code {code!r}")
            ok = False
            customer = (0, ctx.company.currency, ctx.company.default_payment_terms_days)
        currency = v.get("currency") or customer[1]
        amount = v["amount"]
        if amount < 0:
            if self.kind_mapped and kind == InvoiceKind.CREDIT_NOTE:
                amount = -amount
            else:
                ctx.error(
                    row,
                    header("amount"),
                    f"negative amount {amount} for an invoice; a credit note needs a "
                    f"type column saying credit note (or avoir)",
                )
                ok = False
        elif amount == 0:
            ctx.error(row, header("amount"), "the amount is zero")
            ok = False
        minor = open_minor = 0
        try:
            minor = to_minor(abs(amount), currency)
            if "open_amount" in v:
                open_minor = to_minor(abs(v["open_amount"]), currency)
        except MoneyError as exc:
            ctx.error(row, header("amount"), str(exc))
            ok = False
        issue = v["issue_date"]
        due = v.get("due_date") or issue + dt.timedelta(days=customer[2])
        if due < issue:
            ctx.error(
                row, header("due_date"), f"due date {due.isoformat()} is before the issue date {issue.isoformat()}"
            )
            ok = False
        if issue > ctx.as_of + dt.timedelta(days=366):
            ctx.error(row, header("issue_date"), f"issue date {issue.isoformat()} is more than a year ahead")
            ok = False
        if "open_amount" in v and ok and open_minor > minor:
            ctx.error(row, header("open_amount"), "the open amount is larger than the amount")
            ok = False
        settled = v.get("settled_date")
        if settled is not None and (settled < issue or settled > ctx.as_of):
            reason = "before the issue date" if settled < issue else "in the future"
            ctx.error(row, header("settled_date"), f"settled date {settled.isoformat()} is {reason}")
            ok = False
        if not ok:
            self.bad_numbers.add(number)
            return None
        return {
            "row": row, "kind": kind, "number": number, "customer_code": code, "customer_id": customer[0],
            "issue_date": issue, "due_date": due, "amount": minor, "currency": currency,
            "po_number": v.get("po_number", ""), "pdf_url": v.get("pdf_url", ""),
            "open_amount": open_minor if "open_amount" in v else None, "settled_date": settled,
        }  # fmt: skip

    def note_bad_row(self, row: int, values: dict[str, Any]) -> None:
        number = values.get("number")
        if number:
            self.bad_numbers.add(number)
            self.seen.setdefault((values.get("kind", InvoiceKind.INVOICE), number), row)

    # --- batches --------------------------------------------------------------------------------
    def process(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        records = [r for r in (self._check(row, values) for row, values in batch) if r is not None]
        if not self.ctx.writing or not records:
            return
        self._create_customers()
        for record in records:
            if record["customer_id"] == 0:
                record["customer_id"] = self.customers[record["customer_code"]][0]
        existing = self._existing(records)
        now = self.ops.adapt_datetimefield_value(timezone.now())
        to_insert, to_update, settle = [], [], []
        for record in records:
            current = existing.get((record["kind"], record["number"]))
            if current is None:
                to_insert.append(record)
                continue
            record["id"] = current["id"]
            self.open_before.pop(current["id"], None)
            changed = [
                name
                for name in UPDATABLE
                if current[name] != record[name] and not (name == "pdf_url" and not record[name])
            ]
            if changed:
                to_update.append(record)
            target = self._target_open(record)
            if target is not None and target != current["open"]:
                settle.append((record, current["open"] - target))
            if changed or (target is not None and target != current["open"]):
                self.ctx.counters.updated += 1
            else:
                self.ctx.counters.unchanged += 1
        self._insert(to_insert, now)
        self.ctx.counters.created += len(to_insert)
        for record in to_insert:
            target = self._target_open(record)
            if target is not None and target != record["amount"]:
                settle.append((record, record["amount"] - target))
        if to_update:
            self._update(to_update, now)
        if settle:
            self._settle(settle, now)

    def _target_open(self, record: dict[str, Any]) -> int | None:
        """What the file says is still open, or None when it does not say."""
        if record["settled_date"] is not None:
            return 0
        return record["open_amount"]

    def _numbers_by_kind(self, records: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
        by_kind: dict[str, set[str]] = {}
        for record in records:
            by_kind.setdefault(record["kind"], set()).add(record["number"])
        return {kind: sorted(numbers) for kind, numbers in by_kind.items()}

    def _existing(self, records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The invoices of this batch already in the ledger, with their open amount.

        Queried per kind so that the unique index (company, kind, number) serves every lookup.
        """
        result = {}
        for kind, numbers in self._numbers_by_kind(records).items():
            source = "credit_note_id" if kind == InvoiceKind.CREDIT_NOTE else "invoice_id"
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT i.id, i.number, i.customer_id, i.issue_date, i.due_date, i.amount, i.currency, "  # noqa: S608
                    "i.po_number, i.pdf_url, i.amount - COALESCE("
                    f"(SELECT SUM(a.amount) FROM ledger_allocation a WHERE a.{source} = i.id), 0) "
                    f"FROM ledger_invoice i WHERE i.company_id = %s AND i.kind = %s "
                    f"AND i.number IN ({','.join(['%s'] * len(numbers))})",
                    [self.ctx.company.pk, kind, *numbers],
                )
                rows = cursor.fetchall()
            for pk, number, customer_id, issue, due, amount, currency, po, pdf_url, open_amount in rows:
                result[(kind, number)] = {
                    "id": pk, "customer_id": customer_id, "issue_date": _date(issue), "due_date": _date(due),
                    "amount": int(amount), "currency": currency, "po_number": po, "pdf_url": pdf_url,
                    "open": int(open_amount),
                }  # fmt: skip
        return result

    def _insert(self, records: list[dict[str, Any]], now: Any) -> None:
        if not records:
            return
        adapt = self.ops.adapt_datefield_value
        company_id = self.ctx.company.pk
        review_now = adapt(REVIEW_NOW)
        rows = [
            (company_id, r["customer_id"], r["kind"], r["number"], adapt(r["issue_date"]), adapt(r["due_date"]),
             r["amount"], r["currency"], r["po_number"], "", r["pdf_url"], review_now, now, now)
            for r in records
        ]  # fmt: skip
        _executemany("ledger_invoice", INVOICE_COLUMNS, rows)
        needing_ids = [r for r in records if r["settled_date"] is not None or r["open_amount"] is not None]
        if needing_ids:
            ids = self._ids_by_number(needing_ids)
            for record in needing_ids:
                record["id"] = ids[(record["kind"], record["number"])]

    def _ids_by_number(self, records: Iterable[dict[str, Any]]) -> dict[tuple[str, str], int]:
        ids = {}
        for kind, numbers in self._numbers_by_kind(records).items():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT number, id FROM ledger_invoice WHERE company_id = %s AND kind = %s AND number IN "  # noqa: S608
                    f"({','.join(['%s'] * len(numbers))})",
                    [self.ctx.company.pk, kind, *numbers],
                )
                ids.update({(kind, number): pk for number, pk in cursor.fetchall()})
        return ids

    def _update(self, records: list[dict[str, Any]], now: Any) -> None:
        adapt = self.ops.adapt_datefield_value
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE ledger_invoice SET review_on = %s, customer_id = %s, issue_date = %s, due_date = %s, "
                "amount = %s, currency = %s, po_number = %s, pdf_url = CASE WHEN %s = '' THEN pdf_url ELSE %s END, "
                "updated_at = %s WHERE id = %s",
                [
                    (adapt(REVIEW_NOW), r["customer_id"], adapt(r["issue_date"]), adapt(r["due_date"]), r["amount"],
                     r["currency"], r["po_number"], r["pdf_url"], r["pdf_url"], now, r["id"])
                    for r in records
                ],
            )  # fmt: skip

    def _settle(self, items: list[tuple[dict[str, Any], int]], now: Any) -> None:
        adapt = self.ops.adapt_datefield_value
        rows = []
        for record, amount in items:
            date = record["settled_date"] or self.ctx.as_of
            note = "settled in the ERP" if record["settled_date"] else "open amount from the ERP file"
            rows.append(self._allocation_row(record["kind"], record["id"], amount, adapt(date), note, now))
        _executemany("ledger_allocation", ALLOCATION_COLUMNS, rows)
        # What the ERP settled (or reopened) changes what collection should do: look again.
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE ledger_invoice SET review_on = %s WHERE id = %s",
                [
                    (adapt(REVIEW_NOW), record["id"])
                    for record, _amount in items
                    if record["kind"] != InvoiceKind.CREDIT_NOTE
                ],
            )

    def _allocation_row(self, kind: str, pk: int, amount: int, date: Any, note: str, now: Any) -> tuple[Any, ...]:
        invoice_id, credit_note_id = (None, pk) if kind == InvoiceKind.CREDIT_NOTE else (pk, None)
        return (self.ctx.company.pk, invoice_id, "settlement", None, credit_note_id, amount, date, note, now)

    def _create_customers(self) -> None:
        pending = {code: v for code, v in self.new_customers.items() if code not in self.customers}
        if not pending:
            return
        company = self.ctx.company
        Customer.objects.bulk_create(
            [Customer(company=company, code=code, name=name[:200], language=company.language)
             for code, (_row, name) in pending.items()]
        )  # fmt: skip
        for pk, code in Customer.objects.filter(company=company, code__in=list(pending)).values_list("pk", "code"):
            self.customers[code] = (pk, company.currency, company.default_payment_terms_days)
        self.created_customers += len(pending)

    def finish(self) -> None:
        if not self.ctx.snapshot or not self.ctx.writing:
            return
        now = self.ops.adapt_datetimefield_value(timezone.now())
        date = self.ops.adapt_datefield_value(self.ctx.as_of)
        rows = [
            self._allocation_row(kind, pk, open_amount, date, "absent from the snapshot import", now)
            for pk, (kind, number, open_amount) in self.open_before.items()
            if number not in self.bad_numbers
        ]
        for start in range(0, len(rows), 5000):
            _executemany("ledger_allocation", ALLOCATION_COLUMNS, rows[start : start + 5000])
        self.ctx.counters.closed += len(rows)


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _executemany(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
