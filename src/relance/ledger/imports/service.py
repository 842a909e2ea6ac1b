"""`import_file`: one file of one kind into one company, all or nothing (or valid rows only).

    result = import_file(company=c, kind="invoices", path=p, actor=Actor.system("cli"))

1. open the file (encoding and delimiter detected) and map its columns (given > saved > recognised);
2. detect number and date formats from the first rows;
3. read, check and apply the rows in batches inside ONE transaction; when any row is bad and
   `apply_valid_rows` is off, the transaction is rolled back and every problem is reported;
4. record an ImportRun and an audit event; remember the mapping for the next file of this kind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from relance.core.audit import Actor, record
from relance.core.batch import no_cyclic_gc
from relance.core.errors import RelanceError
from relance.ledger.imports.cells import RowReader
from relance.ledger.imports.common import Counters, ImportContext, Importer, RowError
from relance.ledger.imports.invoices import InvoiceImporter
from relance.ledger.imports.mapping import MappingError, field_specs, resolve_mapping
from relance.ledger.imports.parties import ContactImporter, CustomerImporter
from relance.ledger.imports.payments import PaymentImporter
from relance.ledger.imports.reading import FileReadError, open_table
from relance.ledger.models import Company, ImportKind, ImportMapping, ImportMode, ImportRun, ImportStatus
from relance.ledger.selectors import company_today

BATCH_SIZE = 2000
MAX_STORED_ERRORS = 1000
IMPORTERS: dict[str, Callable[[ImportContext], Importer]] = {
    ImportKind.CUSTOMERS: CustomerImporter,
    ImportKind.CONTACTS: ContactImporter,
    ImportKind.INVOICES: InvoiceImporter,
    ImportKind.PAYMENTS: PaymentImporter,
}
ProgressCallback = Callable[[int, int], None]
RowsCallback = Callable[[int], None]


@dataclass
class ImportResult:
    kind: str
    mode: str
    status: str
    rows: int = 0
    counters: Counters = field(default_factory=Counters)
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> header used
    formats: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    customers_created: int = 0
    run_id: int | None = None

    @property
    def applied(self) -> bool:
        return self.status in (ImportStatus.APPLIED, ImportStatus.PARTIAL)


class _Rollback(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    *,
    company: Company,
    kind: str,
    path: Path | str,
    actor: Actor,
    mode: str = ImportMode.DELTA,
    columns: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    apply_valid_rows: bool = False,
    create_customers: bool = False,
    as_of: dt.date | None = None,
    remember_mapping: bool = True,
    progress: ProgressCallback | None = None,
    on_rows: RowsCallback | None = None,
) -> ImportResult:
    path = Path(path)
    started = timezone.now()
    as_of = as_of or company_today(company)
    options = {k: v for k, v in (options or {}).items() if v}
    result = ImportResult(kind=kind, mode=mode, status=ImportStatus.REJECTED)
    if mode == ImportMode.SNAPSHOT and kind != ImportKind.INVOICES:
        raise RelanceError("snapshot mode applies to invoices (the list of open items) only", code="import.mode")
    specs = field_specs(kind)
    saved = ImportMapping.objects.filter(company=company, kind=kind).first()
    saved_options = saved.options if saved else {}
    parse_options = {**saved_options, **options}
    try:
        table = open_table(path, encoding=parse_options.get("encoding"), delimiter=parse_options.get("delimiter"))
        mapping = resolve_mapping(kind, table.headers, explicit=columns, saved=saved.columns if saved else None)
    except (FileReadError, MappingError) as exc:
        result.errors.append(RowError(1 if isinstance(exc, MappingError) else 0, "", str(exc)))
        _finish(result, company=company, path=path, actor=actor, started=started, as_of=as_of)
        return result
    result.encoding, result.delimiter = table.encoding, table.delimiter
    result.columns = {name: table.headers[index] for name, index in mapping.items()}
    reader = RowReader(specs, mapping, table.headers, table.sample, delimiter=table.delimiter, options=parse_options)
    result.formats = reader.formats
    ctx = ImportContext(company=company, as_of=as_of, snapshot=mode == ImportMode.SNAPSHOT,
                        create_customers=create_customers, reader=reader)  # fmt: skip
    try:
        with no_cyclic_gc(), transaction.atomic():
            importer = IMPORTERS[kind](ctx)
            rows = table.rows()
            while batch := list(itertools.islice(rows, BATCH_SIZE)):
                typed = []
                for number, cells in batch:
                    values, problems = reader.read(cells)
                    for column, reason in problems:
                        ctx.error(number, column, reason)
                    if problems:
                        importer.note_bad_row(number, values)
                    else:
                        typed.append((number, values))
                result.rows += len(batch)
                importer.process(typed)
                if ctx.errors and not apply_valid_rows:
                    ctx.writing = False
                if progress is not None:
                    progress(table.progress, table.total_size)
                if on_rows is not None:
                    on_rows(result.rows)
            if not ctx.errors or apply_valid_rows:
                importer.finish()
            result.customers_created = getattr(importer, "created_customers", 0)
            if ctx.errors and not apply_valid_rows:
                raise _Rollback
    except _Rollback:
        result.counters = Counters()
        result.customers_created = 0
    except FileReadError as exc:
        ctx.error(0, "", str(exc))
        result.counters = Counters()
    else:
        result.counters = ctx.counters
        result.status = ImportStatus.PARTIAL if ctx.errors else ImportStatus.APPLIED
        if remember_mapping:
            remembered = {
                k: v for k, v in parse_options.items() if k in {"date_format", "decimal", "delimiter", "encoding"}
            }
            left_out = {name: "" for name, header in (columns or {}).items() if not header}
            ImportMapping.objects.update_or_create(
                company=company, kind=kind, defaults={"columns": {**left_out, **result.columns}, "options": remembered}
            )
    result.errors = sorted(ctx.errors, key=lambda e: e.row)
    _finish(result, company=company, path=path, actor=actor, started=started, as_of=as_of)
    return result


def import_mapping_save(*, company: Company, kind: str, columns: dict[str, str], actor: Actor) -> ImportMapping:
    """Remember which column feeds which field for the next file of this kind ("" = not imported).
    Parsing options already remembered are kept. MappingError for a field the kind does not have."""
    known = {spec.name for spec in field_specs(kind)}
    unknown = sorted(set(columns) - known)
    if unknown:
        raise MappingError(f"unknown field(s) {', '.join(unknown)} for {kind}")
    with transaction.atomic():
        mapping, created = ImportMapping.objects.get_or_create(
            company=company, kind=kind, defaults={"columns": columns}
        )
        if not created and mapping.columns != columns:
            mapping.columns = columns
            mapping.save(update_fields=["columns", "updated_at"])
        elif not created:
            return mapping
        record(
            actor=actor, code="ledger.import.mapping_saved", company=company, obj=mapping,
            data={"kind": kind, "columns": columns},
        )  # fmt: skip
    return mapping


def _finish(
    result: ImportResult, *, company: Company, path: Path, actor: Actor, started: dt.datetime, as_of: dt.date
) -> None:
    c = result.counters
    run = ImportRun.objects.create(
        company=company, kind=result.kind, mode=result.mode, file_name=path.name[:255],
        file_sha256=_sha256(path) if path.is_file() else "", status=result.status, as_of=as_of,
        actor_label=actor.label, started_at=started, finished_at=timezone.now(), rows=result.rows,
        created=c.created, updated=c.updated, unchanged=c.unchanged, closed=c.closed,
        error_count=len(result.errors),
        errors=[{"row": e.row, "column": e.column, "reason": e.reason} for e in result.errors[:MAX_STORED_ERRORS]],
    )  # fmt: skip
    result.run_id = run.pk
    data: dict[str, Any] = {
        "run": run.pk, "file": run.file_name, "status": result.status, "rows": result.rows, "created": c.created,
        "updated": c.updated, "unchanged": c.unchanged, "closed": c.closed, "errors": len(result.errors),
    }  # fmt: skip
    code = "ledger.import.applied" if result.applied else "ledger.import.rejected"
    record(actor=actor, code=code, company=company, obj=run, data=data)
