"""Workspace: the import page. Upload a file, confirm or edit the detected column mapping, check it
(the row errors, downloadable), apply it in the background with progress, see the result and the
history of imports. Administrators and credit managers only; everything is the current company's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.ledger.models import ImportKind, ImportRun
from relance.web.access import workspace_view
from relance.web.imports.forms import MappingForm, UploadForm
from relance.web.imports.models import ImportUpload, UploadStatus
from relance.web.imports.services import (
    APPLY,
    CHECK,
    UploadError,
    mapping_problems,
    progress_of,
    upload_configure,
    upload_create,
    upload_discard,
    upload_preview,
    upload_start,
)

HISTORY_PAGE = 25
ERRORS_SHOWN = 200


def _upload(request: HttpRequest, pk: int) -> ImportUpload:
    return get_object_or_404(ImportUpload.objects.select_related("run"), company=request.ws.company, pk=pk)  # type: ignore[attr-defined]


def _run(request: HttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun, company=request.ws.company, pk=pk)  # type: ignore[attr-defined]


def _index(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    runs = ImportRun.objects.filter(company=company).order_by("-started_at", "-id").defer("errors")
    page = Paginator(runs, HISTORY_PAGE).get_page(request.GET.get("page"))
    pending = (
        ImportUpload.objects.filter(company=company)
        .exclude(status=UploadStatus.APPLIED)
        .defer("errors", "result", "headers", "columns")[:20]
    )
    context = {"section": "imports", "form": form, "page": page, "pending": pending}
    return render(request, "imports/index.html", context, status=status)


@workspace_view(manager=True)
def index(request: HttpRequest) -> HttpResponse:
    return _index(request, UploadForm(initial={"kind": request.GET.get("kind") or ImportKind.INVOICES}))


@require_POST
@workspace_view(manager=True)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            created = upload_create(
                company=request.ws.company,  # type: ignore[attr-defined]
                kind=form.cleaned_data["kind"],
                uploaded=form.cleaned_data["file"],
                user=request.user,
            )
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:detail", pk=created.pk)
    return _index(request, form, status=400)


def _mapping_form(upload: ImportUpload, data: Any = None) -> MappingForm:
    initial: dict[str, Any] = {f"col_{name}": header for name, header in upload.columns.items()}
    initial.update(mode=upload.mode, create_customers=upload.create_customers, apply_valid_rows=upload.apply_valid_rows)
    return MappingForm(data, kind=upload.kind, headers=upload.headers, initial=initial)


def _detail(
    request: HttpRequest, upload: ImportUpload, form: MappingForm | None = None, status: int = 200
) -> HttpResponse:
    form = form or _mapping_form(upload)
    done, total = progress_of(upload) if upload.running else (0, upload.rows_total)
    problems = mapping_problems(upload, upload.columns) if upload.file else []
    context = {
        "section": "imports",
        "upload": upload,
        "form": form,
        "problems": problems,
        "preview": upload_preview(upload),
        "errors_shown": upload.errors[:ERRORS_SHOWN],
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else 0,
        "can_run": bool(upload.file) and not upload.running and request.ws.can_write,  # type: ignore[attr-defined]
    }
    return render(request, "imports/detail.html", context, status=status)


@workspace_view(manager=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _upload(request, pk))


@require_POST
@workspace_view(manager=True)
def configure(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the mapping and options, then check or apply when asked."""
    upload = _upload(request, pk)
    if not upload.file or upload.running:
        messages.error(request, _("This file cannot be changed now."))
        return redirect("imports:detail", pk=upload.pk)
    form = _mapping_form(upload, request.POST)
    if not form.is_valid():
        return _detail(request, upload, form, status=400)
    problems = upload_configure(
        upload=upload, columns=form.columns(), mode=form.cleaned_data["mode"],
        create_customers=bool(form.cleaned_data.get("create_customers")),
        apply_valid_rows=bool(form.cleaned_data.get("apply_valid_rows")), actor=request.ws.actor,  # type: ignore[attr-defined]
    )  # fmt: skip
    action = request.POST.get("action", "save")
    if problems:
        messages.error(request, _("The mapping is not complete: %(problems)s") % {"problems": "; ".join(problems)})
        return _detail(request, upload, _mapping_form(upload, request.POST), status=400)
    if action in (CHECK, APPLY):
        try:
            upload_start(upload=upload, action=action, user=request.user)
        except UploadError as exc:
            messages.error(request, str(exc))
    else:
        messages.success(request, _("Mapping saved; it will be proposed for the next file of this kind."))
    return redirect("imports:detail", pk=upload.pk)


@workspace_view(manager=True)
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment polled by the page while the work runs; once finished, the page reloads."""
    upload = _upload(request, pk)
    done, total = progress_of(upload)
    context = {"upload": upload, "done": done, "total": total, "percent": int(done * 100 / total) if total else 0}
    response = render(request, "imports/_progress.html", context)
    if not upload.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@workspace_view(manager=True)
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    try:
        upload_discard(upload=upload)
    except UploadError as exc:
        messages.error(request, str(exc))
        return redirect("imports:detail", pk=upload.pk)
    messages.success(request, _("The uploaded file was deleted."))
    return redirect("imports:index")


def _errors_csv(rows: Iterable[Mapping[str, Any]], name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # Excel opens UTF-8 with its BOM
    writer = csv.writer(response)
    writer.writerow([_("Row"), _("Column"), _("Reason")])
    for error in rows:
        writer.writerow([error.get("row", ""), _safe(error.get("column", "")), _safe(error.get("reason", ""))])
    return response


def _safe(value: object) -> str:
    """A spreadsheet must not run a formula it finds in an error (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@workspace_view(manager=True)
def upload_errors(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    return _errors_csv(upload.errors, f"import-{upload.pk}-errors.csv")


@workspace_view(manager=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    context = {"section": "imports", "run": run, "errors_shown": run.errors[:ERRORS_SHOWN]}
    return render(request, "imports/run.html", context)


@workspace_view(manager=True)
def run_errors(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    return _errors_csv(run.errors, f"import-run-{run.pk}-errors.csv")
