"""Real PDF tools for the document tests: poppler's pdftotext/pdfinfo/pdftoppm and zbar's zbarimg.

A test that needs one calls `require(tool)`: skipped with a clear message when the tool is not
installed, failed when the environment variable CI is set (CI must install poppler-utils and
zbar-tools from Debian).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PACKAGES = {
    "pdftotext": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "zbarimg": "zbar-tools",
}


def require(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            package = PACKAGES.get(tool, tool)
            message = f"{tool} is not installed (Debian package {package}: apt-get install -y {package})"
            if os.environ.get("CI"):
                pytest.fail(f"{message}; CI must install it")
            pytest.skip(message)


def _run(*args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, input=input_bytes, capture_output=True, check=False, timeout=60)


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """The text pdftotext extracts; no-break and narrow no-break spaces read as plain spaces."""
    require("pdftotext")
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    result = _run(*args, input_bytes=data)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8").replace("\u00a0", " ").replace("\u202f", " ")


def flat(text: str) -> str:
    """Whitespace collapsed to single spaces, for phrases that may wrap across lines."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def page_count(data: bytes) -> int:
    """Pages according to pdfinfo; a PDF pdfinfo cannot open fails the test."""
    require("pdfinfo")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(data)
        result = _run("pdfinfo", str(path))
    assert result.returncode == 0, result.stderr.decode()
    match = re.search(rb"^Pages:\s+(\d+)", result.stdout, re.MULTILINE)
    assert match, result.stdout.decode()
    return int(match.group(1))


def page_texts(data: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    return pdf_text(data).split("\f")[: page_count(data)]


def decode_qr_codes(data: bytes, *, dpi: int = 200) -> list[str]:
    """The QR code zbarimg finds on each page rendered at `dpi`, its bytes decoded as UTF-8.

    zbar runs in binary mode (its guess of the character set garbles UTF-8 names), in which it
    prints several codes of one image without a separator: at most one code per page, then.
    """
    require("pdftoppm", "zbarimg")
    found: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "doc.pdf"
        pdf.write_bytes(data)
        result = _run("pdftoppm", "-r", str(dpi), "-png", str(pdf), str(Path(folder) / "page"))
        assert result.returncode == 0, result.stderr.decode()
        for image in sorted(Path(folder).glob("page*.png")):
            # binary: the raw bytes, not zbar's guess of their character set
            scan = _run("zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", "-Sbinary", str(image))
            if scan.returncode == 4:  # no symbol on this page
                continue
            assert scan.returncode == 0, scan.stderr.decode()
            found.append(scan.stdout.decode("utf-8").removesuffix("\n"))
    return found
