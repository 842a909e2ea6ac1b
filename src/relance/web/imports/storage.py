"""Where uploaded import files wait until they are applied: MEDIA_ROOT/private/imports, never
given a URL. The folder follows MEDIA_ROOT at each use (tests move it). A file is deleted once its
import is applied or the upload discarded."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

FOLDER = Path("private") / "imports"


@deconstructible(path="relance.web.imports.storage.ImportStorage")
class ImportStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / FOLDER)

    @property  # type: ignore[override]
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    def url(self, name: str | None) -> str:
        raise ValueError("uploaded import files have no URL")


import_storage = ImportStorage()
