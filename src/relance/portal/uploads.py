"""Checks on the files a customer uploads: size, count and type, the type read from the content.

The extension must agree with what the first bytes say: a PDF starts with ``%PDF-``, a PNG with
its signature, an Office Open XML or OpenDocument file is a ZIP holding ``[Content_Types].xml``
or ``mimetype``, a legacy Office file (.doc, .xls, .msg) is an OLE compound file, an e-mail
(.eml) is text that starts with header lines. Anything else, or a renamed file, is refused with a
message saying why. Executables renamed to .pdf, HTML pages renamed to .png and ZIP archives
renamed to .docx are all refused.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

KINDS: dict[str, tuple[str, str]] = {
    # extension: (family, content type)
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "docx": ("ooxml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("ooxml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("ooxml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": ("odf", "application/vnd.oasis.opendocument.text"),
    "ods": ("odf", "application/vnd.oasis.opendocument.spreadsheet"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "msg": ("ole", "application/vnd.ms-outlook"),
    "eml": ("eml", "message/rfc822"),
    "txt": ("text", "text/plain"),
}
ALLOWED = ", ".join(f".{ext}" for ext in KINDS)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?[^\r\n]*\r?$")


class UploadRefused(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes
    sha256: str


def _family(head: bytes, content: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            return "ooxml"
        if "mimetype" in names:
            return "odf"
        return "zip"
    if _is_text(content):
        head_lines = []
        for line in content.lstrip(b"\r\n").split(b"\n", 20)[:20]:
            if not line.strip():
                break
            head_lines.append(line)
        headers = [line for line in head_lines if line[:1] not in (b" ", b"\t")]
        if len(headers) >= 2 and all(_HEADER_LINE.match(line) for line in headers):
            return "eml"
        return "text"
    return None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content[:8192]:
        return False
    try:
        text = content[:8192].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = content[:8192].decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            return False
    return "<script" not in text.lower() and "<html" not in text.lower()


def check_upload(upload: UploadedFile, *, max_bytes: int) -> CheckedFile:
    """The file's content and its type, or UploadRefused with a message for the customer."""
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    size = upload.size or 0
    if size > max_bytes:
        raise UploadRefused(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s per file.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    if size == 0:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise UploadRefused(
            _("%(name)s: this type of file is not accepted. Accepted: %(allowed)s.")
            % {"name": name, "allowed": ALLOWED}
        )
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise UploadRefused(
            _("%(name)s is too large; the limit is %(limit)s per file.")
            % {"name": name, "limit": filesizeformat(max_bytes)}
        )
    family, content_type = KINDS[extension]
    found = _family(content[:16], content)
    matches = found == family or (family == "text" and found == "eml") or (family == "eml" and found == "eml")
    if not matches:
        raise UploadRefused(
            _("%(name)s does not contain what its name says (.%(extension)s); it was not accepted.")
            % {"name": name, "extension": extension}
        )
    return CheckedFile(
        name=name, content_type=content_type, content=content, sha256=hashlib.sha256(content).hexdigest()
    )
