"""An uploaded file on its way into the ledger: its mapping, the check's findings, the progress of
the background work and, once applied, the ledger's ImportRun.

The ledger's `ImportRun` records finished imports (the history); an `ImportUpload` is the
workspace's working state before and while the import runs. Progress is not stored here: the import
runs in one database transaction, so rows written during it would be invisible until the end (and
on SQLite would wait for its lock). It is a small file beside the upload (see services.progress_of).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Company, ImportKind, ImportMode, ImportRun
from relance.web.imports.storage import import_storage


class UploadStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Mapping to confirm")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    APPLYING = "applying", _("Importing")
    APPLIED = "applied", _("Imported")
    REJECTED = "rejected", _("Rejected, nothing imported")
    FAILED = "failed", _("Failed")


RUNNING = frozenset({UploadStatus.CHECKING, UploadStatus.APPLYING})


class ImportUpload(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    mode = models.CharField(max_length=16, choices=ImportMode.choices, default=ImportMode.DELTA)
    create_customers = models.BooleanField(default=False)
    apply_valid_rows = models.BooleanField(default=False)
    file = models.FileField(storage=import_storage, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    headers = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=dict, blank=True, help_text="field -> column header ('' = not imported)")
    rows_total = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.UPLOADED)
    checked = models.BooleanField(default=False, help_text="The last finished work was a check (a dry run).")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="created, updated, unchanged, closed, rows...")
    errors = models.JSONField(default=list, blank=True, help_text="The first row errors: row, column, reason.")
    error_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="Why the background work stopped, when it crashed.")
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} upload {self.original_name} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in RUNNING
