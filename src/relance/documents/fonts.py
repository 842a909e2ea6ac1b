"""Fonts of the PDF documents, and making every string printable with them.

Two modes:

* **built-in** (the default): ReportLab's standard Helvetica, not embedded, with its WinAnsi
  (cp1252) encoding. It covers English, French and most Western European text, the euro sign and
  the no-break space, and costs nothing per document. Characters outside cp1252 would print as a
  black box, so `pdf_text` replaces them first: the narrow no-break space and thin spaces that
  Babel puts in French amounts (``1\u202f234,56\xa0€``) become a no-break space (U+00A0, in
  cp1252, so amounts still never break across lines); letters with diacritics outside cp1252
  lose the diacritic (``ő`` -> ``o``, ``Ł`` -> ``L``); anything else becomes ``?``.
* **TrueType**: set ``RELANCE_PDF_FONTS = {"regular": "/path/Regular.ttf", "bold": "/path/Bold.ttf"}``
  in the Django settings (for instance Debian's fonts-dejavu-core, ``/usr/share/fonts/truetype/
  dejavu/DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf``). The fonts are embedded (subset) in every
  PDF and text is printed as is, for a few milliseconds more per document; a character the font
  has no glyph for (Chinese in DejaVu Sans, say) becomes ``?`` rather than a box.

No font file is shipped with Relance.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

BUILTIN_REGULAR = "Helvetica"
BUILTIN_BOLD = "Helvetica-Bold"
BUILTIN_ITALIC = "Helvetica-Oblique"

# Spaces Babel and users produce that cp1252 lacks: printed as a no-break space.
_SPACES = {"\u202f": "\u00a0", "\u2009": "\u00a0", "\u2007": "\u00a0", "\u2002": " ", "\u2003": " ", "\u200b": ""}
# Letters that Unicode does not decompose into a base letter and a combining mark.
_LETTERS = {
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "\u0131": "i",  # dotless i
    "Ŀ": "L",
    "ŀ": "l",
    "Ŋ": "N",
    "ŋ": "n",
    "Ŧ": "T",
    "ŧ": "t",
    "ĸ": "k",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
}


@dataclass(frozen=True, slots=True)
class FontFamily:
    regular: str
    bold: str
    italic: str
    unicode: bool  # True: a TrueType font, text printed as is; False: text reduced to cp1252
    covered: frozenset[int] = frozenset()  # code points with a glyph in every font of the family (TrueType)


BUILTIN = FontFamily(regular=BUILTIN_REGULAR, bold=BUILTIN_BOLD, italic=BUILTIN_ITALIC, unicode=False)


@cache
def _register_ttf(regular: str, bold: str) -> FontFamily:
    for path in (regular, bold):
        if not Path(path).is_file():
            raise FileNotFoundError(f"RELANCE_PDF_FONTS: font file {path} not found")
    fonts = [TTFont("RelanceSans", regular), TTFont("RelanceSans-Bold", bold)]
    for font in fonts:
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(
        "RelanceSans",
        normal="RelanceSans",
        bold="RelanceSans-Bold",
        italic="RelanceSans",
        boldItalic="RelanceSans-Bold",
    )
    covered = frozenset(fonts[0].face.charToGlyph) & frozenset(fonts[1].face.charToGlyph)
    return FontFamily(
        regular="RelanceSans", bold="RelanceSans-Bold", italic="RelanceSans", unicode=True, covered=covered
    )


def font_family() -> FontFamily:
    """The family the documents use, from the ``RELANCE_PDF_FONTS`` setting (built-in when unset)."""
    configured: Any = getattr(settings, "RELANCE_PDF_FONTS", None)
    if not configured:
        return BUILTIN
    return _register_ttf(str(configured["regular"]), str(configured.get("bold", configured["regular"])))


@cache
def _cp1252_char(char: str) -> str:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        pass
    else:
        return char
    if char in _SPACES:
        return _SPACES[char]
    if char in _LETTERS:
        return _LETTERS[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        base.encode("cp1252")
    except UnicodeEncodeError:
        return "?"
    return base or "?"


def to_cp1252(text: str) -> str:
    """`text` reduced to characters the built-in fonts can print (see the module docstring)."""
    if text.isascii():
        return text
    return "".join(_cp1252_char(char) for char in text)


def pdf_text(text: str, family: FontFamily) -> str:
    """`text` ready to be drawn with `family`: reduced to cp1252 for the built-in fonts; for a
    TrueType font, unchanged except characters it has no glyph for, which become ``?``."""
    if not family.unicode:
        return to_cp1252(text)
    if text.isascii() or all(ord(char) in family.covered for char in text):
        return text
    return "".join(char if ord(char) in family.covered or char in "\n\t" else "?" for char in text)
