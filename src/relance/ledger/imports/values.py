"""Parsing of the cell values ERP exports produce: amounts, dates, booleans, codes.

Every parser takes the raw text of a cell (or a value already typed by Excel) and returns the
Python value, or raises `CellError` with a reason a user understands. Number and date formats are
detected once per file from a sample (`detect_decimal_separator`, `detect_date_format`) and then
applied row by row, so a file cannot mix `1,234.56` and `1 234,56` silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
CURRENCY_SIGNS = re.compile(r"[€$£¥]|(?<![A-Z])(EUR|USD|GBP|CHF)(?![A-Z])")


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


# --- amounts ------------------------------------------------------------------------------


def detect_decimal_separator(samples: Iterable[str], default: str = ".") -> str:
    """Guess the decimal separator of a column from its values.

    A value with both separators settles it (the last one is the decimal mark); a single
    separator followed by other than exactly three digits is a decimal mark. Ambiguous values
    such as `1,234` do not vote; when nothing votes, `default` is used (`,` for `;`-separated
    files, which French ERPs produce).
    """
    votes = {".": 0, ",": 0}
    for raw in samples:
        text = raw.translate(SPACES)
        text = CURRENCY_SIGNS.sub("", text).strip("+-() ")
        if not text:
            continue
        last_dot, last_comma = text.rfind("."), text.rfind(",")
        if last_dot >= 0 and last_comma >= 0:
            votes["." if last_dot > last_comma else ","] += 1
        elif last_dot >= 0 or last_comma >= 0:
            sep = "." if last_dot >= 0 else ","
            decimals = len(text) - max(last_dot, last_comma) - 1
            if text.count(sep) > 1:
                votes["," if sep == "." else "."] += 1  # 1.234.567 -> '.' groups thousands
            elif decimals != 3:
                votes[sep] += 1
    if votes["."] == votes[","]:
        return default
    return "." if votes["."] > votes[","] else ","


PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_amount(value: object, decimal_separator: str = ".") -> Decimal:
    """`1 234,56` / `1,234.56` / `-12.5` / `(12.50)` / `12,50 €` -> Decimal. Never a float."""
    thousands = "," if decimal_separator == "." else "."
    if type(value) is str:  # fast path: most cells are plain numbers once spaces are removed
        text = value.translate(SPACES)
        if thousands not in text:
            if decimal_separator == ",":
                text = text.replace(",", ".")
            if PLAIN_NUMBER.fullmatch(text):
                return Decimal(text)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise CellError("not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Excel stores numbers as binary floats; its shortest repr is what the user typed.
        return Decimal(repr(value)).normalize() if value == value else _bad_amount(value)
    text = str(value).translate(SPACES)
    text = CURRENCY_SIGNS.sub("", text).strip()
    if not text:
        raise CellError("empty amount")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-"):  # some ERPs print 12,50-
        negative, text = True, text[:-1]
    if thousands in text:
        integer = text.partition(decimal_separator)[0].lstrip("+-")
        if not re.fullmatch(r"\d{1,3}(?:" + re.escape(thousands) + r"\d{3})+", integer):
            raise CellError(
                f"{str(value)!r}: {thousands!r} is not a thousands separator here (decimal is {decimal_separator!r})"
            )
    text = text.replace(thousands, "")
    if decimal_separator == ",":
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return _bad_amount(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return _bad_amount(value)
    return -amount if negative else amount


def _bad_amount(value: object) -> Decimal:
    raise CellError(f"{str(value)!r} is not an amount")


# --- dates --------------------------------------------------------------------------------

DATE_FORMATS = {
    "iso": ("%Y-%m-%d", re.compile(r"\d{4}-\d{1,2}-\d{1,2}")),
    "dd/mm/yyyy": ("%d/%m/%Y", re.compile(r"\d{1,2}/\d{1,2}/\d{4}")),
    "mm/dd/yyyy": ("%m/%d/%Y", re.compile(r"\d{1,2}/\d{1,2}/\d{4}")),
    "dd.mm.yyyy": ("%d.%m.%Y", re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")),
    "dd-mm-yyyy": ("%d-%m-%Y", re.compile(r"\d{1,2}-\d{1,2}-\d{4}")),
    "dd/mm/yy": ("%d/%m/%y", re.compile(r"\d{1,2}/\d{1,2}/\d{2}")),
    "yyyymmdd": ("%Y%m%d", re.compile(r"\d{8}")),
}
# When several formats read every sample, the first in this order wins: day first, as French and
# British exports write dates; the US order is chosen only when a sample proves it (13/01 fails).
DATE_PREFERENCE = ["iso", "dd/mm/yyyy", "mm/dd/yyyy", "dd.mm.yyyy", "dd-mm-yyyy", "dd/mm/yy", "yyyymmdd"]


def _strip_time(text: str) -> str:
    # "2024-03-01 00:00:00" or "2024-03-01T00:00:00" -> "2024-03-01"
    return re.split(r"[ T]", text.strip(), maxsplit=1)[0]


def detect_date_format(samples: Iterable[str], default: str = "dd/mm/yyyy") -> str:
    """The format that reads the most sample values; on a tie, the first in DATE_PREFERENCE.

    Counting rather than requiring every value keeps one mistyped date (`2026-13-45`) from
    changing how the whole column is read: that row is reported, the others are read right.
    """
    texts = [_strip_time(s) for s in samples if isinstance(s, str) and s.strip()]
    best, best_count = default, 0
    for name in DATE_PREFERENCE:
        pattern, shape = DATE_FORMATS[name]
        count = 0
        for text in texts:
            if shape.fullmatch(text):
                try:
                    dt.datetime.strptime(text, pattern)  # noqa: DTZ007 - a calendar date, no time zone
                except ValueError:
                    continue
                count += 1
        if count > best_count:
            best, best_count = name, count
    return best


def parse_date(value: object, date_format: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _parse_date_text(str(value), date_format)


@lru_cache(maxsize=65536)
def _parse_date_text(raw: str, date_format: str) -> dt.date:
    # Exports repeat the same few hundred dates a million times: parse each text once.
    text = _strip_time(raw)
    if not text:
        raise CellError("empty date")
    pattern, shape = DATE_FORMATS[date_format]
    if not shape.fullmatch(text):
        raise CellError(f"{raw!r} is not a date in the format {date_format}")
    try:
        return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise CellError(f"{raw!r} is not a valid date ({date_format})") from None


# --- other cells --------------------------------------------------------------------------

TRUE_WORDS = {"1", "y", "yes", "true", "oui", "o", "vrai", "x"}
FALSE_WORDS = {"0", "n", "no", "false", "non", "faux", ""}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(f"{str(value)!r} is not yes/no")


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise CellError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise CellError(f"{text!r} is not a whole number")
    return int(text)


def cell_text(value: object) -> str:
    """Text of a cell; Excel integers typed as floats (1234.0) come back as `1234`."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()
