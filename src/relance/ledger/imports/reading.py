"""Open an exported file as a table of rows, whatever the ERP wrote.

CSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 /
Latin-1), the delimiter too (`;`, `,`, tab or `|`, counted outside quotes on the first lines).
Excel (.xlsx, .xls, .ods) is read with python-calamine; its cells arrive typed (numbers, dates).

Rows are numbered as a spreadsheet numbers them: the header is row 1, so "row 7" in an error
message is row 7 when the user opens the file. The first rows are kept as a sample so that value
formats can be detected before the import starts; the rest is streamed.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from relance.core.errors import RelanceError

SAMPLE_ROWS = 2000
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
DELIMITERS = [";", ",", "\t", "|"]


class FileReadError(RelanceError):
    code = "import.file_unreadable"


@dataclass
class Table:
    headers: list[str]
    sample: list[tuple[int, list[object]]]
    rest: Iterator[tuple[int, list[object]]]
    total_size: int
    encoding: str | None = None
    delimiter: str | None = None
    _progress: list[int] = field(default_factory=lambda: [0])

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        """Every data row: (row number as a spreadsheet shows it, cells)."""
        return itertools.chain(self.sample, self.rest)

    @property
    def progress(self) -> int:
        """How much of `total_size` has been read (bytes for CSV, rows for Excel)."""
        return self._progress[0]


class _CountingReader(io.RawIOBase):
    """A binary reader that counts the bytes it hands out (for the progress bar)."""

    def __init__(self, raw: IO[bytes], counter: list[int]) -> None:
        self._raw = raw
        self._counter = counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._counter[0] += n
        return n


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            handle.seek(0)
            try:
                while chunk := handle.read(1 << 20):
                    chunk.decode("cp1252")
            except UnicodeDecodeError:
                return "latin-1"
            return "cp1252"
    return "utf-8"


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header into the most columns, consistently on the next lines."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for n in counts[1:] if n == counts[0])
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def open_table(path: Path | str, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    path = Path(path)
    if not path.is_file():
        raise FileReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FileReadError(f"{path.name}: the file is empty")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _open_excel(path)
    return _open_csv(path, encoding=encoding, delimiter=delimiter)


def _split_header(
    rows: Iterator[tuple[int, list[object]]], path: Path
) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    for _number, cells in rows:
        if any(str(c).strip() for c in cells if c is not None):
            headers = [str(c).strip().lstrip("\ufeff") if c is not None else "" for c in cells]
            return headers, rows
    raise FileReadError(f"{path.name}: no header row found")


def _non_empty(rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    for number, cells in rows:
        if any(c is not None and str(c).strip() for c in cells):
            yield number, cells


def _non_empty_text(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[object]]]:
    """`_non_empty` for CSV rows, whose cells are all text: one join instead of a test per cell."""
    for number, cells in rows:
        if "".join(cells).strip():
            yield number, cells  # type: ignore[misc]


def _open_csv(path: Path, *, encoding: str | None, delimiter: str | None) -> Table:
    encoding = encoding or detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise FileReadError(f"unknown encoding {encoding!r}") from None
    if delimiter is None:
        with path.open(encoding=encoding, errors="replace", newline="") as handle:
            delimiter = detect_delimiter(list(itertools.islice(handle, 20)))
    counter = [0]
    binary = io.BufferedReader(_CountingReader(path.open("rb"), counter), buffer_size=1 << 16)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[object]]]:
        try:
            yield from enumerate(reader, start=1)  # type: ignore[misc]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileReadError(f"{path.name}: row {reader.line_num}: {exc} (is the encoding {encoding}?)") from exc
        finally:
            text.close()

    rows = numbered()
    headers, rows = _split_header(rows, path)
    data = _non_empty_text(rows)  # type: ignore[arg-type]
    sample = list(itertools.islice(data, SAMPLE_ROWS))
    return Table(headers, sample, data, path.stat().st_size, encoding, delimiter, counter)


def _open_excel(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise FileReadError(f"{path.name}: not a readable spreadsheet ({exc})") from exc
    counter = [0]

    def numbered() -> Iterator[tuple[int, list[object]]]:
        for number, cells in enumerate(sheet, start=1):
            counter[0] = number
            yield number, [None if c == "" else c for c in cells]

    rows = numbered()
    headers, rows = _split_header(rows, path)
    data = _non_empty(rows)
    sample = list(itertools.islice(data, SAMPLE_ROWS))
    return Table(headers, sample, data, len(sheet), None, None, counter)
