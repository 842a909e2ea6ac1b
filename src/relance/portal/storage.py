"""Private storage for what customers upload: under MEDIA_ROOT/private, never given a URL.

The files are served only by `portal.views.submission_file`, to signed-in members of the company
the submission belongs to. The location follows MEDIA_ROOT at each use (tests move it).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

PRIVATE_DIR = "private"


@deconstructible(path="relance.portal.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / PRIVATE_DIR)

    @property  # type: ignore[override]
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL")


private_storage = PrivateStorage()
