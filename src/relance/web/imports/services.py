"""The import page's work: keep an uploaded file, propose its mapping, check it (a dry run), apply it
in the background with progress, and forget the file once applied.

    upload = upload_create(company=c, kind="invoices", uploaded=f, user=u)     # headers, row count
    upload_configure(upload=upload, columns={...}, mode="delta", ..., actor=a)  # saved for next time
    upload_start(upload=upload, action="check", user=u)                        # enqueued task

The ledger's engine (`ledger.imports.service.import_file`) does the reading, checking and writing
in one transaction, all or nothing. A check runs the same engine inside a transaction that is
rolled back, so it finds exactly the errors the import would find, and counts what it would do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from relance.core.audit import Actor
from relance.core.errors import RelanceError
from relance.ledger.imports.mapping import detect_mapping, field_specs
from relance.ledger.imports.reading import EXCEL_SUFFIXES, FileReadError, open_table
from relance.ledger.imports.service import MAX_STORED_ERRORS, import_file, import_mapping_save
from relance.ledger.models import Company, ImportKind, ImportMapping, ImportMode, ImportStatus
from relance.web.imports.models import RUNNING, ImportUpload, UploadStatus

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = frozenset({".csv", ".txt", ".tsv", *EXCEL_SUFFIXES})
PREVIEW_ROWS = 10
STALE_AFTER = dt.timedelta(days=7)
CHECK, APPLY = "check", "apply"


class UploadError(RelanceError):
    code = "import.upload"


# --- the file ------------------------------------------------------------------------------------


def _path(upload: ImportUpload) -> Path:
    return Path(upload.file.path)


def upload_create(*, company: Company, kind: str, uploaded: UploadedFile, user: Any) -> ImportUpload:
    """Store the file privately, read its header and count its rows. UploadError when the file is
    too large, of a type that cannot be imported, empty or unreadable (nothing is kept then)."""
    if kind not in ImportKind.values:
        raise UploadError(f"unknown import kind {kind!r}")
    name = Path(uploaded.name or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadError(
            f"{name}: files of type {suffix or '(none)'} cannot be imported; use CSV or Excel (.xlsx)",
            code="import.upload_type",
        )
    if (uploaded.size or 0) > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"{name} is {uploaded.size // (1024 * 1024)} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
            code="import.upload_size",
        )
    upload_purge_stale(company=company)
    upload = ImportUpload(company=company, kind=kind, original_name=name[:255], size=uploaded.size or 0,
                          created_by=user if getattr(user, "pk", None) else None)  # fmt: skip
    # A folder per upload keeps the user's file name, which the ledger's ImportRun records.
    upload.file.save(f"{company.pk}/{secrets.token_hex(8)}/{name}", uploaded, save=False)
    try:
        table = open_table(_path(upload))
        headers = list(table.headers)
        total = sum(1 for _ in table.rows())
    except FileReadError as exc:
        stored = _path(upload)
        upload.file.delete(save=False)
        message = str(exc).replace(str(stored), name).replace(stored.name, name)
        raise UploadError(message, code="import.upload_unreadable") from exc
    if not total:
        upload.file.delete(save=False)
        raise UploadError(f"{name}: the file has a header row but no data rows", code="import.upload_empty")
    upload.headers, upload.rows_total = headers, total
    upload.columns = proposed_columns(upload)
    upload.save()
    return upload


def proposed_columns(upload: ImportUpload) -> dict[str, str]:
    """field -> header: the upload's own choice, else the company's saved mapping, else recognition."""
    saved = ImportMapping.objects.filter(company_id=upload.company_id, kind=upload.kind).first()
    mapping, _problems = detect_mapping(
        upload.kind, upload.headers, explicit=None, saved=saved.columns if saved else None
    )
    proposed = {spec.name: "" for spec in field_specs(upload.kind)}
    proposed.update({name: upload.headers[index] for name, index in mapping.items()})
    return proposed


def mapping_problems(upload: ImportUpload, columns: dict[str, str]) -> list[str]:
    _mapping, problems = detect_mapping(upload.kind, upload.headers, explicit=columns)
    return problems


def upload_preview(upload: ImportUpload, limit: int = PREVIEW_ROWS) -> list[tuple[int, list[str]]]:
    """The first data rows as text, numbered as a spreadsheet shows them."""
    if not upload.file:
        return []
    try:
        table = open_table(_path(upload))
    except (FileReadError, OSError):
        return []
    width = len(upload.headers)
    rows = []
    for number, cells in table.sample[:limit]:
        texts = ["" if c is None else str(c) for c in cells][:width]
        rows.append((number, texts + [""] * (width - len(texts))))
    return rows


def upload_configure(
    *,
    upload: ImportUpload,
    columns: dict[str, str],
    mode: str,
    create_customers: bool,
    apply_valid_rows: bool,
    actor: Actor,
) -> list[str]:
    """Keep the user's mapping and options on the upload; when the mapping is usable, remember it
    for the company's next file of this kind. Returns the mapping's problems (empty when usable)."""
    if mode not in ImportMode.values:
        raise UploadError(f"unknown mode {mode!r}")
    if mode == ImportMode.SNAPSHOT and upload.kind != ImportKind.INVOICES:
        mode = ImportMode.DELTA
    known = {spec.name for spec in field_specs(upload.kind)}
    columns = {name: header if header in upload.headers else "" for name, header in columns.items() if name in known}
    problems = mapping_problems(upload, columns)
    upload.columns, upload.mode = columns, mode
    upload.create_customers = create_customers and upload.kind == ImportKind.INVOICES
    upload.apply_valid_rows = apply_valid_rows
    upload.save(update_fields=["columns", "mode", "create_customers", "apply_valid_rows"])
    if not problems:
        import_mapping_save(company=upload.company, kind=upload.kind, columns=columns, actor=actor)
    return problems


def upload_discard(*, upload: ImportUpload) -> None:
    if upload.running:
        raise UploadError("the import is running; wait for it to finish", code="import.running")
    _forget_file(upload)
    upload.delete()


def upload_purge_stale(*, company: Company, now: dt.datetime | None = None) -> int:
    """Delete the files of uploads left unapplied for a week (and those rows)."""
    limit = (now or timezone.now()) - STALE_AFTER
    stale = ImportUpload.objects.filter(company=company, created_at__lt=limit).exclude(status__in=RUNNING)
    count = 0
    for upload in stale:
        _forget_file(upload)
        upload.delete()
        count += 1
    return count


def _forget_file(upload: ImportUpload) -> None:
    if upload.file:
        progress = _progress_path(upload)
        upload.file.delete(save=False)
        progress.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the upload's own folder, once empty
            progress.parent.rmdir()


# --- progress ------------------------------------------------------------------------------------


def _progress_path(upload: ImportUpload) -> Path:
    return _path(upload).with_name(_path(upload).name + ".progress.json")


def _write_progress(upload: ImportUpload, rows: int) -> None:
    path = _progress_path(upload)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"rows": rows, "total": upload.rows_total}), encoding="utf-8")
    os.replace(temporary, path)  # readers never see half a file


def progress_of(upload: ImportUpload) -> tuple[int, int]:
    """(rows done, rows in the file) of the running work."""
    if not upload.file:
        return 0, upload.rows_total
    try:
        data = json.loads(_progress_path(upload).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, upload.rows_total
    return min(int(data.get("rows", 0)), upload.rows_total), upload.rows_total


# --- the background work -------------------------------------------------------------------------


def upload_start(*, upload: ImportUpload, action: str, user: Any) -> ImportUpload:
    """Queue a check or an import of the upload (Django's task API; `relance worker` runs it)."""
    from relance.web.imports.tasks import import_upload_process

    if action not in (CHECK, APPLY):
        raise UploadError(f"unknown action {action!r}")
    if upload.running:
        raise UploadError("a check or an import of this file is already running", code="import.running")
    if not upload.file:
        raise UploadError("this file was already imported; upload it again to import it again", code="import.gone")
    problems = mapping_problems(upload, upload.columns)
    if problems:
        raise UploadError("; ".join(problems), code="import.mapping")
    with transaction.atomic():
        upload.status = UploadStatus.CHECKING if action == CHECK else UploadStatus.APPLYING
        upload.started_at, upload.finished_at, upload.failure = timezone.now(), None, ""
        upload.save(update_fields=["status", "started_at", "finished_at", "failure"])
        _write_progress(upload, 0)
        import_upload_process.enqueue(upload.pk, action, user.pk)
    upload.refresh_from_db()
    return upload


def _errors(items: Iterable[Any]) -> list[dict[str, object]]:
    return [{"row": e.row, "column": e.column, "reason": e.reason} for e in items]


def upload_process(*, upload_id: int, action: str, actor: Actor) -> ImportUpload:
    """The task's body: run the engine on the upload (rolled back for a check) and keep the outcome."""
    upload = ImportUpload.objects.select_related("company").get(pk=upload_id)
    dry_run = action == CHECK
    options = {
        "company": upload.company, "kind": upload.kind, "path": _path(upload), "actor": actor, "mode": upload.mode,
        "columns": upload.columns, "apply_valid_rows": upload.apply_valid_rows,
        "create_customers": upload.create_customers, "on_rows": lambda rows: _write_progress(upload, rows),
    }  # fmt: skip
    try:
        if dry_run:
            with transaction.atomic():
                result = import_file(**options, remember_mapping=False)
                transaction.set_rollback(True)  # a check changes nothing, not even the history
        else:
            result = import_file(**options)
    except Exception as exc:  # the page must say the work stopped, whatever stopped it
        logger.exception("import upload %s: %s failed", upload.pk, action)
        upload.status, upload.failure, upload.finished_at = UploadStatus.FAILED, str(exc)[:2000], timezone.now()
        upload.save(update_fields=["status", "failure", "finished_at"])
        return upload
    counters = result.counters
    upload.result = {
        "rows": result.rows, "created": counters.created, "updated": counters.updated,
        "unchanged": counters.unchanged, "closed": counters.closed, "customers_created": result.customers_created,
        "status": result.status, "columns": result.columns, "formats": result.formats,
    }  # fmt: skip
    upload.errors = _errors(result.errors[:MAX_STORED_ERRORS])
    upload.error_count = len(result.errors)
    upload.checked = dry_run
    upload.finished_at = timezone.now()
    if dry_run:
        upload.status = UploadStatus.CHECKED
    elif result.status == ImportStatus.REJECTED:
        upload.status = UploadStatus.REJECTED
    else:
        upload.status = UploadStatus.APPLIED
    if not dry_run and result.run_id:
        upload.run_id = result.run_id
    upload.save()
    if upload.status == UploadStatus.APPLIED:
        _forget_file(upload)  # applied: the file is no longer needed, and it may hold personal data
        upload.file = None  # type: ignore[assignment]
        upload.save(update_fields=["file"])
    else:
        _write_progress(upload, result.rows)
    return upload
